/**
 * The one PromQL shape config may hold: a plain instant-vector selector, `metric` or `metric{label="value", ...}`
 * with equality matchers, nothing around it (no `or`, functions, ranges, offsets, `@`). Names and strings follow
 * Prometheus' lexer (promql/parser/lex.go): metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
 * `[a-zA-Z_][a-zA-Z0-9_]*`, double-quoted strings with backslash escapes and no raw line breaks.
 */
export interface MetricSelector {
  name: string;
  matchers: { label: string; value: string }[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\.)*)"\s*/;

export function parseMetricSelector(text: string): MetricSelector | undefined {
  const name = METRIC_NAME.exec(text)?.[0];
  if (!name) return undefined;
  let rest = text.slice(name.length);
  const matchers: MetricSelector["matchers"] = [];
  if (rest === "") return { name, matchers };
  if (!rest.startsWith("{") || !rest.endsWith("}")) return undefined;
  rest = rest.slice(1, -1);
  while (rest.trim() !== "") {
    const m = MATCHER.exec(rest);
    if (!m) return undefined;
    matchers.push({ label: m[1], value: m[2] });
    rest = rest.slice(m[0].length);
    if (rest.startsWith(",")) rest = rest.slice(1);
    else if (rest.trim() !== "") return undefined;
  }
  return { name, matchers };
}
