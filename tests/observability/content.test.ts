import { strict as assert } from "assert";
import { readdirSync, readFileSync, statSync } from "fs";
import { join, relative } from "path";
import { alertThresholdsSchema, monitoringSchema } from "../../config/schema";
import { TEST_MODELS } from "../fixtures/ruleTests";
import { ALL_METRICS, DCGM, exposedSeries, VLLM } from "../../components/metrics/catalogue";
import { AI_DEPLOY_TARGETS, aiDeployJobLabels, aiDeployJobName } from "../../components/observability/conventions";
import { dcgmMetricsCsv } from "../../components/observability/dcgm";
import { aiDeployValueLocation, kedaQueueDepthQuery, leMatcher } from "../../components/observability/queries";
import { alertDefinitions, prometheusRuleGroups, runbookAnchor } from "../../components/observability/rules";
import { allDashboards, dashboardFileContent } from "../../dashboards";
import { dashboardQueries } from "../../dashboards/grafana";
import { analysePromql, substituteGrafana } from "../fixtures/promql";

const ROOT = join(__dirname, "..", "..");
const defaults = alertThresholdsSchema.parse({});
const monitoring = monitoringSchema.parse({ alerting: { runbookUrl: "https://git.example.com/ops/ovh-llm/blob/main/docs/runbooks.md" } });
const groups = prometheusRuleGroups(defaults, { environment: "prod", models: TEST_MODELS, slo: monitoring.slo, runbookUrl: monitoring.alerting.runbookUrl });
const records = [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))))];
const rules = groups.flatMap((g) => g.rules);
const alerts = alertDefinitions(defaults);
const dashboards = allDashboards();

/** vLLM names removed upstream (or never real) that blog posts still use (reference/vllm-metrics.md). */
const REMOVED_VLLM_NAMES: RegExp[] = [/gpu_cache_usage_perc/, /gpu_prefix_cache_(hits|queries)/, /(?<![a-z_])time_per_output_token_seconds/, /num_requests_finished/];

/** Every PromQL expression the program ships, with where it comes from. */
function allExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const r of rules) out.push({ where: `rule ${r.alert ?? r.record}`, expr: r.expr });
  for (const a of alerts) out.push({ where: `alert signal ${a.alert}`, expr: a.signal });
  for (const [file, d] of Object.entries(dashboards)) {
    const { panelExprs, variableQueries } = dashboardQueries(d);
    for (const p of panelExprs) out.push({ where: `${file} "${p.title}"`, expr: substituteGrafana(p.expr) });
    for (const v of variableQueries) out.push({ where: `${file} variable`, expr: substituteGrafana(v.replace(/^label_values\((.+),\s*\w+\)$/, "$1")) });
  }
  out.push({ where: "KEDA", expr: kedaQueueDepthQuery({ modelName: "Qwen/Qwen3-8B", namespace: "inference" }) });
  out.push({ where: "AI Deploy valueLocation", expr: aiDeployValueLocation({ servedModelName: "mistralai/Ministral-8B" }) });
  return out;
}

function sourceFiles(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (["node_modules", ".git", "tests", "bin", "out", "tools"].includes(name)) return [];
    return statSync(path).isDirectory() ? sourceFiles(path, keep) : keep(path) ? [path] : [];
  });
}

