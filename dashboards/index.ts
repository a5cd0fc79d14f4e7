// STUB (owned by the observability engineer, issue 5): Grafana dashboards, keyed by file name in dashboards/.
/** Every dashboard of the program: file name (e.g. `vllm-application.json`) → Grafana dashboard JSON model. */
export function allDashboards(): Record<string, Record<string, unknown>> {
  return {};
}
