/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to the program, for runs without the CLI (the offline
 * plan and tests).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseConfig, PROJECT, requiredSecrets, SECRET_KEYS, SecretKey } from "./schema";

export interface StackFile {
  /** Every config key as the runtime sees it (`ns:key` → string; objects JSON-encoded). */
  allConfig: Record<string, string>;
  /** The keys of `allConfig` that hold secrets. */
  secretKeys: string[];
  /** `ovh-llm:*` values, decoded (what `parseConfig` takes). */
  projectConfig: Record<string, unknown>;
}

export const ROOT = path.resolve(__dirname, "..");

/** A config value as the runtime holds it: structured values JSON-encoded, strings as they are. */
export function encodeConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The inverse of `encodeConfigValue`: JSON when it parses as JSON, else the plain string. */
export function decodeConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function stackFilePath(stack: string, dir = ROOT): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

export function listStacks(dir = ROOT): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.([\w-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A recognisable stand-in for a secret that only exists in the user's encrypted stack config. */
export const placeholderSecret = (key: string): string => `placeholder-secret-${key}`;

/** What a stack file holds, read without the CLI: encrypted values stay encrypted and become stand-ins. */
export interface StackDocument extends StackFile {
  /** Every key the file sets, plain or encrypted (`ovh:applicationSecret`, `ovh-llm:hfToken`, ...). */
  keys: Set<string>;
}

const isEncrypted = (v: unknown): boolean => v !== null && typeof v === "object" && "secure" in (v as object);

/**
 * Reads `Pulumi.<stack>.yaml`. Values set with `pulumi config set --secret` are stored there encrypted (`secure:`),
 * and cannot be decrypted without the CLI: each gets a stand-in value, marked secret.
 */
export function readStackDocument(stack: string, dir = ROOT): StackDocument {
  const file = stackFilePath(stack, dir);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} (stacks: ${listStacks(dir).join(", ")})`);
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const allConfig: Record<string, string> = {};
  const projectConfig: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (isEncrypted(value)) {
      allConfig[key] = placeholderSecret(key.split(":").pop()!);
      secretKeys.push(key);
      continue;
    }
    allConfig[key] = encodeConfigValue(value);
    const name = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : undefined;
    if (name !== undefined && !(name in SECRET_KEYS)) projectConfig[name] = value;
  }
  return { allConfig, secretKeys, projectConfig, keys: new Set(Object.keys(doc.config ?? {})) };
}

/**
 * The stack's config as the program would get it from the CLI, for runs without it (offline plan, tests): every
 * secret the config needs but the file lacks gets a stand-in too, unless `secrets` gives a value.
 */
export function readStackFile(stack: string, secrets: Partial<Record<SecretKey, string>> = {}, dir = ROOT): StackFile {
  const { allConfig, secretKeys, projectConfig } = readStackDocument(stack, dir);
  const needed = new Set<string>([...requiredSecrets(parseConfig(projectConfig)), ...Object.keys(secrets)]);
  for (const key of needed) {
    const full = `${PROJECT}:${key}`;
    if (secrets[key as SecretKey] === undefined && secretKeys.includes(full)) continue;
    allConfig[full] = secrets[key as SecretKey] ?? placeholderSecret(key);
    if (!secretKeys.includes(full)) secretKeys.push(full);
  }
  return { allConfig, secretKeys, projectConfig };
}
