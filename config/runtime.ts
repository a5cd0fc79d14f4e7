/**
 * The stack config as the Pulumi runtime holds it (`ns:key` → string, structured values JSON-encoded, some keys
 * secret), validated: the one check `pulumi up` (config/load.ts) and the offline plan (scripts/plan) both run. Pure
 * and light (no Pulumi SDK), so the plan refuses bad config before it loads the program.
 */
import { checkSecretsPresent, ConfigError, configKey, isSecretKey, parseConfig, PROJECT, SECRET_KEYS, StackConfig } from "./schema";
import { decodeConfigValue } from "./stackFile";

/** What a config error shows instead of a value set with `--secret`. */
export const SECRET_SHOWN = "[secret]";

/**
 * `parseConfig`, but a problem in a value set with `--secret` (e.g. a misspelt secret key, which is then an unknown
 * key) is reported without the value: the message ends up in `pulumi up` output and CI logs.
 */
function parseRedacted(raw: Record<string, unknown>, isSecret: (key: string) => boolean): StackConfig {
  try {
    return parseConfig(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const secretRoots = Object.keys(raw)
      .filter((name) => isSecret(`${PROJECT}:${name}`))
      .map((name) => configKey([name]));
    const underSecret = (key: string) => secretRoots.some((root) => key === root || key.startsWith(`${root}.`));
    throw new ConfigError(e.issues.map((i) => (underSecret(i.key) ? { ...i, value: SECRET_SHOWN } : i)));
  }
}

/**
 * Validates the runtime config: the `ovh-llm:` keys by the schema, secret keys only if set with `--secret`, and
 * every secret the enabled parts need present. Throws ConfigError.
 */
export function validateRuntimeConfig(allConfig: Record<string, string>, isSecret: (key: string) => boolean): StackConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(allConfig)) {
    const name = key.slice(prefix.length);
    if (!key.startsWith(prefix) || isSecretKey(name)) continue;
    // defineProperty: a key named `__proto__` stays a key (and is refused by name), it does not become the prototype.
    Object.defineProperty(raw, name, { value: decodeConfigValue(value), enumerable: true, writable: true, configurable: true });
  }
  const config = parseRedacted(raw, isSecret);
  const secretKeys = Object.keys(SECRET_KEYS);
  const inClear = secretKeys.filter((k) => allConfig[prefix + k] !== undefined && !isSecret(prefix + k));
  if (inClear.length > 0)
    throw new ConfigError(
      inClear.map((k) => ({ key: prefix + k, value: SECRET_SHOWN, allowed: `a value set with --secret (it is stored in clear): pulumi config set --secret ${k} <value>` })),
    );
  checkSecretsPresent(config, new Set(secretKeys.filter((k) => allConfig[prefix + k] !== undefined)));
  return config;
}
