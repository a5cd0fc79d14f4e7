import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppNotReadyError, AppProvider, TokenProvider, type AppInputs, type AppOutputs, type ProviderOptions, type TokenInputs } from "../../components/aideploy/providers";
import { APP_LABEL, appSpecInput, tokenInput } from "../../components/aideploy/spec";
import { aiDeploySchema, type AiDeployConfig } from "../../config/schema";
import { FAKE_CREDENTIALS, FAKE_OAUTH2, FakeOvhApi } from "../fakes/ovhApi";

const SN = "0123456789abcdef0123456789abcdef";
const FAST: ProviderOptions = { pollIntervalMs: 2, deleteTimeoutMs: 2000, client: { backoffMs: 1, maxBackoffMs: 5, timeoutMs: 1000 } };
const HF = "hf_provider_test_secret";

const config = (over: Record<string, unknown> = {}): AiDeployConfig =>
  aiDeploySchema.parse({
    name: "vllm-test",
    region: "GRA",
    image: "vllm/vllm-openai:v0.31.0",
    model: "Qwen/Qwen3-8B",
    flavor: "l4-1-gpu",
    autoscaling: { minReplicas: 1, maxReplicas: 3, targetValue: 20 },
    ...over,
  });
const OWNER = { appId: "0a1b2c3d4e5f", stack: "dev", environment: "dev" };
const appInputs = (over: Record<string, unknown> = {}, hfToken: string | undefined = HF): AppInputs => ({
  serviceName: SN,
  body: appSpecInput(config(over), OWNER),
  ...(hfToken ? { hfToken } : {}),
  readyTimeoutMinutes: 1,
});
const tokenInputs = (renewalCounter = 0): TokenInputs => ({ serviceName: SN, body: tokenInput(config(), OWNER), renewalCounter });

/** What the engine's configure hands a dynamic provider: the whole stack config, namespaces kept. */
const stackConfig = (values: Record<string, string>): pulumi.dynamic.ConfigureRequest => ({
  config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? assert.fail(`missing ${k}`) },
});

