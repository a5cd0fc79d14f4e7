/**
 * Whole-program leak test: the prod program runs under mocks with a distinctive value for every secret (stack
 * secrets, OVH credentials in config and env, generated passwords, AI token, kubeconfigs, Object Storage keys). Every such value may
 * reach a resource only inside a secret envelope, and only where a secret belongs (Kubernetes Secret data, the
 * Kubernetes provider's kubeconfig, the AI Deploy app's HF token input); every stack output carrying one is secret;
 * nothing is printed with one.
 */
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { htpasswdLine } from "../../components/gpu/federation";
import { FEDERATION_USER } from "../../components/gpu/layout";
import { ingestHeaderEnv } from "../../components/tracing/emitters";
import { INGEST_AUTH, QUERY_AUTH } from "../../components/tracing/layout";
import { loadStackConfig } from "../../config/load";
import { ConfigError, PROJECT, SecretKey } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { formatReport } from "../../loadtest/report";
import { runLoad } from "../../loadtest/runner";
import { deployStack, StackOutputs } from "../../program";
import { FAKE_KUBECONFIG_PREFIX, isSecret, isSecretEnvelope, MockRecorder, plainStrings, RecordedResource, settle, unwrapSecrets, valueOf, type OutputsFor } from "../../scripts/plan/mockRecorder";
import { mockStackReference } from "../../scripts/plan/stackReferences";

/** Every secret value below contains it, so one substring search finds any of them. */
const CANARY = "c4n4ry";
const STACK_SECRETS: Record<SecretKey, string> = {
  hfToken: `hf_${CANARY}_hugging_face`,
  gpuApiKey: `${CANARY}-gpu-api-key`,
  alertWebhookUrl: `https://hooks.example.com/${CANARY}-webhook`,
  alertSlackWebhookUrl: `https://hooks.slack.com/services/T0/B0/${CANARY}-slack`,
  alertSmtpPassword: `${CANARY}-smtp-password`,
  remoteWritePassword: `${CANARY}-remote-write-password`,
};
const OVH_CONFIG = { "ovh:applicationKey": `${CANARY}-ovh-ak`, "ovh:applicationSecret": `${CANARY}-ovh-as`, "ovh:consumerKey": `${CANARY}-ovh-ck` };
const OVH_ENV = { OVH_APPLICATION_KEY: `${CANARY}-env-ak`, OVH_APPLICATION_SECRET: `${CANARY}-env-as`, OVH_CONSUMER_KEY: `${CANARY}-env-ck` };

const randomValue = (name: string) => `${CANARY}-random-${name}`;
/** Mock outputs whose secrets carry the canary: generated passwords, AI token value, kubeconfigs. */
const canaryOutputs = {
  "random:index/randomPassword:RandomPassword": (a: pulumi.runtime.MockResourceArgs) => ({ result: randomValue(a.name) }),
  "pulumi-nodejs:dynamic/aideploy:Token": (a: pulumi.runtime.MockResourceArgs) => ({ tokenId: `${a.name}-id`, value: `${CANARY}-ai-token-${a.name}`, version: 1 }),
  // Object Storage keys of the model store (components/gpu/modelStore.ts).
  "ovh:CloudProject/s3Credential:S3Credential": (a: pulumi.runtime.MockResourceArgs) => ({ accessKeyId: `${CANARY}-s3-access-${a.name}`, secretAccessKey: `${CANARY}-s3-secret-${a.name}` }),
  "ovh:CloudProject/kube:Kube": (a: pulumi.runtime.MockResourceArgs) => ({
    kubeconfig: `${FAKE_KUBECONFIG_PREFIX}${a.inputs.name}\nusers: [{name: admin, user: {token: ${CANARY}-kube-${a.name}}}]\n`,
    url: `${a.name}.c1.gra.k8s.ovh.net`,
    status: "READY",
  }),
};

/** Where a secret may sit (inside an envelope), by resource type and top-level input. */
const ALLOWED_HOMES: Record<string, string[]> = {
  "kubernetes:core/v1:Secret": ["stringData", "data"],
  "pulumi:providers:kubernetes": ["kubeconfig"],
  "pulumi-nodejs:dynamic/aideploy:App": ["hfToken", "secretEnv"],
};

/** Paths of secret envelopes whose content contains one of `needles`. */
function secretPathsWith(v: unknown, needles: string[], path = ""): string[] {
  if (isSecretEnvelope(v)) return needles.some((n) => JSON.stringify(unwrapSecrets(v.value) ?? "").includes(n)) ? [path] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => secretPathsWith(x, needles, `${path}[${i}]`));
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => secretPathsWith(x, needles, path ? `${path}.${k}` : k));
  return [];
}

