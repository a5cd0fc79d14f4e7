/**
 * `npm run demo [-- options]`: see the dev stack's monitoring work, locally, in about two minutes — a vLLM stand-in
 * under a load ramp, the real Prometheus 3 and Alertmanager with the program's rules and routing, an alert firing
 * and resolving at a local webhook. Plots and results in out/demo/. See docs/demo.md.
 */
import * as path from "path";
import { DEFAULT_PORTS, isPrometheusUi, PORT_FLAGS, PROMETHEUS_UI_DIR, runDemo, type DemoPorts, type DemoStatus } from "../playground/demo";

const USAGE = `usage: npm run demo -- [--duration 170] [--time-scale 20] [--until resolved|firing] [--out out/demo]
  [--vllm-port 8000] [--prometheus-port 9090] [--alertmanager-port 9093] [--sink-port 9095]   (0: any free port)
  [--prometheus-ui <dir>] [--no-plots] [--short]
  --short: a quick check (scale 120, stops at the first alert notification, at most 40 s)`;

interface Args {
  duration: number;
  timeScale: number;
  until: "resolved" | "firing";
  out: string;
  ports: DemoPorts;
  ui?: string;
  plots: boolean;
  short: boolean;
}

function parse(argv: string[]): Args | "help" {
  const a: Args = { duration: 170, timeScale: 20, until: "resolved", out: path.resolve(__dirname, "..", "out", "demo"), ports: { ...DEFAULT_PORTS }, plots: true, short: false };
  const given = new Set<string>();
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} expects a number from ${min} to ${max}, got ${v ?? "nothing"}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    given.add(flag);
    const port = (Object.keys(PORT_FLAGS) as (keyof DemoPorts)[]).find((k) => PORT_FLAGS[k] === flag);
    if (port) a.ports[port] = Math.trunc(num(flag, value(), 0, 65535));
    else if (flag === "--duration") a.duration = num(flag, value(), 5, 3600);
    else if (flag === "--time-scale") a.timeScale = num(flag, value(), 1, 600);
    else if (flag === "--until") {
      const v = value();
      if (v !== "resolved" && v !== "firing") throw new Error(`--until expects resolved or firing, got ${v}`);
      a.until = v;
    } else if (flag === "--out") a.out = path.resolve(value() ?? "");
    else if (flag === "--prometheus-ui") a.ui = path.resolve(value() ?? "");
    else if (flag === "--no-plots") a.plots = false;
    else if (flag === "--short") a.short = true;
    else if (flag === "--help" || flag === "-h") return "help";
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (a.short) {
    if (!given.has("--time-scale")) a.timeScale = 120;
    if (!given.has("--until")) a.until = "firing";
    if (!given.has("--duration")) a.duration = 40;
  }
  return a;
}

const fmt = (v: number | null, digits = 1, unit = "") => (v === null ? "-" : `${v.toFixed(digits)}${unit}`);

function statusLine(s: DemoStatus): string {
  const alerts = s.firing.length ? `firing: ${s.firing.join(", ")}` : s.pending.length ? `pending: ${s.pending.join(", ")}` : "no alert";
  return (
    `[${s.t.toFixed(0).padStart(4)}s] ${s.phase.padEnd(8)} offered ${fmt(s.offeredRate).padStart(5)} req/s, done ${String(s.okPerSecond).padStart(3)}/s` +
    `  TTFT p95 ${s.clientTtftP95Ms === null ? "-" : fmt(s.clientTtftP95Ms / 1000, 2, "s")}  queue ${fmt(s.queue, 0)}  running ${fmt(s.running, 0)}  KV ${s.kvCacheUsage === null ? "-" : fmt(s.kvCacheUsage * 100, 0, "%")}` +
    `  | ${alerts} | webhook ${s.notifications}`
  );
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const ui = args.ui ?? (isPrometheusUi(PROMETHEUS_UI_DIR) ? PROMETHEUS_UI_DIR : undefined);
  if (args.ui && !isPrometheusUi(args.ui)) throw new Error(`--prometheus-ui ${args.ui}: no static/react/index.html there (build one with npm run demo:ui)`);
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // children are killed by the exit handler
    process.stderr.write("\nstopping: load, Prometheus, Alertmanager, stand-in ...\n");
    controller.abort();
  });
  process.on("SIGTERM", () => controller.abort());
  const tty = process.stdout.isTTY;
  let lastLen = 0;
  const say = (line: string) => {
    if (tty && lastLen) process.stdout.write("\r\x1b[K");
    process.stdout.write(line + "\n");
    lastLen = 0;
  };
  console.log(`demo: dev stack, time scale ×${args.timeScale} (a rule's 5m is ${(300 / args.timeScale).toFixed(1)}s), at most ${args.duration}s, until an alert ${args.until === "firing" ? "fires" : "fires and resolves"}`);
  const result = await runDemo({
    durationSeconds: args.duration,
    timeScale: args.timeScale,
    ports: args.ports,
    outDir: args.out,
    until: args.until,
    phases: args.short ? { baseline: 1, ramp: 0, overload: args.duration } : undefined,
    prometheusUi: ui,
    plots: args.plots,
    signal: controller.signal,
    onReady: (u) => {
      say(`Prometheus    ${u.prometheus}${u.prometheusUi ? "" : "   (Debian's package ships no web UI: API links below; `npm run demo:ui` builds the UI)"}`);
      for (const q of u.queries) say(`  ${q.name.padEnd(26)} ${q.url}`);
      say(`Alertmanager  ${u.alertmanager}/api/v2/alerts`);
      say(`webhook sink  ${u.sink}   (GET lists the notifications received)`);
      say(`vLLM stand-in ${u.vllm}   (Authorization: Bearer ${u.token})`);
    },
    onEvent: say,
    onStatus: (s) => {
      const line = statusLine(s);
      if (tty) {
        process.stdout.write(`\r\x1b[K${line.slice(0, (process.stdout.columns || 200) - 1)}`);
        lastLen = line.length;
      } else say(line);
    },
  });
  if (tty && lastLen) process.stdout.write("\n");
  const fired = new Set(result.notifications.flatMap((n) => n.message.alerts.filter((a) => a.status === "firing").map((a) => a.labels.alertname)));
  const resolved = new Set(result.notifications.flatMap((n) => n.message.alerts.filter((a) => a.status === "resolved").map((a) => a.labels.alertname)));
  console.log(`demo ${result.outcome} after ${result.wallSeconds.toFixed(0)}s: ${result.notifications.length} webhook notifications; fired ${[...fired].join(", ") || "none"}; resolved ${[...resolved].join(", ") || "none"}`);
  const still = result.statuses[result.statuses.length - 1]?.firing.filter((a) => result.render.longWindowAlerts.includes(a)) ?? [];
  if (still.length) console.log(`still firing: ${still.join(", ")} — error-budget burn rates look back hours (${(3600 / args.timeScale / 60).toFixed(0)}+ minutes at this scale) and resolve after the demo`);
  if (result.load) console.log(`load: ${result.load.requests.total} requests, ${result.load.requests.ok} ok, ${result.load.requests.failed} failed, ${result.load.requests.aborted} cancelled at the end; TTFT p95 ${(result.load.ttftMs.p95 / 1000).toFixed(2)}s`);
  console.log(`results: ${result.files.join(", ")}`);
  console.log("stopped: load tester, Prometheus, Alertmanager, webhook sink, vLLM stand-in");
  if (result.outcome === "aborted") return 130;
  return result.outcome === "resolved" || (args.until === "firing" && result.outcome === "fired") ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
