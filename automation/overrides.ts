/**
 * Typed config overrides for `deploy(env, overrides)`: a partial of the stack's raw config, merged over the stack's
 * own values and validated with the one schema before anything runs.
 */
import { ConfigError, parseConfig, PROJECT, SECRET_KEYS, StackConfig } from "../config/schema";

type DeepPartial<T> = T extends readonly (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** What a caller may override: any non-secret key, nested objects partially (arrays are replaced whole). */
export type ConfigOverrides = DeepPartial<Omit<StackConfig, keyof typeof SECRET_KEYS>>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `base` with `patch` merged in: objects merged key by key, everything else (arrays included) replaced. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const result: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) result[k] = deepMerge(base[k], v);
  return result;
}

export interface MergedConfig {
  /** The validated config the program will see. */
  config: StackConfig;
  /** The top-level `ovh-llm:` keys to write to the stack (only the ones the overrides touch), merged values. */
  changedKeys: Record<string, unknown>;
}

/**
 * Merges overrides over the stack's current project config (`ovh-llm:` keys without namespace) and validates the
 * result; throws ConfigError naming the bad keys. Secret keys cannot be overridden (use `pulumi config set --secret`).
 */
export function mergeOverrides(current: Record<string, unknown>, overrides: ConfigOverrides): MergedConfig {
  const secretOverride = Object.keys(overrides).find((k) => k in SECRET_KEYS);
  if (secretOverride)
    throw new ConfigError([{ key: `${PROJECT}:${secretOverride}`, value: "[secret]", allowed: `no override: a secret is set with pulumi config set --secret ${secretOverride}` }]);
  const merged = deepMerge(current, overrides) as Record<string, unknown>;
  const config = parseConfig(merged);
  const changedKeys = Object.fromEntries(Object.keys(overrides).map((k) => [`${PROJECT}:${k}`, merged[k]]));
  return { config, changedKeys };
}
