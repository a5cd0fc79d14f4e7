/**
 * The models the program deploys, as the rules see them. program.ts builds the list from the config (the AI Deploy
 * app and every GPU cluster model) and passes it to the monitoring stack; the rules turn it into constant "inventory"
 * series, so alerts can tell a model that is gone (no series at all) from one that was never deployed, and SLO rules
 * can read each model's objectives and TTFT threshold by joining on `model_name`.
 */
import type { SloConfig } from "../../config/schema/slo";
import { sloObjectivesFor } from "../../config/schema/slo";
import { leLabel } from "../metrics/catalogue";
import { LABEL } from "./conventions";

export interface MonitoredModel {
  kind: "ai-deploy" | "gpu-cluster";
  /** vLLM's `model_name` (`--served-model-name`). */
  servedModelName: string;
  /**
   * `job` label of its vLLM series: `ai-deploy-<app>` for AI Deploy, the Service name for a GPU model (the
   * prometheus-operator names a ServiceMonitor target's job after its Service; ours is the model's name).
   */
  job: string;
  /** GPU cluster models: namespace and name of the StatefulSet (kube-state-metrics labels). */
  namespace?: string;
  statefulset?: string;
  /** Fewest replicas the config allows: 0 = it may be scaled to zero on purpose, which must not page. */
  minReplicas: number;
}

/** A recording rule; `labels` are set on its output (constant series carry their identity there). */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** Label names of the inventory series besides the model's own labels. */
export const INVENTORY_LABEL = { kind: "kind", minReplicas: "min_replicas", statefulset: "statefulset", slo: "slo", window: "window" } as const;

/** One series per deployed model, value 1: `model:ovh_llm_deployed:info{model_name, kind, job, namespace, statefulset, min_replicas}`. */
export const MODEL_INFO = "model:ovh_llm_deployed:info";
/** Per model and SLO: the objective (e.g. 0.995), with the SLO window as a label. */
export const SLO_OBJECTIVE = "slo:objective:ratio";
/** Per model and SLO: the error budget, 1 - objective. */
export const SLO_ERROR_BUDGET = "slo:error_budget:ratio";
/** Per model, value 1, `le` = the TTFT threshold as vLLM renders the bucket edge: joined on (model_name, le). */
export const SLO_TTFT_THRESHOLD = "slo:ttft_threshold:info";

export type SloName = "availability" | "latency";
export const SLO_NAMES: readonly SloName[] = ["availability", "latency"];

/** 1 - 0.995 = 0.0050000000000000044 in floating point: keep the digits a person wrote. */
const budget = (objective: number) => Number((1 - objective).toPrecision(12));

/** Constant series describing the deployed models and their SLOs (recording rules with `vector(<value>)`). */
export function inventoryRules(models: readonly MonitoredModel[], slo: SloConfig): RecordingRule[] {
  const seen = new Set<string>();
  const rules: RecordingRule[] = [];
  for (const m of models) {
    if (seen.has(m.job)) throw new Error(`two deployed models share the scrape job ${m.job}`);
    seen.add(m.job);
    const identity: Record<string, string> = {
      [LABEL.modelName]: m.servedModelName,
      [INVENTORY_LABEL.kind]: m.kind,
      [LABEL.job]: m.job,
      ...(m.namespace ? { [LABEL.namespace]: m.namespace } : {}),
      ...(m.statefulset ? { [INVENTORY_LABEL.statefulset]: m.statefulset } : {}),
      [INVENTORY_LABEL.minReplicas]: String(m.minReplicas),
    };
    rules.push({ record: MODEL_INFO, expr: "vector(1)", labels: identity });
  }
  // SLOs are per served model name: a model served both on AI Deploy and on the GPU cluster has one SLO.
  for (const name of [...new Set(models.map((m) => m.servedModelName))]) {
    const o = sloObjectivesFor(slo, name);
    for (const [sloName, objective] of [["availability", o.availability], ["latency", o.latency]] as const) {
      const labels = { [LABEL.modelName]: name, [INVENTORY_LABEL.slo]: sloName };
      rules.push({ record: SLO_OBJECTIVE, expr: `vector(${objective})`, labels: { ...labels, [INVENTORY_LABEL.window]: slo.window } });
      rules.push({ record: SLO_ERROR_BUDGET, expr: `vector(${budget(objective)})`, labels });
    }
    rules.push({ record: SLO_TTFT_THRESHOLD, expr: "vector(1)", labels: { [LABEL.modelName]: name, le: leLabel(o.ttftSeconds) } });
  }
  return rules;
}
