/**
 * Simulated create durations of `pulumi up`, by kind of resource, in minutes. One table; every number says where it
 * comes from. Most are estimates (no cloud can be reached from here): they are the first timeline of issue #17,
 * refined where a mechanism is known (a model load is bytes over a bandwidth). Change a number here and every
 * timeline, test and README ratio moves with it.
 */
import { isGpuFlavor } from "../../config/schema/common";

export interface Duration {
  /** Row of the table below. */
  key: DurationKey;
  minutes: number;
}

interface Row {
  minutes: number;
  source: string;
}

/** Bytes of the prod GPU model, Qwen/Qwen3-VL-8B-Instruct: 8.77 B parameters in BF16 (2 bytes each) ≈ 17.5 GB. */
export const PROD_MODEL_BYTES = 17.5e9;

/** Bandwidths (bytes/s) the model-load rows are computed from. */
export const BANDWIDTH = {
  /**
   * Hugging Face → a node. Estimate: 40 MB/s sustained. huggingface_hub's own docs say plain Python downloads top out
   * around 500 MB/s (hf_transfer README: "to go beyond ~500MB/s"); what a Public Cloud node really gets from the HF CDN
   * varies, so a conservative figure.
   */
  huggingFace: 40e6,
  /**
   * OVH Object Storage (same region) → a GPU node: the node's network, 8 Gbit/s = 1 GB/s (OVH lists 8 Gbit/s for its
   * l4-90 GPU instance; assumed for l40s-90). The Run:ai streamer reads with 8 concurrent S3 clients by default
   * (runai-model-streamer docs/src/env-vars.md, RUNAI_STREAMER_CONCURRENCY).
   */
  objectStorage: 1e9,
  /** A CPU node (b3-16) uploading to Object Storage. Estimate: 1 Gbit/s. */
  cpuNodeUpload: 125e6,
} as const;

/** Fixed parts of a vLLM start, in minutes (estimates). */
const VLLM_IMAGE_PULL = 4; // vllm/vllm-openai is several GB compressed; pulled once per node
const VLLM_ENGINE_INIT = 2; // torch.compile + CUDA graph capture + KV cache profiling after the weights are in GPU memory

const minutes = (bytes: number, bytesPerSecond: number): number => Math.round((bytes / bytesPerSecond / 60) * 10) / 10;

export const DURATIONS = {
  mksCluster: { minutes: 12, source: "estimate (issue #17 timeline): OVH MKS control plane to READY" },
  cpuNodePool: { minutes: 8, source: "estimate (issue #17): b2/b3 instances booted and joined" },
  gpuNodePool: { minutes: 35, source: "estimate (issue #17): GPU instances are the slowest resource (README: can take over an hour)" },
  ipRestrictions: { minutes: 1, source: "estimate: one OVH API call applied to the API server" },
  aiDeployApp: { minutes: 25, source: "estimate (issue #17): AI Deploy app to RUNNING (image pull, model download, load)" },
  aiDeployToken: { minutes: 0.1, source: "one OVH API call" },
  objectStorage: { minutes: 0.2, source: "estimate: OVH API calls (bucket, user, S3 credential, policy)" },
  kubernetesObject: { minutes: 0.05, source: "one Kubernetes API call (seconds); no await" },
  helmWithoutWait: { minutes: 0.5, source: "estimate: `helm install` without waiting for readiness (Release `skipAwait: true`): API calls only" },
  instant: { minutes: 0, source: "no remote work (components, providers, random values, reads of existing objects)" },
  kubePrometheusStack: { minutes: 6, source: "estimate (issue #17: releases 3–10): operator, Prometheus, Alertmanager, Grafana; Cinder PVCs bound" },
  gpuPrometheus: { minutes: 4, source: "estimate: the GPU cluster's small kube-prometheus-stack" },
  gpuOperator: { minutes: 3, source: "estimate: Helm waits for the operator and NFD only (the driver DaemonSets come later, see gpuDriver)" },
  envoyGateway: { minutes: 3, source: "estimate: controller and its CRDs" },
  certManager: { minutes: 3, source: "estimate: controller, cainjector and webhook ready" },
  keda: { minutes: 2, source: "estimate: operator and metrics server" },
  kedaHttpAddOn: { minutes: 2, source: "estimate: interceptor and scaler" },
  gpuDriver: { minutes: 8, source: "estimate: GPU operator driver container on a fresh node (image pull, kernel module), toolkit, device plugin" },
  vllmFromHuggingFace: {
    minutes: VLLM_IMAGE_PULL + minutes(PROD_MODEL_BYTES, BANDWIDTH.huggingFace) + VLLM_ENGINE_INIT,
    source: `image pull ${VLLM_IMAGE_PULL} + 17.5 GB from Hugging Face at 40 MB/s + engine init ${VLLM_ENGINE_INIT} (estimates, see BANDWIDTH)`,
  },
  vllmFromObjectStorage: {
    minutes: VLLM_IMAGE_PULL + minutes(PROD_MODEL_BYTES, BANDWIDTH.objectStorage) + VLLM_ENGINE_INIT,
    source: `image pull ${VLLM_IMAGE_PULL} + 17.5 GB streamed from Object Storage at 1 GB/s + engine init ${VLLM_ENGINE_INIT}`,
  },
  weightsDownload: {
    minutes: VLLM_IMAGE_PULL + minutes(PROD_MODEL_BYTES, BANDWIDTH.huggingFace) + minutes(PROD_MODEL_BYTES, BANDWIDTH.cpuNodeUpload),
    source: "image pull + 17.5 GB from Hugging Face at 40 MB/s + upload at 1 Gbit/s, file by file (estimates)",
  },
} as const satisfies Record<string, Row>;

