/**
 * `--config key=value` for the offline plan, like `pulumi preview --config-path`: `ovh-llm:aiDeploy.gpu=2` sets a
 * path inside a structured key. Values are JSON when they parse as JSON (numbers, booleans, objects), else strings.
 * A path never walks into an object's prototype: `__proto__`, `constructor` and `prototype` segments are refused,
 * and only own properties are followed.
 */
import { decodeConfigValue, encodeConfigValue } from "../../config/stackFile";

export interface ConfigOverride {
  /** Full key with namespace and optional dotted path: `ovh-llm:monitoring.retention`. */
  key: string;
  value: unknown;
}

/** Path segments that name JavaScript's object machinery, not config. */
export const FORBIDDEN_SEGMENTS = ["__proto__", "constructor", "prototype"] as const;
/** Longer than any config value (the schema's string limit is 16 KiB). */
export const MAX_OVERRIDE_LENGTH = 65_536;

/** A `--config` argument that is not `<namespace:key[.path]>=<value>`; the message quotes at most the key. */
export class OverrideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OverrideError";
  }
}

export function parseOverride(arg: string): ConfigOverride {
  const eq = arg.indexOf("=");
  const key = eq > 0 ? arg.slice(0, eq) : "";
  // The value is never quoted back: it may be a secret typed into the wrong flag.
  if (!/^[\w-]+:[\w-]+(\.[\w-]+)*$/.test(key)) throw new OverrideError(`--config expects <namespace:key[.path]>=<value>${key ? `, got key "${key.slice(0, 100)}"` : ""}`);
  const segments = key.split(":")[1].split(".");
  const forbidden = segments.find((s) => (FORBIDDEN_SEGMENTS as readonly string[]).includes(s));
  if (forbidden) throw new OverrideError(`--config ${key}: "${forbidden}" is not a config key (JavaScript object machinery; refused so it cannot reach the prototype)`);
  if (arg.length - eq - 1 > MAX_OVERRIDE_LENGTH) throw new OverrideError(`--config ${key}: a value of at most ${MAX_OVERRIDE_LENGTH} characters`);
  // Not JSON: a plain string, as `pulumi config set` stores it.
  return { key, value: decodeConfigValue(arg.slice(eq + 1)) };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
const setOwn = (obj: Record<string, unknown>, key: string, value: unknown) => Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });

/** A copy of `allConfig` (runtime form: objects JSON-encoded) with the overrides applied in order. */
export function applyOverrides(allConfig: Record<string, string>, overrides: ConfigOverride[]): Record<string, string> {
  const result = { ...allConfig };
  for (const { key, value } of overrides) {
    const [top, ...path] = key.split(".");
    let root: unknown = value;
    if (path.length > 0) {
      const current = Object.hasOwn(result, top) ? decodeConfigValue(result[top]) : undefined;
      root = isObject(current) ? structuredClone(current) : {};
      let node = root as Record<string, unknown>;
      for (const segment of path.slice(0, -1)) {
        const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
        if (!isObject(next)) setOwn(node, segment, {});
        node = node[segment] as Record<string, unknown>;
      }
      setOwn(node, path[path.length - 1], value);
    }
    result[top] = encodeConfigValue(root);
  }
  return result;
}
