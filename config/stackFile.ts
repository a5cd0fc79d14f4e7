/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to the program, for runs without the CLI (the offline
 * plan and tests). Secret keys are never in these files, so a stand-in value is supplied for each secret the
 * config needs and marked secret, which is what `pulumi config set --secret` gives the program.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseConfig, PROJECT, requiredSecrets, SecretKey } from "./schema";

export interface StackFile {
  /** Every config key as the runtime sees it (`ns:key` → string; objects JSON-encoded). */
  allConfig: Record<string, string>;
  /** The keys of `allConfig` that hold secrets. */
  secretKeys: string[];
  /** `ovh-llm:*` values, decoded (what `parseConfig` takes). */
  projectConfig: Record<string, unknown>;
}

export const ROOT = path.resolve(__dirname, "..");

export function stackFilePath(stack: string): string {
  return path.join(ROOT, `Pulumi.${stack}.yaml`);
}

export function listStacks(): string[] {
  return fs
    .readdirSync(ROOT)
    .map((f) => /^Pulumi\.([\w-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A recognisable stand-in for a secret that only exists in the user's encrypted stack config. */
export const placeholderSecret = (key: string): string => `placeholder-secret-${key}`;

export function readStackFile(stack: string, secrets: Partial<Record<SecretKey, string>> = {}): StackFile {
  const file = stackFilePath(stack);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} (stacks: ${listStacks().join(", ")})`);
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const allConfig: Record<string, string> = {};
  const projectConfig: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in (value as object)) {
      throw new Error(`${path.basename(file)}: ${key} is an encrypted value; the offline plan cannot decrypt it`);
    }
    allConfig[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (key.startsWith(`${PROJECT}:`)) projectConfig[key.slice(PROJECT.length + 1)] = value;
  }
  const needed = new Set<string>([...requiredSecrets(parseConfig(projectConfig)), ...Object.keys(secrets)]);
  for (const key of needed) {
    allConfig[`${PROJECT}:${key}`] = secrets[key as SecretKey] ?? placeholderSecret(key);
    secretKeys.push(`${PROJECT}:${key}`);
  }
  return { allConfig, secretKeys, projectConfig };
}
