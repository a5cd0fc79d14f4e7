/**
 * The whole stack, composed from validated config only: which parts exist and how they are sized comes from
 * `Pulumi.<stack>.yaml`, never from the stack name. The monitoring cluster, the GPU cluster and the AI Deploy app
 * have no dependency on each other and are created side by side; the monitoring stack is installed as soon as its
 * nodes exist, and only its scrape targets (one ScrapeConfig each) wait for what they watch.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "./config/load";
import { PROJECT, type StackConfig } from "./config/schema";
import { AiDeployApp } from "./components/aideploy/app";
import { GpuInferenceCluster } from "./components/gpu/inferenceCluster";
import { MksCluster } from "./components/mks/cluster";
import { MonitoringStack, RemoteScrapeTargetWithCredential } from "./components/monitoring/stack";
import { catalogueCheck, gatedOn, ovhSettingsOfStack } from "./components/ovh/catalogue";
import { aiDeployJobLabels, aiDeployJobName } from "./components/observability/conventions";
import { prometheusRuleGroups, type PromRuleGroup } from "./components/observability/rules";
import type { MonitoredModel } from "./components/observability/models";
import type { RemoteScrapeTarget } from "./components/observability/scrape";
import { allDashboards } from "./dashboards";
import { TempoDatasource, TracingCredentials } from "./components/tracing/backend";
import { aiDeployTracing } from "./components/tracing/emitters";
import { ingestUrl } from "./components/tracing/layout";
import { samplingThresholds } from "./components/tracing/sampling";
import { metricsHostname } from "./components/gpu/layout";
import { platformExports, type PlatformExports } from "./components/platform/contract";
import { ReportedEnvironment } from "./components/platform/environments";

/** One OpenAI-compatible inference endpoint. */
export interface Endpoint {
  /** Base URL of the OpenAI API, ending in `/v1`. */
  url: string;
  /** The `model` of API calls (vLLM's served model name). */
  model: string;
  kind: "ai-deploy" | "gpu-cluster";
}

/** The stack outputs (exported by index.ts under these names). Secret ones are marked. */
export interface StackOutputs {
  /** Every inference endpoint: `ai-deploy` for the AI Deploy app, the model's config name for GPU-cluster models. */
  endpoints: pulumi.Output<Record<string, Endpoint>>;
  /** Bearer token per endpoint key (secret). */
  endpointTokens: pulumi.Output<Record<string, string>>;
  /** Absent in `monitoring.mode: platform`. */
  monitoringClusterId?: pulumi.Output<string>;
  /** Secret. */
  monitoringKubeconfig?: pulumi.Output<string>;
  /** `monitoring.mode: platform` only: the platform contract (components/platform/contract.ts); credentials secret. */
  platformReport?: PlatformExports["platformReport"];
  platformCredentials?: PlatformExports["platformCredentials"];
  /** Platform stack only: the scrape jobs of each listed environment stack (`[]` when skipped). */
  platformScrapeJobs?: pulumi.Output<Record<string, string[]>>;
  gpuClusterId?: pulumi.Output<string>;
  /** Secret. */
  gpuKubeconfig?: pulumi.Output<string>;
  /** Public address of the GPU cluster's Gateway: point the model and metrics host names at it (empty until assigned). */
  gpuGatewayAddress?: pulumi.Output<string>;
  grafanaUrl?: pulumi.Output<string>;
  /** `kubectl port-forward` command when Grafana is not exposed. */
  grafanaPortForward?: pulumi.Output<string>;
  /** Secret. */
  grafanaAdminPassword?: pulumi.Output<string>;
  prometheusUrl?: pulumi.Output<string>;
  alertmanagerUrl?: pulumi.Output<string>;
}

/** Kubernetes Secret (in the monitoring namespace) holding the AI Deploy token Prometheus scrapes with. */
export const AI_DEPLOY_TOKEN_SECRET = { name: "ai-deploy-token", key: "token" } as const;

/** The central Prometheus' scrape job of an AI Deploy app: HTTPS to the app host, bearer token from a Secret. */
export function aiDeployScrapeTarget(opts: { appName: string; host: string; model: string; environment: string }): RemoteScrapeTarget {
  return {
    jobName: aiDeployJobName(opts.appName),
    host: opts.host,
    metricsPath: "/metrics",
    auth: { type: "bearer" },
    secretName: AI_DEPLOY_TOKEN_SECRET.name,
    secretKey: AI_DEPLOY_TOKEN_SECRET.key,
    labels: aiDeployJobLabels({ model: opts.model, environment: opts.environment }),
  };
}

