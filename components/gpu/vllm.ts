/**
 * Pure builders of one model's vLLM workload on the GPU cluster: StatefulSet, Service, PodDisruptionBudget,
 * NetworkPolicy and ServiceMonitor.
 *
 * Weights: every replica streams the pinned revision from the cluster's Object Storage bucket (weights.ts); none talks
 * to Hugging Face (HF_HUB_OFFLINE, no token), none has a volume to fill. A new replica costs no download from the
 * Hub. (Before: one ReadWriteOnce cache PVC per replica, each filled from Hugging Face on its first start.)
 */
import type { GpuModelConfig, NodePoolConfig } from "../../config/schema";
import { LABEL, VLLM_SERVICE } from "../observability/conventions";
import { gpuVllmTracing } from "../tracing/emitters";
import type { K8sObject } from "./k8s";
import { vllmWeightsEnv, weightsGateContainer, weightsUri, type WeightsStore } from "./weights";
import {
  API_KEY_SECRET,
  ENVOY_PROXY_POD_LABELS,
  NAMESPACES,
  PROMETHEUS_POD_LABELS,
  RELEASES,
  VLLM_PORT,
  VLLM_PORT_NAME,
} from "./layout";

export interface WorkloadContext {
  /** Namespace of the vLLM workloads. */
  namespace: string;
  /** The GPU pool the pods must run on (its labels select the nodes, its taints are tolerated). */
  gpuPool: Pick<NodePoolConfig, "name" | "labels" | "taints">;
  /** The Object Storage bucket every replica reads the weights from. */
  weights: WeightsStore;
  /** Scale-to-zero: the KEDA HTTP interceptor (namespace keda) also reaches the pods. */
  scaleToZero: boolean;
  /** Request tracing on: vLLM sends its spans to the cluster's OpenTelemetry Collector (components/tracing). */
  tracing?: boolean;
}

/** Local scratch (an emptyDir): config and tokenizer files pulled from the bucket, compile caches. */
export const CACHE_MOUNT = "/model-cache";
const CACHE_VOLUME = "model-cache";

/** Labels selecting one model's pods. */
export function podLabels(model: Pick<GpuModelConfig, "name">): Record<string, string> {
  return { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": model.name };
}

function commonLabels(model: Pick<GpuModelConfig, "name">): Record<string, string> {
  return { ...podLabels(model), "app.kubernetes.io/part-of": "ovh-llm", "app.kubernetes.io/managed-by": "pulumi" };
}

/**
 * An argument as the kubelet should pass it: Kubernetes expands `$(VAR)` in container args from the container's
 * env (which holds VLLM_API_KEY), and `$$` is its escape for a literal `$` (core/v1 Container.args;
 * third_party/forked/golang/expansion/expand.go).
 */
export const literalArg = (arg: string): string => arg.replace(/\$/g, "$$$$");

/** `vllm serve` arguments, escaped for the kubelet. The API key is NOT here (it would show in `ps` and the pod spec): env VLLM_API_KEY. */
export function vllmArgs(model: GpuModelConfig, weights: WeightsStore, tracing?: Pick<WorkloadContext, "namespace">): string[] {
  return [
    // The pinned revision in the bucket, streamed to the GPU by the Run:ai model streamer.
    weightsUri(model, weights),
    "--load-format",
    "runai_streamer",
    "--served-model-name",
    model.servedModelName,
    "--max-model-len",
    String(model.maxModelLen),
    "--gpu-memory-utilization",
    String(model.gpuMemoryUtilization),
    "--tensor-parallel-size",
    String(model.tensorParallelSize),
    "--port",
    String(VLLM_PORT),
    ...model.extraArgs,
    ...(tracing ? gpuVllmTracing(model, tracing.namespace).args : []),
  ].map(literalArg);
}

/** Seconds a pod may take from start to a healthy `/health` (image pull, weights stream, engine start). */
export const STARTUP_BUDGET_SECONDS = 45 * 60;
const STARTUP_PERIOD_SECONDS = 10;

/** The pod template (exported for tests). */
export function vllmPodSpec(model: GpuModelConfig, ctx: WorkloadContext): Record<string, unknown> {
  const probe = { httpGet: { path: "/health", port: VLLM_PORT_NAME }, timeoutSeconds: 5 };
  const weights = vllmWeightsEnv(ctx.weights);
  const env: Record<string, unknown>[] = [
    { name: "HF_HOME", value: `${CACHE_MOUNT}/huggingface` },
    { name: "VLLM_ASSETS_CACHE", value: `${CACHE_MOUNT}/vllm-assets` },
    // vLLM reads its API key from here: `/v1/*` then needs `Authorization: Bearer <key>`.
    { name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: API_KEY_SECRET.name, key: API_KEY_SECRET.key } } },
    { name: "VLLM_NO_USAGE_STATS", value: "1" },
    ...weights.env,
    ...(ctx.tracing ? gpuVllmTracing(model, ctx.namespace).env : []),
  ];
  const containerSecurity = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
  const gpus = String(model.tensorParallelSize);
  const poolLabels = { ...ctx.gpuPool.labels, "ovh-llm/pool": ctx.gpuPool.name };
  return {
    // Long generations finish (or clients see a clean close) before the pod is killed.
    terminationGracePeriodSeconds: 120,
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: Object.entries(poolLabels).map(([key, value]) => ({ key, operator: "In", values: [value] })) }],
        },
      },
      // One replica per GPU node: a second pod on the same node would fight for the GPU memory.
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: podLabels(model) }, topologyKey: "kubernetes.io/hostname" }],
      },
    },
    tolerations: ctx.gpuPool.taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
    // Starts vLLM only once the revision is complete in the bucket (a pod never reads a half-uploaded model).
    initContainers: [weightsGateContainer(model, ctx.weights, containerSecurity)],
    containers: [
      {
        name: "vllm",
        image: model.image,
        command: ["vllm", "serve"],
        args: vllmArgs(model, ctx.weights, ctx.tracing ? ctx : undefined),
        ports: [{ name: VLLM_PORT_NAME, containerPort: VLLM_PORT, protocol: "TCP" }],
        env,
        envFrom: weights.envFrom,
        resources: { requests: { "nvidia.com/gpu": gpus }, limits: { "nvidia.com/gpu": gpus } },
        // vLLM's image runs as root and writes caches under $HOME and /tmp: no runAsNonRoot/readOnlyRootFilesystem,
        // but no privilege escalation and no capabilities.
        securityContext: containerSecurity,
        startupProbe: { ...probe, periodSeconds: STARTUP_PERIOD_SECONDS, failureThreshold: STARTUP_BUDGET_SECONDS / STARTUP_PERIOD_SECONDS },
        readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { ...probe, periodSeconds: 20, failureThreshold: 6 },
        volumeMounts: [
          { name: CACHE_VOLUME, mountPath: CACHE_MOUNT },
          { name: "dshm", mountPath: "/dev/shm" },
        ],
      },
    ],
    // NCCL/PyTorch share memory between workers through /dev/shm (64 MiB by default in containers).
    volumes: [
      { name: CACHE_VOLUME, emptyDir: { sizeLimit: "20Gi" } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } },
    ],
  };
}

