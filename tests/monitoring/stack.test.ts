import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MonitoringStack, type MonitoringSecrets, type RemoteScrapeTargetWithCredential } from "../../components/monitoring/stack";
import type { MonitoredModel } from "../../components/observability/models";
import { prometheusRuleGroups } from "../../components/observability/rules";
import { monitoringSchema, type MonitoringConfig } from "../../config/schema";
import { allDashboards } from "../../dashboards";
import { installMocks, isSecret, isSecretEnvelope, MockRecorder, type OutputsFor, plainStrings, settle, valueOf } from "../../scripts/plan/mockRecorder";

const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const TOKEN = "ai-token-3f9c1e0b7d2a4c68";
const GPU_PASSWORD = "gpu-federate-pass-91ab27";
const SECRETS = {
  alertWebhookUrl: "https://hooks.example.com/services/webhook-secret-77",
  alertSlackWebhookUrl: "https://hooks.slack.com/services/T000/B000/slack-secret-88",
  alertSmtpPassword: "smtp-pass-secret-99",
  remoteWritePassword: "mimir-pass-secret-66",
};
const asSecrets = (s: Record<string, string>): MonitoringSecrets => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, pulumi.secret(v)]));

const FULL: MonitoringConfig = monitoringSchema.parse({
  grafana: { exposure: "LoadBalancer", sourceRanges: ["203.0.113.0/24"] },
  alerting: {
    webhook: true,
    slackChannel: "#llm-alerts",
    email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" },
  },
  remoteWrite: { enabled: true, url: "https://mimir.example.com/api/v1/push", tenant: "llm-prod", username: "prometheus" },
});

/** The AI Deploy target as the program passes it: host known only once the app exists (an Output). */
function aiDeployTarget(token: string): RemoteScrapeTargetWithCredential {
  return {
    jobName: "ai-deploy-vllm",
    target: pulumi.output("0123-abcd.app.gra.ai.cloud.ovh.net").apply((host) => ({
      jobName: "ai-deploy-vllm",
      host,
      metricsPath: "/metrics",
      auth: { type: "bearer" as const },
      secretName: "ai-deploy-vllm-token",
      secretKey: "token",
      labels: { service: "vllm", environment: "test" },
    })),
    credential: pulumi.secret(token),
  };
}
/** The GPU cluster's federation target, its target given as an Output that travelled with the secret credential. */
const gpuTarget: RemoteScrapeTargetWithCredential = {
  jobName: "gpu-cluster-federate",
  target: pulumi.secret({
    jobName: "gpu-cluster-federate",
    host: "metrics.gpu.example.com",
    metricsPath: "/federate",
    params: { "match[]": ['{service="vllm"}'] },
    auth: { type: "basic" as const, username: "prometheus" },
    secretName: "gpu-cluster-federate",
    secretKey: "password",
    labels: { cluster: "gpu" },
    honorLabels: true,
  }),
  credential: pulumi.secret(GPU_PASSWORD),
};

const OUTPUTS = {
  [RELEASE]: (a: pulumi.runtime.MockResourceArgs) => ({ status: { name: a.inputs.name, namespace: a.inputs.namespace, status: "deployed" } }),
  "kubernetes:core/v1:Service": () => ({ status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }] } } }),
};

/** The stack renders the rules it is given; these are the program's for one GPU cluster model. */
const MODELS: MonitoredModel[] = [{ kind: "gpu-cluster", servedModelName: "qwen3-8b", job: "qwen3", namespace: "inference", statefulset: "qwen3", minReplicas: 1 }];
const rulesFor = (config: MonitoringConfig) =>
  prometheusRuleGroups(config.alerting.thresholds, { environment: "test", models: MODELS, slo: config.slo, runbookUrl: config.alerting.runbookUrl });

