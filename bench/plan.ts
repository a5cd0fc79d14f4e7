/**
 * `npm run bench:plan [-- --models 40] [--runs 3] [--no-test]`: how the offline plan and the test suite scale.
 * 1. `npm run plan -- prod` for a generated stack: prod with `--models` GPU models (each a copy of prod's model under
 *    its own name and host), run `--runs` times; prints the best wall time and the CPU time of each run.
 * 2. `npm test` once (type-check included), wall and CPU time.
 * Goals (issue #17): plan ≤ 3 s at 40 models, `npm test` ≤ 90 s on 2 cores. The machine may be shared: the load
 * average is printed next to every figure, and CPU seconds (user + system of the process tree, from /proc) are
 * the figure to compare across runs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config/schema";
import { readStackFile, ROOT } from "../config/stackFile";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

/** CPU seconds of the children this process has waited for (Linux: cutime + cstime of /proc/self/stat). */
function childrenCpuSeconds(): number {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100; // clock ticks, USER_HZ = 100
}

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");

function timed(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): { wall: number; cpu: number; status: number | null; stderr: string } {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  return { wall: (performance.now() - t0) / 1000, cpu: childrenCpuSeconds() - cpu0, status: r.status, stderr: r.stderr ?? "" };
}

/** prod's GPU model, `n` times, each under its own name and host. */
function generatedModels(n: number): unknown[] {
  const [model] = parseConfig(readStackFile("prod").projectConfig).gpuCluster!.models;
  return Array.from({ length: n }, (_, i) => ({ ...model, name: `${model.name}-${i}`, servedModelName: `${model.servedModelName}-${i}`, hostname: `m${i}.${model.hostname}` }));
}

function main(): void {
  const models = Number(arg("models", "40"));
  const runs = Number(arg("runs", "3"));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
  const override = `ovh-llm:gpuCluster.models=${JSON.stringify(generatedModels(models))}`;
  console.log(`bench:plan on ${os.cpus().length} CPUs, Node ${process.version}`);
  try {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = timed("npm", ["run", "--silent", "plan", "--", "prod", "--out", out, "-c", override]);
      if (r.status !== 0) throw new Error(`npm run plan failed:\n${r.stderr}`);
      results.push(r);
      console.log(`  plan, ${models} models: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU   (load ${load()})`);
    }
    const best = results.reduce((a, b) => (b.wall < a.wall ? b : a));
    const resources = (JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as unknown[]).length;
    console.log(`plan at ${models} models (${resources} resources): best ${best.wall.toFixed(2)} s wall, ${Math.min(...results.map((r) => r.cpu)).toFixed(2)} s CPU (goal ≤ 3 s)`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  if (process.argv.includes("--no-test")) return;
  const t = timed("npm", ["test", "--silent"]);
  console.log(`npm test: ${t.wall.toFixed(1)} s wall, ${t.cpu.toFixed(1)} s CPU, exit ${t.status}   (load ${load()}; goal ≤ 90 s on 2 cores)`);
}

main();
