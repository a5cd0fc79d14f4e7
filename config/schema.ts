/**
 * The one config schema of the program. Every key a stack file may set is declared here, with its default and
 * what is allowed; `parseConfig` turns the raw stack config into a typed, validated `StackConfig` or throws a
 * `ConfigError` naming each bad key, its value and what is allowed. Pure: no Pulumi calls, so it is tested directly
 * and runs before any resource is registered.
 */
import { z } from "zod";
import { VLLM } from "../components/metrics/catalogue";

/** Pulumi project name: the namespace of every key below (`ovh-llm:<key>`). */
export const PROJECT = "ovh-llm";

// ---------------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------------

const msg = (allowed: string) => ({ error: allowed });

/** OVH Public Cloud regions: GRA11, BHS5, DE1, WAW1, or the 3-AZ form EU-WEST-PAR / EU-SOUTH-MIL. */
export const mksRegion = z
  .string(msg("a string"))
  .regex(/^(?:[A-Z]{2,4}\d{1,2}|[A-Z]{2}(?:-[A-Z]{2,5}){2}(?:-\d)?)$/, msg("an OVH Public Cloud region such as GRA11, BHS5, DE1 or EU-WEST-PAR (upper case)"));

/** Kubernetes versions MKS offers (reference/ovh-ai-deploy-api.md: 1.30–1.34). */
export const kubeVersion = z.string(msg("a string")).regex(/^1\.3[0-4]$/, msg('an MKS Kubernetes version "1.30" to "1.34" (quoted in YAML)'));

/** Instance flavors of MKS node pools: family-size, e.g. b2-15, b3-16, c3-8, l40s-90, h100-380. */
export const nodeFlavor = z.string(msg("a string")).regex(/^[a-z][a-z0-9]*-\d+$/, msg("an OVH instance flavor such as b2-15, b3-16, l40s-90 or h100-380"));

/** GPU instance families; a GPU pool must use one of them. */
export const GPU_FLAVOR_FAMILIES = ["l4", "l40s", "h100", "h200", "a100", "a10", "t1", "t2", "rtx5000", "v100s"] as const;
export const isGpuFlavor = (flavor: string): boolean => (GPU_FLAVOR_FAMILIES as readonly string[]).includes(flavor.split("-")[0]);

/** Kubernetes quantities of storage (PVC sizes). */
export const storageSize = z.string(msg("a string")).regex(/^[1-9]\d*(Mi|Gi|Ti)$/, msg("a Kubernetes size such as 10Gi, 500Mi or 1Ti"));

/** Prometheus durations (retention, scrape interval): a whole number and one unit. */
export const promDuration = z.string(msg("a string")).regex(/^[1-9]\d*(ms|s|m|h|d|w|y)$/, msg("a Prometheus duration such as 30s, 15d or 2w"));

/** Prometheus `--storage.tsdb.retention.size` units. */
export const promSize = z.string(msg("a string")).regex(/^[1-9]\d*(B|KB|MB|GB|TB|PB)$/, msg("a Prometheus size such as 45GB or 1TB"));

export const cidr = z
  .string(msg("a string"))
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, msg("an IPv4 CIDR such as 203.0.113.0/24"));

/** DNS-1123 labels: used in Kubernetes object names and OVH resource names. */
export const dnsLabel = z.string(msg("a string")).regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, msg("a lower-case DNS label (a-z, 0-9, '-', at most 40 characters)"));

export const hostname = z
  .string(msg("a string"))
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, msg("a fully qualified DNS name such as llm.example.com"));

/** Container images must be pinned: a tag that is not `latest`, or a digest. */
export const pinnedImage = z
  .string(msg("a string"))
  .regex(/^[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/, msg("an image with a pinned tag or digest, such as vllm/vllm-openai:v0.31.0"))
  .refine((s) => !/:latest$/.test(s), msg("a pinned tag, not :latest"));

const int = (allowed: string) => z.number(msg(allowed)).int(msg(allowed));
const intBetween = (lo: number, hi: number) =>
  int(`a whole number from ${lo} to ${hi}`).min(lo, msg(`a whole number from ${lo} to ${hi}`)).max(hi, msg(`a whole number from ${lo} to ${hi}`));
const positive = z.number(msg("a number greater than 0")).positive(msg("a number greater than 0"));
const ratio = z.number(msg("a number between 0 and 1")).gt(0, msg("a number between 0 and 1")).lte(1, msg("a number between 0 and 1"));

const labels = z.record(
  z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, msg("a Kubernetes label key")),
  z.string(msg("a string")).max(63, msg("a label value of at most 63 characters")),
  msg("a map of label names to strings"),
);

