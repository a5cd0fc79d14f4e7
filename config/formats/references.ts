/** Names of things fetched by others: container images (by the kubelet or AI Deploy) and Hugging Face models (by vLLM). */

// Container image references: the grammar of github.com/distribution/reference (regexp.go, v0.6.0), which Docker,
// containerd and the kubelet use. Built from the same named parts.
const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const tag = "[\\w][\\w.-]{0,127}";
const digestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
/** NameTotalLengthMax */
const NAME_TOTAL_LENGTH_MAX = 255;
/** Digests the OCI image spec registers (descriptor.md: sha256 is 64, sha512 128 lower-case hex characters). */
const REGISTERED_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** Name, tag and digest together: nothing longer is a reference (and the regular expression never sees it). */
const REFERENCE_MAX = NAME_TOTAL_LENGTH_MAX + 1 + 128 + 1 + 7 + 128;

export function parseImageReference(value: string): ImageReference | undefined {
  if (value.length > REFERENCE_MAX) return undefined;
  const m = REFERENCE.exec(value);
  if (!m || m[1].length > NAME_TOTAL_LENGTH_MAX) return undefined;
  return { name: m[1], tag: m[2], digest: m[3] };
}

/**
 * What is wrong with an image for a deployment that must be reproducible: not a reference, no tag or digest, a
 * `latest` tag in any case (`LATEST` is just as mutable), or a digest of an unregistered algorithm.
 */
export function pinnedImageProblem(value: string): string | undefined {
  const ref = parseImageReference(value);
  if (!ref) return "an image reference such as vllm/vllm-openai:v0.31.0 (registry/name[:tag][@digest], lower-case name)";
  if (!ref.tag && !ref.digest) return "an image with a pinned tag or digest, such as vllm/vllm-openai:v0.31.0";
  if (ref.tag && ref.tag.toLowerCase() === "latest" && !ref.digest) return "a pinned tag, not :latest (in any case)";
  if (ref.digest && !REGISTERED_DIGEST.test(ref.digest)) return "a digest sha256:<64 hex> or sha512:<128 hex>";
  return undefined;
}

/**
 * Hugging Face model ids `namespace/name`, by huggingface_hub's validate_repo_id (utils/_validators.py): word
 * characters, '-' and '.', not starting or ending with '-' or '.', the name at most 96 characters, no `--` or `..`,
 * not ending in `.git`. Restricted to ASCII (the Hub's own names) and to the `namespace/name` form vLLM pulls.
 */
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

export function isHfModelId(value: string): boolean {
  const parts = value.split("/");
  return (
    parts.length === 2 &&
    parts.every((p) => REPO_PART.test(p)) &&
    parts[0].length <= 96 &&
    parts[1].length <= 96 &&
    !value.includes("--") &&
    !value.includes("..") &&
    !value.endsWith(".git")
  );
}
