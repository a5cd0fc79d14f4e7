/**
 * Every Kubernetes object we render, validated against the schemas of the pinned API/CRD versions
 * (tests/helpers/k8sSchema.ts: kubernetes-models + @kubernetes-models/* validators, plus unknown-field detection).
 *
 * What the model packages cover vs. our pins, and what was checked at the upstream source instead:
 * - kubernetes-models 5.1.0: core API with 1.33+ fields (MKS runs 1.33).
 * - @kubernetes-models/gateway-api 2.0.0: Gateway, HTTPRoute (incl. `rules[].timeouts.{request,backendRequest}` with
 *   the Gateway API duration pattern), ReferenceGrant v1beta1. Envoy Gateway v1.9.0 bundles Gateway API v1.6.1
 *   (charts/gateway-crds-helm/templates/*-gatewayapi-crds.yaml, bundle-version v1.6.1): HTTPRoute
 *   `rules[].timeouts.{request,backendRequest}` are there, with the CEL rule "backendRequest timeout cannot be longer
 *   than request timeout" (checked below, CEL is not in the model schemas).
 * - @kubernetes-models/envoy-gateway 2.0.0: SecurityPolicy. Envoy Gateway v1.9.0
 *   charts/gateway-crds-helm/templates/generated/gateway.envoyproxy.io_securitypolicies.yaml: `spec.basicAuth`
 *   requires `users`, a SecretObjectReference {group, kind (default Secret), name (required), namespace} whose Secret
 *   holds the key ".htpasswd" ("user:{SHA}..."), optional `forwardUsernameHeader`; `spec.targetRefs[]` exists. We render
 *   no BackendTrafficPolicy / ClientTrafficPolicy (route timeouts are set on the HTTPRoute instead).
 * - @kubernetes-models/keda 2.0.0 (we pin KEDA 2.20.2). kedacore/keda v2.20.2
 *   config/crd/bases/keda.sh_scaledobjects.yaml: `fallback{failureThreshold, replicas}` (both required int32 >= 0;
 *   2.20 adds optional `fallback.behavior`, which we do not set), `advanced.horizontalPodAutoscalerConfig.behavior`
 *   (autoscaling/v2 HPA behavior), `initialCooldownPeriod` (int32 >= 0, in the model too).
 * - @kubernetes-models/cert-manager 6.0.0 (we pin v1.21.1). cert-manager v1.21.1
 *   deploy/crds/cert-manager.io_clusterissuers.yaml: `acme.solvers[].http01.gatewayHTTPRoute.parentRefs[]
 *   {group, kind, name, namespace, port, sectionName}` is unchanged.
 * - @kubernetes-models/prometheus-operator 6.0.0: ServiceMonitor, PrometheusRule, AlertmanagerConfig v1alpha1,
 *   ScrapeConfig v1alpha1 (our fields are in the v0.93.1 CRD of kube-prometheus-stack 88.5.3 too:
 *   charts/crds/crds/crd-scrapeconfigs.yaml; `scheme` enum http/https/HTTP/HTTPS there).
 * - KEDA HTTP add-on v0.15.0 InterceptorRoute: no model package; allow-listed and checked against a schema transcribed
 *   from kedacore/http-add-on v0.15.0 config/crd/bases/http.keda.sh_interceptorroutes.yaml (timeouts are
 *   metav1.Duration, "0s" disables the deadline per interceptorroute_types.go).
 */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuClusterConfig } from "../../config/schema";
