/** SLO config (`monitoring.slo`), the per-model inventory series it becomes, and the federation's label fixes. */
import { strict as assert } from "assert";
import { ConfigError, parseConfig, sloSchema } from "../../config/schema";
import { VLLM_BUCKETS } from "../../components/metrics/catalogue";
import { readStackFile } from "../../config/stackFile";
import { federationMetricRelabelings, federationMatchers, federationScrapeTarget } from "../../components/gpu/federation";
import { inventoryRules, SLO_ERROR_BUDGET, SLO_OBJECTIVE, SLO_TTFT_THRESHOLD, type MonitoredModel } from "../../components/observability/models";
import { remoteScrapeConfig } from "../../components/observability/scrape";
import { scrapeConfigObject } from "../../components/monitoring/scrapeTargets";
import { BURN } from "../../components/observability/slo";
import { monitoredModels } from "../../program";

const prod = () => readStackFile("prod").projectConfig as Record<string, any>;
const withSlo = (slo: Record<string, unknown>) => {
  const raw = prod();
  return { ...raw, monitoring: { ...raw.monitoring, slo } };
};
const issues = (raw: Record<string, unknown>) => {
  try {
    parseConfig(raw);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.key}: ${i.allowed}`);
  }
};

describe("SLO config", () => {
  it("defaults: 30-day window, 99.5% availability, 95% of requests with TTFT <= 2.5 s", () => {
    assert.deepEqual(sloSchema.parse({}), { window: "30d", availability: 0.995, latency: 0.95, ttftSeconds: 2.5, models: {} });
  });

  it("refuses a TTFT threshold that is not one of vLLM's TTFT bucket edges, naming the key and the edges", () => {
    const found = issues(withSlo({ ttftSeconds: 3 }));
    assert.equal(found.length, 1);
    assert.match(found[0], /^ovh-llm:monitoring\.slo\.ttftSeconds: one of vLLM's TTFT bucket edges \(0\.001, .*2\.5, 5, .*2560\)/);
    assert.match(issues(withSlo({ models: { "ministral-14b": { ttftSeconds: 0.3 } } }))[0], /^ovh-llm:monitoring\.slo\.models\.ministral-14b\.ttftSeconds: one of vLLM's TTFT bucket edges/);
    for (const edge of VLLM_BUCKETS.ttft) assert.deepEqual(issues(withSlo({ ttftSeconds: edge })), [], `edge ${edge}`);
  });

  it("refuses objectives that leave no budget, windows outside 7d-90d, and overrides for models the stack does not deploy", () => {
    assert.match(issues(withSlo({ availability: 1 }))[0], /^ovh-llm:monitoring\.slo\.availability: .*leaves no error budget/);
    assert.match(issues(withSlo({ latency: 0.3 }))[0], /^ovh-llm:monitoring\.slo\.latency: an objective/);
    assert.match(issues(withSlo({ window: "5d" }))[0], /^ovh-llm:monitoring\.slo\.window: 7d to 90d/);
    assert.match(issues(withSlo({ window: "720h" }))[0], /^ovh-llm:monitoring\.slo\.window: a number of days/);
    assert.match(issues(withSlo({ models: { "no-such-model": { availability: 0.99 } } }))[0], /^ovh-llm:monitoring\.slo\.models\.no-such-model: the served model name of a deployed model \(ministral-14b, /);
  });

  it("becomes one objective, budget and TTFT threshold series per served model, overrides applied", () => {
    const config = parseConfig(withSlo({ availability: 0.999, models: { "ministral-14b": { latency: 0.9, ttftSeconds: 1 } } }));
    const models = monitoredModels(config);
    assert.ok(models.length >= 2 && models.some((m) => m.kind === "gpu-cluster") && models.some((m) => m.kind === "ai-deploy"));
    const rules = inventoryRules(models, config.monitoring!.slo);
    const of = (record: string, model: string, slo?: string) => rules.filter((r) => r.record === record && r.labels?.model_name === model && (!slo || r.labels.slo === slo));
    assert.deepEqual(of(SLO_OBJECTIVE, "ministral-14b", "latency").map((r) => [r.expr, r.labels?.window]), [["vector(0.9)", "30d"]]);
    assert.deepEqual(of(SLO_ERROR_BUDGET, "ministral-14b", "availability").map((r) => r.expr), ["vector(0.001)"]);
    assert.deepEqual(of(SLO_TTFT_THRESHOLD, "ministral-14b").map((r) => r.labels?.le), ["1.0"]);
    const gpuModel = models.find((m) => m.kind === "gpu-cluster")!;
    assert.deepEqual(of(SLO_TTFT_THRESHOLD, gpuModel.servedModelName).map((r) => r.labels?.le), ["2.5"]);
  });

  it("the deployed-model list carries what the availability rules join on", () => {
    const config = parseConfig(prod());
    const models = monitoredModels(config);
    for (const m of config.gpuCluster!.models)
      assert.deepEqual(models.find((x) => x.servedModelName === m.servedModelName && x.kind === "gpu-cluster"), { kind: "gpu-cluster", servedModelName: m.servedModelName, job: m.name, namespace: config.gpuCluster!.namespace, statefulset: m.name, minReplicas: m.minReplicas });
    assert.throws(() => inventoryRules([models[0], models[0]] as MonitoredModel[], config.monitoring!.slo), /share the scrape job/);
  });

  it("burn-rate factors are the SRE workbook's (2%/1h, 5%/6h, 10%/3d of a 30-day budget)", () => {
    const share = (factor: number, hours: number) => Math.round(((factor * hours) / (30 * 24)) * 1000) / 10;
    assert.deepEqual(BURN.page.map((c) => [c.long, c.short, share(c.factor, c.long === "1h" ? 1 : 6)]), [["1h", "5m", 2], ["6h", "30m", 5]]);
    assert.deepEqual(BURN.ticket.map((c) => [c.long, c.short, share(c.factor, 72)]), [["3d", "6h", 10]]);
  });
});

describe("federation scrape", () => {
  const target = federationScrapeTarget({ metricsHostname: "metrics.example.com", environment: "prod", vllmNamespace: "inference" });

  it("brings kube-state-metrics' StatefulSet replicas of the vLLM namespace with the vLLM series", () => {
    assert.match(federationMatchers("inference")[0], /kube_statefulset_replicas\|kube_statefulset_status_replicas_ready.*,namespace="inference"\}$/);
  });

  it("relabels: Hostname (dcgm-exporter up to 4.5.3-4.8.2) becomes hostname; the GPU Prometheus' replica labels are dropped", () => {
    const scrape = remoteScrapeConfig(target, { scrapeInterval: "15s" }) as { metric_relabel_configs: unknown[]; honor_labels: boolean };
    assert.equal(scrape.honor_labels, true);
    assert.deepEqual(scrape.metric_relabel_configs, federationMetricRelabelings());
    assert.deepEqual(federationMetricRelabelings(), [
      { action: "replace", source_labels: ["Hostname"], regex: "(.+)", target_label: "hostname", replacement: "$1" },
      { action: "labeldrop", regex: "Hostname|prometheus|prometheus_replica" },
    ]);
    // The ScrapeConfig the monitoring stack creates carries the same relabelings, in the CRD's camelCase.
    const spec = scrapeConfigObject(target, { namespace: "monitoring", release: "kps", scrapeInterval: "15s" }).spec as { metricRelabelings: unknown[] };
    assert.deepEqual(spec.metricRelabelings, [
      { action: "replace", sourceLabels: ["Hostname"], regex: "(.+)", targetLabel: "hostname", replacement: "$1" },
      { action: "labeldrop", regex: "Hostname|prometheus|prometheus_replica" },
    ]);
  });
});
