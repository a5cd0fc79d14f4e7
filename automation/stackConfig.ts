/**
 * The stack's settings as committed in Pulumi.<env>.yaml, read without the CLI so overrides and credentials are
 * checked before anything runs. Encrypted (`secure:`) values are not decrypted: only their keys are reported.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import { PROJECT, SECRET_KEYS } from "../config/schema";
import { listStacks, stackFilePath } from "../config/stackFile";
import { StackNotFoundError } from "./errors";

export interface CommittedStackConfig {
  /** `ovh-llm:` keys without namespace, secrets left out (what parseConfig takes). */
  projectConfig: Record<string, unknown>;
  /** Every key set in the file, plain or encrypted (`ovh:applicationSecret`, ...). */
  keys: Set<string>;
}

export function readCommittedConfig(env: string): CommittedStackConfig {
  const stacks = listStacks();
  if (!stacks.includes(env)) throw new StackNotFoundError(`unknown stack "${env}": no Pulumi.${env}.yaml (stacks: ${stacks.join(", ") || "none"})`);
  const doc = (yaml.load(fs.readFileSync(stackFilePath(env), "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config = doc.config ?? {};
  const projectConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const name = key.slice(PROJECT.length + 1);
    if (name in SECRET_KEYS || (value !== null && typeof value === "object" && "secure" in value)) continue;
    projectConfig[name] = value;
  }
  return { projectConfig, keys: new Set(Object.keys(config)) };
}
