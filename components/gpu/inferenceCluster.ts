import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { isGpuFlavor, type GpuClusterConfig } from "../../config/schema";
import { CHARTS, type ChartPin } from "../charts";
import { MksCluster } from "../mks/cluster";
import { dcgmMetricsCsv } from "../observability/dcgm";
import type { RemoteScrapeTarget } from "../observability/scrape";
import { autoscalingObjects, scalesToZero } from "./autoscaling";
import { awaitChoice, withAwaitAnnotations } from "./awaits";
import { federationScrapeTarget, htpasswdLine } from "./federation";
import { entryObjects } from "./gateway";
import type { K8sObject } from "./k8s";
import { ModelStore } from "./modelStore";
import { defaultWeightsBucket, objectStorageRegion, S3_KEYS, WEIGHTS_SECRETS, weightsJob } from "./weights";
import { API_KEY_SECRET, FEDERATION_HTPASSWD_SECRET, FEDERATION_USER, HF_TOKEN_SECRET, metricsHostname, NAMESPACES, RELEASES } from "./layout";
import { certManagerValues, envoyGatewayValues, gpuOperatorValues, gpuPrometheusValues, kedaHttpAddOnValues, kedaValues, RELEASE_NAMESPACE } from "./values";
import { vllmWorkloadObjects } from "./vllm";
import { TracingBackend, type TracingCredentials } from "../tracing/backend";
import type { SamplingThresholds } from "../tracing/sampling";
import type { TracingConfig } from "../../config/schema";

export interface GpuInferenceClusterArgs {
  /** OVH Public Cloud project id. */
  serviceName: string;
  /** Validated `gpuCluster` section of the stack config. */
  config: GpuClusterConfig;
  /** Environment label (dev, prod): cluster name and the `environment` label of federated series. */
  environment: string;
  /** Hugging Face token for gated models (secret); no HF_TOKEN env when unset. */
  hfToken?: pulumi.Input<string>;
  /** vLLM API key (secret); a random one is generated when unset. */
  apiKey?: pulumi.Input<string>;
  /** Request tracing: vLLM and Envoy spans → OpenTelemetry Collector (tail sampling) → Tempo, on this cluster. */
  tracing?: { config: TracingConfig; thresholds: SamplingThresholds; credentials: TracingCredentials };
}

/** One model's public endpoint. */
export interface ModelEndpoint {
  name: string;
  /** OpenAI-compatible base URL: `https://<hostname>/v1`. */
  url: string;
  /** The `model` field of API calls. */
  servedModelName: string;
}

/** The GPU cluster's `/federate` target for the central MonitoringStack, with its basic-auth password (secret). */
export interface MetricsScrapeTarget {
  target: RemoteScrapeTarget;
  credential: pulumi.Output<string>;
}

/** Pure: the public endpoints of the configured models. */
export function modelEndpoints(config: Pick<GpuClusterConfig, "models">): ModelEndpoint[] {
  return config.models.map((m) => ({ name: m.name, url: `https://${m.hostname}/v1`, servedModelName: m.servedModelName }));
}

/**
 * The GPU inference cluster: an MKS cluster with a tainted GPU pool, the NVIDIA GPU operator, one hardened vLLM
 * StatefulSet per model behind an Envoy Gateway with cert-manager TLS, KEDA autoscaling on queue depth (and
 * optionally scale-to-zero through the HTTP add-on), and a small Prometheus whose `/federate` the central one scrapes.
 */
export class GpuInferenceCluster extends pulumi.ComponentResource {
  public readonly clusterId: pulumi.Output<string>;
  /** Admin kubeconfig (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly endpoints: pulumi.Output<ModelEndpoint[]>;
  /** vLLM API key (secret): `Authorization: Bearer <key>`. */
  public readonly apiKey: pulumi.Output<string>;
  public readonly metricsScrapeTarget: pulumi.Output<RemoteScrapeTarget>;
  /** Basic-auth password of `/federate` (secret). */
  public readonly metricsCredential: pulumi.Output<string>;
  /** Public IP (or host name) of the Gateway: the DNS target of every model host and the metrics host; empty until assigned. */
  public readonly gatewayAddress: pulumi.Output<string>;
  /** Both, in the shape MonitoringStack's `scrapeTargets` consume. */
  public readonly metricsScrape: MetricsScrapeTarget;
  /** The tracing backend (collector, Tempo, authenticated routes) when tracing is on. */
  public readonly tracing?: TracingBackend;

