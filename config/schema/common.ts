/**
 * Shared building blocks of the config schema: value shapes (regions, sizes, names, images, addresses) and their
 * messages. Shapes that have an upstream definition are checked by it (config/formats/: Node's `net`, the
 * Kubernetes validators, the Docker reference grammar, huggingface_hub's repo ids, Prometheus' units); the
 * messages say what is allowed, so a refused value can be fixed from the message alone.
 */
import { z } from "zod";
import { isSecretName, secretHome } from "../formats/credentials";
import { GPU_FLAVOR_FAMILIES, gpusPerNode, isGpuFlavor } from "../formats/flavors";
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName, TAINT_EFFECTS } from "../formats/k8s";
import { httpsUrlProblem, isFqdn, isHostPort, isHttpPath, parseIpv4Cidr } from "../formats/network";
import { isHfModelId, pinnedImageProblem } from "../formats/references";
import { GiB, kubeSizeBytes, promDurationMs, promSizeBytes, TiB } from "../formats/units";
import { NOT_SHOWN } from "../input";

export { GPU_FLAVOR_FAMILIES, gpusPerNode, isGpuFlavor, TAINT_EFFECTS };

export const msg = (allowed: string) => ({ error: allowed });

/** A string that `check` accepts (returns no problem); its problem, or `allowed`, is the message otherwise. */
const checkedString = (allowed: string, check: (s: string) => string | boolean | undefined) =>
  z.string(msg(allowed)).superRefine((s, ctx) => {
    const result = check(s);
    if (result === true || result === undefined) return;
    ctx.addIssue({ code: "custom", input: s, message: typeof result === "string" ? result : allowed });
  });

/** OVH Public Cloud regions: GRA11, BHS5, DE1, WAW1, or the 3-AZ form EU-WEST-PAR / EU-SOUTH-MIL. */
export const mksRegion = z
  .string(msg("a string"))
  .regex(/^(?:[A-Z]{2,4}\d{1,2}|[A-Z]{2}(?:-[A-Z]{2,5}){2}(?:-\d)?)$/, msg("an OVH Public Cloud region such as GRA11, BHS5, DE1 or EU-WEST-PAR (upper case)"));

/** Kubernetes versions MKS offers (reference/ovh-ai-deploy-api.md: 1.30–1.34). */
export const kubeVersion = z.string(msg("a string")).regex(/^1\.3[0-4]$/, msg('an MKS Kubernetes version "1.30" to "1.34" (quoted in YAML)'));

/** Instance flavors of MKS node pools: family-size, e.g. b2-15, b3-16, c3-8, l40s-90, h100-380. */
export const nodeFlavor = z.string(msg("a string")).regex(/^[a-z][a-z0-9]*-\d{1,5}$/, msg("an OVH instance flavor such as b2-15, b3-16, l40s-90 or h100-380"));

/** Volume sizes (PVCs, Cinder volumes): 1Gi to 10Ti. OVH's per-volume maximum is not in a source we could read: 10Ti is a conservative bound. */
const STORAGE_SIZE = "a Kubernetes size from 1Gi to 10Ti, such as 10Gi or 1Ti";
export const storageSize = checkedString(STORAGE_SIZE, (s) => {
  const bytes = kubeSizeBytes(s);
  return bytes !== undefined && bytes >= GiB && bytes <= 10 * TiB;
});

/** Prometheus durations (a whole number and one unit) within Prometheus' range (int64 nanoseconds, ~292 years). */
export const promDuration = checkedString("a Prometheus duration such as 30s, 15d or 2w", (s) => promDurationMs(s) !== undefined);

/** A Prometheus duration from `min` to `max` (both Prometheus durations). */
export function promDurationBetween(min: string, max: string) {
  const allowed = `a Prometheus duration from ${min} to ${max}, such as 30s, 15d or 2w`;
  return checkedString(allowed, (s) => {
    const ms = promDurationMs(s);
    return ms !== undefined && ms >= promDurationMs(min)! && ms <= promDurationMs(max)!;
  });
}

