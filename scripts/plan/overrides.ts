/**
 * `--config key=value` for the offline plan, like `pulumi preview --config-path`: `ovh-llm:aiDeploy.gpu=2` sets a
 * path inside a structured key. Values are JSON when they parse as JSON (numbers, booleans, objects), else strings.
 */
import { decodeConfigValue, encodeConfigValue } from "../../config/stackFile";

export interface ConfigOverride {
  /** Full key with namespace and optional dotted path: `ovh-llm:monitoring.retention`. */
  key: string;
  value: unknown;
}

export function parseOverride(arg: string): ConfigOverride {
  const eq = arg.indexOf("=");
  const key = eq > 0 ? arg.slice(0, eq) : "";
  if (!/^[\w-]+:[\w-]+(\.[\w-]+)*$/.test(key)) throw new Error(`--config expects <namespace:key[.path]>=<value>, got "${arg}"`);
  // Not JSON: a plain string, as `pulumi config set` stores it.
  return { key, value: decodeConfigValue(arg.slice(eq + 1)) };
}


/** A copy of `allConfig` (runtime form: objects JSON-encoded) with the overrides applied in order. */
export function applyOverrides(allConfig: Record<string, string>, overrides: ConfigOverride[]): Record<string, string> {
  const result = { ...allConfig };
  for (const { key, value } of overrides) {
    const [top, ...path] = key.split(".");
    let root: unknown = value;
    if (path.length > 0) {
      const current = result[top] === undefined ? undefined : decodeConfigValue(result[top]);
      root = current !== null && typeof current === "object" ? structuredClone(current) : {};
      let node = root as Record<string, unknown>;
      for (const segment of path.slice(0, -1)) {
        if (node[segment] === null || typeof node[segment] !== "object") node[segment] = {};
        node = node[segment] as Record<string, unknown>;
      }
      node[path[path.length - 1]] = value;
    }
    result[top] = encodeConfigValue(root);
  }
  return result;
}
