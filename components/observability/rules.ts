// STUB (owned by the observability engineer, issue 5): alert and recording rules built from config thresholds.
import type { AlertThresholds } from "../../config/schema";

export interface PromRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PromRuleGroup {
  name: string;
  interval?: string;
  rules: PromRule[];
}

/** Every alert and recording rule group of the program (PrometheusRule `spec.groups`). */
export function prometheusRuleGroups(_thresholds: AlertThresholds, _opts: { environment: string }): PromRuleGroup[] {
  return [];
}