// ---------------------------------------------------------------------------------------------------------------
// MKS clusters
// ---------------------------------------------------------------------------------------------------------------

export const taintSchema = z.object({
  key: z.string(msg("a taint key")).min(1, msg("a non-empty taint key")),
  value: z.string(msg("a string")).default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], msg("one of NoSchedule, PreferNoSchedule, NoExecute")),
});

export const nodePoolSchema = z
  .object({
    /** Pool name, also the Pulumi resource name suffix. */
    name: dnsLabel,
    flavor: nodeFlavor,
    desiredNodes: intBetween(0, 100),
    minNodes: intBetween(0, 100).optional(),
    maxNodes: intBetween(1, 100).optional(),
    autoscale: z.boolean(msg("true or false")).default(false),
    /** Spread nodes over hypervisors; OVH caps such pools at 5 nodes. */
    antiAffinity: z.boolean(msg("true or false")).default(false),
    monthlyBilled: z.boolean(msg("true or false")).default(false),
    labels: labels.default({}),
    taints: z.array(taintSchema, msg("a list of {key, value, effect}")).default([]),
  })
  .strict()
  .transform((p) => ({ ...p, minNodes: p.minNodes ?? p.desiredNodes, maxNodes: p.maxNodes ?? Math.max(p.desiredNodes, 1) }))
  .superRefine((p, ctx) => {
    if (p.minNodes > p.desiredNodes)
      ctx.addIssue({ code: "custom", path: ["minNodes"], input: p.minNodes, message: `at most desiredNodes (${p.desiredNodes})` });
    if (p.maxNodes < p.desiredNodes)
      ctx.addIssue({ code: "custom", path: ["maxNodes"], input: p.maxNodes, message: `at least desiredNodes (${p.desiredNodes})` });
    if (p.antiAffinity && p.maxNodes > 5)
      ctx.addIssue({ code: "custom", path: ["maxNodes"], input: p.maxNodes, message: "at most 5 when antiAffinity is true (OVH limit)" });
  });

export const clusterSchema = z
  .object({
    /** Cluster name in OVH; defaults to `<project>-<environment>-<role>`. */
    name: dnsLabel.optional(),
    region: mksRegion,
    version: kubeVersion,
    plan: z.enum(["free", "standard"], msg("free or standard")).default("free"),
    updatePolicy: z.enum(["ALWAYS_UPDATE", "MINIMAL_DOWNTIME", "NEVER_UPDATE"], msg("ALWAYS_UPDATE, MINIMAL_DOWNTIME or NEVER_UPDATE")).default("MINIMAL_DOWNTIME"),
    /** OpenStack id of a private network (vRack); omit for a public cluster. */
    privateNetworkId: z.string(msg("an OpenStack network id")).min(1).optional(),
    /** When set, only these CIDRs may reach the Kubernetes API server. */
    apiAllowedCidrs: z.array(cidr, msg("a list of IPv4 CIDRs")).optional(),
    nodePools: z.array(nodePoolSchema, msg("a list of node pools")).min(1, msg("at least one node pool")),
    /** How long node pool creation may take (GPU pools can take over an hour). */
    nodePoolCreateTimeoutMinutes: intBetween(10, 240).default(90),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.nodePools.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["nodePools", i, "name"], input: p.name, message: "a pool name not used twice in a cluster" });
      seen.add(p.name);
    });
  });

// ---------------------------------------------------------------------------------------------------------------
// AI Deploy
// ---------------------------------------------------------------------------------------------------------------

export const AI_DEPLOY_REGIONS = ["GRA", "BHS"] as const;
/** vLLM flags the program sets itself, or that would break auth or metrics (`--disable-log-stats` turns metrics off). */
export const RESERVED_VLLM_FLAGS = ["--port", "--served-model-name", "--disable-log-stats", "--api-key"] as const;
/** On the GPU cluster the program also sets these from `models[]` keys. */
export const GPU_RESERVED_VLLM_FLAGS = [...RESERVED_VLLM_FLAGS, "--max-model-len", "--gpu-memory-utilization", "--tensor-parallel-size"] as const;

