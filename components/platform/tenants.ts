/**
 * One Mimir tenant per environment: the platform's Prometheus sends each environment's series in its own remote
 * write, with that environment's `X-Scope-OrgID` header and a write relabeling that keeps only series whose
 * `environment` label is that environment (so dev's series cannot reach prod's tenant, and the platform's own
 * series, labelled with its external label `environment: platform`, reach no tenant unless it is listed).
 *
 * Field names: prometheus-operator RemoteWriteSpec (`headers`, `writeRelabelConfigs` with `sourceLabels`, `regex`,
 * `action`; CRD in kube-prometheus-stack 88.5.3 crd-prometheuses.yaml) and Prometheus 3 `remote_write` (`headers`,
 * `write_relabel_configs`). Relabel regexes are fully anchored by Prometheus; environments are DNS labels, so the
 * name is its own regex (no metacharacters). Write relabeling runs after external labels are added, and a series'
 * own label wins over an external one (storage/remote/queue_manager.go), so scraped dev series keep `dev`.
 */
import { LABEL } from "../observability/conventions";

export const TENANT_HEADER = "X-Scope-OrgID";

export interface TenantRoute {
  environment: string;
  /** Mimir tenant id (README: the environment name, a DNS label, which Mimir's tenant-id charset includes). */
  tenant: string;
}

export const tenantRoutes = (environments: readonly string[]): TenantRoute[] => environments.map((environment) => ({ environment, tenant: environment }));

function checkRoute(r: TenantRoute): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.environment)) throw new Error(`tenant route: environment "${r.environment}" is not a DNS label`);
  if (!/^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(r.tenant)) throw new Error(`tenant route: "${r.tenant}" is not a Mimir tenant id`);
}

/** kube-prometheus-stack `prometheus.prometheusSpec.remoteWrite` entries (RemoteWriteSpec). */
export function tenantRemoteWriteSpecs(url: string, routes: readonly TenantRoute[]): Record<string, unknown>[] {
  return routes.map((r) => {
    checkRoute(r);
    return {
      name: `tenant-${r.tenant}`.slice(0, 63),
      url,
      headers: { [TENANT_HEADER]: r.tenant },
      writeRelabelConfigs: [{ sourceLabels: [LABEL.environment], regex: r.environment, action: "keep" }],
    };
  });
}

/** The same routes as prometheus.yml `remote_write` (what the operator generates; what promtool and the tests run). */
export function tenantRemoteWriteConfig(url: string, routes: readonly TenantRoute[]): Record<string, unknown>[] {
  return tenantRemoteWriteSpecs(url, routes).map((s) => ({
    name: s.name,
    url: s.url,
    headers: s.headers,
    write_relabel_configs: (s.writeRelabelConfigs as { sourceLabels: string[]; regex: string; action: string }[]).map((w) => ({ source_labels: w.sourceLabels, regex: w.regex, action: w.action })),
  }));
}
