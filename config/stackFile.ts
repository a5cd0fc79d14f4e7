/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to the program, for runs without the CLI (the offline
 * plan, the automation module's checks, tests). A file that is not a stack file fails with one line naming the file,
 * line and column: not UTF-8, not YAML, not a map of `namespace:key` settings, or YAML aliases that expand beyond
 * the input budget (config/input.ts; js-yaml 4 shares aliased nodes instead of copying them, so the budget is
 * counted here, before anything serialises the value).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { INPUT_LIMITS, inspectInput, ownValue } from "./input";
import { isSecretKey, parseConfig, PROJECT, requiredSecrets, SecretKey } from "./schema";

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

const isEncrypted = (v: unknown): boolean => v !== null && typeof v === "object" && typeof ownValue(v, "secure") === "string";

/** A stack file that cannot be read as one; the message is one line: `<file>[:line:column]: <what>`. */
export class StackFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly position?: { line: number; column: number },
  ) {
    super(`${path.basename(file)}${position ? `:${position.line}:${position.column}` : ""}: ${reason}`);
    this.name = "StackFileError";
  }
}

/** Stack files are a few KB; anything this big is not one. */
export const MAX_STACK_FILE_BYTES = 1 << 20;

/** YAML 1.2 core types (as the Pulumi CLI's YAML reader), plus merge keys (`<<: *base`); no timestamps, binary or sets. */
// `types` is exported by js-yaml 4 but missing from @types/js-yaml 4.0.9.
export const STACK_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

/** Line and column (1-based) of a UTF-16 offset. */
function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function decodeUtf8(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Where the first bad byte is: the longest prefix that still decodes (the position of the replacement character).
    const lenient = new TextDecoder("utf-8").decode(bytes);
    throw new StackFileError(file, "not valid UTF-8 (save the file as UTF-8)", positionAt(lenient, lenient.indexOf("\uFFFD")));
  }
}

/** The YAML document of a stack file, checked to be a map with a `config` map of bounded size. */
function loadStackYaml(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new StackFileError(file, "no such file");
  const size = fs.statSync(file).size;
  if (size > MAX_STACK_FILE_BYTES) throw new StackFileError(file, `${size} bytes: a stack file has at most ${MAX_STACK_FILE_BYTES}`);
  const text = decodeUtf8(file, fs.readFileSync(file));
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: path.basename(file), schema: STACK_YAML_SCHEMA });
  } catch (e) {
    if (!(e instanceof yaml.YAMLException)) throw e;
    throw new StackFileError(file, `invalid YAML: ${e.reason}`, e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : undefined);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new StackFileError(file, "a stack file is a YAML map (config:, encryptionsalt:, ...)");
  const config = ownValue(doc, "config");
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config)))
    throw new StackFileError(file, "config: is a map of <namespace>:<key> settings", positionAt(text, Math.max(0, text.search(/^config:/m))));
  const report = inspectInput(config ?? {});
  if (report.exceeded) {
    const key = String(report.issues[report.issues.length - 1].path[0] ?? "config");
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const at = text.search(new RegExp(`(?<=^[ \\t]*)['"]?${escaped}['"]?[ \\t]*:`, "m"));
    throw new StackFileError(
      file,
      `${key} is too big: more than ${INPUT_LIMITS.nodes} values, ${INPUT_LIMITS.chars} characters or ${INPUT_LIMITS.depth} levels once YAML aliases are expanded (refused before expanding them)`,
      at >= 0 ? positionAt(text, at) : undefined,
    );
  }
  return doc as Record<string, unknown>;
}

/**
 * Reads `Pulumi.<stack>.yaml`. Values set with `pulumi config set --secret` are stored there encrypted (`secure:`),
 * and cannot be decrypted without the CLI: each gets a stand-in value, marked secret.
 */
export function readStackDocument(stack: string, dir = ROOT): StackDocument {
  const file = stackFilePath(stack, dir);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} (stacks: ${listStacks(dir).join(", ")})`);
  return readStackDocumentAt(file);
}

/** `readStackDocument` of a file at any path (`plan --config-file`). */
export function readStackDocumentAt(file: string): StackDocument {
  const doc = loadStackYaml(file);
  const config = (ownValue(doc, "config") ?? {}) as Record<string, unknown>;
  const allConfig: Record<string, string> = {};
  const projectConfig: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isEncrypted(value)) {
      allConfig[key] = placeholderSecret(key.split(":").pop()!);
      secretKeys.push(key);
      continue;
    }
    allConfig[key] = encodeConfigValue(value);
    const name = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : undefined;
    if (name !== undefined && !isSecretKey(name)) Object.defineProperty(projectConfig, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { allConfig, secretKeys, projectConfig, keys: new Set(Object.keys(config)) };
}

/**
 * The stack's config as the program would get it from the CLI, for runs without it (offline plan, tests): every
 * secret the config needs but the file lacks gets a stand-in too, unless `secrets` gives a value.
 */
export function readStackFile(stack: string, secrets: Partial<Record<SecretKey, string>> = {}, dir = ROOT): StackFile {
  return withSecretStandIns(readStackDocument(stack, dir), secrets);
}

/** `readStackFile` of a file at any path (`plan --config-file`). */
export function readStackFileAt(file: string, secrets: Partial<Record<SecretKey, string>> = {}): StackFile {
  return withSecretStandIns(readStackDocumentAt(file), secrets);
}

function withSecretStandIns({ allConfig, secretKeys, projectConfig }: StackDocument, secrets: Partial<Record<SecretKey, string>>): StackFile {
  const needed = new Set<string>([...requiredSecrets(parseConfig(projectConfig)), ...Object.keys(secrets)]);
  for (const key of needed) {
    const full = `${PROJECT}:${key}`;
    if (secrets[key as SecretKey] === undefined && secretKeys.includes(full)) continue;
    allConfig[full] = secrets[key as SecretKey] ?? placeholderSecret(key);
    if (!secretKeys.includes(full)) secretKeys.push(full);
  }
  return { allConfig, secretKeys, projectConfig };
}
