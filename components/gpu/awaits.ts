/**
 * How long `pulumi up` waits for each GPU-cluster object, in one place, sized from bench/deploy/durations.ts.
 *
 * pulumi-kubernetes (provider/pkg/await in pulumi/pulumi-kubernetes; read at master, not at the 4.34.2 tag) awaits
 * a Service until its Endpoints target ready pods (service.go: `DefaultServiceTimeoutMins = 10`), a StatefulSet until
 * its replicas are ready, a Job until it completes. The annotation `pulumi.com/timeoutSeconds` (or customTimeouts)
 * replaces the default; `pulumi.com/skipAwait: "true"` turns the await off. We set the annotation AND the
 * customTimeouts to the same value, so whichever the provider reads first it is the same number (and the annotation
 * shows in the resource's inputs, which the tests read under mocks).
 */
import type * as pulumi from "@pulumi/pulumi";
import { DURATIONS } from "../../bench/deploy/durations";
import type { K8sObject } from "./k8s";
import { STARTUP_BUDGET_SECONDS } from "./vllm";

export const SKIP_AWAIT = "pulumi.com/skipAwait";
export const TIMEOUT_SECONDS = "pulumi.com/timeoutSeconds";

/**
 * What a vLLM StatefulSet's create waits for once it starts (its GPU pool is a dependency, already created): the
 * driver on the fresh GPU node, then a pod within its startup budget (image pull, weights stream, engine start).
 * Twice the simulated chain, and never less than driver + the startupProbe budget (the pod may legally take that long).
 */
export const VLLM_CHAIN_MINUTES = DURATIONS.gpuDriver.minutes + DURATIONS.vllmFromObjectStorage.minutes;
export const STATEFULSET_TIMEOUT_MINUTES = Math.ceil(Math.max(2 * VLLM_CHAIN_MINUTES, DURATIONS.gpuDriver.minutes + STARTUP_BUDGET_SECONDS / 60));
/** The weights Job: Hugging Face download + upload to the bucket (weightsDownload); Hub speed varies a lot, so 10×. */
export const JOB_CHAIN_MINUTES = DURATIONS.weightsDownload.minutes;
export const JOB_TIMEOUT_MINUTES = Math.ceil(10 * JOB_CHAIN_MINUTES);

export interface AwaitChoice {
  annotations: Record<string, string>;
  opts: Pick<pulumi.CustomResourceOptions, "customTimeouts" | "ignoreChanges">;
}

const timeout = (minutes: number): AwaitChoice => ({
  annotations: { [TIMEOUT_SECONDS]: String(minutes * 60) },
  opts: { customTimeouts: { create: `${minutes}m`, update: `${minutes}m` } },
});

/** The await choice for one object the GPU cluster applies (`scaledByKeda`: a ScaledObject targets it). */
export function awaitChoice(obj: K8sObject, scaledByKeda = false): AwaitChoice {
  switch (obj.kind) {
    case "StatefulSet": {
      const t = timeout(STATEFULSET_TIMEOUT_MINUTES);
      // KEDA owns spec.replicas after creation: a later `pulumi up` must not reset it to the starting count.
      return scaledByKeda ? { ...t, opts: { ...t.opts, ignoreChanges: ["spec.replicas"] } } : t;
    }
    case "Job":
      return timeout(JOB_TIMEOUT_MINUTES);
    // Services: the vLLM Service carries its own skipAwait (vllm.ts, vllmService).
    default:
      return { annotations: {}, opts: {} };
  }
}

/** The object with the choice's annotations merged into its metadata. */
export function withAwaitAnnotations(obj: K8sObject, choice: AwaitChoice): K8sObject {
  if (Object.keys(choice.annotations).length === 0) return obj;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), ...choice.annotations } } };
}
