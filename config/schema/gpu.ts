/** Config slice: the GPU inference cluster (`gpuCluster`). */
import { z } from "zod";
import { metricsHostname } from "../../components/gpu/layout";
import {
  GPU_FLAVOR_FAMILIES,
  GPU_RESERVED_VLLM_FLAGS,
  dnsLabel,
  gpusPerNode,
  gpusPerNodeText,
  hfModelId,
  hostname,
  httpsUrl,
  intBetween,
  isGpuFlavor,
  listOf,
  msg,
  pinnedImage,
  positive,
  ratio,
  reservedFlagIssues,
  secretArgIssues,
  servedModelName,
  storageSize,
} from "./common";
import { clusterSchema } from "./mks";

export const gpuModelSchema = z
  .object({
    /** Kubernetes name of the StatefulSet, Service and route; the key of its endpoint in the stack outputs. */
    name: dnsLabel,
    model: hfModelId("Qwen/Qwen3-VL-8B-Instruct"),
    /** The Hugging Face commit of `model` to serve: downloaded once into Object Storage, then every replica reads it. */
    revision: z.string(msg("a string")).regex(/^[0-9a-f]{40}$/, msg("a Hugging Face commit hash of the model (40 lower-case hex characters)")),
    servedModelName: servedModelName.optional(),
    image: pinnedImage,
    /** Public host name of this model's HTTPS route. */
    hostname,
    maxModelLen: intBetween(256, 1_048_576).default(8192),
    gpuMemoryUtilization: ratio.default(0.9),
    tensorParallelSize: intBetween(1, 8).default(1),
    extraArgs: listOf(z.string(msg("a string")), 200, "a list of strings").default([]),
    /** Scratch space of the weights download Job (it holds one file of the model at a time). */
    cacheSize: storageSize.default("100Gi"),
    minReplicas: intBetween(0, 20).default(1),
    maxReplicas: intBetween(1, 20).default(2),
  })
  .strict()
  .transform((m) => ({ ...m, servedModelName: m.servedModelName ?? m.model }))
  .superRefine((m, ctx) => {
    secretArgIssues(m.extraArgs, "extraArgs", ctx);
    reservedFlagIssues(m.extraArgs, GPU_RESERVED_VLLM_FLAGS, "extraArgs", ctx);
    if (m.maxReplicas < m.minReplicas)
      ctx.addIssue({ code: "custom", path: ["maxReplicas"], input: m.maxReplicas, message: `at least minReplicas (${m.minReplicas})` });
  });

/** Models of one GPU cluster (each one HTTPS listener of the cluster's Gateway, which holds 64). */
export const MAX_GPU_MODELS = 60;

export const gpuClusterSchema = z
  .object({
    enabled: z.literal(true).default(true),
    cluster: clusterSchema,
    namespace: dnsLabel.default("inference"),
    /** Public host of the basic-auth `/federate` endpoint the central Prometheus scrapes; default `metrics.<parent domain of the first model's hostname>`. */
    metricsHostname: hostname.optional(),
    /** NVIDIA driver of the GPU operator; must support the CUDA of the vLLM image (CUDA 13 needs ≥ 580). */
    gpuDriverVersion: z.string().regex(/^\d{3}\.\d+(\.\d+)?$/, msg("a driver version such as 595.91.07")).default("595.91.07"),
    // A Gateway holds at most 64 listeners (Gateway API v1.6.1 CRD, `spec.listeners` maxItems 64): one HTTPS listener
    // per model host, plus the HTTP and metrics listeners. Issue #17 plans for 40 models.
    models: listOf(gpuModelSchema, MAX_GPU_MODELS, "a list of models").min(1, msg("at least one model")),
    /** OVH Object Storage bucket holding each model revision once (components/gpu/weights.ts). */
    weights: z
      .object({
        /** Bucket name; default `ovh-llm-<environment>-weights-<first 8 characters of serviceName>`. */
        bucket: z.string(msg("a string")).regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, msg("an S3 bucket name: 3 to 63 lower-case letters, digits and '-'")).optional(),
        /** Object Storage region (lower case, as in https://s3.<region>.io.cloud.ovh.net); default: the cluster's region without its digits. */
        region: z.string(msg("a string")).regex(/^[a-z]{2,4}(-[a-z]{2,5}){0,2}$/, msg("an Object Storage region such as gra, sbg, de or eu-west-par")).optional(),
      })
      .strict()
      .default({}),
    tls: z
      .object({
        /** acme: cert-manager issues the certificate; provided: an existing TLS Secret. */
        mode: z.enum(["acme", "provided"], msg("acme or provided")).default("acme"),
        acmeEmail: z.email(msg("an e-mail address")).optional(),
        acmeServer: httpsUrl.default("https://acme-v02.api.letsencrypt.org/directory"),
        /** With mode provided: a `kubernetes.io/tls` Secret in the gateway namespace. */
        certificateSecretName: dnsLabel.optional(),
      })
      .strict()
      .default({ mode: "acme", acmeServer: "https://acme-v02.api.letsencrypt.org/directory" })
      .superRefine((t, ctx) => {
        if (t.mode === "acme" && !t.acmeEmail) ctx.addIssue({ code: "custom", path: ["acmeEmail"], input: t.acmeEmail, message: "an e-mail address when tls.mode is acme" });
        if (t.mode === "provided" && !t.certificateSecretName)
          ctx.addIssue({ code: "custom", path: ["certificateSecretName"], input: t.certificateSecretName, message: "a Secret name when tls.mode is provided" });
      }),
    autoscaling: z
      .object({
        /** Scale out when the waiting queue of a model exceeds this per replica. */
        queueDepthThreshold: positive.default(5),
        pollingIntervalSeconds: intBetween(5, 300).default(15),
        cooldownPeriodSeconds: intBetween(30, 3600).default(300),
        scaleDownStabilizationSeconds: intBetween(0, 3600).default(300),
        /** Replicas KEDA keeps when Prometheus cannot be read. */
        fallbackReplicas: intBetween(1, 20).default(1),
        /** Beta: scale to zero with the KEDA HTTP add-on (the interceptor holds the first request while a pod starts). */
        scaleToZero: z.boolean(msg("true or false")).default(false),
      })
      .strict()
      .default({ queueDepthThreshold: 5, pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, scaleDownStabilizationSeconds: 300, fallbackReplicas: 1, scaleToZero: false }),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (!g.cluster.nodePools.some((p) => isGpuFlavor(p.flavor)))
      ctx.addIssue({
        code: "custom",
        path: ["cluster", "nodePools"],
        input: g.cluster.nodePools.map((p) => p.flavor),
        message: `at least one pool with a GPU flavor (${GPU_FLAVOR_FAMILIES.join(", ")})`,
      });
    modelIssues(g, ctx);
  });

