/**
 * The monitoring stack on the MKS monitoring cluster: kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
 * node-exporter, kube-state-metrics) as a Helm release, remote HTTPS scrape jobs with their credentials in Secrets,
 * the program's PrometheusRule and Grafana dashboards. Values come from `kubePrometheusStackValues` (values.ts);
 * this component only wraps them in resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSecrets } from "../../config/load";
import type { MonitoringConfig } from "../../config/schema";
import { allDashboards } from "../../dashboards";
import { CHARTS } from "../charts";
import { prometheusRuleGroups } from "../observability/rules";
import type { RemoteScrapeTarget } from "../observability/scrape";
import { RECEIVER_CREDENTIALS, neededReceiverCredentials } from "./alertmanager";
import { additionalScrapeConfigsYaml, dashboardConfigMaps } from "./manifests";
import { GRAFANA_LOCAL_PORT, grafanaPortForwardCommand, inClusterUrls, monitoringNames } from "./names";
import { DASHBOARD_LABEL, GRAFANA_ADMIN_KEYS, GRAFANA_ADMIN_USER, REMOTE_WRITE_KEYS, kubePrometheusStackValues } from "./values";

/**
 * A remote HTTPS scrape target and its credential (bearer token or basic-auth password), kept apart: the target is
 * public (it ends up in the scrape config), the credential only in the Secret `target.secretName`.
 */
export interface RemoteScrapeTargetWithCredential {
  /** The job (may be an Output: an AI Deploy app's host is known once the app exists). */
  target: pulumi.Input<RemoteScrapeTarget>;
  /** The credential itself, a secret (wrapped with `pulumi.secret` here again in case the caller did not). */
  credential: pulumi.Input<string>;
}

/** The stack secrets the monitoring stack may use. */
export type MonitoringSecrets = Pick<StackSecrets, "alertWebhookUrl" | "alertSlackWebhookUrl" | "alertSmtpPassword" | "remoteWritePassword">;

export interface MonitoringStackArgs {
  /** Kubernetes provider of the monitoring cluster; every Kubernetes object of the stack goes there. */
  provider: k8s.Provider;
  /** Resources that must exist before anything is scheduled, e.g. the monitoring cluster's node pools. */
  dependsOn?: pulumi.Resource[];
  /** Validated `monitoring` config. */
  config: MonitoringConfig;
  /** Environment name: the `environment` external label and the rules' label. */
  environment: string;
  /** Alerting and remote-write credentials (only those the config turns on are required). */
  secrets: MonitoringSecrets;
  /** Remote HTTPS targets to scrape (AI Deploy app, GPU cluster metrics endpoint), each with its credential. */
  scrapeTargets: pulumi.Input<RemoteScrapeTargetWithCredential>[];
}

const COMMON_LABELS = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "ovh-llm" };

