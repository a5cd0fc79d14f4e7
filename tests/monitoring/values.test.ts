import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { alertmanagerConfig, RECEIVER } from "../../components/monitoring/alertmanager";
import { dashboardConfigMaps } from "../../components/monitoring/manifests";
import { grafanaPortForwardCommand, inClusterUrls, monitoringNames } from "../../components/monitoring/names";
import { COMMENTED_UPSTREAM_VALUES, FREE_FORM_VALUES, kubePrometheusStackValues } from "../../components/monitoring/values";
import { CHART_VALUES_DIR, existsIn, leafPaths } from "../helpers/chartValues";
import { readStackFile } from "../../config/stackFile";
import { monitoringSchema, parseConfig, type MonitoringConfig } from "../../config/schema";

const KPS_FILE = path.join(CHART_VALUES_DIR, "kube-prometheus-stack-88.5.3.yaml");
const GRAFANA_FILE = path.join(CHART_VALUES_DIR, "grafana-12.11.1.yaml");

const monitoring = (raw: Record<string, unknown> = {}): MonitoringConfig => monitoringSchema.parse(raw);
const stackMonitoring = (stack: string): MonitoringConfig => parseConfig(readStackFile(stack).projectConfig).monitoring!;
const valuesOf = (config: MonitoringConfig) => kubePrometheusStackValues(config, { environment: "test", names: monitoringNames(config) });

/** A fully featured config: every optional part on, so every path the builder can set is produced. */
const EVERYTHING = monitoring({
  releaseName: "obs",
  namespace: "observability",
  retention: "30d",
  retentionSize: "90GB",
  scrapeInterval: "30s",
  storageClass: "csi-cinder-classic",
  prometheusStorage: "100Gi",
  alertmanagerStorage: "5Gi",
  grafanaStorage: "3Gi",
  prometheusReplicas: 2,
  grafana: { exposure: "LoadBalancer", sourceRanges: ["203.0.113.0/24", "198.51.100.7/32"] },
  alerting: {
    webhook: true,
    slackChannel: "#llm-alerts",
    email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" },
  },
  remoteWrite: { enabled: true, url: "https://mimir.example.com/api/v1/push", tenant: "llm-prod", username: "prometheus" },
});