/** Per-model rules across the cluster: unique names, hosts and served names; what the GPU pool can hold. */
interface ModelsContext {
  cluster: { nodePools: { name: string; flavor: string }[] };
  metricsHostname?: string;
  autoscaling: { scaleToZero: boolean };
  models: z.infer<typeof gpuModelSchema>[];
}

function modelIssues(g: ModelsContext, ctx: z.RefinementCtx): void {
  // Refinements also run when a nested check failed (zod 4): the list may be empty, a model's defaults unfilled.
  if (g.models.length === 0) return;
  // The models run on the first GPU pool (components/gpu/inferenceCluster.ts); one pod asks for tensorParallelSize GPUs of one node.
  const pool = g.cluster.nodePools.find((p) => isGpuFlavor(p.flavor));
  const names = new Set<string>();
  const served = new Map<string, number>();
  const hosts = new Map<string, string>();
  const metricsHost = metricsHostname(g);
  hosts.set(metricsHost, g.metricsHostname ? "gpuCluster.metricsHostname" : "the metrics endpoint (metrics.<domain of the first model>; set gpuCluster.metricsHostname to move it)");
  g.models.forEach((m, i) => {
    if (names.has(m.name)) ctx.addIssue({ code: "custom", path: ["models", i, "name"], input: m.name, message: "a model name not used twice" });
    names.add(m.name);
    const other = m.servedModelName === undefined ? undefined : served.get(m.servedModelName);
    if (other !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["models", i, "servedModelName"],
        input: m.servedModelName,
        message: `a served model name not used by models[${other}] (the model_name label would mix both, and each would scale on the other's queue)`,
      });
    else served.set(m.servedModelName, i);
    const owner = hosts.get(m.hostname);
    if (owner !== undefined)
      ctx.addIssue({ code: "custom", path: ["models", i, "hostname"], input: m.hostname, message: `a host name not already used by ${owner} (one listener and route per host)` });
    else hosts.set(m.hostname, `models[${i}]`);
    if (m.minReplicas === 0 && !g.autoscaling.scaleToZero)
      ctx.addIssue({
        code: "custom",
        path: ["models", i, "minReplicas"],
        input: 0,
        message: "at least 1 unless autoscaling.scaleToZero is true (a Prometheus trigger alone never scales up from zero)",
      });
    if (pool && m.tensorParallelSize > gpusPerNode(pool.flavor).gpus)
      ctx.addIssue({
        code: "custom",
        path: ["models", i, "tensorParallelSize"],
        input: m.tensorParallelSize,
        message: `at most the GPUs per node of GPU pool ${pool.name}: ${gpusPerNodeText(pool.flavor)} (one pod uses tensorParallelSize GPUs of one node; a bigger flavor such as l40s-180 has more)`,
      });
  });
}
