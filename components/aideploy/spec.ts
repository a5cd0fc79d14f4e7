/**
 * Pure builders: validated `AiDeployConfig` → OVH AI Deploy API request bodies. Every body is typed with the
 * generated OVH schema types (`components/ovh/apiTypes.ts`, npm `@datatr-ux/ovhcloud-types`), so a field OVH does not
 * describe does not compile. No Pulumi, no I/O, no secrets: the Hugging Face token is added by the provider at
 * request time (`withHfToken`), so it never sits in these plain objects.
 */
import { AI_DEPLOY_PROGRAM_LABELS, LABEL_MAX_LENGTH, type AiDeployConfig, type AiProbeConfig } from "../../config/schema";
import type { AppSpecInput, CustomMetricsInput, Env, JobEnv, Label, ProbeInput, ResourcesInput, ScalingStrategyInput, TokenRole, TokenSpec, UpdateInput, Volume } from "../ovh/apiTypes";

export type { AppSpecInput, ScalingStrategyInput, TokenSpec, UpdateInput };

/**
 * The create body this program sends: `AppSpecInput` with the fields it always sets made required (so the providers
 * can compare them) and `unsecureHttp` pinned to false (reachable only with a token).
 */
export type AppBody = AppSpecInput &
  Required<Pick<AppSpecInput, "command" | "defaultHttpPort" | "envVars" | "labels" | "probe" | "livenessProbe" | "scalingStrategy" | "volumes">> & {
    resources: ResourcesInput & { flavor: string; gpu: number };
    unsecureHttp: false;
  };

/** Who owns an app: the labels identify the project (key prefix), the stack and the resource. */
export interface Ownership {
  /** Random id of the app resource in this stack's state (`random.RandomId`, 12 hex): unique per resource and state. */
  appId: string;
  /** Pulumi stack name. */
  stack: string;
  /** Environment (dev, prod). */
  environment: string;
}

/** The app resource's identity; the app's token selects it. */
export const APP_LABEL = AI_DEPLOY_PROGRAM_LABELS[0];
/** The Pulumi stack that manages the app (readable; the identity is `APP_LABEL`). */
export const STACK_LABEL = AI_DEPLOY_PROGRAM_LABELS[1];
/** The environment (dev, prod). */
export const ENVIRONMENT_LABEL = AI_DEPLOY_PROGRAM_LABELS[2];
// Copied at load: functions below must not reference the config module (the providers' closures are serialized).
const LABEL_MAX = LABEL_MAX_LENGTH;
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

/**
 * Request tracing of the app (components/tracing/emitters.ts builds it): extra `vllm serve` arguments and plain
 * environment. The credential of the OTLP endpoint is not here: it is a secret env var added at request time
 * (`withSecretEnv`).
 */
export interface AppTracing {
  args: string[];
  env: Record<string, string>;
}

/** `vllm serve` command: `vllm serve` is the entrypoint of current vllm/vllm-openai images; `command` replaces it. */
export function vllmCommand(config: AiDeployConfig, tracing?: AppTracing): string[] {
  return ["vllm", "serve", config.model, "--served-model-name", servedModelName(config), "--port", String(config.port), ...config.vllmArgs, ...(tracing?.args ?? [])];
}

/**
 * A label value within OVH's label rules as the Control Panel enforces them (1–15 characters, `ovh/` reserved:
 * ovh/manager `pci-ai-tools/src/components/labels/useLabelForm.hook.tsx`), in Kubernetes' label charset.
 */
export function labelValue(raw: string): string {
  const clean = raw.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").slice(0, LABEL_MAX).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return clean || "x";
}

/** App labels: the user's, plus the ownership labels (resource id, stack, environment). */
export function appLabels(config: AiDeployConfig, owner: Ownership): Record<string, string> {
  return { ...config.labels, [APP_LABEL]: owner.appId, [STACK_LABEL]: labelValue(owner.stack), [ENVIRONMENT_LABEL]: labelValue(owner.environment) };
}

/** Label selector of the app's token: exactly this app resource of this stack. */
export function tokenLabelSelector(owner: Pick<Ownership, "appId">): string {
  return `${APP_LABEL}=${owner.appId}`;
}

/**
 * Scaling strategy. `min == max` is sent as `fixed` (a custom metric cannot change anything, and OVH then runs no
 * scaler); otherwise `automatic` on a vLLM metric read from each replica's own `/metrics` (`http://<SELF>:<port>`).
 * The stabilization windows and cooldown are not in the generated `ScalingAutomaticStrategyInput` (1.0.84), although
 * the Control Panel sends them: this program does not, so the body stays inside the schema.
 */
export function scalingStrategyInput(config: AiDeployConfig): ScalingStrategyInput {
  const a = config.autoscaling;
  if (a.minReplicas === a.maxReplicas) return { fixed: { replicas: a.minReplicas } };
  const customMetrics: CustomMetricsInput = {
    apiUrl: `http://${SELF}:${config.port}/metrics`,
    format: "PROMETHEUS",
    valueLocation: a.metric,
    targetValue: a.targetValue,
    aggregationType: a.aggregation,
  };
  return { automatic: { replicasMin: a.minReplicas, replicasMax: a.maxReplicas, customMetrics } };
}