/** What the monitoring stack shows: content, not infrastructure (changing it never touches a Helm release). */
export interface MonitoringContent {
  ruleGroups: PromRuleGroup[];
  dashboards: Record<string, Record<string, unknown>>;
}

export interface DeployOptions {
  /** Replaces the program's rules and dashboards (tests of day-2 changes). */
  monitoringContent?: (defaults: MonitoringContent) => MonitoringContent;
}

/**
 * Every model the stack deploys, as the alert and SLO rules see it. The GPU model's scrape job is its Service's name
 * and its StatefulSet is named like the model (components/gpu/vllm.ts); AI Deploy's job is `ai-deploy-<app>`.
 */
/** The rule groups the program installs for a stack (also what `npm run demo` loads into its Prometheus). */
export function programRuleGroups(config: StackConfig, monitoring: NonNullable<StackConfig["monitoring"]>): PromRuleGroup[] {
  return prometheusRuleGroups(monitoring.alerting.thresholds, { environment: config.environment, models: monitoredModels(config), slo: monitoring.slo, runbookUrl: monitoring.alerting.runbookUrl });
}

export function monitoredModels(config: Pick<StackConfig, "aiDeploy" | "gpuCluster">): MonitoredModel[] {
  const models: MonitoredModel[] = [];
  if (config.aiDeploy)
    models.push({ kind: "ai-deploy", servedModelName: config.aiDeploy.servedModelName, job: aiDeployJobName(config.aiDeploy.name), minReplicas: config.aiDeploy.autoscaling.minReplicas });
  for (const m of config.gpuCluster?.models ?? [])
    models.push({ kind: "gpu-cluster", servedModelName: m.servedModelName, job: m.name, namespace: config.gpuCluster!.namespace, statefulset: m.name, minReplicas: m.minReplicas });
  return models;
}

