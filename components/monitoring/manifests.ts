/** Pure content of the dashboard ConfigMaps the monitoring stack creates besides the Helm release. */

/** ConfigMaps are limited to 1 MiB; a dashboard close to it is a mistake, not a dashboard. */
export const MAX_DASHBOARD_BYTES = 1024 * 1024 - 4096;

export interface DashboardConfigMap {
  /** DNS-safe suffix for the Pulumi resource name (from the file name). */
  slug: string;
  /** ConfigMap data: file name → dashboard JSON. */
  data: Record<string, string>;
}

/** One ConfigMap per dashboard (the sidecar loads each ConfigMap labelled `grafana_dashboard: "1"`). */
export function dashboardConfigMaps(dashboards: Record<string, Record<string, unknown>>): DashboardConfigMap[] {
  const seen = new Set<string>();
  return Object.entries(dashboards).map(([fileName, model]) => {
    if (!/^[-._a-zA-Z0-9]+\.json$/.test(fileName)) throw new Error(`dashboard file name "${fileName}" must be a valid ConfigMap key ending in .json`);
    const slug = fileName.replace(/\.json$/, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    if (seen.has(slug)) throw new Error(`dashboards "${fileName}" and another file map to the same name "${slug}"`);
    seen.add(slug);
    const json = JSON.stringify(model);
    if (Buffer.byteLength(json) > MAX_DASHBOARD_BYTES) throw new Error(`dashboard ${fileName} is ${Buffer.byteLength(json)} bytes: over the ConfigMap limit`);
    return { slug, data: { [fileName]: json } };
  });
}
