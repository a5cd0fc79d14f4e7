/**
 * The demo (`npm run demo`): on 127.0.0.1, a vLLM stand-in (./vllmStandIn.ts) playing the dev stack's AI Deploy
 * app, the real Prometheus 3 of tools/bin scraping it with the program's scrape job and evaluating every rule dev
 * renders, the real Alertmanager with the program's routing and a local webhook sink (./demoConfig.ts), and the load
 * tester sending an open-loop ramp past the stand-in's capacity and back, so that alerts fire and resolve.
 * Everything it starts is stopped when it ends: by itself when the story is told, at its time bound, or on abort.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { profileRateAt, profileSchedule, type RateSegment } from "../loadtest/arrivals";
import { intervalsPanel, linesPanel, writePlot, type TopLevelSpec } from "../loadtest/plot";
import { runLoad, type LoadResult } from "../loadtest/runner";
import { latencyQuantileRecord } from "../components/observability/recording";
import { VLLM } from "../components/metrics/catalogue";
import type { EngineOptions } from "./engine";
import { loadStack, renderDemo, type DemoRender } from "./demoConfig";
import { runnableAlertmanager } from "./alertmanagerBinary";
import { assertPortFree, freePort, startManaged, type Managed } from "./processes";
import { requireTool, TOOLS_BIN } from "./tools";
import { startVllmStandIn, type RunningStandIn } from "./vllmStandIn";
import { startWebhookSink, type Notification, type RunningSink } from "./webhookSink";
import { randomBytes } from "crypto";

export interface DemoPorts {
  vllm: number;
  prometheus: number;
  alertmanager: number;
  sink: number;
}

export const DEFAULT_PORTS: DemoPorts = { vllm: 8000, prometheus: 9090, alertmanager: 9093, sink: 9095 };
export const PORT_FLAGS: Record<keyof DemoPorts, string> = { vllm: "--vllm-port", prometheus: "--prometheus-port", alertmanager: "--alertmanager-port", sink: "--sink-port" };
const PORT_NAMES: Record<keyof DemoPorts, string> = { vllm: "vLLM stand-in", prometheus: "Prometheus", alertmanager: "Alertmanager", sink: "webhook sink" };

export interface DemoOptions {
  /** Upper bound of the whole run, seconds. */
  durationSeconds: number;
  /** Every rule and Alertmanager duration is divided by this. */
  timeScale: number;
  /** 0: any free port. */
  ports: DemoPorts;
  /** Where the results and plots go. */
  outDir: string;
  /**
   * `resolved` (the full story): end once every alert that reached the sink was resolved there (SLO burn-rate alerts,
   * which look back hours, excepted); `firing`: at the first alert.
   */
  until: "resolved" | "firing";
  /** Phase lengths in seconds; the defaults fit the time scale. */
  phases?: { baseline: number; ramp: number; overload: number };
  /** A Prometheus web UI build (a dir with static/react/index.html), served with --web.local-assets. */
  prometheusUi?: string;
  plots?: boolean;
  stack?: string;
  engine?: EngineOptions;
  signal?: AbortSignal;
  /** Once a second. */
  onStatus?: (s: DemoStatus) => void;
  /** Alert state changes, notifications, phase changes. */
  onEvent?: (line: string) => void;
  /** When everything is up: what to open. */
  onReady?: (urls: DemoUrls) => void;
}

export interface DemoUrls {
  prometheus: string;
  alertmanager: string;
  sink: string;
  vllm: string;
  /** Key queries: a graph link when the UI is served, else the HTTP API. */
  queries: { name: string; url: string }[];
  /** Whether Prometheus serves its web UI (Debian's package ships none). */
  prometheusUi: boolean;
  token: string;
}

export interface DemoStatus {
  t: number;
  phase: string;
  offeredRate: number;
  sentPerSecond: number;
  okPerSecond: number;
  failedPerSecond: number;
  clientTtftP95Ms: number | null;
  /** From Prometheus. */
  queue: number | null;
  running: number | null;
  kvCacheUsage: number | null;
  ttftP95Seconds: number | null;
  /** Alerts firing (and pending) in Prometheus. */
  firing: string[];
  pending: string[];
  notifications: number;
}

export interface DemoResult {
  outcome: "resolved" | "fired" | "bound-reached" | "aborted";
  wallSeconds: number;
  statuses: DemoStatus[];
  notifications: Notification[];
  /** Firing intervals seen in Prometheus (seconds since start). */
  alertIntervals: { alert: string; from: number; to: number | null }[];
  load?: LoadResult;
  files: string[];
  render: Pick<DemoRender, "alerts" | "longWindowAlerts" | "scrapeInterval" | "servedModelName">;
}

