/**
 * Pure builders of one model's autoscaling objects: a KEDA 2.20 ScaledObject on the queue depth of the model (one
 * series from the GPU cluster's Prometheus) and, with scale-to-zero, a KEDA HTTP add-on 0.15.0 InterceptorRoute
 * whose request concurrency is a second trigger of the same ScaledObject (KEDA allows one ScaledObject per target).
 */
import type { GpuClusterConfig, GpuModelConfig } from "../../config/schema";
import { kedaQueueDepthQuery } from "../observability/queries";
import type { K8sObject } from "./k8s";
import { HTTP_ADDON_SCALER_ADDRESS, PROMETHEUS_URL, VLLM_PORT_NAME } from "./layout";

export type AutoscalingConfig = GpuClusterConfig["autoscaling"];

export interface ScalingContext {
  namespace: string;
  autoscaling: AutoscalingConfig;
  /** Prometheus that holds the vLLM series of this cluster (the GPU cluster's own). */
  prometheusUrl?: string;
}

/** Whether a model goes through the HTTP add-on (scale-to-zero on, and the model allows zero replicas). */
export function scalesToZero(model: Pick<GpuModelConfig, "minReplicas">, autoscaling: AutoscalingConfig): boolean {
  return autoscaling.scaleToZero && model.minReplicas === 0;
}

/** Requests in flight per replica before the HTTP trigger asks for another replica. */
export const HTTP_CONCURRENCY_PER_REPLICA = 32;
/** How long the interceptor holds a request while the first replica starts; then it answers 504 (never drops silently). */
export const COLD_START_READINESS_TIMEOUT = "30m";

export function scaledObject(model: GpuModelConfig, ctx: ScalingContext): K8sObject {
  const a = ctx.autoscaling;
  const toZero = scalesToZero(model, a);
  const fallbackReplicas = Math.min(Math.max(a.fallbackReplicas, model.minReplicas, 1), model.maxReplicas);
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: model.name, namespace: ctx.namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: model.name },
      pollingInterval: a.pollingIntervalSeconds,
      // Only used for scaling to zero (KEDA); the HPA behavior below governs N → N-1.
      cooldownPeriod: a.cooldownPeriodSeconds,
      // A fresh replica takes minutes to load: do not scale it away before it served anything.
      initialCooldownPeriod: a.cooldownPeriodSeconds,
      minReplicaCount: model.minReplicas,
      maxReplicaCount: model.maxReplicas,
      // Prometheus unreachable 3 polls in a row: hold this many replicas instead of guessing from no data.
      fallback: { failureThreshold: 3, replicas: fallbackReplicas },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
            scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] },
          },
        },
      },
      triggers: [
        {
          type: "prometheus",
          name: "queue-depth",
          metadata: {
            serverAddress: ctx.prometheusUrl ?? PROMETHEUS_URL,
            query: kedaQueueDepthQuery({ modelName: model.servedModelName, namespace: ctx.namespace }),
            threshold: String(a.queueDepthThreshold),
            activationThreshold: "0",
            // No series (e.g. no pod yet) reads as 0, not as an error that would trigger the fallback.
            ignoreNullValues: "true",
          },
        },
        ...(toZero ? [{ type: "external-push", name: "http-requests", metadata: { scalerAddress: HTTP_ADDON_SCALER_ADDRESS, interceptorRoute: model.name } }] : []),
      ],
    },
  };
}

/** KEDA HTTP add-on 0.15.0 route: the interceptor holds requests for `hostname` while the model scales from zero. */
export function interceptorRoute(model: GpuModelConfig, ctx: Pick<ScalingContext, "namespace">): K8sObject {
  return {
    apiVersion: "http.keda.sh/v1beta1",
    kind: "InterceptorRoute",
    metadata: { name: model.name, namespace: ctx.namespace },
    spec: {
      target: { service: model.name, portName: VLLM_PORT_NAME },
      rules: [{ hosts: [model.hostname] }],
      scalingMetric: { concurrency: { targetValue: HTTP_CONCURRENCY_PER_REPLICA } },
      // request "0s": no overall deadline (streams may last long; Envoy's route timeout bounds them).
      timeouts: { readiness: COLD_START_READINESS_TIMEOUT, request: "0s" },
    },
  };
}

/** The model's autoscaling objects. */
export function autoscalingObjects(model: GpuModelConfig, ctx: ScalingContext): K8sObject[] {
  return scalesToZero(model, ctx.autoscaling) ? [interceptorRoute(model, ctx), scaledObject(model, ctx)] : [scaledObject(model, ctx)];
}
