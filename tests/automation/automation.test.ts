import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { overridesFromSets } from "../../automation/cli";
import { findOvhCredentials, pulumiOnPath } from "../../automation/credentials";
import {
  AutomationError,
  AutomationOptions,
  cancel,
  ConfigError,
  deploy,
  destroy,
  DriverSettings,
  MissingCliError,
  MissingCredentialsError,
  MissingPassphraseError,
  OperationCancelledError,
  OperationOptions,
  outputs,
  preview,
  refresh,
  StackBusyError,
  StackDriver,
  StackNotFoundError,
  StoredOutput,
} from "../../automation";
import { stackDriver } from "../../automation/localDriver";
import { deepMerge } from "../../automation/overrides";
import { ROOT } from "../../config/stackFile";

/** Errors shaped like the Automation API's (mapped by class name). */
class ConcurrentUpdateError extends Error {}
class FakeStackNotFoundError extends Error {}
Object.defineProperty(FakeStackNotFoundError, "name", { value: "StackNotFoundError" });

/** The CLI's SIGINT handling as the Automation API sees it: the command ends with an error once the signal aborts. */
const untilAborted = (signal: AbortSignal | undefined) =>
  new Promise<never>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("CommandError: code: 255 ... ^C received; cancelling"))));

/** A stack in memory: records what the module asks of the CLI, and the stack file each operation ran with. */
class FakeDriver implements StackDriver {
  calls: string[] = [];
  config: Record<string, unknown> = {};
  /** Per operation: its options and the content of the config file it was given (read during the operation). */
  seen: { op: string; options: OperationOptions; configFile?: string }[] = [];
  stored: Record<string, StoredOutput> = {
    endpoints: { value: { "ai-deploy": { url: "https://app.example/v1", model: "qwen3-8b", kind: "ai-deploy" } }, secret: false },
    endpointTokens: { value: { "ai-deploy": "tok-123" }, secret: true },
  };
  failUpWith?: Error;
  /** Set: up waits for this promise (a long update), or for the abort signal. */
  hold?: Promise<void>;
  private record(op: string, options: OperationOptions) {
    this.calls.push(op);
    this.seen.push({ op, options, configFile: options.configFile ? fs.readFileSync(options.configFile, "utf8") : undefined });
  }
  async setConfig(values: Record<string, unknown>) {
    this.calls.push("setConfig");
    Object.assign(this.config, values);
  }
  async up(options: OperationOptions) {
    this.record("up", options);
    if (this.hold) await Promise.race([this.hold, untilAborted(options.signal)]);
    if (this.failUpWith) throw this.failUpWith;
    options.onOutput?.("Updating (dev)\n");
    options.onEvent?.({ sequence: 1, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { create: 4 }, policyPacks: {} } });
    return { summary: { create: 4 }, outputs: this.stored };
  }
  async preview(options: OperationOptions) {
    this.record("preview", options);
    return { summary: { create: 4 } };
  }
  async refresh(options: OperationOptions) {
    this.record("refresh", options);
    return { summary: { update: 1, same: 3 } };
  }
  async destroy(options: OperationOptions) {
    this.record("destroy", options);
    return { summary: { delete: 4 } };
  }
  async outputs() {
    this.calls.push("outputs");
    return this.stored;
  }
  async cancel() {
    this.calls.push("cancel");
  }
}

