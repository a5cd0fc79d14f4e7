/**
 * The monitoring stack on the MKS monitoring cluster: kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
 * node-exporter, kube-state-metrics) as a Helm release, the rules and dashboards it is given, and one ScrapeTarget
 * (ScrapeConfig + credential Secret) per remote target. Values come from `kubePrometheusStackValues` (values.ts);
 * this component only wraps them in resources.
 *
 * The release waits for nothing it watches: it needs its nodes and its own credentials only. Targets, rules and
 * dashboards are separate objects the operator and Grafana's sidecar pick up when they appear or change, so adding
 * or changing one never upgrades the release.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSecrets } from "../../config/load";
import type { MonitoringConfig } from "../../config/schema";
import { CHARTS } from "../charts";
import type { PromRuleGroup } from "../observability/rules";
import { RECEIVER_CREDENTIALS, neededReceiverCredentials } from "./alertmanager";
import { dashboardConfigMaps } from "./manifests";
import { GRAFANA_LOCAL_PORT, grafanaPortForwardCommand, inClusterUrls, monitoringNames } from "./names";
import { ScrapeTarget, type RemoteScrapeTargetWithCredential, type ScrapeTargetSink } from "./scrapeTarget";
import { checkUnique, expectedTargetsRuleGroup } from "./scrapeTargets";
import { DASHBOARD_LABEL, GRAFANA_ADMIN_KEYS, GRAFANA_ADMIN_USER, REMOTE_WRITE_KEYS, kubePrometheusStackValues } from "./values";

export type { RemoteScrapeTargetWithCredential } from "./scrapeTarget";

/** The stack secrets the monitoring stack may use. */
export type MonitoringSecrets = Pick<StackSecrets, "alertWebhookUrl" | "alertSlackWebhookUrl" | "alertSmtpPassword" | "remoteWritePassword">;

export interface MonitoringStackArgs {
  /** Kubernetes provider of the monitoring cluster; every Kubernetes object of the stack goes there. */
  provider: k8s.Provider;
  /** What the release's pods need to be scheduled: the monitoring cluster's node pools. Nothing else waits for them. */
  dependsOn?: pulumi.Resource[];
  /** Validated `monitoring` config. */
  config: MonitoringConfig;
  /** Environment name: the `environment` external label and the rules' label. */
  environment: string;
  /** Alerting and remote-write credentials (only those the config turns on are required). */
  secrets: MonitoringSecrets;
  /** Remote HTTPS targets to scrape (AI Deploy app, GPU cluster metrics endpoint), each with its credential. */
  scrapeTargets: RemoteScrapeTargetWithCredential[];
  /** PrometheusRule groups (alerts and recording rules) to install. */
  ruleGroups: PromRuleGroup[];
  /** Grafana dashboards by file name (`*.json`), one ConfigMap each. */
  dashboards: Record<string, Record<string, unknown>>;
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
  /** Where more scrape targets can be added (`new ScrapeTarget(name, { sink: stack.targetSink, ... })`). */
  public readonly targetSink: ScrapeTargetSink;

  constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:monitoring:Stack", name, {}, opts);
    const { config, provider } = args;
    const names = monitoringNames(config);
    const child = { parent: this, provider };

    // The namespace and the objects in it need only the API server; the release also needs nodes (args.dependsOn).
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: names.namespace, labels: COMMON_LABELS } }, child);
    const namespace = ns.metadata.name;
    const secretObject = (suffix: string, objectName: pulumi.Input<string>, stringData: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
      new k8s.core.v1.Secret(`${name}-${suffix}`, { metadata: { name: objectName, namespace, labels: COMMON_LABELS }, type: "Opaque", stringData }, child);
    checkUnique(args.scrapeTargets.map((t) => t.jobName));

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

    const values = kubePrometheusStackValues(config, { environment: args.environment, names });
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
      // Its nodes and its own credentials; never a scrape target.
      { ...child, dependsOn: [ns, grafanaAdmin, ...receivers, ...remoteWrite, ...(args.dependsOn ?? [])] },
    );

    this.targetSink = { provider, namespace, release: this.release, releaseName: names.release, scrapeInterval: config.scrapeInterval, labels: COMMON_LABELS };
    for (const t of args.scrapeTargets) new ScrapeTarget(`${name}-target-${t.jobName}`, { ...t, sink: this.targetSink }, { parent: this });

    const rules = (suffix: string, objectName: string, groups: PromRuleGroup[]) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${suffix}`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: objectName, namespace, labels: { ...COMMON_LABELS, release: names.release } },
          spec: { groups },
        },
        { ...child, dependsOn: [this.release] },
      );
    rules("rules", names.prometheusRule, args.ruleGroups);
    // Its own object: a target added or removed changes this rule only.
    rules("target-rules", names.targetsRule, [expectedTargetsRuleGroup(args.scrapeTargets.map((t) => t.jobName), { environment: args.environment, runbookUrl: config.alerting.runbookUrl })]);

    for (const dashboard of dashboardConfigMaps(args.dashboards)) {
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
