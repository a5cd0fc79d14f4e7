/**
 * Pure content of the objects the monitoring stack creates besides the Helm release: the rendered remote scrape
 * jobs and the dashboard ConfigMaps.
 */
import * as yaml from "js-yaml";
import { remoteScrapeConfig, type RemoteScrapeTarget } from "../observability/scrape";

/** Kubernetes object names (DNS-1123 subdomain: lower case, digits, '-', '.'). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** Secret data keys. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Checks what Prometheus and Kubernetes would reject later, with the offending target named. */
export function validateScrapeTargets(targets: readonly RemoteScrapeTarget[]): void {
  const jobs = new Set<string>();
  const secrets = new Set<string>();
  for (const t of targets) {
    if (jobs.has(t.jobName)) throw new Error(`two remote scrape targets share the job name "${t.jobName}"`);
    if (secrets.has(t.secretName)) throw new Error(`two remote scrape targets share the Secret "${t.secretName}": give each target its own`);
    if (!DNS_SUBDOMAIN.test(t.secretName)) throw new Error(`scrape target ${t.jobName}: secretName "${t.secretName}" is not a Kubernetes object name`);
    if (!SECRET_KEY.test(t.secretKey)) throw new Error(`scrape target ${t.jobName}: secretKey "${t.secretKey}" is not a valid Secret key`);
    jobs.add(t.jobName);
    secrets.add(t.secretName);
  }
}

/** The `additionalScrapeConfigs` document: one job per target, credentials read from files (never inline). */
export function additionalScrapeConfigsYaml(targets: readonly RemoteScrapeTarget[], scrapeInterval: string): string {
  validateScrapeTargets(targets);
  return yaml.dump(
    targets.map((t) => remoteScrapeConfig(t, { scrapeInterval })),
    { noRefs: true, lineWidth: -1 },
  );
}

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