export type DurationKey = keyof typeof DURATIONS;

/** Helm chart name (last path segment of `chart`) → row. */
const CHART_ROWS: Record<string, DurationKey> = {
  "gpu-operator": "gpuOperator",
  "gateway-helm": "envoyGateway",
  "cert-manager": "certManager",
  keda: "keda",
  "keda-add-ons-http": "kedaHttpAddOn",
};

/** What a registration is, as far as its duration goes. `onGpuCluster`: its provider belongs to a cluster with a GPU pool. */
export function durationKeyOf(r: { type: string; custom: boolean; read?: boolean; inputs: Record<string, any> }, ctx: { onGpuCluster: boolean }): DurationKey {
  if (!r.custom || r.read) return "instant";
  // `pulumi.com/skipAwait: "true"`: the provider returns once the object is accepted, without waiting for readiness.
  if (r.type.startsWith("kubernetes:") && r.inputs.metadata?.annotations?.["pulumi.com/skipAwait"] === "true") return "kubernetesObject";
  switch (r.type) {
    case "ovh:CloudProject/kube:Kube":
      return "mksCluster";
    case "ovh:CloudProject/kubeNodePool:KubeNodePool":
      return isGpuFlavor(String(r.inputs.flavorName ?? "")) ? "gpuNodePool" : "cpuNodePool";
    case "ovh:CloudProject/kubeIpRestrictions:KubeIpRestrictions":
      return "ipRestrictions";
    case "pulumi-nodejs:dynamic/aideploy:App":
      return "aiDeployApp";
    case "pulumi-nodejs:dynamic/aideploy:Token":
      return "aiDeployToken";
    case "ovh:CloudProject/storage:Storage":
    case "ovh:CloudProject/user:User":
    case "ovh:CloudProject/s3Credential:S3Credential":
    case "ovh:CloudProject/s3Policy:S3Policy":
      return "objectStorage";
    case "kubernetes:helm.sh/v3:Release": {
      if (r.inputs.skipAwait === true) return "helmWithoutWait";
      const chart = String(r.inputs.chart ?? "").split("/").pop()!;
      if (chart === "kube-prometheus-stack") return ctx.onGpuCluster ? "gpuPrometheus" : "kubePrometheusStack";
      return CHART_ROWS[chart] ?? "kubePrometheusStack";
    }
    case "kubernetes:apps/v1:StatefulSet":
      return isObjectStorageLoad(r.inputs) ? "vllmFromObjectStorage" : "vllmFromHuggingFace";
    case "kubernetes:batch/v1:Job":
      return "weightsDownload";
  }
  if (r.type.startsWith("pulumi:providers:") || r.type.startsWith("random:")) return "instant";
  if (r.type.startsWith("kubernetes:")) return "kubernetesObject";
  throw new Error(`bench/deploy/durations.ts has no duration for ${r.type}: add a row`);
}

/** A vLLM StatefulSet whose model argument is an object-storage URI loads with the Run:ai streamer, not from Hugging Face. */
function isObjectStorageLoad(inputs: Record<string, any>): boolean {
  const containers: any[] = inputs.spec?.template?.spec?.containers ?? [];
  return containers.some((c) => (c.args ?? []).some((a: unknown) => typeof a === "string" && a.startsWith("s3://")));
}

export function durationOf(key: DurationKey): Duration {
  return { key, minutes: DURATIONS[key].minutes };
}
