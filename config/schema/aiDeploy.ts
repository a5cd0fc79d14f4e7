/** Config slice: the AI Deploy app (`aiDeploy`). */
import { z } from "zod";
import { VLLM } from "../../components/metrics/catalogue";
import { isSecretName, isSwitchValue, secretHome } from "../formats/credentials";
import { parseMetricSelector } from "../formats/promql";
import { NOT_SHOWN } from "../input";
import {
  RESERVED_VLLM_FLAGS,
  dnsLabel,
  hfModelId,
  httpPath,
  intBetween,
  labels,
  listOf,
  msg,
  pinnedImage,
  positive,
  reservedFlagIssues,
  secretArgIssues,
  servedModelName,
} from "./common";

export const AI_DEPLOY_REGIONS = ["GRA", "BHS"] as const;
export const SECRET_ENV_NAMES = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "VLLM_API_KEY"] as const;
/** Labels the program puts on the AI Deploy app: the app resource's id (its token selects it), the stack, the environment. */
export const AI_DEPLOY_PROGRAM_LABELS = ["ovh-llm-app", "ovh-llm-stack", "ovh-llm-env"] as const;
/**
 * Longest label key and value OVH's Control Panel accepts (ovh/manager `pci-ai-tools/src/components/labels/
 * useLabelForm.hook.tsx`: 1–15 characters each); the API's own limit is not documented, so the program keeps to it.
 */
export const LABEL_MAX_LENGTH = 15;
export const AGGREGATIONS = ["AVERAGE", "MAX", "MIN", "SUM"] as const;
const METRIC_SELECTOR = 'a vLLM metric selector: a name, optionally with label="value" matchers, and nothing else (no or, functions or ranges), such as vllm:num_requests_running';

/** A volume mount path: absolute, normalized (no `.`, `..` or `//`), not `/` itself, at most 256 characters of a portable charset. */
const MOUNT_PATH = "an absolute, normalized path other than / (letters, digits, . _ - /; no .. segments), such as /hub";
const isMountPath = (p: string) => /^(?:\/[A-Za-z0-9._-]+)+$/.test(p) && p.length <= 256 && !p.split("/").some((seg) => seg === "." || seg === "..");

export const aiProbeSchema = z
  .object({
    path: httpPath,
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
    mountPath: z.string(msg(MOUNT_PATH)).refine(isMountPath, msg(MOUNT_PATH)),
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
    model: hfModelId("mistralai/Ministral-3-14B-Instruct-2512"),
    /** `--served-model-name`, the `model` of API calls and the `model_name` label of vLLM metrics. */
    servedModelName: servedModelName.optional(),
    flavor: z.string().regex(/^[a-z0-9]+-\d+-(gpu|cpu)$/, msg("an AI Deploy flavor such as h100-1-gpu, l40s-1-gpu or l4-1-gpu")),
    gpu: intBetween(1, 4).default(1),
    port: intBetween(1, 65535).default(8000),
    /** Extra `vllm serve` arguments after the model. */
    vllmArgs: listOf(z.string(msg("a string")), 200, "a list of strings").default([]),
    /** Plain environment variables (no secrets: the HF token comes from the secret `hfToken`). */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,255}$/, msg("an environment variable name (letters, digits, _; not starting with a digit)")), z.string(msg("a string")).max(4096, msg("a value of at most 4096 characters")))
      .refine((e) => Object.keys(e).length <= 100, msg("at most 100 variables"))
      .default({}),
    volumes: listOf(aiVolumeSchema, 10, "a list of volumes").default([]),
    readinessProbe: aiProbeSchema.default({ path: "/v1/models", initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 }),
    livenessProbe: aiProbeSchema.default({ path: "/health", initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 }),
    autoscaling: z
      .object({
        minReplicas: intBetween(0, 10).default(1),
        maxReplicas: intBetween(1, 10).default(1),
        /** A vLLM gauge or counter selector (labels allowed); histograms are not read by OVH. */
        metric: z
          .string(msg(METRIC_SELECTOR))
          .refine((s) => s.length <= 512 && parseMetricSelector(s)?.name.startsWith("vllm:") === true, msg(METRIC_SELECTOR))
          .default("vllm:num_requests_running"),
        targetValue: positive.default(50),
        aggregation: z.enum(AGGREGATIONS, msg(`one of ${AGGREGATIONS.join(", ")}`)).default("AVERAGE"),
      })
      .strict()
      .default({ minReplicas: 1, maxReplicas: 1, metric: "vllm:num_requests_running", targetValue: 50, aggregation: "AVERAGE" })
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
    secretArgIssues(a.vllmArgs, "vllmArgs", ctx);
    reservedFlagIssues(a.vllmArgs, RESERVED_VLLM_FLAGS, "vllmArgs", ctx);
    a.vllmArgs.forEach((arg, i) => {
      // Kubernetes expands $(VAR) in container args; whether AI Deploy's runtime does is not documented: refuse it.
      if (arg.includes("$("))
        ctx.addIssue({ code: "custom", path: ["vllmArgs", i], input: arg, message: "an argument without $( (a $(VAR) reference could be expanded from the container's environment, which holds the HF token)" });
    });
    for (const name of Object.keys(a.env))
      if ((SECRET_ENV_NAMES as readonly string[]).includes(name) || (isSecretName(name) && !isSwitchValue(a.env[name])))
        ctx.addIssue({ code: "custom", path: ["env", name], input: NOT_SHOWN, message: `no secret in plain env (it lands in the AI Deploy app spec and the state in clear): ${secretHome(name)}` });
    if (a.flavor.endsWith("-cpu"))
      ctx.addIssue({
        code: "custom",
        path: ["flavor"],
        input: a.flavor,
        message: `a GPU flavor such as l4-1-gpu (a CPU flavor takes no gpu count, and the program requests resources.gpu = ${a.gpu}; the vLLM image serves on GPUs)`,
      });
    const mounts = new Set<string>();
    const standalone = new Set<string>();
    a.volumes.forEach((v, i) => {
      if (mounts.has(v.mountPath)) ctx.addIssue({ code: "custom", path: ["volumes", i, "mountPath"], input: v.mountPath, message: "a mount path not used by another volume" });
      mounts.add(v.mountPath);
      if (v.standaloneName !== undefined && standalone.has(v.standaloneName))
        ctx.addIssue({ code: "custom", path: ["volumes", i, "standaloneName"], input: v.standaloneName, message: "a standalone volume name not used by another volume" });
      if (v.standaloneName !== undefined) standalone.add(v.standaloneName);
    });
    for (const key of Object.keys(a.labels)) {
      if (key.startsWith("ovh/")) ctx.addIssue({ code: "custom", path: ["labels", key], input: a.labels[key], message: "a label key without the ovh/ prefix (reserved by OVH)" });
      if (key.length > LABEL_MAX_LENGTH || a.labels[key].length < 1 || a.labels[key].length > LABEL_MAX_LENGTH)
        ctx.addIssue({ code: "custom", path: ["labels", key], input: a.labels[key], message: `a label key and value of 1 to ${LABEL_MAX_LENGTH} characters each (OVH's label rule)` });
      if ((AI_DEPLOY_PROGRAM_LABELS as readonly string[]).includes(key))
        ctx.addIssue({ code: "custom", path: ["labels", key], input: a.labels[key], message: `a label other than ${AI_DEPLOY_PROGRAM_LABELS.join(", ")} (set by the program)` });
    }
    const metricName = parseMetricSelector(a.autoscaling.metric)?.name;
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
