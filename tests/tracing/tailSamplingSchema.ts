/**
 * The tail_sampling processor's configuration structure, transcribed from open-telemetry/opentelemetry-collector-contrib
 * processor/tailsamplingprocessor/config.schema.yaml (the generated schema of config.go) and the PolicyType constants
 * of config.go, as stored in the research index (a 0.15x revision: it has the drop/not/bytes_limiting policies and
 * `sampling_strategy`; the contrib 0.158.0 tag itself could not be read, the repository is over the snapshot limit).
 * Only what a config of ours may contain is transcribed, and closed: an unknown key is a problem. Fields we use
 * (decision_wait, num_traces, expected_new_traces_per_sec, policies[].{name, type, status_code, latency,
 * probabilistic, ottl_condition, numeric_attribute, string_attribute}) exist in every revision we read.
 */
type Leaf = "string" | "integer" | "number" | "boolean" | "duration";
export type SchemaShape = Leaf | { [key: string]: SchemaShape } | [SchemaShape] | { enum: readonly string[] };

export const POLICY_TYPES = [
  "always_sample", "latency", "numeric_attribute", "probabilistic", "status_code", "string_attribute", "rate_limiting", "span_count",
  "trace_state", "boolean_attribute", "ottl_condition", "and", "composite", "drop", "not", "bytes_limiting",
] as const;

const POLICY_BLOCKS: Record<string, SchemaShape> = {
  latency: { threshold_ms: "integer", upper_threshold_ms: "integer" },
  numeric_attribute: { key: "string", min_value: "integer", max_value: "integer", invert_match: "boolean" },
  probabilistic: { hash_salt: "string", sampling_percentage: "number" },
  status_code: { status_codes: [{ enum: ["OK", "ERROR", "UNSET"] }] },
  string_attribute: { key: "string", values: ["string"], enabled_regex_matching: "boolean", cache_max_size: "integer", invert_match: "boolean" },
  ottl_condition: { error_mode: { enum: ["ignore", "silent", "propagate"] }, span: ["string"], spanevent: ["string"] },
};

export const TAIL_SAMPLING_SHAPE: SchemaShape = {
  decision_wait: "duration",
  num_traces: "integer",
  expected_new_traces_per_sec: "integer",
  decision_wait_after_root_received: "duration",
  sample_on_first_match: "boolean",
  block_on_overflow: "boolean",
  policies: [{ name: "string", type: { enum: POLICY_TYPES }, ...POLICY_BLOCKS }],
};

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function checkSchemaShape(value: unknown, shape: SchemaShape, path: string): string[] {
  if (Array.isArray(shape)) return Array.isArray(value) ? value.flatMap((v, i) => checkSchemaShape(v, shape[0], `${path}[${i}]`)) : [`${path}: must be a list`];
  if (typeof shape === "object" && "enum" in shape) {
    const allowed = shape.enum as readonly string[];
    return (allowed as readonly unknown[]).includes(value) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`];
  }
  if (typeof shape === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: must be a map`];
    return Object.entries(value).flatMap(([k, v]) => (k in shape ? checkSchemaShape(v, (shape as Record<string, SchemaShape>)[k], `${path}.${k}`) : [`${path}.${k}: not a field of the tail_sampling config`]));
  }
  switch (shape) {
    case "integer":
      return Number.isInteger(value) ? [] : [`${path}: must be an integer`];
    case "number":
      return typeof value === "number" ? [] : [`${path}: must be a number`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: must be true or false`];
    case "duration":
      return typeof value === "string" && GO_DURATION.test(value) ? [] : [`${path}: must be a Go duration`];
    default:
      return typeof value === "string" ? [] : [`${path}: must be a string`];
  }
}

/** Each policy carries the block of its own type (the processor reads only that one). */
export function policyBlockProblems(policies: { name: string; type: string; [k: string]: unknown }[]): string[] {
  return policies.flatMap((p) => {
    const blocks = Object.keys(p).filter((k) => k !== "name" && k !== "type");
    return blocks.length === 1 && blocks[0] === p.type ? [] : [`policy ${p.name}: type ${p.type} with blocks ${blocks.join(", ") || "(none)"}`];
  });
}