/** Issues for extra `vllm serve` arguments that repeat a flag the program owns (`--flag` or `--flag=value`). */
function reservedFlagIssues(args: readonly string[], reserved: readonly string[], key: string, ctx: z.RefinementCtx): void {
  args.forEach((arg, i) => {
    if (reserved.includes(arg.split("=")[0]))
      ctx.addIssue({ code: "custom", path: [key, i], input: arg, message: `a flag other than ${reserved.join(", ")} (set by the program, or they break auth and metrics)` });
  });
}
/** Environment variables that hold secrets: never plain `env`. */
export const SECRET_ENV_NAMES = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "VLLM_API_KEY"] as const;
/** Labels the program puts on the AI Deploy app (its token selects `ovh-llm-app`). */
export const AI_DEPLOY_PROGRAM_LABELS = ["ovh-llm-app", "ovh-llm-environment"] as const;
export const AGGREGATIONS = ["AVERAGE", "MAX", "MIN", "SUM"] as const;

export const aiProbeSchema = z
  .object({
    path: z.string().regex(/^\//, msg("an HTTP path starting with /")),
    port: intBetween(1, 65535).optional(),
    initialDelaySeconds: intBetween(0, 3600).default(300),
    periodSeconds: intBetween(1, 3600).default(10),
    timeoutSeconds: intBetween(1, 600).default(5),
    failureThreshold: intBetween(1, 100).default(3),
    successThreshold: intBetween(1, 100).default(1),
  })
  .strict();

export const aiVolumeSchema = z
  .object({
    mountPath: z.string().regex(/^\//, msg("an absolute path")),
    permission: z.enum(["RO", "RW", "RWD"], msg("RO, RW or RWD")).default("RW"),
    cache: z.boolean(msg("true or false")).default(false),
    /** A standalone (ephemeral, per-app) volume; the only source this program creates. */
    standaloneName: dnsLabel.optional(),
  })
  .strict();

export const aiDeploySchema = z
  .object({
    enabled: z.literal(true).default(true),
    /** App name in AI Deploy (unique in the project). Changing it replaces the app. */
    name: dnsLabel,
    region: z.enum(AI_DEPLOY_REGIONS, msg(`one of ${AI_DEPLOY_REGIONS.join(", ")}`)),
    image: pinnedImage,
    /** Hugging Face model id served by vLLM. */
    model: z.string().regex(/^[\w.-]+\/[\w.-]+$/, msg("a Hugging Face model id such as mistralai/Ministral-3-14B-Instruct-2512")),
    /** `--served-model-name`, the `model` of API calls and the `model_name` label of vLLM metrics. */
    servedModelName: z.string().min(1, msg("a non-empty name")).optional(),
    flavor: z.string().regex(/^[a-z0-9]+-\d+-(gpu|cpu)$/, msg("an AI Deploy flavor such as h100-1-gpu, l40s-1-gpu or l4-1-gpu")),
    gpu: intBetween(1, 4).default(1),
    port: intBetween(1, 65535).default(8000),
    /** Extra `vllm serve` arguments after the model. */
    vllmArgs: z.array(z.string(), msg("a list of strings")).default([]),
    /** Plain environment variables (no secrets: the HF token comes from the secret `hfToken`). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, msg("an environment variable name")), z.string(msg("a string"))).default({}),
    volumes: z.array(aiVolumeSchema).default([]),
    readinessProbe: aiProbeSchema.default({ path: "/v1/models", initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 }),
    livenessProbe: aiProbeSchema.default({ path: "/health", initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 }),
    autoscaling: z
      .object({
        minReplicas: intBetween(0, 10).default(1),
        maxReplicas: intBetween(1, 10).default(1),
        /** A vLLM gauge or counter selector (labels allowed); histograms are not read by OVH. */
        metric: z.string().regex(/^vllm:[a-z_]+(\{.*\})?$/, msg("a vLLM metric selector such as vllm:num_requests_running")).default("vllm:num_requests_running"),
        targetValue: positive.default(50),
        aggregation: z.enum(AGGREGATIONS, msg(`one of ${AGGREGATIONS.join(", ")}`)).default("AVERAGE"),
        scaleUpStabilizationWindowSeconds: intBetween(0, 3600).default(0),
        scaleDownStabilizationWindowSeconds: intBetween(0, 3600).default(300),
        /** Only used (and sent) when minReplicas is 0. */
        cooldownPeriodSeconds: intBetween(60, 86400).default(300),
      })
      .strict()
      .default({ minReplicas: 1, maxReplicas: 1, metric: "vllm:num_requests_running", targetValue: 50, aggregation: "AVERAGE", scaleUpStabilizationWindowSeconds: 0, scaleDownStabilizationWindowSeconds: 300, cooldownPeriodSeconds: 300 })
      .superRefine((a, ctx) => {
        if (a.maxReplicas < a.minReplicas)
          ctx.addIssue({ code: "custom", path: ["maxReplicas"], input: a.maxReplicas, message: `at least minReplicas (${a.minReplicas})` });
      }),
    token: z
      .object({
        /** `read` can call the app (enough for Prometheus and clients); `operator` can also manage it. */
        role: z.enum(["read", "operator"], msg("read or operator")).default("read"),
        /** Bump to renew the token value (e.g. after a leak). */
        renewalCounter: intBetween(0, 1_000_000).default(0),
      })
      .strict()
      .default({ role: "read", renewalCounter: 0 }),
    /** How long create/update may wait for RUNNING. */
    readyTimeoutMinutes: intBetween(1, 180).default(45),
    labels: labels.default({}),
  })
  .strict()
  .superRefine((a, ctx) => {
    reservedFlagIssues(a.vllmArgs, RESERVED_VLLM_FLAGS, "vllmArgs", ctx);
    for (const name of Object.keys(a.env))
      if ((SECRET_ENV_NAMES as readonly string[]).includes(name))
        ctx.addIssue({ code: "custom", path: ["env", name], input: a.env[name], message: "no secret in plain env: use pulumi config set --secret hfToken" });
    for (const key of Object.keys(a.labels)) {
      if (key.startsWith("ovh/")) ctx.addIssue({ code: "custom", path: ["labels", key], input: a.labels[key], message: "a label key without the ovh/ prefix (reserved by OVH)" });
      if ((AI_DEPLOY_PROGRAM_LABELS as readonly string[]).includes(key))
        ctx.addIssue({ code: "custom", path: ["labels", key], input: a.labels[key], message: `a label other than ${AI_DEPLOY_PROGRAM_LABELS.join(", ")} (set by the program)` });
    }
    const metricName = a.autoscaling.metric.replace(/\{.*$/, "");
    const metric = Object.values(VLLM).find((m) => m.name === metricName);
    if (!metric || metric.type === "histogram")
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling", "metric"],
        input: a.autoscaling.metric,
        message: `a vLLM gauge or counter of the metric catalogue (AI Deploy reads no histograms), e.g. ${VLLM.numRequestsRunning.name} or ${VLLM.numRequestsWaiting.name}`,
      });
  })
  .transform((a) => ({ ...a, servedModelName: a.servedModelName ?? a.model }));

