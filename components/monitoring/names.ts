/**
 * Names and in-cluster addresses of what kube-prometheus-stack creates, derived from the release name alone
 * (`fullnameOverride` = release name), so every part of the program computes the same ones.
 */
import type { MonitoringConfig } from "../../config/schema";

/** kube-prometheus-stack truncates its object names to 26 characters (reference/charts.md). */
export const MAX_RELEASE_NAME = 26;

/** Ports of the chart's Services (kube-prometheus-stack 88.5.3 `prometheus.service.port`, `alertmanager.service.port`). */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
/** Grafana chart 12.11.1 `service.port` (targetPort 3000). */
export const GRAFANA_SERVICE_PORT = 80;
export const GRAFANA_LOCAL_PORT = 3000;

/** Where the operator mounts `prometheusSpec.secrets` / `alertmanagerSpec.secrets` (one directory per Secret). */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/** Names of the objects the monitoring stack creates or the chart creates from the release name. */
export interface MonitoringNames {
  release: string;
  namespace: string;
  prometheusService: string;
  alertmanagerService: string;
  grafanaService: string;
  /** Secret of the Grafana admin user and generated password. */
  grafanaAdminSecret: string;
  /** Secret of the Alertmanager receiver credentials (webhook URL, Slack URL, SMTP password). */
  alertReceiversSecret: string;
  /** Secret of the remote-write basic-auth user and password. */
  remoteWriteSecret: string;
  /** The PrometheusRule holding the program's alert and recording rules. */
  prometheusRule: string;
  /** The PrometheusRule alerting on expected scrape targets that do not exist. */
  targetsRule: string;
}

export function monitoringNames(config: Pick<MonitoringConfig, "releaseName" | "namespace">): MonitoringNames {
  const release = config.releaseName;
  if (release.length > MAX_RELEASE_NAME)
    throw new Error(`monitoring.releaseName "${release}" is longer than ${MAX_RELEASE_NAME} characters: kube-prometheus-stack would truncate its Service names`);
  return {
    release,
    namespace: config.namespace,
    prometheusService: `${release}-prometheus`,
    alertmanagerService: `${release}-alertmanager`,
    // Grafana subchart: `<release>-grafana` (its fullname ignores the parent's fullnameOverride).
    grafanaService: `${release}-grafana`,
    grafanaAdminSecret: `${release}-grafana-admin`,
    alertReceiversSecret: `${release}-alert-receivers`,
    remoteWriteSecret: `${release}-remote-write`,
    prometheusRule: `${release}-ovh-llm-rules`,
    targetsRule: `${release}-ovh-llm-scrape-targets`,
  };
}

/** In-cluster URLs (reachable from the monitoring cluster only). */
export function inClusterUrls(names: MonitoringNames): { prometheus: string; alertmanager: string } {
  return {
    prometheus: `http://${names.prometheusService}.${names.namespace}.svc:${PROMETHEUS_PORT}`,
    alertmanager: `http://${names.alertmanagerService}.${names.namespace}.svc:${ALERTMANAGER_PORT}`,
  };
}

/** The command that makes Grafana reachable at http://localhost:3000 (works with either exposure). */
export function grafanaPortForwardCommand(names: MonitoringNames): string {
  return `kubectl port-forward -n ${names.namespace} svc/${names.grafanaService} ${GRAFANA_LOCAL_PORT}:${GRAFANA_SERVICE_PORT}`;
}