/** The stand-in the demo runs: small enough that a modest rate overloads it (16 sequences, a small KV cache). */
export const DEMO_ENGINE: EngineOptions = { maxNumSeqs: 16, numGpuBlocks: 140, stepBaseMs: 12, stepPerSeqMs: 0.5, prefillTokensPerMs: 40 };
const MAX_TOKENS = 64;

/** Completed requests per second the engine sustains at a full batch of max-length answers. */
export function engineCapacity(e: EngineOptions): number {
  const seqs = e.maxNumSeqs ?? 16;
  const stepMs = (e.stepBaseMs ?? 12) + (e.stepPerSeqMs ?? 0.5) * seqs;
  return seqs / ((MAX_TOKENS * stepMs) / 1000);
}

/** Baseline at 40 % of capacity, a ramp to 130 %, an overload held past the queue alert's scaled `for`, recovery at 30 %. */
export function demoProfile(capacity: number, phases: { baseline: number; ramp: number; overload: number }, total: number): { segments: RateSegment[]; names: { name: string; from: number; to: number }[] } {
  const recovery = Math.max(0, total - phases.baseline - phases.ramp - phases.overload);
  const low = 0.4 * capacity;
  const high = 1.3 * capacity;
  const segments: RateSegment[] = [
    { seconds: phases.baseline, fromRate: low },
    { seconds: phases.ramp, fromRate: low, toRate: high },
    { seconds: phases.overload, fromRate: high },
    { seconds: recovery, fromRate: 0.3 * capacity },
  ].filter((s) => s.seconds > 0);
  const names: { name: string; from: number; to: number }[] = [];
  let t = 0;
  for (const [name, seconds] of [["baseline", phases.baseline], ["ramp", phases.ramp], ["overload", phases.overload], ["recovery", recovery]] as const) {
    if (seconds > 0) names.push({ name, from: t, to: t + seconds });
    t += seconds;
  }
  return { segments, names };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

async function promQuery(base: string, expr: string): Promise<number | null> {
  try {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const v = body.data?.result?.[0]?.value?.[1];
    return v === undefined || Number.isNaN(Number(v)) ? null : Number(v);
  } catch {
    return null;
  }
}

async function promAlerts(base: string): Promise<{ name: string; state: string }[]> {
  try {
    const res = await fetch(`${base}/api/v1/alerts`);
    const body = (await res.json()) as { data?: { alerts?: { labels: Record<string, string>; state: string }[] } };
    return (body.data?.alerts ?? []).map((a) => ({ name: a.labels.alertname, state: a.state }));
  } catch {
    return [];
  }
}

async function promRuleCount(base: string): Promise<number> {
  try {
    const res = await fetch(`${base}/api/v1/rules?type=alert`);
    const body = (await res.json()) as { data?: { groups?: { rules: unknown[] }[] } };
    return (body.data?.groups ?? []).reduce((n, g) => n + g.rules.length, 0);
  } catch {
    return 0;
  }
}

/** Whether `dir` holds a Prometheus web UI build that the Debian binary serves (it reads static/react/index.html). */
export function isPrometheusUi(dir: string | undefined): dir is string {
  return !!dir && fs.existsSync(path.join(dir, "static", "react", "index.html"));
}

/** Where `npm run demo:ui` puts the Prometheus UI it builds. */
export const PROMETHEUS_UI_DIR = path.resolve(TOOLS_BIN, "..", "prometheus-ui");

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  /** Seconds since the load started (the clock of statuses, events and plots); before that, since the start. */
  let clockStart = started;
  const event = (line: string) => o.onEvent?.(`[${((Date.now() - clockStart) / 1000).toFixed(0).padStart(4)}s] ${line}`);
  const promBin = requireTool("prometheus");
  const amBin = requireTool("alertmanager");
  const ports = { ...o.ports };
  for (const key of Object.keys(ports) as (keyof DemoPorts)[]) {
    if (ports[key] === 0) ports[key] = await freePort();
    else await assertPortFree(ports[key], PORT_NAMES[key], PORT_FLAGS[key]);
  }
  const stack = loadStack(o.stack ?? "dev");
  const engine = o.engine ?? DEMO_ENGINE;
  const token = `demo-${randomBytes(12).toString("hex")}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ovh-llm-demo-"));
  const secretsDir = path.join(work, "secrets");
  const render = renderDemo({ stack, target: `127.0.0.1:${ports.vllm}`, alertmanager: `127.0.0.1:${ports.alertmanager}`, secretsDir, timeScale: o.timeScale });
  const secret = (rel: string, value: string) => {
    fs.mkdirSync(path.dirname(path.join(secretsDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(secretsDir, rel), value, { mode: 0o600 });
  };
  const stoppers: (() => Promise<void>)[] = [];
  const statuses: DemoStatus[] = [];
  const intervals: DemoResult["alertIntervals"] = [];
  let standIn: RunningStandIn | undefined;
  let sink: RunningSink | undefined;
  let load: LoadResult | undefined;
  let outcome: DemoResult["outcome"] = "bound-reached";
  const loadAbort = new AbortController();
  const onAbort = () => loadAbort.abort();
  o.signal?.addEventListener("abort", onAbort);
  const boundTimer = setTimeout(() => loadAbort.abort(), o.durationSeconds * 1000);
  try {
    standIn = await startVllmStandIn({ servedModelName: render.servedModelName, token, port: ports.vllm, engine });
    stoppers.push(standIn.close);
    sink = await startWebhookSink(ports.sink);
    stoppers.push(sink.close);
    secret(render.files.aiDeployToken, token);
    secret(render.files.webhookUrl, sink.url);
    fs.writeFileSync(path.join(work, "prometheus.yml"), render.prometheusYaml);
    // Rules are loaded once the stand-in has been scraped: Prometheus discovers targets only after its 5 s
    // discovery delay, and with compressed time the missing-model/target alerts would fire meanwhile.
    fs.writeFileSync(path.join(work, "rules.yml"), "groups: []\n");
    fs.writeFileSync(path.join(work, "alertmanager.yml"), render.alertmanagerYaml);
    const promUrl = `http://127.0.0.1:${ports.prometheus}`;
    const amUrl = `http://127.0.0.1:${ports.alertmanager}`;
    const ui = isPrometheusUi(o.prometheusUi) ? o.prometheusUi : undefined;
    const amRunnable = runnableAlertmanager(amBin, work);
    stoppers.push(async () => amRunnable.cleanup());
    const [amStart, promStart] = await Promise.allSettled([
      startManaged("alertmanager", amRunnable.bin, [`--config.file=${path.join(work, "alertmanager.yml")}`, `--storage.path=${path.join(work, "am-data")}`, `--web.listen-address=127.0.0.1:${ports.alertmanager}`, "--cluster.listen-address=", "--log.level=warn"], { cwd: work, readyUrl: `${amUrl}/-/ready` }),
      startManaged(
        "prometheus",
        promBin,
        [`--config.file=${path.join(work, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(work, "prom-data")}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`, "--log.level=warn", ...(ui ? [`--web.local-assets=${ui}`] : [])],
        { cwd: work, readyUrl: `${promUrl}/-/ready` },
      ),
    ]);
    for (const started of [amStart, promStart]) if (started.status === "fulfilled") stoppers.push(() => started.value.stop());
    for (const started of [amStart, promStart]) if (started.status === "rejected") throw started.reason;
    const prom = (promStart as PromiseFulfilledResult<Managed>).value;
    const record = (q: string) => `${promUrl}${ui ? `/query?g0.expr=${encodeURIComponent(q)}&g0.tab=graph&g0.range_input=5m` : `/api/v1/query?query=${encodeURIComponent(q)}`}`;
    o.onReady?.({
      prometheus: promUrl,
      alertmanager: amUrl,
      sink: sink.url,
      vllm: standIn.baseUrl,
      prometheusUi: !!ui,
      token,
      queries: [
        { name: "queue (waiting requests)", url: record(VLLM.numRequestsWaiting.name) },
        { name: "KV-cache use", url: record(VLLM.kvCacheUsage.name) },
        { name: "TTFT p95 (recorded)", url: record(latencyQuantileRecord("ttft", 0.95)) },
        { name: "alerts", url: ui ? `${promUrl}/alerts` : `${promUrl}/api/v1/alerts` },
      ],
    });

    const capacity = engineCapacity(engine);
    const forSeconds = 300 / o.timeScale; // VllmQueueDepthHigh's `for: 5m`, scaled
    const phases = o.phases ?? { baseline: 15, ramp: 10, overload: Math.ceil(forSeconds + 10) };
    const profile = demoProfile(capacity, phases, o.durationSeconds);
    clockStart = Date.now();
    event(`load: ${profile.names.map((p) => `${p.name} ${p.from}–${p.to.toFixed(0)}s`).join(", ")}; stand-in capacity ≈ ${capacity.toFixed(1)} req/s`);
    const loadStart = clockStart;
    const loadT = () => (Date.now() - loadStart) / 1000;
    const phaseAt = (t: number) => profile.names.find((p) => t >= p.from && t < p.to)?.name ?? "done";
    let lastPoint: { sent: number; ok: number; failed: number; ttftP95Ms: number | null } = { sent: 0, ok: 0, failed: 0, ttftP95Ms: null };
    const running = runLoad({
      baseUrl: standIn.baseUrl,
      token,
      model: render.servedModelName,
      schedule: profileSchedule(profile.segments, 7),
      maxTokens: MAX_TOKENS,
      timeoutSeconds: 120,
      signal: loadAbort.signal,
      onProgress: (p) => {
        const last = p.seconds[p.seconds.length - 1];
        if (last) lastPoint = { sent: last.sent, ok: last.ok, failed: last.failed, ttftP95Ms: last.ttftP95Ms };
      },
    }).then((r) => (load = r));

    // The load starts at once; the rules follow the first scrape (see above), during the baseline.
    const scrapedBy = Date.now() + 30_000;
    while ((await promQuery(promUrl, `count(${VLLM.numRequestsRunning.name})`)) === null) {
      if (Date.now() > scrapedBy) throw new Error(`Prometheus has not scraped the stand-in after 30 s:\n${prom.log().trim()}`);
      await sleep(200, loadAbort.signal);
      if (loadAbort.signal.aborted) throw new Error("stopped before Prometheus scraped the stand-in");
    }
    fs.writeFileSync(path.join(work, "rules.yml"), render.rulesYaml);
    prom.reload();
    const rulesBy = Date.now() + 15_000;
    while ((await promRuleCount(promUrl)) < render.alerts.length) {
      if (Date.now() > rulesBy) throw new Error(`Prometheus did not load the rules:\n${prom.log().trim()}`);
      await sleep(200, loadAbort.signal);
    }
    const firingNotified = new Set<string>();
    const resolvedNotified = new Set<string>();
    let seenNotifications = 0;
    let lastPhase = "";
    let prevFiring = new Set<string>();
    while (!loadAbort.signal.aborted) {
      await sleep(1000, loadAbort.signal);
      const t = loadT();
      const alerts = await promAlerts(promUrl);
      const firing = alerts.filter((a) => a.state === "firing").map((a) => a.name).sort();
      const pending = alerts.filter((a) => a.state === "pending").map((a) => a.name).sort();
      const [queue, runningSeqs, kv, ttft] = await Promise.all([
        promQuery(promUrl, `sum(${VLLM.numRequestsWaiting.name})`),
        promQuery(promUrl, `sum(${VLLM.numRequestsRunning.name})`),
        promQuery(promUrl, `max(${VLLM.kvCacheUsage.name})`),
        promQuery(promUrl, `max(${latencyQuantileRecord("ttft", 0.95)})`),
      ]);
      const phase = phaseAt(t);
      if (phase !== lastPhase) event(`phase ${phase}: offered ${profileRateAt(profile.segments, t).toFixed(1)} req/s`);
      lastPhase = phase;
      const now = new Set(firing);
      for (const a of now) if (!prevFiring.has(a)) {
        event(`alert ${a} firing in Prometheus`);
        intervals.push({ alert: a, from: t, to: null });
      }
      for (const a of prevFiring) if (!now.has(a)) {
        event(`alert ${a} resolved in Prometheus`);
        const open = intervals.find((i) => i.alert === a && i.to === null);
        if (open) open.to = t;
      }
      prevFiring = now;
      for (const n of sink.notifications.slice(seenNotifications)) {
        for (const a of n.message.alerts) (a.status === "firing" ? firingNotified : resolvedNotified).add(a.labels.alertname);
        event(`webhook ← ${n.message.receiver}: ${n.message.status} ${n.message.alerts.map((a) => `${a.labels.alertname} (${a.status})`).join(", ")}`);
      }
      seenNotifications = sink.notifications.length;
      const status: DemoStatus = {
        t: +t.toFixed(1),
        phase,
        offeredRate: +profileRateAt(profile.segments, t).toFixed(2),
        sentPerSecond: lastPoint.sent,
        okPerSecond: lastPoint.ok,
        failedPerSecond: lastPoint.failed,
        clientTtftP95Ms: lastPoint.ttftP95Ms,
        queue,
        running: runningSeqs,
        kvCacheUsage: kv,
        ttftP95Seconds: ttft,
        firing,
        pending,
        notifications: sink.notifications.length,
      };
      statuses.push(status);
      o.onStatus?.(status);
      if (o.until === "firing" && firingNotified.size > 0) {
        outcome = "fired";
        break;
      }
      const waitFor = (names: Iterable<string>) => [...names].filter((a) => !render.longWindowAlerts.includes(a));
      const allResolved = waitFor(firingNotified).length > 0 && waitFor(firingNotified).every((a) => resolvedNotified.has(a)) && waitFor(firing).length === 0;
      if (o.until === "resolved" && allResolved) {
        outcome = "resolved";
        break;
      }
    }
    if (o.signal?.aborted) outcome = "aborted";
    else if (outcome === "bound-reached" && firingNotified.size > 0) outcome = "fired";
    loadAbort.abort();
    await running;
    for (const i of intervals) if (i.to === null) i.to = loadT();
  } finally {
    clearTimeout(boundTimer);
    o.signal?.removeEventListener("abort", onAbort);
    loadAbort.abort();
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const notifications = sink?.notifications ?? [];
  const result: DemoResult = { outcome, wallSeconds: elapsed(), statuses, notifications, alertIntervals: intervals, load, files: [], render: { alerts: render.alerts, longWindowAlerts: render.longWindowAlerts, scrapeInterval: render.scrapeInterval, servedModelName: render.servedModelName } };
  fs.mkdirSync(o.outDir, { recursive: true });
  const json = path.join(o.outDir, "demo.json");
  fs.writeFileSync(json, JSON.stringify({ ...result, load: load ? { ...load, timeSeries: load.timeSeries } : undefined }, null, 2) + "\n");
  result.files.push(json);
  if (o.plots !== false && statuses.length > 1) result.files.push(...(await demoPlots(result, o.outDir)));
  return result;
}

