/**
 * Pure builders of the HTTPS entry: Envoy Gateway (GatewayClass, one Gateway with an HTTPS listener per host),
 * cert-manager ACME ClusterIssuer (HTTP-01 through the Gateway), one HTTPRoute per model exposing only `/v1`, an
 * HTTP→HTTPS redirect, and the basic-auth `/federate` route of the GPU cluster's Prometheus.
 * Gateway API v1.6.1 / Envoy Gateway v1.9.0 / cert-manager v1.21.1 field names.
 */
import type { GpuClusterConfig, GpuModelConfig } from "../../config/schema";
import { collectorReferenceGrant, envoyProxyTracing } from "../tracing/emitters";
import { ENVOY_PROXY_NAME } from "../tracing/layout";
import type { K8sObject } from "./k8s";
import {
  ENVOY_CONTROLLER,
  FEDERATION_HTPASSWD_SECRET,
  GATEWAY_CLASS,
  GATEWAY_NAME,
  INTERCEPTOR_PROXY_PORT,
  INTERCEPTOR_PROXY_SERVICE,
  NAMESPACES,
  PROMETHEUS_PORT,
  PROMETHEUS_SERVICE,
  VLLM_PORT,
} from "./layout";
import { REQUEST_TIMEOUT } from "./values";

export type TlsConfig = GpuClusterConfig["tls"];

export interface EntryContext {
  /** Namespace of the vLLM Services and their HTTPRoutes. */
  namespace: string;
  tls: TlsConfig;
  /** Host of the `/federate` endpoint. */
  metricsHostname: string;
  /** Name of the ACME ClusterIssuer (acme mode). */
  issuerName: string;
  /** Request tracing on: the GatewayClass's EnvoyProxy sends every request's span to the collector. */
  tracing?: boolean;
}

const HTTP_LISTENER = "http";
const listenerName = (suffix: string) => `https-${suffix}`;
const METRICS_SUFFIX = "metrics";

/** TLS Secret of a listener: cert-manager writes `<suffix>-tls` (acme), or the one provided Secret for every host. */
export function certificateSecretName(tls: TlsConfig, suffix: string): string {
  return tls.mode === "provided" ? (tls.certificateSecretName as string) : `${suffix}-tls`;
}

export function gatewayClass(tracing = false): K8sObject {
  // With tracing, the proxies' configuration (EnvoyProxy telemetry) comes from the class's parametersRef.
  const parametersRef = { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: ENVOY_PROXY_NAME, namespace: NAMESPACES.gateway };
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: GATEWAY_CLASS }, spec: { controllerName: ENVOY_CONTROLLER, ...(tracing ? { parametersRef } : {}) } };
}

export function gateway(models: readonly GpuModelConfig[], ctx: EntryContext): K8sObject {
  const fromNamespace = (ns: string) => ({ namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }, kinds: [{ kind: "HTTPRoute" }] });
  const https = (suffix: string, hostname: string, routesFrom: string) => ({
    name: listenerName(suffix),
    protocol: "HTTPS",
    port: 443,
    hostname,
    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: certificateSecretName(ctx.tls, suffix) }] },
    allowedRoutes: fromNamespace(routesFrom),
  });
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: {
      name: GATEWAY_NAME,
      namespace: NAMESPACES.gateway,
      // cert-manager's Gateway shim issues one Certificate per HTTPS listener from this issuer.
      ...(ctx.tls.mode === "acme" ? { annotations: { "cert-manager.io/cluster-issuer": ctx.issuerName } } : {}),
    },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      listeners: [
        // Port 80 only serves ACME HTTP-01 challenges and redirects everything else to HTTPS.
        { name: HTTP_LISTENER, protocol: "HTTP", port: 80, allowedRoutes: { namespaces: { from: "Same" } } },
        ...models.map((m) => https(m.name, m.hostname, ctx.namespace)),
        https(METRICS_SUFFIX, ctx.metricsHostname, NAMESPACES.monitoring),
      ],
    },
  };
}

/** Let's Encrypt (or another ACME server) solving HTTP-01 through our Gateway's port-80 listener. */
export function acmeClusterIssuer(ctx: EntryContext): K8sObject {
  if (ctx.tls.mode !== "acme" || !ctx.tls.acmeEmail) throw new Error("acmeClusterIssuer needs tls.mode acme and tls.acmeEmail");
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: ctx.issuerName },
    spec: {
      acme: {
        email: ctx.tls.acmeEmail,
        server: ctx.tls.acmeServer,
        privateKeySecretRef: { name: `${ctx.issuerName}-account-key` },
        solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ kind: "Gateway", name: GATEWAY_NAME, namespace: NAMESPACES.gateway, sectionName: HTTP_LISTENER }] } } }],
      },
    },
  };
}

