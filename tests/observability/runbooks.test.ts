/** docs/runbooks.md has a section for every alert, every alert links to it, and the panels it names exist. */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { alertThresholdsSchema, monitoringSchema } from "../../config/schema";
import { alertDefinitions, prometheusRuleGroups, runbookAnchor } from "../../components/observability/rules";
import { allDashboards } from "../../dashboards";
import { expectedTargetsRuleGroup } from "../../components/monitoring/scrapeTargets";
import { TEST_MODELS } from "../fixtures/ruleTests";

const ROOT = join(__dirname, "..", "..");
const RUNBOOKS = "docs/runbooks.md";

/** `## Heading` sections of a Markdown text, with the anchor a renderer gives them (lower case, spaces to dashes). */
export function sections(markdown: string): Map<string, { title: string; body: string }> {
  const out = new Map<string, { title: string; body: string }>();
  const parts = markdown.split(/^## /m).slice(1);
  for (const part of parts) {
    const [title, ...rest] = part.split("\n");
    out.set(title.trim().toLowerCase().replace(/\s+/g, "-"), { title: title.trim(), body: rest.join("\n") });
  }
  return out;
}

/** What a runbook section must say. */
const PARTS = ["**Means:**", "**Look first:**", "**Do:**"];

function problems(markdown: string, alertNames: readonly string[]): string[] {
  const found = sections(markdown);
  const out: string[] = [];
  for (const alert of alertNames) {
    const s = found.get(runbookAnchor(alert));
    if (!s) {
      out.push(`${alert}: no section "## ${alert}"`);
      continue;
    }
    for (const part of PARTS) if (!new RegExp(`${part.replace(/\*/g, "\\*")}\\s+\\S`).test(s.body)) out.push(`${alert}: no ${part}`);
  }
  for (const [anchor, s] of found) if (!alertNames.some((a) => runbookAnchor(a) === anchor)) out.push(`section "${s.title}" names no alert`);
  return out;
}

describe("runbooks (docs/runbooks.md)", () => {
  const text = readFileSync(join(ROOT, RUNBOOKS), "utf8");
  // The program's alerts, and the monitoring stack's own (an expected scrape target that was never created).
  const targetAlerts = expectedTargetsRuleGroup(["ai-deploy-x"], { environment: "dev", runbookUrl: RUNBOOKS }).rules;
  const alerts = [...alertDefinitions(alertThresholdsSchema.parse({})).map((a) => a.alert), ...targetAlerts.map((r) => r.alert!)];

  it("has a section for every alert, each saying what it means, what to look at first and what to do", () => {
    assert.deepEqual(problems(text, alerts), []);
  });

  it("fails when an alert has no section (or a section lacks a part)", () => {
    assert.deepEqual(problems(text, [...alerts, "VllmNewAlert"]), ['VllmNewAlert: no section "## VllmNewAlert"']);
    const withoutDo = text.replace(/(## GpuTemperatureHigh[\s\S]*?)- \*\*Do:\*\*/, "$1- Do:");
    assert.deepEqual(problems(withoutDo, alerts), ["GpuTemperatureHigh: no **Do:**"]);
  });

  it("every alert's runbook_url points to its section", () => {
    const monitoring = monitoringSchema.parse({});
    const found = sections(text);
    const rules = prometheusRuleGroups(alertThresholdsSchema.parse({}), { environment: "dev", models: TEST_MODELS, slo: monitoring.slo, runbookUrl: monitoring.alerting.runbookUrl }).flatMap((g) => g.rules).filter((r) => r.alert);
    rules.push(...targetAlerts);
    for (const r of rules) {
      const [file, anchor] = r.annotations!.runbook_url.split("#");
      assert.equal(file, RUNBOOKS);
      assert.ok(found.has(anchor), `${r.alert}: #${anchor} is not a section of ${RUNBOOKS}`);
    }
  });

  it("names only dashboard panels that exist, each with its dashboard", () => {
    const norm = (t: string) => t.replace(/\s+/g, " ").trim();
    const byTitle = new Map(Object.values(allDashboards()).map((d) => [d.title as string, new Set((d.panels as { title: string }[]).map((p) => p.title))]));
    const flat = norm(text);
    // `panel "A", panel "B" and panel "C" (Dashboard)`: every panel of the run is on that dashboard.
    const runs = [...flat.matchAll(/((?:panel "[^"]+"(?:, | and )?)+) \(([^)]+)\)/g)];
    const refs = runs.flatMap((m) => [...m[1].matchAll(/panel "([^"]+)"/g)].map((t) => ({ panel: t[1], dashboard: m[2] })));
    assert.ok(refs.length >= alerts.length, `only ${refs.length} panel references`);
    assert.equal(refs.length, [...flat.matchAll(/panel "[^"]+"/g)].length, "a panel reference without its (Dashboard)");
    const missing = refs.filter((r) => !byTitle.get(r.dashboard)?.has(r.panel)).map((r) => `panel "${r.panel}" (${r.dashboard})`);
    assert.deepEqual(missing, []);
  });
});
