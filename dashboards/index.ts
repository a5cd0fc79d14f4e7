/** Every dashboard of the program, keyed by file name in dashboards/ (written by `npx tsx scripts/dashboards.ts`). */
import { fleetOverviewDashboard } from "./fleetOverview";
import { gpuHardwareDashboard } from "./gpuHardware";
import { sloDashboard } from "./slo";
import { tracingDashboard } from "./tracing";
import { vllmApplicationDashboard } from "./vllmApplication";

/** Every dashboard of the program: file name (e.g. `vllm-application.json`) → Grafana dashboard JSON model. */
export function allDashboards(): Record<string, Record<string, unknown>> {
  return {
    "vllm-application.json": vllmApplicationDashboard(),
    "gpu-hardware.json": gpuHardwareDashboard(),
    "vllm-fleet-overview.json": fleetOverviewDashboard(),
    "vllm-slo.json": sloDashboard(),
    "vllm-traces.json": tracingDashboard(),
  };
}

/** The file content of a dashboard as committed: 2-space JSON and a final newline. */
export function dashboardFileContent(model: Record<string, unknown>): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
