/** Child processes and ports of the demo: a busy port is a clear error, every process started is stopped. */
import { spawn, type ChildProcess } from "child_process";
import { createServer } from "net";

/** Fails with `<what> port <n> on 127.0.0.1 is in use …` when the port cannot be bound. */
export async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once("error", (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === "EADDRINUSE" ? `${what} port ${port} on 127.0.0.1 is in use: stop what listens there or pick another with ${flag}` : `${what} port ${port}: ${e.message}`)),
    );
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
  });
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Managed {
  name: string;
  pid: number;
  /** Last 20 kB of stderr. */
  log: () => string;
  exited: () => boolean;
  /** SIGHUP: Prometheus and Alertmanager reload their config and rules. */
  reload: () => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
}

const children = new Set<ChildProcess>();
// Whatever happens to this process, its children do not outlive it.
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Starts `bin` and waits until `readyUrl` answers 200 (or the process dies, or `timeoutMs` passes). */
export async function startManaged(name: string, bin: string, args: string[], opts: { cwd: string; readyUrl: string; timeoutMs?: number }): Promise<Managed> {
  const proc = spawn(bin, args, { cwd: opts.cwd, stdio: ["ignore", "ignore", "pipe"] });
  children.add(proc);
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  let gone = false;
  const exitedPromise = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      gone = true;
      children.delete(proc);
      resolve();
    }),
  );
  proc.once("error", () => undefined);
  const managed: Managed = {
    name,
    pid: proc.pid ?? -1,
    log: () => stderr,
    exited: () => gone,
    reload: () => {
      if (!gone) proc.kill("SIGHUP");
    },
    stop: async (graceMs = 5000) => {
      if (gone) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (gone) throw new Error(`${name} exited during startup:\n${stderr.trim()}`);
    try {
      const res = await fetch(opts.readyUrl);
      if (res.ok) return managed;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await managed.stop();
      throw new Error(`${name} not ready after ${opts.timeoutMs ?? 20_000} ms:\n${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
