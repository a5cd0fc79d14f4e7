/**
 * The AI Deploy lifecycle against the schema-true fake OVH API, as a table of scenarios. A small harness plays the
 * Pulumi engine's part for one app resource (state, diff → update or replace, "created but failed to initialize"
 * recording), so each scenario runs `up`/`destroy` like a user would, then checks what is left on the fake:
 * 0 duplicate apps, 0 orphans (after destroy nothing of ours is left), 0 foreign apps touched.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AppNotReadyError, AppProvider, TokenProvider, type AppOutputs, type ProviderOptions } from "../../components/aideploy/providers";
import { APP_LABEL, HF_TOKEN_ENV, STACK_LABEL, appSpecInput, tokenInput } from "../../components/aideploy/spec";
import { aiDeploySchema } from "../../config/schema";
import { FAKE_CREDENTIALS, FakeOvhApi, type FakeApp } from "../fakes/ovhApi";

const FAST: ProviderOptions = { pollIntervalMs: 1, deleteTimeoutMs: 3000, tokenTimeoutMs: 3000, client: { backoffMs: 1, maxBackoffMs: 4, timeoutMs: 1000, maxRetryAfterMs: 20 } };
const HF = "hf_lifecycle_secret";

const config = (over: Record<string, unknown> = {}) =>
  aiDeploySchema.parse({
    name: "vllm-life",
    region: "GRA",
    image: "vllm/vllm-openai:v0.31.0",
    model: "Qwen/Qwen3-8B",
    flavor: "l4-1-gpu",
    env: { HF_HOME: "/hub" },
    autoscaling: { minReplicas: 1, maxReplicas: 2, targetValue: 20 },
    ...over,
  });

/** One stack's app resource, with the part of the engine's behaviour the providers rely on. */
class StackUnderTest {
  state?: { id: string; outs: AppOutputs };
  readonly provider: AppProvider;
  constructor(
    readonly fake: FakeOvhApi,
    readonly stack: string,
    readonly ownerId: string,
    options: ProviderOptions = FAST,
  ) {
    this.provider = new AppProvider(options);
  }

  async configure(): Promise<this> {
    const values: Record<string, string> = {
      "ovh:endpoint": this.fake.baseUrl,
      "ovh:applicationKey": FAKE_CREDENTIALS.applicationKey,
      "ovh:applicationSecret": FAKE_CREDENTIALS.applicationSecret,
      "ovh:consumerKey": FAKE_CREDENTIALS.consumerKey,
    };
    await this.provider.configure({ config: { get: (k: string) => values[k], require: (k: string) => values[k] } } as pulumi.dynamic.ConfigureRequest);
    return this;
  }

  /** `hfToken: null` = unset. */
  inputs(over: Record<string, unknown> = {}, hfToken: string | null = HF, readyTimeoutMinutes = 0.05) {
    return {
      serviceName: this.fake.serviceName,
      body: appSpecInput(config(over), { appId: this.ownerId, stack: this.stack, environment: this.stack }),
      ...(hfToken ? { hfToken } : {}),
      readyTimeoutMinutes,
    };
  }

  /** `pulumi up` of this one resource; resolves to the error it reported, if any. */
  async up(over: Record<string, unknown> = {}, hfToken: string | null = HF, readyTimeoutMinutes = 0.05): Promise<Error | undefined> {
    const news = this.inputs(over, hfToken, readyTimeoutMinutes);
    try {
      if (!this.state) {
        const { id, outs } = await this.provider.create(news);
        this.state = { id, outs };
        return undefined;
      }
      const diff = await this.provider.diff(this.state.id, this.state.outs, news);
      if (diff.replaces?.length) {
        if (diff.deleteBeforeReplace) await this.destroy();
        const { id, outs } = await this.provider.create(news);
        if (this.state) await this.provider.delete(this.state.id, this.state.outs);
        this.state = { id, outs };
      } else if (diff.changes) {
        this.state = { id: this.state.id, outs: (await this.provider.update(this.state.id, this.state.outs, news)).outs };
      }
      return undefined;
    } catch (e) {
      // What the engine does with ErrorResourceInitFailed: the resource is in the state with these properties.
      if (e instanceof AppNotReadyError) this.state = { id: e.id, outs: e.properties };
      return e as Error;
    }
  }

