// STUB (owned by the observability engineer, issue 5): PromQL used by autoscalers.
import { VLLM } from "../metrics/catalogue";

/** KEDA Prometheus trigger query for one model: exactly one series (queue depth summed over its pods). */
export function kedaQueueDepthQuery(sel: { modelName: string; namespace: string }): string {
  return `sum(${VLLM.numRequestsWaiting.name}{model_name="${sel.modelName}",namespace="${sel.namespace}"})`;
}