import { autoscalingObjects, interceptorRoute, scaledObject, scalesToZero } from "../../components/gpu/autoscaling";
import { federationScrapeTarget } from "../../components/gpu/federation";
import { acmeClusterIssuer, entryObjects, federationSecurityPolicy, modelRoute } from "../../components/gpu/gateway";
import { GpuInferenceCluster } from "../../components/gpu/inferenceCluster";
import type { K8sObject } from "../../components/gpu/k8s";
import { HF_TOKEN_SECRET, metricsHostname } from "../../components/gpu/layout";
import { weightsJob } from "../../components/gpu/weights";
import { vllmServiceMonitor, vllmStatefulSet, vllmWorkloadObjects, type WorkloadContext } from "../../components/gpu/vllm";
import { MonitoringStack } from "../../components/monitoring/stack";
import { prometheusRuleGroups } from "../../components/observability/rules";
import { monitoredModels } from "../../program";
import { allDashboards } from "../../dashboards";
import { installMocks, settle, valueOf, type RecordedResource } from "../../scripts/plan/mockRecorder";
import { loadK8sSchemas, objectId, SCHEMA_ALLOW_LIST, validateObject, type RenderedObject } from "../helpers/k8sSchema";
import { gpuEntryContext, gpuWeightsStore, prodGpu, stackConfig } from "../helpers/stacks";

const prodConfig = () => stackConfig("prod");

/** The config variants whose objects differ: prod as is, scale-to-zero on, TLS from a provided Secret. */
function variants(): Record<string, GpuClusterConfig> {
  const gpu = prodGpu();
  return {
    prod: gpu,
    scaleToZero: { ...gpu, autoscaling: { ...gpu.autoscaling, scaleToZero: true }, models: gpu.models.map((m) => ({ ...m, minReplicas: 0 })) },
    tlsProvided: { ...gpu, tls: { mode: "provided", acmeServer: gpu.tls.acmeServer, certificateSecretName: "wildcard-tls" } },
  };
}

const entryCtx = gpuEntryContext;
const workloadCtx = (gpu: GpuClusterConfig): WorkloadContext => ({
  namespace: gpu.namespace,
  gpuPool: gpu.cluster.nodePools.find((p) => p.name === "gpu")!,
  weights: gpuWeightsStore(gpu),
  scaleToZero: gpu.models.some((m) => scalesToZero(m, gpu.autoscaling)),
});

/** Everything the GPU builders render for one config. */
function gpuObjects(gpu: GpuClusterConfig): K8sObject[] {
  return [
    ...gpu.models.map((m) => weightsJob(m, { namespace: gpu.namespace, store: gpuWeightsStore(gpu), hfToken: HF_TOKEN_SECRET, poolName: "system", labels: {} })),
    ...gpu.models.flatMap((m) => vllmWorkloadObjects(m, workloadCtx(gpu))),
    ...gpu.models.flatMap((m) => autoscalingObjects(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling })),
    ...entryObjects(gpu.models, entryCtx(gpu), (m) => scalesToZero(m, gpu.autoscaling)),
  ];
}

