/** The real StackDriver: the Automation API's LocalWorkspace over the repository (needs the `pulumi` CLI). */
import type { Stack } from "@pulumi/pulumi/automation";
import type { DriverFactory, OperationOptions, StackDriver, StoredOutput } from "./driver";

export const localDriverFactory: DriverFactory = async ({ stack, workDir, envVars, mode }) => {
  // Loaded lazily: the SDK's automation module spawns the CLI, which tests never need.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const args = { stackName: stack, workDir };
  const opts = { envVars, secretsProvider: "passphrase" };
  const s: Stack = mode === "create" ? await LocalWorkspace.createOrSelectStack(args, opts) : await LocalWorkspace.selectStack(args, opts);
  return stackDriver(s);
};

/** Options as @pulumi/pulumi 3.270's Up/Preview/Refresh/DestroyOptions name them (`signal`, `configFile`, `onOutput`, `onEvent`). */
const sdkOptions = ({ onOutput, onEvent, signal, configFile }: OperationOptions) => ({ onOutput, onEvent, signal, configFile });

/** The adapter over one Automation API Stack (exported for tests, which hand it a stand-in Stack). */
export function stackDriver(s: Pick<Stack, "setAllConfigJson" | "up" | "preview" | "refresh" | "destroy" | "outputs" | "cancel">): StackDriver {
  const storedOutputs = (o: Record<string, { value: unknown; secret: boolean }>): Record<string, StoredOutput> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { value: v.value, secret: v.secret }]));
  return {
    async setConfig(values) {
      // `config set-all --json` takes `pulumi config --json`'s format; `objectValue` keeps maps structured in YAML.
      const json: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) {
        json[k] = v !== null && typeof v === "object" ? { value: JSON.stringify(v), objectValue: v, secret: false } : { value: String(v), secret: false };
      }
      await s.setAllConfigJson(JSON.stringify(json));
    },
    async up(options) {
      const r = await s.up(sdkOptions(options));
      return { summary: (r.summary.resourceChanges ?? {}) as Record<string, number>, outputs: storedOutputs(r.outputs) };
    },
    async preview(options) {
      const r = await s.preview(sdkOptions(options));
      return { summary: (r.changeSummary ?? {}) as Record<string, number> };
    },
    async refresh(options) {
      const r = await s.refresh(sdkOptions(options));
      return { summary: (r.summary.resourceChanges ?? {}) as Record<string, number> };
    },
    async destroy(options) {
      const r = await s.destroy(sdkOptions(options));
      return { summary: (r.summary.resourceChanges ?? {}) as Record<string, number> };
    },
    async outputs() {
      return storedOutputs(await s.outputs());
    },
    async cancel() {
      await s.cancel();
    },
  };
}