  async destroy(): Promise<void> {
    if (!this.state) return;
    await this.provider.delete(this.state.id, this.state.outs);
    this.state = undefined;
  }

  app(): FakeApp {
    assert.ok(this.state, `${this.stack} has no app in its state`);
    const app = this.fake.apps.get(this.state.id);
    assert.ok(app, `${this.stack}'s app ${this.state.id} is not on the server`);
    return app;
  }
}

/** The invariants every scenario ends with (after destroying every stack under test). */
function assertClean(fake: FakeOvhApi, foreign: { app: FakeApp; before: string }[]): void {
  const left = fake.liveApps().filter((a) => a.spec.labels?.[APP_LABEL] && !foreign.some((f) => f.app.id === a.id));
  assert.deepEqual(left.map((a) => `${a.id} ${a.status.state}`), [], "0 orphans: nothing of ours is left after destroy");
  for (const f of foreign) {
    assert.equal(JSON.stringify({ spec: f.app.spec, state: f.app.status.state }), f.before, `foreign app ${f.app.id} was changed`);
    assert.equal(fake.calls.filter((c) => c.method !== "GET" && c.path.includes(f.app.id)).length, 0, `foreign app ${f.app.id} got a write call`);
  }
}

/** 0 duplicate apps: no two live apps carry the same resource id. */
function assertNoDuplicates(fake: FakeOvhApi): void {
  const ids = fake.liveApps().map((a) => a.spec.labels?.[APP_LABEL]).filter(Boolean);
  assert.equal(new Set(ids).size, ids.length, `duplicate apps: ${ids.join(", ")}`);
}

/** Live apps of the stacks under test (the bystander app of another stack excluded). */
const ours = (fake: FakeOvhApi) => fake.liveApps().filter((a) => ["0000000000de", "00000000000b"].includes(a.spec.labels?.[APP_LABEL]));
const gone = (fake: FakeOvhApi, id: string) => !fake.liveApps().some((a) => a.id === id);

const writes = (fake: FakeOvhApi, id: string) => fake.calls.filter((c) => c.method !== "GET" && c.path.includes(id)).map((c) => `${c.method} ${c.path.slice(c.path.indexOf(id) + id.length) || "/"}`);

interface Scenario {
  name: string;
  run(ctx: { fake: FakeOvhApi; dev: StackUnderTest; prod: StackUnderTest; foreign: { app: FakeApp; before: string }[] }): Promise<void>;
}