export class MonitoringStack extends pulumi.ComponentResource {
  /** Grafana URL: the LoadBalancer address (empty until OVH assigns one), or http://localhost:3000 behind `grafanaPortForward`. */
  public readonly grafanaUrl: pulumi.Output<string>;
  /** `kubectl port-forward` command that serves Grafana on http://localhost:3000. */
  public readonly grafanaPortForward: pulumi.Output<string>;
  /** Generated Grafana admin password (secret); the user is `admin`. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** In-cluster Prometheus URL, `http://<release>-prometheus.<ns>.svc:9090`. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** In-cluster Alertmanager URL, `http://<release>-alertmanager.<ns>.svc:9093`. */
  public readonly alertmanagerUrl: pulumi.Output<string>;
  /** Namespace of the stack. */
  public readonly namespace: pulumi.Output<string>;
  /** The Helm release: `dependsOn` it for ServiceMonitors, PrometheusRules and other monitoring.coreos.com objects. */
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:monitoring:Stack", name, {}, opts);
    const { config, provider } = args;
    const names = monitoringNames(config);
    const child = { parent: this, provider };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: names.namespace, labels: COMMON_LABELS } }, { ...child, dependsOn: args.dependsOn });
    const namespace = ns.metadata.name;
    const secretObject = (suffix: string, objectName: pulumi.Input<string>, stringData: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
      new k8s.core.v1.Secret(`${name}-${suffix}`, { metadata: { name: objectName, namespace, labels: COMMON_LABELS }, type: "Opaque", stringData }, child);

    // The target is public by contract; an Output wrapping target and credential together is secret as a whole,
    // so the target part is unsecret-ed to keep the scrape config and Helm values readable in diffs.
    const targets = args.scrapeTargets.map((t) => {
      const whole = pulumi.output(t);
      return { description: pulumi.unsecret(whole.apply((w) => w.target)), credential: pulumi.secret(whole.apply((w) => w.credential)) };
    });
    const descriptions = pulumi.all(targets.map((t) => t.description));
    const credentialSecrets = targets.map(({ description, credential }, i) =>
      secretObject(
        `scrape-credential-${i}`,
        description.secretName,
        pulumi.secret(pulumi.all([description.secretKey, credential]).apply(([key, value]) => ({ [key]: value }))),
      ),
    );
    const scrapeConfigs = secretObject("scrape-configs", names.scrapeConfigsSecret, {
      [names.scrapeConfigsKey]: descriptions.apply((ds) => additionalScrapeConfigsYaml(ds, config.scrapeInterval)),
    });

    const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
    this.grafanaAdminPassword = pulumi.secret(password.result);
    const grafanaAdmin = secretObject("grafana-admin", names.grafanaAdminSecret, {
      [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER,
      [GRAFANA_ADMIN_KEYS.password]: this.grafanaAdminPassword,
    });

    const required = (key: keyof MonitoringSecrets, why: string): pulumi.Output<string> => {
      const value = args.secrets[key];
      if (!value) throw new Error(`MonitoringStack ${name}: ${why} needs the secret ${key} (pulumi config set --secret ${key} ...)`);
      return pulumi.secret(value);
    };
    const receiverCredentials = neededReceiverCredentials(config.alerting);
    const receivers =
      receiverCredentials.length > 0
        ? [
            secretObject(
              "alert-receivers",
              names.alertReceiversSecret,
              Object.fromEntries(receiverCredentials.map((c) => [RECEIVER_CREDENTIALS[c].key, required(RECEIVER_CREDENTIALS[c].secret, `alerting (${c})`)])),
            ),
          ]
        : [];
    const rw = config.remoteWrite;
    const remoteWrite =
      rw.enabled && rw.username
        ? [
            secretObject("remote-write", names.remoteWriteSecret, {
              [REMOTE_WRITE_KEYS.username]: rw.username,
              [REMOTE_WRITE_KEYS.password]: required("remoteWritePassword", "remoteWrite with a username"),
            }),
          ]
        : [];

    const values = descriptions.apply((ds) =>
      kubePrometheusStackValues(config, { environment: args.environment, names, scrapeCredentialSecrets: ds.map((d) => d.secretName) }),
    );
    const chart = CHARTS.kubePrometheusStack;
    this.release = new k8s.helm.v3.Release(
      `${name}-kps`,
      {
        name: names.release,
        namespace,
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        values,
        // Hooks run and CRDs (monitoring.coreos.com) are installed on first install; `helm upgrade` does not upgrade CRDs.
        skipCrds: false,
        createNamespace: false,
        timeout: 900,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { ...child, dependsOn: [ns, scrapeConfigs, grafanaAdmin, ...credentialSecrets, ...receivers, ...remoteWrite, ...(args.dependsOn ?? [])] },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: names.prometheusRule, namespace, labels: { ...COMMON_LABELS, release: names.release } },
        spec: { groups: prometheusRuleGroups(config.alerting.thresholds, { environment: args.environment }) },
      },
      { ...child, dependsOn: [this.release] },
    );

    for (const dashboard of dashboardConfigMaps(allDashboards())) {
      // Auto-named, so a changed dashboard is created before the old one is deleted.
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard-${dashboard.slug}`,
        { metadata: { namespace, labels: { ...COMMON_LABELS, [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value } }, data: dashboard.data },
        child,
      );
    }

    const urls = inClusterUrls(names);
    this.prometheusUrl = pulumi.output(urls.prometheus);
    this.alertmanagerUrl = pulumi.output(urls.alertmanager);
    this.grafanaPortForward = pulumi.output(grafanaPortForwardCommand(names));
    this.namespace = namespace;
    this.grafanaUrl = config.grafana.exposure === "LoadBalancer" ? this.loadBalancerUrl(name, names.grafanaService, names.namespace, provider) : pulumi.output(`http://localhost:${GRAFANA_LOCAL_PORT}`);

    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      grafanaPortForward: this.grafanaPortForward,
      grafanaAdminPassword: this.grafanaAdminPassword,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      namespace: this.namespace,
    });
  }

  /**
   * Reads the Grafana Service once the release is deployed (its id stays unknown in a first preview, so no read fails);
   * `pulumi up` or `pulumi refresh` reads it again later.
   */
  private loadBalancerUrl(name: string, service: string, fallbackNamespace: string, provider: k8s.Provider): pulumi.Output<string> {
    const id = this.release.status.apply((s) => `${s?.namespace ?? fallbackNamespace}/${service}`);
    const svc = k8s.core.v1.Service.get(`${name}-grafana-service`, id, { parent: this, provider, dependsOn: [this.release] });
    return svc.status.apply((s) => {
      const ingress = s?.loadBalancer?.ingress?.[0];
      const address = ingress?.ip ?? ingress?.hostname;
      // Empty (not a hint text) until OVH assigns an address, so consumers can rely on a URL or nothing.
      return address ? `http://${address}` : "";
    });
  }
}
