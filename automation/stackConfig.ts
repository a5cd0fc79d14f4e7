/**
 * The stack's settings as committed in Pulumi.<env>.yaml, read without the CLI so overrides and credentials are
 * checked before anything runs, and the copy of that file an operation runs with when it has overrides. Encrypted
 * (`secure:`) values are not decrypted: only their keys are reported, and the copy keeps them (and the file's
 * encryption salt) as they are.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { listStacks, readStackDocument, STACK_YAML_SCHEMA, stackFilePath } from "../config/stackFile";
import { StackNotFoundError } from "./errors";

export interface CommittedStackConfig {
  /** `ovh-llm:` keys without namespace, secrets left out (what parseConfig takes). */
  projectConfig: Record<string, unknown>;
  /** Every key set in the file, plain or encrypted (`ovh:applicationSecret`, ...). */
  keys: Set<string>;
}

export function readCommittedConfig(env: string, workDir: string): CommittedStackConfig {
  const stacks = listStacks(workDir);
  if (!stacks.includes(env)) throw new StackNotFoundError(`unknown stack "${env}": no Pulumi.${env}.yaml in ${workDir} (stacks: ${stacks.join(", ") || "none"})`);
  const { projectConfig, keys } = readStackDocument(env, workDir);
  return { projectConfig, keys };
}

/** A stack file to run one operation with, removed by `dispose` (always call it). */
export interface StackFileCopy {
  path: string;
  dispose(): void;
}

/**
 * Pulumi.<env>.yaml with `values` (full `ovh-llm:` keys → merged values) set, in a private temp directory: what
 * `--config-file` runs with, so a failed or cancelled operation leaves the real file untouched. Read after the stack
 * is opened, so it has the encryption salt a new stack just got.
 */
export function stackFileWithValues(env: string, workDir: string, values: Record<string, unknown>): StackFileCopy {
  const doc = (yaml.load(fs.readFileSync(stackFilePath(env, workDir), "utf8"), { schema: STACK_YAML_SCHEMA }) ?? {}) as Record<string, unknown>;
  const config = { ...((doc.config ?? {}) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(values)) Object.defineProperty(config, key, { value, enumerable: true, writable: true, configurable: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ovh-llm-${env}-`));
  const file = path.join(dir, `Pulumi.${env}.yaml`);
  fs.writeFileSync(file, yaml.dump({ ...doc, config }, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
  return { path: file, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
