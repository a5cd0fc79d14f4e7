/**
 * `npm run loadtest -- --stack prod --target ai-deploy --concurrency 50 --duration 60`       (closed loop)
 * `npm run loadtest -- --url http://127.0.0.1:8000/v1 --model qwen3-8b --rate 20 --duration 60` (open loop)
 * `npm run loadtest -- --url ... --model ... --sweep-rates 2,4,8,16 --step-duration 30 --slo ttft.p95=500`
 * Progress (one line a second) on stderr when it is a terminal (or with --progress); the report on stdout.
 */
import * as fs from "fs";
import { capacityCurve, latencyOverTime, throughputOverTime, writePlot } from "./plot";
import { DEFAULT_MIX, parseMix } from "./prompts";
import { formatProgress, formatReport, formatStep, formatSweep } from "./report";
import { tokenRedactor } from "./redact";
import { LoadOptions, runLoad } from "./runner";
import { parseSlo } from "./slo";
import { parseSteps, runSweep } from "./sweep";
import { Target, targetFromOutputs } from "./target";

const USAGE = `usage: npm run loadtest -- (--stack <env> [--target <name>] | --url <base /v1 url> --model <name> [--token <t>])
  one run:  (--concurrency N | --rate R [--max-in-flight 5000]) [--requests N] [--duration S]
            (closed loop: N concurrent streams; open loop: Poisson arrivals at R req/s; default --concurrency 10 --requests 100)
  a sweep:  (--sweep-rates 1,2,4,8 | --sweep-concurrency 1,4,16) --slo ttft.p95=500,errors=1% [--step-duration 30] [--sweep-all]
  [--max-tokens 200] [--timeout 120] [--mix short=2,medium=4,long=6] [--seed 1]
  [--json <file>] [--plots <dir>] [--progress | --no-progress]
  The token may also come from LOADTEST_TOKEN (keeps it out of shell history).`;

interface CliArgs {
  [key: string]: string | boolean | undefined;
}

const FLAGS = new Set(["progress", "no-progress", "help", "sweep-all"]);
const VALUED = new Set(["stack", "target", "url", "model", "token", "concurrency", "rate", "max-in-flight", "requests", "duration", "sweep-rates", "sweep-concurrency", "slo", "step-duration", "max-tokens", "timeout", "mix", "seed", "json", "plots"]);

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || (!FLAGS.has(m[1]) && !VALUED.has(m[1]))) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    if (FLAGS.has(m[1])) args[m[1]] = true;
    else if (i + 1 < argv.length) args[m[1]] = argv[++i];
    else throw new Error(`--${m[1]} needs a value`);
  }
  return args;
}

const num = (v: string | boolean | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} expects a number, got ${String(v)}`);
  return n;
};
const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);

async function resolveTarget(args: CliArgs): Promise<Target> {
  if (typeof args.stack === "string") {
    if (args.url) throw new Error("give --stack or --url, not both");
    const { outputs } = await import("../automation");
    return targetFromOutputs(args.stack, await outputs(args.stack, { revealSecrets: true }), str(args.target));
  }
  if (typeof args.url !== "string" || typeof args.model !== "string") throw new Error(USAGE);
  return { baseUrl: args.url, model: args.model, token: str(args.token) ?? process.env.LOADTEST_TOKEN };
}

/** Error messages may quote a URL or a server's answer: the token never reaches the terminal. */
let redactOutput = (text: string): string => text;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  redactOutput = tokenRedactor(str(args.token) ?? process.env.LOADTEST_TOKEN);
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const sweepKind = args["sweep-rates"] !== undefined ? "rate" : args["sweep-concurrency"] !== undefined ? "concurrency" : undefined;
  if (args["sweep-rates"] !== undefined && args["sweep-concurrency"] !== undefined) throw new Error("give --sweep-rates or --sweep-concurrency, not both");
  if (args.rate !== undefined && args.concurrency !== undefined) throw new Error("give --rate (open loop) or --concurrency (closed loop), not both");
  if (sweepKind && (args.rate !== undefined || args.concurrency !== undefined || args.requests !== undefined || args.duration !== undefined))
    throw new Error("a sweep sets the rate or concurrency per step and runs --step-duration seconds each: drop --rate/--concurrency/--requests/--duration");
  const target = await resolveTarget(args);
  const showProgress = args.progress === true || (args["no-progress"] !== true && process.stderr.isTTY);
  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write("interrupted: cancelling in-flight requests\n");
    controller.abort();
  });
  const common = {
    baseUrl: target.baseUrl,
    token: target.token,
    model: target.model,
    maxTokens: num(args["max-tokens"], "max-tokens") ?? 200,
    timeoutSeconds: num(args.timeout, "timeout") ?? 120,
    maxInFlight: num(args["max-in-flight"], "max-in-flight"),
    mix: typeof args.mix === "string" ? parseMix(args.mix) : DEFAULT_MIX,
    seed: num(args.seed, "seed"),
    signal: controller.signal,
  };
  const plots = str(args.plots);
  const json = str(args.json);

  if (sweepKind) {
    if (typeof args.slo !== "string") throw new Error("a sweep needs --slo, e.g. --slo ttft.p95=500,errors=1%");
    const values = parseSteps(String(args[sweepKind === "rate" ? "sweep-rates" : "sweep-concurrency"]), sweepKind === "rate" ? "--sweep-rates" : "--sweep-concurrency");
    const result = await runSweep({
      base: common,
      kind: sweepKind,
      values,
      stepSeconds: num(args["step-duration"], "step-duration") ?? 30,
      slo: parseSlo(args.slo),
      stopOnFail: args["sweep-all"] !== true,
      onStep: showProgress ? (s) => process.stderr.write(formatStep(sweepKind, s) + "\n") : undefined,
    });
    process.stdout.write(formatSweep(result, { model: target.model, baseUrl: result.steps[0]?.result.target.baseUrl ?? target.baseUrl }));
    if (json) fs.writeFileSync(json, JSON.stringify(result, null, 2) + "\n");
    if (plots) process.stdout.write(`Plots: ${(await writePlot(plots, "capacity", capacityCurve(result))).join(", ")}\n`);
    return result.maxWithinSlo !== null ? 0 : 1;
  }

  const requests = num(args.requests, "requests");
  const duration = num(args.duration, "duration");
  const rate = num(args.rate, "rate");
  const options: LoadOptions = {
    ...common,
    ...(rate !== undefined ? { rate } : { concurrency: num(args.concurrency, "concurrency") ?? 10 }),
    maxRequests: requests ?? (duration === undefined ? 100 : undefined),
    durationSeconds: duration,
    onProgress: showProgress ? (p) => process.stderr.write(formatProgress(p) + "\n") : undefined,
  };
  const result = await runLoad(options);
  process.stdout.write(formatReport(result));
  if (json) fs.writeFileSync(json, JSON.stringify(result, null, 2) + "\n");
  if (plots) {
    const files = [...(await writePlot(plots, "latency", latencyOverTime(result))), ...(await writePlot(plots, "throughput", throughputOverTime(result)))];
    process.stdout.write(`Plots: ${files.join(", ")}\n`);
  }
  return result.requests.ok > 0 ? 0 : 1;
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${redactOutput(e instanceof Error ? e.message : String(e))}\n`);
      process.exit(2);
    },
  );
