import { strict as assert } from "assert";
import { writeFileSync } from "fs";
import * as yaml from "js-yaml";
import { join } from "path";
import { alertThresholdsSchema } from "../../config/schema";
import { alertDefinitions, prometheusRuleGroups, ruleFileYaml } from "../../components/observability/rules";
import { ENVIRONMENT, promtoolTestFile, ruleCases, type RuleCase } from "../fixtures/ruleTests";
import { requireTool, runPromtool, tempDir } from "../helpers/prometheus";

const thresholds = alertThresholdsSchema.parse({});
const alerts = alertDefinitions(thresholds);
const byName = new Map(alerts.map((a) => [a.alert, a]));

/** Prometheus expands `{{ $labels.x }}` with the alert's series labels; our annotations use nothing else. */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "");
}

function testFile(cases: RuleCase[]): string {
  const file = promtoolTestFile("rules.yml", cases, (alert) => byName.get(alert)!.severity) as { tests: { alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] }[] };
  for (const t of file.tests)
    for (const a of t.alert_rule_test)
      for (const exp of a.exp_alerts) {
        const def = byName.get(a.alertname)!;
        // Templates see the series labels; severity is a rule label (environment is both, same value).
        const { severity: _severity, ...labels } = exp.exp_labels;
        exp.exp_annotations = { summary: expand(def.summary, labels), description: expand(def.description, labels) };
      }
  return yaml.dump(file, { lineWidth: -1, noRefs: true });
}

describe("alert rules under promtool", () => {
  it("a missing promtool/prometheus fails the test with the setup hint (never a silent skip)", () => {
    for (const tool of ["promtool", "prometheus"] as const)
      assert.throws(() => requireTool(tool, "/nonexistent"), { message: new RegExp(`^${tool} not found in /nonexistent: run \`npm run setup\``) });
  });

  let dir: string;
  let remove: () => void;
  before(() => {
    ({ dir, remove } = tempDir("ovh-llm-promtool-"));
    writeFileSync(join(dir, "rules.yml"), ruleFileYaml(prometheusRuleGroups(thresholds, { environment: ENVIRONMENT })));
  });
  after(() => remove());

  it("promtool check rules accepts the rendered rule file and counts every rule", () => {
    const total = prometheusRuleGroups(thresholds, { environment: ENVIRONMENT }).reduce((n, g) => n + g.rules.length, 0);
    const r = runPromtool(["check", "rules", "rules.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${total} rules found`));
  });

  it("every alert has a firing case and a silent case", () => {
    const cases = ruleCases(thresholds);
    for (const a of alerts) {
      assert.ok(cases.some((c) => c.alert === a.alert && c.fires), `${a.alert}: no case where it fires`);
      assert.ok(cases.some((c) => c.alert === a.alert && !c.fires), `${a.alert}: no case where it stays silent`);
    }
    for (const c of cases) assert.ok(byName.has(c.alert), `case "${c.name}" names an unknown alert`);
  });

  it("promtool test rules: each alert fires on its firing input and stays silent on the other", () => {
    writeFileSync(join(dir, "tests.yml"), testFile(ruleCases(thresholds)));
    const r = runPromtool(["test", "rules", "tests.yml"], dir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it("the harness can fail: a silent case expected to fire makes promtool report it", () => {
    const flipped = ruleCases(thresholds)
      .filter((c) => c.alert === "VllmKvCacheNearFull" && !c.fires)
      .map((c) => ({ ...c, fires: true, expected: [{}] }));
    writeFileSync(join(dir, "flipped.yml"), testFile(flipped));
    const r = runPromtool(["test", "rules", "flipped.yml"], dir);
    assert.notEqual(r.code, 0, "promtool accepted an alert that should not fire");
    assert.match(r.output, /VllmKvCacheNearFull/);
  });
});
