/**
 * Plots of runs, sweeps and the demo, as SVG (vega-lite compiled to vega, rendered headless with no canvas) and PNG
 * (@resvg/resvg-js, a prebuilt renderer shipped in npm packages). Both libraries are ESM-only; this CommonJS
 * project loads them with a real dynamic import.
 */
import * as fs from "fs";
import * as path from "path";
import type { LoadResult } from "./runner";
import type { SweepResult } from "./sweep";

const importEsm = new Function("specifier", "return import(specifier)") as <T>(specifier: string) => Promise<T>;

/** A vega-lite spec (vega-lite's own types need the node16 module resolution this project does not use). */
export type TopLevelSpec = Record<string, unknown>;
interface VegaLite {
  compile(spec: TopLevelSpec): { spec: object };
}

/** A named series of [seconds, value] points. */
export interface Series {
  name: string;
  points: [number, number | null][];
}

const CONFIG = { font: "DejaVu Sans", background: "white", view: { stroke: null }, axis: { gridColor: "#e5e5e5" }, legend: { orient: "bottom", labelLimit: 480, columns: 2, columnPadding: 24 } } as const;

/** SVG of a vega-lite spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await importEsm<typeof import("vega")>("vega");
  const vl = await importEsm<VegaLite>("vega-lite");
  const view = new vega.View(vega.parse(vl.compile({ config: CONFIG, ...spec }).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png`; returns the paths. */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const svg = await renderSvg(spec);
  const svgPath = path.join(dir, `${name}.svg`);
  fs.writeFileSync(svgPath, svg);
  const { Resvg } = await import("@resvg/resvg-js");
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, fitTo: { mode: "zoom", value: 2 } }).render().asPng();
  const pngPath = path.join(dir, `${name}.png`);
  fs.writeFileSync(pngPath, png);
  return [svgPath, pngPath];
}

const rows = (series: readonly Series[]) => series.flatMap((s) => s.points.filter((p) => p[1] !== null).map(([t, v]) => ({ t, v, series: s.name })));

/** One panel of lines over time. */
export function linesPanel(opts: { title: string; yTitle: string; series: readonly Series[]; logY?: boolean; width?: number; height?: number; xTitle?: string }) {
  return {
    title: opts.title,
    width: opts.width ?? 640,
    height: opts.height ?? 220,
    data: { values: rows(opts.series) },
    mark: { type: "line", interpolate: "monotone", point: false },
    encoding: {
      x: { field: "t", type: "quantitative", title: opts.xTitle ?? "time (s)" },
      y: { field: "v", type: "quantitative", title: opts.yTitle, scale: opts.logY ? { type: "log" } : { zero: true } },
      color: { field: "series", type: "nominal", title: null, sort: opts.series.map((s) => s.name) },
    },
  } as const;
}

/** When each alert was firing: one bar per interval, one row per alert (a Gantt chart sharing the time axis). */
export function intervalsPanel(opts: { title: string; intervals: readonly { name: string; from: number; to: number }[]; width?: number; xDomain?: [number, number] }) {
  return {
    title: opts.title,
    width: opts.width ?? 640,
    height: { step: 18 },
    data: { values: opts.intervals },
    mark: { type: "bar", color: "#d62728", opacity: 0.8, cornerRadius: 2 },
    encoding: {
      x: { field: "from", type: "quantitative", title: "time (s)", ...(opts.xDomain ? { scale: { domain: opts.xDomain } } : {}) },
      x2: { field: "to" },
      y: { field: "name", type: "nominal", title: null, axis: { labelLimit: 300 } },
    },
  } as const;
}

const perSecond = (r: LoadResult, pick: (p: LoadResult["timeSeries"][number]) => number | null): [number, number | null][] => r.timeSeries.map((p) => [p.t, pick(p)]);

