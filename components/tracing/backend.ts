/**
 * Tracing resources (thin shells over the pure builders of this folder):
 *  - `TracingCredentials`: the two generated basic-auth passwords (ingest: the AI Deploy app → the collector; query:
 *    Grafana → Tempo), shared by the sides that send and check them;
 *  - `TracingBackend` (GPU cluster): collector and Tempo releases, htpasswd Secrets, NetworkPolicies, the
 *    authenticated routes;
 *  - `TempoDatasource` (monitoring cluster): Grafana's Tempo datasource, a Secret the datasource sidecar loads.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as yaml from "js-yaml";
import type { TracingConfig } from "../../config/schema";
import { CHARTS } from "../charts";
import { htpasswdLine } from "../gpu/federation";
import type { K8sObject } from "../gpu/k8s";
import { collectorValues, tempoValues } from "./backendValues";
import { DATASOURCE_FILE, DATASOURCE_LABEL, tempoDatasource } from "./datasource";
import { ingestHeaderEnv } from "./emitters";
import { COLLECTOR, INGEST_AUTH, QUERY_AUTH, TEMPO, TRACING_NAMESPACE, ingestUrl, queryUrl } from "./layout";
import { tracingObjects } from "./objects";
import { tailSamplingConfig, type SamplingThresholds } from "./sampling";

export class TracingCredentials extends pulumi.ComponentResource {
  /** Basic-auth password of `otlp` on the ingest route (secret). */
  public readonly ingestPassword: pulumi.Output<string>;
  /** Basic-auth password of `grafana` on the Tempo query route (secret). */
  public readonly queryPassword: pulumi.Output<string>;
  /** The AI Deploy app's secret variable: OTEL_EXPORTER_OTLP_TRACES_HEADERS with the ingest credential (secret). */
  public readonly ingestHeaderEnv: pulumi.Output<Record<string, string>>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:tracing:Credentials", name, {}, opts);
    const password = (key: string) => pulumi.secret(new random.RandomPassword(`${name}-${key}`, { length: 40, special: false }, { parent: this }).result);
    this.ingestPassword = password("ingest");
    this.queryPassword = password("query");
    this.ingestHeaderEnv = pulumi.secret(this.ingestPassword.apply(ingestHeaderEnv));
    this.registerOutputs({ ingestPassword: this.ingestPassword, queryPassword: this.queryPassword });
  }
}

export interface TracingBackendArgs {
  provider: k8s.Provider;
  config: TracingConfig;
  /** What "slow" means: defaults and per-model thresholds (sampling.ts `samplingThresholds`). */
  thresholds: SamplingThresholds;
  credentials: TracingCredentials;
  /** Namespace of the vLLM pods (the collector admits them). */
  vllmNamespace: string;
  /** Host of the Gateway's metrics listener: the ingest and query routes hang off it. */
  metricsHostname: string;
  /** The tracing namespace (the GPU cluster's monitoring namespace) as a resource. */
  namespace: pulumi.Resource;
  /** Release that installs the Gateway API and Envoy Gateway CRDs. */
  gatewayRelease: pulumi.Resource;
  /** What the releases' pods need to be scheduled (the system pool). */
  nodes: pulumi.Resource[];
}

export class TracingBackend extends pulumi.ComponentResource {
  /** `https://<metrics host>/v1/traces`: OTLP/HTTP ingest for senders outside the cluster. */
  public readonly ingestUrl: string;
  /** `https://<metrics host>/tempo`: Tempo's API for Grafana. */
  public readonly queryUrl: string;

  constructor(name: string, args: TracingBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:tracing:Backend", name, {}, opts);
    const child = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider: args.provider, ...extra });
    const htpasswd = (key: string, secretName: string, user: string, password: pulumi.Output<string>) =>
      new k8s.core.v1.Secret(
        `${name}-${key}`,
        { metadata: { name: secretName, namespace: TRACING_NAMESPACE }, type: "Opaque", stringData: pulumi.secret(password.apply((p) => ({ ".htpasswd": htpasswdLine(user, p) }))) },
        child({ dependsOn: [args.namespace] }),
      );
    const secrets = [
      htpasswd("ingest-htpasswd", INGEST_AUTH.secret, INGEST_AUTH.user, args.credentials.ingestPassword),
      htpasswd("query-htpasswd", QUERY_AUTH.secret, QUERY_AUTH.user, args.credentials.queryPassword),
    ];

    const release = (key: string, pin: { chart: string; version: string; repo: string }, releaseName: string, values: Record<string, unknown>) =>
      new k8s.helm.v3.Release(
        `${name}-${key}`,
        { name: releaseName, chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo }, namespace: TRACING_NAMESPACE, values, timeout: 600 },
        child({ dependsOn: [args.namespace, ...args.nodes] }),
      );
    const sampling = tailSamplingConfig(args.thresholds, args.config.sampling);
    release("tempo", CHARTS.tempo, TEMPO.release, tempoValues(args.config));
    release("collector", CHARTS.otelCollector, COLLECTOR.release, collectorValues(sampling));

    for (const obj of tracingObjects({ vllmNamespace: args.vllmNamespace, metricsHostname: args.metricsHostname })) {
      // Routes and policies need the Gateway API / Envoy Gateway CRDs; a policy also its htpasswd Secret.
      const deps = obj.kind === "NetworkPolicy" ? [args.namespace] : obj.kind === "SecurityPolicy" ? [args.namespace, args.gatewayRelease, ...secrets] : [args.namespace, args.gatewayRelease];
      new k8s.apiextensions.CustomResource(`${name}-${obj.kind.toLowerCase()}-${obj.metadata.name}`, obj as K8sObject as k8s.apiextensions.CustomResourceArgs, child({ dependsOn: deps }));
    }

    this.ingestUrl = ingestUrl(args.metricsHostname);
    this.queryUrl = queryUrl(args.metricsHostname);
    this.registerOutputs({ ingestUrl: this.ingestUrl, queryUrl: this.queryUrl });
  }
}

export interface TempoDatasourceArgs {
  /** Provider and namespace of the monitoring stack's Grafana (MonitoringStack.targetSink has both). */
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  /** Tempo's API as Grafana reaches it (`TracingBackend.queryUrl`). */
  url: string;
  password: pulumi.Output<string>;
  labels?: Record<string, string>;
}

export class TempoDatasource extends pulumi.ComponentResource {
  constructor(name: string, args: TempoDatasourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:tracing:GrafanaDatasource", name, {}, opts);
    // Not a ConfigMap: the provisioning file holds the basic-auth password.
    new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: "tempo-datasource", namespace: args.namespace, labels: { ...args.labels, [DATASOURCE_LABEL.key]: DATASOURCE_LABEL.value } },
        type: "Opaque",
        stringData: pulumi.secret(args.password.apply((p) => ({ [DATASOURCE_FILE]: yaml.dump(tempoDatasource(args.url, p), { lineWidth: -1 }) }))),
      },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({});
  }
}
