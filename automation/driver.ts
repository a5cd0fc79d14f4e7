/**
 * The seam between the automation logic and the Pulumi CLI: everything the module needs from a stack. The real
 * implementation (localDriver.ts) is a thin adapter over the Automation API's LocalWorkspace; tests use a fake.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

export interface ProgressCallbacks {
  /** Each chunk of the CLI's human-readable output. */
  onOutput?: (text: string) => void;
  /** Structured engine events (resource pre/outputs, diagnostics, summary). */
  onEvent?: (event: EngineEvent) => void;
}

export interface OperationOptions extends ProgressCallbacks {
  /** Cancels the operation: the Automation API sends the CLI SIGINT, which stops it gracefully (as Ctrl-C does). */
  signal?: AbortSignal;
  /** The stack settings to run with instead of Pulumi.<stack>.yaml (`--config-file`): overrides never touch the real file before they succeed. */
  configFile?: string;
}

/** A stack output as the backend stores it. */
export interface StoredOutput {
  value: unknown;
  secret: boolean;
}

/** Counts of resource operations by kind (`create`, `update`, `same`, `delete`, ...). */
export type ChangeSummary = Record<string, number>;

export interface StackDriver {
  /** Writes plain (non-secret) config keys to the stack; structured values stay structured in Pulumi.<stack>.yaml. */
  setConfig(values: Record<string, unknown>): Promise<void>;
  up(options: OperationOptions): Promise<{ summary: ChangeSummary; outputs: Record<string, StoredOutput> }>;
  preview(options: OperationOptions): Promise<{ summary: ChangeSummary }>;
  refresh(options: OperationOptions): Promise<{ summary: ChangeSummary }>;
  destroy(options: OperationOptions): Promise<{ summary: ChangeSummary }>;
  outputs(): Promise<Record<string, StoredOutput>>;
  /** Stops the stack's running update in the backend (`pulumi cancel`; for an update stuck elsewhere). */
  cancel(): Promise<void>;
}

export interface DriverSettings {
  stack: string;
  /** Directory with Pulumi.yaml (the repository root). */
  workDir: string;
  backendUrl: string;
  /** Environment for the CLI (backend URL, passphrase, OVH credentials, PATH). */
  envVars: Record<string, string>;
  /** `create`: create the stack when missing (deploy/preview); `select`: it must exist (outputs/refresh/destroy/cancel). */
  mode: "create" | "select";
}

export type DriverFactory = (settings: DriverSettings) => Promise<StackDriver>;
