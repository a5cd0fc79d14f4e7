/**
 * Deploy, preview, read and destroy a stack from code (other services import this), through Pulumi's Automation
 * API over the repository's program. State is local by default (file backend + passphrase secrets provider); every
 * check that needs no CLI (stack exists, overrides valid, CLI on PATH, passphrase, OVH credentials) runs first, so
 * a mistake fails fast with a typed error and never half-touches a stack.
 */
import * as path from "path";
import { ROOT } from "../config/stackFile";
import type { StackConfig } from "../config/schema";
import { findOvhCredentials, missingCredentialsMessage, pulumiOnPath } from "./credentials";
import type { ChangeSummary, DriverFactory, ProgressCallbacks, StackDriver, StoredOutput } from "./driver";
import { MissingCliError, missingCliMessage, MissingCredentialsError, MissingPassphraseError, toAutomationError } from "./errors";
import { localDriverFactory } from "./localDriver";
import { ConfigOverrides, mergeOverrides } from "./overrides";
import { readCommittedConfig } from "./stackConfig";

export * from "./errors";
export type { ChangeSummary, DriverFactory, DriverSettings, ProgressCallbacks, StackDriver, StoredOutput } from "./driver";
export type { ConfigOverrides } from "./overrides";

export interface AutomationOptions extends ProgressCallbacks {
  /** State backend; default PULUMI_BACKEND_URL, else `file://<repo root>` (state in `<repo>/.pulumi/`, git-ignored). */
  backendUrl?: string;
  /** Environment for the checks and the CLI; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Repository with Pulumi.yaml; default this repository. */
  workDir?: string;
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

interface Session {
  driver: StackDriver;
  callbacks: ProgressCallbacks;
}

function backendOf(options: AutomationOptions, env: Record<string, string | undefined>): string {
  return options.backendUrl ?? env.PULUMI_BACKEND_URL ?? `file://${options.workDir ?? ROOT}`;
}

/** The CLI environment: the caller's, plus backend; a file backend needs the passphrase to encrypt secrets. */
function cliEnv(options: AutomationOptions, env: Record<string, string | undefined>): Record<string, string> {
  const backendUrl = backendOf(options, env);
  if (!pulumiOnPath(env)) throw new MissingCliError(missingCliMessage());
  if (backendUrl.startsWith("file://") && env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    throw new MissingPassphraseError("the local state backend encrypts secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)");
  }
  const defined = Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined);
  return { ...Object.fromEntries(defined), PULUMI_BACKEND_URL: backendUrl };
}

async function open(stack: string, mode: "create" | "select", options: AutomationOptions, needsCredentials: boolean, configKeys: Set<string>): Promise<Session> {
  const env = options.env ?? process.env;
  const envVars = cliEnv(options, env);
  if (needsCredentials && findOvhCredentials(env, configKeys) === undefined) throw new MissingCredentialsError(missingCredentialsMessage(stack));
  const factory = options.driverFactory ?? localDriverFactory;
  try {
    const driver = await factory({ stack, workDir: path.resolve(options.workDir ?? ROOT), backendUrl: backendOf(options, env), envVars, mode });
    return { driver, callbacks: { onOutput: options.onOutput, onEvent: options.onEvent } };
  } catch (e) {
    throw toAutomationError(e, stack);
  }
}

async function run<T>(stack: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toAutomationError(e, stack);
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
 * CLI call). Overridden keys are written to the stack config (Pulumi.<env>.yaml), as `pulumi config set` would, so
 * the next update keeps them.
 */
export async function deploy(env: string, overrides: ConfigOverrides = {}, options: AutomationOptions = {}): Promise<DeployResult> {
  const committed = readCommittedConfig(env);
  const { config, changedKeys } = mergeOverrides(committed.projectConfig, overrides);
  const { driver, callbacks } = await open(env, "create", options, true, committed.keys);
  return run(env, async () => {
    if (Object.keys(changedKeys).length > 0) await driver.setConfig(changedKeys);
    const result = await driver.up(callbacks);
    return { summary: result.summary, config, outputs: maskOutputs(result.outputs, false) };
  });
}

/** `pulumi preview` for `env` (creates the stack in the backend if it is new, like `pulumi stack init`). */
export async function preview(env: string, options: AutomationOptions = {}): Promise<{ summary: ChangeSummary }> {
  const committed = readCommittedConfig(env);
  mergeOverrides(committed.projectConfig, {});
  const { driver, callbacks } = await open(env, "create", options, true, committed.keys);
  return run(env, () => driver.preview(callbacks));
}

/** The stack's outputs; secrets stay `[secret]` unless `revealSecrets`. Needs no OVH credentials. */
export async function outputs(env: string, { revealSecrets = false }: { revealSecrets?: boolean } = {}, options: AutomationOptions = {}): Promise<StackOutputs> {
  const committed = readCommittedConfig(env);
  const { driver } = await open(env, "select", options, false, committed.keys);
  return run(env, async () => maskOutputs(await driver.outputs(), revealSecrets));
}

/** `pulumi destroy` for `env`: every resource of the stack is deleted. The stack itself stays (empty). */
export async function destroy(env: string, options: AutomationOptions = {}): Promise<{ summary: ChangeSummary }> {
  const committed = readCommittedConfig(env);
  const { driver, callbacks } = await open(env, "select", options, true, committed.keys);
  return run(env, () => driver.destroy(callbacks));
}