/** Validates all, collecting every failure (one readable assertion instead of stopping at the first). */
function validateAll(objects: RenderedObject[]): { kinds: Map<string, number>; failures: string[] } {
  const kinds = new Map<string, number>();
  const failures: string[] = [];
  for (const o of objects) {
    try {
      const r = validateObject(o);
      kinds.set(r.key, (kinds.get(r.key) ?? 0) + 1);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  return { kinds, failures };
}

/** `kubernetes:apps/v1:StatefulSet` → apps/v1, StatefulSet (`core/v1` is `v1`). */
function typeToken(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1].replace(/^core\//, ""), kind: m[2] };
}

/**
 * The recorded inputs of every plain Kubernetes object (not Helm releases), as the API server would get them.
 * Reads (`Service.get`) carry no inputs and send nothing: skipped.
 */
function sentObjects(resources: RecordedResource[]): RenderedObject[] {
  return resources.flatMap((r) => {
    const t = typeToken(r.type);
    if (!t || t.apiVersion.startsWith("helm.sh/") || r.type.startsWith("kubernetes:yaml")) return [];
    if (Object.keys(r.inputs).length === 0) return [];
    const inputs = r.inputs as RenderedObject;
    // Typed classes (k8s.core.v1.Secret...) fill apiVersion/kind in; CustomResources carry their own: they must agree.
    assert.equal(`${inputs.apiVersion}/${inputs.kind}`, `${t.apiVersion}/${t.kind}`, `${r.type} ${r.name}: inputs say ${inputs.apiVersion}/${inputs.kind}`);
    return [inputs];
  });
}

const MODEL_KINDS_RENDERED = [
  "v1/Service",
  "apps/v1/StatefulSet",
  "batch/v1/Job",
  "policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy",
  "monitoring.coreos.com/v1/ServiceMonitor",
  "keda.sh/v1alpha1/ScaledObject",
  "gateway.networking.k8s.io/v1/GatewayClass",
  "gateway.networking.k8s.io/v1/Gateway",
  "gateway.networking.k8s.io/v1/HTTPRoute",
  "gateway.networking.k8s.io/v1beta1/ReferenceGrant",
  "gateway.envoyproxy.io/v1alpha1/SecurityPolicy",
  "cert-manager.io/v1/ClusterIssuer",
  "http.keda.sh/v1beta1/InterceptorRoute",
];

describe("Kubernetes objects against the pinned schemas", function () {
  this.timeout(30000);
  before(async () => {
    await loadK8sSchemas();
  });

  describe("GPU builders", () => {
    it("every object rendered for prod, scale-to-zero and provided TLS is valid", () => {
      const all = Object.values(variants()).flatMap(gpuObjects);
      const { kinds, failures } = validateAll(all);
      assert.deepEqual(failures, []);
      assert.deepEqual([...kinds.keys()].sort(), [...MODEL_KINDS_RENDERED].sort(), "every kind the builders render was validated");
      assert.equal([...kinds.values()].reduce((a, b) => a + b, 0), all.length);
    });

    it("the fields the GPU engineer could not verify are rendered and accepted (sources in the header comment)", () => {
      const gpu = variants().scaleToZero;
      const m = gpu.models[0];
      const policy = federationSecurityPolicy() as any;
      assert.deepEqual(Object.keys(policy.spec.basicAuth), ["users"]);
      assert.equal(policy.spec.basicAuth.users.name, "federation-htpasswd");
      validateObject(policy);

      const route = modelRoute(m, entryCtx(gpu), true) as any;
      const { request, backendRequest } = route.spec.rules[0].timeouts;
      validateObject(route);
      // Gateway API v1.6.1 CEL rule on HTTPRouteTimeouts (not in the model schema): backendRequest <= request.
      const seconds = (d: string) => [...d.matchAll(/(\d+)(h|ms|m|s)/g)].reduce((s, [, n, u]) => s + Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[u], 0);
      assert.ok(seconds(backendRequest) <= seconds(request), `backendRequest ${backendRequest} > request ${request}`);

      const issuer = acmeClusterIssuer(entryCtx(gpu)) as any;
      assert.equal(issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs[0].sectionName, "http");
      validateObject(issuer);

      const so = scaledObject(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling }) as any;
      assert.deepEqual(Object.keys(so.spec.fallback).sort(), ["failureThreshold", "replicas"]);
      assert.ok(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.policies.length > 0);
      assert.equal(typeof so.spec.initialCooldownPeriod, "number");
      validateObject(so);
      validateObject(interceptorRoute(m, { namespace: gpu.namespace }));
    });

    it("does not hide a whole object region as free-form: only schemaless nodes would be skipped, and there are none", () => {
      const free = Object.values(variants()).flatMap(gpuObjects).flatMap((o) => validateObject(o).freeFormPaths.map((p) => `${objectId(o)}: ${p}`));
      assert.deepEqual(free, []);
    });
  });

  describe("validation can fail (one misspelt field and one wrong type per validator family)", () => {
    const gpu = prodGpu();
    const m = gpu.models[0];
    const rejects = (obj: unknown, pattern: RegExp) => assert.throws(() => validateObject(obj as RenderedObject), pattern);
    const clone = <T>(o: T): any => JSON.parse(JSON.stringify(o));

    it("core (kubernetes-models): StatefulSet", () => {
      const misspelt = clone(vllmStatefulSet(m, workloadCtx(gpu)));
      misspelt.spec.template.spec.containers[0].imagePullPolicyy = "Always";
      rejects(misspelt, /apps\/v1 StatefulSet inference\/qwen3-vl-8b: field\(s\) not in[\s\S]*spec\.template\.spec\.containers\[\]\.imagePullPolicyy/);
      const wrongType = clone(vllmStatefulSet(m, workloadCtx(gpu)));
      wrongType.spec.replicas = "2";
      rejects(wrongType, /\/spec\/replicas: must be integer/);
    });

    it("prometheus-operator: ServiceMonitor", () => {
      const misspelt = clone(vllmServiceMonitor(m, workloadCtx(gpu)));
      misspelt.spec.endpoints[0].scrapeInterval = "15s";
      rejects(misspelt, /spec\.endpoints\[\]\.scrapeInterval/);
      const wrongType = clone(vllmServiceMonitor(m, workloadCtx(gpu)));
      wrongType.spec.endpoints[0].relabelings[0].action = "rename";
      rejects(wrongType, /\/spec\/endpoints\/0\/relabelings\/0\/action/);
    });

    it("keda: ScaledObject", () => {
      const misspelt = clone(scaledObject(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling }));
      misspelt.spec.fallback.replica = 1;
      rejects(misspelt, /spec\.fallback\.replica\b/);
      const wrongType = clone(scaledObject(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling }));
      wrongType.spec.initialCooldownPeriod = "300";
      rejects(wrongType, /\/spec\/initialCooldownPeriod: must be integer/);
      const triggerValue = clone(scaledObject(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling }));
      triggerValue.spec.triggers[0].metadata.threshold = 5;
      rejects(triggerValue, /\/spec\/triggers\/0\/metadata\/threshold: must be string/);
    });

    it("gateway-api: HTTPRoute", () => {
      const misspelt = clone(modelRoute(m, entryCtx(gpu), false));
      misspelt.spec.rules[0].timeout = { request: "1h" };
      rejects(misspelt, /spec\.rules\[\]\.timeout\b/);
      const wrongType = clone(modelRoute(m, entryCtx(gpu), false));
      wrongType.spec.rules[0].timeouts.request = "1 hour";
      rejects(wrongType, /\/spec\/rules\/0\/timeouts\/request: must match pattern/);
    });

    it("envoy-gateway: SecurityPolicy", () => {
      const misspelt = clone(federationSecurityPolicy());
      misspelt.spec.basicAuth = { htpasswd: misspelt.spec.basicAuth.users };
      rejects(misspelt, /\/spec\/basicAuth: must have required property users/);
      const wrongType = clone(federationSecurityPolicy());
      wrongType.spec.basicAuth.users = "federation-htpasswd";
      rejects(wrongType, /\/spec\/basicAuth\/users: must be object/);
    });

    it("cert-manager: ClusterIssuer", () => {
      const misspelt = clone(acmeClusterIssuer(entryCtx(gpu)));
      misspelt.spec.acme.solvers[0].http01.gatewayHttpRoute = misspelt.spec.acme.solvers[0].http01.gatewayHTTPRoute;
      delete misspelt.spec.acme.solvers[0].http01.gatewayHTTPRoute;
      rejects(misspelt, /spec\.acme\.solvers\[\]\.http01\.gatewayHttpRoute/);
      const wrongType = clone(acmeClusterIssuer(entryCtx(gpu)));
      wrongType.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs = { name: "inference" };
      rejects(wrongType, /parentRefs: must be array/);
    });

    it("transcribed CRD: InterceptorRoute", () => {
      const misspelt = clone(interceptorRoute(m, { namespace: gpu.namespace }));
      misspelt.spec.timeouts.readinessTimeout = "30m";
      rejects(misspelt, /spec\.timeouts\.readinessTimeout: field not in the schema/);
      const wrongType = clone(interceptorRoute(m, { namespace: gpu.namespace }));
      wrongType.spec.timeouts.readiness = "30 minutes";
      rejects(wrongType, /spec\.timeouts\.readiness: "30 minutes" is not a Go duration/);
      const bothPorts = clone(interceptorRoute(m, { namespace: gpu.namespace }));
      bothPorts.spec.target.port = 8000;
      rejects(bothPorts, /exactly one of port or portName/);
    });

    it("a kind without a schema fails loudly unless allow-listed with a reason", () => {
      rejects({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyPatchPolicy", metadata: { name: "x" }, spec: {} }, /no schema for gateway\.envoyproxy\.io\/v1alpha1\/EnvoyPatchPolicy and it is not in SCHEMA_ALLOW_LIST/);
      for (const [kind, reason] of Object.entries(SCHEMA_ALLOW_LIST)) assert.ok(reason.length > 20, `${kind} needs a reason`);
    });
  });

  describe("what Pulumi would send (resource inputs under mocks)", () => {
    async function gpuClusterInputs(gpu: GpuClusterConfig): Promise<RenderedObject[]> {
      const mocks = await installMocks("prod");
      const c = new GpuInferenceCluster("gpu", { serviceName: prodConfig().serviceName, config: gpu, environment: "prod", hfToken: pulumi.secret("hf_token_value") });
      await valueOf(c.kubeconfig);
      await settle();
      return sentObjects(mocks.resources);
    }

    it("GpuInferenceCluster: every plain Kubernetes object and custom resource is valid, for every variant", async () => {
      const counts: Record<string, number> = {};
      for (const [name, gpu] of Object.entries(variants())) {
        const objects = await gpuClusterInputs(gpu);
        const { kinds, failures } = validateAll(objects);
        assert.deepEqual(failures, [], `variant ${name}`);
        // Namespaces and Secrets (typed classes) plus every builder object (CustomResources).
        assert.ok(kinds.get("v1/Namespace")! >= 6 && kinds.get("v1/Secret")! >= 3, `variant ${name}: namespaces/secrets missing`);
        assert.equal(objects.length - (kinds.get("v1/Namespace") ?? 0) - (kinds.get("v1/Secret") ?? 0), gpuObjects(gpu).length, `variant ${name}: every builder object is sent`);
        counts[name] = objects.length;
      }
      assert.ok(Object.values(counts).every((n) => n > 20), JSON.stringify(counts));
    });

    it("MonitoringStack: its Namespace, Secrets, PrometheusRule and dashboard ConfigMaps are valid", async () => {
      const config = prodConfig();
      const mocks = await installMocks("prod");
      const provider = new k8s.Provider("mon-k8s", { kubeconfig: "fake" });
      const gpu = prodGpu();
      const target = federationScrapeTarget({ metricsHostname: metricsHostname(gpu), environment: "prod", vllmNamespace: gpu.namespace });
      const secret = (v: string) => pulumi.secret(v);
      new MonitoringStack("mon", {
        provider,
        config: config.monitoring!,
        environment: "prod",
        secrets: { alertWebhookUrl: secret("https://hooks.example.com/x"), alertSlackWebhookUrl: secret("https://hooks.slack.com/x"), alertSmtpPassword: secret("smtp"), remoteWritePassword: secret("rw") },
        scrapeTargets: [{ jobName: target.jobName, target, credential: secret("federation-password") }],
        ruleGroups: prometheusRuleGroups(config.monitoring!.alerting.thresholds, { environment: "prod", models: monitoredModels(config), slo: config.monitoring!.slo, runbookUrl: config.monitoring!.alerting.runbookUrl }),
        dashboards: allDashboards(),
      });
      await settle();
      const objects = sentObjects(mocks.resources);
      const { kinds, failures } = validateAll(objects);
      assert.deepEqual(failures, []);
      for (const key of ["v1/Namespace", "v1/Secret", "v1/ConfigMap", "monitoring.coreos.com/v1/PrometheusRule", "monitoring.coreos.com/v1alpha1/ScrapeConfig"]) assert.ok(kinds.has(key), `no ${key} sent`);
    });
  });
});