describe("metric catalogue", () => {
  it("no source file or dashboard uses a removed vLLM metric name", () => {
    // The emulator repeats vLLM's own HELP texts, one of which names the old TPOT metric in prose.
    const files = sourceFiles(ROOT, (p) => /\.(ts|json|ya?ml)$/.test(p) && !p.endsWith("package-lock.json") && !p.endsWith(join("playground", "vllmEmulator.ts")));
    assert.ok(files.some((f) => f.endsWith("vllm-application.json")) && files.some((f) => f.endsWith("catalogue.ts")));
    const hits = files.flatMap((f) => {
      const text = readFileSync(f, "utf8");
      return REMOVED_VLLM_NAMES.filter((re) => re.test(text)).map((re) => `${relative(ROOT, f)}: ${re}`);
    });
    assert.deepEqual(hits, []);
  });

  it("the removed-name patterns catch the old names but not their successors", () => {
    const matches = (s: string) => REMOVED_VLLM_NAMES.some((re) => re.test(s));
    assert.ok(matches("vllm:gpu_cache_usage_perc") && matches("vllm:time_per_output_token_seconds_bucket") && matches("vllm:gpu_prefix_cache_hits_total"));
    assert.ok(!matches(VLLM.kvCacheUsage.name) && !matches(VLLM.timePerOutputToken.name) && !matches(VLLM.prefixCacheHits.name));
  });

  it("counters are exposed with _total and histograms have float-rendered bucket edges where vLLM fixes them", () => {
    for (const m of ALL_METRICS.filter((m) => m.type === "counter" && !m.name.startsWith("DCGM_"))) assert.match(m.name, /_total$/, m.name);
    assert.deepEqual(exposedSeries(VLLM.iterationTokens), ["vllm:iteration_tokens_total_bucket", "vllm:iteration_tokens_total_sum", "vllm:iteration_tokens_total_count"]);
    assert.equal(leMatcher(VLLM.e2eLatency, 30), 'le="30.0"');
    assert.equal(leMatcher(VLLM.ttft, 0.5), 'le="0.5"');
    assert.throws(() => leMatcher(VLLM.e2eLatency, 31), /31 is not a bucket edge of vllm:e2e_request_latency_seconds/);
  });
});

describe("PromQL of rules, dashboards and autoscalers", () => {
  const exprs = allExpressions();

  it("parses without error nodes (Prometheus' lezer grammar)", () => {
    assert.ok(exprs.length > 100, `only ${exprs.length} expressions collected`);
    const bad = exprs.map((e) => ({ ...e, errors: analysePromql(e.expr).errors })).filter((e) => e.errors.length > 0);
    assert.deepEqual(bad.map((e) => `${e.where}: ${e.expr} ${e.errors.join("; ")}`), []);
  });

  it("names only catalogue series or our own recorded series", () => {
    const known = new Set([...ALL_METRICS.flatMap(exposedSeries), ...records]);
    const unknown = exprs.flatMap((e) => analysePromql(e.expr).metricNames.filter((n) => !known.has(n)).map((n) => `${e.where}: ${n}`));
    assert.deepEqual(unknown, []);
  });

  it("the syntax check can fail", () => {
    assert.ok(analysePromql("sum by (model_name (rate(x[5m]))").errors.length > 0);
  });

  it("the KEDA query is one sum over the model's pods, with label values escaped", () => {
    assert.equal(kedaQueueDepthQuery({ modelName: "Qwen/Qwen3-8B", namespace: "inference" }), 'sum(vllm:num_requests_waiting{model_name="Qwen/Qwen3-8B",namespace="inference"})');
    assert.equal(kedaQueueDepthQuery({ modelName: 'a"b', namespace: "x" }), 'sum(vllm:num_requests_waiting{model_name="a\\"b",namespace="x"})');
    assert.equal(aiDeployValueLocation({ servedModelName: "m" }), 'vllm:num_requests_running{model_name="m"}');
    assert.throws(() => aiDeployValueLocation({ servedModelName: "m", metric: VLLM.ttft }), /histograms/);
  });
});

