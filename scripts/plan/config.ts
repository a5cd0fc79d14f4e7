/**
 * What the plan runs with, read and validated without loading the Pulumi SDK or the program, so bad input fails in
 * a fraction of the time a program run takes.
 */
import { validateRuntimeConfig } from "../../config/runtime";
import { listStacks, readStackFile, readStackFileAt, StackFile } from "../../config/stackFile";
import { applyOverrides, ConfigOverride } from "./overrides";

export class UnknownStackError extends Error {
  constructor(stack: string, stacks: string[]) {
    super(`unknown stack "${stack}": no Pulumi.${stack}.yaml (stacks: ${stacks.join(", ") || "none"})`);
    this.name = "UnknownStackError";
  }
}

/**
 * The config the plan runs with: the stack file (or `configFile`) with the overrides applied, validated as the
 * program will validate it (ConfigError, StackFileError, UnknownStackError before anything runs).
 */
export function planConfig({ stack, overrides = [], configFile }: { stack: string; overrides?: ConfigOverride[]; configFile?: string }): Pick<StackFile, "allConfig" | "secretKeys"> {
  if (configFile === undefined) {
    const stacks = listStacks();
    if (!stacks.includes(stack)) throw new UnknownStackError(stack, stacks);
  }
  const file = configFile === undefined ? readStackFile(stack) : readStackFileAt(configFile);
  const allConfig = applyOverrides(file.allConfig, overrides);
  validateRuntimeConfig(allConfig, (key) => file.secretKeys.includes(key));
  return { allConfig, secretKeys: file.secretKeys };
}