describe("monitoring values (kube-prometheus-stack 88.5.3)", () => {
  it("puts each config choice at its values path", () => {
    const v = valuesOf(EVERYTHING);
    const spec = v.prometheus.prometheusSpec;
    assert.equal(v.fullnameOverride, "obs");
    assert.deepEqual([spec.retention, spec.retentionSize, spec.scrapeInterval, spec.replicas], ["30d", "90GB", "30s", 2]);
    assert.deepEqual(spec.externalLabels, { environment: "test" });
    const claim = (size: string) => ({
      volumeClaimTemplate: { spec: { storageClassName: "csi-cinder-classic", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } },
    });
    assert.deepEqual(spec.storageSpec, claim("100Gi"));
    assert.deepEqual(v.alertmanager.alertmanagerSpec.storage, claim("5Gi"));
    assert.deepEqual(v.grafana.persistence, { enabled: true, type: "pvc", storageClassName: "csi-cinder-classic", accessModes: ["ReadWriteOnce"], size: "3Gi" });
    assert.equal(v.nodeExporter.enabled, true);
    assert.equal(v.kubeStateMetrics.enabled, true);
    assert.equal(v.crds.enabled, true);
  });

  it("selects every ServiceMonitor, PodMonitor and PrometheusRule, labelled or not", () => {
    const spec = valuesOf(monitoring()).prometheus.prometheusSpec;
    for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
    // A selector of our own would undo "select all".
    assert.equal(spec.serviceMonitorSelector, undefined);
    assert.equal(spec.ruleSelector, undefined);
  });

  it("names no scrape target: remote targets are ScrapeConfig objects outside the release", () => {
    const spec = valuesOf(EVERYTHING).prometheus.prometheusSpec;
    assert.equal(spec.additionalScrapeConfigsSecret, undefined);
    assert.equal(spec.additionalScrapeConfigs, undefined);
    assert.equal(spec.secrets, undefined, "no credential Secret is mounted into Prometheus");
  });

  it("gives Grafana its admin from an existing Secret and never a password value", () => {
    const v = valuesOf(EVERYTHING);
    assert.deepEqual(v.grafana.admin, { existingSecret: "obs-grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    const paths = leafPaths(v);
    assert.deepEqual(paths.filter((p) => /password/i.test(p) && !p.endsWith("passwordKey") && !p.includes("auth_password_file") && !p.includes("basicAuth.password")), []);
    assert.equal(v.grafana.adminPassword, undefined);
  });

  it("keeps the kube-prometheus-stack Prometheus datasource and the dashboard sidecar on", () => {
    const sidecar = valuesOf(monitoring()).grafana.sidecar;
    assert.deepEqual(sidecar.datasources, { enabled: true, defaultDatasourceEnabled: true, isDefaultDatasource: true });
    assert.deepEqual(sidecar.dashboards, { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" });
  });

  it("exposes Grafana as ClusterIP by default and as a source-restricted LoadBalancer when asked", () => {
    assert.deepEqual(valuesOf(monitoring()).grafana.service, { type: "ClusterIP" });
    assert.deepEqual(valuesOf(EVERYTHING).grafana.service, { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24", "198.51.100.7/32"] });
    assert.throws(() => monitoring({ grafana: { exposure: "LoadBalancer" } }), /at least one CIDR/);
  });

  it("remote-writes only when enabled, with the tenant header and basic auth from the remote-write Secret", () => {
    assert.equal(valuesOf(stackMonitoring("dev")).prometheus.prometheusSpec.remoteWrite, undefined);
    assert.deepEqual(valuesOf(EVERYTHING).prometheus.prometheusSpec.remoteWrite, [
      {
        url: "https://mimir.example.com/api/v1/push",
        headers: { "X-Scope-OrgID": "llm-prod" },
        basicAuth: { username: { name: "obs-remote-write", key: "username" }, password: { name: "obs-remote-write", key: "password" } },
      },
    ]);
    const anonymous = monitoring({ remoteWrite: { enabled: true, url: "https://mimir.example.com/api/v1/push" } });
    assert.deepEqual(valuesOf(anonymous).prometheus.prometheusSpec.remoteWrite, [{ url: "https://mimir.example.com/api/v1/push" }]);
  });

  it("follows the stack files: dev small on ClusterIP, prod two replicas behind a restricted LoadBalancer with a webhook", () => {
    const dev = valuesOf(stackMonitoring("dev"));
    assert.deepEqual([dev.prometheus.prometheusSpec.retention, dev.prometheus.prometheusSpec.retentionSize, dev.grafana.service.type], ["7d", "18GB", "ClusterIP"]);
    assert.deepEqual(dev.alertmanager.alertmanagerSpec.secrets, []);
    const prod = valuesOf(stackMonitoring("prod"));
    assert.deepEqual([prod.prometheus.prometheusSpec.replicas, prod.grafana.service.type], [2, "LoadBalancer"]);
    assert.deepEqual(prod.alertmanager.alertmanagerSpec.secrets, ["kps-alert-receivers"]);
  });

  it("sets only values paths that exist in the pinned charts' default values (or documented free-form maps)", () => {
    for (const f of [KPS_FILE, GRAFANA_FILE]) assert.ok(fs.existsSync(f), `missing upstream chart values ${f}`);
    const rawText = { kps: fs.readFileSync(KPS_FILE, "utf8"), grafana: fs.readFileSync(GRAFANA_FILE, "utf8") };
    const kps = yaml.load(rawText.kps);
    const grafana = yaml.load(rawText.grafana);
    const checked: string[] = [];
    const missing: string[] = [];
    for (const p of leafPaths(valuesOf(EVERYTHING))) {
      if (FREE_FORM_VALUES.some((f) => p === f || p.startsWith(`${f}.`))) {
        assert.ok(existsIn(kps, FREE_FORM_VALUES.find((f) => p === f || p.startsWith(`${f}.`))!), `free-form root of ${p} must exist upstream`);
        continue;
      }
      checked.push(p);
      const sub = p.startsWith("grafana.") ? p.slice("grafana.".length) : undefined;
      if (existsIn(kps, p) || (sub !== undefined && existsIn(grafana, sub))) continue;
      if ((COMMENTED_UPSTREAM_VALUES as readonly string[]).includes(p)) {
        const leaf = p.split(".").pop()!;
        const parent = p.split(".").slice(0, -1).join(".");
        const inGrafana = sub !== undefined && existsIn(grafana, sub.split(".").slice(0, -1).join("."));
        assert.ok(existsIn(kps, parent) || inGrafana, `parent of ${p} must exist upstream`);
        assert.match(inGrafana ? rawText.grafana : rawText.kps, new RegExp(`^\\s*#\\s*${leaf}:`, "m"), `${p} must be documented (commented) upstream`);
        continue;
      }
      missing.push(p);
    }
    assert.deepEqual(missing, []);
    assert.ok(checked.length > 30, `walked only ${checked.length} paths`);
  });

  it("refuses a release name kube-prometheus-stack would truncate", () => {
    assert.throws(() => monitoringNames(monitoring({ releaseName: "a-very-long-monitoring-release" })), /longer than 26/);
  });

  it("derives in-cluster URLs and the port-forward command from the release", () => {
    const names = monitoringNames(monitoring({ releaseName: "obs", namespace: "observability" }));
    assert.deepEqual(inClusterUrls(names), { prometheus: "http://obs-prometheus.observability.svc:9090", alertmanager: "http://obs-alertmanager.observability.svc:9093" });
    assert.equal(grafanaPortForwardCommand(names), "kubectl port-forward -n observability svc/obs-grafana 3000:80");
  });
});

describe("alertmanager routing", () => {
  const receiver = (config: Record<string, any>, name: string) => (config.receivers as any[]).find((r) => r.name === name);
  const route = (config: Record<string, any>, severity: string) => (config.route.routes as any[]).find((r) => r.matchers.includes(`severity = "${severity}"`));

  it("sends critical alerts to every channel quickly and warnings to chat channels less often", () => {
    const config = alertmanagerConfig(EVERYTHING.alerting, "obs-alert-receivers");
    const dir = "/etc/alertmanager/secrets/obs-alert-receivers";
    const critical = receiver(config, RECEIVER.critical);
    assert.deepEqual(critical.webhook_configs, [{ url_file: `${dir}/webhook-url`, send_resolved: true }]);
    assert.deepEqual(critical.slack_configs, [{ channel: "#llm-alerts", api_url_file: `${dir}/slack-api-url`, send_resolved: true }]);
    assert.equal(critical.email_configs[0].auth_password_file, `${dir}/smtp-password`);
    assert.equal(critical.email_configs[0].to, "oncall@example.com");
    const warning = receiver(config, RECEIVER.warning);
    assert.ok(warning.webhook_configs && warning.slack_configs);
    assert.equal(warning.email_configs, undefined, "e-mail is for critical alerts when a chat channel exists");
    const [crit, warn] = [route(config, "critical"), route(config, "warning")];
    assert.equal(crit.receiver, RECEIVER.critical);
    assert.equal(warn.receiver, RECEIVER.warning);
    const seconds = (d: string) => Number(d.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[d.slice(-1) as "s" | "m" | "h"];
    assert.ok(seconds(crit.repeat_interval) < seconds(warn.repeat_interval));
    assert.ok(seconds(crit.group_wait) < seconds(warn.group_wait));
    assert.equal(config.route && (config.route as any).receiver, RECEIVER.none);
  });

  it("holds no credential: only *_file references", () => {
    const config = alertmanagerConfig(EVERYTHING.alerting, "s");
    const keys = leafPaths(config).map((p) => p.split(".").pop());
    for (const inline of ["url", "api_url", "auth_password", "smtp_auth_password", "slack_api_url"]) assert.ok(!keys.includes(inline), inline);
    assert.doesNotMatch(JSON.stringify(config), /https?:\/\//);
  });

  it("mails warnings when e-mail is the only channel, and routes to nowhere when none is configured", () => {
    const emailOnly = alertmanagerConfig(monitoring({ alerting: { email: EVERYTHING.alerting.email } }).alerting, "s");
    assert.ok(receiver(emailOnly, RECEIVER.warning).email_configs);
    const none = alertmanagerConfig(monitoring().alerting, "s");
    assert.deepEqual(receiver(none, RECEIVER.critical), { name: RECEIVER.critical });
  });
});

describe("dashboard ConfigMaps", () => {
  it("puts each dashboard in its own ConfigMap under its file name", () => {
    const maps = dashboardConfigMaps({ "vLLM_Application.json": { title: "a" }, "gpu.json": { title: "b" } });
    assert.deepEqual(maps.map((m) => m.slug), ["vllm-application", "gpu"]);
    assert.deepEqual(JSON.parse(maps[0].data["vLLM_Application.json"]), { title: "a" });
    assert.throws(() => dashboardConfigMaps({ "x.json": { big: "y".repeat(1024 * 1024) } }), /ConfigMap limit/);
    assert.throws(() => dashboardConfigMaps({ "no extension": {} }), /\.json/);
  });
});
