/**
 * The deploy timeline (bench/deploy): the real program under a simulated clock. What `pulumi up` waits for, and that
 * nothing waits for what it does not need: monitoring never waits for what it watches, the GPU cluster's system
 * charts never wait for the GPU pool.
 */
import { strict as assert } from "assert";
import type { SimResource } from "../../bench/deploy/model";
import { simulateDeploy, type Timeline } from "../../bench/deploy/timeline";

const isApp = (r: SimResource) => r.type === "pulumi-nodejs:dynamic/aideploy:App";
const inMonitoringStack = (t: Timeline) => (r: SimResource) => t.index.get(t.index.partOf(r))?.type === "ovhLlm:monitoring:Stack";
const named = (t: Timeline, pred: (r: SimResource) => boolean, what: string): SimResource => {
  const found = t.resources.filter(pred);
  assert.equal(found.length, 1, `${what}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
};
const centralRelease = (t: Timeline) => named(t, (r) => r.type === "kubernetes:helm.sh/v3:Release" && inMonitoringStack(t)(r), "central kube-prometheus-stack");

describe("deploy timeline (simulated pulumi up)", function () {
  this.timeout(60_000);
  const timelines: Record<string, Timeline> = {};
  before(async () => {
    for (const stack of ["dev", "prod"]) timelines[stack] = await simulateDeploy({ stack });
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: reaches its lower bound (ratio 1.00) and declares everything it needs`, () => {
      const t = timelines[stack];
      assert.ok(t.lowerBound > 20, `lower bound ${t.lowerBound}`);
      assert.ok(t.ratio <= 1.005, `wall ${t.wall} / bound ${t.lowerBound} = ${t.ratio.toFixed(3)}: ${t.criticalPath.map((s) => s.resource.name).join(" → ")}`);
      assert.deepEqual(t.undeclaredNeeds.map((u) => `${u.resource.name} needs ${u.need.name}`), []);
      assert.deepEqual(t.unmetNeeds.map((u) => `${u.resource.name} before ${u.need.name}`), []);
      assert.deepEqual(t.notCreated.map((r) => r.name), []);
    });

    it(`${stack}: no create starts before what Pulumi made it wait for has ended`, () => {
      const t = timelines[stack];
      for (const r of t.resources)
        for (const d of r.declared) {
          const dep = t.index.get(d)!;
          assert.ok(dep.end !== undefined && dep.end <= r.start + 1e-9, `${r.name} started at ${r.start} before ${dep.name} ended at ${dep.end}`);
        }
    });
  }

  it("installs the central monitoring stack as soon as its nodes exist, not when the AI Deploy app is RUNNING", () => {
    const t = timelines.dev;
    const release = centralRelease(t);
    const pool = named(t, (r) => r.type === "ovh:CloudProject/kubeNodePool:KubeNodePool", "monitoring pool");
    assert.equal(release.start, pool.end, "the release starts when the pool is ready");
    const waitedFor = release.declared.map((d) => t.index.get(d)!);
    assert.deepEqual(waitedFor.filter((d) => t.index.partOf(d) !== t.index.partOf(release) && t.index.partOf(d) !== t.index.partOf(pool)).map((d) => d.name), []);
  });

  it("a much slower AI Deploy app moves only its own scrape target", async () => {
    const slow = await simulateDeploy({ stack: "dev", duration: (r) => (isApp(r) ? 300 : undefined) });
    const fast = timelines.dev;
    const moved = slow.resources.filter((r) => r.custom && r.end !== fast.index.get(r.urn)?.end).map((r) => r.name).sort();
    assert.deepEqual(moved, [
      "ovh-llm-dev-ai-deploy-app",
      "ovh-llm-dev-ai-deploy-token",
      "ovh-llm-dev-monitoring-stack-target-ai-deploy-vllm-qwen3-8b-dev-credential",
      "ovh-llm-dev-monitoring-stack-target-ai-deploy-vllm-qwen3-8b-dev-scrape-config",
    ]);
    assert.equal(centralRelease(slow).end, centralRelease(fast).end);
  });

  it("an AI Deploy app that never becomes RUNNING leaves a running monitoring stack that alerts on its missing target", async () => {
    // The provider gives up after readyTimeoutMinutes (dev: 45); Pulumi then starts nothing new (no --continue-on-error).
    const t = await simulateDeploy({ stack: "dev", fail: (r) => (isApp(r) ? 45 : undefined) });
    const monitoring = t.resources.filter((r) => r.custom && inMonitoringStack(t)(r));
    const missing = monitoring.filter((r) => r.end === undefined).map((r) => r.name);
    assert.deepEqual(missing, [], "everything of the monitoring stack is created");
    const scrapeConfigs = t.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig");
    assert.deepEqual(scrapeConfigs, [], "no ScrapeConfig for an app that has no host");
    const rule = named(t, (r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.name.endsWith("-target-rules"), "expected-targets rule");
    assert.match(JSON.stringify(rule.inputs.spec), /absent\(up\{job=\\"ai-deploy-vllm-qwen3-8b-dev\\"\}\)/);
  });

  it("an app failing early stops the update unless --continue-on-error, which then completes monitoring", async () => {
    const failFast = (r: SimResource) => (isApp(r) ? 2 : undefined);
    const stopped = await simulateDeploy({ stack: "dev", fail: failFast });
    const release = stopped.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.equal(release?.end, undefined, "Pulumi starts nothing after the first failure");
    const continued = await simulateDeploy({ stack: "dev", fail: failFast, continueOnError: true });
    assert.equal(centralRelease(continued).end, centralRelease(timelines.dev).end);
  });

  it("prod: the GPU cluster's system charts and its Prometheus do not wait for the GPU pool; vLLM waits for the GPU driver", () => {
    const t = timelines.prod;
    const gpuPool = named(t, (r) => r.type === "ovh:CloudProject/kubeNodePool:KubeNodePool" && r.duration.key === "gpuNodePool", "GPU pool");
    const releases = t.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && t.index.partOf(r) === t.index.partOf(gpuPool));
    assert.deepEqual(releases.map((r) => String(r.inputs.chart).split("/").pop()).sort(), ["cert-manager", "gateway-helm", "gpu-operator", "keda", "kube-prometheus-stack", "opentelemetry-collector", "tempo"]);
    for (const r of releases) assert.ok(r.end! <= gpuPool.end!, `${r.name} ends at ${r.end}, after the GPU pool (${gpuPool.end})`);
    const vllm = named(t, (r) => r.type === "kubernetes:apps/v1:StatefulSet", "vLLM StatefulSet");
    assert.equal(vllm.ready, gpuPool.end! + 8, "vLLM starts once the driver is on the new GPU nodes");
  });
});
