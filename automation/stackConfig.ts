/**
 * The stack's settings as committed in Pulumi.<env>.yaml, read without the CLI so overrides and credentials are
 * checked before anything runs. Encrypted (`secure:`) values are not decrypted: only their keys are reported.
 */
import { listStacks, readStackDocument } from "../config/stackFile";
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
  const { projectConfig, keys } = readStackDocument(env);
  return { projectConfig, keys };
}
