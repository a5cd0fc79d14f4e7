/**
 * Day-2 changes: for each common change, the exact set of resources whose inputs change when the real program runs
 * under mocks (what `pulumi up` would update). Content (dashboards, rules, scrape targets, credentials) never changes
 * a Helm release's values, so it never causes a Helm upgrade or a pod restart it does not need. The same table is in
 * docs/deploy-timeline.md ("what `pulumi up` will touch when you change X"); a test keeps them equal.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { PROJECT } from "../../config/schema";
import { readStackFile, ROOT } from "../../config/stackFile";
import { deployStack, type MonitoringContent } from "../../program";
import { withoutClosureSerialization, withoutStackTraces } from "../../scripts/plan/lean";
import { MockRecorder, settle, type OutputsFor } from "../../scripts/plan/mockRecorder";
import { applyOverrides, parseOverride } from "../../scripts/plan/overrides";

interface Change {
  /** What the user changes (first column of the docs table). */
  change: string;
  /** How: config keys (`-c` overrides) or content. */
  how: string;
  /** Content (what the stack shows) rather than infrastructure: it must never touch a Helm release. */
  content?: boolean;
  overrides?: string[];
  monitoringContent?: (c: MonitoringContent) => MonitoringContent;
  outputs?: Record<string, OutputsFor>;
  /** Resources (Pulumi names without the `ovh-llm-prod-` prefix) whose inputs change, appear (+) or disappear (-). */
  touches: string[];
}

const STACK = "prod";
const PREFIX = `${PROJECT}-${STACK}-`;

/** The real program for prod under mocks; inputs by resource (secrets unwrapped, keys sorted) and types. */
async function inputsAfter(change: Partial<Change> = {}): Promise<Map<string, { type: string; inputs: string }>> {
  const file = readStackFile(STACK, { hfToken: "hf_day2_token", alertWebhookUrl: "https://hooks.example.com/day2" });
  pulumi.runtime.setAllConfig(applyOverrides(file.allConfig, (change.overrides ?? []).map(parseOverride)), file.secretKeys);
  // The real token provider mints a new token on renewal (components/aideploy/providers.ts): its value changes.
  const recorder = new MockRecorder({ "pulumi-nodejs:dynamic/aideploy:Token": (a) => ({ value: `mock-ai-token-${a.name}-${a.inputs.renewalCounter}` }), ...change.outputs });
  await pulumi.runtime.setMocks(recorder, PROJECT, STACK, false);
  await withoutStackTraces(async () => {
    withoutClosureSerialization(() => deployStack(loadStackConfig(), { monitoringContent: change.monitoringContent }));
    await settle();
  });
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return new Map(recorder.resources.map((r) => [r.name.startsWith(PREFIX) ? r.name.slice(PREFIX.length) : r.name, { type: r.type, inputs: JSON.stringify(sorted(r.inputs)) }]));
}

type Inputs = Awaited<ReturnType<typeof inputsAfter>>;

/** Resources whose inputs differ, `+name` for new ones, `-name` for removed ones. */
function diff(before: Inputs, after: Inputs): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((n) => before.get(n)?.inputs !== after.get(n)?.inputs)
    .map((n) => (!before.has(n) ? `+${n}` : !after.has(n) ? `-${n}` : n))
    .sort();
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const touchesRelease = (c: Change, base: Inputs) => c.touches.some((t) => base.get(t.replace(/^[+-]/, ""))?.type === RELEASE);

