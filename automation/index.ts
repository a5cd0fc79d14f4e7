/**
 * Deploy, preview, refresh, read and destroy a stack from code (other services import this), through Pulumi's
 * Automation API over the repository's program. State is local by default (file backend + passphrase secrets
 * provider); every check that needs no CLI (stack exists, overrides valid, CLI on PATH, passphrase, OVH credentials)
 * runs first, so a mistake fails fast with a typed error (all `AutomationError`s) and never half-touches a stack:
 *
 * - one operation per stack at a time in this process: a second call fails with StackBusyError before it reads or
 *   writes anything (another process is stopped by the backend's own lock, also StackBusyError);
 * - overrides run from a copy of Pulumi.<env>.yaml (`--config-file`); `deploy` writes them to the real file only
 *   after the update succeeded, `preview` never does;
 * - `options.signal` cancels: before the start nothing happens, during it the CLI stops gracefully (SIGINT).
 */
import * as path from "path";
import { ROOT } from "../config/stackFile";
import type { StackConfig } from "../config/schema";
import { findOvhCredentials, missingCredentialsMessage, pulumiOnPath } from "./credentials";
import type { ChangeSummary, DriverFactory, OperationOptions, ProgressCallbacks, StackDriver, StoredOutput } from "./driver";
import {
  MissingCliError,
  missingCliMessage,
  MissingCredentialsError,
  MissingPassphraseError,
  OperationCancelledError,
  PulumiCommandError,
  StackBusyError,
  toAutomationError,
} from "./errors";
import { localDriverFactory } from "./localDriver";
import { ConfigOverrides, mergeOverrides } from "./overrides";
import { readCommittedConfig, stackFileWithValues } from "./stackConfig";

export * from "./errors";
export type { ChangeSummary, DriverFactory, DriverSettings, OperationOptions, ProgressCallbacks, StackDriver, StoredOutput } from "./driver";
export type { ConfigOverrides } from "./overrides";

export interface AutomationOptions extends ProgressCallbacks {
  /** State backend; default PULUMI_BACKEND_URL, else `file://<workDir>` (state in `<workDir>/.pulumi/`, git-ignored). */
  backendUrl?: string;
  /** Environment for the checks and the CLI; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Repository with Pulumi.yaml and the stack files every check reads; default this repository. */
  workDir?: string;
  /** Cancels the operation (OperationCancelledError): not started if already aborted, else the CLI stops on SIGINT. */
  signal?: AbortSignal;
  /** How stacks are reached; default the Automation API (LocalWorkspace). Tests pass a fake. */
  driverFactory?: DriverFactory;
}

export const MASK = "[secret]";

/** Stack outputs (see the program's exports); secret values are `[secret]` unless revealed. */
export type StackOutputs = Record<string, unknown>;

/** An inference endpoint, as exported in the `endpoints` stack output. */
export interface Endpoint {
  /** OpenAI-compatible base URL, ending in /v1. */
  url: string;
  /** Served model name (the `model` of API calls). */
  model: string;
  kind: "ai-deploy" | "gpu-cluster";
}

export interface DeployResult {
  summary: ChangeSummary;
  /** The validated config the update ran with. */
  config: StackConfig;
  /** Stack outputs, secrets masked. */
  outputs: StackOutputs;
}

export interface PreviewResult {
  summary: ChangeSummary;
  /** The validated config the preview ran with (overrides applied). */
  config: StackConfig;
}

interface Context {
  stack: string;
  workDir: string;
  env: Record<string, string | undefined>;
  backendUrl: string;
  options: AutomationOptions;
}

function contextOf(stack: string, options: AutomationOptions): Context {
  const workDir = path.resolve(options.workDir ?? ROOT);
  const env = options.env ?? process.env;
  return { stack, workDir, env, backendUrl: options.backendUrl ?? env.PULUMI_BACKEND_URL ?? `file://${workDir}`, options };
}

/** The stacks with an operation running in this process (key: work dir, backend, stack), and what it is. */
const running = new Map<string, string>();

/**
 * Runs `op` as the only operation of this stack in this process. Taken synchronously, before the first `await`, so
 * of two calls made together the second fails before it has read or written anything.
 */