/** The `config:` map of a stack file's YAML text. */
const readYamlConfig = (text: string) => (yaml.load(text) as { config: Record<string, unknown> }).config;

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

  it("deploy merges and validates overrides, runs up with them, then writes only the touched keys; progress; secret outputs masked", async () => {
    const lines: string[] = [];
    const events: unknown[] = [];
    const result = await deploy("prod", { aiDeploy: { autoscaling: { maxReplicas: 5 } } }, options(baseEnv, { onOutput: (t) => lines.push(t), onEvent: (e) => events.push(e) }));
    assert.deepEqual(driver.calls, ["up", "setConfig"], "the stack file is written only after the update succeeded");
    const ranWith = readYamlConfig(driver.seen[0].configFile!);
    assert.equal((ranWith["ovh-llm:aiDeploy"] as { autoscaling: { maxReplicas: number } }).autoscaling.maxReplicas, 5, "up ran with the override (--config-file)");
    assert.equal(ranWith["ovh-llm:environment"], "prod", "and the rest of the stack file");
    assert.ok(!fs.existsSync(driver.seen[0].options.configFile!), "the copy is removed afterwards");
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

  it("a bad override is a ConfigError (an AutomationError) naming the key, and the stack is never opened", async () => {
    await assert.rejects(
      deploy("dev", { aiDeploy: { gpu: 9 } }, options()),
      (e: unknown) => e instanceof ConfigError && e instanceof AutomationError && /ovh-llm:aiDeploy\.gpu = 9/.test(e.message) && e.issues[0].key === "ovh-llm:aiDeploy.gpu",
    );
    await assert.rejects(deploy("dev", { hfToken: "x-secret-value" } as never, options()), (e: Error) => e instanceof ConfigError && /--secret hfToken/.test(e.message) && !e.message.includes("x-secret-value"));
    await assert.rejects(preview("dev", { monitoring: { grafana: { exposure: "LoadBalancer", sourceRanges: ["0.0.0.0/0"] } } }, options()), ConfigError);
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
    await assert.rejects(preview("dev", {}, options(noCreds)), MissingCredentialsError);
    await assert.rejects(refresh("dev", options(noCreds)), MissingCredentialsError);
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
    await assert.rejects(preview("dev", {}, options(noPass)), MissingPassphraseError);
    await preview("dev", {}, options(noPass, { backendUrl: "https://api.pulumi.com" }));
    assert.equal(opened[0].envVars.PULUMI_BACKEND_URL, "https://api.pulumi.com");
    await preview("dev", {}, options({ ...noPass, PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "p" }));
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
    await assert.rejects(deploy("qa", {}, options()), (e: unknown) => e instanceof StackNotFoundError && /\(stacks: dev, platform, prod\)/.test(e.message));
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

describe("automation module: concurrent, failing, cancelled and relocated operations", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
  fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const env = { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "pass", OVH_CLIENT_ID: "id", OVH_CLIENT_SECRET: "secret" };
  /** A repository elsewhere: its own Pulumi.qa.yaml (dev's content, with a secret as the CLI stores it). */
  let workDir: string;
  let stackFile: string;
  let committed: string;
  let driver: FakeDriver;
  let opened: DriverSettings[];
  const options = (extra: Partial<AutomationOptions> = {}): AutomationOptions => ({
    env,
    workDir,
    driverFactory: async (settings) => {
      opened.push(settings);
      return driver;
    },
    ...extra,
  });

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "automation-repo-"));
    stackFile = path.join(workDir, "Pulumi.qa.yaml");
    committed = fs
      .readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
      .replace("config:\n", "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig:\n  ovh-llm:hfToken:\n    secure: v1:ZW5jcnlwdGVk\n");
    fs.writeFileSync(stackFile, committed);
    driver = new FakeDriver();
    opened = [];
  });
  afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));
  after(() => fs.rmSync(bin, { recursive: true, force: true }));

  it("workDir is honoured by every check: stacks, config, credentials in the stack file, backend, driver", async () => {
    fs.writeFileSync(stackFile, committed.replace("config:\n", "config:\n  ovh:clientId: id\n  ovh:clientSecret:\n    secure: v1:c2VjcmV0\n"));
    await deploy("qa", {}, options({ env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" } }));
    assert.deepEqual([opened[0].workDir, opened[0].backendUrl], [workDir, `file://${workDir}`]);
    await assert.rejects(deploy("qa", {}, { ...options(), workDir: undefined }), (e: unknown) => e instanceof StackNotFoundError && /\(stacks: dev, platform, prod\)/.test(e.message));
    await assert.rejects(deploy("dev", {}, options()), (e: unknown) => e instanceof StackNotFoundError && e.message.includes(workDir));
    fs.writeFileSync(stackFile, "config:\n  ovh-llm:environment: [qa\n");
    await assert.rejects(preview("qa", {}, options()), (e: unknown) => e instanceof ConfigError && /^Pulumi\.qa\.yaml:3:\d+: invalid YAML/.test(e.message));
  });

  it("a second operation on a busy stack fails before it reads or writes anything; other stacks and outputs run", async () => {
    let release!: () => void;
    driver.hold = new Promise((resolve) => (release = resolve));
    const first = deploy("qa", { monitoring: { retention: "30d" } }, options());
    const second = deploy("qa", { monitoring: { retention: "90d" } }, options());
    await assert.rejects(second, (e: unknown) => e instanceof StackBusyError && /a deploy is running in this process/.test(e.message));
    await assert.rejects(preview("qa", {}, options()), StackBusyError);
    await assert.rejects(refresh("qa", options()), StackBusyError);
    await assert.rejects(destroy("qa", options()), StackBusyError);
    assert.equal(opened.length, 1, "the busy calls never opened the stack");
    assert.equal(fs.readFileSync(stackFile, "utf8"), committed, "nor touched its file");
    assert.deepEqual(Object.keys(await outputs("qa", {}, options())), ["endpointTokens", "endpoints"], "outputs read beside an update");
    release();
    await first;
    assert.deepEqual(driver.config, { "ovh-llm:monitoring": { retention: "30d", retentionSize: "18GB", prometheusStorage: "20Gi", alertmanagerStorage: "2Gi", grafanaStorage: "2Gi" } });
    await preview("qa", {}, options());
    assert.equal(driver.calls.filter((c) => c === "preview").length, 1, "free again once the first is done");
  });

  it("a failed update writes nothing: the override only ever was in the copy it ran with", async () => {
    driver.failUpWith = new ConcurrentUpdateError("[409] Conflict: Another update is currently in progress.");
    await assert.rejects(deploy("qa", { aiDeploy: { autoscaling: { maxReplicas: 1, targetValue: 7 } } }, options()), StackBusyError);
    assert.equal(fs.readFileSync(stackFile, "utf8"), committed);
    assert.deepEqual(driver.calls, ["up"], "no setConfig");
    const ranWith = readYamlConfig(driver.seen[0].configFile!);
    assert.equal((ranWith["ovh-llm:aiDeploy"] as { autoscaling: { targetValue: number } }).autoscaling.targetValue, 7);
    assert.deepEqual(ranWith["ovh-llm:hfToken"], { secure: "v1:ZW5jcnlwdGVk" }, "encrypted values are carried over as they are");
    assert.equal((yaml.load(driver.seen[0].configFile!) as { encryptionsalt: string }).encryptionsalt, "v1:c2FsdA==:v1:abc", "and the salt that decrypts them");
    assert.ok(!fs.existsSync(driver.seen[0].options.configFile!), "the copy is removed");
  });

  it("preview takes overrides, validates them as deploy would, and never writes the stack file", async () => {
    const result = await preview("qa", { aiDeploy: { autoscaling: { maxReplicas: 1, targetValue: 9 } } }, options());
    assert.equal(result.config.aiDeploy?.autoscaling.targetValue, 9);
    assert.deepEqual(driver.calls, ["preview"]);
    assert.equal((readYamlConfig(driver.seen[0].configFile!)["ovh-llm:aiDeploy"] as { autoscaling: { targetValue: number } }).autoscaling.targetValue, 9);
    assert.equal(fs.readFileSync(stackFile, "utf8"), committed);
    await preview("qa", {}, options());
    assert.equal(driver.seen[1].options.configFile, undefined, "no overrides: the stack's own file");
  });

  it("an aborted signal cancels before anything runs; an abort during the update stops it and writes nothing", async () => {
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(deploy("qa", { monitoring: { retention: "30d" } }, options({ signal: aborted.signal })), OperationCancelledError);
    await assert.rejects(refresh("qa", options({ signal: aborted.signal })), OperationCancelledError);
    assert.equal(opened.length, 0);

    const controller = new AbortController();
    driver.hold = new Promise(() => undefined);
    const running = deploy("qa", { monitoring: { retention: "30d" } }, options({ signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(driver.seen[0].options.signal, controller.signal, "the signal reaches the Automation API (which sends the CLI SIGINT)");
    controller.abort();
    await assert.rejects(running, (e: unknown) => e instanceof OperationCancelledError && e instanceof AutomationError && /cancelled/.test(e.message));
    assert.deepEqual(driver.calls, ["up"], "no setConfig after a cancelled update");
    assert.equal(fs.readFileSync(stackFile, "utf8"), committed);
    await preview("qa", {}, options());
    assert.ok(driver.calls.includes("preview"), "the stack is free after a cancelled operation");
  });

  it("refresh selects the existing stack and refreshes; cancel runs pulumi cancel without OVH credentials", async () => {
    assert.deepEqual(await refresh("qa", options()), { summary: { update: 1, same: 3 } });
    await cancel("qa", options({ env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "p" } }));
    assert.deepEqual(opened.map((o) => o.mode), ["select", "select"]);
    assert.deepEqual(driver.calls, ["refresh", "cancel"]);
  });

  it("an override with __proto__ is refused by name and cannot reach a prototype", async () => {
    const hostile = JSON.parse('{"monitoring": {"__proto__": {"retention": "1y"}}}');
    await assert.rejects(deploy("qa", hostile, options()), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.key === "ovh-llm:monitoring.__proto__"));
    assert.equal(({} as Record<string, unknown>).retention, undefined);
    assert.equal(opened.length, 0);
  });

  it("--set paths cannot name __proto__, constructor or prototype", () => {
    assert.throws(() => overridesFromSets(["monitoring.__proto__.retention=1y"]), (e: unknown) => e instanceof AutomationError && /--set ovh-llm:monitoring\.__proto__\.retention: "__proto__" is not a config key/.test((e as Error).message));
  });
});

describe("automation adapter over the Automation API Stack", () => {
  it("passes progress, the abort signal and the config file to the SDK's own option names, and cancel to Stack.cancel", async () => {
    const calls: { method: string; opts?: Record<string, unknown> }[] = [];
    const result = { summary: { resourceChanges: { same: 1 } }, outputs: {}, changeSummary: { same: 1 } };
    const fakeStack = {
      setAllConfigJson: async () => undefined,
      up: async (opts: Record<string, unknown>) => (calls.push({ method: "up", opts }), result),
      preview: async (opts: Record<string, unknown>) => (calls.push({ method: "preview", opts }), result),
      refresh: async (opts: Record<string, unknown>) => (calls.push({ method: "refresh", opts }), result),
      destroy: async (opts: Record<string, unknown>) => (calls.push({ method: "destroy", opts }), result),
      outputs: async () => ({}),
      cancel: async () => void calls.push({ method: "cancel" }),
    };
    const d = stackDriver(fakeStack as never);
    const signal = new AbortController().signal;
    const onOutput = () => undefined;
    await d.up({ signal, configFile: "/tmp/Pulumi.x.yaml", onOutput });
    await d.preview({ signal, configFile: "/tmp/Pulumi.x.yaml" });
    await d.refresh({ signal });
    await d.destroy({ signal });
    await d.cancel();
    assert.deepEqual(calls.map((c) => c.method), ["up", "preview", "refresh", "destroy", "cancel"]);
    assert.deepEqual(calls[0].opts, { signal, configFile: "/tmp/Pulumi.x.yaml", onOutput, onEvent: undefined });
    assert.equal(calls[2].opts?.signal, signal);
  });
});