/** The docs row of a change. */
const tableRow = (c: Change, helm: boolean) => `| ${c.change} | ${c.how} | ${c.touches.map((t) => `\`${t}\``).join(", ")} | ${helm ? "yes" : "no"} |`;

const firstDashboard = (c: MonitoringContent) => Object.keys(c.dashboards).sort()[0];

const CHANGES: Change[] = [
  {
    change: "a dashboard panel",
    how: "edit a dashboard in `dashboards/`",
    content: true,
    monitoringContent: (c) => {
      const file = firstDashboard(c);
      const d = c.dashboards[file] as { panels: { title: string }[] };
      return { ...c, dashboards: { ...c.dashboards, [file]: { ...d, panels: d.panels.map((p, i) => (i === 0 ? { ...p, title: `${p.title} (edited)` } : p)) } } };
    },
    touches: ["monitoring-stack-dashboard-gpu-hardware"],
  },
  {
    change: "an alert threshold",
    how: "`monitoring.alerting.thresholds.ttftP95Seconds`",
    content: true,
    overrides: ["ovh-llm:monitoring.alerting.thresholds.ttftP95Seconds=3"],
    touches: ["monitoring-stack-rules"],
  },
  {
    change: "a new alert",
    how: "a rule added to the program's rule groups",
    content: true,
    monitoringContent: (c) => ({ ...c, ruleGroups: [...c.ruleGroups, { name: "extra", rules: [{ alert: "Extra", expr: "vector(1)", labels: { severity: "warning" }, annotations: { summary: "s", description: "d" } }] }] }),
    touches: ["monitoring-stack-rules"],
  },
  {
    change: "token renewal",
    how: "`aiDeploy.token.renewalCounter` + 1",
    content: true,
    overrides: ["ovh-llm:aiDeploy.token.renewalCounter=1"],
    touches: ["ai-deploy-token", "monitoring-stack-target-ai-deploy-vllm-ministral-14b-credential"],
  },
  {
    change: "a new AI Deploy host",
    how: "the app is re-created with another id (its scrape target moves)",
    content: true,
    outputs: { "pulumi-nodejs:dynamic/aideploy:App": (a) => ({ appId: "new-id", url: "https://new-id.app.gra.ai.cloud.ovh.net", host: "new-id.app.gra.ai.cloud.ovh.net", state: "RUNNING" }) },
    touches: ["monitoring-stack-target-ai-deploy-vllm-ministral-14b-scrape-config"],
  },
  {
    change: "a new model",
    how: "one more `gpuCluster.models[]` entry",
    overrides: [
      `ovh-llm:gpuCluster.models.1=${JSON.stringify({ name: "qwen3-8b", model: "Qwen/Qwen3-8B", revision: "b".repeat(40), image: "vllm/vllm-openai:v0.31.0", hostname: "qwen3.llm.example.com" })}`,
    ],
    touches: [
      "+gpu-job-inference-weights-qwen3-8b-bbbbbbbbbbbb",
      "+gpu-statefulset-inference-qwen3-8b",
      "+gpu-service-inference-qwen3-8b",
      "+gpu-poddisruptionbudget-inference-qwen3-8b",
      "+gpu-networkpolicy-inference-qwen3-8b-ingress",
      "+gpu-servicemonitor-inference-qwen3-8b",
      "+gpu-scaledobject-inference-qwen3-8b",
      "+gpu-httproute-inference-qwen3-8b",
      "gpu-gateway-envoy-gateway-system-inference",
      "gpu-httproute-envoy-gateway-system-https-redirect",
      "monitoring-stack-rules",
    ],
  },
  {
    change: "a model's args",
    how: "`gpuCluster.models[0].extraArgs`",
    overrides: ['ovh-llm:gpuCluster.models.0.extraArgs=["--max-num-seqs","64"]'],
    touches: ["gpu-statefulset-inference-qwen3-vl-8b"],
  },
  {
    change: "replica bounds",
    how: "`gpuCluster.models[0].maxReplicas`",
    overrides: ["ovh-llm:gpuCluster.models.0.maxReplicas=1"],
    touches: ["gpu-scaledobject-inference-qwen3-vl-8b"],
  },
  {
    change: "Grafana exposure",
    how: "`monitoring.grafana.sourceRanges`",
    overrides: ['ovh-llm:monitoring.grafana.sourceRanges=["203.0.113.0/24","198.51.100.0/24"]'],
    touches: ["monitoring-stack-kps"],
  },
  {
    change: "retention",
    how: "`monitoring.retention`",
    overrides: ["ovh-llm:monitoring.retention=45d"],
    touches: ["monitoring-stack-kps"],
  },
];

describe("day-2 changes: what `pulumi up` touches", function () {
  this.timeout(120_000);
  let base: Inputs;
  before(async () => {
    base = await inputsAfter();
  });

  for (const c of CHANGES) {
    it(`${c.change}: ${c.touches.length} resource${c.touches.length === 1 ? "" : "s"}`, async () => {
      const changed = diff(base, await inputsAfter(c));
      assert.deepEqual(changed, [...c.touches].sort());
      if (c.content) assert.ok(!touchesRelease(c, base), `${c.change} is content: it must not change a Helm release's values`);
    });
  }

  it("is the table of docs/deploy-timeline.md", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/deploy-timeline.md"), "utf8");
    const missing = CHANGES.map((c) => tableRow(c, touchesRelease(c, base))).filter((row) => !doc.includes(row));
    assert.deepEqual(missing, [], "rows to put in docs/deploy-timeline.md");
  });
});