async function exclusive<T>(what: string, ctx: Context, op: () => Promise<T>): Promise<T> {
  const key = [ctx.workDir, ctx.backendUrl, ctx.stack].join("\0");
  const current = running.get(key);
  if (current !== undefined) throw new StackBusyError(`stack ${ctx.stack} is busy: a ${current} is running in this process; retry when it is done (nothing was read or written)`);
  running.set(key, what);
  try {
    return await op();
  } finally {
    running.delete(key);
  }
}

function throwIfAborted(ctx: Context): void {
  if (ctx.options.signal?.aborted) throw new OperationCancelledError(`the operation on stack ${ctx.stack} was cancelled before it started (nothing ran)`);
}

/** The CLI environment: the caller's, plus backend; a file backend needs the passphrase to encrypt secrets. */
function cliEnv(ctx: Context): Record<string, string> {
  if (!pulumiOnPath(ctx.env)) throw new MissingCliError(missingCliMessage());
  if (ctx.backendUrl.startsWith("file://") && ctx.env.PULUMI_CONFIG_PASSPHRASE === undefined && ctx.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    throw new MissingPassphraseError("the local state backend encrypts secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)");
  }
  const defined = Object.entries(ctx.env).filter((kv): kv is [string, string] => kv[1] !== undefined);
  return { ...Object.fromEntries(defined), PULUMI_BACKEND_URL: ctx.backendUrl };
}

async function open(ctx: Context, mode: "create" | "select", needsCredentials: boolean, configKeys: Set<string>): Promise<StackDriver> {
  const envVars = cliEnv(ctx);
  if (needsCredentials && findOvhCredentials(ctx.env, configKeys) === undefined) throw new MissingCredentialsError(missingCredentialsMessage(ctx.stack));
  throwIfAborted(ctx);
  const factory = ctx.options.driverFactory ?? localDriverFactory;
  return factory({ stack: ctx.stack, workDir: ctx.workDir, backendUrl: ctx.backendUrl, envVars, mode });
}

/** `op` with every error mapped to the module's (a config error to ConfigError, an abort to OperationCancelledError). */
async function mapped<T>(ctx: Context, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toAutomationError(e, ctx.stack, ctx.options.signal);
  }
}

const operationOptions = (ctx: Context, configFile?: string): OperationOptions => ({
  onOutput: ctx.options.onOutput,
  onEvent: ctx.options.onEvent,
  signal: ctx.options.signal,
  configFile,
});

/** Runs `op` with a copy of the stack file holding `changedKeys` (or the real file when there are none). */
async function withOverriddenStackFile<T>(ctx: Context, changedKeys: Record<string, unknown>, op: (configFile?: string) => Promise<T>): Promise<T> {
  if (Object.keys(changedKeys).length === 0) return op();
  const copy = stackFileWithValues(ctx.stack, ctx.workDir, changedKeys);
  try {
    return await op(copy.path);
  } finally {
    copy.dispose();
  }
}