function hasEnvelope(v: unknown): boolean {
  if (isSecretEnvelope(v)) return true;
  if (Array.isArray(v)) return v.some(hasEnvelope);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasEnvelope);
  return false;
}

interface Run {
  recorder: MockRecorder;
  outputs: StackOutputs;
  printed: string;
}

/** The prod stack file with every alerting channel and remote write (with a username) turned on. */
async function runProd(secrets: Partial<Record<SecretKey, string>>, stack = "prod", extraOutputs: Record<string, OutputsFor> = {}): Promise<Run> {
  const file = readStackFile(stack, secrets);
  const monitoringKey = `${PROJECT}:monitoring`;
  const monitoring = JSON.parse(file.allConfig[monitoringKey]);
  monitoring.alerting = {
    ...monitoring.alerting,
    webhook: true,
    slackChannel: "#llm-alerts",
    email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" },
  };
  monitoring.remoteWrite = { enabled: true, url: "https://mimir.example.com/api/v1/push", tenant: "llm-prod", username: "prometheus" };
  const allConfig = { ...file.allConfig, [monitoringKey]: JSON.stringify(monitoring), ...OVH_CONFIG };
  pulumi.runtime.setAllConfig(allConfig, [...file.secretKeys, "ovh:applicationSecret", "ovh:consumerKey"]);

  const recorder = new MockRecorder({ ...canaryOutputs, ...extraOutputs });
  await pulumi.runtime.setMocks(recorder, PROJECT, stack, false);
  const savedEnv = Object.fromEntries(Object.keys(OVH_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, OVH_ENV);
  // Capture everything printed while the program runs (console and the SDK's log both end on these streams).
  let printed = "";
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const tap = (stream: NodeJS.WriteStream, orig: typeof process.stdout.write) =>
    function (chunk: unknown, ...rest: unknown[]) {
      printed += String(chunk);
      return (orig as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = tap(process.stdout, writes.out);
  process.stderr.write = tap(process.stderr, writes.err);
  try {
    const outputs = deployStack(loadStackConfig());
    await settle();
    return { recorder, outputs, printed };
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Every value that must stay secret in a run, with derived forms: the htpasswd lines (federation, tracing ingest and
 * query users) and the AI Deploy app's OTLP Authorization header (base64, so the canary is not a substring of it).
 */
function needlesOf(run: Run): string[] {
  const randoms = run.recorder.ofType("random:index/randomPassword:RandomPassword").map((r) => randomValue(r.name));
  const derived = randoms.flatMap((p) => [
    ...[FEDERATION_USER, INGEST_AUTH.user, QUERY_AUTH.user].map((user) => htpasswdLine(user, p)),
    ...Object.values(ingestHeaderEnv(p)),
    Buffer.from(`${INGEST_AUTH.user}:${p}`).toString("base64"),
  ]);
  return [...Object.values(STACK_SECRETS), ...Object.values(OVH_CONFIG), ...Object.values(OVH_ENV), CANARY, ...derived];
}

const where = (r: RecordedResource, path: string) => `${r.type} ${r.name} ${path}`;

describe("secrets stay secret through the whole prod program", function () {
  this.timeout(30_000);

  for (const variant of [
    { title: "every secret set", secrets: STACK_SECRETS },
    { title: "GPU API key generated", secrets: (({ gpuApiKey: _generated, ...rest }) => rest)(STACK_SECRETS) },
  ]) {
    describe(variant.title, () => {
      let run: Run;
      before(async () => {
        run = await runProd(variant.secrets);
      });

      it("reaches resources only inside secret envelopes", () => {
        const needles = needlesOf(run);
        const leaks = run.recorder.resources.flatMap((r) =>
          plainStrings(r.rawInputs)
            .filter((s) => needles.some((n) => s.value.includes(n)))
            .map((s) => where(r, s.path)),
        );
        assert.deepEqual(leaks, []);
      });

      it("keeps secrets where secrets belong: Secret data, the provider's kubeconfig, the app's HF token", () => {
        const needles = needlesOf(run);
        const misplaced = run.recorder.resources.flatMap((r) =>
          secretPathsWith(r.rawInputs, needles)
            .filter((path) => !(ALLOWED_HOMES[r.type] ?? []).includes(path.split(/[.[]/)[0]))
            .map((path) => where(r, path)),
        );
        assert.deepEqual(misplaced, []);
      });

      it("puts no secret in Helm values (one would make Pulumi hide all of them)", () => {
        const releases = run.recorder.ofType("kubernetes:helm.sh/v3:Release");
        assert.ok(releases.length >= 5, "the monitoring and GPU releases were recorded");
        for (const r of releases) assert.equal(hasEnvelope(r.rawInputs.values), false, `${r.name}: a secret in values`);
      });

      it("never captures OVH credentials (config or env) in any input, the dynamic providers' serialized code included", () => {
        const ovh = [...Object.values(OVH_CONFIG), ...Object.values(OVH_ENV)];
        const found = run.recorder.resources.filter((r) => ovh.some((v) => JSON.stringify(r.inputs).includes(v))).map((r) => r.name);
        assert.deepEqual(found, []);
        const dynamic = run.recorder.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        assert.ok(dynamic.length === 2 && dynamic.every((r) => typeof r.inputs.__provider === "string" && r.inputs.__provider.length > 1000), "the serialized providers were scanned");
      });

      it("stores each secret: Secret objects hold the values the stack set (the test sees them)", () => {
        const secretData = run.recorder.ofType("kubernetes:core/v1:Secret").map((r) => JSON.stringify(r.inputs.stringData ?? r.inputs.data ?? {}));
        for (const [key, value] of Object.entries(variant.secrets)) {
          assert.ok(secretData.some((d) => d.includes(JSON.stringify(value).slice(1, -1))), `${key} in a Kubernetes Secret`);
        }
        const app = run.recorder.ofType("pulumi-nodejs:dynamic/aideploy:App")[0];
        assert.ok(isSecretEnvelope(app.rawInputs.hfToken) && app.inputs.hfToken === STACK_SECRETS.hfToken, "the app's hfToken input is a secret");
        for (const r of run.recorder.ofType("kubernetes:core/v1:Secret")) {
          const field = r.rawInputs.stringData ?? r.rawInputs.data;
          const values = isSecretEnvelope(field) ? [field] : Object.values(field ?? {});
          const clear = values.filter((v) => !isSecretEnvelope(v) && needlesOf(run).some((n) => JSON.stringify(v).includes(n)));
          assert.deepEqual(clear, [], `${r.name}: secret data not wrapped`);
        }
      });

      it("tracing credentials: the OTLP header only in the app's secretEnv, the passwords only in Secrets (htpasswd, Grafana datasource)", () => {
        const tracingPasswords = run.recorder.ofType("random:index/randomPassword:RandomPassword").filter((r) => /tracing-credentials-(ingest|query)$/.test(r.name));
        assert.equal(tracingPasswords.length, 2, "ingest and query passwords generated");
        const [ingest, query] = ["ingest", "query"].map((k) => randomValue(tracingPasswords.find((r) => r.name.endsWith(k))!.name));
        const app = run.recorder.ofType("pulumi-nodejs:dynamic/aideploy:App")[0];
        assert.ok(isSecretEnvelope(app.rawInputs.secretEnv), "secretEnv is a secret input");
        assert.deepEqual(app.inputs.secretEnv, ingestHeaderEnv(ingest));
        assert.ok(!JSON.stringify(app.inputs.body).includes("Authorization"), "the body (stored in clear) has no credential");
        const secretData = (name: string) => JSON.stringify(run.recorder.ofType("kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as { name?: string })?.name === name)?.inputs.stringData ?? {});
        assert.ok(secretData(INGEST_AUTH.secret).includes(JSON.stringify(htpasswdLine(INGEST_AUTH.user, ingest)).slice(1, -1)), "ingest htpasswd");
        assert.ok(secretData(QUERY_AUTH.secret).includes(JSON.stringify(htpasswdLine(QUERY_AUTH.user, query)).slice(1, -1)), "query htpasswd");
        assert.ok(secretData("tempo-datasource").includes(query), "Grafana's datasource holds the query password");
      });

      it("marks secret every stack output that carries a secret", async () => {
        const needles = needlesOf(run);
        const carrying: string[] = [];
        for (const [key, out] of Object.entries(run.outputs) as [string, pulumi.Output<unknown> | undefined][]) {
          if (out === undefined) continue;
          const text = JSON.stringify(await valueOf(out));
          if (!needles.some((n) => text.includes(n))) continue;
          carrying.push(key);
          assert.equal(await isSecret(out), true, `${key} carries a secret but is not secret`);
        }
        assert.deepEqual(carrying.sort(), ["endpointTokens", "gpuKubeconfig", "grafanaAdminPassword", "monitoringKubeconfig"]);
      });

      it("prints no secret", () => {
        const needles = needlesOf(run);
        assert.deepEqual(needles.filter((n) => run.printed.includes(n)), []);
      });
    });
  }
});

describe("secrets stay secret through the platform stack (credentials read from dev and prod by StackReference)", function () {
  this.timeout(30_000);
  let run: Run;
  const credentialOf = (stack: string, job: string) => `${CANARY}-reported-${stack}-${job}`;
  before(async () => {
    run = await runProd(STACK_SECRETS, "platform", {
      "pulumi:pulumi:StackReference": (a) => mockStackReference(String(a.inputs.name), { credential: credentialOf }),
    });
  });

  it("reaches resources only inside secret envelopes, and only in Secret data or the provider's kubeconfig", () => {
    const needles = needlesOf(run);
    const leaks = run.recorder.resources.flatMap((r) => plainStrings(r.rawInputs).filter((s) => needles.some((n) => s.value.includes(n))).map((s) => where(r, s.path)));
    assert.deepEqual(leaks, []);
    const misplaced = run.recorder.resources.flatMap((r) => secretPathsWith(r.rawInputs, needles).filter((path) => !(ALLOWED_HOMES[r.type] ?? []).includes(path.split(/[.[]/)[0])).map((path) => where(r, path)));
    assert.deepEqual(misplaced, []);
    for (const r of run.recorder.ofType("kubernetes:helm.sh/v3:Release")) assert.equal(hasEnvelope(r.rawInputs.values), false, `${r.name}: a secret in values`);
  });

  it("puts each reported credential in its scrape Secret, wrapped (dev's AI token; prod's AI token and federation password)", () => {
    const secrets = run.recorder.ofType("kubernetes:core/v1:Secret").filter((r) => /^scrape-/.test((r.inputs.metadata as { name?: string })?.name ?? ""));
    assert.equal(secrets.length, 3);
    for (const r of secrets) {
      assert.ok(isSecretEnvelope(r.rawInputs.stringData), `${r.name}: stringData is secret`);
      assert.match(JSON.stringify(r.inputs.stringData), new RegExp(`${CANARY}-reported-(dev|prod)-`));
    }
  });

  it("marks secret every stack output that carries a secret, and prints none", async () => {
    const needles = needlesOf(run);
    const carrying: string[] = [];
    for (const [key, out] of Object.entries(run.outputs) as [string, pulumi.Output<unknown> | undefined][]) {
      if (out === undefined) continue;
      const text = JSON.stringify(await valueOf(out));
      if (!needles.some((n) => text.includes(n))) continue;
      carrying.push(key);
      assert.equal(await isSecret(out), true, `${key} carries a secret but is not secret`);
    }
    assert.deepEqual(carrying.sort(), ["grafanaAdminPassword", "monitoringKubeconfig"]);
    assert.deepEqual(needles.filter((n) => run.printed.includes(n)), []);
  });
});

describe("config errors never echo a value set with --secret", () => {
  it("a misspelt secret key is reported by name, its value redacted; so is any unknown key's value", () => {
    const file = readStackFile("dev");
    const typo = `hf_${CANARY}_misspelt_key`;
    pulumi.runtime.setAllConfig(
      { ...file.allConfig, [`${PROJECT}:hfTokn`]: typo, [`${PROJECT}:plainTypo`]: "visible-value" },
      [...file.secretKeys, `${PROJECT}:hfTokn`],
    );
    assert.throws(
      () => loadStackConfig(),
      (e: Error) => e instanceof ConfigError && !e.message.includes(typo) && /ovh-llm:hfTokn = "\[secret\]"/.test(e.message) && /ovh-llm:plainTypo = "\[redacted\]"/.test(e.message) && !e.message.includes("visible-value"),
    );
  });
});

describe("secret keys must be set with --secret", () => {
  it("refuses a secret key stored in clear in the stack config, without echoing it", () => {
    const file = readStackFile("dev");
    const clear = `hf_${CANARY}_in_clear`;
    pulumi.runtime.setAllConfig({ ...file.allConfig, [`${PROJECT}:hfToken`]: clear }, file.secretKeys);
    assert.throws(
      () => loadStackConfig(),
      (e: Error) => e instanceof ConfigError && !e.message.includes(clear) && /ovh-llm:hfToken = "\[secret\]": expected a value set with --secret/.test(e.message),
    );
  });
});

describe("the load tester never reports its token", () => {
  it("redacts a token the server echoes in an error body from the report and its JSON", async () => {
    const token = `${CANARY}-loadtest-token`;
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(401, { "content-type": "text/plain" }).end(`invalid credentials: ${req.headers.authorization}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await runLoad({ baseUrl: `http://127.0.0.1:${port}/v1`, token, model: "m", concurrency: 2, maxRequests: 4, maxTokens: 8, timeoutSeconds: 5 });
      assert.equal(result.errors.http_4xx, 4);
      assert.ok(result.errorSamples.some((s) => s.includes("Bearer [secret]")), "the echoed body is still shown, redacted");
      assert.ok(!JSON.stringify(result).includes(token) && !formatReport(result).includes(token));
    } finally {
      server.close();
    }
  });
});
