import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../config/schema";
import { overridesFromSets } from "../../automation/cli";
import { findOvhCredentials, pulumiOnPath } from "../../automation/credentials";
import {
  AutomationOptions,
  deploy,
  destroy,
  DriverSettings,
  MissingCliError,
  MissingCredentialsError,
  MissingPassphraseError,
  outputs,
  preview,
  ProgressCallbacks,
  StackBusyError,
  StackDriver,
  StackNotFoundError,
  StoredOutput,
} from "../../automation";
import { deepMerge } from "../../automation/overrides";
import { ROOT } from "../../config/stackFile";

/** Errors shaped like the Automation API's (mapped by class name). */
class ConcurrentUpdateError extends Error {}
class FakeStackNotFoundError extends Error {}
Object.defineProperty(FakeStackNotFoundError, "name", { value: "StackNotFoundError" });

/** A stack in memory: records what the module asks of the CLI. */
class FakeDriver implements StackDriver {
  calls: string[] = [];
  config: Record<string, unknown> = {};
  stored: Record<string, StoredOutput> = {
    endpoints: { value: { "ai-deploy": { url: "https://app.example/v1", model: "qwen3-8b", kind: "ai-deploy" } }, secret: false },
    endpointTokens: { value: { "ai-deploy": "tok-123" }, secret: true },
  };
  failUpWith?: Error;
  async setConfig(values: Record<string, unknown>) {
    this.calls.push("setConfig");
    Object.assign(this.config, values);
  }
  async up(cb: ProgressCallbacks) {
    this.calls.push("up");
    if (this.failUpWith) throw this.failUpWith;
    cb.onOutput?.("Updating (dev)\n");
    cb.onEvent?.({ sequence: 1, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { create: 4 }, policyPacks: {} } });
    return { summary: { create: 4 }, outputs: this.stored };
  }
  async preview(_cb: ProgressCallbacks) {
    this.calls.push("preview");
    return { summary: { create: 4 } };
  }
  async destroy(_cb: ProgressCallbacks) {
    this.calls.push("destroy");
    return { summary: { delete: 4 } };
  }
  async outputs() {
    this.calls.push("outputs");
    return this.stored;
  }
}

