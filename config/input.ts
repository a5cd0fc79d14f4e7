/**
 * Checks on raw config input before any schema sees it, wherever it comes from (a stack file, the Pulumi CLI,
 * `plan --config`, an automation override): only plain data (text, finite numbers, booleans, lists, maps), bounded
 * in depth and size, printable text, no credentials in clear, no `__proto__` key. A walk that stops at the first
 * budget overrun, so a value built from YAML aliases (a DAG that expands to billions of nodes) costs what the budget
 * allows and no more.
 */
import { credentialHome, findCredential } from "./formats/credentials";

export const INPUT_LIMITS = {
  /** Nesting of maps and lists (the schema's deepest key is 6 levels down). */
  depth: 16,
  /** Values in all, aliases counted as often as they are expanded. */
  nodes: 20_000,
  /** Characters in all strings. */
  chars: 1 << 20,
  /** Characters in one string (the longest legitimate value is a vLLM argument). */
  stringLength: 16_384,
} as const;

/** Shown instead of a value that is not printed (it may be a secret, or too big to print). */
export const NOT_SHOWN = "[redacted]";

export interface InputIssue {
  path: (string | number)[];
  value: unknown;
  allowed: string;
}

/**
 * Text that displays as what it is: no control characters (line breaks, CR, NUL, ESC), no invalid UTF-8 (decoded
 * as U+FFFD) or lone surrogates, no bidirectional overrides (which make text display as something else).
 */
const UNPRINTABLE = /[\p{Cc}\uFFFD\u202A-\u202E\u2066-\u2069]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PRINTABLE_TEXT = "printable text (no control characters or line breaks, no invalid UTF-8, no bidirectional overrides)";

function textProblem(value: string): string | undefined {
  return UNPRINTABLE.test(value) || LONE_SURROGATE.test(value) ? PRINTABLE_TEXT : undefined;
}

function stringProblem(v: string): string | undefined {
  if (v.length > INPUT_LIMITS.stringLength) return `a string of at most ${INPUT_LIMITS.stringLength} characters`;
  const credential = findCredential(v);
  return textProblem(v) ?? (credential ? credentialHome(credential) : undefined);
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

export interface InputReport {
  issues: InputIssue[];
  /** A size or depth budget ran out: the input is too big to validate further (reported at its top-level key). */
  exceeded: boolean;
}

/** Every problem of `root` (paths relative to it), stopping early when a budget runs out. */
export function inspectInput(root: unknown): InputReport {
  const issues: InputIssue[] = [];
  const budget = { nodes: INPUT_LIMITS.nodes, chars: INPUT_LIMITS.chars };
  let exceeded = false;
  // Strings repeat (a YAML alias repeats the same ones): each distinct string is checked once.
  const verdicts = new Map<string, string | undefined>();
  const visit = (v: unknown, at: (string | number)[]): void => {
    if (exceeded) return;
    if (--budget.nodes < 0 || at.length > INPUT_LIMITS.depth) {
      exceeded = true;
      issues.push({ path: at.slice(0, 1), value: NOT_SHOWN, allowed: `a config of at most ${INPUT_LIMITS.nodes} values nested at most ${INPUT_LIMITS.depth} deep (YAML aliases count each time they are used)` });
      return;
    }
    if (typeof v === "string") {
      // An over-long string is one problem of its own; only its allowed length counts against the total.
      budget.chars -= Math.min(v.length, INPUT_LIMITS.stringLength + 1);
      if (budget.chars < 0) {
        exceeded = true;
        issues.push({ path: at.slice(0, 1), value: NOT_SHOWN, allowed: `a config of at most ${INPUT_LIMITS.chars} characters of text (YAML aliases count each time they are used)` });
        return;
      }
      if (!verdicts.has(v)) verdicts.set(v, stringProblem(v));
      const problem = verdicts.get(v);
      if (problem) issues.push({ path: at, value: v, allowed: problem });
      return;
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) issues.push({ path: at, value: String(v), allowed: "a finite number" });
      return;
    }
    if (v === null || typeof v === "boolean") return;
    if (typeof v !== "object" || !(Array.isArray(v) || isPlainObject(v))) {
      issues.push({ path: at, value: Object.prototype.toString.call(v), allowed: "plain data: text, a number, true/false, a list or a map" });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...at, i]));
      return;
    }
    for (const key of Object.keys(v)) {
      const value = (v as Record<string, unknown>)[key];
      if (key === "__proto__") {
        issues.push({ path: [...at, key], value: NOT_SHOWN, allowed: "a key other than __proto__ (JavaScript would take it for the object's prototype)" });
        continue;
      }
      const keyProblem = key.length > 256 ? "a key of at most 256 characters" : textProblem(key);
      if (keyProblem) {
        issues.push({ path: [...at, key.slice(0, 64)], value: NOT_SHOWN, allowed: `a key of ${keyProblem}` });
        continue;
      }
      visit(value, [...at, key]);
    }
  };
  visit(root, []);
  return { issues, exceeded };
}

/** An own property of a plain object (never one inherited from Object.prototype, such as `toString`). */
export function ownValue(obj: unknown, key: PropertyKey): unknown {
  return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<PropertyKey, unknown>)[key] : undefined;
}

/**
 * A bounded JSON preview of a value for messages: at most `max` characters, computed without expanding more than
 * a few hundred nodes (a value shared a billion times through YAML aliases previews as fast as a small one).
 */
export function previewValue(value: unknown, max = 80): string {
  let nodes = 200;
  let out = "";
  const write = (s: string) => {
    out += s;
    return out.length <= max;
  };
  const walk = (v: unknown): boolean => {
    if (--nodes < 0) return write("…") && false;
    if (Array.isArray(v)) {
      if (!write("[")) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !write(",")) || !walk(v[i])) return false;
      return write("]");
    }
    if (v !== null && typeof v === "object") {
      if (!write("{")) return false;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        if ((i > 0 && !write(",")) || !write(`${JSON.stringify(keys[i].slice(0, max))}:`) || !walk((v as Record<string, unknown>)[keys[i]])) return false;
      }
      return write("}");
    }
    return write(typeof v === "string" ? JSON.stringify(v.slice(0, max + 1)) : String(JSON.stringify(v) ?? v));
  };
  walk(value);
  return out.length > max ? `${out.slice(0, max - 3)}...` : out;
}
