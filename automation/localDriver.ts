/** The real StackDriver: the Automation API's LocalWorkspace over the repository (needs the `pulumi` CLI). */
import type { Stack } from "@pulumi/pulumi/automation";
import type { DriverFactory, StackDriver, StoredOutput } from "./driver";

export const localDriverFactory: DriverFactory = async ({ stack, workDir, envVars, mode }) => {
  // Loaded lazily: the SDK's automation module spawns the CLI, which tests never need.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const args = { stackName: stack, workDir };
  const opts = { envVars, secretsProvider: "passphrase" };
  const s: Stack = mode === "create" ? await LocalWorkspace.createOrSelectStack(args, opts) : await LocalWorkspace.selectStack(args, opts);
  return stackDriver(s);
};

function stackDriver(s: Stack): StackDriver {
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
    async up(cb) {
      const r = await s.up({ onOutput: cb.onOutput, onEvent: cb.onEvent });
      return { summary: (r.summary.resourceChanges ?? {}) as Record<string, number>, outputs: storedOutputs(r.outputs) };
    },
    async preview(cb) {
      const r = await s.preview({ onOutput: cb.onOutput, onEvent: cb.onEvent });
      return { summary: (r.changeSummary ?? {}) as Record<string, number> };
    },
    async destroy(cb) {
      const r = await s.destroy({ onOutput: cb.onOutput, onEvent: cb.onEvent });
      return { summary: (r.summary.resourceChanges ?? {}) as Record<string, number> };
    },
    async outputs() {
      return storedOutputs(await s.outputs());
    },
  };
}
