/**
 * The offline plan: runs the real program (index.ts → program.ts) for one stack under the mock runtime and returns
 * what it would create, masked and rendered. One plan per process: the program is a module with side effects.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ROOT } from "../../config/stackFile";
import { Artifacts, renderArtifacts } from "./artifacts";
import { MASK, maskSecrets } from "./mask";
import { withoutClosureSerialization, withoutStackTraces } from "./lean";
import { installPlanRuntime } from "./mockRuntime";
import type { PlannedOutputs, PlannedResource, SecretLeak } from "./model";
import { planConfig } from "./config";
import type { ConfigOverride } from "./overrides";

export { UnknownStackError } from "./config";

/** The program ran but reported errors (failed applies or registrations), as `pulumi preview` would. */
export class ProgramError extends Error {
  constructor(readonly errors: string[]) {
    super(`the program failed (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors.map((e) => `  - ${e}`).join("\n")}`);
    this.name = "ProgramError";
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): { logErrorCount: number } };
const loggedErrorCount = (): number => runtimeState.getStore().logErrorCount;

export interface PlanResult {
  stack: string;
  resources: PlannedResource[];
  outputs: PlannedOutputs;
  leaks: SecretLeak[];
  artifacts: Artifacts;
}

export interface PlanOptions {
  stack: string;
  overrides?: ConfigOverride[];
  /** Read the config from this file instead of Pulumi.<stack>.yaml (like `pulumi preview --config-file`). */
  configFile?: string;
  /** Runs the program and returns its exports (the stack outputs); requires the project's `index.ts` by default. */
  program?: () => Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runIndex = () => require(path.join(ROOT, "index")) as Record<string, unknown>;

export function runPlan(options: PlanOptions): Promise<PlanResult> {
  return withoutStackTraces(() => plan(options));
}

async function plan({ stack, overrides = [], configFile, program = runIndex }: PlanOptions): Promise<PlanResult> {
  const runtime = await installPlanRuntime(stack, planConfig({ stack, overrides, configFile }));

  // Failures inside applies and registrations do not throw: the SDK logs them (`log.error`, which without an
  // engine goes to console.error) and counts them, and `pulumi preview` then fails. Do the same.
  const asyncErrors: unknown[] = [];
  const onError = (e: unknown) => asyncErrors.push(e);
  const logged: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
    consoleError(...args);
  };
  const errorsBefore = loggedErrorCount();
  process.on("unhandledRejection", onError);
  try {
    // What mocks do not use is skipped (lean.ts): the provider closures and the SDK's per-promise stack traces.
    const exports = withoutClosureSerialization(program);
    await runtime.settle();
    const outputs = await resolveOutputs(exports);
    await runtime.settle();
    // Node reports unhandled rejections after the microtask queue drains: give it one macrotask turn.
    await new Promise((resolve) => setImmediate(resolve));
    if (asyncErrors.length > 0) throw asyncErrors[0];
    if (loggedErrorCount() > errorsBefore) throw new ProgramError(logged.filter((l) => l.startsWith("error:")).map((l) => l.replace(/^error: /, "")));
    return { stack, resources: runtime.resources, outputs, leaks: runtime.leaks, artifacts: renderArtifacts(runtime.resources, outputs) };
  } finally {
    process.off("unhandledRejection", onError);
    console.error = consoleError;
  }
}

/** The module's exports as the engine would record stack outputs: secret ones masked. */
async function resolveOutputs(exports: Record<string, unknown>): Promise<PlannedOutputs> {
  const result: PlannedOutputs = {};
  for (const key of Object.keys(exports).sort()) {
    if (key === "__esModule") continue;
    const out = pulumi.output(exports[key] as pulumi.Input<unknown>) as pulumi.Output<unknown>;
    const [value, secret] = await Promise.all([new Promise((resolve) => out.apply(resolve)), (out as any).isSecret as Promise<boolean>]);
    result[key] = secret ? MASK : maskSecrets(value);
  }
  return result;
}

/** Replaces `dir` with the artifacts (stale files from an earlier plan would mislead a diff). */
export function writeArtifacts(dir: string, artifacts: Artifacts): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of artifacts) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}
