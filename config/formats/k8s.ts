/**
 * Kubernetes name and label syntax, ported from k8s.io/apimachinery/pkg/util/validation/validation.go (the
 * functions the API server runs: IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue) and from
 * k8s.io/kubernetes/pkg/apis/core/validation/validation.go (validateTaints: key IsQualifiedName, value
 * IsValidLabelValue, effect NoSchedule/PreferNoSchedule/NoExecute, unique by key and effect). JavaScript's `$`
 * matches only at the end of the input, like Go's, so the regular expressions below are the upstream ones verbatim.
 */

/** dns1123LabelFmt */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS1123LabelMaxLength */
export const DNS1123_LABEL_MAX = 63;
/** DNS1123SubdomainMaxLength */
export const DNS1123_SUBDOMAIN_MAX = 253;
/** qualifiedNameFmt: `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** qualifiedNameMaxLength */
export const QUALIFIED_NAME_MAX = 63;
/** LabelValueMaxLength */
export const LABEL_VALUE_MAX = 63;
/** Taint effects (core/v1 TaintEffect). */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** IsDNS1123Label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

/** IsDNS1123Subdomain: dot-separated DNS-1123 labels, at most 253 characters in all. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && value.split(".").every((label) => DNS1123_LABEL.test(label));
}

/** IsQualifiedName: `[prefix/]name`, the name at most 63 characters, the optional prefix a DNS-1123 subdomain. */
export function isQualifiedName(value: string): boolean {
  const parts = value.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === "" || !isDns1123Subdomain(parts[0]))) return false;
  return name.length > 0 && name.length <= QUALIFIED_NAME_MAX && QUALIFIED_NAME.test(name);
}

/** IsValidLabelValue: empty, or a qualified name's name part (at most 63 characters). */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= LABEL_VALUE_MAX && QUALIFIED_NAME.test(value));
}