describe("automation module (fake Pulumi CLI driver)", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
  fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  after(() => fs.rmSync(bin, { recursive: true, force: true }));

  const baseEnv = { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "pass", OVH_CLIENT_ID: "id", OVH_CLIENT_SECRET: "secret" };
  let driver: FakeDriver;
  let opened: DriverSettings[];
  const options = (env: Record<string, string | undefined> = baseEnv, extra: Partial<AutomationOptions> = {}): AutomationOptions => ({
    env,
    driverFactory: async (settings) => {
      opened.push(settings);
      return driver;
    },
    ...extra,
  });
  beforeEach(() => {
    driver = new FakeDriver();
    opened = [];
  });

  it("deploy merges and validates overrides, writes only the touched keys, runs up with progress, masks secret outputs", async () => {
    const lines: string[] = [];
    const events: unknown[] = [];
    const result = await deploy("prod", { aiDeploy: { autoscaling: { maxReplicas: 5 } } }, options(baseEnv, { onOutput: (t) => lines.push(t), onEvent: (e) => events.push(e) }));
    assert.deepEqual(driver.calls, ["setConfig", "up"]);
    assert.deepEqual(Object.keys(driver.config), ["ovh-llm:aiDeploy"]);
    const aiDeploy = driver.config["ovh-llm:aiDeploy"] as { autoscaling: { maxReplicas: number; minReplicas: number }; flavor: string };
    assert.deepEqual([aiDeploy.autoscaling.maxReplicas, aiDeploy.autoscaling.minReplicas, aiDeploy.flavor], [5, 1, "h100-1-gpu"], "merged over Pulumi.prod.yaml");
    assert.equal(result.config.aiDeploy?.autoscaling.maxReplicas, 5);
    assert.deepEqual(result.outputs.endpointTokens, "[secret]");
    assert.deepEqual(result.summary, { create: 4 });
    assert.deepEqual([lines, events.length], [["Updating (dev)\n"], 1]);
    assert.deepEqual([opened[0].stack, opened[0].mode, opened[0].workDir], ["prod", "create", ROOT]);
    assert.equal(opened[0].backendUrl, `file://${ROOT}`, "local state by default");
    assert.equal(opened[0].envVars.PULUMI_BACKEND_URL, `file://${ROOT}`);
    assert.equal(opened[0].envVars.PULUMI_CONFIG_PASSPHRASE, "pass");
  });

  it("a bad override is a ConfigError naming the key, and the stack is never opened", async () => {
    await assert.rejects(deploy("dev", { aiDeploy: { gpu: 9 } }, options()), (e: unknown) => e instanceof ConfigError && /ovh-llm:aiDeploy\.gpu = 9/.test(e.message));
    await assert.rejects(deploy("dev", { hfToken: "x-secret-value" } as never, options()), (e: Error) => e instanceof ConfigError && /--secret hfToken/.test(e.message) && !e.message.includes("x-secret-value"));
    assert.deepEqual([opened.length, driver.calls], [0, []]);
  });

  it("no pulumi on PATH → MissingCliError before anything runs", async () => {
    await assert.rejects(deploy("dev", {}, options({ ...baseEnv, PATH: os.tmpdir() })), MissingCliError);
    await assert.rejects(outputs("dev", {}, options({ ...baseEnv, PATH: "" })), /Pulumi CLI is not on PATH/);
    assert.equal(opened.length, 0);
  });

  it("no OVH credentials → MissingCredentialsError for deploy/preview/destroy; outputs need none", async () => {
    const noCreds = { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "pass" };
    await assert.rejects(deploy("dev", {}, options(noCreds)), (e: unknown) => e instanceof MissingCredentialsError && /OVH_APPLICATION_KEY/.test(e.message));
    await assert.rejects(preview("dev", options(noCreds)), MissingCredentialsError);
    await assert.rejects(destroy("dev", options(noCreds)), MissingCredentialsError);
    assert.equal(opened.length, 0);
    assert.deepEqual(Object.keys(await outputs("dev", {}, options(noCreds))), ["endpointTokens", "endpoints"]);
  });

  it("credentials come from complete env sets or ovh: config keys", () => {
    assert.equal(findOvhCredentials({ OVH_APPLICATION_KEY: "a", OVH_APPLICATION_SECRET: "b", OVH_CONSUMER_KEY: "c" }, new Set()), "application keys");
    assert.equal(findOvhCredentials({ OVH_APPLICATION_KEY: "a" }, new Set(["ovh:applicationSecret", "ovh:consumerKey"])), "application keys");
    assert.equal(findOvhCredentials({ OVH_CLIENT_ID: "a" }, new Set()), undefined, "half a set is no credential");
    assert.equal(findOvhCredentials({ OVH_CLIENT_ID: "" , OVH_CLIENT_SECRET: "s" }, new Set()), undefined, "empty is unset");
    assert.equal(findOvhCredentials({}, new Set(["ovh:clientId", "ovh:clientSecret"])), "OAuth2 service account");
  });

  it("the file backend needs a passphrase; another backend URL does not", async () => {
    const noPass = { PATH: bin, OVH_CLIENT_ID: "id", OVH_CLIENT_SECRET: "s" };
    await assert.rejects(preview("dev", options(noPass)), MissingPassphraseError);
    await preview("dev", options(noPass, { backendUrl: "https://api.pulumi.com" }));
    assert.equal(opened[0].envVars.PULUMI_BACKEND_URL, "https://api.pulumi.com");
    await preview("dev", options({ ...noPass, PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "p" }));
    assert.equal(opened[1].backendUrl, "s3://bucket");
  });

  it("maps a concurrent update to StackBusyError and a missing stack to StackNotFoundError", async () => {
    driver.failUpWith = new ConcurrentUpdateError("[409] Conflict: Another update is currently in progress.");
    await assert.rejects(deploy("dev", {}, options()), (e: unknown) => e instanceof StackBusyError && /stack dev is being updated/.test(e.message) && (e.cause as Error) === driver.failUpWith);
    const missing: AutomationOptions = { ...options(), driverFactory: async () => Promise.reject(new FakeStackNotFoundError("no stack named 'dev' found")) };
    await assert.rejects(outputs("dev", {}, missing), StackNotFoundError);
    await assert.rejects(destroy("dev", missing), /does not exist in the backend/);
  });

  it("outputs reveal secrets only when asked; outputs and destroy select an existing stack", async () => {
    assert.equal((await outputs("dev", {}, options())).endpointTokens, "[secret]");
    assert.deepEqual((await outputs("dev", { revealSecrets: true }, options())).endpointTokens, { "ai-deploy": "tok-123" });
    await destroy("dev", options());
    assert.deepEqual(opened.map((o) => o.mode), ["select", "select", "select"]);
    assert.deepEqual(driver.calls, ["outputs", "outputs", "destroy"]);
  });

  it("an unknown environment is StackNotFoundError listing the stacks", async () => {
    await assert.rejects(deploy("qa", {}, options()), (e: unknown) => e instanceof StackNotFoundError && /\(stacks: dev, prod\)/.test(e.message));
  });

  it("--set takes only the program's own keys and never echoes a provider setting's value", () => {
    assert.throws(
      () => overridesFromSets(["ovh:clientSecret=s3cr3t-value"]),
      (e: Error) => /only ovh-llm keys/.test(e.message) && !e.message.includes("s3cr3t-value"),
    );
    assert.deepEqual(overridesFromSets(["ovh-llm:monitoring.retention=30d"]), { monitoring: { retention: "30d" } });
  });

  it("CLI --set paths become typed nested overrides; deepMerge replaces arrays", () => {
    assert.deepEqual(overridesFromSets(["aiDeploy.autoscaling.maxReplicas=3", "aiDeploy.flavor=l40s-1-gpu", "monitoring.retention=30d"]), {
      aiDeploy: { autoscaling: { maxReplicas: 3 }, flavor: "l40s-1-gpu" },
      monitoring: { retention: "30d" },
    });
    assert.deepEqual(deepMerge({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: 4 } }), { a: [3], b: { c: 1, d: 4 } });
  });

  it("finds pulumi only as an executable on PATH", () => {
    assert.equal(pulumiOnPath({ PATH: bin }), true);
    assert.equal(pulumiOnPath({ PATH: os.tmpdir() }), false);
    assert.equal(pulumiOnPath({}), false);
  });
});
