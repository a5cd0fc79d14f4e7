/** The resource tree as text: one line per resource, children indented under their parent, sorted for diffs. */
import type { PlannedResource } from "./model";

const MAX_VALUE = 48;
const MAX_KEYS = 6;

function scalar(v: unknown): string | undefined {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v !== "string") return undefined;
  if (v.includes("\n")) return `<${v.split("\n").length} lines>`;
  return v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE - 1)}…` : v;
}

/** The few inputs that identify a resource: a Kubernetes object's kind/namespace/name, else top-level scalars. */
export function keyInputs(r: PlannedResource): string {
  const i = r.inputs;
  const meta = (i.metadata ?? {}) as Record<string, unknown>;
  if (typeof i.kind === "string" && !r.type.startsWith("kubernetes:helm.sh/")) {
    const ns = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
    return `${i.kind} ${ns}${scalar(meta.name) ?? "(auto-named)"}`;
  }
  return Object.keys(i)
    .sort()
    .map((k) => [k, scalar(i[k])] as const)
    .filter((kv): kv is readonly [string, string] => kv[1] !== undefined)
    .slice(0, MAX_KEYS)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

const byTypeThenName = (a: PlannedResource, b: PlannedResource) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name);

export function renderTree(resources: PlannedResource[]): string {
  const urns = new Set(resources.map((r) => r.urn));
  const children = new Map<string, PlannedResource[]>();
  for (const r of resources) {
    const key = r.parent && urns.has(r.parent) ? r.parent : "";
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const r of [...(children.get(parent) ?? [])].sort(byTypeThenName)) {
      const summary = keyInputs(r);
      lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "●"} ${r.type} ${r.name}${summary ? `  [${summary}]` : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n") + "\n";
}
