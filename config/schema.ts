/**
 * The one config schema of the program. Every key a stack file may set is declared in a slice per part
 * (`config/schema/<part>.ts`) and composed here; `parseConfig` turns the raw stack config into a typed, validated
 * `StackConfig` or throws a `ConfigError` naming each bad key, its value and what is allowed. Pure: no Pulumi calls,
 * so it is tested directly and runs before any resource is registered.
 */
import { z } from "zod";
import { aiDeploySchema, aiProbeSchema } from "./schema/aiDeploy";
import { containsCredential, isSecretName } from "./formats/credentials";
import { inspectInput, NOT_SHOWN, ownValue, previewValue } from "./input";
import { dnsLabel, msg, vllmFlagName } from "./schema/common";
import { gpuClusterSchema, gpuModelSchema } from "./schema/gpu";
import { clusterSchema, nodePoolSchema } from "./schema/mks";
import { alertThresholdsSchema, monitoringSchema } from "./schema/monitoring";
import { platformSchema, type PlatformConfig } from "./schema/platform";
import { unknownSloModels } from "./schema/slo";
import { tracingSchema, unknownTracingModels } from "./schema/tracing";

export * from "./schema/aiDeploy";
export * from "./schema/common";
export * from "./schema/gpu";
export * from "./schema/mks";
export * from "./schema/monitoring";
export * from "./schema/platform";
export * from "./schema/slo";
export * from "./schema/tracing";

/** Pulumi project name: the namespace of every key below (`ovh-llm:<key>`). */
export const PROJECT = "ovh-llm";

// ---------------------------------------------------------------------------------------------------------------
// The whole stack
// ---------------------------------------------------------------------------------------------------------------

export const stackSchema = z
  .object({
    /** OVH Public Cloud project id (`serviceName` in the OVH API). */
    serviceName: z.string(msg("the 32-character OVH Public Cloud project id")).regex(/^[0-9a-f]{32}$/, msg("the 32-character hexadecimal OVH Public Cloud project id")),
    /** Environment label on metrics, alerts and resource names (e.g. dev, prod). */
    environment: dnsLabel,
    /** Required unless `monitoring.mode` is `platform` (then it must be absent: the platform stack runs monitoring). */
    monitoringCluster: clusterSchema.optional(),
  })
  .strict();

/** Parts that are off when absent or `enabled: false`, and validated in full when on. */
const OPTIONAL_PARTS = { aiDeploy: aiDeploySchema, monitoring: monitoringSchema, gpuCluster: gpuClusterSchema, tracing: tracingSchema, platform: platformSchema } as const;

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
  tracing?: z.infer<typeof tracingSchema>;
  platform?: PlatformConfig;
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

/** Whether `key` is one of the secret keys (an own key: `toString` or `constructor` are not secret keys). */
export const isSecretKey = (key: string): key is SecretKey => Object.prototype.hasOwnProperty.call(SECRET_KEYS, key);

/** One invalid key: where, what it held, what is allowed. */
export interface ConfigIssue {
  key: string;
  value: unknown;
  allowed: string;
}

/** What an error shows instead of a value that may be a secret (under an unknown key, or looking like a credential). */
export const REDACTED = NOT_SHOWN;

/** The issue with its value redacted when it may be a secret: it looks like a credential, or its key's name says it is one. */
function redacted(issue: ConfigIssue): ConfigIssue {
  if (typeof issue.value === "string" && /^\[(?:secret|redacted)\]$/.test(issue.value)) return issue;
  const name = issue.key.split(/[.:]/).pop() ?? "";
  return containsCredential(issue.value) || (issue.value !== undefined && isSecretName(name)) ? { ...issue, value: REDACTED } : issue;
}

export class ConfigError extends Error {
  public readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const shown = issues.map(redacted);
    super(
      `Invalid stack configuration (${shown.length} problem${shown.length === 1 ? "" : "s"}):\n` +
        shown.map((i) => `  - ${i.key} = ${describeValue(i.value)}: expected ${i.allowed}`).join("\n"),
    );
    this.issues = shown;
    this.name = "ConfigError";
  }
}

