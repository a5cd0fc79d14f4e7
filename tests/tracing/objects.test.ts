/**
 * The objects tracing adds to the GPU cluster and the AI Deploy app: schema-valid (model packages, and the EnvoyProxy
 * against the CRD inside the vendored gateway-helm v1.9.0 chart), wired to each other, and without an endpoint that
 * takes data or answers queries from outside the cluster without a credential.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { resolve } from "path";
import * as yaml from "js-yaml";
import { appSpecInput, updateInput, withSecretEnv } from "../../components/aideploy/spec";
import { entryObjects, gatewayClass } from "../../components/gpu/gateway";
import { metricsHostname, NAMESPACES, ENVOY_PROXY_POD_LABELS } from "../../components/gpu/layout";
import { vllmStatefulSet, type WorkloadContext } from "../../components/gpu/vllm";
import { aiDeployTracing, envoyProxyTracing, ingestHeaderEnv, OTLP_ENDPOINT_FLAG } from "../../components/tracing/emitters";
import { COLLECTOR, COLLECTOR_GRPC_URL, ENVOY_PROXY_NAME, INGEST_AUTH, INGEST_PATH, TEMPO, TRACING_NAMESPACE, ingestUrl } from "../../components/tracing/layout";
import { tracingObjects } from "../../components/tracing/objects";
import { ConfigError, parseConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { loadK8sSchemas, validateObject } from "../helpers/k8sSchema";
import { gpuEntryContext, gpuWeightsStore, prodGpu, stackConfig } from "../helpers/stacks";

type Json = Record<string, any>;

/** `spec` of the EnvoyProxy CRD of Envoy Gateway v1.9.0, from the vendored chart (charts/crds/crds/generated). */
function envoyProxySpecSchema(): Json {
  const tgz = resolve(__dirname, "../fixtures/charts/gateway-helm-v1.9.0.tgz");
  const text = execFileSync("tar", ["-xzOf", tgz, "gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyproxies.yaml"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const crd = yaml.load(text) as Json;
  return crd.spec.versions.find((v: Json) => v.name === "v1alpha1").schema.openAPIV3Schema.properties.spec;
}

/** Fields not in the OpenAPI schema, wrong types and enum values (CEL rules are checked by hand below). */
function openApiProblems(value: unknown, schema: Json, path: string): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
  if (Array.isArray(value)) return schema.type === "array" ? value.flatMap((v, i) => openApiProblems(v, schema.items, `${path}[${i}]`)) : [`${path}: not a list in the CRD`];
  if (value !== null && typeof value === "object") {
    if (schema.type !== "object") return [`${path}: not an object in the CRD`];
    return Object.entries(value).flatMap(([k, v]) => {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      return sub ? openApiProblems(v, sub, `${path}.${k}`) : [`${path}.${k}: no such field in the EnvoyProxy CRD`];
    });
  }
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${schema.enum}`);
  const type = typeof value === "number" ? (Number.isInteger(value) ? ["integer", "number"] : ["number"]) : [typeof value];
  if (schema.type && !type.includes(schema.type)) problems.push(`${path}: ${typeof value}, the CRD says ${schema.type}`);
  if (typeof value === "number" && ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum))) problems.push(`${path}: out of range`);
  return problems;
}

describe("tracing objects of the GPU cluster", () => {
  const gpu = prodGpu();
  const ctx = { ...gpuEntryContext(gpu), tracing: true };
  const entry = entryObjects(gpu.models, ctx, () => false);
  const objects = tracingObjects({ vllmNamespace: gpu.namespace, metricsHostname: metricsHostname(gpu) });
  before(loadK8sSchemas);

  it("validate against the schemas; the EnvoyProxy against Envoy Gateway v1.9.0's CRD", () => {
    for (const o of [...objects, ...entry.filter((o) => o.kind !== "EnvoyProxy")]) validateObject(o);
    const proxy = entry.find((o) => o.kind === "EnvoyProxy")!;
    assert.deepEqual(openApiProblems(proxy.spec, envoyProxySpecSchema(), "spec"), []);
    // CEL rules of spec.telemetry.tracing.provider (same CRD): host or backendRefs; Service/Backend kinds of the core or EG group; openTelemetry only with type OpenTelemetry.
    const provider = (proxy.spec as Json).telemetry.tracing.provider;
    assert.ok(provider.backendRefs.length > 0 && provider.backendRefs.every((r: Json) => r.kind === "Service" && r.group === ""));
    assert.equal(provider.type, "OpenTelemetry");
    assert.ok(!("samplingFraction" in (proxy.spec as Json).telemetry.tracing), "only one of samplingRate and samplingFraction");
  });

  it("the GatewayClass points at the EnvoyProxy, which exports to the collector (allowed by a ReferenceGrant)", () => {
    const cls = entry.find((o) => o.kind === "GatewayClass")!;
    assert.deepEqual((cls.spec as Json).parametersRef, { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: ENVOY_PROXY_NAME, namespace: NAMESPACES.gateway });
    const ref = (envoyProxyTracing().spec as Json).telemetry.tracing.provider.backendRefs[0];
    assert.deepEqual([ref.name, ref.namespace, ref.port], [COLLECTOR.service, TRACING_NAMESPACE, COLLECTOR.grpcPort]);
    const grant = entry.find((o) => o.kind === "ReferenceGrant" && o.metadata.namespace === TRACING_NAMESPACE)!;
    assert.deepEqual((grant.spec as Json).from, [{ group: "gateway.envoyproxy.io", kind: "EnvoyProxy", namespace: NAMESPACES.gateway }]);
    assert.deepEqual((grant.spec as Json).to, [{ group: "", kind: "Service", name: COLLECTOR.service }]);
    assert.equal((gatewayClass(false).spec as Json).parametersRef, undefined, "no tracing, no EnvoyProxy");
    assert.equal(entryObjects(gpu.models, { ...ctx, tracing: false }, () => false).some((o) => o.kind === "EnvoyProxy"), false);
  });

  it("every route of the tracing namespace is on the Gateway's metrics listener and behind basic auth", () => {
    const gw = entry.find((o) => o.kind === "Gateway")!;
    const routes = objects.filter((o) => o.kind === "HTTPRoute");
    assert.equal(routes.length, 2);
    for (const r of routes) {
      const parent = (r.spec as Json).parentRefs[0];
      const listener = (gw.spec as Json).listeners.find((l: Json) => l.name === parent.sectionName);
      assert.ok(listener, `${r.metadata.name}: listener ${parent.sectionName}`);
      assert.equal(listener.protocol, "HTTPS");
      assert.equal(listener.hostname, metricsHostname(gpu));
      assert.deepEqual(listener.allowedRoutes.namespaces.selector.matchLabels, { "kubernetes.io/metadata.name": r.metadata.namespace });
      const policy = objects.find((o) => o.kind === "SecurityPolicy" && (o.spec as Json).targetRefs.some((t: Json) => t.name === r.metadata.name));
      assert.ok(policy && (policy.spec as Json).basicAuth.users.name, `${r.metadata.name} has a basic-auth SecurityPolicy`);
    }
    const ingest = routes.find((r) => r.metadata.name === "otlp-ingest")!;
    assert.deepEqual((ingest.spec as Json).rules[0].matches[0].path, { type: "Exact", value: INGEST_PATH });
  });

  it("NetworkPolicies: only vLLM and Envoy send to the collector, only Envoy (the authenticated routes) reaches its HTTP port and Tempo's API, only the collector writes to Tempo", () => {
    const policy = (name: string) => objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === name)!.spec as Json;
    const byPort = (p: Json) => Object.fromEntries(p.ingress.map((rule: Json) => [rule.ports[0].port, rule.from]));
    const envoy = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.gateway } }, podSelector: { matchLabels: { ...ENVOY_PROXY_POD_LABELS } } };
    const c = byPort(policy(`${COLLECTOR.service}-ingress`));
    assert.deepEqual(Object.keys(c).map(Number).sort(), [COLLECTOR.grpcPort, COLLECTOR.httpPort]);
    assert.deepEqual(c[COLLECTOR.httpPort], [envoy]);
    assert.equal(c[COLLECTOR.grpcPort].length, 2);
    const t = byPort(policy(`${TEMPO.service}-ingress`));
    assert.deepEqual(t[TEMPO.otlpGrpcPort], [{ podSelector: { matchLabels: { ...COLLECTOR.podLabels } } }]);
    assert.deepEqual(t[TEMPO.httpPort], [envoy]);
    for (const p of [policy(`${COLLECTOR.service}-ingress`), policy(`${TEMPO.service}-ingress`)]) assert.deepEqual(p.policyTypes, ["Ingress"]);
  });
});

describe("vLLM emits spans", () => {
  const gpu = prodGpu();
  const ctx = (tracing: boolean): WorkloadContext => ({ namespace: gpu.namespace, gpuPool: gpu.cluster.nodePools[0], weights: gpuWeightsStore(gpu), scaleToZero: false, tracing });
  const container = (tracing: boolean) => (vllmStatefulSet(gpu.models[0], ctx(tracing)).spec as Json).template.spec.containers[0];

  it("GPU models: --otlp-traces-endpoint to the collector, service.name = the served model, pod and namespace as resource attributes", () => {
    const c = container(true);
    assert.deepEqual(c.args.slice(-2), [OTLP_ENDPOINT_FLAG, COLLECTOR_GRPC_URL]);
    const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.OTEL_SERVICE_NAME, gpu.models[0].servedModelName);
    assert.match(env.OTEL_RESOURCE_ATTRIBUTES, /(^|,)k8s\.pod\.name=\$\(POD_NAME\)(,|$)/);
    // The kubelet expands $(POD_NAME) only from a variable defined earlier in the list.
    const names = c.env.map((e: Json) => e.name);
    assert.ok(names.indexOf("POD_NAME") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
    assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: "metadata.name" } });
    assert.ok(!container(false).args.includes(OTLP_ENDPOINT_FLAG) && !container(false).env.some((e: Json) => e.name.startsWith("OTEL_")));
  });

  it("the AI Deploy app: OTLP/HTTP over TLS to the ingest route, the credential only as a secret variable at request time", () => {
    const config = stackConfig("prod");
    const url = ingestUrl(metricsHostname(config.gpuCluster!));
    const tracing = aiDeployTracing(config.aiDeploy!.servedModelName, url);
    const body = appSpecInput(config.aiDeploy!, { appId: "0123456789ab", stack: "prod", environment: "prod" }, tracing);
    assert.deepEqual(body.command.slice(-2), [OTLP_ENDPOINT_FLAG, url]);
    assert.equal(new URL(url).protocol, "https:");
    assert.equal(new URL(url).pathname, INGEST_PATH);
    const env = Object.fromEntries(body.envVars.map((e) => [e.name, e.value]));
    assert.equal(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "http/protobuf", "vLLM's default is gRPC");
    assert.equal(env.OTEL_SERVICE_NAME, config.aiDeploy!.servedModelName);
    assert.ok(!JSON.stringify(body).includes("Authorization"));
    const secret = ingestHeaderEnv("pa55word");
    const sent = withSecretEnv(body, secret);
    const header = sent.envVars.find((e) => e.name === "OTEL_EXPORTER_OTLP_TRACES_HEADERS")!.value!;
    assert.equal(Buffer.from(decodeURIComponent(header).replace(/^Authorization=Basic /, ""), "base64").toString(), `${INGEST_AUTH.user}:pa55word`);
    assert.ok(updateInput(sent).envVars!.some((e) => e.name === "OTEL_EXPORTER_OTLP_TRACES_HEADERS"), "updates send it too");
  });
});

describe("tracing config", () => {
  const raw = () => readStackFile("prod").projectConfig;

  it("needs the GPU cluster (the collector and Tempo run there)", () => {
    assert.throws(() => parseConfig({ ...raw(), gpuCluster: { enabled: false } }), (e: Error) => e instanceof ConfigError && /ovh-llm:tracing = "enabled": expected gpuCluster to be enabled too/.test(e.message));
  });

  it("refuses a per-model threshold for a model the stack does not deploy, and thresholds that are not seconds", () => {
    assert.throws(() => parseConfig({ ...raw(), tracing: { sampling: { models: { "qwen-typo": { ttftSeconds: 3 } } } } }), /ovh-llm:tracing\.sampling\.models\.qwen-typo/);
    assert.throws(() => parseConfig({ ...raw(), tracing: { sampling: { ttftSeconds: -1 } } }), /ovh-llm:tracing\.sampling\.ttftSeconds/);
    assert.throws(() => parseConfig({ ...raw(), tracing: { sampling: { baselinePercent: 150 } } }), /ovh-llm:tracing\.sampling\.baselinePercent = 150: expected a percentage from 0 to 100/);
  });

  it("refuses a model's own --otlp-traces-endpoint while tracing is on (the program sets it)", () => {
    const r = raw();
    const gpuCluster = r.gpuCluster as { models: Record<string, unknown>[] };
    const models = [{ ...gpuCluster.models[0], extraArgs: ["--otlp-traces-endpoint=http://elsewhere:4317"] }];
    assert.throws(() => parseConfig({ ...r, gpuCluster: { ...gpuCluster, models } }), /ovh-llm:gpuCluster\.models\.0\.extraArgs\.0 = "--otlp-traces-endpoint=http:\/\/elsewhere:4317": expected no --otlp-traces-endpoint while tracing is on/);
    assert.doesNotThrow(() => parseConfig({ ...r, gpuCluster: { ...gpuCluster, models }, tracing: { enabled: false } }), "allowed with tracing off");
  });

  it("is off when absent (dev) and on in prod", () => {
    assert.equal(stackConfig("dev").tracing, undefined);
    assert.equal(stackConfig("prod").tracing?.sampling.baselinePercent, 1);
  });
});
