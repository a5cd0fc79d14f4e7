/**
 * `npm run plan -- <stack> [--out <dir>] [--config <ns:key[.path]>=<value>]...`
 * What `pulumi preview` would create for a stack, without the CLI or credentials: prints the resource tree and writes
 * the rendered artifacts to out/<stack>/. Exit 1 on bad config (the program's own ConfigError), unknown stack, a
 * program failure, or a secret reaching a resource in clear.
 */
import * as path from "path";
import { listStacks, ROOT } from "../config/stackFile";
import { runPlan, writeArtifacts } from "./plan/run";
import { parseOverride, ConfigOverride } from "./plan/overrides";

const USAGE = "usage: npm run plan -- <stack> [--out <dir>] [--config <namespace:key[.path]>=<value>]...";

function parseArgs(argv: string[]): { stack: string; out?: string; overrides: ConfigOverride[] } {
  const overrides: ConfigOverride[] = [];
  let stack: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") out = argv[++i];
    else if (a === "--config" || a === "-c") overrides.push(parseOverride(argv[++i] ?? ""));
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (stack === undefined) stack = a;
    else throw new Error(`one stack at a time\n${USAGE}`);
  }
  if (!stack) throw new Error(`${USAGE}\nstacks: ${listStacks().join(", ")}`);
  return { stack, out, overrides };
}

const displayPath = (dir: string) => (path.relative(process.cwd(), dir).startsWith("..") ? dir : path.relative(process.cwd(), dir) || ".");

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const plan = await runPlan({ stack: args.stack, overrides: args.overrides });
  const dir = path.resolve(args.out ?? path.join(ROOT, "out", args.stack));
  writeArtifacts(dir, plan.artifacts);
  process.stdout.write(plan.artifacts.get("tree.txt")!);
  const custom = plan.resources.filter((r) => r.custom).length;
  process.stdout.write(`\n${plan.resources.length} resources (${custom} custom, ${plan.resources.length - custom} components); ${plan.artifacts.size} files in ${displayPath(dir)}\n`);
  for (const leak of plan.leaks) process.stderr.write(`error: secret ${leak.secretKey} in clear at ${leak.urn} input ${leak.path}\n`);
  return plan.leaks.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Config and usage errors are for humans: the message only, as `pulumi preview` prints them.
    const err = e instanceof Error ? e : new Error(String(e));
    const known = ["ConfigError", "UnknownStackError", "ProgramError", "Error"].includes(err.name) && !process.env.PLAN_DEBUG;
    process.stderr.write(`error: ${known ? err.message : err.stack}\n`);
    process.exit(1);
  },
);
