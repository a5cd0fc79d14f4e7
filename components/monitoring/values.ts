/**
 * Helm values of kube-prometheus-stack 88.5.3 (Grafana subchart 12.11.1) as a pure function of the monitoring
 * config. Every path set here exists in the chart's default values.yaml (tests/monitoring.values.test.ts walks
 * ../shared/upstream/chart-values/), except the free-form maps listed in `FREE_FORM_VALUES`. No credential is ever
 * in these values: they are stored in Helm's release Secret and in Pulumi state in clear.
 */
import type { MonitoringConfig } from "../../config/schema";
import { LABEL } from "../observability/conventions";
import { alertmanagerConfig, neededReceiverCredentials } from "./alertmanager";
import type { MonitoringNames } from "./names";

/** Label the Grafana dashboard sidecar watches (kube-prometheus-stack defaults, set explicitly so both sides agree). */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

/** Keys of the Grafana admin Secret (`grafana.admin.userKey` / `passwordKey`, chart defaults). */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;
export const GRAFANA_ADMIN_USER = "admin";

/** Keys of the remote-write Secret (`remoteWrite[].basicAuth` SecretKeySelectors). */
export const REMOTE_WRITE_KEYS = { username: "username", password: "password" } as const;

/**
 * Values paths below which we set keys the chart does not list: free-form maps (Alertmanager config, label maps)
 * and operator CRD objects passed through verbatim (StorageSpec, RemoteWriteSpec list).
 */
export const FREE_FORM_VALUES = [
  "alertmanager.config",
  "prometheus.prometheusSpec.externalLabels",
  "prometheus.prometheusSpec.storageSpec",
  "prometheus.prometheusSpec.remoteWrite",
  "alertmanager.alertmanagerSpec.storage",
] as const;

/**
 * Paths the chart documents only as a commented-out example in its values.yaml (the template reads them):
 * the test checks the parent path exists and the key appears commented there.
 */
export const COMMENTED_UPSTREAM_VALUES = [
  "grafana.persistence.storageClassName",
] as const;

export interface KpsValuesOptions {
  /** Environment label (`externalLabels.environment`). */
  environment: string;
  /** Object names derived from the release (see names.ts). */
  names: MonitoringNames;
}

/** A `volumeClaimTemplate` on the configured StorageClass (operator StorageSpec / EmbeddedPersistentVolumeClaim). */
function claim(storageClass: string, size: string) {
  return { volumeClaimTemplate: { spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } };
}

/**
 * Selection convention: every `*SelectorNilUsesHelmValues` is false, so Prometheus selects ALL ServiceMonitors,
 * PodMonitors, Probes, ScrapeConfigs and PrometheusRules in all namespaces (the namespace selectors default to {}),
 * with or without a `release` label. Our own objects also carry `release: <release>`, so they would still be
 * selected if someone switched back to the chart's label convention.
 */
const SELECT_ALL = {
  serviceMonitorSelectorNilUsesHelmValues: false,
  podMonitorSelectorNilUsesHelmValues: false,
  probeSelectorNilUsesHelmValues: false,
  scrapeConfigSelectorNilUsesHelmValues: false,
  ruleSelectorNilUsesHelmValues: false,
} as const;

function remoteWrite(config: MonitoringConfig, names: MonitoringNames): Record<string, unknown>[] {
  const rw = config.remoteWrite;
  if (!rw.enabled || !rw.url) return [];
  return [
    {
      url: rw.url,
      ...(rw.tenant ? { headers: { "X-Scope-OrgID": rw.tenant } } : {}),
      ...(rw.username
        ? {
            basicAuth: {
              username: { name: names.remoteWriteSecret, key: REMOTE_WRITE_KEYS.username },
              password: { name: names.remoteWriteSecret, key: REMOTE_WRITE_KEYS.password },
            },
          }
        : {}),
    },
  ];
}

function grafanaService(grafana: MonitoringConfig["grafana"]): Record<string, unknown> {
  if (grafana.exposure === "LoadBalancer") return { type: "LoadBalancer", loadBalancerSourceRanges: grafana.sourceRanges };
  return { type: "ClusterIP" };
}

export function kubePrometheusStackValues(config: MonitoringConfig, opts: KpsValuesOptions): Record<string, any> {
  const { names } = opts;
  const rw = remoteWrite(config, names);
  const receiverSecrets = neededReceiverCredentials(config.alerting).length > 0 ? [names.alertReceiversSecret] : [];
  return {
    // Predictable Service names: <release>-prometheus:9090, <release>-alertmanager:9093.
    fullnameOverride: names.release,
    crds: { enabled: true },
    defaultRules: { create: true },
    nodeExporter: { enabled: true },
    kubeStateMetrics: { enabled: true },
    prometheus: {
      prometheusSpec: {
        replicas: config.prometheusReplicas,
        retention: config.retention,
        ...(config.retentionSize ? { retentionSize: config.retentionSize } : {}),
        scrapeInterval: config.scrapeInterval,
        externalLabels: { [LABEL.environment]: opts.environment },
        storageSpec: claim(config.storageClass, config.prometheusStorage),
        // Remote targets are ScrapeConfig objects (scrapeTargets.ts), selected by SELECT_ALL: none is named here.
        ...SELECT_ALL,
        ...(rw.length > 0 ? { remoteWrite: rw } : {}),
      },
    },
    alertmanager: {
      enabled: true,
      config: alertmanagerConfig(config.alerting, names.alertReceiversSecret),
      alertmanagerSpec: {
        storage: claim(config.storageClass, config.alertmanagerStorage),
        secrets: receiverSecrets,
      },
    },
    grafana: {
      enabled: true,
      // The generated password lives in a Secret we create; no adminPassword value exists anywhere.
      admin: { existingSecret: names.grafanaAdminSecret, userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password },
      persistence: { enabled: true, type: "pvc", storageClassName: config.storageClass, accessModes: ["ReadWriteOnce"], size: config.grafanaStorage },
      // A ReadWriteOnce volume cannot be attached to the old and the new pod at once: stop, then start.
      deploymentStrategy: { type: "Recreate" },
      service: grafanaService(config.grafana),
      sidecar: {
        dashboards: { enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value, searchNamespace: "ALL" },
        // kube-prometheus-stack provisions the Prometheus datasource (uid `prometheus`) pointing at <release>-prometheus.
        datasources: { enabled: true, defaultDatasourceEnabled: true, isDefaultDatasource: true },
      },
    },
  };
}
