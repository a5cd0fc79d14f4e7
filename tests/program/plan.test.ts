import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderArtifacts } from "../../scripts/plan/artifacts";
import type { PlannedResource } from "../../scripts/plan/model";
import { applyOverrides, OverrideError, parseOverride } from "../../scripts/plan/overrides";
import { runPlan, writeArtifacts } from "../../scripts/plan/run";
import { runTsxScript, type ScriptRun } from "../helpers/cli";
import { billionLaughs } from "../config/fixtures";

/** The plan CLI as users run it (`npm run plan -- ...`), in a child process: one program run per process. */
const planCli = (args: string[]) => runTsxScript("scripts/plan.ts", args, { timeoutMs: 55_000 });

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe("offline plan (npm run plan)", function () {
  this.timeout(60_000);
  let tmp: string;
  const runs: Record<string, ScriptRun> = {};

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    // The three program runs are independent: run them side by side.
    const [dev, prod, bad, unknown] = await Promise.all([
      planCli(["dev", "--out", path.join(tmp, "dev")]),
      planCli(["prod", "--out", path.join(tmp, "prod")]),
      planCli(["prod", "--out", path.join(tmp, "bad"), "--config", "ovh-llm:aiDeploy.gpu=9"]),
      planCli(["staging", "--out", path.join(tmp, "staging")]),
    ]);
    Object.assign(runs, { dev, prod, bad, unknown });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: prints the tree and writes artifacts, exit 0`, () => {
      const run = runs[stack];
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`ovhLlm:mks:Cluster ovh-llm-${stack}-monitoring\\n  \\+ ovh:CloudProject/kube:Kube ovh-llm-${stack}-monitoring`));
      const files = filesUnder(path.join(tmp, stack));
      for (const f of ["outputs.json", "resources.json", "tree.txt"]) assert.ok(files.includes(f), `${f} in ${files.join(", ")}`);
    });
  }

  it("prod: the monitoring Kube has the prod values and its parent is the MksCluster component", () => {
    const resources = JSON.parse(fs.readFileSync(path.join(tmp, "prod/resources.json"), "utf8")) as PlannedResource[];
    const kube = resources.find((r) => r.type === "ovh:CloudProject/kube:Kube" && r.name === "ovh-llm-prod-monitoring")!;
    assert.deepEqual([kube.inputs.name, kube.inputs.plan, kube.inputs.region], ["ovh-llm-prod-monitoring", "standard", "GRA11"]);
    const parent = resources.find((r) => r.urn === kube.parent)!;
    assert.deepEqual([parent.type, parent.name], ["ovhLlm:mks:Cluster", "ovh-llm-prod-monitoring"]);
    const pool = resources.find((r) => r.type === "ovh:CloudProject/kubeNodePool:KubeNodePool" && r.parent === kube.parent)!;
    assert.deepEqual([pool.inputs.flavorName, pool.inputs.desiredNodes, pool.inputs.antiAffinity], ["b2-15", 3, true]);
    assert.ok(pool.dependsOn.includes(kube.urn), "the pool depends on its cluster");
  });

  it("prod: writes the AI Deploy request bodies, Helm values and the endpoints output", () => {
    const files = filesUnder(path.join(tmp, "prod"));
    const bodies = files.filter((f) => f.startsWith("aideploy/"));
    assert.ok(bodies.length > 0, `AI Deploy bodies in ${files.join(", ")}`);
    assert.ok(bodies.some((f) => JSON.parse(fs.readFileSync(path.join(tmp, "prod", f), "utf8")).image === "vllm/vllm-openai:v0.31.0"), "the app body carries the prod image");
    assert.ok(files.some((f) => f.startsWith("helm/")), "Helm values");
    const outputs = JSON.parse(fs.readFileSync(path.join(tmp, "prod/outputs.json"), "utf8"));
    assert.equal(outputs.endpoints["ai-deploy"].model, "ministral-14b");
    assert.match(outputs.endpoints["ai-deploy"].url, /\/v1$/);
    assert.equal(outputs.endpointTokens, "[secret]");
  });

  it("masks secrets in every written file and in the stack outputs", () => {
    for (const stack of ["dev", "prod"]) {
      const dir = path.join(tmp, stack);
      for (const f of filesUnder(dir)) {
        const text = fs.readFileSync(path.join(dir, f), "utf8");
        assert.doesNotMatch(text, /placeholder-secret-/, `${stack}/${f} holds a secret in clear`);
        assert.doesNotMatch(text, /fake kubeconfig/, `${stack}/${f} holds a kubeconfig in clear`);
      }
      const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"));
      assert.equal(outputs.monitoringKubeconfig, "[secret]");
      assert.equal(outputs.monitoringClusterId, `ovh-llm-${stack}-monitoring-id`);
    }
  });

  it("fails on bad config like pulumi preview: exit 1, the key and what is allowed, no stack trace", () => {
    assert.equal(runs.bad.code, 1);
    assert.match(runs.bad.stderr, /error: Invalid stack configuration \(1 problem\):\n {2}- ovh-llm:aiDeploy\.gpu = 9: expected a whole number from 1 to 4/);
    assert.doesNotMatch(runs.bad.stderr, /\n\s+at /, "no stack trace");
    assert.ok(!fs.existsSync(path.join(tmp, "bad")), "nothing written");
  });

  it("names the known stacks for an unknown stack", () => {
    assert.equal(runs.unknown.code, 1);
    assert.match(runs.unknown.stderr, /unknown stack "staging".*\(stacks: dev, platform, prod\)/);
  });
});

describe("offline plan: artifacts of a program with every kind of resource", function () {
  this.timeout(20_000);

  /** Stands in for the AI Deploy dynamic resource: the plan recognises it by its type name. */
  class AiDeployApp extends pulumi.CustomResource {
    constructor(name: string, props: pulumi.Inputs) {
      super("ovhLlm:aideploy:App", name, props);
    }
  }

  /** A small program with the resource kinds the real components register, secrets included. */
  function fixtureProgram(leak: boolean) {
    return () => {
      const hook = new pulumi.Config("ovh-llm").requireSecret("alertWebhookUrl");
      const stack = new pulumi.ComponentResource("ovhLlm:test:Observability", "obs", {}, {});
      const opts = { parent: stack };
      new k8s.helm.v3.Release("kps", {
        name: "kps",
        chart: "kube-prometheus-stack",
        version: "88.5.3",
        namespace: "monitoring",
        repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
        values: { grafana: { admin: { existingSecret: "grafana-admin" } }, prometheus: { prometheusSpec: { retention: "30d" } } },
      }, opts);
      new k8s.helm.v3.Release("leaky", { chart: "keda", version: "2.20.2", values: { token: pulumi.secret("hunter22-admin") } }, opts);
      new k8s.core.v1.Secret("hook", { metadata: { name: "alert-hook", namespace: "monitoring" }, stringData: { url: hook } }, opts);
      new k8s.core.v1.ConfigMap("dash", {
        metadata: { name: "dash-vllm", namespace: "monitoring", labels: { grafana_dashboard: "1" } },
        data: { "vllm.json": JSON.stringify({ title: "vLLM", panels: [] }), ...(leak ? { "hook.txt": pulumi.unsecret(hook) } : {}) },
      }, opts);
      new k8s.apiextensions.CustomResource("rules", {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "vllm-alerts", namespace: "monitoring" },
        spec: { groups: [{ name: "vllm", rules: [{ alert: "VllmDown", expr: "up == 0" }] }] },
      }, opts);
      new pulumi.ComponentResource("ovhLlm:aideploy:Deployment", "app-component", {}, {}); // a component: no body file
      new AiDeployApp("app", { body: { name: "vllm-app", image: "vllm/vllm-openai:v0.31.0" }, token: pulumi.secret("t0ken-value") });
      return { grafanaUrl: pulumi.output("http://grafana"), grafanaAdminPassword: pulumi.secret("hunter22-admin") };
    };
  }

  it("renders Helm values, manifests, rules, dashboards, AI Deploy bodies and outputs, with secrets masked", async () => {
    const plan = await runPlan({ stack: "prod", program: fixtureProgram(false) });
    const files = [...plan.artifacts.keys()];
    assert.deepEqual(files.filter((f) => f.includes("/")), [
      "aideploy/app.json",
      "dashboards/vllm.json",
      "helm/kps.values.yaml",
      "helm/leaky.values.yaml",
      "manifests/configmap-dash-vllm.yaml",
      "manifests/prometheusrule-vllm-alerts.yaml",
      "manifests/secret-alert-hook.yaml",
      "rules/vllm-alerts.yaml",
    ]);
    assert.match(plan.artifacts.get("helm/kps.values.yaml")!, /\nprometheus:\n {2}prometheusSpec:\n {4}retention: 30d\n/);
    assert.match(plan.artifacts.get("helm/leaky.values.yaml")!, /all of them as secret.*\n'\[secret\]'\n$/);
    assert.match(plan.artifacts.get("helm/kps.values.yaml")!, /chart kube-prometheus-stack 88\.5\.3/);
    assert.match(plan.artifacts.get("manifests/secret-alert-hook.yaml")!, /url: '\[secret\]'/);
    assert.deepEqual(JSON.parse(plan.artifacts.get("aideploy/app.json")!), { image: "vllm/vllm-openai:v0.31.0", name: "vllm-app" });
    assert.equal(JSON.parse(plan.artifacts.get("dashboards/vllm.json")!).title, "vLLM");
    assert.match(plan.artifacts.get("rules/vllm-alerts.yaml")!, /^groups:\n {2}- name: vllm\n/);
    assert.deepEqual(JSON.parse(plan.artifacts.get("outputs.json")!), { grafanaAdminPassword: "[secret]", grafanaUrl: "http://grafana" });
    assert.match(plan.artifacts.get("tree.txt")!, /● ovhLlm:test:Observability obs\n(  \+ .*\n)*  \+ kubernetes:core\/v1:Secret hook {2}\[Secret monitoring\/alert-hook\]/);
    for (const [file, text] of plan.artifacts) assert.doesNotMatch(text, /placeholder-secret-|hunter22|t0ken-value/, file);
    assert.deepEqual(plan.leaks, []);
  });

  it("reports a secret config value that reaches a resource in clear", async () => {
    const plan = await runPlan({ stack: "prod", program: fixtureProgram(true) });
    assert.deepEqual(
      plan.leaks.map((l) => [l.urn.split("::").pop(), l.path, l.secretKey]),
      [["dash", "data.hook.txt", "ovh-llm:alertWebhookUrl"]],
    );
  });

  it("fails when the program fails later, inside an apply", async () => {
    const program = () => {
      const out = pulumi.output("x").apply((): string => {
        throw new Error("boom in apply");
      });
      new k8s.core.v1.ConfigMap("cm", { data: { v: out } });
      return {};
    };
    await assert.rejects(runPlan({ stack: "dev", program }), /boom in apply/);
  });

  it("is deterministic: registration order does not change a byte, colliding names stay apart", () => {
    const r = (name: string, ns: string): PlannedResource => ({
      urn: `urn:pulumi:s::p::kubernetes:core/v1:Namespace::${name}`,
      type: "kubernetes:core/v1:Namespace",
      name,
      dependsOn: [],
      custom: true,
      inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { b: "2", a: "1" } } },
    });
    const resources = [r("gpu-ns", "monitoring"), r("mon-ns", "monitoring"), r("other", "apps")];
    const a = renderArtifacts(resources, { z: 1, a: 2 });
    const b = renderArtifacts([...resources].reverse(), { a: 2, z: 1 });
    assert.deepEqual([...a.entries()], [...b.entries()]);
    assert.deepEqual([...a.keys()].filter((f) => f.startsWith("manifests/")), [
      "manifests/namespace-apps.yaml",
      "manifests/namespace-monitoring--gpu-ns.yaml",
      "manifests/namespace-monitoring--mon-ns.yaml",
    ]);
    assert.match(a.get("manifests/namespace-apps.yaml")!, /labels:\n {4}a: '1'\n {4}b: '2'/);
  });

  it("writeArtifacts replaces the directory (no stale files from an earlier plan)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-write-"));
    try {
      fs.writeFileSync(path.join(dir, "stale.yaml"), "old");
      writeArtifacts(dir, new Map([["helm/a.values.yaml", "x: 1\n"]]));
      assert.deepEqual(filesUnder(dir), ["helm/a.values.yaml"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--config sets top-level keys and paths inside structured keys", () => {
    const base = { "ovh-llm:environment": "dev", "ovh-llm:aiDeploy": JSON.stringify({ gpu: 1, autoscaling: { maxReplicas: 1 } }) };
    const result = applyOverrides(base, [parseOverride("ovh-llm:aiDeploy.autoscaling.maxReplicas=3"), parseOverride("ovh-llm:environment=staging")]);
    assert.deepEqual(JSON.parse(result["ovh-llm:aiDeploy"]), { gpu: 1, autoscaling: { maxReplicas: 3 } });
    assert.equal(result["ovh-llm:environment"], "staging");
    assert.throws(() => parseOverride("gpu=3"), /namespace:key/);
  });
});

describe("offline plan: hostile input through the real CLI", function () {
  this.timeout(60_000);
  const CANARY = "C4n4ryPlan";
  let tmp: string;
  const runs: Record<string, ScriptRun> = {};
  const cases: Record<string, { args: string[]; stderr: RegExp }> = {
    protoPath: { args: ["dev", "-c", "ovh-llm:monitoring.__proto__.enabled=false"], stderr: /^error: --config ovh-llm:monitoring\.__proto__\.enabled: "__proto__" is not a config key/ },
    constructorPath: { args: ["dev", "-c", "ovh-llm:aiDeploy.constructor.prototype.polluted=1"], stderr: /^error: --config ovh-llm:aiDeploy\.constructor\.prototype\.polluted: "constructor" is not a config key/ },
    openGrafana: {
      args: ["prod", "-c", 'ovh-llm:monitoring.grafana={"exposure":"LoadBalancer","sourceRanges":["0.0.0.0/0"]}'],
      stderr: /^error: Invalid stack configuration \(1 problem\):\n {2}- ovh-llm:monitoring\.grafana\.sourceRanges\.0 = "0\.0\.0\.0\/0": expected a CIDR of \/8 or narrower/,
    },
    tokenInEnv: {
      args: ["prod", "-c", `ovh-llm:aiDeploy.env.HUGGINGFACEHUB_API_TOKEN=hf_${CANARY}abcdefghijklmnopqrstuvwxyz`],
      stderr: /- ovh-llm:aiDeploy\.env\.HUGGINGFACEHUB_API_TOKEN = "\[redacted\]": expected no credential in plain config .*--secret hfToken/,
    },
    misspeltSecret: { args: ["dev", "-c", `ovh-llm:hfTokn=${CANARY}`], stderr: /- ovh-llm:hfTokn = "\[redacted\]": expected no such key/ },
    billionLaughs: { args: ["dev", "--config-file", "LAUGHS"], stderr: /^error: Pulumi\.laughs\.yaml:3:3: ovh-llm:aiDeploy is too big: .*once YAML aliases are expanded/ },
    yamlSyntax: { args: ["dev", "--config-file", "SYNTAX"], stderr: /^error: Pulumi\.syntax\.yaml:3:\d+: invalid YAML: [^\n]*\n$/ },
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-hostile-"));
    const files = { LAUGHS: path.join(tmp, "Pulumi.laughs.yaml"), SYNTAX: path.join(tmp, "Pulumi.syntax.yaml") };
    fs.writeFileSync(files.LAUGHS, billionLaughs());
    fs.writeFileSync(files.SYNTAX, "config:\n  ovh-llm:environment: [dev\n  ovh-llm:x: 1\n");
    const results = await Promise.all(
      Object.entries(cases).map(([name, c]) => planCli([...c.args.map((a) => files[a as keyof typeof files] ?? a), "--out", path.join(tmp, name)])),
    );
    Object.keys(cases).forEach((name, i) => (runs[name] = results[i]));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const name of Object.keys(cases)) {
    it(`${name}: exit 1 with the problem in one message, no stack trace, no secret, nothing written`, () => {
      const run = runs[name];
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, cases[name].stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      assert.ok(!(run.stdout + run.stderr).includes(CANARY), "a secret value in the output");
      assert.ok(!fs.existsSync(path.join(tmp, name)), "nothing written");
    });
  }
});

describe("offline plan: --config paths never reach a prototype", () => {
  it("refuses __proto__, constructor and prototype segments, and values over 64 KiB", () => {
    for (const arg of ["ovh-llm:__proto__=1", "ovh-llm:a.__proto__.b=1", "ovh-llm:a.constructor=1", "ovh-llm:a.prototype.b=1"]) assert.throws(() => parseOverride(arg), OverrideError, arg);
    assert.throws(() => parseOverride(`ovh-llm:a=${"x".repeat(70_000)}`), /at most 65536 characters/);
  });

  it("applies a path with own properties only, even when handed a crafted key", () => {
    const result = applyOverrides({ "ovh-llm:monitoring": "{}" }, [{ key: "ovh-llm:monitoring.__proto__.polluted", value: true }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype untouched");
    assert.equal(result["ovh-llm:monitoring"], '{"__proto__":{"polluted":true}}', "an own key, which the schema then refuses by name");
  });
});