describe("alert and recording rules", () => {
  it("every alert has a severity, summary, description, runbook_url and the environment label; a for unless its windows smooth", () => {
    const alertRules = rules.filter((r) => r.alert);
    assert.equal(alertRules.length, alerts.length);
    assert.equal(new Set(alertRules.map((r) => r.alert)).size, alertRules.length, "duplicate alert names");
    for (const r of alertRules) {
      if (!r.alert!.startsWith("Slo")) assert.match(r.for ?? "", /^[1-9]\d*m$/, `${r.alert}: for`);
      assert.ok(["critical", "warning", "info"].includes(r.labels?.severity ?? ""), `${r.alert}: severity`);
      assert.equal(r.labels?.environment, "prod");
      assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert}: annotations`);
      assert.equal(r.annotations?.runbook_url, `${monitoring.alerting.runbookUrl}#${runbookAnchor(r.alert!)}`);
    }
  });

  it("covers the alerts the program promises", () => {
    const names = alerts.map((a) => a.alert).sort();
    for (const expected of ["VllmTtftP95High", "VllmTtftP99High", "VllmE2eLatencyP99High", "VllmInterTokenLatencyP99High", "VllmSlowRequestsPresent", "VllmKvCacheNearFull", "VllmQueueDepthHigh", "VllmPreemptionRateHigh", "VllmReplicaDown", "VllmModelUnavailable", "VllmModelDegraded", "AiDeployMetricsInterleaved", "VllmHttp5xxRatioHigh", "GpuClusterMetricsDown", "GpuTemperatureHigh", "GpuEccDoubleBitErrors", "GpuMemoryNearFull", "SloErrorBudgetBurnFast", "SloErrorBudgetBurnSlow"])
      assert.ok(names.includes(expected), `missing ${expected}`);
  });

  it("takes every threshold from the config", () => {
    const changed = alertThresholdsSchema.parse({ ttftP95Seconds: 3.5, kvCacheUsageRatio: 0.8, slowRequestSeconds: 60, gpuTemperatureCelsius: 80 });
    const byName = new Map(alertDefinitions(changed).map((a) => [a.alert, a]));
    assert.match(byName.get("VllmTtftP95High")!.expr, / > 3\.5$/);
    assert.match(byName.get("VllmKvCacheNearFull")!.expr, / > 0\.8$/);
    assert.match(byName.get("VllmSlowRequestsPresent")!.expr, /le="60\.0"/);
    assert.match(byName.get("GpuTemperatureHigh")!.expr, / > 80$/);
    for (const a of alertDefinitions(changed)) if (a.thresholdKey) assert.ok(a.thresholdKey in changed, `${a.alert}: unknown threshold key`);
    assert.throws(() => alertDefinitions({ ...defaults, slowRequestSeconds: 45 }), /45 is not a bucket edge/);
  });

  it("recording groups come first (alerts read them) and follow level:metric:operations", () => {
    const firstAlertGroup = groups.findIndex((g) => g.rules.some((r) => r.alert));
    assert.ok(firstAlertGroup > 0 && groups.slice(0, firstAlertGroup).every((g) => g.rules.every((r) => r.record)) && groups.slice(firstAlertGroup).every((g) => g.rules.every((r) => r.alert)));
    for (const r of records) assert.match(r, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, r);
  });

  it("the AI Deploy job convention is what the alerts select", () => {
    assert.equal(aiDeployJobName("llm-prod"), "ai-deploy-llm-prod");
    assert.equal(AI_DEPLOY_TARGETS, 'job=~"ai-deploy-.+"');
    assert.deepEqual(aiDeployJobLabels({ model: "ministral", environment: "prod" }), { service: "vllm", model: "ministral", environment: "prod" });
  });
});

describe("DCGM metrics CSV", () => {
  const csv = dcgmMetricsCsv();
  const rows = csv.split("\n").filter((l) => l && !l.startsWith("#"));

  it("lists every DCGM field our rules and dashboards use, ECC counters included, in the exporter's 3-column format", () => {
    const used = new Set(allExpressions().flatMap((e) => analysePromql(e.expr).metricNames.filter((n) => n.startsWith("DCGM_"))));
    assert.ok(used.has(DCGM.eccDbeVolatile.name), "the ECC alert must be among the uses");
    const fields = new Set(rows.map((r) => r.split(",")[0].trim()));
    for (const name of used) assert.ok(fields.has(name), `${name} missing from the CSV (a custom CSV replaces the defaults)`);
    for (const r of rows) {
      const cols = r.split(",").map((c) => c.trim());
      assert.equal(cols.length, 3, r);
      assert.ok(["gauge", "counter"].includes(cols[1]), r);
    }
  });

  it("refuses histograms (DCGM has none) and keeps help text to one column", () => {
    assert.throws(() => dcgmMetricsCsv([VLLM.ttft]), /only gauges and counters/);
    assert.equal(dcgmMetricsCsv([{ name: "DCGM_FI_X", type: "gauge", help: "a, b" }]).split("\n")[1], "DCGM_FI_X, gauge, a; b");
  });
});

