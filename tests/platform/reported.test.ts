import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { CONTRACT_VERSION, environmentReport, PLATFORM_OUTPUTS, readReport } from "../../components/platform/contract";
import { parseOverride } from "../../scripts/plan/overrides";
import { runPlan, type PlanResult } from "../../scripts/plan/run";

/** dev as users would switch it: `monitoring.mode: platform` and no monitoringCluster (what `npm run plan -- dev --config ...` does). */
const REPORTED = ["ovh-llm:monitoring.mode=platform", "ovh-llm:monitoringCluster=null"].map(parseOverride);

describe("environment stack reported to the platform (monitoring.mode: platform)", function () {
  this.timeout(30_000);
  let plan: PlanResult;
  before(async () => {
    plan = await runPlan({ stack: "dev", overrides: REPORTED });
  });

  it("has no monitoring cluster, no kube-prometheus-stack and no ScrapeConfig", () => {
    const types = new Set(plan.resources.map((r) => r.type));
    for (const t of ["ovhLlm:mks:Cluster", "ovhLlm:monitoring:Stack", "ovh:CloudProject/kube:Kube", "kubernetes:helm.sh/v3:Release", "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig"])
      assert.ok(![...types].some((x) => x === t || x.startsWith(t)), `no ${t}`);
    assert.ok(types.has("pulumi-nodejs:dynamic/aideploy:App"), "the AI Deploy app is still there");
    assert.equal(plan.outputs.monitoringClusterId, undefined);
    assert.equal(plan.outputs.prometheusUrl, undefined);
  });

  it("exports the contract: the report in plain (readable by the platform), the credentials as a secret", () => {
    const report = readReport(plan.outputs[PLATFORM_OUTPUTS.report]);
    assert.ok(!("unusable" in report), JSON.stringify(report));
    assert.equal(report.environment, "dev");
    assert.deepEqual(report.scrapeTargets.map((t) => t.jobName), ["ai-deploy-vllm-qwen3-8b-dev"]);
    assert.match(report.scrapeTargets[0].host, /\.app\.gra\.ai\.cloud\.ovh\.net$/);
    assert.equal(plan.outputs[PLATFORM_OUTPUTS.credentials], "[secret]");
    assert.equal(plan.leaks.length, 0);
  });

  it("refuses a monitoring cluster in platform mode and requires one in embedded mode, naming the key", () => {
    const dev = readStackFile("dev").projectConfig;
    const monitoring = dev.monitoring as Record<string, unknown>;
    assert.throws(() => parseConfig({ ...dev, monitoring: { ...monitoring, mode: "platform" } }), (e: ConfigError) => e.issues.some((i) => i.key === "ovh-llm:monitoringCluster" && /no monitoringCluster when monitoring.mode is platform/.test(i.allowed)));
    const { monitoringCluster: _c, ...noCluster } = dev;
    assert.throws(() => parseConfig(noCluster), (e: ConfigError) => e.issues.some((i) => i.key === "ovh-llm:monitoringCluster" && /required unless monitoring.mode is platform/.test(i.allowed)));
    assert.throws(() => parseConfig({ ...dev, monitoring: { ...monitoring, mode: "shared" } }), (e: ConfigError) => e.issues.some((i) => i.key === "ovh-llm:monitoring.mode" && /embedded or platform/.test(i.allowed)));
  });

  it("readReport refuses what it cannot scrape safely", () => {
    assert.ok("unusable" in readReport(undefined));
    assert.ok("unusable" in readReport({ version: CONTRACT_VERSION + 1, environment: "dev", scrapeTargets: [] }));
    assert.ok("unusable" in readReport({ version: CONTRACT_VERSION, environment: "Dev Env", scrapeTargets: [] }));
    assert.ok("unusable" in readReport({ version: CONTRACT_VERSION, environment: "dev", scrapeTargets: [{ jobName: "x" }] }));
    const report = environmentReport("prod", [{ jobName: "j", host: "h", metricsPath: "/metrics", auth: { type: "bearer" }, secretName: "s", secretKey: "k", labels: {} }]);
    assert.deepEqual(readReport(report), report);
    assert.ok(!JSON.stringify(report).includes('"s"'), "no Secret names in the report");
  });
});
