/**
 * "Every values leaf we set changes the rendered output", proven with few renders:
 * - Scalars (strings, numbers; inside arrays too): one render per release with every such leaf replaced by a marked
 *   value (strings get a unique `zq<i>q` suffix, numbers become 9100000+i); a leaf is read by the chart when its
 *   marker appears in the output (rendered objects, and Secret data decoded from base64). A marker that appears proves
 *   the value flows into what is applied; one that does not is a key the chart ignores.
 * - Booleans, nulls and empty objects (no marker possible): one render per leaf with it flipped (or left out); the output
 *   must differ from the render with our values (a helm error also counts as "read": only a value the templates
 *   read can make them fail).
 * - A marked leaf whose marker is missing from the batch render (markers interact: `persistence.type: pvczq1q` makes
 *   Grafana's chart render neither Deployment nor StatefulSet) is rendered alone, marked: proven if the output differs
 *   from ours.
 * So each leaf is proven by a render in which it differs from our values and the output differs too (or carries its
 * marker). Not proven: that our exact value (rather than another) is what the chart needs.
 */
import type { RenderedObject } from "../helpers/k8sSchema";

type Json = Record<string, any>;

export interface Leaf {
  path: string[];
  value: unknown;
}

/** Leaf paths of a values object: arrays and empty objects are leaves. */
export function valueLeaves(v: unknown, path: string[] = []): Leaf[] {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) return Object.entries(v).flatMap(([k, x]) => valueLeaves(x, [...path, k]));
  return [{ path, value: v }];
}

/** Strings, numbers, and arrays (an empty one gets a marked element) can carry a marker. */
const markable = (v: unknown): boolean => typeof v === "string" || typeof v === "number" || Array.isArray(v) || (v !== null && typeof v === "object" && Object.values(v).some(markable));

/** `v` with every string/number marked for leaf `i`; returns the markers used. */
function mark(v: unknown, i: number, markers: string[]): unknown {
  if (typeof v === "string") {
    const m = `zq${i}q`;
    markers.push(m);
    return `${v}${m}`;
  }
  if (typeof v === "number") {
    const m = String(9100000 + i);
    markers.push(m);
    return Number(m);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return [mark("", i, markers)];
    return v.map((x) => mark(x, i, markers));
  }
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x, i, markers)]));
  return v;
}

export function setIn(root: Json, path: string[], value: unknown): Json {
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k];
  const key = path[path.length - 1];
  if (value === undefined) delete node[key]; // key absent: the chart's default applies
  else node[key] = value;
  return copy;
}

export interface MarkedValues {
  values: Json;
  /** Each marked leaf, its markers, and our values with only that leaf marked (the fallback render). */
  markers: { leaf: Leaf; markers: string[]; alone: Json }[];
  /** Leaves proven by a flip render instead. */
  flips: { leaf: Leaf; values: Json }[];
}

export function markedValues(values: Json): MarkedValues {
  let marked = values;
  const markers: MarkedValues["markers"] = [];
  const flips: MarkedValues["flips"] = [];
  valueLeaves(values).forEach((leaf, i) => {
    if (markable(leaf.value)) {
      const ms: string[] = [];
      const v = mark(leaf.value, i, ms);
      marked = setIn(marked, leaf.path, v);
      markers.push({ leaf, markers: ms, alone: setIn(values, leaf.path, v) });
    } else
      // A boolean flipped; a null (our deletion of a chart default key) or an empty object left out: the default returns.
      flips.push({ leaf, values: setIn(values, leaf.path, typeof leaf.value === "boolean" ? !leaf.value : undefined) });
  });
  return { values: marked, markers, flips };
}

/** The text a marker is searched in: every object, plus Secret data decoded (configs live there base64-encoded). */
export function searchableText(objects: RenderedObject[]): string {
  const parts = objects.map((o) => JSON.stringify(o));
  for (const o of objects) if (o.kind === "Secret") for (const v of Object.values((o as Json).data ?? {})) parts.push(Buffer.from(String(v), "base64").toString("utf8"));
  return parts.join("\n");
}
