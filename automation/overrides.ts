/**
 * Typed config overrides for `deploy(env, overrides)` and `preview(env, overrides)`: a partial of the stack's raw
 * config, merged over the stack's own values and validated with the one schema before anything runs.
 */
import { ConfigError, isSecretKey, parseConfig, PROJECT, SECRET_KEYS, StackConfig } from "../config/schema";

type DeepPartial<T> = T extends readonly (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** What a caller may override: any non-secret key, nested objects partially (arrays are replaced whole). */
export type ConfigOverrides = DeepPartial<Omit<StackConfig, keyof typeof SECRET_KEYS>>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `base` with `patch` merged in: objects merged key by key (own keys only, set as own properties, so a `__proto__`
 * key stays a key and is refused by the schema), everything else (arrays included) replaced.
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) Object.defineProperty(result, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(patch)) {
    const merged = deepMerge(Object.hasOwn(base, k) ? base[k] : undefined, v);
    Object.defineProperty(result, k, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

export interface MergedConfig {
  /** The validated config the program will see. */
  config: StackConfig;
  /** The top-level `ovh-llm:` keys the overrides touch (full keys), with their merged values. */
  changedKeys: Record<string, unknown>;
}

/**
 * Merges overrides over the stack's current project config (`ovh-llm:` keys without namespace) and validates the
 * result; throws the schema's ConfigError naming the bad keys. Secret keys cannot be overridden (use
 * `pulumi config set --secret`).
 */
export function mergeOverrides(current: Record<string, unknown>, overrides: ConfigOverrides): MergedConfig {
  const secretOverride = Object.keys(overrides).find(isSecretKey);
  if (secretOverride)
    throw new ConfigError([{ key: `${PROJECT}:${secretOverride}`, value: "[secret]", allowed: `no override: a secret is set with pulumi config set --secret ${secretOverride}` }]);
  const merged = deepMerge(current, overrides) as Record<string, unknown>;
  const config = parseConfig(merged);
  const changedKeys = Object.fromEntries(Object.keys(overrides).map((k) => [`${PROJECT}:${k}`, merged[k]]));
  return { config, changedKeys };
}
