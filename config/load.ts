/**
 * Reads the stack's `ovh-llm:*` config through the Pulumi runtime and validates it with the one schema. This is the
 * only place that touches `pulumi.Config`; everything after it gets typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkSecretsPresent, parseConfig, PROJECT, SECRET_KEYS, SecretKey, StackConfig } from "./schema";

export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface LoadedConfig {
  config: StackConfig;
  /** Secret config values, already wrapped as Pulumi secrets. */
  secrets: StackSecrets;
}

/** Structured values arrive as JSON strings; plain strings stay strings. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function loadStackConfig(): LoadedConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix) && !(key.slice(prefix.length) in SECRET_KEYS)) raw[key.slice(prefix.length)] = decode(value);
  }
  const config = parseConfig(raw);
  const cfg = new pulumi.Config(PROJECT);
  const secrets: StackSecrets = {};
  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  checkSecretsPresent(config, new Set(Object.keys(secrets)));
  return { config, secrets };
}
