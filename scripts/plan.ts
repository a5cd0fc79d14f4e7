/**
 * `npm run plan -- <stack> [--out <dir>] [--config <ns:key[.path]>=<value>]... [--config-file <path>]`
 * What `pulumi preview` would create for a stack, without the CLI or credentials: prints the resource tree and writes
 * the rendered artifacts to out/<stack>/. Exit 1 on bad config (the program's own ConfigError), an unreadable stack
 * file, unknown stack, a program failure, or a secret reaching a resource in clear. Config is read and validated
 * before the Pulumi SDK and the program are loaded: a bad value fails in well under the time of a program run.
 */
import * as path from "path";
import { listStacks, ROOT } from "../config/stackFile";
import { planConfig } from "./plan/config";
import { skipUnusedSdkModules } from "./plan/lean";
import { ConfigOverride, parseOverride } from "./plan/overrides";

const USAGE = "usage: npm run plan -- <stack> [--out <dir>] [--config <namespace:key[.path]>=<value>]... [--config-file <Pulumi.<stack>.yaml elsewhere>]";

interface PlanArgs {
  stack: string;
  out?: string;
  overrides: ConfigOverride[];
  configFile?: string;
}

function parseArgs(argv: string[]): PlanArgs {
  const overrides: ConfigOverride[] = [];
  let stack: string | undefined;
  let out: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") out = argv[++i];
    else if (a === "--config" || a === "-c") overrides.push(parseOverride(argv[++i] ?? ""));
    else if (a === "--config-file") configFile = path.resolve(argv[++i] ?? "");
    else if (a.startsWith("-")) throw new Error(`unknown option ${a.slice(0, 40)}\n${USAGE}`);
    else if (stack === undefined) stack = a;
    else throw new Error(`one stack at a time\n${USAGE}`);
  }
  if (!stack) throw new Error(`${USAGE}\nstacks: ${listStacks().join(", ")}`);
  return { stack, out, overrides, configFile };
}

const displayPath = (dir: string) => (path.relative(process.cwd(), dir).startsWith("..") ? dir : path.relative(process.cwd(), dir) || ".");

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  planConfig(args);
  skipUnusedSdkModules();
  const { runPlan, writeArtifacts } = await import("./plan/run");
  const plan = await runPlan(args);
  const dir = path.resolve(args.out ?? path.join(ROOT, "out", args.stack));
  writeArtifacts(dir, plan.artifacts);
  process.stdout.write(plan.artifacts.get("tree.txt")!);
  const custom = plan.resources.filter((r) => r.custom).length;
  process.stdout.write(`\n${plan.resources.length} resources (${custom} custom, ${plan.resources.length - custom} components); ${plan.artifacts.size} files in ${displayPath(dir)}\n`);
  for (const leak of plan.leaks) process.stderr.write(`error: secret ${leak.secretKey} in clear at ${leak.urn} input ${leak.path}\n`);
  return plan.leaks.length > 0 ? 1 : 0;
}

/** Errors meant for people: the message only, as `pulumi preview` prints them (PLAN_DEBUG=1 adds the stack). */
const FOR_PEOPLE = ["ConfigError", "StackFileError", "OverrideError", "UnknownStackError", "ProgramError", "Error"];

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    const known = FOR_PEOPLE.includes(err.name) && !process.env.PLAN_DEBUG;
    process.stderr.write(`error: ${known ? err.message : err.stack}\n`);
    process.exit(1);
  },
);
