import { strict as assert } from "assert";
import { loadStackConfig } from "../../config/load";
import { ConfigError, parseConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { platformJobName, platformTargets } from "../../components/platform/environments";
import { environmentReport } from "../../components/platform/contract";
import { deployStack } from "../../program";
import { parseOverride } from "../../scripts/plan/overrides";
import { runPlan, type PlanResult } from "../../scripts/plan/run";

/** The program's exports as index.ts makes them (a fresh run each time: index.ts itself is cached by require). */
const program = () => ({ ...deployStack(loadStackConfig()) }) as Record<string, unknown>;

/** Runs a plan of the platform stack, capturing what it prints (the SDK's warnings go to stderr under mocks). */
async function planPlatform(environments?: string[]): Promise<{ plan: PlanResult; printed: string }> {
  let printed = "";
  const write = process.stderr.write;
  const writeOut = process.stdout.write;
  const tap = (orig: typeof write) => ((chunk: unknown, ...rest: unknown[]) => ((printed += String(chunk)), (orig as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest))) as typeof write;
  process.stderr.write = tap(write);
  process.stdout.write = tap(writeOut);
  try {
    const overrides = environments ? [parseOverride(`ovh-llm:platform.environments=${JSON.stringify(environments)}`)] : [];
    return { plan: await runPlan({ stack: "platform", overrides, program }), printed };
  } finally {
    process.stderr.write = write;
    process.stdout.write = writeOut;
  }
}

const scrapeConfigs = (plan: PlanResult) => plan.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig").map((r) => r.inputs.spec as { jobName: string; staticConfigs: { targets: string[]; labels: Record<string, string> }[] });

describe("platform stack (Pulumi.platform.yaml) with dev and prod read by StackReference (mocked outputs)", function () {
  this.timeout(30_000);
  let committed: { plan: PlanResult; printed: string };
  let partial: { plan: PlanResult; printed: string };
  before(async () => {
    committed = await planPlatform();
    partial = await planPlatform(["dev", "my-org/ovh-llm/prod", "staging"]);
  });

  it("scrapes both environments: one ScrapeConfig per reported job, on the reported host, labelled with its environment", () => {
    const byJob = Object.fromEntries(scrapeConfigs(committed.plan).map((s) => [s.jobName, s.staticConfigs[0]]));
    assert.deepEqual(Object.keys(byJob).sort(), ["ai-deploy-vllm-ministral-14b-prod", "ai-deploy-vllm-qwen3-8b-dev", "gpu-cluster-federation-prod"]);
    assert.deepEqual(byJob["ai-deploy-vllm-qwen3-8b-dev"].targets, ["ovh-llm-dev-ai-deploy-app-id.app.gra.ai.cloud.ovh.net"]);
    assert.equal(byJob["ai-deploy-vllm-qwen3-8b-dev"].labels.environment, "dev");
    assert.equal(byJob["gpu-cluster-federation-prod"].labels.environment, "prod");
    assert.deepEqual(committed.plan.outputs.platformScrapeJobs, { dev: ["ai-deploy-vllm-qwen3-8b-dev"], prod: ["ai-deploy-vllm-ministral-14b-prod", "gpu-cluster-federation-prod"] });
    assert.equal(committed.plan.leaks.length, 0);
  });

  it("runs the monitoring cluster and stack itself, and no inference", () => {
    const types = new Set(committed.plan.resources.map((r) => r.type));
    for (const t of ["ovhLlm:mks:Cluster", "ovhLlm:monitoring:Stack", "ovhLlm:platform:ReportedEnvironment"]) assert.ok(types.has(t), t);
    assert.ok(![...types].some((t) => t.startsWith("pulumi-nodejs:dynamic/aideploy") || t === "ovhLlm:gpu:InferenceCluster"));
  });

  it("takes fully qualified stack names and skips a stack that exports nothing, with a warning, not an error", () => {
    // (A StackReference is a read, not a registration: the plan records the stacks through the jobs each one yields.)
    assert.deepEqual(partial.plan.outputs.platformScrapeJobs, { dev: ["ai-deploy-vllm-qwen3-8b-dev"], "my-org/ovh-llm/prod": ["ai-deploy-vllm-ministral-14b-prod", "gpu-cluster-federation-prod"], staging: [] });
    assert.match(partial.printed, /environment stack staging skipped: no platformReport output/);
    assert.doesNotMatch(committed.printed, /environment stack .* skipped/);
  });

  it("names jobs uniquely per environment and labels series with the report's environment, whatever a job claims", () => {
    assert.equal(platformJobName("prod", "gpu-cluster-federation"), "gpu-cluster-federation-prod");
    assert.equal(platformJobName("dev", "ai-deploy-vllm-qwen3-8b-dev"), "ai-deploy-vllm-qwen3-8b-dev");
    const [t] = platformTargets(environmentReport("dev", [{ jobName: "j", host: "h", metricsPath: "/metrics", auth: { type: "bearer" }, secretName: "s", secretKey: "k", labels: { environment: "prod" } }]));
    assert.equal(t.target.labels.environment, "dev");
    assert.equal(t.target.jobName, "j-dev");
    assert.equal(t.reportedJob, "j");
  });

  it("validates platform.environments and needs embedded monitoring, naming the key", () => {
    const platform = readStackFile("platform").projectConfig;
    const bad = (patch: Record<string, unknown>, key: string, allowed: RegExp) =>
      assert.throws(() => parseConfig({ ...platform, ...patch }), (e: ConfigError) => e.issues.some((i) => i.key === key && allowed.test(i.allowed)), key);
    bad({ platform: { environments: [] } }, "ovh-llm:platform.environments", /at least one/);
    bad({ platform: { environments: ["dev", "dev"] } }, "ovh-llm:platform.environments.1", /each stack once/);
    bad({ platform: { environments: ["a/b/c/d"] } }, "ovh-llm:platform.environments.0", /org\/project\/stack/);
    bad({ monitoring: { mode: "platform" }, monitoringCluster: undefined }, "ovh-llm:monitoring", /embedded mode on the platform stack/);
  });
});
