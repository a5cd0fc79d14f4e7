/**
 * `npm run loadtest -- --stack prod --target ai-deploy --concurrency 50 --duration 60`
 * `npm run loadtest -- --url http://127.0.0.1:8000/v1 --model qwen3-8b --token ... --requests 200`
 * Progress (one line a second) on stderr when it is a terminal (or with --progress); the report on stdout.
 */
import * as fs from "fs";
import { formatProgress, formatReport } from "./report";
import { DEFAULT_MIX, parseMix } from "./prompts";
import { LoadOptions, runLoad } from "./runner";
import { Target, targetFromOutputs } from "./target";

const USAGE = `usage: npm run loadtest -- (--stack <env> [--target <name>] | --url <base /v1 url> --model <name> [--token <t>])
  [--concurrency 10] [--requests N] [--duration S]   (default: --requests 100; both bound the run)
  [--max-tokens 200] [--timeout 120] [--mix short=2,medium=4,long=6] [--seed 1]
  [--json <file>] [--progress | --no-progress]
  The token may also come from LOADTEST_TOKEN (keeps it out of shell history).`;

interface CliArgs {
  [key: string]: string | boolean | undefined;
}

function parseArgs(argv: string[]): CliArgs {
  const flags = new Set(["progress", "no-progress", "help"]);
  const args: CliArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    if (flags.has(m[1])) args[m[1]] = true;
    else if (i + 1 < argv.length) args[m[1]] = argv[++i];
    else throw new Error(`--${m[1]} needs a value`);
  }
  return args;
}

const num = (v: string | boolean | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isFinite(n)) throw new Error(`--${name} expects a number, got ${String(v)}`);
  return n;
};

async function resolveTarget(args: CliArgs): Promise<Target> {
  if (typeof args.stack === "string") {
    if (args.url) throw new Error("give --stack or --url, not both");
    const { outputs } = await import("../automation");
    return targetFromOutputs(args.stack, await outputs(args.stack, { revealSecrets: true }), typeof args.target === "string" ? args.target : undefined);
  }
  if (typeof args.url !== "string" || typeof args.model !== "string") throw new Error(USAGE);
  return { baseUrl: args.url, model: args.model, token: typeof args.token === "string" ? args.token : process.env.LOADTEST_TOKEN };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const target = await resolveTarget(args);
  const requests = num(args.requests, "requests");
  const duration = num(args.duration, "duration");
  const showProgress = args.progress === true || (args["no-progress"] !== true && process.stderr.isTTY);
  const options: LoadOptions = {
    baseUrl: target.baseUrl,
    token: target.token,
    model: target.model,
    concurrency: num(args.concurrency, "concurrency") ?? 10,
    maxRequests: requests ?? (duration === undefined ? 100 : undefined),
    durationSeconds: duration,
    maxTokens: num(args["max-tokens"], "max-tokens") ?? 200,
    timeoutSeconds: num(args.timeout, "timeout") ?? 120,
    mix: typeof args.mix === "string" ? parseMix(args.mix) : DEFAULT_MIX,
    seed: num(args.seed, "seed"),
    onProgress: showProgress ? (p) => process.stderr.write(formatProgress(p) + "\n") : undefined,
  };
  const result = await runLoad(options);
  process.stdout.write(formatReport(result));
  if (typeof args.json === "string") fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
  return result.requests.ok > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