async function deploy(config: MonitoringConfig, opts: { token?: string; secrets?: Record<string, string>; outputs?: Record<string, OutputsFor> } = {}) {
  const mocks = await installMocks("test", opts.outputs ?? OUTPUTS);
  const provider = new k8s.Provider("mon-k8s", { kubeconfig: "fake" });
  const stack = new MonitoringStack("mon", {
    provider,
    config,
    environment: "test",
    secrets: asSecrets(opts.secrets ?? SECRETS),
    scrapeTargets: [aiDeployTarget(opts.token ?? TOKEN), gpuTarget],
    ruleGroups: rulesFor(config),
    dashboards: allDashboards(),
  });
  const providerRef = `${await valueOf(provider.urn)}::${await valueOf(provider.id)}`;
  const outputs = {
    grafanaUrl: await valueOf(stack.grafanaUrl),
    grafanaPortForward: await valueOf(stack.grafanaPortForward),
    grafanaAdminPassword: await valueOf(stack.grafanaAdminPassword),
    prometheusUrl: await valueOf(stack.prometheusUrl),
    alertmanagerUrl: await valueOf(stack.alertmanagerUrl),
  };
  await settle();
  return { mocks, stack, providerRef, outputs };
}

const secretNamed = (mocks: MockRecorder, name: string) => {
  const found = mocks.ofType(SECRET).filter((r) => r.inputs.metadata?.name === name);
  assert.equal(found.length, 1, `one Secret ${name}`);
  return found[0];
};