describe("AI Deploy dynamic providers against the fake OVH API", () => {
  let fake: FakeOvhApi;
  let apps: AppProvider;
  let tokens: TokenProvider;
  const ovhConfig = () => ({
    "ovh:endpoint": fake.baseUrl,
    "ovh:applicationKey": FAKE_CREDENTIALS.applicationKey,
    "ovh:applicationSecret": FAKE_CREDENTIALS.applicationSecret,
    "ovh:consumerKey": FAKE_CREDENTIALS.consumerKey,
  });
  const POST_APP = /\/ai\/app$/;
  const onlyApp = () => {
    assert.equal(fake.apps.size, 1, `expected exactly one app on the server, found ${fake.apps.size}`);
    return [...fake.apps.values()][0];
  };

  beforeEach(async () => {
    fake = await new FakeOvhApi().start();
    fake.pollsToRunning = 3;
    apps = new AppProvider(FAST);
    tokens = new TokenProvider(FAST);
    await apps.configure(stackConfig(ovhConfig()));
    await tokens.configure(stackConfig(ovhConfig()));
  });
  afterEach(() => fake.stop());

  describe("app", () => {
    it("creates the app, waits QUEUED → INITIALIZING → RUNNING, and sends HF_TOKEN only in the request", async () => {
      const { id, outs } = await apps.create(appInputs());
      const app = onlyApp();
      assert.equal(id, app.id);
      assert.deepEqual([outs.state, outs.url, outs.host], ["RUNNING", `https://${id}.app.gra.ai.cloud.ovh.net`, `${id}.app.gra.ai.cloud.ovh.net`]);
      assert.ok(fake.count("GET", new RegExp(`/ai/app/${id}$`)) >= 3, "polled until RUNNING");
      assert.deepEqual(app.spec.envVars, [{ name: "HF_TOKEN", value: HF }]);
      assert.equal(outs.converged, true);
      assert.equal(app.spec.unsecureHttp, false);
      // Outputs hold our body (no HF_TOKEN env) and the token only in the secret `hfToken` property.
      assert.ok(!JSON.stringify(outs.body).includes(HF));
      assert.deepEqual(Object.keys(outs).filter((k) => JSON.stringify((outs as any)[k]).includes(HF)), ["hfToken"]);
    });

    it("retries a rate-limited create (429) and ends with one app", async () => {
      fake.inject("POST", POST_APP, { status: 429 }, 2);
      await apps.create(appInputs());
      assert.equal(fake.count("POST", POST_APP), 3);
      onlyApp();
    });

    it("a create whose answer is lost after the server created it finds that app instead of creating a second", async () => {
      fake.inject("POST", POST_APP, "drop-after");
      const { id } = await apps.create(appInputs());
      assert.equal(fake.count("POST", POST_APP), 1, "not posted again");
      assert.equal(onlyApp().id, id);
    });

    it("a create that failed with 503 before the server applied it is posted again after a lookup", async () => {
      fake.inject("POST", POST_APP, { status: 503 });
      const { id } = await apps.create(appInputs());
      assert.equal(fake.count("POST", POST_APP), 2);
      assert.equal(onlyApp().id, id);
    });

    it("a create that hangs times out, is looked up (not there) and posted again: one app", async () => {
      fake.inject("POST", POST_APP, "hang");
      const slowServer = new AppProvider({ ...FAST, client: { ...FAST.client, timeoutMs: 100 } });
      await slowServer.configure(stackConfig(ovhConfig()));
      const { id } = await slowServer.create(appInputs());
      assert.equal(fake.count("POST", POST_APP), 2);
      assert.equal(onlyApp().id, id);
    });

    it("a body the API rejects (400) fails at once and leaves nothing", async () => {
      const bad = appInputs();
      (bad.body.scalingStrategy as any).automatic.customMetrics.aggregationType = "MEDIAN";
      await assert.rejects(apps.create(bad), /400: Body parameter scalingStrategy.automatic.customMetrics.aggregationType isn't formated correctly/);
      assert.equal(fake.apps.size, 0);
      assert.equal(fake.count("POST", POST_APP), 1);
    });

    it("an app going FAILED fails with the API's message and its id (Pulumi keeps it in state, destroy removes it)", async () => {
      fake.failAppNamed("vllm-test", "Image pull failed: manifest unknown");
      const err = await apps.create(appInputs()).then(
        () => assert.fail("create should fail"),
        (e: unknown) => e as AppNotReadyError,
      );
      assert.ok(err instanceof AppNotReadyError);
      assert.match(err.message, /FAILED after create: Image pull failed: manifest unknown/);
      const app = onlyApp();
      assert.equal(err.id, app.id, "the engine records the app as created-but-unhealthy, not lost");
      assert.equal(err.properties.state, "FAILED");
      assert.ok(!JSON.stringify(err.properties).includes(HF), "the HF token is not in the recorded properties");
      assert.equal(fake.tokens.size, 0, "no token was created for it");
      await apps.delete(err.id, err.properties);
      assert.equal(fake.liveApps().length, 0);
    });

    it("times out after readyTimeoutMinutes with the state it is stuck in", async () => {
      fake.pollsToRunning = 1_000_000;
      const inputs = { ...appInputs(), readyTimeoutMinutes: 0.001 }; // 60 ms
      await assert.rejects(apps.create(inputs), (e: AppNotReadyError) => /still INITIALIZING after create, 0.001 min/.test(e.message) && !!e.id);
      onlyApp();
    });

    it("adopts an app of ours left by an interrupted run, but refuses an unowned app with the same name", async () => {
      const first = await apps.create(appInputs());
      const again = await apps.create(appInputs({ image: "vllm/vllm-openai:v0.31.1" }));
      assert.equal(again.id, first.id);
      assert.equal(onlyApp().spec.image, "vllm/vllm-openai:v0.31.1", "converged to the new spec");

      onlyApp().spec.labels = {};
      await assert.rejects(apps.create(appInputs()), /already exists .* carries no ownership label/);
      onlyApp();
    });

    it("check refuses a public app or one without the label its token selects", async () => {
      const inputs = appInputs();
      assert.deepEqual((await apps.check(inputs, inputs)).failures, []);
      const bad = { ...inputs, body: { ...inputs.body, unsecureHttp: true as any, labels: { [APP_LABEL]: "x" } } };
      assert.deepEqual((await apps.check(inputs, bad)).failures?.map((f) => f.property), ["body.unsecureHttp", "body.labels"]);
    });

    it("diff: image/env/probes update in place, scaling and labels too; name replaces; region replaces deleting first", async () => {
      const { id, outs } = await apps.create(appInputs());
      const diff = (over: Record<string, unknown>, hf = HF) => apps.diff(id, outs, appInputs(over, hf));
      assert.deepEqual(await diff({}), { changes: false, replaces: [], deleteBeforeReplace: false });
      assert.deepEqual(await diff({ image: "vllm/vllm-openai:v0.31.1" }), { changes: true, replaces: [], deleteBeforeReplace: false });
      assert.deepEqual(await diff({}, "hf_rotated"), { changes: true, replaces: [], deleteBeforeReplace: false });
      assert.deepEqual(await diff({ autoscaling: { minReplicas: 1, maxReplicas: 5 } }), { changes: true, replaces: [], deleteBeforeReplace: false });
      assert.deepEqual(await diff({ labels: { team: "ml" } }), { changes: true, replaces: [], deleteBeforeReplace: false });
      assert.deepEqual(await diff({ name: "vllm-other" }), { changes: true, replaces: ["body.name"], deleteBeforeReplace: false });
      assert.deepEqual(await diff({ region: "BHS" }), { changes: true, replaces: ["body.region"], deleteBeforeReplace: true });
    });

    it("update: spec via PUT /app/{id} (HF_TOKEN kept), scaling via /scalingstrategy, labels via /label", async () => {
      const { id, outs } = await apps.create(appInputs({ labels: { team: "ml" } }));
      const scaled = appInputs({ autoscaling: { minReplicas: 2, maxReplicas: 4, targetValue: 20 } });
      await apps.update(id, outs, scaled);
      assert.equal(fake.count("PUT", new RegExp(`/ai/app/${id}$`)), 0, "scaling alone does not touch the spec");
      assert.deepEqual(onlyApp().spec.scalingStrategy.automatic.replicasMin, 2);
      assert.equal(onlyApp().spec.labels.team, undefined, "removed label deleted");

      const updated = await apps.update(id, { ...outs, body: scaled.body }, appInputs({ image: "vllm/vllm-openai:v0.31.1", autoscaling: { minReplicas: 2, maxReplicas: 4, targetValue: 20 } }));
      assert.equal(fake.count("PUT", new RegExp(`/ai/app/${id}$`)), 1);
      assert.equal(onlyApp().spec.image, "vllm/vllm-openai:v0.31.1");
      assert.deepEqual(onlyApp().spec.envVars, [{ name: "HF_TOKEN", value: HF }]);
      assert.equal(updated.outs?.state, "RUNNING", "waited for the rollout");
    });

    it("read refreshes the state and reports a deleted app as gone", async () => {
      const { id, outs } = await apps.create(appInputs());
      onlyApp().status.state = "SCALING";
      assert.equal((await apps.read(id, outs)).props?.state, "SCALING");
      fake.apps.clear();
      assert.deepEqual(await apps.read(id, outs), {});
    });

    it("delete stops first, waits for STOPPED then DELETED, and tolerates an app already gone", async () => {
      fake.pollsToDeleted = 3;
      const { id, outs } = await apps.create(appInputs());
      await apps.delete(id, outs);
      assert.deepEqual(fake.calls.filter((c) => c.method !== "GET" && c.path.includes(id)).map((c) => c.method + (c.path.endsWith("stop") ? " stop" : "")), ["PUT stop", "DELETE"]);
      assert.equal(onlyApp().status.state, "DELETED");
      fake.apps.clear(); // the DELETED app vanishes on the server's side
      await apps.delete(id, outs);
      assert.equal(fake.apps.size, 0);
    });

    it("never deletes an app whose ownership label names another resource", async () => {
      const { id, outs } = await apps.create(appInputs());
      onlyApp().spec.labels[APP_LABEL] = "ffffffffffff";
      await assert.rejects(apps.delete(id, outs), /refusing to delete an app this stack does not own/);
      assert.equal(onlyApp().status.state, "RUNNING");
    });

    it("reads OVH_* environment variables when the stack config has no ovh: credentials (OAuth2 here)", async () => {
      const saved = { ...process.env };
      Object.assign(process.env, { OVH_ENDPOINT: fake.baseUrl, OVH_CLIENT_ID: FAKE_OAUTH2.clientId, OVH_CLIENT_SECRET: FAKE_OAUTH2.clientSecret });
      try {
        const p = new AppProvider(FAST);
        await p.configure(stackConfig({}));
        await p.create(appInputs());
        onlyApp();
        assert.equal(fake.count("POST", /^\/auth\/oauth2\/token$/), 1);
      } finally {
        for (const k of ["OVH_ENDPOINT", "OVH_CLIENT_ID", "OVH_CLIENT_SECRET"]) if (saved[k] === undefined) delete process.env[k];
      }
    });
  });

  describe("token", () => {
    it("creates a token scoped to the app label and captures its value once", async () => {
      const { id, outs } = await tokens.create(tokenInputs());
      const onServer = fake.tokens.get(id)!;
      assert.deepEqual(onServer.spec, { name: "ovh-llm-vllm-test-0a1b2c3d4e5f", region: "GRA", role: "ai_training_read", labelSelector: "ovh-llm-app=0a1b2c3d4e5f" });
      assert.equal(outs.value, onServer.value);
      assert.equal(outs.version, 1);
    });

    it("refuses a token without label selector (it would reach every app of the project)", async () => {
      const inputs = { ...tokenInputs(), body: { ...tokenInputs().body, labelSelector: "" } };
      assert.equal((await tokens.check(inputs, inputs)).failures?.[0]?.property, "body.labelSelector");
      await assert.rejects(tokens.create(inputs), /without a label selector/);
      assert.equal(fake.tokens.size, 0);
    });

    it("renews when renewalCounter changes: new value, version 2, same token", async () => {
      const { id, outs } = await tokens.create(tokenInputs(0));
      assert.deepEqual(await tokens.diff(id, outs, tokenInputs(1)), { changes: true, replaces: [], deleteBeforeReplace: false });
      const renewed = (await tokens.update(id, outs, tokenInputs(1))).outs!;
      assert.notEqual(renewed.value, outs.value);
      assert.equal(renewed.value, fake.tokens.get(id)!.value);
      assert.equal(renewed.version, 2);
      assert.equal(fake.tokens.size, 1);
    });

    it("a token create whose answer is lost is found and renewed: one token, and we hold its current value", async () => {
      fake.inject("POST", /\/ai\/token$/, "drop-after");
      const { id, outs } = await tokens.create(tokenInputs());
      assert.equal(fake.tokens.size, 1);
      assert.equal(outs.value, fake.tokens.get(id)!.value);
      assert.equal(fake.count("POST", /\/ai\/token$/), 1);
    });

    it("role or selector changes replace the token; delete removes it (and tolerates 404)", async () => {
      const { id, outs } = await tokens.create(tokenInputs());
      const operator: TokenInputs = { ...tokenInputs(), body: { ...tokenInputs().body, role: "ai_training_operator" } };
      assert.deepEqual((await tokens.diff(id, outs, operator)).replaces, ["body.role"]);
      await tokens.delete(id, outs);
      await tokens.delete(id, outs);
      assert.equal(fake.tokens.size, 0);
    });
  });

  it("the provider survives Pulumi's closure serialization: the serialized copy (no credentials in it) creates an app", async () => {
    const provider = new AppProvider(FAST);
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
    for (const secret of Object.values(FAKE_CREDENTIALS)) assert.ok(!serialized.text.includes(secret), "credentials must not be serialized");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aideploy-"));
    let copy: AppProvider;
    try {
      const file = path.join(dir, "provider.js");
      fs.writeFileSync(file, serialized.text);
      copy = require(file).handler() as AppProvider;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await copy.configure(stackConfig(ovhConfig()));
    const { outs } = await copy.create(appInputs());
    assert.equal((outs as AppOutputs).state, "RUNNING");
    onlyApp();
  });
});
