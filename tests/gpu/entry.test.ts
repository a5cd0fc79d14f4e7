import { strict as assert } from "assert";
import type { GpuClusterConfig } from "../../config/schema";
import { DCGM, NODE, VLLM } from "../../components/metrics/catalogue";
import { remoteScrapeConfig } from "../../components/observability/scrape";
import { autoscalingObjects, scalesToZero } from "../../components/gpu/autoscaling";
import { federationMatchers, federationScrapeTarget, htpasswdLine } from "../../components/gpu/federation";
import { entryObjects, federationRoute, federationSecurityPolicy, gateway, modelRoute } from "../../components/gpu/gateway";
import type { K8sObject } from "../../components/gpu/k8s";
import { checkObject } from "../helpers/k8sMetadata";
import { ENVOY_CONTROLLER, FEDERATION_HTPASSWD_SECRET, GATEWAY_NAME, INTERCEPTOR_PROXY_SERVICE, metricsHostname, NAMESPACES } from "../../components/gpu/layout";
import { vllmWorkloadObjects } from "../../components/gpu/vllm";
import { gpuEntryContext as entryCtx, gpuWeightsStore, prodGpu } from "../helpers/stacks";


describe("GPU cluster: HTTPS entry builders", () => {
  it("one HTTPS listener per model host plus the metrics host, certificates from the ACME issuer", () => {
    const gpu = prodGpu();
    const gw = gateway(gpu.models, entryCtx(gpu)) as any;
    assert.equal(gw.metadata.annotations["cert-manager.io/cluster-issuer"], "acme-prod");
    const https = gw.spec.listeners.filter((l: any) => l.protocol === "HTTPS");
    assert.deepEqual(https.map((l: any) => l.hostname), [gpu.models[0].hostname, "metrics.llm.example.com"]);
    for (const l of https) {
      assert.equal(l.tls.mode, "Terminate");
      assert.equal(l.port, 443);
      assert.equal(l.tls.certificateRefs.length, 1);
    }
    assert.ok(gw.spec.listeners.some((l: any) => l.protocol === "HTTP" && l.port === 80), "HTTP-01 needs port 80");
  });

  it("uses the provided TLS Secret for every host and no issuer in provided mode", () => {
    const gpu = prodGpu();
    const ctx = entryCtx({ ...gpu, tls: { mode: "provided", acmeServer: gpu.tls.acmeServer, certificateSecretName: "wildcard-tls" } });
    const objs = entryObjects(gpu.models, ctx, () => false);
    assert.equal(objs.filter((o) => o.kind === "ClusterIssuer").length, 0);
    const gw = objs.find((o) => o.kind === "Gateway") as any;
    assert.equal(gw.metadata.annotations, undefined);
    for (const l of gw.spec.listeners.filter((x: any) => x.tls)) assert.equal(l.tls.certificateRefs[0].name, "wildcard-tls");
  });

  it("creates the GatewayClass for Envoy Gateway and an HTTP-01 solver through the Gateway", () => {
    const objs = entryObjects(prodGpu().models, entryCtx(), () => false) as any[];
    assert.equal(objs.find((o) => o.kind === "GatewayClass").spec.controllerName, ENVOY_CONTROLLER);
    const issuer = objs.find((o) => o.kind === "ClusterIssuer");
    assert.equal(issuer.spec.acme.email, "platform@example.com");
    assert.deepEqual(issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs[0], { kind: "Gateway", name: GATEWAY_NAME, namespace: NAMESPACES.gateway, sectionName: "http" });
  });

  it("exposes only /v1 of a model, with a long timeout for streaming, to the model's Service", () => {
    const m = prodGpu().models[0];
    const route = modelRoute(m, entryCtx(), false).spec as any;
    assert.deepEqual(route.hostnames, [m.hostname]);
    assert.equal(route.rules.length, 1);
    assert.deepEqual(route.rules[0].matches, [{ path: { type: "PathPrefix", value: "/v1" } }]);
    assert.deepEqual(route.rules[0].backendRefs, [{ kind: "Service", group: "", name: m.name, port: 8000 }]);
    assert.equal(route.rules[0].timeouts.request, "1h");
    const viaInterceptor = modelRoute(m, entryCtx(), true).spec as any;
    assert.equal(viaInterceptor.rules[0].backendRefs[0].name, INTERCEPTOR_PROXY_SERVICE);
    assert.equal(viaInterceptor.rules[0].backendRefs[0].namespace, NAMESPACES.keda);
  });

  it("protects /federate (and only /federate) with Envoy basic auth", () => {
    const route = federationRoute({ metricsHostname: "metrics.example.com" }) as any;
    assert.deepEqual(route.spec.rules[0].matches, [{ path: { type: "Exact", value: "/federate" } }]);
    const policy = federationSecurityPolicy() as any;
    assert.equal(policy.metadata.namespace, route.metadata.namespace);
    assert.deepEqual(policy.spec.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: route.metadata.name }]);
    assert.equal(policy.spec.basicAuth.users.name, FEDERATION_HTPASSWD_SECRET);
  });
});

