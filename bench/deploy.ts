/**
 * `npm run bench:deploy -- <stack> [--parallel N] [-c ns:key=value]...`
 * A simulated `pulumi up` of the real program (bench/deploy/timeline.ts): the wall time, the chain of creates that
 * sets it, the lower bound (the longest chain of dependencies that are really needed, bench/deploy/needs.ts) and
 * their ratio. Durations come from bench/deploy/durations.ts (each with its source or marked as an estimate).
 */
import { parseOverride, type ConfigOverride } from "../scripts/plan/overrides";
import { DURATIONS } from "./deploy/durations";
import type { SimResource } from "./deploy/model";
import { simulateDeploy, type Step, type Timeline } from "./deploy/timeline";

const USAGE = "usage: npm run bench:deploy -- <stack> [--parallel N] [-c <namespace:key[.path]>=<value>]...";

function parseArgs(argv: string[]) {
  const overrides: ConfigOverride[] = [];
  let stack: string | undefined;
  let parallel: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--parallel") parallel = Number(argv[++i]);
    else if (a === "-c" || a === "--config") overrides.push(parseOverride(argv[++i] ?? ""));
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else stack = a;
  }
  if (!stack) throw new Error(USAGE);
  if (parallel !== undefined && !(parallel >= 1)) throw new Error(`--parallel takes a number ≥ 1\n${USAGE}`);
  return { stack, overrides, parallel };
}

const min = (t: number) => `${t.toFixed(1).padStart(5)} min`;
const label = (r: SimResource) => `${r.type.replace(/^kubernetes:|^ovh:CloudProject\//, "")} ${r.name}`;

function printPath(title: string, path: Step[], times: (s: Step) => [number, number]): void {
  console.log(title);
  for (const step of path) {
    const [from, to] = times(step);
    const held = step.via === "needed" ? `  ← needs previous${step.lag ? ` +${step.lag} min` : ""}: ${step.why}` : step.via === "declared" ? "  ← waits for previous" : "";
    const waited = step.resource.ready !== undefined && step.resource.ready > from + 1e-9 && !step.bound ? ` (sent at ${from.toFixed(1)}, work from ${step.resource.ready.toFixed(1)})` : "";
    console.log(`  ${min(step.bound ? from : step.resource.ready ?? from)} → ${min(to)}  ${label(step.resource)}${waited}  [${step.resource.duration.key}: ${DURATIONS[step.resource.duration.key].minutes} min]${held}`);
  }
}

/** When each top-level part of the program is done. */
function milestones(t: Timeline): string[] {
  const parts = new Map<string, number>();
  for (const r of t.resources) {
    if (r.end === undefined) continue;
    const part = t.index.get(t.index.partOf(r))!;
    parts.set(part.name, Math.max(parts.get(part.name) ?? 0, r.end));
  }
  return [...parts].sort((a, b) => a[1] - b[1]).map(([name, end]) => `${min(end)}  ${name}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t = await simulateDeploy({
    stack: args.stack,
    overrides: args.overrides,
    parallel: args.parallel,
  });
  console.log(`bench:deploy ${args.stack}: simulated \`pulumi up\` of ${t.resources.filter((r) => r.custom).length} resources (virtual clock; parallelism ${args.parallel ?? "unbounded, the Pulumi default"})`);
  console.log(`  wall time    ${min(t.wall)}`);
  console.log(`  lower bound  ${min(t.lowerBound)}   (longest chain of needed dependencies, bench/deploy/needs.ts)`);
  console.log(`  ratio        ${t.ratio.toFixed(2)}`);
  printPath("critical path (what sets the wall time):", t.criticalPath, (s) => [s.resource.start, s.resource.end ?? s.resource.start]);
  if (t.ratio > 1.005) printPath("lower-bound chain:", t.boundPath, (s) => [s.bound!.start, s.bound!.end]);
  console.log("parts done at:");
  for (const line of milestones(t)) console.log(`  ${line}`);
  for (const u of t.undeclaredNeeds) console.log(`note: ${label(u.resource)} needs ${label(u.need)} (${u.why}) without declaring it: Pulumi starts it early and its await absorbs the wait`);
  for (const u of t.unmetNeeds) console.log(`warning: the simulation started ${label(u.resource)} before ${label(u.need)} ended (${u.why}): bench/deploy/needs.ts resolves it too late`);
}

// `| head` closes stdout early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => process.exit(e.code === "EPIPE" ? 0 : 1));

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
