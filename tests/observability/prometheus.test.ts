/**
 * Live proof on a real Prometheus 3.x (tools/bin): it scrapes the vLLM/DCGM/kube-state-metrics/node emulator with OUR
 * scrape config and relabelings and evaluates OUR rules (SLO rules included); then every recording rule, alert
 * expression, dashboard query (the SLO dashboard's too) and autoscaling query runs through the HTTP API and must
 * return data of the expected shape.
 */
import { strict as assert } from "assert";
import { allDashboards } from "../../dashboards";
import { dashboardQueries } from "../../dashboards/grafana";
import { DCGM, KUBE } from "../../components/metrics/catalogue";
import { FEDERATION_JOB, GPU_PROMETHEUS_EXTERNAL_LABELS } from "../../components/gpu/federation";
import { aiDeployJobName, LABEL } from "../../components/observability/conventions";
import { aiDeployValueLocation, kedaQueueDepthQuery, AI_DEPLOY_AUTOSCALING_METRIC } from "../../components/observability/queries";
import { alertDefinitions } from "../../components/observability/rules";
import { LAB, startLab, type Lab } from "../fixtures/observabilityLab";
import { substituteGrafana } from "../fixtures/promql";
import { apiGet, instantQuery, sleep, type PromSample } from "../helpers/prometheus";