/** The demo's two pictures: latencies with the alerts' firing time, and load against the engine's state. */
export async function demoPlots(r: DemoResult, dir: string): Promise<string[]> {
  const s = r.statuses;
  const xDomain: [number, number] = [0, Math.ceil(s[s.length - 1].t)];
  const alerts = intervalsPanel({ title: "Alerts firing in Prometheus (every rule dev renders; durations scaled)", xDomain, intervals: r.alertIntervals.map((i) => ({ name: i.alert, from: i.from, to: i.to ?? xDomain[1] })) });
  const latency: TopLevelSpec = {
    vconcat: [
      linesPanel({
        title: "Time to first token: what clients measured and what Prometheus recorded",
        yTitle: "seconds",
        height: 240,
        series: [
          { name: "client TTFT p95 (load tester, per second)", points: s.map((x) => [x.t, x.clientTtftP95Ms === null ? null : x.clientTtftP95Ms / 1000]) },
          { name: "Prometheus TTFT p95 (recording rule, vLLM histogram buckets)", points: s.map((x) => [x.t, x.ttftP95Seconds]) },
        ],
      }),
      alerts,
    ],
    resolve: { scale: { x: "shared" } },
  };
  const load: TopLevelSpec = {
    vconcat: [
      linesPanel({ title: "Requests per second (load tester)", yTitle: "req/s", height: 150, series: [{ name: "offered", points: s.map((x) => [x.t, x.offeredRate]) }, { name: "completed", points: s.map((x) => [x.t, x.okPerSecond]) }] }),
      linesPanel({ title: "Engine, scraped by Prometheus", yTitle: "requests", height: 150, series: [{ name: "vllm:num_requests_waiting", points: s.map((x) => [x.t, x.queue]) }, { name: "vllm:num_requests_running", points: s.map((x) => [x.t, x.running]) }] }),
      linesPanel({ title: "KV-cache use (vllm:kv_cache_usage_perc)", yTitle: "%", height: 110, series: [{ name: "KV cache %", points: s.map((x) => [x.t, x.kvCacheUsage === null ? null : x.kvCacheUsage * 100]) }] }),
      alerts,
    ],
    resolve: { scale: { color: "independent", x: "shared" } },
  };
  return [...(await writePlot(dir, "demo-latency", latency)), ...(await writePlot(dir, "demo-load", load))];
}