export function deployStack({ config, secrets }: LoadedConfig, options: DeployOptions = {}): StackOutputs {
  const prefix = `${PROJECT}-${config.environment}`;
  // Regions and flavors against OVH's catalogue when credentials are present; clusters and the app wait for it.
  const catalogue = { transformations: [gatedOn(catalogueCheck(config, ovhSettingsOfStack()))] };

  // `monitoring.mode: platform`: no monitoring cluster here (the schema refuses one), the platform stack scrapes this one.
  const monitoringCluster = config.monitoringCluster
    ? new MksCluster(`${prefix}-monitoring`, {
        serviceName: config.serviceName,
        cluster: config.monitoringCluster,
        defaultName: `${prefix}-monitoring`,
      }, catalogue)
    : undefined;

  // Tracing (config: tracing, which needs gpuCluster): the collector and Tempo run on the GPU cluster; the AI Deploy
  // app sends to the GPU cluster's Gateway with the ingest credential, Grafana reads Tempo with the query credential.
  const tracing = config.tracing && config.gpuCluster
    ? { config: config.tracing, thresholds: samplingThresholds(config), credentials: new TracingCredentials(`${prefix}-tracing-credentials`), metricsHost: metricsHostname(config.gpuCluster) }
    : undefined;

  const aiDeploy = config.aiDeploy
    ? new AiDeployApp(`${prefix}-ai-deploy`, {
        serviceName: config.serviceName,
        config: config.aiDeploy,
        environment: config.environment,
        hfToken: secrets.hfToken,
        ...(tracing ? { tracing: { app: aiDeployTracing(config.aiDeploy.servedModelName, ingestUrl(tracing.metricsHost)), secretEnv: tracing.credentials.ingestHeaderEnv } } : {}),
      }, catalogue)
    : undefined;

  const gpu = config.gpuCluster
    ? new GpuInferenceCluster(`${prefix}-gpu`, {
        serviceName: config.serviceName,
        config: config.gpuCluster,
        environment: config.environment,
        hfToken: secrets.hfToken,
        apiKey: secrets.gpuApiKey,
        ...(tracing ? { tracing: { config: tracing.config, thresholds: tracing.thresholds, credentials: tracing.credentials } } : {}),
      }, catalogue)
    : undefined;

  const scrapeTargets: RemoteScrapeTargetWithCredential[] = [];
  if (aiDeploy && config.aiDeploy) {
    const appName = config.aiDeploy.name;
    scrapeTargets.push({
      jobName: aiDeployJobName(appName),
      target: pulumi
        .all([aiDeploy.host, aiDeploy.modelName])
        .apply(([host, model]) => aiDeployScrapeTarget({ appName, host, model, environment: config.environment })),
      credential: aiDeploy.token,
    });
  }
  if (gpu) scrapeTargets.push({ jobName: gpu.metricsScrape.target.jobName, ...gpu.metricsScrape });

  const monitoringContent = (monitoring: NonNullable<typeof config.monitoring>): MonitoringContent => {
    const defaults = { ruleGroups: programRuleGroups(config, monitoring), dashboards: allDashboards() };
    return options.monitoringContent ? options.monitoringContent(defaults) : defaults;
  };
  const monitoring = config.monitoring?.mode === "embedded" && monitoringCluster
    ? new MonitoringStack(`${prefix}-monitoring-stack`, {
        provider: monitoringCluster.provider,
        dependsOn: monitoringCluster.nodePools,
        config: config.monitoring,
        environment: config.environment,
        secrets,
        scrapeTargets,
        ...monitoringContent(config.monitoring),
      })
    : undefined;

  // The platform stack (config: platform): every listed environment stack's reported jobs, read by StackReference.
  const claimed = new Set<string>();
  const reported = monitoring && config.platform
    ? config.platform.environments.map((stack) => ({ stack, env: new ReportedEnvironment(`${prefix}-env-${stack.replace(/[/.]/g, "-")}`, { stack, sink: monitoring.targetSink, claimed }) }))
    : undefined;

  if (monitoring && gpu?.tracing && tracing)
    new TempoDatasource(`${prefix}-tempo-datasource`, {
      provider: monitoring.targetSink.provider,
      namespace: monitoring.targetSink.namespace,
      labels: monitoring.targetSink.labels,
      url: gpu.tracing.queryUrl,
      password: tracing.credentials.queryPassword,
    });

  const endpointParts: pulumi.Output<Record<string, Endpoint>>[] = [];
  const tokenParts: pulumi.Output<Record<string, string>>[] = [];
  if (aiDeploy) {
    endpointParts.push(pulumi.all([aiDeploy.url, aiDeploy.modelName]).apply(([url, model]): Record<string, Endpoint> => ({ "ai-deploy": { url: `${url}/v1`, model, kind: "ai-deploy" } })));
    tokenParts.push(aiDeploy.token.apply((token): Record<string, string> => ({ "ai-deploy": token })));
  }
  if (gpu) {
    endpointParts.push(gpu.endpoints.apply((eps) => Object.fromEntries(eps.map((e) => [e.name, { url: e.url, model: e.servedModelName, kind: "gpu-cluster" as const }]))));
    tokenParts.push(pulumi.all([gpu.endpoints, gpu.apiKey]).apply(([eps, key]) => Object.fromEntries(eps.map((e) => [e.name, key]))));
  }
  const merge = <T>(parts: pulumi.Output<Record<string, T>>[]) => pulumi.all(parts).apply((records) => Object.assign({}, ...records) as Record<string, T>);

  return {
    endpoints: merge(endpointParts),
    endpointTokens: pulumi.secret(merge(tokenParts)),
    monitoringClusterId: monitoringCluster?.clusterId,
    monitoringKubeconfig: monitoringCluster?.kubeconfig,
    ...(config.monitoring?.mode === "platform" ? platformExports(config.environment, scrapeTargets) : {}),
    ...(reported ? { platformScrapeJobs: pulumi.all(reported.map((r) => r.env.jobNames.apply((jobs) => [r.stack, jobs] as const))).apply((e) => Object.fromEntries(e)) } : {}),
    gpuClusterId: gpu?.clusterId,
    gpuKubeconfig: gpu?.kubeconfig,
    gpuGatewayAddress: gpu?.gatewayAddress,
    grafanaUrl: monitoring?.grafanaUrl,
    grafanaPortForward: monitoring?.grafanaPortForward,
    grafanaAdminPassword: monitoring?.grafanaAdminPassword,
    prometheusUrl: monitoring?.prometheusUrl,
    alertmanagerUrl: monitoring?.alertmanagerUrl,
  };
}