/** Latency percentiles of each second of a run. */
export function latencyOverTime(r: LoadResult, title = "Latency percentiles per second"): TopLevelSpec {
  return linesPanel({
    title,
    yTitle: "milliseconds (log)",
    logY: true,
    series: [
      { name: "TTFT p50", points: perSecond(r, (p) => p.ttftP50Ms) },
      { name: "TTFT p95", points: perSecond(r, (p) => p.ttftP95Ms) },
      { name: "ITL p95", points: perSecond(r, (p) => p.itlP95Ms) },
      { name: "E2E p95", points: perSecond(r, (p) => p.e2eP95Ms) },
    ],
  }) as TopLevelSpec;
}

/** Requests per second and in-flight requests of a run. */
export function throughputOverTime(r: LoadResult): TopLevelSpec {
  return {
    vconcat: [
      linesPanel({ title: "Requests per second", yTitle: "req/s", height: 160, series: [{ name: "sent", points: perSecond(r, (p) => p.sent) }, { name: "completed ok", points: perSecond(r, (p) => p.ok) }, { name: "failed", points: perSecond(r, (p) => p.failed) }] }),
      linesPanel({ title: "Streams", yTitle: "count", height: 160, series: [{ name: "in flight", points: perSecond(r, (p) => p.inFlight) }, { name: "chunks/s ÷ 100", points: perSecond(r, (p) => p.chunksReceived / 100) }] }),
    ],
  } as TopLevelSpec;
}

/** The sweep's capacity curve: the SLO's latency against the offered load, with the SLO line, and throughput. */
export function capacityCurve(s: SweepResult): TopLevelSpec {
  const term = s.slo.latency[0];
  const stat = term ?? { metric: "ttft" as const, stat: "p95" as const, maxMs: NaN };
  const key = { ttft: "ttftMs", itl: "itlMs", e2e: "e2eMs" } as const;
  const unit = s.kind === "rate" ? "offered load (req/s)" : "concurrent streams";
  const points = s.steps.map((step) => ({
    x: step.value,
    latency: step.result[key[stat.metric]][stat.stat],
    throughput: step.result.throughput.requestsPerSecond,
    verdict: step.verdict.pass ? "within SLO" : "SLO missed",
  }));
  const verdictColor = { field: "verdict", type: "nominal", title: null, scale: { domain: ["within SLO", "SLO missed"], range: ["#2ca02c", "#d62728"] } } as const;
  const latencyLayers: object[] = [
    { mark: { type: "line", color: "#888" }, encoding: { x: { field: "x", type: "quantitative", title: unit }, y: { field: "latency", type: "quantitative", title: `${stat.metric.toUpperCase()} ${stat.stat} (ms, log)`, scale: { type: "log" } } } },
    { mark: { type: "point", filled: true, size: 80 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "latency", type: "quantitative" }, color: verdictColor } },
  ];
  if (term)
    latencyLayers.push(
      { data: { values: [{ y: term.maxMs }] }, mark: { type: "rule", strokeDash: [6, 4], color: "#d62728" }, encoding: { y: { field: "y", type: "quantitative" } } },
      { data: { values: [{ y: term.maxMs, label: `SLO ${term.metric}.${term.stat} ≤ ${term.maxMs} ms` }] }, mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#d62728" }, encoding: { y: { field: "y", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } } },
    );
  const capacity = s.maxWithinSlo === null ? "no step within the SLO" : `highest step within the SLO: ${s.maxWithinSlo} ${s.kind === "rate" ? "req/s" : "streams"}`;
  return {
    title: { text: "Capacity sweep", subtitle: capacity },
    data: { values: points },
    vconcat: [
      { width: 560, height: 220, layer: latencyLayers },
      {
        width: 560,
        height: 160,
        layer: [
          { mark: { type: "line", color: "#888" }, encoding: { x: { field: "x", type: "quantitative", title: unit }, y: { field: "throughput", type: "quantitative", title: "completed req/s" } } },
          { mark: { type: "point", filled: true, size: 80 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "throughput", type: "quantitative" }, color: verdictColor } },
        ],
      },
    ],
  } as TopLevelSpec;
}