/** Prometheus `--storage.tsdb.retention.size` (base-2 units), at most 1PB. */
export const promSize = checkedString("a Prometheus size such as 45GB or 1TB (at most 1PB)", (s) => {
  const bytes = promSizeBytes(s);
  return bytes !== undefined && bytes <= 2 ** 50;
});

/** IPv4 CIDR, parsed by Node's `net` (config/formats/network.ts). */
export const cidr = checkedString("an IPv4 CIDR such as 203.0.113.0/24", (s) => {
  const parsed = parseIpv4Cidr(s);
  return "problem" in parsed ? parsed.problem : undefined;
});

/**
 * Names of program resources (Kubernetes objects, OVH resources): a DNS-1123 label (IsDNS1123Label) that starts
 * with a letter and has at most 40 characters, so the program's suffixes keep it under the 63 of Kubernetes.
 */
const DNS_LABEL = "a lower-case DNS label (a-z, 0-9, '-', starting with a letter, at most 40 characters)";
export const dnsLabel = checkedString(DNS_LABEL, (s) => s.length <= 40 && /^[a-z]/.test(s) && isDns1123Label(s));

/** Kubernetes object names that are DNS-1123 subdomains (StorageClass names, Secret names). */
export const dnsSubdomain = checkedString("a Kubernetes name: lower-case DNS-1123 subdomain (a-z, 0-9, '-', '.'; at most 253 characters)", isDns1123Subdomain);

/** A public host name (RFC 1123: labels of at most 63 characters, at most 253 in all, not an IP address). */
export const hostname = checkedString("a fully qualified DNS name such as llm.example.com (RFC 1123, labels of at most 63 characters)", isFqdn);

/** `host:port` (an SMTP smarthost). */
export const hostPort = checkedString("host:port, such as smtp.example.com:587", isHostPort);

/** An https URL data or credentials are sent to (never http, never with user:password). */
export const httpsUrl = checkedString("an https URL", httpsUrlProblem);

/** An HTTP path a probe requests. */
export const httpPath = checkedString("an HTTP path starting with / (percent-encoded, no spaces, no .. segments), such as /health", isHttpPath);

/** Container images must be pinned: a reference (distribution/reference grammar) with a tag that is not `latest`, or a digest. */
export const pinnedImage = checkedString("an image with a pinned tag or digest, such as vllm/vllm-openai:v0.31.0", pinnedImageProblem);

/** Hugging Face model ids (`namespace/name`, huggingface_hub's validate_repo_id). */
export const hfModelId = (example: string) => checkedString(`a Hugging Face model id such as ${example}`, isHfModelId);

/**
 * vLLM's `--served-model-name`: the `model` of API calls, the `model_name` label of every vLLM metric, and a value
 * inside PromQL selectors and KEDA queries. Letters, digits and `._:/+-`, at most 128 characters: nothing that needs
 * quoting in a label value, a shell or a Kubernetes `$(VAR)` expansion.
 */
export const servedModelName = checkedString(
  "a model name of letters, digits and . _ : / + - (starting with a letter or digit, at most 128 characters), such as qwen3-8b",
  (s) => /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,127}$/.test(s),
);

export const int = (allowed: string) => z.number(msg(allowed)).int(msg(allowed));
export const intBetween = (lo: number, hi: number) =>
  int(`a whole number from ${lo} to ${hi}`).min(lo, msg(`a whole number from ${lo} to ${hi}`)).max(hi, msg(`a whole number from ${lo} to ${hi}`));
export const positive = z.number(msg("a number greater than 0")).positive(msg("a number greater than 0"));
export const ratio = z.number(msg("a number between 0 and 1")).gt(0, msg("a number between 0 and 1")).lte(1, msg("a number between 0 and 1"));

/** A bounded list (`max` entries). */
export const listOf = <T extends z.ZodType>(item: T, max: number, what = "a list") => z.array(item, msg(what)).max(max, msg(`${what} of at most ${max} entries`));

