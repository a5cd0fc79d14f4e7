/**
 * The errors the automation module throws, one class per thing a caller can act on, all `AutomationError`s. Driver
 * (Pulumi CLI) errors are mapped by class name so the mapping is tested without the CLI and stays independent of the
 * SDK's module identity.
 */
import { ConfigError as SchemaConfigError, type ConfigIssue } from "../config/schema";
import { StackFileError } from "../config/stackFile";

export class AutomationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another update of this stack is running (the CLI's ConcurrentUpdateError). Retry later or `pulumi cancel`. */
export class StackBusyError extends AutomationError {}

/** The stack does not exist in the backend, or the repository has no Pulumi.<env>.yaml for it. */
export class StackNotFoundError extends AutomationError {}

/** The Pulumi CLI is not on PATH; the Automation API drives it. */
export class MissingCliError extends AutomationError {}

/** No OVH API credentials in the environment or the stack's `ovh:` config. */
export class MissingCredentialsError extends AutomationError {}

/** The passphrase secrets provider needs PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE). */
export class MissingPassphraseError extends AutomationError {}

/** A failed Pulumi command that is none of the above (its output is in the message). */
export class PulumiCommandError extends AutomationError {}

/**
 * The stack's config (with the overrides) is invalid, or its stack file cannot be read: nothing ran. The message is
 * the one `pulumi preview` prints (each key, its value unless it may be a secret, what is allowed).
 */
export class ConfigError extends AutomationError {
  /** One entry per bad key (empty when the stack file itself is unreadable). */
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }

  /** From the schema's ConfigError or a StackFileError (kept as `cause`). */
  static from(e: SchemaConfigError | StackFileError): ConfigError {
    return new ConfigError(e.message, e instanceof SchemaConfigError ? e.issues : [], { cause: e });
  }
}

/** The operation was cancelled through `options.signal` (before it started, or the CLI stopped on SIGINT). */
export class OperationCancelledError extends AutomationError {}

const errorClassName = (e: unknown): string => (e instanceof Error ? e.constructor.name : "");

/** Maps what a driver throws to the module's errors; errors already mapped pass through. */
export function toAutomationError(e: unknown, stack: string, signal?: AbortSignal): Error {
  if (e instanceof AutomationError) return e;
  if (e instanceof SchemaConfigError || e instanceof StackFileError) return ConfigError.from(e);
  if (signal?.aborted) return new OperationCancelledError(`the operation on stack ${stack} was cancelled`, { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  switch (errorClassName(e)) {
    case "ConcurrentUpdateError":
      return new StackBusyError(`stack ${stack} is being updated by someone else; retry when it is done (or \`pulumi cancel\` a stuck update)`, { cause: e });
    case "StackNotFoundError":
      return new StackNotFoundError(`stack ${stack} does not exist in the backend; deploy it first`, { cause: e });
  }
  if ((e as NodeJS.ErrnoException | undefined)?.code === "ENOENT" && /pulumi/.test(message)) {
    return new MissingCliError(missingCliMessage(), { cause: e });
  }
  if (errorClassName(e) === "CommandError") return new PulumiCommandError(message, { cause: e });
  return e instanceof Error ? e : new Error(message);
}

export const missingCliMessage = (): string =>
  "the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/) — the Automation API drives the CLI";