export function probeInput(probe: AiProbeConfig, defaultPort: number): Required<ProbeInput> {
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

/** Plain environment, sorted by name (stable diffs). Secrets come from Pulumi secrets (`withHfToken`, `withSecretEnv`). */
export function envVars(config: AiDeployConfig, extra: Record<string, string> = {}): JobEnv[] {
  const env = { ...extra, ...config.env };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] }));
}

/** Standalone volumes; unnamed ones are named after their mount path (`/hub` → `hub`). */
export function volumeInputs(config: AiDeployConfig): Volume[] {
  return config.volumes.map((v) => ({
    mountPath: v.mountPath,
    permission: v.permission,
    cache: v.cache,
    volumeSource: { standalone: { name: v.standaloneName ?? (v.mountPath.replace(/^\/+/, "").replace(/[^a-z0-9]+/gi, "-").toLowerCase() || "root") } },
  }));
}

/** The create body, without secrets. */
export function appSpecInput(config: AiDeployConfig, owner: Ownership, tracing?: AppTracing): AppBody {
  return {
    name: config.name,
    image: config.image,
    region: config.region,
    resources: { flavor: config.flavor, gpu: config.gpu },
    command: vllmCommand(config, tracing),
    defaultHttpPort: config.port,
    envVars: envVars(config, tracing?.env),
    labels: appLabels(config, owner),
    probe: probeInput(config.readinessProbe, config.port),
    livenessProbe: probeInput(config.livenessProbe, config.port),
    scalingStrategy: scalingStrategyInput(config),
    volumes: volumeInputs(config),
    unsecureHttp: false,
  };
}

/** A copy of a body with `HF_TOKEN` set (request time only: the result must never be stored or logged). */
export function withHfToken<T extends { envVars: JobEnv[] }>(body: T, hfToken: string | undefined): T {
  if (!hfToken) return body;
  return { ...body, envVars: [...body.envVars.filter((e) => e.name !== HF_TOKEN_ENV), { name: HF_TOKEN_ENV, value: hfToken }] };
}

/** A copy of a body with secret variables set (request time only, like `withHfToken`); a body variable of the same name is replaced. */
export function withSecretEnv<T extends { envVars: JobEnv[] }>(body: T, secretEnv: Record<string, string> | undefined): T {
  const names = Object.keys(secretEnv ?? {}).sort();
  if (names.length === 0) return body;
  return { ...body, envVars: [...body.envVars.filter((e) => !names.includes(e.name)), ...names.map((name) => ({ name, value: secretEnv![name] }))] };
}

/**
 * `UpdateInput` of a create body: flat (`url` is the image, `flavor` and `gpu` beside it). `envVars` is a
 * patch (UpdateInput.d.ts: "Environment variables to be patched (empty/null value to remove)"): every variable the
 * app had (`previousEnv`) and the body no longer has is sent with an empty value, so it is removed.
 */
export function updateInput(spec: AppBody, previousEnv: readonly string[] = []): UpdateInput {
  const names = new Set(spec.envVars.map((e) => e.name));
  const removed: Env[] = [...new Set(previousEnv)].filter((n) => !names.has(n)).sort().map((name) => ({ name, value: "" }));
  return {
    url: spec.image,
    flavor: spec.resources.flavor,
    gpu: spec.resources.gpu,
    command: spec.command,
    defaultHttpPort: spec.defaultHttpPort,
    envVars: [...spec.envVars, ...removed],
    probe: spec.probe,
    livenessProbe: spec.livenessProbe,
  };
}

/** Label calls that turn `from` into `to` (`PUT .../label`; no value deletes). OVH's `ovh/` labels are left alone. */
export function labelChanges(from: Record<string, string> | undefined, to: Record<string, string>): Label[] {
  const calls: Label[] = Object.entries(to)
    .filter(([k, v]) => from?.[k] !== v)
    .map(([name, value]) => ({ name, value }));
  for (const name of Object.keys(from ?? {})) if (!(name in to) && !name.startsWith("ovh/")) calls.push({ name });
  return calls;
}

export function tokenRole(role: AiDeployConfig["token"]["role"]): TokenRole {
  return role === "operator" ? "ai_training_operator" : "ai_training_read";
}

/**
 * The token body: scoped by label to this app resource only. `TokenSpec` has no labels, so the token's ownership is
 * in its name (project prefix, app name, the app resource's id) and its selector.
 */
export function tokenInput(config: AiDeployConfig, owner: Pick<Ownership, "appId">): TokenSpec {
  return { name: `ovh-llm-${config.name}-${owner.appId}`, region: config.region, role: tokenRole(config.token.role), labelSelector: tokenLabelSelector(owner) };
}

/** `https://<appId>.app.<region>.ai.cloud.ovh.net` without the scheme (the Prometheus scrape target). */
export function hostOf(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}
