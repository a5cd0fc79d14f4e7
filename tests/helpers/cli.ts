/** Runs a TypeScript entry point of this repo (`scripts/plan.ts`, `loadtest/cli.ts` ...) as users do, in a child process. */
import { execFile } from "child_process";
import * as path from "path";
import { ROOT } from "../../config/stackFile";

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node --import tsx <ROOT>/<script> ...args` from the repo root; resolves (never rejects) with exit code and output. */
export function runTsxScript(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], { cwd: ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