/** Retries `check` until it passes or the deadline hits (data needs a few scrapes and rule evaluations). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

const finite = (s: PromSample) => Number.isFinite(Number(s.value[1]));
const query = async (expr: string) => (await instantQuery(lab.prometheus.url, expr)).result;
let lab: Lab;

describe("observability content on a real Prometheus scraping the vLLM emulator", function () {
  this.timeout(40_000);

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.stop();
  });

  it("scrapes the AI Deploy job with our scrape config: the bearer token file authenticates, a wrong token is refused", async () => {
    await eventually(async () => {
      const up = await query(`up{${LABEL.job}=~"${aiDeployJobName(".+")}"}`);
      const byJob = Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]));
      assert.deepEqual(byJob, { [aiDeployJobName(LAB.aiDeployApp)]: "1", [aiDeployJobName(LAB.brokenApp)]: "0" });
    });
    await eventually(async () => {
      const targets = await apiGet<{ activeTargets: { labels: Record<string, string>; lastError: string; health: string }[] }>(lab.prometheus.url, "/api/v1/targets");
      const broken = targets.activeTargets.find((t) => t.labels.job === aiDeployJobName(LAB.brokenApp));
      assert.match(broken?.lastError ?? "", /401/);
      const good = targets.activeTargets.find((t) => t.labels.job === aiDeployJobName(LAB.aiDeployApp))!;
      assert.deepEqual([good.labels.service, good.labels.model, good.labels.environment], ["vllm", LAB.aiDeployModel, LAB.environment]);
      const notUp = targets.activeTargets.filter((t) => t.labels.job !== aiDeployJobName(LAB.brokenApp) && t.health !== "up");
      assert.deepEqual(notUp.map((t) => `${t.labels.job} ${t.health} ${t.lastError}`), []);
    });
  });

  it("every recording rule (SLO rules included) returns finite series, and Prometheus evaluates every rule without error", async () => {
    const records = [...new Set(lab.ruleGroups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))))];
    assert.ok(records.some((r) => r.startsWith("slo:burn_rate:")) && records.includes("slo:error_budget_remaining:ratio"));
    for (const r of records) {
      await eventually(async () => {
        const res = await query(r);
        assert.ok(res.length > 0, `${r}: no series`);
        assert.ok(res.every(finite), `${r}: non-finite value ${JSON.stringify(res.map((s) => s.value[1]))}`);
      });
    }
    const rules = await apiGet<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(lab.prometheus.url, "/api/v1/rules");
    const all = rules.groups.flatMap((g) => g.rules);
    assert.equal(all.length, lab.ruleGroups.reduce((n, g) => n + g.rules.length, 0));
    const bad = all.filter((r) => r.health !== "ok");
    assert.deepEqual(bad.map((r) => `${r.name}: ${r.lastError}`), []);
  });

  it("every alert's measured signal has data, and each condition holds only where the lab is broken", async () => {
    const alerts = alertDefinitions(lab.thresholds);
    for (const a of alerts) {
      await eventually(async () => assert.ok((await query(a.signal)).length > 0, `${a.alert}: signal has no data\n  ${a.signal}`));
    }
    // The healthy, moderately loaded emulators are under every threshold; only the wrong-token app is unavailable.
    const brokenJob = aiDeployJobName(LAB.brokenApp);
    const expectedFiring: Record<string, string[]> = { VllmModelUnavailable: [brokenJob] };
    for (const a of alerts) {
      const jobs = (await query(a.expr)).map((s) => s.metric.job ?? "");
      assert.deepEqual(jobs.sort(), expectedFiring[a.alert] ?? [], `${a.alert}: ${a.expr}`);
    }
    await eventually(async () => {
      const pending = await query(`ALERTS{alertname="VllmModelUnavailable",alertstate="pending",job="${brokenJob}"}`);
      assert.equal(pending.length, 1, "the rule file loaded in Prometheus does not evaluate VllmModelUnavailable");
      assert.equal(pending[0].metric.environment, LAB.environment);
    });
  });

  it("federation relabeling: one node label whatever the DCGM exporter wrote, no GPU Prometheus replica labels", async () => {
    const temps = await eventually(async () => {
      const r = await query(`${DCGM.gpuTemp.name}{${LABEL.job}="${FEDERATION_JOB}"}`);
      assert.equal(r.length, 4, "two GPUs on each of two nodes");
      return r;
    });
    assert.deepEqual([...new Set(temps.map((s) => s.metric.hostname))].sort(), ["gpu-node-1", "gpu-node-2"]);
    const federated = await query(`{${LABEL.job}="${FEDERATION_JOB}"}`);
    const leaked = federated.filter((s) => ["Hostname", ...GPU_PROMETHEUS_EXTERNAL_LABELS].some((l) => l in s.metric));
    assert.deepEqual(leaked.map((s) => s.metric.__name__), []);
    // kube-state-metrics arrives through the same job: the per-model availability rules read it.
    assert.equal((await query(`${KUBE.statefulsetReplicasReady.name}{statefulset="${LAB.gpuModel}"}`)).length, 1);
  });

  for (const [file, model] of Object.entries(allDashboards())) {
    it(`every query of ${file} returns data (variables = All)`, async () => {
      const { panelExprs, variableQueries } = dashboardQueries(model);
      // The slow-requests dashboard's panels are Tempo searches (TraceQL, tests/tracing): only its model variable is PromQL.
      const tempoOnly = (model.panels as { datasource?: { type?: string } }[]).every((p) => p.datasource?.type === "tempo");
      assert.ok((tempoOnly ? panelExprs.length === 0 : panelExprs.length >= 13) && variableQueries.length >= 1, `${file}: ${panelExprs.length} queries, ${variableQueries.length} variables`);
      const problems: string[] = [];
      for (const p of panelExprs) {
        const expr = substituteGrafana(p.expr);
        const res = await eventually(async () => {
          const r = await query(expr);
          assert.ok(r.length > 0);
          return r;
        }, 10_000).catch(() => [] as PromSample[]);
        // Stat and gauge panels show one number; heatmaps need one series per bucket.
        if (res.length === 0) problems.push(`no data: ${p.title}: ${expr}`);
        else if ((p.type === "stat" || p.type === "gauge") && res.length !== 1) problems.push(`${res.length} series for a ${p.type}: ${p.title}`);
        else if (p.type === "heatmap" && !res.every((s) => s.metric.le)) problems.push(`heatmap without le: ${p.title}`);
      }
      assert.deepEqual(problems, [], "panel queries of the wrong shape");
      for (const v of variableQueries) {
        const m = /^label_values\((.+),\s*(\w+)\)$/.exec(v);
        assert.ok(m, `variable query is not label_values(selector, label): ${v}`);
        const res = await query(`group by (${m[2]}) (${substituteGrafana(m[1])})`);
        assert.ok(res.some((s) => s.metric[m[2]]), `variable ${v} has no values`);
      }
    });
  }

  it("the KEDA queue-depth query returns exactly one series for a model of the GPU cluster", async () => {
    const q = kedaQueueDepthQuery({ modelName: LAB.gpuServedModel, namespace: LAB.gpuNamespace });
    const res = await eventually(async () => {
      const r = await query(q);
      assert.equal(r.length, 1, `KEDA needs one series, got ${r.length}`);
      return r;
    });
    assert.ok(Number(res[0].value[1]) >= 0);
    const perPod = await query(`${AI_DEPLOY_AUTOSCALING_METRIC.name}{${LABEL.namespace}="${LAB.gpuNamespace}"}`);
    assert.equal(perPod.length, LAB.gpuPods.length, "the lab should have one series per pod, summed by the KEDA query");
    assert.deepEqual(await query(kedaQueueDepthQuery({ modelName: "no/such-model", namespace: LAB.gpuNamespace })), []);
  });

  it("the AI Deploy valueLocation selector matches the replica's /metrics and the scraped series", async () => {
    const selector = aiDeployValueLocation({ servedModelName: LAB.aiDeployServedModel });
    const res = await query(`${selector}`);
    assert.ok(res.length >= 1);
    assert.ok(res.every((s) => s.metric.__name__ === AI_DEPLOY_AUTOSCALING_METRIC.name && s.metric.model_name === LAB.aiDeployServedModel));
    // OVH evaluates the selector on each replica's own /metrics: the exposed text must carry that series.
    const res401 = await fetch(`${lab.emulators.aiDeploy.url}/metrics`);
    assert.equal(res401.status, 401, "the emulated AI Deploy endpoint must require the token");
    const exposed = await (await fetch(`${lab.emulators.aiDeploy.url}/metrics`, { headers: { authorization: `Bearer ${lab.aiDeployToken}` } })).text();
    const line = exposed.split("\n").find((l) => l.startsWith(`${AI_DEPLOY_AUTOSCALING_METRIC.name}{`));
    assert.ok(line?.includes(`model_name="${LAB.aiDeployServedModel}"`), `no ${selector} in the replica's /metrics`);
  });
});
