/**
 * Reads the stack's `ovh-llm:*` config through the Pulumi runtime and validates it with the one schema. This is the
 * only place that touches `pulumi.Config`; everything after it gets typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue } from "./stackFile";
import { checkSecretsPresent, ConfigError, parseConfig, PROJECT, SECRET_KEYS, SecretKey, StackConfig } from "./schema";

export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface LoadedConfig {
  config: StackConfig;
  /** Secret config values, already wrapped as Pulumi secrets. */
  secrets: StackSecrets;
}


// Which keys were set with `--secret`: exported by the SDK's runtime/config module but missing from its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** What a config error shows instead of a value set with `--secret`. */
export const REDACTED = "[secret]";

/**
 * `parseConfig`, but a problem in a value set with `--secret` (e.g. a misspelt secret key, which is then an unknown
 * key) is reported without the value: the message ends up in `pulumi up` output and CI logs.
 */
function parseRedacted(raw: Record<string, unknown>, secretKeys: ReadonlySet<string>): StackConfig {
  try {
    return parseConfig(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const topKey = (key: string) => key.split(".")[0];
    throw new ConfigError(e.issues.map((i) => (secretKeys.has(topKey(i.key)) ? { ...i, value: REDACTED } : i)));
  }
}

export function loadStackConfig(): LoadedConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix) || key.slice(prefix.length) in SECRET_KEYS) continue;
    raw[key.slice(prefix.length)] = decodeConfigValue(value);
    if (isConfigSecret(key)) secretKeys.add(key);
  }
  const config = parseRedacted(raw, secretKeys);
  const inClear = Object.keys(SECRET_KEYS).filter((k) => pulumi.runtime.allConfig()[prefix + k] !== undefined && !isConfigSecret(prefix + k));
  if (inClear.length > 0)
    throw new ConfigError(
      inClear.map((k) => ({ key: prefix + k, value: REDACTED, allowed: `a value set with --secret (it is stored in clear): pulumi config set --secret ${k} <value>` })),
    );
  const cfg = new pulumi.Config(PROJECT);
  const secrets: StackSecrets = {};
  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  checkSecretsPresent(config, new Set(Object.keys(secrets)));
  return { config, secrets };
}
