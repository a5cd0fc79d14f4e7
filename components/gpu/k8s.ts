/**
 * The small Kubernetes object shape our pure builders return. Rendered objects are validated by the tests: against
 * the Kubernetes/CRD schemas (tests/helpers/k8sSchema.ts) and for metadata and scoping (tests/helpers/k8sMetadata.ts).
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rendered Kubernetes object: apiVersion, kind, metadata and whatever its kind carries (spec, data, ...). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}