/** Writes the overrides of a successful update to Pulumi.<env>.yaml; if that fails, says the update itself went through. */
async function keepOverrides(ctx: Context, driver: StackDriver, changedKeys: Record<string, unknown>): Promise<void> {
  try {
    await driver.setConfig(changedKeys);
  } catch (e) {
    const keys = Object.keys(changedKeys).join(", ");
    throw new PulumiCommandError(`the update of ${ctx.stack} succeeded, but writing ${keys} to Pulumi.${ctx.stack}.yaml failed (the next plain update would revert them): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function maskOutputs(stored: Record<string, StoredOutput>, revealSecrets: boolean): StackOutputs {
  return Object.fromEntries(
    Object.keys(stored)
      .sort()
      .map((k) => [k, stored[k].secret && !revealSecrets ? MASK : stored[k].value]),
  );
}

/**
 * `pulumi up` for `env`, after merging `overrides` over Pulumi.<env>.yaml and validating (ConfigError before any
 * CLI call). The update runs from a copy of the stack file with the overrides; only when it succeeded are the
 * overridden keys written to Pulumi.<env>.yaml (as `pulumi config set` would), so the next update keeps them. A
 * failed or cancelled update leaves the file as it was.
 */
export async function deploy(env: string, overrides: ConfigOverrides = {}, options: AutomationOptions = {}): Promise<DeployResult> {
  const ctx = contextOf(env, options);
  return exclusive("deploy", ctx, () =>
    mapped(ctx, async () => {
      throwIfAborted(ctx);
      const committed = readCommittedConfig(env, ctx.workDir);
      const { config, changedKeys } = mergeOverrides(committed.projectConfig, overrides);
      const driver = await open(ctx, "create", true, committed.keys);
      const result = await withOverriddenStackFile(ctx, changedKeys, (configFile) => driver.up(operationOptions(ctx, configFile)));
      if (Object.keys(changedKeys).length > 0) await keepOverrides(ctx, driver, changedKeys);
      return { summary: result.summary, config, outputs: maskOutputs(result.outputs, false) };
    }),
  );
}

/**
 * `pulumi preview` for `env` with `overrides` merged over Pulumi.<env>.yaml and validated, as `deploy` would run
 * them; the stack file is never written (creates the stack in the backend if it is new, like `pulumi stack init`).
 */
export async function preview(env: string, overrides: ConfigOverrides = {}, options: AutomationOptions = {}): Promise<PreviewResult> {
  const ctx = contextOf(env, options);
  return exclusive("preview", ctx, () =>
    mapped(ctx, async () => {
      throwIfAborted(ctx);
      const committed = readCommittedConfig(env, ctx.workDir);
      const { config, changedKeys } = mergeOverrides(committed.projectConfig, overrides);
      const driver = await open(ctx, "create", true, committed.keys);
      const { summary } = await withOverriddenStackFile(ctx, changedKeys, (configFile) => driver.preview(operationOptions(ctx, configFile)));
      return { summary, config };
    }),
  );
}

/** `pulumi refresh` for `env`: the state is brought in line with the cloud (the stack must exist; committed config). */
export async function refresh(env: string, options: AutomationOptions = {}): Promise<{ summary: ChangeSummary }> {
  const ctx = contextOf(env, options);
  return exclusive("refresh", ctx, () =>
    mapped(ctx, async () => {
      throwIfAborted(ctx);
      const committed = readCommittedConfig(env, ctx.workDir);
      mergeOverrides(committed.projectConfig, {});
      const driver = await open(ctx, "select", true, committed.keys);
      return driver.refresh(operationOptions(ctx));
    }),
  );
}

/** The stack's outputs; secrets stay `[secret]` unless `revealSecrets`. Needs no OVH credentials; runs beside an update. */
export async function outputs(env: string, { revealSecrets = false }: { revealSecrets?: boolean } = {}, options: AutomationOptions = {}): Promise<StackOutputs> {
  const ctx = contextOf(env, options);
  return mapped(ctx, async () => {
    throwIfAborted(ctx);
    const committed = readCommittedConfig(env, ctx.workDir);
    const driver = await open(ctx, "select", false, committed.keys);
    return maskOutputs(await driver.outputs(), revealSecrets);
  });
}

/** `pulumi destroy` for `env`: every resource of the stack is deleted. The stack itself stays (empty). */
export async function destroy(env: string, options: AutomationOptions = {}): Promise<{ summary: ChangeSummary }> {
  const ctx = contextOf(env, options);
  return exclusive("destroy", ctx, () =>
    mapped(ctx, async () => {
      throwIfAborted(ctx);
      const committed = readCommittedConfig(env, ctx.workDir);
      const driver = await open(ctx, "select", true, committed.keys);
      return driver.destroy(operationOptions(ctx));
    }),
  );
}

/**
 * `pulumi cancel` for `env` (Automation API `Stack.cancel()`): stops the update the backend has running for the
 * stack, e.g. one left by a killed process. Dangerous if that update is still alive (its resource operations are cut
 * off): cancel your own operations with `options.signal` instead. Needs no OVH credentials.
 */
export async function cancel(env: string, options: AutomationOptions = {}): Promise<void> {
  const ctx = contextOf(env, options);
  return mapped(ctx, async () => {
    const committed = readCommittedConfig(env, ctx.workDir);
    const driver = await open(ctx, "select", false, committed.keys);
    await driver.cancel();
  });
}
