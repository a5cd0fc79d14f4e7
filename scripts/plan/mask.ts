/**
 * Masking for everything the plan prints or writes: secret envelopes (what the engine sees for `pulumi.secret`
 * values) become `[secret]`, as do the values of Kubernetes Secret objects, which are secret by nature.
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope } from "./mockRecorder";

export const MASK = "[secret]";

/** A plain-JSON copy of `v` with every secret replaced by `[secret]` and resource references by `[resource]`. */
export function maskSecrets(v: unknown): unknown {
  if (isSecretEnvelope(v)) return MASK;
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (pulumi.Resource.isInstance(v)) return "[resource]";
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x)]));
  return v;
}

/** A Kubernetes object with the values of `data`/`stringData` masked when it is a Secret. */
export function maskKubernetesSecret(obj: Record<string, unknown>): Record<string, unknown> {
  if (obj.kind !== "Secret") return obj;
  const masked = { ...obj };
  for (const field of ["data", "stringData"]) {
    const data = obj[field];
    if (data !== null && typeof data === "object") masked[field] = Object.fromEntries(Object.keys(data).map((k) => [k, MASK]));
    else if (data !== undefined) masked[field] = MASK;
  }
  return masked;
}

/** `v` with object keys sorted recursively, so the JSON/YAML written is stable across runs. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
