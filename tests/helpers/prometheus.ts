/**
 * Process helpers for tests that need Prometheus 3 (`tools/bin`, installed by `npm run setup`): find the binaries (failing loudly when they
 * are missing), run promtool, start a throw-away Prometheus on a free port with a temp TSDB, query its HTTP API.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { requireTool } from "./tools";

export { requireTool };

export interface ToolRun {
  code: number | null;
  output: string;
}

/** Runs promtool with the given arguments in `cwd`; stdout and stderr together. */
export function runPromtool(args: string[], cwd: string): ToolRun {
  const r = spawnSync(requireTool("promtool"), args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  /** stderr of the server (for failure messages). */
  log: () => string;
  stop: () => Promise<void>;
}

const running = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.on("exit", () => running.forEach((p) => p.kill("SIGKILL")));

/** Starts `prometheus` with this config (files: name → content, written next to prometheus.yml) and waits until ready. */
export async function startPrometheus(opts: { configYaml: string; files?: Record<string, string>; readyTimeoutMs?: number }): Promise<RunningPrometheus> {
  const bin = requireTool("prometheus");
  const { dir, remove } = tempDir("ovh-llm-prom-");
  writeFileSync(join(dir, "prometheus.yml"), opts.configYaml);
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(
    bin,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  running.add(proc);
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  let exited = false;
  proc.on("exit", () => {
    exited = true;
    running.delete(proc);
  });
  const stop = async () => {
    if (!exited) {
      const done = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await done;
      clearTimeout(timer);
    }
    remove();
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited during startup:\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${opts.readyTimeoutMs ?? 15_000} ms:\n${stderr}`);
    }
    await sleep(100);
  }
  return { url, dir, log: () => stderr, stop };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Instant query; throws with Prometheus' error text on a bad query. */
export async function instantQuery(url: string, expr: string): Promise<{ resultType: string; result: PromSample[] }> {
  const res = await fetch(`${url}/api/v1/query`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ query: expr }) });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
  if (body.status !== "success" || !body.data) throw new Error(`query failed (${res.status}): ${body.error ?? "no data"}\n  ${expr}`);
  return body.data;
}

/** GET a Prometheus API path (targets, rules, ...), `data` of the answer. */
export async function apiGet<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`GET ${path} failed: ${body.error}`);
  return body.data;
}