describe("MonitoringStack (under mocks)", () => {
  it("registers namespace, release, Secrets, rules and dashboards on the monitoring cluster's provider", async () => {
    const { mocks, providerRef } = await deploy(FULL);
    const k8sResources = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(k8sResources.length >= 9, `only ${k8sResources.length} Kubernetes resources`);
    for (const r of k8sResources) assert.equal(r.provider, providerRef, `${r.type} ${r.name} must use the monitoring provider`);

    const [ns] = mocks.ofType("kubernetes:core/v1:Namespace");
    assert.equal(ns.inputs.metadata.name, "monitoring");
    for (const r of k8sResources.filter((r) => r.type !== "kubernetes:core/v1:Namespace" && r.inputs.metadata))
      assert.equal(r.inputs.metadata.namespace, "monitoring", `${r.name} in the stack's namespace`);

    const [release] = mocks.ofType(RELEASE);
    assert.deepEqual(
      [release.inputs.name, release.inputs.namespace, release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts.repo, release.inputs.skipCrds],
      ["kps", "monitoring", "kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", false],
    );
    assert.deepEqual(
      mocks.ofType(SECRET).map((s) => s.inputs.metadata.name).sort(),
      ["ai-deploy-vllm-token", "gpu-cluster-federate", "kps-alert-receivers", "kps-grafana-admin", "kps-remote-write"],
    );
  });

  it("renders whatever the observability module returns: the PrometheusRule groups and one labelled ConfigMap per dashboard", async () => {
    const { mocks } = await deploy(FULL);
    const [rule] = mocks.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) => r.inputs.metadata.name === "kps-ovh-llm-rules");
    assert.deepEqual(rule.inputs.spec.groups, JSON.parse(JSON.stringify(rulesFor(FULL))));
    assert.equal(rule.inputs.metadata.labels.release, "kps");
    const maps = mocks.ofType("kubernetes:core/v1:ConfigMap");
    const dashboards = allDashboards();
    assert.equal(maps.length, Object.keys(dashboards).length);
    for (const m of maps) {
      assert.equal(m.inputs.metadata.labels.grafana_dashboard, "1");
      const [file, json] = Object.entries(m.inputs.data as Record<string, string>)[0];
      assert.deepEqual(JSON.parse(json), dashboards[file]);
    }
  });

  it("scrapes each target through its own ScrapeConfig, which names its Secret and never holds the credential", async () => {
    const { mocks } = await deploy(FULL);
    const configs = mocks.ofType("kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig");
    assert.deepEqual(configs.map((c) => [c.inputs.metadata.name, c.inputs.metadata.namespace, c.inputs.spec.jobName]), [
      ["ai-deploy-vllm", "monitoring", "ai-deploy-vllm"],
      ["gpu-cluster-federate", "monitoring", "gpu-cluster-federate"],
    ]);
    const [ai, gpu] = configs.map((c) => c.inputs.spec);
    assert.deepEqual(ai.authorization, { type: "Bearer", credentials: { name: "ai-deploy-vllm-token", key: "token" } });
    assert.deepEqual(ai.staticConfigs, [{ targets: ["0123-abcd.app.gra.ai.cloud.ovh.net"], labels: { service: "vllm", environment: "test" } }]);
    assert.deepEqual(gpu.basicAuth, { username: { name: "gpu-cluster-federate", key: "username" }, password: { name: "gpu-cluster-federate", key: "password" } });
    assert.equal(gpu.honorLabels, true);
    assert.deepEqual(secretNamed(mocks, "ai-deploy-vllm-token").inputs.stringData, { token: TOKEN });
    assert.deepEqual(secretNamed(mocks, "gpu-cluster-federate").inputs.stringData, { password: GPU_PASSWORD, username: "prometheus" });
    // Each ScrapeConfig waits for the release (its CRD) and its Secret, and the target is readable (not secret).
    for (const c of configs) assert.ok(!isSecretEnvelope(c.rawInputs.spec), `${c.name}: the target must stay readable`);
  });

  it("installs the release without any scrape target: no target Secret or scrape config in its values or dependencies", async () => {
    const { mocks } = await deploy(FULL);
    const values = JSON.stringify(mocks.ofType(RELEASE)[0].inputs.values);
    for (const name of ["ai-deploy-vllm", "gpu-cluster-federate", "0123-abcd"]) assert.ok(!values.includes(name), `${name} in the Helm values`);
    const spec = mocks.ofType(RELEASE)[0].inputs.values.prometheus.prometheusSpec;
    assert.equal(spec.additionalScrapeConfigsSecret, undefined);
    assert.equal(spec.secrets, undefined);
    assert.equal(spec.scrapeConfigSelectorNilUsesHelmValues, false, "every ScrapeConfig is selected");
  });

  it("alerts on every expected target that does not exist (its watched resource failed), from its own PrometheusRule", async () => {
    const { mocks } = await deploy(FULL);
    const [rule] = mocks.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) => r.inputs.metadata.name === "kps-ovh-llm-scrape-targets");
    const [alert] = rule.inputs.spec.groups[0].rules;
    assert.equal(alert.alert, "ScrapeTargetMissing");
    assert.equal(alert.expr, 'absent(up{job="ai-deploy-vllm"}) or absent(up{job="gpu-cluster-federate"})');
  });

  it("keeps every secret value out of everything but Secret data and secret outputs", async () => {
    const { mocks, stack, outputs } = await deploy(FULL);
    const secretValues = [TOKEN, GPU_PASSWORD, ...Object.values(SECRETS), outputs.grafanaAdminPassword];
    assert.match(outputs.grafanaAdminPassword, /^mock-password-/);

    // Nothing in clear anywhere, Secret objects included (their values must be secret-wrapped too).
    const leaks = mocks.resources.flatMap((r) =>
      plainStrings(r.rawInputs)
        .filter((s) => secretValues.some((v) => s.value.includes(v)))
        .map((s) => `${r.type} ${r.name} ${s.path}`),
    );
    assert.deepEqual(leaks, []);
    // Unwrapped, each value is found, and only in Secret resources.
    const holders = (v: string) => mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(v)).map((r) => r.type);
    for (const v of secretValues) assert.deepEqual([...new Set(holders(v))], [SECRET], v);

    // The Helm values are inspected in clear (not hidden in a secret envelope) and hold no credential.
    const release = mocks.ofType(RELEASE)[0];
    assert.ok(!isSecretEnvelope(release.rawInputs.values), "values must not be secret as a whole");
    assert.equal(await isSecret(stack.grafanaAdminPassword), true);
    assert.equal(await isSecret(stack.grafanaUrl), false);
  });

  it("a new token changes only the credential Secret: ScrapeConfig and Helm values stay the same (no restart)", async () => {
    const before = await deploy(FULL);
    const after = await deploy(FULL, { token: "ai-token-rotated-5555" });
    const snapshot = (m: MockRecorder) => ({
      scrape: m.ofType("kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig").map((c) => c.inputs),
      values: m.ofType(RELEASE)[0].inputs.values,
      credential: secretNamed(m, "ai-deploy-vllm-token").inputs.stringData,
    });
    const [a, b] = [snapshot(before.mocks), snapshot(after.mocks)];
    assert.deepEqual(b.scrape, a.scrape);
    assert.deepEqual(b.values, a.values);
    assert.notDeepEqual(b.credential, a.credential);
    assert.deepEqual(b.credential, { token: "ai-token-rotated-5555" });
  });

  it("refuses two targets with one job name, and a target whose job name does not match", async () => {
    await installMocks();
    const provider = new k8s.Provider("p2", { kubeconfig: "fake" });
    const args = { provider, config: FULL, environment: "test", secrets: asSecrets(SECRETS), ruleGroups: [], dashboards: {} };
    assert.throws(() => new MonitoringStack("m3", { ...args, scrapeTargets: [aiDeployTarget(TOKEN), aiDeployTarget(TOKEN)] }), /share the job name/);
  });

  it("puts receiver and remote-write credentials in their Secrets under the keys the config files name", async () => {
    const { mocks } = await deploy(FULL);
    assert.deepEqual(secretNamed(mocks, "kps-alert-receivers").inputs.stringData, {
      "webhook-url": SECRETS.alertWebhookUrl,
      "slack-api-url": SECRETS.alertSlackWebhookUrl,
      "smtp-password": SECRETS.alertSmtpPassword,
    });
    assert.deepEqual(secretNamed(mocks, "kps-remote-write").inputs.stringData, { username: "prometheus", password: SECRETS.remoteWritePassword });
    assert.deepEqual(secretNamed(mocks, "kps-grafana-admin").inputs.stringData["admin-user"], "admin");
    const values = mocks.ofType(RELEASE)[0].inputs.values;
    assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, ["kps-alert-receivers"]);
    assert.match(JSON.stringify(values.alertmanager.config), /\/etc\/alertmanager\/secrets\/kps-alert-receivers\/webhook-url/);
  });

  it("outputs the LoadBalancer URL, in-cluster URLs and a port-forward command", async () => {
    const { outputs } = await deploy(FULL);
    assert.deepEqual(
      { ...outputs, grafanaAdminPassword: undefined },
      {
        grafanaUrl: "http://198.51.100.10",
        grafanaPortForward: "kubectl port-forward -n monitoring svc/kps-grafana 3000:80",
        grafanaAdminPassword: undefined,
        prometheusUrl: "http://kps-prometheus.monitoring.svc:9090",
        alertmanagerUrl: "http://kps-alertmanager.monitoring.svc:9093",
      },
    );
  });

  it("leaves grafanaUrl empty (not a hint text) while the LoadBalancer has no address", async () => {
    const { outputs } = await deploy(FULL, { outputs: { ...OUTPUTS, "kubernetes:core/v1:Service": () => ({ status: { loadBalancer: {} } }) } });
    assert.equal(outputs.grafanaUrl, "");
  });

  it("dev-like config: ClusterIP Grafana at localhost:3000, no receiver or remote-write Secret, no Service read", async () => {
    const { mocks, outputs } = await deploy(monitoringSchema.parse({}), { secrets: {} });
    assert.equal(outputs.grafanaUrl, "http://localhost:3000");
    const names = mocks.ofType(SECRET).map((s) => s.inputs.metadata.name);
    assert.ok(!names.includes("kps-alert-receivers") && !names.includes("kps-remote-write"), names.join(","));
    assert.equal(mocks.ofType("kubernetes:core/v1:Service").length, 0);
  });

  it("fails clearly when a turned-on channel has no secret", async () => {
    await installMocks();
    const provider = new k8s.Provider("p", { kubeconfig: "fake" });
    const args = { provider, config: FULL, environment: "test", scrapeTargets: [], ruleGroups: [], dashboards: {} };
    const { alertSlackWebhookUrl: _slack, ...noSlack } = SECRETS;
    assert.throws(() => new MonitoringStack("m1", { ...args, secrets: asSecrets(noSlack) }), /alertSlackWebhookUrl/);
    const { remoteWritePassword: _rw, ...noRw } = SECRETS;
    assert.throws(() => new MonitoringStack("m2", { ...args, secrets: asSecrets(noRw) }), /remoteWritePassword/);
  });
});
