/**
 * Schema validation of rendered Kubernetes objects with the `kubernetes-models` classes (core API) and the
 * `@kubernetes-models/*` CRD packages.
 *
 * Two checks per object:
 * 1. The model's own validator (types, enums, required fields, formats).
 * 2. Unknown fields. The generated validators accept properties a schema does not declare (as the API server does
 *    before pruning them silently), so a misspelt field would pass. We run the validator on a Proxy that records which
 *    property names it looks up on every object: a key of ours it never looked up is a field the schema does not know.
 *    Free-form maps (labels, trigger metadata, stringData...) are enumerated by the validator, so all their keys count
 *    as known. An object the validator never looked into at all (a schemaless / preserve-unknown-fields node) is
 *    reported by `freeFormPaths` instead of being failed.
 *
 * The model packages can lag our pinned CRD versions. A field newer than the model is listed in `VERIFIED_EXTENSIONS`
 * with the upstream source it was checked against; nothing else newer is accepted. Kinds without any model package
 * (SCHEMA_ALLOW_LIST) are checked against a schema transcribed from the pinned CRD (TRANSCRIBED_SCHEMAS).
 * Not checked by either: CEL rules (x-kubernetes-validations) beyond the few transcribed, and admission webhooks.
 *
 * The packages are ESM-only: call `await loadK8sSchemas()` (e.g. in mocha's `before`) before `validateObject`.
 */

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  [field: string]: unknown;
}

type ValidateFn = (this: unknown) => void;

/** `apiVersion/kind` → module that exports the model class named `kind`. */
const MODEL_MODULES: Record<string, string> = {
  // kubernetes-models 5.1.0 (core API; its schemas have 1.33/1.34 fields such as PodSpec.hostnameOverride).
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/ServiceAccount": "kubernetes-models/v1/ServiceAccount",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "apps/v1/DaemonSet": "kubernetes-models/apps/v1/DaemonSet",
  "batch/v1/Job": "kubernetes-models/batch/v1/Job",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "networking.k8s.io/v1/Ingress": "kubernetes-models/networking.k8s.io/v1/Ingress",
  // @kubernetes-models/prometheus-operator 6.0.0.
  "monitoring.coreos.com/v1/ServiceMonitor": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PodMonitor": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor",
  "monitoring.coreos.com/v1/PrometheusRule": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
  "monitoring.coreos.com/v1alpha1/AlertmanagerConfig": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig",
  "monitoring.coreos.com/v1alpha1/ScrapeConfig": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/ScrapeConfig",
  // @kubernetes-models/keda 2.0.0 (a recent KEDA: has initialCooldownPeriod and eventing.keda.sh; we pin 2.20.2).
  "keda.sh/v1alpha1/ScaledObject": "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject",
  "keda.sh/v1alpha1/TriggerAuthentication": "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication",
  // @kubernetes-models/gateway-api 2.0.0.
  "gateway.networking.k8s.io/v1/GatewayClass": "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewayClass",
  "gateway.networking.k8s.io/v1/Gateway": "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway",
  "gateway.networking.k8s.io/v1/HTTPRoute": "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute",
  "gateway.networking.k8s.io/v1beta1/ReferenceGrant": "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/ReferenceGrant",
  // @kubernetes-models/envoy-gateway 2.0.0.
  "gateway.envoyproxy.io/v1alpha1/SecurityPolicy": "@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1/SecurityPolicy",
  "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy": "@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy",
  "gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy": "@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy",
  // @kubernetes-models/cert-manager 6.0.0 (we pin v1.21.1).
  "cert-manager.io/v1/ClusterIssuer": "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer",
  "cert-manager.io/v1/Issuer": "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer",
  "cert-manager.io/v1/Certificate": "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate",
};

/** Kinds no model package covers, each with the reason. */
export const SCHEMA_ALLOW_LIST: Record<string, string> = {
  "http.keda.sh/v1beta1/InterceptorRoute":
    "KEDA HTTP add-on 0.15.0 CRD: no @kubernetes-models package; checked against TRANSCRIBED_SCHEMAS (fields and rules read in the v0.15.0 CRD) instead",
};

/** A hand-transcribed schema: leaf types, nested objects (closed: no other keys), arrays of one item shape. */
export type Shape = "string" | "integer" | "duration" | { [field: string]: Shape } | [Shape];

/** Go `time.ParseDuration` / metav1.Duration syntax. */
const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;

/** Problems of `value` against `shape` (every key must be declared; leaves typed). */
export function checkShape(value: unknown, shape: Shape, path: string): string[] {
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: must be an array`];
    return value.flatMap((v, i) => checkShape(v, shape[0], `${path}[${i}]`));
  }
  if (typeof shape === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: must be an object`];
    return Object.entries(value).flatMap(([k, v]) => (k in shape ? checkShape(v, shape[k], `${path}.${k}`) : [`${path}.${k}: field not in the schema`]));
  }
  if (shape === "integer") return Number.isInteger(value) ? [] : [`${path}: must be an integer`];
  if (typeof value !== "string") return [`${path}: must be a string`];
  return shape === "duration" && !GO_DURATION.test(value) ? [`${path}: "${value}" is not a Go duration`] : [];
}

