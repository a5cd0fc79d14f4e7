/**
 * The rule file, proven with `promtool test rules` (Prometheus 3.x from tools/bin). Cases live in
 * tests/fixtures/ruleTests.ts. The rule file is the one the PrometheusRule carries; to keep `npm test` fast each test
 * file loads only the groups its cases exercise (whole groups, never edited rules): every group runs in at least one.
 */
import { strict as assert } from "assert";
import { writeFileSync } from "fs";
import * as yaml from "js-yaml";
import { join } from "path";
import { alertThresholdsSchema, monitoringSchema } from "../../config/schema";
import { alertDefinitions, INTERLEAVING_GROUP, INVENTORY_GROUP, prometheusRuleGroups, ruleFileYaml, runbookAnchor, type PromRuleGroup, type RuleOptions } from "../../components/observability/rules";
import { alertChecks, CORE_EVALUATION_INTERVAL, ENVIRONMENT, interleavingScenarios, promtoolTestFile, ruleCases, SLO_EVALUATION_INTERVAL, sloCases, TEST_MODELS, type RuleCase } from "../fixtures/ruleTests";
import { requireTool, runPromtool, tempDir } from "../helpers/prometheus";

const thresholds = alertThresholdsSchema.parse({});
const monitoring = monitoringSchema.parse({});
const RULE_OPTIONS: RuleOptions = { environment: ENVIRONMENT, models: TEST_MODELS, slo: monitoring.slo, runbookUrl: monitoring.alerting.runbookUrl };
const groups = prometheusRuleGroups(thresholds, RULE_OPTIONS);
const alerts = alertDefinitions(thresholds);
const byName = new Map(alerts.map((a) => [a.alert, a]));

/** Rule files by the groups they hold: all; everything but SLOs; what SLO alerts read. */
const RULE_FILES: Record<string, (g: PromRuleGroup) => boolean> = {
  "rules.yml": () => true,
  "rules-core.yml": (g) => !g.name.includes(".slo."),
  "rules-slo.yml": (g) => [INVENTORY_GROUP, INTERLEAVING_GROUP].includes(g.name) || g.name.includes(".slo."),
};

/** Prometheus expands `{{ $labels.x }}` with the alert's series labels; our annotations use nothing else. */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "");
}

function testFile(ruleFile: string, cases: RuleCase[], evaluationInterval?: string): string {
  const groupOrder = groups.filter(RULE_FILES[ruleFile]).map((g) => g.name);
  const file = promtoolTestFile(ruleFile, cases, (alert) => byName.get(alert)!.severity, { groupOrder, evaluationInterval }) as { tests: { alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] }[] };
  for (const t of file.tests)
    for (const a of t.alert_rule_test)
      for (const exp of a.exp_alerts) {
        const def = byName.get(a.alertname)!;
        // Templates see the series labels; severity is a rule label (environment is both, same value).
        const { severity: _severity, ...labels } = exp.exp_labels;
        exp.exp_annotations = { summary: expand(def.summary, labels), description: expand(def.description, labels), runbook_url: `${RULE_OPTIONS.runbookUrl}#${runbookAnchor(def.alert)}` };
      }
  return yaml.dump(file, { lineWidth: -1, noRefs: true });
}

describe("alert rules under promtool", function () {
  // promtool evaluates every rule at every step of every case: seconds of CPU, more on a shared, loaded machine.
  this.timeout(60_000);
  it("a missing promtool/prometheus fails the test with the setup hint (never a silent skip)", () => {
    for (const tool of ["promtool", "prometheus"] as const)
      assert.throws(() => requireTool(tool, "/nonexistent"), { message: new RegExp(`^${tool} not found in /nonexistent: run \`npm run setup\``) });
  });

  let dir: string;
  let remove: () => void;
  before(() => {
    ({ dir, remove } = tempDir("ovh-llm-promtool-"));
    for (const [file, keep] of Object.entries(RULE_FILES)) writeFileSync(join(dir, file), ruleFileYaml(groups.filter(keep)));
  });
  after(() => remove());

  it("promtool check rules accepts the rendered rule file and counts every rule", () => {
    const total = groups.reduce((n, g) => n + g.rules.length, 0);
    const r = runPromtool(["check", "rules", "rules.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${total} rules found`));
  });

  it("every alert has a firing case and a silent case, and every group runs in a test file", () => {
    const checks = [...ruleCases(thresholds), ...interleavingScenarios(thresholds), ...sloCases()].flatMap(alertChecks);
    for (const a of alerts) {
      assert.ok(checks.some((c) => c.alert === a.alert && c.fires), `${a.alert}: no case where it fires`);
      assert.ok(checks.some((c) => c.alert === a.alert && !c.fires), `${a.alert}: no case where it stays silent`);
    }
    for (const c of checks) assert.ok(byName.has(c.alert), `a check names an unknown alert: ${c.alert}`);
    // Each case's alerts are in the rule file it runs against.
    const inFile = (file: string) => new Set(groups.filter(RULE_FILES[file]).flatMap((g) => g.rules.map((r) => r.alert)));
    for (const [file, cases] of [["rules-core.yml", ruleCases(thresholds)], ["rules-slo.yml", sloCases()]] as const)
      for (const c of cases.flatMap(alertChecks)) assert.ok(inFile(file).has(c.alert), `${c.alert} is checked against ${file}, which lacks it`);
  });

  it("promtool test rules: each alert fires on its firing input and stays silent on the other; availability, 5xx and DCGM scenarios", () => {
    writeFileSync(join(dir, "tests.yml"), testFile("rules-core.yml", ruleCases(thresholds), CORE_EVALUATION_INTERVAL));
    const r = runPromtool(["test", "rules", "tests.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it("promtool test rules: two interleaved AI Deploy replicas (healthy: no ticket or page; saturated: fires), on the whole rule file", () => {
    writeFileSync(join(dir, "interleaving.yml"), testFile("rules.yml", interleavingScenarios(thresholds)));
    const r = runPromtool(["test", "rules", "interleaving.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it("promtool test rules: SLO burn-rate alerts page on fast burns, open a ticket on slow ones, stay silent on healthy traffic", () => {
    writeFileSync(join(dir, "slo-tests.yml"), testFile("rules-slo.yml", sloCases(), SLO_EVALUATION_INTERVAL));
    const r = runPromtool(["test", "rules", "slo-tests.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it("the harness can fail: a silent case expected to fire makes promtool report it", () => {
    const flipped = ruleCases(thresholds)
      .filter((c) => c.alert === "VllmKvCacheNearFull" && c.fires === false)
      .map((c) => ({ ...c, fires: true, expected: [{}] }));
    writeFileSync(join(dir, "flipped.yml"), testFile("rules-core.yml", flipped, CORE_EVALUATION_INTERVAL));
    const r = runPromtool(["test", "rules", "flipped.yml"], dir);
    assert.notEqual(r.code, 0, "promtool accepted an alert that should not fire");
    assert.match(r.output, /VllmKvCacheNearFull/);
  });
});
