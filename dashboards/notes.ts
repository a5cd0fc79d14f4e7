/**
 * What an AI Deploy panel shows when the app runs more than one replica behind its one URL: each scrape reaches one
 * replica, so counter rates would be wrong (they are left out while the scrape interleaves) and a gauge's series
 * alternates between replicas. Added to the description of every vLLM panel, chosen from what the panel queries.
 */
import { VLLM } from "../components/metrics/catalogue";
import { INTERLEAVED_RECORD } from "../components/observability/queries";
import { RECORD } from "../components/observability/recording";
import { BUDGET_REMAINING } from "../components/observability/slo";
import type { PanelSpec } from "./grafana";

export const AI_DEPLOY_RATE_NOTE =
  "AI Deploy with more than one replica: its /metrics answers from one replica per scrape, which breaks counter rates; while that happens (panel \"AI Deploy scrape interleaving\" above 1) this panel leaves the app out instead of showing a wrong number.";
export const AI_DEPLOY_GAUGE_NOTE =
  "AI Deploy with more than one replica: each point is the replica that answered that scrape, so the app's one line alternates between its replicas.";

/** A query that rates counters (the interleaving gate), or reads a record built from such rates. */
const RATE_MARKERS = [
  `unless on (job) (${INTERLEAVED_RECORD}`,
  ...Object.values(RECORD).filter((r) => r !== RECORD.queueDepthPerReplica && r !== RECORD.interleaved),
  ":p50_rate", ":p95_rate", ":p99_rate", "slo:sli_error:", "slo:burn_rate:", BUDGET_REMAINING,
];
const GAUGES = [VLLM.numRequestsRunning.name, VLLM.numRequestsWaiting.name, VLLM.kvCacheUsage.name, RECORD.queueDepthPerReplica];

/** The panel with the AI Deploy note its queries call for (none for panels of other series). */
export function withAiDeployNote(p: PanelSpec): PanelSpec {
  const exprs = p.queries.map((q) => q.expr).join("\n");
  const note = RATE_MARKERS.some((m) => exprs.includes(m)) ? AI_DEPLOY_RATE_NOTE : GAUGES.some((g) => exprs.includes(g)) ? AI_DEPLOY_GAUGE_NOTE : undefined;
  if (!note) return p;
  return { ...p, description: p.description ? `${p.description} ${note}` : note };
}
