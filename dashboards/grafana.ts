/**
 * A small typed builder for Grafana dashboard JSON models. The output loads both through the kube-prometheus-stack
 * sidecar (ConfigMap labelled `grafana_dashboard: "1"`) and through manual import: the Prometheus datasource is a
 * `${datasource}` template variable, so no `__inputs` section is needed.
 */

/** Grafana JSON schema version we emit; newer Grafana (13.x) migrates it on load. */
export const SCHEMA_VERSION = 39;

export const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

export interface QuerySpec {
  /** PromQL; may use `$__rate_interval` and the dashboard's variables (`$model`, ...). */
  expr: string;
  legend?: string;
  /** Table panels read instant vectors. */
  instant?: boolean;
  format?: "time_series" | "table" | "heatmap";
}

export type PanelType = "timeseries" | "stat" | "gauge" | "table" | "heatmap";

export interface PanelSpec {
  title: string;
  type: PanelType;
  queries: QuerySpec[];
  description?: string;
  /** Grafana unit id: `s`, `percentunit`, `reqps`, `bytes`, `celsius`, `watt`, ... */
  unit?: string;
  /** Width in grid columns (of 24) and height in rows. */
  w?: number;
  h?: number;
  min?: number;
  max?: number;
  /** Red above this value (stat/gauge/timeseries threshold line). */
  thresholdRed?: number;
  /** Panel links (e.g. to the slow-requests dashboard of the same models and time range). */
  links?: { title: string; url: string }[];
}

export interface RowSpec {
  row: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** `label_values(<metric selector>, <label>)`. */
  query: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  /** Either flat panels or sections (rows). */
  content: PanelSpec[] | RowSpec[];
  refresh?: string;
}

type Json = Record<string, unknown>;

function thresholds(red?: number): Json {
  const steps: Json[] = [{ color: "green", value: null }];
  if (red !== undefined) steps.push({ color: "red", value: red });
  return { mode: "absolute", steps };
}

function panelJson(p: PanelSpec, id: number, gridPos: Json): Json {
  const defaults: Json = { unit: p.unit ?? "short", thresholds: thresholds(p.thresholdRed) };
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.type === "timeseries") defaults.custom = { drawStyle: "line", lineWidth: 1, fillOpacity: 10, showPoints: "never", spanNulls: false, ...(p.thresholdRed !== undefined ? { thresholdsStyle: { mode: "line" } } : {}) };
  const options: Json =
    p.type === "timeseries"
      ? { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } }
      : p.type === "stat" || p.type === "gauge"
        ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, ...(p.type === "stat" ? { colorMode: "value", graphMode: "area" } : {}) }
        : p.type === "table"
          ? { showHeader: true, cellHeight: "sm" }
          : { calculate: false, yAxis: { unit: p.unit ?? "short" }, color: { mode: "scheme", scheme: "Spectral" }, cellGap: 1 };
  return {
    id,
    type: p.type,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    ...(p.links ? { links: p.links.map((l) => ({ ...l, targetBlank: false })) } : {}),
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    ...(p.type === "table" ? { transformations: [{ id: "merge", options: {} }, { id: "organize", options: { excludeByName: { Time: true } } }] } : {}),
    targets: p.queries.map((q, i) => ({
      datasource: DATASOURCE,
      refId: String.fromCharCode(65 + i),
      expr: q.expr,
      legendFormat: q.legend ?? "__auto",
      range: !q.instant,
      instant: !!q.instant,
      format: q.format ?? (p.type === "heatmap" ? "heatmap" : p.type === "table" ? "table" : "time_series"),
    })),
  };
}

function variableJson(v: VariableSpec): Json {
  return {
    name: v.name,
    label: v.label,
    type: "query",
    datasource: DATASOURCE,
    query: v.query,
    definition: v.query,
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    // `.*` (not Grafana's pipe list) also matches series without the label, e.g. AI Deploy series have no `pod`.
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    hide: 0,
  };
}

const isRows = (c: PanelSpec[] | RowSpec[]): c is RowSpec[] => c.length > 0 && "row" in c[0];

/** Lays panels out left to right, wrapping at 24 columns; rows start a new line. */
export function dashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let id = 1;
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const place = (p: PanelSpec) => {
    const w = p.w ?? 12;
    const h = p.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += lineHeight;
      lineHeight = 0;
    }
    panels.push(panelJson(p, id++, { x, y, w, h }));
    x += w;
    lineHeight = Math.max(lineHeight, h);
  };
  const newLine = () => {
    if (x > 0) y += lineHeight;
    x = 0;
    lineHeight = 0;
  };
  if (isRows(spec.content)) {
    for (const r of spec.content) {
      newLine();
      panels.push({ id: id++, type: "row", title: r.row, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
      y += 1;
      r.panels.forEach(place);
    }
  } else {
    (spec.content as PanelSpec[]).forEach(place);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: "browser",
    time: { from: "now-3h", to: "now" },
    refresh: spec.refresh ?? "30s",
    annotations: { list: [{ builtIn: 1, datasource: { type: "grafana", uid: "-- Grafana --" }, enable: true, hide: true, name: "Annotations & Alerts", type: "dashboard" }] },
    links: [],
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "" },
        ...spec.variables.map(variableJson),
      ],
    },
    panels,
  };
}

/** Every PromQL expression of a dashboard JSON model (panel targets, then `label_values` variable queries); Tempo (TraceQL) targets are not PromQL and are left out. */
export function dashboardQueries(d: Json): { panelExprs: { title: string; type: PanelType; expr: string; instant: boolean }[]; variableQueries: string[] } {
  const panels = (d.panels as Json[]).filter((p) => p.type !== "row");
  const panelExprs = panels.flatMap((p) =>
    (p.targets as Json[]).filter((t) => typeof t.expr === "string").map((t) => ({ title: p.title as string, type: p.type as PanelType, expr: t.expr as string, instant: t.instant as boolean })),
  );
  const variableQueries = ((d.templating as { list: Json[] }).list.filter((v) => v.type === "query" && (v.datasource as Json | undefined)?.type !== "tempo") as Json[]).map((v) => v.query as string);
  return { panelExprs, variableQueries };
}
