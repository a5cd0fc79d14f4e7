/**
 * The AI Deploy app's OTLP credential through the real dynamic provider and the schema-true fake OVH API
 * (tests/fakes/ovhApi.ts): sent as a variable only in requests, never in the outputs' body, changed by an update, and
 * removed (empty value, UpdateInput's patch semantics) when tracing is turned off.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AppProvider, type AppInputs, type ProviderOptions } from "../../components/aideploy/providers";
import { appSpecInput } from "../../components/aideploy/spec";
import { aiDeployTracing, ingestHeaderEnv } from "../../components/tracing/emitters";
import { aiDeploySchema } from "../../config/schema";
import { FAKE_CREDENTIALS, FakeOvhApi } from "../fakes/ovhApi";

const SN = "0123456789abcdef0123456789abcdef";
const FAST: ProviderOptions = { pollIntervalMs: 2, deleteTimeoutMs: 2000, client: { backoffMs: 1, maxBackoffMs: 5, timeoutMs: 1000 } };
const HEADER = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
const config = aiDeploySchema.parse({ name: "vllm-traced", region: "GRA", image: "vllm/vllm-openai:v0.31.0", model: "Qwen/Qwen3-8B", flavor: "l4-1-gpu" });
const OWNER = { appId: "0a1b2c3d4e5f", stack: "prod", environment: "prod" };
const inputs = (password?: string): AppInputs => ({
  serviceName: SN,
  body: appSpecInput(config, OWNER, password ? aiDeployTracing(config.servedModelName, "https://metrics.llm.example.com/v1/traces") : undefined),
  ...(password ? { secretEnv: ingestHeaderEnv(password) } : {}),
  readyTimeoutMinutes: 1,
});

describe("the AI Deploy app's OTLP credential through the provider and the fake OVH API", () => {
  let fake: FakeOvhApi;
  let apps: AppProvider;
  const env = () => Object.fromEntries(([...fake.apps.values()][0].spec.envVars ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]));

  beforeEach(async () => {
    fake = await new FakeOvhApi().start();
    fake.pollsToRunning = 1;
    apps = new AppProvider(FAST);
    const values: Record<string, string> = {
      "ovh:endpoint": fake.baseUrl,
      "ovh:applicationKey": FAKE_CREDENTIALS.applicationKey,
      "ovh:applicationSecret": FAKE_CREDENTIALS.applicationSecret,
      "ovh:consumerKey": FAKE_CREDENTIALS.consumerKey,
    };
    await apps.configure({ config: { get: (k: string) => values[k], require: (k: string) => values[k] } } as pulumi.dynamic.ConfigureRequest);
  });
  afterEach(() => fake.stop());

  it("creates with the header variable in the request only; updates it; removes it when tracing goes", async () => {
    const { id, outs } = await apps.create(inputs("first-pa55"));
    assert.equal(env()[HEADER], ingestHeaderEnv("first-pa55")[HEADER]);
    assert.equal(env().OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "http/protobuf");
    assert.ok(!JSON.stringify(outs.body).includes("Authorization"), "the stored body has no credential");

    const renewed = inputs("second-pa55");
    assert.equal((await apps.diff(id, outs, renewed)).changes, true, "a new credential is a change");
    const { outs: after } = await apps.update(id, outs, renewed);
    assert.equal(env()[HEADER], ingestHeaderEnv("second-pa55")[HEADER]);

    const { outs: off } = await apps.update(id, after, inputs());
    assert.equal(env()[HEADER] ?? "", "", "turned off: the variable is removed");
    assert.ok(!off.body.command.includes("--otlp-traces-endpoint"));
  });
});