// ---------------------------------------------------------------------------------------------------------------
// Monitoring (kube-prometheus-stack on the monitoring cluster)
// ---------------------------------------------------------------------------------------------------------------

export const alertThresholdsSchema = z
  .object({
    ttftP95Seconds: positive.default(2),
    ttftP99Seconds: positive.default(5),
    e2eP99Seconds: positive.default(60),
    itlP99Seconds: positive.default(0.2),
    /** Requests slower than this count as slow (must be a vLLM e2e bucket edge). */
    slowRequestSeconds: positive.default(30),
    kvCacheUsageRatio: ratio.default(0.9),
    queueDepthPerReplica: positive.default(10),
    preemptionsPerSecond: positive.default(0.1),
    http5xxRatio: ratio.default(0.05),
    gpuTemperatureCelsius: positive.default(85),
    gpuMemoryUsedRatio: ratio.default(0.95),
  })
  .strict();

export const monitoringSchema = z
  .object({
    enabled: z.literal(true).default(true),
    namespace: dnsLabel.default("monitoring"),
    /** Helm release name; also `fullnameOverride`, so Prometheus is `<release>-prometheus:9090`. */
    releaseName: dnsLabel.default("kps"),
    retention: promDuration.default("15d"),
    retentionSize: promSize.optional(),
    scrapeInterval: promDuration.default("15s"),
    storageClass: z.string().min(1).default("csi-cinder-high-speed"),
    prometheusStorage: storageSize.default("50Gi"),
    alertmanagerStorage: storageSize.default("10Gi"),
    grafanaStorage: storageSize.default("10Gi"),
    prometheusReplicas: intBetween(1, 3).default(1),
    grafana: z
      .object({
        /** ClusterIP: reach it with `kubectl port-forward`; LoadBalancer: public IP limited to `sourceRanges`. */
        exposure: z.enum(["ClusterIP", "LoadBalancer"], msg("ClusterIP or LoadBalancer")).default("ClusterIP"),
        sourceRanges: z.array(cidr).default([]),
      })
      .strict()
      .default({ exposure: "ClusterIP", sourceRanges: [] })
      .superRefine((g, ctx) => {
        if (g.exposure === "LoadBalancer" && g.sourceRanges.length === 0)
          ctx.addIssue({ code: "custom", path: ["sourceRanges"], input: g.sourceRanges, message: "at least one CIDR when exposure is LoadBalancer (Grafana is never open to all)" });
      }),
    alerting: z
      .object({
        /** Send to the webhook URL of the secret `alertWebhookUrl`. */
        webhook: z.boolean(msg("true or false")).default(false),
        /** Slack channel for the secret `alertSlackWebhookUrl`. */
        slackChannel: z.string().regex(/^#[\w-]+$/, msg("a Slack channel such as #llm-alerts")).optional(),
        email: z
          .object({ to: z.email(msg("an e-mail address")), from: z.email(msg("an e-mail address")), smarthost: z.string().regex(/^[\w.-]+:\d+$/, msg("host:port")), username: z.string().min(1) })
          .strict()
          .optional(),
        thresholds: alertThresholdsSchema.default(alertThresholdsSchema.parse({})),
      })
      .strict()
      .default({ webhook: false, thresholds: alertThresholdsSchema.parse({}) }),
    remoteWrite: z
      .object({
        enabled: z.boolean(msg("true or false")).default(false),
        /** Prometheus remote-write endpoint, e.g. Mimir `https://mimir.example.com/api/v1/push`. */
        url: z.url(msg("an https URL")).optional(),
        /** Sent as `X-Scope-OrgID` (Mimir tenant). */
        tenant: z.string().min(1).optional(),
        /** Basic-auth user; the password is the secret `remoteWritePassword`. */
        username: z.string().min(1).optional(),
      })
      .strict()
      .default({ enabled: false })
      .superRefine((r, ctx) => {
        if (r.enabled && !r.url) ctx.addIssue({ code: "custom", path: ["url"], input: r.url, message: "an https URL when remoteWrite.enabled is true" });
        if (r.url && !r.url.startsWith("https://")) ctx.addIssue({ code: "custom", path: ["url"], input: r.url, message: "an https URL (metrics leave the cluster)" });
      }),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------------------
// GPU inference cluster
// ---------------------------------------------------------------------------------------------------------------

export const gpuModelSchema = z
  .object({
    /** Kubernetes name of the StatefulSet, Service and route; the key of its endpoint in the stack outputs. */
    name: dnsLabel,
    model: z.string().regex(/^[\w.-]+\/[\w.-]+$/, msg("a Hugging Face model id such as Qwen/Qwen3-VL-8B-Instruct")),
    servedModelName: z.string().min(1).optional(),
    image: pinnedImage,
    /** Public host name of this model's HTTPS route. */
    hostname,
    maxModelLen: intBetween(256, 1_048_576).default(8192),
    gpuMemoryUtilization: ratio.default(0.9),
    tensorParallelSize: intBetween(1, 8).default(1),
    extraArgs: z.array(z.string()).default([]),
    /** PVC holding the Hugging Face cache, so restarts do not download again. */
    cacheSize: storageSize.default("100Gi"),
    minReplicas: intBetween(0, 20).default(1),
    maxReplicas: intBetween(1, 20).default(2),
  })
  .strict()
  .transform((m) => ({ ...m, servedModelName: m.servedModelName ?? m.model }))
  .superRefine((m, ctx) => {
    reservedFlagIssues(m.extraArgs, GPU_RESERVED_VLLM_FLAGS, "extraArgs", ctx);
    if (m.maxReplicas < m.minReplicas)
      ctx.addIssue({ code: "custom", path: ["maxReplicas"], input: m.maxReplicas, message: `at least minReplicas (${m.minReplicas})` });
  });

export const gpuClusterSchema = z
  .object({
    enabled: z.literal(true).default(true),
    cluster: clusterSchema,
    namespace: dnsLabel.default("inference"),
    /** Public host of the basic-auth `/federate` endpoint the central Prometheus scrapes; default `metrics.<parent domain of the first model's hostname>`. */
    metricsHostname: hostname.optional(),
    /** NVIDIA driver of the GPU operator; must support the CUDA of the vLLM image (CUDA 13 needs ≥ 580). */
    gpuDriverVersion: z.string().regex(/^\d{3}\.\d+(\.\d+)?$/, msg("a driver version such as 595.91.07")).default("595.91.07"),
    models: z.array(gpuModelSchema).min(1, msg("at least one model")),
    tls: z
      .object({
        /** acme: cert-manager issues the certificate; provided: an existing TLS Secret. */
        mode: z.enum(["acme", "provided"], msg("acme or provided")).default("acme"),
        acmeEmail: z.email(msg("an e-mail address")).optional(),
        acmeServer: z.url().default("https://acme-v02.api.letsencrypt.org/directory"),
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
    const seen = new Set<string>();
    g.models.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: "custom", path: ["models", i, "name"], input: m.name, message: "a model name not used twice" });
      seen.add(m.name);
      if (m.minReplicas === 0 && !g.autoscaling.scaleToZero)
        ctx.addIssue({
          code: "custom",
          path: ["models", i, "minReplicas"],
          input: 0,
          message: "at least 1 unless autoscaling.scaleToZero is true (a Prometheus trigger alone never scales up from zero)",
        });
    });
  });

// ---------------------------------------------------------------------------------------------------------------
// The whole stack
// ---------------------------------------------------------------------------------------------------------------

export const stackSchema = z
  .object({
    /** OVH Public Cloud project id (`serviceName` in the OVH API). */
    serviceName: z.string(msg("the 32-character OVH Public Cloud project id")).regex(/^[0-9a-f]{32}$/, msg("the 32-character hexadecimal OVH Public Cloud project id")),
    /** Environment label on metrics, alerts and resource names (e.g. dev, prod). */
    environment: dnsLabel,
    monitoringCluster: clusterSchema,
  })
  .strict();

/** Parts that are off when absent or `enabled: false`, and validated in full when on. */
const OPTIONAL_PARTS = { aiDeploy: aiDeploySchema, monitoring: monitoringSchema, gpuCluster: gpuClusterSchema } as const;

export type NodePoolConfig = z.infer<typeof nodePoolSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type AiDeployConfig = z.infer<typeof aiDeploySchema>;
export type AiProbeConfig = z.infer<typeof aiProbeSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export type AlertThresholds = z.infer<typeof alertThresholdsSchema>;
export type GpuClusterConfig = z.infer<typeof gpuClusterSchema>;
export type GpuModelConfig = z.infer<typeof gpuModelSchema>;

export interface StackConfig extends z.infer<typeof stackSchema> {
  aiDeploy?: AiDeployConfig;
  monitoring?: MonitoringConfig;
  gpuCluster?: GpuClusterConfig;
}

/** Top-level keys that hold secrets (`pulumi config set --secret`); never in stack files in clear. */
export const SECRET_KEYS = {
  hfToken: "Hugging Face token, for gated models (AI Deploy and GPU cluster).",
  gpuApiKey: "vLLM --api-key of the GPU cluster models; generated when unset.",
  alertWebhookUrl: "Alertmanager webhook receiver URL (monitoring.alerting.webhook: true).",
  alertSlackWebhookUrl: "Slack incoming-webhook URL (monitoring.alerting.slackChannel).",
  alertSmtpPassword: "SMTP password of monitoring.alerting.email.",
  remoteWritePassword: "Basic-auth password of monitoring.remoteWrite.",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** One invalid key: where, what it held, what is allowed. */
export interface ConfigIssue {
  key: string;
  value: unknown;
  allowed: string;
}

export class ConfigError extends Error {
  constructor(public readonly issues: ConfigIssue[]) {
    super(
      `Invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.key} = ${describeValue(i.value)}: expected ${i.allowed}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return "(missing)";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function toIssues(prefix: (string | number)[], raw: unknown, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    let allowed = issue.message;
    if (issue.code === "unrecognized_keys") {
      return { key: `${PROJECT}:${[...path, issue.keys[0]].join(".")}`, value: valueAt(raw, [...issue.path, issue.keys[0]]), allowed: "no such key (unknown setting, check the spelling)" };
    }
    if (/^Invalid input: expected .* received undefined$/.test(allowed)) allowed = `a value (required)`;
    const input = "input" in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path);
    return { key: `${PROJECT}:${path.join(".")}`, value: input, allowed };
  });
}

/**
 * Validates the raw stack config (`{ serviceName: "...", aiDeploy: {...}, ... }`, objects already parsed) and
 * fills defaults. Throws one `ConfigError` listing every problem.
 */
export function parseConfig(raw: Record<string, unknown>): StackConfig {
  const issues: ConfigIssue[] = [];
  const known = new Set<string>([...Object.keys(stackSchema.shape), ...Object.keys(OPTIONAL_PARTS), ...Object.keys(SECRET_KEYS)]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) issues.push({ key: `${PROJECT}:${key}`, value: raw[key], allowed: `no such key (known: ${[...known].join(", ")})` });
  }
  const base: Record<string, unknown> = {};
  for (const key of Object.keys(stackSchema.shape)) base[key] = raw[key];
  const parsedBase = stackSchema.safeParse(base, { reportInput: true });
  if (!parsedBase.success) issues.push(...toIssues([], base, parsedBase.error));

  const parts: Partial<Record<keyof typeof OPTIONAL_PARTS, unknown>> = {};
  for (const [key, schema] of Object.entries(OPTIONAL_PARTS) as [keyof typeof OPTIONAL_PARTS, z.ZodType][]) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      issues.push({ key: `${PROJECT}:${key}`, value, allowed: "an object (or omit it to turn this part off)" });
      continue;
    }
    if ((value as { enabled?: unknown }).enabled === false) continue;
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) parts[key] = parsed.data;
    else issues.push(...toIssues([key], value, parsed.error));
  }
  // A refinement can run on a value a field check already refused: report one problem per key, the first.
  const firstPerKey = issues.filter((issue, i) => issues.findIndex((other) => other.key === issue.key) === i);
  if (firstPerKey.length > 0) throw new ConfigError(firstPerKey);
  return { ...(parsedBase.data as z.infer<typeof stackSchema>), ...(parts as Pick<StackConfig, "aiDeploy" | "monitoring" | "gpuCluster">) };
}

/** Secret keys the enabled parts cannot run without (checked against what the stack has set). */
export function requiredSecrets(config: StackConfig): SecretKey[] {
  const needed: SecretKey[] = config.monitoring ? alertingSecrets(config.monitoring.alerting) : [];
  if (config.monitoring?.remoteWrite.enabled && config.monitoring.remoteWrite.username) needed.push("remoteWritePassword");
  return needed;
}

/** The secret each configured Alertmanager receiver needs (the one mapping from receivers to secret keys). */
export function alertingSecrets(alerting: MonitoringConfig["alerting"]): SecretKey[] {
  const needed: SecretKey[] = [];
  if (alerting.webhook) needed.push("alertWebhookUrl");
  if (alerting.slackChannel) needed.push("alertSlackWebhookUrl");
  if (alerting.email) needed.push("alertSmtpPassword");
  return needed;
}

/** Fails like `parseConfig` when a secret the config needs is not set. */
export function checkSecretsPresent(config: StackConfig, present: ReadonlySet<string>): void {
  const missing = requiredSecrets(config).filter((k) => !present.has(k));
  if (missing.length > 0)
    throw new ConfigError(missing.map((k) => ({ key: `${PROJECT}:${k}`, value: undefined, allowed: `a secret: pulumi config set --secret ${k} <value> (${SECRET_KEYS[k]})` })));
}