/** Kubernetes label keys and values (IsQualifiedName with an optional DNS-subdomain prefix; IsValidLabelValue). */
export const labelKey = checkedString("a Kubernetes label key: [prefix/]name, the name at most 63 characters of a-z, A-Z, 0-9, '-', '_', '.'", isQualifiedName);
export const labelValue = checkedString("a Kubernetes label value: at most 63 characters of a-z, A-Z, 0-9, '-', '_', '.', starting and ending alphanumeric (or empty)", isLabelValue);
export const labels = z.record(labelKey, labelValue, msg("a map of label names to strings")).refine((m) => Object.keys(m).length <= 64, msg("at most 64 labels"));

/** Taints are unique by key and effect (validateTaints). */
export function duplicateTaintIssues(taints: readonly { key: string; effect: string }[], key: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const id = `${t.key}:${t.effect}`;
    if (seen.has(id)) ctx.addIssue({ code: "custom", path: [key, i, "key"], input: t.key, message: `a taint not repeating key ${t.key} with effect ${t.effect} (taints are unique by key and effect)` });
    seen.add(id);
  });
}

// vLLM flags (shared by AI Deploy and the GPU cluster)

/** vLLM flags the program sets itself, or that would break auth or metrics (`--disable-log-stats` turns metrics off). */
export const RESERVED_VLLM_FLAGS = ["--port", "--served-model-name", "--disable-log-stats", "--api-key"] as const;
/** On the GPU cluster the program also sets these from `models[]` keys. */
export const GPU_RESERVED_VLLM_FLAGS = [...RESERVED_VLLM_FLAGS, "--max-model-len", "--gpu-memory-utilization", "--tensor-parallel-size", "--load-format"] as const;

/**
 * A flag as vLLM's FlexibleArgumentParser reads it (vllm/utils/argparse_utils.py): the name before `=` and before
 * the first `.` (JSON sub-keys), underscores taken as dashes. Not a flag → undefined.
 */
export function vllmFlagName(arg: string): string | undefined {
  if (!arg.startsWith("--") || arg.length <= 2) return undefined;
  return arg.split("=")[0].split(".")[0].replace(/_/g, "-");
}

/**
 * Issues for extra `vllm serve` arguments that repeat a flag the program owns: `--flag`, `--flag=value`,
 * `--flag_name` and any prefix argparse would expand to it (allow_abbrev is on in vLLM's parser).
 */
export function reservedFlagIssues(args: readonly string[], reserved: readonly string[], key: string, ctx: z.RefinementCtx): void {
  args.forEach((arg, i) => {
    const flag = vllmFlagName(arg);
    if (flag && reserved.some((r) => r.startsWith(flag)) && !isSecretName(flag))
      ctx.addIssue({ code: "custom", path: [key, i], input: arg, message: `a flag other than ${reserved.join(", ")} or an abbreviation of one (set by the program, or they break auth and metrics)` });
  });
}

/** Issues for arguments that pass a secret on the command line (`--hf-token x`, `--api-key=...`): visible in the pod spec, the AI Deploy app and the state. */
export function secretArgIssues(args: readonly string[], key: string, ctx: z.RefinementCtx): void {
  args.forEach((arg, i) => {
    const flag = vllmFlagName(arg);
    if (!flag || !isSecretName(flag)) return;
    ctx.addIssue({
      code: "custom",
      path: [key, i],
      input: arg.includes("=") ? `${arg.split("=")[0]}=${NOT_SHOWN}` : arg,
      message: `no secret on the command line (${flag}): ${secretHome(flag)}`,
    });
  });
}

/** GPUs per node as a message fragment: `2 (l40s-180)`, or the conservative 1 with why. */
export function gpusPerNodeText(flavor: string): string {
  const { gpus, known } = gpusPerNode(flavor);
  return known ? `${gpus} (${flavor})` : `${gpus} (${flavor}: GPUs per node not known to this program, so 1 is assumed)`;
}