/**
 * Allow-listed kinds checked against a schema transcribed from the pinned CRD: `spec` shape plus the CRD's required
 * fields and CEL rules that matter, as a function returning problems.
 */
export const TRANSCRIBED_SCHEMAS: Record<string, (obj: RenderedObject) => string[]> = {
  // kedacore/http-add-on v0.15.0 config/crd/bases/http.keda.sh_interceptorroutes.yaml (operator/apis/http/v1beta1/
  // interceptorroute_types.go): spec.{target, rules, scalingMetric, timeouts, coldStart}; required target and
  // scalingMetric; target.service required and exactly one of port/portName (CEL); scalingMetric needs concurrency or
  // requestRate (CEL); timeouts are metav1.Duration ("0s" disables a deadline).
  "http.keda.sh/v1beta1/InterceptorRoute": (obj) => {
    const spec = obj.spec as Record<string, any> | undefined;
    const shape: Shape = {
      target: { service: "string", port: "integer", portName: "string" },
      rules: [{ hosts: ["string"], paths: [{ value: "string" }], headers: [{ name: "string", value: "string" }] }],
      scalingMetric: { concurrency: { targetValue: "integer" }, requestRate: { targetValue: "integer", granularity: "duration", window: "duration" } },
      timeouts: { readiness: "duration", request: "duration", responseHeader: "duration" },
      coldStart: {
        fallback: { service: { name: "string", port: "integer", portName: "string" } },
        placeholder: { response: { body: "string", bodyFromConfigMap: { key: "string", name: "string" }, headers: {}, statusCode: "integer" } },
      },
    };
    const problems = checkShape(spec, shape, "spec");
    if (!spec?.target?.service) problems.push("spec.target.service: required");
    if (spec?.target && ("port" in spec.target) === ("portName" in spec.target)) problems.push("spec.target: exactly one of port or portName");
    if (!spec?.scalingMetric?.concurrency && !spec?.scalingMetric?.requestRate) problems.push("spec.scalingMetric: concurrency or requestRate required");
    for (const m of ["concurrency", "requestRate"]) {
      const t = spec?.scalingMetric?.[m]?.targetValue;
      if (spec?.scalingMetric?.[m] && !(Number.isInteger(t) && t >= 1)) problems.push(`spec.scalingMetric.${m}.targetValue: integer >= 1 required`);
    }
    return problems;
  },
};

/**
 * Fields of our pinned CRD versions that the model package is too old to know, by `apiVersion/kind`: JSON path (`[]`
 * for array elements) → type check. Each one was read in the pinned upstream CRD (source in the comment).
 */
// Entry form: `"keda.sh/v1alpha1/ScaledObject": { "spec.someNewField": (v) => Number.isInteger(v) }`, with the CRD source.
export const VERIFIED_EXTENSIONS: Record<string, Record<string, (value: unknown) => boolean>> = {
  // Not newer than the model, but a string field whose schema is `{type: string}` only, which the generated validator
  // compiles to nothing (never looked up): k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1 types.go
  // CustomResourceColumnDefinition.Description. The charts' CRDs (rendered in tests/render/) set it.
  "apiextensions.k8s.io/v1/CustomResourceDefinition": { "spec.versions[].additionalPrinterColumns[].description": (v) => typeof v === "string" },
};

let validators: Map<string, ValidateFn> | undefined;

/** Imports every model class once (ESM-only packages, hence async). */
export async function loadK8sSchemas(): Promise<void> {
  if (validators) return;
  const loaded = new Map<string, ValidateFn>();
  await Promise.all(
    Object.entries(MODEL_MODULES).map(async ([key, specifier]) => {
      const kind = key.slice(key.lastIndexOf("/") + 1);
      const mod = (await import(specifier)) as Record<string, { prototype: { validate: ValidateFn }; apiVersion: string; kind: string }>;
      const cls = mod[kind];
      if (!cls || `${cls.apiVersion}/${cls.kind}` !== key) throw new Error(`${specifier} does not export a model for ${key}`);
      loaded.set(key, cls.prototype.validate);
    }),
  );
  validators = loaded;
}

/**
 * Loads the kubernetes-models 5.1.0 class of each built-in `apiVersion/kind` not loaded yet (rendered charts use
 * many: RBAC, webhooks, CRDs...). Returns the keys it has no model for (custom resources, unknown kinds).
 */
export async function loadBuiltinModels(keys: string[]): Promise<string[]> {
  if (!validators) await loadK8sSchemas();
  const missing: string[] = [];
  for (const key of new Set(keys)) {
    if (validators!.has(key)) continue;
    const kind = key.slice(key.lastIndexOf("/") + 1);
    const apiVersion = key.slice(0, key.lastIndexOf("/"));
    try {
      const mod = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, { prototype: { validate: ValidateFn }; apiVersion: string; kind: string }>;
      const cls = mod[kind];
      if (cls && `${cls.apiVersion}/${cls.kind}` === key) validators!.set(key, cls.prototype.validate);
      else missing.push(key);
    } catch {
      missing.push(key);
    }
  }
  return missing;
}