const scenarios: Scenario[] = [
  {
    name: "update image: flat UpdateInput (url), the old spec is served a while, then RUNNING on the new image",
    async run({ fake, dev }) {
      assert.equal(await dev.up(), undefined);
      assert.equal(await dev.up({ image: "vllm/vllm-openai:v0.31.1" }), undefined);
      const put = fake.calls.filter((c) => c.method === "PUT" && c.path.endsWith(dev.state!.id)).pop()!;
      assert.equal(put.body.url, "vllm/vllm-openai:v0.31.1");
      assert.ok(!("image" in put.body) && !("resources" in put.body));
      assert.deepEqual([dev.app().spec.image, dev.app().status.state, dev.state!.outs.state], ["vllm/vllm-openai:v0.31.1", "RUNNING", "RUNNING"]);
      assert.ok(dev.app().status.history.some((h) => h.state === "SCALING"), "went through the rollout");
    },
  },
  {
    name: "update flavor and gpu count in place",
    async run({ fake, dev }) {
      await dev.up();
      assert.equal(await dev.up({ flavor: "h100-1-gpu", gpu: 2 }), undefined);
      assert.deepEqual(dev.app().spec.resources, { flavor: "h100-1-gpu", gpu: 2 });
      assert.equal(ours(fake).length, 1);
    },
  },
  {
    name: "remove an env var: sent with an empty value, gone from the app",
    async run({ dev }) {
      await dev.up({ env: { HF_HOME: "/hub", OLD: "1" } });
      assert.equal(await dev.up({ env: { HF_HOME: "/hub" } }), undefined);
      assert.deepEqual(dev.app().spec.envVars.map((e: { name: string }) => e.name).sort(), ["HF_HOME", HF_TOKEN_ENV]);
    },
  },
  {
    name: "unset hfToken: HF_TOKEN is removed from the app",
    async run({ dev }) {
      await dev.up();
      assert.equal(await dev.up({}, null), undefined);
      assert.deepEqual(dev.app().spec.envVars, [{ name: "HF_HOME", value: "/hub" }]);
    },
  },
  {
    name: "rollout to FAILED: the update fails with OVH's message, the state says FAILED, the next up is not green",
    async run({ fake, dev }) {
      await dev.up();
      fake.failNextRollout(dev.state!.id, "Back-off pulling image vllm/vllm-openai:v9");
      const err = await dev.up({ image: "vllm/vllm-openai:v9" });
      assert.match(String(err), /FAILED after update: Back-off pulling image/);
      assert.equal(dev.state!.outs.state, "FAILED");
      fake.failAppNamed("vllm-life", "Back-off pulling image vllm/vllm-openai:v9"); // still broken on restart
      assert.match(String(await dev.up({ image: "vllm/vllm-openai:v9" })), /FAILED/, "same inputs, still failed: reported again");
      fake.failAppNamed("vllm-life", "");
      assert.equal(await dev.up({ image: "vllm/vllm-openai:v0.31.1" }), undefined, "fixed config repairs it");
      assert.equal(dev.app().status.state, "RUNNING");
    },
  },
  {
    name: "delete a RUNNING app: stop, wait STOPPED, delete, wait gone",
    async run({ fake, dev }) {
      await dev.up();
      const id = dev.state!.id;
      await dev.destroy();
      assert.deepEqual(writes(fake, id).slice(-2), ["PUT /stop", "DELETE /"]);
      assert.ok(gone(fake, id));
    },
  },
  {
    name: "delete twice (and delete of an app already gone) succeeds",
    async run({ fake, dev }) {
      await dev.up();
      const { id, outs } = dev.state!;
      await dev.destroy();
      await dev.provider.delete(id, outs);
      assert.ok(gone(fake, id));
    },
  },
  {
    name: "dev and prod with the same aiDeploy.name: two apps; destroying prod leaves dev's",
    async run({ fake, dev, prod }) {
      assert.equal(await dev.up(), undefined);
      assert.equal(await prod.up(), undefined);
      assert.equal(ours(fake).filter((a) => a.spec.name === "vllm-life").length, 2);
      assert.notEqual(dev.state!.id, prod.state!.id);
      await prod.destroy();
      assert.equal(dev.app().status.state, "RUNNING");
      assert.deepEqual(writes(fake, dev.state!.id), [], "dev's app untouched");
    },
  },
  {
    name: "lost create answer: the app is found by its ownership labels and adopted, never posted twice",
    async run({ fake, dev }) {
      fake.inject("POST", /\/ai\/app$/, "drop-after");
      assert.equal(await dev.up(), undefined);
      assert.equal(fake.count("POST", /\/ai\/app$/), 1);
      assert.equal(ours(fake).length, 1);
    },
  },
  {
    name: "an earlier run died after OVH created the app: the next up adopts it (this stack's labels) and converges it",
    async run({ fake, dev }) {
      const left = fake.seedApp({ ...dev.inputs({ image: "vllm/vllm-openai:v0.30.0", env: { STALE: "1" } }).body });
      assert.equal(await dev.up(), undefined);
      assert.equal(dev.state!.id, left.id);
      assert.equal(left.spec.image, "vllm/vllm-openai:v0.31.0");
      assert.ok(!left.spec.envVars.some((e: { name: string }) => e.name === "STALE"), "a variable the config does not have is removed");
      assert.equal(fake.count("POST", /\/ai\/app$/), 0);
    },
  },
  {
    name: "adopt a STOPPED app of this stack: it is started, and the create waits for RUNNING",
    async run({ fake, dev }) {
      const stopped = fake.seedApp(dev.inputs().body, "STOPPED");
      assert.equal(await dev.up(), undefined);
      assert.equal(dev.state!.id, stopped.id);
      assert.equal(stopped.status.state, "RUNNING");
      assert.ok(writes(fake, stopped.id).includes("PUT /start"));
    },
  },
  {
    name: "429/5xx storm while waiting for RUNNING: the create fails but the app id is in the state; destroy removes it",
    async run({ fake, dev }) {
      fake.inject("GET", /\/ai\/app\/[0-9a-f-]{36}$/, { status: 503 }, 1);
      fake.inject("GET", /\/ai\/app\/[0-9a-f-]{36}$/, { status: 429, retryAfter: 1 }, 4);
      const err = await dev.up();
      assert.ok(err instanceof AppNotReadyError, String(err));
      assert.match(err.message, /accepted by OVH but create did not finish.*429/);
      assert.equal(dev.state!.outs.state, "UNKNOWN");
      assert.equal(await dev.up(), undefined, "the next up waits for it (not green before RUNNING)");
      assert.equal(ours(fake).length, 1);
    },
  },
  {
    name: "ambiguous POST then a conflict (names unique, lists lagging): one app, adopted, in the state",
    async run({ fake, dev }) {
      fake.uniqueNames = true;
      fake.listLagReads = 4;
      fake.inject("POST", /\/ai\/app$/, { status: 502, apply: true });
      assert.equal(await dev.up(), undefined);
      assert.equal(fake.count("POST", /\/ai\/app$/), 2, "posted again after the lookups missed it, and got 409");
      assert.equal(ours(fake).length, 1);
      assert.equal(dev.state!.id, ours(fake)[0].id);
    },
  },
  {
    name: "token creation fails after the app: the app stays in the state, destroy removes it, no token is left",
    async run({ fake, dev }) {
      await dev.up();
      const tokens = new TokenProvider(FAST);
      await tokens.configure({ config: { get: (k: string) => ({ "ovh:endpoint": fake.baseUrl, "ovh:applicationKey": FAKE_CREDENTIALS.applicationKey, "ovh:applicationSecret": FAKE_CREDENTIALS.applicationSecret, "ovh:consumerKey": FAKE_CREDENTIALS.consumerKey })[k] } } as any);
      fake.inject("POST", /\/ai\/token$/, { status: 500 }, 5);
      await assert.rejects(tokens.create({ serviceName: fake.serviceName, body: tokenInput(config(), { appId: dev.ownerId }), renewalCounter: 0 }), /500/);
      assert.equal(fake.tokens.size, 0);
      assert.equal(dev.app().status.state, "RUNNING");
    },
  },
  {
    name: "readiness timeout: names the state and OVH's message; the id is recorded; the next up waits until RUNNING",
    async run({ fake, dev }) {
      fake.pollsToRunning = 1_000_000;
      const err = await dev.up({}, HF, 0.0005);
      assert.match(String(err), /still INITIALIZING after create, 0.0005 min \(aiDeploy.readyTimeoutMinutes\); OVH's last message/);
      assert.equal(dev.state!.outs.state, "INITIALIZING");
      fake.pollsToRunning = 2;
      assert.equal(await dev.up(), undefined);
      assert.equal(dev.state!.outs.state, "RUNNING");
    },
  },
  {
    name: "a FAILED app is not green on the next up with the same inputs: it is restarted and reported",
    async run({ fake, dev }) {
      fake.failAppNamed("vllm-life", "CUDA out of memory");
      assert.match(String(await dev.up()), /FAILED after create: CUDA out of memory/);
      assert.match(String(await dev.up()), /FAILED after (start|update): CUDA out of memory/);
      assert.ok(writes(fake, dev.state!.id).includes("PUT /start"));
      fake.failAppNamed("vllm-life", "");
      assert.equal(await dev.up(), undefined);
      assert.equal(dev.state!.outs.state, "RUNNING");
    },
  },
  {
    name: "a huge Retry-After is capped: the 429 costs the cap, not a day",
    async run({ fake, dev }) {
      fake.inject("POST", /\/ai\/app$/, { status: 429, retryAfter: 86_400 }, 2);
      const started = Date.now();
      assert.equal(await dev.up(), undefined);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(fake.count("POST", /\/ai\/app$/), 3);
    },
  },
  {
    name: "403 (missing right): the message names the IAM action, the access rule, OVH's message; nothing is created",
    async run({ fake, dev }) {
      fake.deny("POST", /\/ai\/app$/);
      const err = String(await dev.up());
      assert.match(err, /This call has not been granted/);
      assert.match(err, /IAM action publicCloudProject:apiovh:ai\/app\/create/);
      assert.match(err, /access rule "POST \/cloud\/project\/[0-9a-f]+\/\*"/);
      assert.equal(dev.state, undefined);
      assert.equal(ours(fake).length, 0);
    },
  },
  {
    name: "quota: the message names the quota, OVH's message and what to do; nothing is created",
    async run({ fake, dev }) {
      fake.quota = { "l4-1-gpu": 1 };
      const err = String(await dev.up());
      assert.match(err, /lack of quota: it asks 1 × l4-1-gpu per replica, up to 2 replica\(s\)/);
      assert.match(err, /OVH said: "Quota exceeded for resource l4-1-gpu/);
      assert.match(err, /lower aiDeploy.gpu or aiDeploy.autoscaling.maxReplicas/);
      assert.equal(ours(fake).length, 0);
    },
  },
  {
    name: "an app of that name owned by nobody, or by another state of this stack: an error naming it; never touched",
    async run({ fake, dev, foreign }) {
      const byHand = fake.seedApp({ ...dev.inputs().body, labels: { team: "ml" } });
      foreign.push({ app: byHand, before: JSON.stringify({ spec: byHand.spec, state: byHand.status.state }) });
      assert.match(String(await dev.up()), new RegExp(`named vllm-life already exists .*\\(id ${byHand.id}, RUNNING\\) and carries no ownership label.*label it ${APP_LABEL}=`));
      fake.apps.delete(byHand.id);
      foreign.pop();
      const twin = fake.seedApp({ ...dev.inputs().body, labels: { [APP_LABEL]: "ffffffffffff", [STACK_LABEL]: "dev" } });
      foreign.push({ app: twin, before: JSON.stringify({ spec: twin.spec, state: twin.status.state }) });
      assert.match(String(await dev.up()), /is owned by another state of stack "dev"/);
      assert.equal(dev.state, undefined);
    },
  },
  {
    name: "replacement (region change) deletes the old app first (same name) and leaves one app",
    async run({ fake, dev }) {
      await dev.up();
      const old = dev.state!.id;
      assert.equal(await dev.up({ region: "BHS" }), undefined);
      assert.notEqual(dev.state!.id, old);
      assert.ok(gone(fake, old));
      assert.deepEqual(ours(fake).map((a) => a.spec.region), ["BHS"]);
    },
  },
];

describe("AI Deploy lifecycle scenarios against the schema-true fake OVH API", () => {
  let fake: FakeOvhApi;
  before(async () => {
    await new FakeOvhApi().start().then((f) => f.stop()); // derive the schema once, outside the scenarios' timing
  });
  beforeEach(async () => {
    fake = await new FakeOvhApi().start();
    fake.pollsToRunning = 2;
    fake.rolloutDelayReads = 2;
  });
  afterEach(() => fake.stop());

  it(`has at least 15 scenarios (${scenarios.length})`, () => assert.ok(scenarios.length >= 15));

  for (const s of scenarios) {
    it(s.name, async () => {
      const dev = await new StackUnderTest(fake, "dev", "0000000000de").configure();
      const prod = await new StackUnderTest(fake, "prod", "00000000000b").configure();
      const bystander = fake.seedApp({ ...dev.inputs().body, name: "someone-elses", labels: { [APP_LABEL]: "123456789abc", [STACK_LABEL]: "other" } });
      const foreign = [{ app: bystander, before: JSON.stringify({ spec: bystander.spec, state: bystander.status.state }) }];
      await s.run({ fake, dev, prod, foreign });
      assertNoDuplicates(fake);
      await dev.destroy();
      await prod.destroy();
      assertClean(fake, foreign);
    });
  }
});