const describeValue = (v: unknown): string => (v === undefined ? "(missing)" : previewValue(v, 80));

/** `ovh-llm:a.b.0.c`; a segment that is not plain (dots, spaces, control characters) is shown JSON-quoted, so a key prints on one line as itself. */
export function configKey(path: readonly (string | number)[]): string {
  return `${PROJECT}:${path.map((seg) => (typeof seg === "number" || /^[A-Za-z0-9_/-]+$/.test(seg) ? String(seg) : JSON.stringify(seg))).join(".")}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = ownValue(v, k);
  return v;
}

const UNKNOWN_KEY = "no such key (unknown setting, check the spelling; its value is not shown, it may be a misplaced secret)";

function toIssues(prefix: (string | number)[], raw: unknown, error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ key: configKey([...path, k]), value: REDACTED, allowed: UNKNOWN_KEY }));
    // A map key that fails its own check: the key's message, shown with the key's value.
    if (issue.code === "invalid_key") return [{ key: configKey(path), value: valueAt(raw, issue.path), allowed: issue.issues[0]?.message ?? issue.message }];
    let allowed = issue.message;
    if (/^Invalid input: expected .* received undefined$/.test(allowed)) allowed = `a value (required)`;
    const input = "input" in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path);
    return [{ key: configKey(path), value: input, allowed }];
  });
}

/**
 * Validates the raw stack config (`{ serviceName: "...", aiDeploy: {...}, ... }`, objects already parsed) and
 * fills defaults. Throws one `ConfigError` listing every problem. The input is first checked as data
 * (config/input.ts: plain values, bounded size, printable text, no credentials, no `__proto__`); only own keys are
 * read, so `toString` or `constructor` are keys like any other (unknown ones).
 */
export function parseConfig(raw: Record<string, unknown>): StackConfig {
  const report = inspectInput(raw);
  const issues: ConfigIssue[] = report.issues.map((i) => ({ key: configKey(i.path), value: i.value, allowed: i.allowed }));
  // Too big to look at further (an alias bomb, a 100 MB value): stop before the schema walks it.
  if (report.exceeded) throw new ConfigError(issues);
  const known = new Set<string>([...Object.keys(stackSchema.shape), ...Object.keys(OPTIONAL_PARTS), ...Object.keys(SECRET_KEYS)]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) issues.push({ key: configKey([key]), value: REDACTED, allowed: `no such key (known: ${[...known].join(", ")}; its value is not shown, it may be a misplaced secret)` });
  }
  const base: Record<string, unknown> = {};
  for (const key of Object.keys(stackSchema.shape)) base[key] = ownValue(raw, key);
  // `monitoringCluster: null` (e.g. `--config ovh-llm:monitoringCluster=null`) is absence, like the optional parts.
  if (base.monitoringCluster === null) delete base.monitoringCluster;
  const parsedBase = stackSchema.safeParse(base, { reportInput: true });
  if (!parsedBase.success) issues.push(...toIssues([], base, parsedBase.error));

  const parts: Partial<Record<keyof typeof OPTIONAL_PARTS, unknown>> = {};
  for (const [key, schema] of Object.entries(OPTIONAL_PARTS) as [keyof typeof OPTIONAL_PARTS, z.ZodType][]) {
    const value = ownValue(raw, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      issues.push({ key: configKey([key]), value, allowed: "an object (or omit it to turn this part off)" });
      continue;
    }
    if (ownValue(value, "enabled") === false) continue;
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) parts[key] = parsed.data;
    else issues.push(...toIssues([key], value, parsed.error));
  }
  issues.push(...monitoringClusterIssues(ownValue(raw, "monitoringCluster"), parts.monitoring as MonitoringConfig | undefined));
  if (parts.platform && (parts.monitoring as MonitoringConfig | undefined)?.mode !== "embedded")
    issues.push({ key: configKey(["monitoring"]), value: ownValue(raw, "monitoring") === undefined ? undefined : "mode: platform", allowed: "monitoring in embedded mode on the platform stack (platform needs its own monitoring stack to scrape the environments)" });
  issues.push(...crossPartIssues(parts as Partial<Pick<StackConfig, "aiDeploy" | "monitoring" | "gpuCluster" | "tracing">>));
  // A refinement can run on a value a field check already refused: report one problem per key, the first.
  const firstPerKey = issues.filter((issue, i) => issues.findIndex((other) => other.key === issue.key) === i);
  if (firstPerKey.length > 0) throw new ConfigError(firstPerKey);
  return { ...(parsedBase.data as z.infer<typeof stackSchema>), ...(parts as Pick<StackConfig, "aiDeploy" | "monitoring" | "gpuCluster" | "tracing" | "platform">) };
}

/** The monitoring cluster exists exactly when monitoring is not reported to the platform stack. */
function monitoringClusterIssues(cluster: unknown, monitoring: MonitoringConfig | undefined): ConfigIssue[] {
  const reported = monitoring?.mode === "platform";
  if (reported && cluster !== undefined && cluster !== null)
    return [{ key: configKey(["monitoringCluster"]), value: REDACTED, allowed: "no monitoringCluster when monitoring.mode is platform (the platform stack runs the monitoring cluster): remove it" }];
  if (!reported && (cluster === undefined || cluster === null))
    return [{ key: configKey(["monitoringCluster"]), value: undefined, allowed: "a value (required unless monitoring.mode is platform)" }];
  return [];
}

/** Checks between parts: SLO and tracing overrides must name a model the stack deploys; tracing needs the GPU cluster. */
function crossPartIssues(parts: Partial<Pick<StackConfig, "aiDeploy" | "monitoring" | "gpuCluster" | "tracing">>): ConfigIssue[] {
  const served = [...(parts.aiDeploy ? [parts.aiDeploy.servedModelName] : []), ...(parts.gpuCluster?.models.map((m) => m.servedModelName) ?? [])];
  const allowed = `the served model name of a deployed model (${served.join(", ") || "none deployed"})`;
  const issues: ConfigIssue[] = [];
  if (parts.monitoring)
    issues.push(...unknownSloModels(parts.monitoring.slo, served).map((name) => ({ key: `${PROJECT}:monitoring.slo.models.${name}`, value: name, allowed })));
  if (parts.tracing) {
    issues.push(...unknownTracingModels(parts.tracing, served).map((name) => ({ key: `${PROJECT}:tracing.sampling.models.${name}`, value: name, allowed })));
    // The collector and Tempo run on the GPU cluster (the AI Deploy app sends through its gateway).
    if (!parts.gpuCluster) issues.push({ key: `${PROJECT}:tracing`, value: "enabled", allowed: "gpuCluster to be enabled too (the collector and Tempo run on the GPU cluster), or tracing.enabled: false" });
    // The program sets the OTLP endpoint of every model; a second one in the extra arguments would fight it.
    const own = (args: readonly string[], key: string) =>
      args.forEach((arg, i) => {
        const flag = vllmFlagName(arg);
        if (flag && flag.length > 3 && "--otlp-traces-endpoint".startsWith(flag))
          issues.push({ key: `${PROJECT}:${key}.${i}`, value: arg, allowed: "no --otlp-traces-endpoint while tracing is on (the program points every model at the tracing collector)" });
      });
    if (parts.aiDeploy) own(parts.aiDeploy.vllmArgs, "aiDeploy.vllmArgs");
    parts.gpuCluster?.models.forEach((m, i) => own(m.extraArgs, `gpuCluster.models.${i}.extraArgs`));
  }
  return issues;
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
    throw new ConfigError(missing.map((k) => ({ key: configKey([k]), value: undefined, allowed: `a secret: pulumi config set --secret ${k} <value> (${SECRET_KEYS[k]})` })));
}
