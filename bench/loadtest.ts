/**
 * Benchmark (not part of npm test): how much load the load tester sustains and what it costs in CPU. The fake
 * OpenAI-compatible server runs in its own process on 127.0.0.1, so `process.cpuUsage()` here is the tester's alone.
 *   tsx bench/loadtest.ts [--concurrency 2000] [--duration 20] [--max-tokens 200] [--token-delay-ms 50,20]
 * Each token delay is one scenario: 50 ms ≈ a GPU decoding 20 tokens/s per stream (a large batch), 20 ms ≈ 50 tokens/s;
 * 0 = as fast as the server goes. The machine may be shared: `coresAtNominalRate` (CPU per token × the token rate
 * the scenario asks for) does not depend on how long a busy machine stretched the run, `testerCpuPercentOfOneCore` does.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { monitorEventLoopDelay } from "perf_hooks";
import { runLoad } from "../loadtest/runner";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

/** CPU seconds a process has used (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

async function startServer(tokenDelayMs: number): Promise<{ url: string; cpuSeconds: () => number | undefined; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../tests/fakes/openaiServer.ts"), "--token-delay-ms", String(tokenDelayMs), "--first-token-delay-ms", "50"], {
    env: { ...process.env, FAKE_OPENAI_TOKEN: "bench-token" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (code) => reject(new Error(`fake server exited (${code})`)));
  });
  if (!url.startsWith("http://127.0.0.1:")) throw new Error(`unexpected server URL ${url}`);
  return { url, cpuSeconds: () => processCpuSeconds(child.pid!), stop: () => child.kill() };
}

async function scenario(concurrency: number, durationSeconds: number, maxTokens: number, tokenDelayMs: number) {
  const server = await startServer(tokenDelayMs);
  try {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const cpu0 = process.cpuUsage();
    const serverCpu0 = server.cpuSeconds();
    const r = await runLoad({ baseUrl: server.url, token: "bench-token", model: "bench", concurrency, durationSeconds, maxTokens, timeoutSeconds: 120 });
    const cpu = process.cpuUsage(cpu0);
    const serverCpu = (server.cpuSeconds() ?? NaN) - (serverCpu0 ?? NaN);
    lag.disable();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      tokenDelayMs,
      concurrency,
      wallSeconds: +r.wallSeconds.toFixed(1),
      requestsOk: r.requests.ok,
      failed: r.requests.failed,
      reqPerSecond: +r.throughput.requestsPerSecond.toFixed(1),
      tokensPerSecond: Math.round(r.throughput.outputTokensPerSecond),
      ttftP50ms: +r.ttftMs.p50.toFixed(1),
      ttftP99ms: +r.ttftMs.p99.toFixed(1),
      itlP50ms: +r.itlMs.p50.toFixed(2),
      itlP99ms: +r.itlMs.p99.toFixed(2),
      testerCpuPercentOfOneCore: +((100 * cpuSeconds) / r.wallSeconds).toFixed(0),
      cpuMsPerRequest: +((cpuSeconds * 1000) / Math.max(1, r.requests.ok + r.requests.failed)).toFixed(2),
      cpuMicrosPerToken: +((cpuSeconds * 1e6) / Math.max(1, r.throughput.outputTokens)).toFixed(1),
      coresAtNominalRate: tokenDelayMs > 0 ? +(((cpuSeconds / Math.max(1, r.throughput.outputTokens)) * concurrency * 1000) / tokenDelayMs).toFixed(2) : null,
      fakeServerCpuPercentOfOneCore: +((100 * serverCpu) / r.wallSeconds).toFixed(0),
      eventLoopDelayP99ms: +(lag.percentile(99) / 1e6).toFixed(1),
      heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
  } finally {
    server.stop();
  }
}

async function main() {
  const concurrency = Number(arg("concurrency", "2000"));
  const duration = Number(arg("duration", "20"));
  const maxTokens = Number(arg("max-tokens", "200"));
  const delays = arg("token-delay-ms", "50,20").split(",").map(Number);
  const os = await import("os");
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (fake server in a separate process on the same machine)`);
  for (const d of delays) console.log(JSON.stringify(await scenario(concurrency, duration, maxTokens, d)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
