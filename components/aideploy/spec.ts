/**
 * Pure builders: validated `AiDeployConfig` → OVH AI Deploy API request bodies (`AppSpecInput`, `UpdateInput`,
 * `ScalingStrategyInput`, token body). Field names are the API's (reference/ovh-ai-deploy-api.md, from the types
 * OVH's Control Panel uses: `cloud/project/ai/app`). No Pulumi, no I/O, no secrets: the Hugging Face token is added
 * by the provider at request time (`withHfToken`), so it never sits in these plain objects.
 */
import { AI_DEPLOY_PROGRAM_LABELS, type AiDeployConfig, type AiProbeConfig } from "../../config/schema";

export type AiRegion = "GRA" | "BHS";
export type CustomMetricsFormat = "JSON" | "PROMETHEUS" | "XML" | "YAML";
export type AggregationType = "AVERAGE" | "MAX" | "MIN" | "SUM";
export type TokenRole = "ai_training_read" | "ai_training_operator";

export interface EnvVar {
  name: string;
  value: string;
}

export interface ProbeInput {
  path: string;
  port: number;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface CustomMetricsInput {
  apiUrl: string;
  format: CustomMetricsFormat;
  valueLocation: string;
  targetValue: number;
  aggregationType: AggregationType;
}

export type ScalingStrategyInput =
  | { fixed: { replicas: number } }
  | {
      automatic: {
        replicasMin: number;
        replicasMax: number;
        customMetrics: CustomMetricsInput;
        scaleUpStabilizationWindowSeconds: number;
        scaleDownStabilizationWindowSeconds: number;
        /** Only when `replicasMin` is 0 (scale to zero). */
        cooldownPeriodSeconds?: number;
      };
    };

export interface VolumeInput {
  mountPath: string;
  permission: "RO" | "RW" | "RWD";
  cache: boolean;
  volumeSource: { standalone: { name: string } };
}

/** `POST /cloud/project/{serviceName}/ai/app` body. */
export interface AppSpecInput {
  name: string;
  image: string;
  region: AiRegion;
  resources: { flavor: string; gpu: number };
  command: string[];
  defaultHttpPort: number;
  envVars: EnvVar[];
  labels: Record<string, string>;
  probe: ProbeInput;
  livenessProbe: ProbeInput;
  scalingStrategy: ScalingStrategyInput;
  volumes: VolumeInput[];
  /** Always false: the app is reachable only with a token. */
  unsecureHttp: false;
}

/** `PUT /cloud/project/{serviceName}/ai/app/{appId}` body: what can change in place (no labels, no scaling). */
export interface UpdateInput {
  image: string;
  resources: { flavor: string; gpu: number };
  command: string[];
  defaultHttpPort: number;
  envVars: EnvVar[];
  probe: ProbeInput;
  livenessProbe: ProbeInput;
}

/** `POST /cloud/project/{serviceName}/ai/token` body. */
export interface TokenInput {
  name: string;
  region: AiRegion;
  role: TokenRole;
  /** `key=value`; never empty (a token without selector reaches every app of the project). */
  labelSelector: string;
}

/** Label the component puts on its app; the app's token selects it, and lookups find the app by it. */
export const APP_LABEL = AI_DEPLOY_PROGRAM_LABELS[0];
/** Label with the environment (dev, prod) of the app. */
export const ENVIRONMENT_LABEL = AI_DEPLOY_PROGRAM_LABELS[1];
/** Placeholder AI Deploy replaces with each replica's address in `customMetrics.apiUrl`. */
export const SELF = "<SELF>";
/** The Hugging Face token's environment variable; only added at request time. */
export const HF_TOKEN_ENV = "HF_TOKEN";

// Inputs are validated by the config schema (reserved vLLM flags, secrets in env, program labels, the autoscaling
// metric): the builders below assume a parsed `AiDeployConfig`.

/** The served model name (what clients pass as `model`, vLLM's `model_name` label). */
export function servedModelName(config: AiDeployConfig): string {
  return config.servedModelName ?? config.model;
}

/** `vllm serve` command: `vllm serve` is the entrypoint of current vllm/vllm-openai images; `command` replaces it. */
export function vllmCommand(config: AiDeployConfig): string[] {
  return ["vllm", "serve", config.model, "--served-model-name", servedModelName(config), "--port", String(config.port), ...config.vllmArgs];
}

/** App labels: the user's, plus the selector label of the app's token and the environment. */
export function appLabels(config: AiDeployConfig, environment: string): Record<string, string> {
  return { ...config.labels, [APP_LABEL]: config.name, [ENVIRONMENT_LABEL]: environment };
}

/** Label selector of the app's token: exactly this app. */
export function tokenLabelSelector(config: AiDeployConfig): string {
  return `${APP_LABEL}=${config.name}`;
}

/**
 * Scaling strategy. `min == max` is sent as `fixed` (a custom metric cannot change anything, and OVH then runs no
 * scaler); otherwise `automatic` on a vLLM metric read from each replica's own `/metrics` (`http://<SELF>:<port>`).
 */
export function scalingStrategyInput(config: AiDeployConfig): ScalingStrategyInput {
  const a = config.autoscaling;
  if (a.minReplicas === a.maxReplicas) return { fixed: { replicas: a.minReplicas } };
  return {
    automatic: {
      replicasMin: a.minReplicas,
      replicasMax: a.maxReplicas,
      customMetrics: {
        apiUrl: `http://${SELF}:${config.port}/metrics`,
        format: "PROMETHEUS",
        valueLocation: a.metric,
        targetValue: a.targetValue,
        aggregationType: a.aggregation,
      },
      scaleUpStabilizationWindowSeconds: a.scaleUpStabilizationWindowSeconds,
      scaleDownStabilizationWindowSeconds: a.scaleDownStabilizationWindowSeconds,
      ...(a.minReplicas === 0 ? { cooldownPeriodSeconds: a.cooldownPeriodSeconds } : {}),
    },
  };
}

export function probeInput(probe: AiProbeConfig, defaultPort: number): ProbeInput {
  return {
    path: probe.path,
    port: probe.port ?? defaultPort,
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
    successThreshold: probe.successThreshold,
  };
}

/** Plain environment, sorted by name (stable diffs). Secrets come from Pulumi secrets (`withHfToken`). */
export function envVars(config: AiDeployConfig): EnvVar[] {
  return Object.keys(config.env)
    .sort()
    .map((name) => ({ name, value: config.env[name] }));
}

/** Standalone volumes; unnamed ones are named after their mount path (`/hub` → `hub`). */
export function volumeInputs(config: AiDeployConfig): VolumeInput[] {
  return config.volumes.map((v) => ({
    mountPath: v.mountPath,
    permission: v.permission,
    cache: v.cache,
    volumeSource: { standalone: { name: v.standaloneName ?? (v.mountPath.replace(/^\/+/, "").replace(/[^a-z0-9]+/gi, "-").toLowerCase() || "root") } },
  }));
}

/** The create body, without secrets. */
export function appSpecInput(config: AiDeployConfig, environment: string): AppSpecInput {
  return {
    name: config.name,
    image: config.image,
    region: config.region,
    resources: { flavor: config.flavor, gpu: config.gpu },
    command: vllmCommand(config),
    defaultHttpPort: config.port,
    envVars: envVars(config),
    labels: appLabels(config, environment),
    probe: probeInput(config.readinessProbe, config.port),
    livenessProbe: probeInput(config.livenessProbe, config.port),
    scalingStrategy: scalingStrategyInput(config),
    volumes: volumeInputs(config),
    unsecureHttp: false,
  };
}

/** A copy of a body with `HF_TOKEN` set (request time only: the result must never be stored or logged). */
export function withHfToken<T extends { envVars: EnvVar[] }>(body: T, hfToken: string | undefined): T {
  if (!hfToken) return body;
  return { ...body, envVars: [...body.envVars.filter((e) => e.name !== HF_TOKEN_ENV), { name: HF_TOKEN_ENV, value: hfToken }] };
}

/** The in-place update body of a create body. */
export function updateInput(spec: AppSpecInput): UpdateInput {
  return {
    image: spec.image,
    resources: spec.resources,
    command: spec.command,
    defaultHttpPort: spec.defaultHttpPort,
    envVars: spec.envVars,
    probe: spec.probe,
    livenessProbe: spec.livenessProbe,
  };
}

export function tokenRole(role: AiDeployConfig["token"]["role"]): TokenRole {
  return role === "operator" ? "ai_training_operator" : "ai_training_read";
}

/** The token body: scoped by label to this app only. */
export function tokenInput(config: AiDeployConfig, environment: string): TokenInput {
  return { name: `${config.name}-${environment}-access`, region: config.region, role: tokenRole(config.token.role), labelSelector: tokenLabelSelector(config) };
}

/** `https://<appId>.app.<region>.ai.cloud.ovh.net` without the scheme (the Prometheus scrape target). */
export function hostOf(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}