describe("Grafana dashboards", () => {
  it("committed dashboards/*.json equal the generator output (run `npx tsx scripts/dashboards.ts`)", () => {
    const committed = readdirSync(join(ROOT, "dashboards")).filter((f) => f.endsWith(".json")).sort();
    assert.deepEqual(committed, Object.keys(dashboards).sort());
    for (const [file, model] of Object.entries(dashboards)) assert.equal(readFileSync(join(ROOT, "dashboards", file), "utf8"), dashboardFileContent(model), `${file} is stale`);
  });

  for (const [file, d] of Object.entries(dashboards)) {
    it(`${file}: loads by sidecar and import (uid, schemaVersion, \${datasource}, no __inputs, non-overlapping grid)`, () => {
      assert.match(String(d.uid), /^[a-z0-9-]{1,40}$/);
      assert.ok(typeof d.title === "string" && typeof d.schemaVersion === "number");
      assert.ok(!("__inputs" in d));
      const vars = (d.templating as { list: Record<string, unknown>[] }).list;
      const panels = d.panels as { id: number; type: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid: string; type?: string }; targets?: { datasource: { uid: string } }[] }[];
      // Tempo panels (the slow-requests dashboard) read a `${tempo}` datasource variable; every other panel Prometheus.
      const tempo = panels.some((p) => p.datasource?.type === "tempo");
      assert.deepEqual(vars.filter((v) => v.type === "datasource").map((v) => [v.name, v.query]), [["datasource", "prometheus"], ...(tempo ? [["tempo", "tempo"]] : [])]);
      assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, "panel ids must be unique");
      const cells = new Set<string>();
      for (const p of panels) {
        const g = p.gridPos;
        assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `panel ${p.id} outside the 24-column grid`);
        for (let x = g.x; x < g.x + g.w; x++)
          for (let y = g.y; y < g.y + g.h; y++) {
            assert.ok(!cells.has(`${x},${y}`), `panel ${p.id} overlaps another at ${x},${y}`);
            cells.add(`${x},${y}`);
          }
        if (p.type === "row") continue;
        const uid = p.datasource?.type === "tempo" ? "${tempo}" : "${datasource}";
        assert.equal(p.datasource?.uid, uid);
        assert.ok(p.targets!.length > 0 && p.targets!.every((t) => t.datasource.uid === uid));
      }
    });
  }

  it("has the promised panels and variables", () => {
    const count = (file: string) => (dashboards[file].panels as { type: string }[]).filter((p) => p.type !== "row").length;
    const varNames = (file: string) => (dashboards[file].templating as { list: { name: string }[] }).list.map((v) => v.name);
    assert.ok(count("vllm-application.json") >= 23, `vLLM application: ${count("vllm-application.json")} panels`);
    assert.equal(count("gpu-hardware.json"), 13);
    const rows = (dashboards["vllm-fleet-overview.json"].panels as { type: string; title: string }[]).filter((p) => p.type === "row").map((p) => p.title);
    assert.deepEqual(rows, ["Fleet overview", "Latency", "Throughput & queue", "Per-pod breakdown", "Request characteristics", "Engine internals"]);
    for (const v of ["datasource", "environment", "model", "pod"]) assert.ok(varNames("vllm-fleet-overview.json").includes(v), `fleet variable ${v}`);
  });
});

describe("docs/observability.md", () => {
  it("documents every alert and recording rule", () => {
    const doc = readFileSync(join(ROOT, "docs", "observability.md"), "utf8");
    for (const a of alerts) assert.ok(doc.includes(`\`${a.alert}\``), `${a.alert} not in the alerts table`);
    for (const r of records) assert.ok(doc.includes(r), `${r} not documented`);
  });
});