  constructor(name: string, args: GpuInferenceClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:gpu:InferenceCluster", name, {}, opts);
    const { config } = args;
    const gpuPool = config.cluster.nodePools.find((p) => isGpuFlavor(p.flavor));
    if (!gpuPool) throw new Error(`${name}: gpuCluster.cluster.nodePools has no GPU pool`);

    const cluster = new MksCluster(`${name}-mks`, { serviceName: args.serviceName, cluster: config.cluster, defaultName: `ovh-llm-${args.environment}-gpu` }, { parent: this });
    const k8sOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider: cluster.provider, ...extra });

    const apiKey = pulumi.secret(
      args.apiKey ?? new random.RandomPassword(`${name}-api-key`, { length: 48, special: false }, { parent: this }).result,
    );
    const federationPassword = pulumi.secret(new random.RandomPassword(`${name}-federation-password`, { length: 40, special: false }, { parent: this }).result);

    // Who waits for what: only what really needs GPU nodes waits for the GPU pool (tens of minutes). Namespaces,
    // Secrets and custom resources need the API server only; the system charts need a node that takes pods without
    // tolerations (bench/deploy/needs.ts says the same for the deploy timeline).
    const pools = config.cluster.nodePools.map((pool, i) => ({ pool, resource: cluster.nodePools[i] }));
    const untainted = pools.filter((p) => p.pool.taints.length === 0);
    const cpuPools = untainted.filter((p) => !isGpuFlavor(p.pool.flavor));
    const systemPools = (cpuPools.length > 0 ? cpuPools : untainted.length > 0 ? untainted : pools).map((p) => p.resource);
    const gpuPoolResource = pools.find((p) => p.pool.name === gpuPool.name)!.resource;

    const baselineEnforced = { "pod-security.kubernetes.io/enforce": "baseline" };
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    for (const ns of new Set<string>([config.namespace, ...Object.values(NAMESPACES)])) {
      const labels = ns === config.namespace ? baselineEnforced : ns === NAMESPACES.gpuOperator ? { "pod-security.kubernetes.io/enforce": "privileged" } : {};
      namespaces.set(ns, new k8s.core.v1.Namespace(`${name}-ns-${ns}`, { metadata: { name: ns, labels } }, k8sOpts()));
    }
    const inNs = (ns: string) => [namespaces.get(ns)!];

    const release = (key: string, pin: ChartPin, releaseName: string, values: Record<string, unknown>, extra: { dependsOn?: pulumi.Resource[]; timeoutSeconds?: number } = {}) =>
      new k8s.helm.v3.Release(
        `${name}-${key}`,
        {
          name: releaseName,
          chart: pin.chart,
          version: pin.version,
          ...(pin.repo ? { repositoryOpts: { repo: pin.repo } } : {}),
          namespace: RELEASE_NAMESPACE[releaseName as keyof typeof RELEASE_NAMESPACE],
          values,
          timeout: extra.timeoutSeconds ?? 900,
        },
        k8sOpts({ dependsOn: [...inNs(RELEASE_NAMESPACE[releaseName as keyof typeof RELEASE_NAMESPACE]), ...systemPools, ...(extra.dependsOn ?? [])] }),
      );

    // The Prometheus (and its CRDs) first: the GPU operator creates the DCGM ServiceMonitor only if the CRD exists.
    const prometheus = release("prometheus", CHARTS.kubePrometheusStack, RELEASES.prometheus, gpuPrometheusValues({ retention: "2d", scrapeInterval: "15s", vllmNamespace: config.namespace }));
    // The operator runs on the system pool; it installs the driver on GPU nodes whenever they join (so it does not wait
    // for them). Driver builds on fresh GPU nodes take a while: a long Helm timeout.
    const gpuOperator = release("gpu-operator", CHARTS.gpuOperator, RELEASES.gpuOperator, gpuOperatorValues(config, { dcgmMetricsCsv: dcgmMetricsCsv() }), { dependsOn: [prometheus], timeoutSeconds: 3600 });
    const envoyGateway = release("envoy-gateway", CHARTS.envoyGateway, RELEASES.envoyGateway, envoyGatewayValues());
    // With `gatewayAPI.enabled`, cert-manager v1.21.1 exits at start when the Gateway API CRDs are missing
    // (pkg/controller/context.go: "Please install the gateway-api CRDs"): Envoy Gateway's chart installs them first.
    const certManager = release("cert-manager", CHARTS.certManager, RELEASES.certManager, certManagerValues(), { dependsOn: [envoyGateway] });
    const keda = release("keda", CHARTS.keda, RELEASES.keda, kedaValues());
    const anyToZero = config.models.some((m) => scalesToZero(m, config.autoscaling));
    const httpAddOn = anyToZero ? [release("keda-http", CHARTS.kedaHttpAddOn, RELEASES.kedaHttpAddOn, kedaHttpAddOnValues(), { dependsOn: [keda] })] : [];

    // Secrets: values only through secret Outputs.
    const secret = (key: string, ns: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(`${name}-${key}`, { metadata: { name: secretName, namespace: ns }, type: "Opaque", stringData: pulumi.secret(data) as pulumi.Input<Record<string, pulumi.Input<string>>> }, k8sOpts({ dependsOn: inNs(ns) }));
    // Model weights: one bucket per cluster, read-only keys for vLLM, read-write keys for the download Jobs only.
    const modelStore = new ModelStore(
      `${name}-model-store`,
      {
        serviceName: args.serviceName,
        bucket: config.weights.bucket ?? defaultWeightsBucket(args.environment, args.serviceName),
        region: config.weights.region ?? objectStorageRegion(config.cluster.region),
        environment: args.environment,
      },
      { parent: this },
    );
    const s3Secret = (role: "reader" | "writer") => {
      const keys = modelStore[role];
      return secret(`weights-${role}`, config.namespace, WEIGHTS_SECRETS[role], { [S3_KEYS.accessKeyId]: keys.accessKeyId, [S3_KEYS.secretAccessKey]: keys.secretAccessKey });
    };
    const workloadSecrets = [secret("api-key", config.namespace, API_KEY_SECRET.name, { [API_KEY_SECRET.key]: apiKey }), s3Secret("reader")];
    // Only the download Jobs talk to Hugging Face (and read the token).
    const downloadSecrets = [s3Secret("writer")];
    if (args.hfToken !== undefined) downloadSecrets.push(secret("hf-token", config.namespace, HF_TOKEN_SECRET.name, { [HF_TOKEN_SECRET.key]: pulumi.secret(args.hfToken) }));
    const htpasswd = secret("federation-htpasswd", NAMESPACES.monitoring, FEDERATION_HTPASSWD_SECRET, {
      ".htpasswd": federationPassword.apply((p) => htpasswdLine(FEDERATION_USER, p)),
    });

    /** What an object waits for: its namespace, the release that installs its CRD, and for vLLM its GPU nodes' driver. */
    const crdRelease: Record<string, pulumi.Resource[]> = {
      "monitoring.coreos.com": [prometheus],
      "gateway.networking.k8s.io": [envoyGateway],
      "gateway.envoyproxy.io": [envoyGateway],
      "cert-manager.io": [certManager],
      "keda.sh": [keda],
      "http.keda.sh": httpAddOn,
    };
    const dependenciesOf = (obj: K8sObject): pulumi.Resource[] => [
      ...(obj.metadata.namespace ? inNs(obj.metadata.namespace) : []),
      ...(crdRelease[obj.apiVersion.split("/")[0]] ?? []),
      ...(obj.kind === "SecurityPolicy" ? [htpasswd] : []),
      // vLLM pods run on the GPU pool once the operator has put the driver and device plugin there.
      ...(obj.kind === "StatefulSet" ? [...workloadSecrets, gpuPoolResource, gpuOperator] : []),
      // The download runs on the system pool while the GPU pool is still being created.
      ...(obj.kind === "Job" ? [...downloadSecrets, modelStore.bucket, modelStore.writePolicy, ...systemPools] : []),
    ];

    // Targets of the ScaledObjects (KEDA owns their replica count).
    const kedaTargets = new Set(
      config.models.flatMap((m) => autoscalingObjects(m, { namespace: config.namespace, autoscaling: config.autoscaling }))
        .filter((o) => o.kind === "ScaledObject")
        .map((o) => `${(o.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.kind}/${(o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name}`),
    );
    const apply = (obj: K8sObject, extra: pulumi.Resource[] = []) => {
      const suffix = `${obj.kind.toLowerCase()}-${obj.metadata.namespace ? `${obj.metadata.namespace}-` : ""}${obj.metadata.name}`;
      // StatefulSets wait for ready pods, Jobs for their completion, Services not at all (awaits.ts).
      const choice = awaitChoice(obj, kedaTargets.has(`${obj.kind}/${obj.metadata.name}`));
      return new k8s.apiextensions.CustomResource(`${name}-${suffix}`, withAwaitAnnotations(obj, choice) as k8s.apiextensions.CustomResourceArgs, k8sOpts({ dependsOn: [...dependenciesOf(obj), ...extra], ...choice.opts }));
    };

    const tracing = args.tracing !== undefined;
    const workloadCtx = { namespace: config.namespace, gpuPool, weights: modelStore.store, scaleToZero: anyToZero, tracing };
    const jobCtx = {
      namespace: config.namespace,
      store: modelStore.store,
      hfToken: args.hfToken !== undefined ? HF_TOKEN_SECRET : undefined,
      poolName: cpuPools[0]?.pool.name,
      labels: { "app.kubernetes.io/part-of": "ovh-llm", "app.kubernetes.io/managed-by": "pulumi" },
    };
    for (const model of config.models) {
      // Once per revision; the replicas wait for it (and their init container for its completion marker).
      const job = apply(weightsJob(model, { ...jobCtx, labels: { ...jobCtx.labels, "app.kubernetes.io/instance": model.name } }));
      for (const obj of vllmWorkloadObjects(model, workloadCtx)) apply(obj, obj.kind === "StatefulSet" ? [job] : []);
      for (const obj of autoscalingObjects(model, { namespace: config.namespace, autoscaling: config.autoscaling })) apply(obj);
    }

    const hostMetrics = metricsHostname(config);
    const entryCtx = { namespace: config.namespace, tls: config.tls, metricsHostname: hostMetrics, issuerName: `acme-${args.environment}`, tracing };
    let gatewayResource: k8s.apiextensions.CustomResource | undefined;
    for (const obj of entryObjects(config.models, entryCtx, (m) => scalesToZero(m, config.autoscaling))) {
      const created = apply(obj);
      if (obj.kind === "Gateway") gatewayResource = created;
    }
    if (!gatewayResource) throw new Error(`${name}: the entry objects have no Gateway`);

    if (args.tracing)
      this.tracing = new TracingBackend(`${name}-tracing`, {
        provider: cluster.provider,
        ...args.tracing,
        vllmNamespace: config.namespace,
        metricsHostname: hostMetrics,
        namespace: namespaces.get(NAMESPACES.monitoring)!,
        gatewayRelease: envoyGateway,
        nodes: systemPools,
      }, { parent: this });

    this.gatewayAddress = this.readGatewayAddress(name, gatewayResource, cluster.provider);
    this.clusterId = cluster.clusterId;
    this.kubeconfig = cluster.kubeconfig;
    this.apiKey = apiKey;
    this.endpoints = pulumi.output(modelEndpoints(config));
    const target = federationScrapeTarget({ metricsHostname: hostMetrics, environment: args.environment, vllmNamespace: config.namespace });
    this.metricsScrapeTarget = pulumi.output(target);
    this.metricsCredential = federationPassword;
    this.metricsScrape = { target, credential: federationPassword };

    this.registerOutputs({
      clusterId: this.clusterId,
      kubeconfig: this.kubeconfig,
      endpoints: this.endpoints,
      apiKey: this.apiKey,
      metricsScrapeTarget: this.metricsScrapeTarget,
      metricsCredential: this.metricsCredential,
      gatewayAddress: this.gatewayAddress,
    });
  }

  /**
   * The Gateway's public address (`status.addresses[0]`, the OVH LoadBalancer Envoy Gateway requests): point the
   * model and metrics host names at it. Read from the live object (its id stays unknown in a first preview, so no read
   * fails); empty until OVH assigns an address, and read again by the next `pulumi up` or `pulumi refresh`.
   */
  private readGatewayAddress(name: string, gateway: k8s.apiextensions.CustomResource, provider: k8s.Provider): pulumi.Output<string> {
    const id = pulumi.all([gateway.metadata.namespace, gateway.metadata.name]).apply(([ns, n]) => `${ns}/${n}`);
    // A read (`id` set) exposes as outputs exactly the fields named in args: `CustomResource.get` names only
    // apiVersion/kind, so construct the read with `status` too.
    const live = new k8s.apiextensions.CustomResource(
      `${name}-gateway-status`,
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", status: undefined },
      { id, parent: this, provider, dependsOn: [gateway] },
    );
    const status = (live as unknown as { status: pulumi.Output<{ addresses?: { value?: string }[] } | undefined> }).status;
    return status.apply((s) => s?.addresses?.[0]?.value ?? "");
  }
}
