/** Shared building blocks of the config schema: value shapes (regions, sizes, names, images) and their messages. */
import { z } from "zod";
export const msg = (allowed: string) => ({ error: allowed });

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

export const int = (allowed: string) => z.number(msg(allowed)).int(msg(allowed));
export const intBetween = (lo: number, hi: number) =>
  int(`a whole number from ${lo} to ${hi}`).min(lo, msg(`a whole number from ${lo} to ${hi}`)).max(hi, msg(`a whole number from ${lo} to ${hi}`));
export const positive = z.number(msg("a number greater than 0")).positive(msg("a number greater than 0"));
export const ratio = z.number(msg("a number between 0 and 1")).gt(0, msg("a number between 0 and 1")).lte(1, msg("a number between 0 and 1"));

export const labels = z.record(
  z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, msg("a Kubernetes label key")),
  z.string(msg("a string")).max(63, msg("a label value of at most 63 characters")),
  msg("a map of label names to strings"),
);

// vLLM flags (shared by AI Deploy and the GPU cluster)

/** vLLM flags the program sets itself, or that would break auth or metrics (`--disable-log-stats` turns metrics off). */
export const RESERVED_VLLM_FLAGS = ["--port", "--served-model-name", "--disable-log-stats", "--api-key"] as const;
/** On the GPU cluster the program also sets these from `models[]` keys. */
export const GPU_RESERVED_VLLM_FLAGS = [...RESERVED_VLLM_FLAGS, "--max-model-len", "--gpu-memory-utilization", "--tensor-parallel-size"] as const;

/** Issues for extra `vllm serve` arguments that repeat a flag the program owns (`--flag` or `--flag=value`). */
export function reservedFlagIssues(args: readonly string[], reserved: readonly string[], key: string, ctx: z.RefinementCtx): void {
  args.forEach((arg, i) => {
    if (reserved.includes(arg.split("=")[0]))
      ctx.addIssue({ code: "custom", path: [key, i], input: arg, message: `a flag other than ${reserved.join(", ")} (set by the program, or they break auth and metrics)` });
  });
}
/** Environment variables that hold secrets: never plain `env`. */