/** Plain HTTP answers 301 to HTTPS (ACME challenge routes are more specific and win). */
export function httpsRedirectRoute(hostnames: readonly string[]): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "https-redirect", namespace: NAMESPACES.gateway },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, sectionName: HTTP_LISTENER }],
      hostnames: [...hostnames],
      rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
    },
  };
}

/**
 * The model's public route: only `/v1/*` (vLLM checks the API key there); `/metrics` and `/health` stay inside the
 * cluster. With scale-to-zero the backend is the KEDA interceptor, which holds requests while a replica starts.
 */
export function modelRoute(model: GpuModelConfig, ctx: EntryContext, viaInterceptor: boolean): K8sObject {
  const backend = viaInterceptor
    ? { kind: "Service", group: "", name: INTERCEPTOR_PROXY_SERVICE, namespace: NAMESPACES.keda, port: INTERCEPTOR_PROXY_PORT }
    : { kind: "Service", group: "", name: model.name, port: VLLM_PORT };
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: model.name, namespace: ctx.namespace },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, namespace: NAMESPACES.gateway, sectionName: listenerName(model.name) }],
      hostnames: [model.hostname],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/v1" } }],
          backendRefs: [backend],
          // Streamed and long generations: Envoy's default 15 s route timeout would cut them.
          timeouts: { request: REQUEST_TIMEOUT, backendRequest: REQUEST_TIMEOUT },
        },
      ],
    },
  };
}

/** Lets HTTPRoutes of the inference namespace send to the interceptor Service in the keda namespace. */
export function interceptorReferenceGrant(ctx: Pick<EntryContext, "namespace">): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1beta1",
    kind: "ReferenceGrant",
    metadata: { name: "inference-routes-to-interceptor", namespace: NAMESPACES.keda },
    spec: {
      from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: ctx.namespace }],
      to: [{ group: "", kind: "Service", name: INTERCEPTOR_PROXY_SERVICE }],
    },
  };
}

const FEDERATION_ROUTE = "federate";

/** `https://<metrics host>/federate` → the GPU cluster's Prometheus; nothing else of Prometheus is exposed. */
export function federationRoute(ctx: Pick<EntryContext, "metricsHostname">): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: FEDERATION_ROUTE, namespace: NAMESPACES.monitoring },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, namespace: NAMESPACES.gateway, sectionName: listenerName(METRICS_SUFFIX) }],
      hostnames: [ctx.metricsHostname],
      rules: [{ matches: [{ path: { type: "Exact", value: "/federate" } }], backendRefs: [{ kind: "Service", group: "", name: PROMETHEUS_SERVICE, port: PROMETHEUS_PORT }], timeouts: { request: "60s" } }],
    },
  };
}

/** Envoy Gateway basic auth on the federation route (users from the htpasswd Secret, `{SHA}` hashes). */
export function federationSecurityPolicy(): K8sObject {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "SecurityPolicy",
    metadata: { name: "federate-basic-auth", namespace: NAMESPACES.monitoring },
    spec: {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: FEDERATION_ROUTE }],
      basicAuth: { users: { name: FEDERATION_HTPASSWD_SECRET } },
    },
  };
}

/** Every entry object (ClusterIssuer only in acme mode; ReferenceGrant only when a model goes via the interceptor). */
export function entryObjects(models: readonly GpuModelConfig[], ctx: EntryContext, viaInterceptor: (m: GpuModelConfig) => boolean): K8sObject[] {
  const anyInterceptor = models.some(viaInterceptor);
  return [
    ...(ctx.tracing ? [envoyProxyTracing(), collectorReferenceGrant()] : []),
    gatewayClass(ctx.tracing),
    ...(ctx.tls.mode === "acme" ? [acmeClusterIssuer(ctx)] : []),
    gateway(models, ctx),
    httpsRedirectRoute([...models.map((m) => m.hostname), ctx.metricsHostname]),
    ...models.map((m) => modelRoute(m, ctx, viaInterceptor(m))),
    ...(anyInterceptor ? [interceptorReferenceGrant(ctx)] : []),
    federationRoute(ctx),
    federationSecurityPolicy(),
  ];
}