describe("GPU cluster: metrics federation", () => {
  it("writes htpasswd lines in the {SHA} format Envoy accepts (htpasswd -s test vector)", () => {
    assert.equal(htpasswdLine("user", "password"), "user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
  });

  it("federates the namespace's vLLM series and pod `up`, every DCGM series and the GPU nodes' node-exporter series", () => {
    const [vllm, dcgm, node] = federationMatchers("inference");
    assert.match(vllm, /namespace="inference"}$/);
    // The pods' `up` comes along: the central VllmReplicaDown alert reads it.
    assert.ok(new RegExp(`^(?:${/__name__=~"([^"]*)"/.exec(vllm)![1]})$`).test("up"));
    for (const m of Object.values(NODE)) assert.ok(node.includes(m.name), m.name);
    assert.ok(vllm.includes(`${VLLM.ttft.name}_bucket`));
    assert.ok(vllm.includes(VLLM.numRequestsWaiting.name));
    for (const m of Object.values(DCGM)) assert.ok(dcgm.includes(m.name), m.name);
    const re = new RegExp(`^(?:${/__name__=~"(.*)"/.exec(dcgm)![1]})$`);
    assert.ok(re.test(DCGM.gpuUtil.name));
    assert.ok(!re.test("node_cpu_seconds_total"));
  });

  it("derives the metrics host when unset and honours the configured one", () => {
    const gpu = prodGpu();
    assert.equal(metricsHostname(gpu), "metrics.llm.example.com");
    assert.equal(metricsHostname({ ...gpu, metricsHostname: "gpu-metrics.example.org" }), "gpu-metrics.example.org");
  });

  it("outputs a basic-auth RemoteScrapeTarget that renders an honor_labels HTTPS federation job", () => {
    const target = federationScrapeTarget({ metricsHostname: "metrics.example.com", environment: "prod", vllmNamespace: "inference" });
    assert.deepEqual([target.secretName, target.secretKey, target.metricsPath], ["gpu-federation", "password", "/federate"]);
    assert.deepEqual(target.labels, { cluster: "gpu", environment: "prod" });
    const job = remoteScrapeConfig(target, { scrapeInterval: "30s" }) as any;
    assert.equal(job.honor_labels, true);
    assert.equal(job.scheme, "https");
    assert.equal(job.basic_auth.username, "federate");
    assert.match(job.basic_auth.password_file, /gpu-federation\/password$/);
    assert.deepEqual(job.params["match[]"], federationMatchers("inference"));
    assert.deepEqual(job.static_configs[0].targets, ["metrics.example.com"]);
  });
});

describe("GPU cluster: rendered Kubernetes objects are well-formed", () => {
  function everything(gpu: GpuClusterConfig): K8sObject[] {
    const pool = gpu.cluster.nodePools.find((p) => p.name === "gpu")!;
    const toZero = (m: GpuClusterConfig["models"][number]) => scalesToZero(m, gpu.autoscaling);
    return [
      ...gpu.models.flatMap((m) => vllmWorkloadObjects(m, { namespace: gpu.namespace, gpuPool: pool, weights: gpuWeightsStore(gpu), scaleToZero: gpu.models.some(toZero) })),
      ...gpu.models.flatMap((m) => autoscalingObjects(m, { namespace: gpu.namespace, autoscaling: gpu.autoscaling })),
      ...entryObjects(gpu.models, entryCtx(gpu), toZero),
    ];
  }

  it("every object of prod (and of prod with scale-to-zero) passes the metadata and scoping check", () => {
    const prod = prodGpu();
    const zero: GpuClusterConfig = { ...prod, autoscaling: { ...prod.autoscaling, scaleToZero: true }, models: prod.models.map((m) => ({ ...m, minReplicas: 0 })) };
    for (const gpu of [prod, zero]) {
      const objs = everything(gpu);
      assert.ok(objs.length >= 10);
      assert.deepEqual(objs.flatMap(checkObject), []);
    }
    assert.ok(everything(zero).some((o) => o.kind === "InterceptorRoute"));
    assert.ok(everything(zero).some((o) => o.kind === "ReferenceGrant"));
  });

  it("the check rejects malformed objects", () => {
    assert.notDeepEqual(checkObject({ apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "Bad_Name", namespace: "x" }, spec: {} }), []);
    assert.notDeepEqual(checkObject({ apiVersion: "networking.k8s.io/v1beta1", kind: "Ingress", metadata: { name: "x", namespace: "x" } }), []);
    assert.notDeepEqual(checkObject({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: "x", namespace: "y" }, spec: { controllerName: "c" } }), []);
  });
});