/** Kinds with a model schema (after `loadK8sSchemas`). */
export function schemaKinds(): string[] {
  return [...(validators?.keys() ?? [])];
}

interface Probe {
  node: object;
  looked: Set<string>;
  enumerated: boolean;
}

/** A deep Proxy of `value` that records, per object path, which keys were looked up or whether keys were listed. */
function tracked(value: unknown, path: string, probes: Map<string, Probe>): unknown {
  if (value === null || typeof value !== "object") return value;
  const probe: Probe = { node: value, looked: new Set(), enumerated: false };
  probes.set(path, probe);
  const children = new Map<string, unknown>();
  const isArray = Array.isArray(value);
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return v;
      probe.looked.add(key);
      if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(target, key)) return v;
      if (!children.has(key)) children.set(key, tracked(v, isArray ? `${path}[${key}]` : `${path}.${key}`, probes));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === "string") probe.looked.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") probe.looked.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      probe.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

const genericPath = (path: string) => path.replace(/\[\d+\]/g, "[]").replace(/^\./, "");

export interface SchemaReport {
  /** `apiVersion/kind` of the object. */
  key: string;
  /** What checked it: the model package's schema, or a schema transcribed from the pinned CRD (allow-listed kind). */
  schema: "model" | "transcribed" | "none";
  /** Object paths the schema does not describe (free-form); their content was not checked. */
  freeFormPaths: string[];
}

/** `Kind namespace/name` for messages. */
export function objectId(obj: RenderedObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj.apiVersion} ${obj.kind} ${ns}${obj.metadata?.name ?? "<no name>"}`;
}

/**
 * Validates one rendered object against the model schema of its apiVersion+kind; throws an Error naming the object
 * and every failing path. Unknown kinds throw unless they are in SCHEMA_ALLOW_LIST.
 */
export function validateObject(obj: RenderedObject): SchemaReport {
  if (!validators) throw new Error("k8s schemas are not loaded: call `await loadK8sSchemas()` first (e.g. in before())");
  const key = `${obj.apiVersion}/${obj.kind}`;
  const id = objectId(obj);
  const validate = validators.get(key);
  if (!validate) {
    const transcribed = TRANSCRIBED_SCHEMAS[key];
    if (SCHEMA_ALLOW_LIST[key] && transcribed) {
      const problems = transcribed(obj);
      if (problems.length > 0) throw new Error(`${id} is invalid against the transcribed ${key} CRD schema:\n${problems.map((p) => `  ${p}`).join("\n")}`);
      return { key, schema: "transcribed", freeFormPaths: [] };
    }
    if (SCHEMA_ALLOW_LIST[key]) return { key, schema: "none", freeFormPaths: [] };
    throw new Error(`${id}: no schema for ${key} and it is not in SCHEMA_ALLOW_LIST (add a model or an allow-list entry with a reason)`);
  }
  // The validators check a plain JSON document, as the API server would receive it.
  const plain = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const probes = new Map<string, Probe>();
  const proxy = tracked(plain, "", probes);
  try {
    validate.call(proxy);
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string; params?: unknown }[] }).errors;
    const detail = errors?.map((x) => `  ${x.instancePath || "/"}: ${x.message ?? ""} ${JSON.stringify(x.params ?? {})}`).join("\n") ?? String(e);
    throw new Error(`${id} is invalid against the ${key} schema:\n${detail}`);
  }

  const extensions = VERIFIED_EXTENSIONS[key] ?? {};
  const unknown: string[] = [];
  const freeForm: string[] = [];
  for (const [path, probe] of probes) {
    const node = probe.node;
    if (Array.isArray(node)) continue;
    if (probe.enumerated) continue; // a map with additionalProperties: every key was validated
    if (probe.looked.size === 0) {
      if (Object.keys(node).length > 0) freeForm.push(genericPath(path));
      continue;
    }
    for (const k of Object.keys(node)) {
      const fieldPath = genericPath(`${path}.${k}`);
      if (probe.looked.has(k)) continue;
      const extension = extensions[fieldPath];
      if (!extension) unknown.push(fieldPath);
      else if (!extension((node as Record<string, unknown>)[k])) unknown.push(`${fieldPath} (verified upstream, but the value has the wrong type)`);
    }
  }
  // Free-form nodes nested in a free-form node are the same region: keep the outermost.
  const outermost = freeForm.filter((p) => !freeForm.some((q) => q !== p && p.startsWith(`${q}.`)));
  if (unknown.length > 0) throw new Error(`${id}: field(s) not in the ${key} schema (misspelt, or newer than the model package?):\n${unknown.map((p) => `  ${p}`).join("\n")}`);
  return { key, schema: "model", freeFormPaths: outermost };
}
