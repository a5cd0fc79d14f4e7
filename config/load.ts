/**
 * Reads the stack's `ovh-llm:*` config through the Pulumi runtime and validates it with the one schema. This is the
 * only place that touches `pulumi.Config`; everything after it gets typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { validateRuntimeConfig } from "./runtime";
import { PROJECT, SECRET_KEYS, SecretKey, StackConfig } from "./schema";

export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface LoadedConfig {
  config: StackConfig;
  /** Secret config values, already wrapped as Pulumi secrets. */
  secrets: StackSecrets;
}

// Which keys were set with `--secret`: exported by the SDK's runtime/config module but missing from its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export function loadStackConfig(): LoadedConfig {
  const config = validateRuntimeConfig(pulumi.runtime.allConfig(), isConfigSecret);
  const cfg = new pulumi.Config(PROJECT);
  const secrets: StackSecrets = {};
  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  return { config, secrets };
}
