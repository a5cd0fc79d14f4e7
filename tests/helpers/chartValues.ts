/**
 * The default values.yaml of each pinned chart, as published upstream (tests/fixtures/chart-values/, sources in its
 * INDEX.md), and the path helpers the values tests use to prove every values path we set exists in the chart.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const CHART_VALUES_DIR = path.resolve(__dirname, "../fixtures/chart-values");

/** A chart's default values: parsed, and as text (for keys the chart only documents in comments). */
export function upstreamValues(file: string): { parsed: unknown; text: string } {
  const full = path.join(CHART_VALUES_DIR, file);
  assert.ok(fs.existsSync(full), `missing upstream values ${full}`);
  const text = fs.readFileSync(full, "utf8");
  return { parsed: yaml.load(text), text };
}

/** Leaf paths of a values object (arrays are leaves: charts take them whole); free-form prefixes stop the descent. */
export function leafPaths(v: unknown, freeForm: readonly string[] = [], prefix = ""): string[] {
  if (prefix && freeForm.includes(prefix)) return [prefix];
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0)
    return Object.entries(v).flatMap(([k, x]) => leafPaths(x, freeForm, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** Whether a dotted path exists in a parsed values document. */
export function existsIn(root: unknown, dotted: string): boolean {
  let v: unknown = root;
  for (const k of dotted.split(".")) {
    if (v === null || typeof v !== "object" || !(k in (v as object))) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return true;
}
