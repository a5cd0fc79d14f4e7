/**
 * Metadata and scoping checks of rendered objects, which the OpenAPI schemas (tests/helpers/k8sSchema.ts) do not make:
 * a known apiVersion/kind pair (pinned CRD versions), DNS-1123 names, namespaced vs cluster-scoped, label syntax, and
 * the fields each kind requires.
 */
import type { K8sObject } from "../../components/gpu/k8s";

interface KindRule {
  namespaced: boolean;
  /** Dotted paths that must be present (arrays: every element is checked for the rest of the path). */
  required: string[];
}

/**
 * Kinds we render, by `apiVersion/kind`, with the CRD version that serves them:
 * Gateway API v1.6.1 (Envoy Gateway v1.9.0), Envoy Gateway v1alpha1 policies, cert-manager v1, KEDA 2.20 v1alpha1,
 * KEDA HTTP add-on 0.15.0 v1beta1 InterceptorRoute, prometheus-operator v0.93 v1.
 */
export const KNOWN_KINDS: Record<string, KindRule> = {
  "v1/Namespace": { namespaced: false, required: [] },
  "v1/Secret": { namespaced: true, required: [] },
  "v1/Service": { namespaced: true, required: ["spec.selector", "spec.ports.name", "spec.ports.port"] },
  "v1/PersistentVolumeClaim": { namespaced: true, required: ["spec.accessModes", "spec.resources.requests.storage"] },
  "apps/v1/StatefulSet": { namespaced: true, required: ["spec.selector.matchLabels", "spec.template.metadata.labels", "spec.template.spec.containers.name", "spec.template.spec.containers.image"] },
  "apps/v1/Deployment": { namespaced: true, required: ["spec.selector.matchLabels", "spec.template.spec.containers.name", "spec.template.spec.containers.image"] },
  "policy/v1/PodDisruptionBudget": { namespaced: true, required: ["spec.selector.matchLabels"] },
  "networking.k8s.io/v1/NetworkPolicy": { namespaced: true, required: ["spec.podSelector", "spec.policyTypes"] },
  "monitoring.coreos.com/v1/ServiceMonitor": { namespaced: true, required: ["spec.selector", "spec.endpoints.port"] },
  "keda.sh/v1alpha1/ScaledObject": { namespaced: true, required: ["spec.scaleTargetRef.name", "spec.triggers.type", "spec.triggers.metadata"] },
  "http.keda.sh/v1beta1/InterceptorRoute": { namespaced: true, required: ["spec.target.service", "spec.scalingMetric", "spec.rules.hosts"] },
  "gateway.networking.k8s.io/v1/GatewayClass": { namespaced: false, required: ["spec.controllerName"] },
  "gateway.networking.k8s.io/v1/Gateway": { namespaced: true, required: ["spec.gatewayClassName", "spec.listeners.name", "spec.listeners.port", "spec.listeners.protocol"] },
  "gateway.networking.k8s.io/v1/HTTPRoute": { namespaced: true, required: ["spec.parentRefs.name", "spec.rules"] },
  "gateway.networking.k8s.io/v1beta1/ReferenceGrant": { namespaced: true, required: ["spec.from.group", "spec.from.kind", "spec.from.namespace", "spec.to.kind"] },
  "gateway.envoyproxy.io/v1alpha1/SecurityPolicy": { namespaced: true, required: ["spec.targetRefs.kind", "spec.targetRefs.name"] },
  "cert-manager.io/v1/ClusterIssuer": { namespaced: false, required: ["spec.acme.server", "spec.acme.email", "spec.acme.privateKeySecretRef.name", "spec.acme.solvers"] },
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function present(v: unknown, path: string[]): boolean {
  if (path.length === 0) return v !== undefined && v !== null;
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => present(x, path));
  if (v === null || typeof v !== "object") return false;
  return present((v as Record<string, unknown>)[path[0]], path.slice(1));
}

/** Problems of one rendered object (empty when it is well-formed). */
export function checkObject(obj: K8sObject): string[] {
  const id = `${obj.kind}/${obj.metadata?.name}`;
  const rule = KNOWN_KINDS[`${obj.apiVersion}/${obj.kind}`];
  if (!rule) return [`${id}: unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`];
  const problems: string[] = [];
  const { name, namespace, labels = {} } = obj.metadata;
  if (!name || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) problems.push(`${id}: metadata.name is not a DNS-1123 name`);
  if (rule.namespaced && !namespace) problems.push(`${id}: namespaced kind without metadata.namespace`);
  if (!rule.namespaced && namespace) problems.push(`${id}: cluster-scoped kind with metadata.namespace`);
  if (namespace && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) problems.push(`${id}: bad namespace ${namespace}`);
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) problems.push(`${id}: bad label key ${k}`);
    if (typeof v !== "string" || !LABEL_VALUE.test(v)) problems.push(`${id}: bad label value ${k}=${String(v)}`);
  }
  for (const path of rule.required) if (!present(obj, path.split("."))) problems.push(`${id}: missing ${path}`);
  return problems;
}