export function vllmStatefulSet(model: GpuModelConfig, ctx: WorkloadContext): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: model.name, namespace: ctx.namespace, labels: commonLabels(model) },
    spec: {
      // KEDA owns the replica count after creation; this is the starting point.
      replicas: Math.max(model.minReplicas, 1),
      serviceName: model.name,
      // Scale-up must not wait for the previous replica's slow model load.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: podLabels(model) },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      minReadySeconds: 10,
      template: { metadata: { labels: commonLabels(model) }, spec: vllmPodSpec(model, ctx) },
    },
  };
}

export function vllmService(model: GpuModelConfig, ctx: WorkloadContext): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: model.name,
      namespace: ctx.namespace,
      labels: commonLabels(model),
      // pulumi-kubernetes awaits a Service until its Endpoints target ready pods, 10 min by default
      // (provider/pkg/await/service.go). This one's pods are ready only after GPU pool + driver + image pull + model
      // load; the StatefulSet carries that long wait (awaits.ts), so the Service is created without waiting.
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      type: "ClusterIP",
      selector: podLabels(model),
      // Port named `http`: the ServiceMonitor and the HTTPRoute refer to it.
      ports: [{ name: VLLM_PORT_NAME, port: VLLM_PORT, targetPort: VLLM_PORT_NAME, protocol: "TCP", appProtocol: "http" }],
    },
  };
}

/** At most one replica down by voluntary disruption (node drains, upgrades). */
export function vllmPodDisruptionBudget(model: GpuModelConfig, ctx: WorkloadContext): K8sObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: model.name, namespace: ctx.namespace, labels: commonLabels(model) },
    spec: { maxUnavailable: 1, selector: { matchLabels: podLabels(model) }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
  };
}

/** Only the Envoy proxies, the GPU cluster's Prometheus and (scale-to-zero) the KEDA interceptor reach vLLM. */
export function vllmNetworkPolicy(model: GpuModelConfig, ctx: WorkloadContext): K8sObject {
  const ns = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
  const port = [{ protocol: "TCP", port: VLLM_PORT }];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${model.name}-ingress`, namespace: ctx.namespace, labels: commonLabels(model) },
    spec: {
      podSelector: { matchLabels: podLabels(model) },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ namespaceSelector: ns(NAMESPACES.gateway), podSelector: { matchLabels: { ...ENVOY_PROXY_POD_LABELS } } }], ports: port },
        { from: [{ namespaceSelector: ns(NAMESPACES.monitoring), podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }], ports: port },
        // The 0.15 interceptor routes straight to pod IPs (directPodRouting), so it needs its own rule.
        ...(ctx.scaleToZero ? [{ from: [{ namespaceSelector: ns(NAMESPACES.keda), podSelector: { matchLabels: { "app.kubernetes.io/component": "interceptor", "app.kubernetes.io/name": "http-add-on" } } }], ports: port }] : []),
      ],
    },
  };
}

/** Scraped by the GPU cluster's Prometheus (label `release`); `service="vllm"` as the shared conventions require. */
export function vllmServiceMonitor(model: GpuModelConfig, ctx: WorkloadContext): K8sObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: model.name, namespace: ctx.namespace, labels: { ...commonLabels(model), release: RELEASES.prometheus } },
    spec: {
      selector: { matchLabels: podLabels(model) },
      namespaceSelector: { matchNames: [ctx.namespace] },
      endpoints: [
        {
          port: VLLM_PORT_NAME,
          path: "/metrics",
          interval: "15s",
          scrapeTimeout: "10s",
          relabelings: [{ action: "replace", targetLabel: LABEL.service, replacement: VLLM_SERVICE }],
        },
      ],
    },
  };
}

/** Every per-model workload object, in apply order. */
export function vllmWorkloadObjects(model: GpuModelConfig, ctx: WorkloadContext): K8sObject[] {
  return [vllmService(model, ctx), vllmStatefulSet(model, ctx), vllmPodDisruptionBudget(model, ctx), vllmNetworkPolicy(model, ctx), vllmServiceMonitor(model, ctx)];
}
