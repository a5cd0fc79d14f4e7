/**
 * Custom resources validated against the CRDs the pinned charts ship (rendered with `helm template --include-crds`:
 * kube-prometheus-stack's monitoring.coreos.com CRDs, Envoy Gateway's Gateway API + gateway.envoyproxy.io CRDs, KEDA's
 * keda.sh CRDs, cert-manager's when `crds.enabled`), as the API server's structural schema would: every object schema
 * that declares `properties` is closed (unknown fields refused, where the API server would prune them silently)
 * unless it has `x-kubernetes-preserve-unknown-fields` or `additionalProperties`. `x-kubernetes-int-or-string` is
 * honoured; CEL rules (`x-kubernetes-validations`) and formats are not checked.
 */
import Ajv, { type ValidateFunction } from "ajv";
import type { RenderedObject } from "../helpers/k8sSchema";

type Schema = Record<string, any>;

/** The structural schema as JSON schema: closed objects, int-or-string as a type union, Kubernetes keywords dropped. */
export function structural(s: Schema): Schema {
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith("x-kubernetes-") || k === "format") continue;
    if (k === "properties") out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, sub]) => [p, structural(sub as Schema)]));
    else if (k === "items" || k === "additionalProperties" || k === "not") out[k] = typeof v === "object" ? structural(v as Schema) : v;
    else if (k === "allOf" || k === "anyOf" || k === "oneOf") out[k] = (v as Schema[]).map(structural);
    else out[k] = v;
  }
  if (s["x-kubernetes-int-or-string"]) {
    // CRDs spell it `anyOf: [{type: integer}, {type: string}]` plus the marker.
    delete out.anyOf;
    out.type = ["integer", "string"];
  }
  // anyOf/oneOf branches in CRDs only restate required fields or types of declared properties.
  if (out.properties && !s["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * CRD patterns are Go RE2: a leading `(?i)` group flag becomes JS's `i` flag. A pattern JS still cannot compile is
 * not checked (matches anything) rather than failing the compile of the whole CRD.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  const insensitive = pattern.includes("(?i)");
  const source = pattern.replace(/\(\?i\)/g, "");
  try {
    return new RegExp(source, insensitive ? `${flags}i` : flags);
  } catch {
    return /[\s\S]*/;
  }
}
goRegExp.code = 'new RegExp';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
/** Compiled pruned schemas by their text: equal objects (dev and prod) compile once. */
const compiledSchemas = new Map<string, ValidateFunction>();

/** One value holding every key any of `values` has, at every depth (what pruning needs to know). */
function union(values: unknown[]): unknown {
  const objects = values.filter((v) => v !== null && typeof v === "object" && !Array.isArray(v)) as Schema[];
  const arrays = values.filter(Array.isArray) as unknown[][];
  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    return Object.fromEntries(keys.map((k) => [k, union(objects.filter((o) => k in o).map((o) => o[k]))]));
  }
  if (arrays.length > 0) return arrays.flat();
  return values[0];
}

/**
 * The schema cut down to what `value` reaches: a property the value does not have keeps its name (the object stays
 * closed over the same names) with an empty schema. Validating `value` against it gives the same result as against
 * the whole schema, and compiling it costs a fraction of the full CRD (the Prometheus CRD alone is ~1 s).
 */
export function prune(s: Schema, value: unknown): Schema {
  if (s === null || typeof s !== "object") return s;
  const out: Schema = { ...s };
  const obj = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Schema) : undefined;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties as Schema).map(([k, sub]) => [k, obj && k in obj ? prune(sub as Schema, obj[k]) : {}]));
  if (s.items && typeof s.items === "object") out.items = Array.isArray(value) && value.length > 0 ? prune(s.items as Schema, union(value)) : {};
  if (s.additionalProperties && typeof s.additionalProperties === "object") {
    const extra = obj ? Object.keys(obj).filter((k) => !(k in (s.properties ?? {}))).map((k) => obj[k]) : [];
    out.additionalProperties = extra.length > 0 ? prune(s.additionalProperties as Schema, union(extra)) : {};
  }
  for (const k of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(s[k])) out[k] = (s[k] as Schema[]).map((b) => prune(b, value));
  return out;
}

export class CrdRegistry {
  private readonly raw = new Map<string, Schema>();
  private readonly schemas = new Map<string, Schema>();
  /** `group/version` served by the CRDs. */
  readonly served = new Set<string>();

  add(crd: RenderedObject): void {
    const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Schema } }[] };
    for (const v of spec.versions) {
      if (!v.served) continue;
      const key = `${spec.group}/${v.name}/${spec.names.kind}`;
      this.served.add(`${spec.group}/${v.name}`);
      if (this.raw.has(key) || !v.schema) continue;
      this.raw.set(key, v.schema.openAPIV3Schema);
    }
  }

  has(obj: RenderedObject): boolean {
    return this.raw.has(`${obj.apiVersion}/${obj.kind}`);
  }

  get size(): number {
    return this.raw.size;
  }

  /** The structural schema of a kind, converted on first use (most CRDs validate no object of ours). */
  private structuralOf(key: string): Schema | undefined {
    if (!this.schemas.has(key) && this.raw.has(key)) {
      const schema = structural(this.raw.get(key)!);
      // apiVersion/kind/metadata are the API server's; metadata is checked by its own rules (not here).
      schema.properties = { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
      this.schemas.set(key, schema);
    }
    return this.schemas.get(key);
  }

  private compiled(key: string, value: unknown): ValidateFunction | undefined {
    const schema = this.structuralOf(key);
    if (!schema) return undefined;
    const pruned = prune(schema, value);
    const memo = JSON.stringify(pruned);
    if (!compiledSchemas.has(memo)) compiledSchemas.set(memo, ajv.compile(pruned));
    return compiledSchemas.get(memo);
  }

  /** Problems of `obj` against its CRD schema (throws when no CRD serves its kind). */
  problems(obj: RenderedObject): string[] {
    const plain = JSON.parse(JSON.stringify(obj));
    const validate = this.compiled(`${obj.apiVersion}/${obj.kind}`, plain);
    if (!validate) throw new Error(`no CRD rendered for ${obj.apiVersion}/${obj.kind}`);
    if (validate(plain)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ""}`);
  }
}
