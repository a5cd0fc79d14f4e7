/**
 * SLOs and per-model availability: each model's objectives, the error budget left over the SLO window, burn rates
 * over the windows the alerts read (with the alert thresholds as red lines), and the replica counts behind the
 * availability alerts. Reads only recorded series, so it does not change with the config.
 */
import { KUBE, PROMETHEUS } from "../components/metrics/catalogue";
import { AI_DEPLOY_TARGETS, LABEL } from "../components/observability/conventions";
import { MODEL_INFO, SLO_OBJECTIVE } from "../components/observability/models";
import { RECORD } from "../components/observability/recording";
import { BUDGET_REMAINING, BURN, burnRateRecord, SLO_WINDOWS, sliErrorRecord } from "../components/observability/slo";
import { dashboard, type PanelSpec, type RowSpec } from "./grafana";
import { withAiDeployNote } from "./notes";

const MODEL = `${LABEL.modelName}=~"$model"`;
const SLO = `slo=~"$slo"`;
const RI = "$__rate_interval";

function burnPanel(title: string, long: string, short: string, factor: number, why: string): PanelSpec {
  return {
    title, type: "timeseries", w: 8, thresholdRed: factor, min: 0,
    description: `${why} Fires when both lines stay above ${factor}.`,
    queries: [long, short].map((w) => ({ expr: `${burnRateRecord(w as (typeof SLO_WINDOWS)[number])}{${MODEL},${SLO}}`, legend: `${w} {{model_name}} {{slo}}` })),
  };
}

export function sloDashboard(): Record<string, unknown> {
  const [page1h, page6h] = BURN.page;
  const [ticket] = BURN.ticket;
  const sts = `${LABEL.namespace}, statefulset`;
  const deployedGpu = `${MODEL_INFO}{kind="gpu-cluster",${MODEL}}`;
  const rows: RowSpec[] = [
    {
      row: "Objectives and error budget",
      panels: [
        { title: "Objectives", type: "table", w: 12, h: 7, queries: [{ expr: `${SLO_OBJECTIVE}{${MODEL},${SLO}}`, instant: true, format: "table" }], description: "Objective per model and SLO (availability: share of API requests not 5xx; latency: share with TTFT under the model's threshold) and the SLO window." },
        { title: "Error budget left", type: "table", w: 12, h: 7, unit: "percentunit", queries: [{ expr: `${BUDGET_REMAINING}{${MODEL},${SLO}}`, instant: true, format: "table" }], description: "Share of the error budget not yet spent over the SLO window (1 = untouched, below 0 = overspent)." },
        { title: "Error budget left over time", type: "timeseries", w: 24, unit: "percentunit", queries: [{ expr: `${BUDGET_REMAINING}{${MODEL},${SLO}}`, legend: "{{model_name}} {{slo}}" }] },
      ],
    },
    {
      row: "Burn rate (1 = spending the budget exactly over the SLO window)",
      panels: [
        burnPanel("Burn rate 1h / 5m (page)", page1h.long, page1h.short, page1h.factor, "SloErrorBudgetBurnFast: 2% of a 30-day budget in an hour."),
        burnPanel("Burn rate 6h / 30m (page)", page6h.long, page6h.short, page6h.factor, "SloErrorBudgetBurnFast: 5% of a 30-day budget in 6 hours."),
        burnPanel("Burn rate 3d / 6h (ticket)", ticket.long, ticket.short, ticket.factor, "SloErrorBudgetBurnSlow: 10% of a 30-day budget in 3 days."),
        { title: "Error ratio by window", type: "timeseries", w: 24, unit: "percentunit", queries: SLO_WINDOWS.map((w) => ({ expr: `${sliErrorRecord(w)}{${MODEL},${SLO}}`, legend: `${w} {{model_name}} {{slo}}` })) },
      ],
    },
    {
      row: "Availability",
      panels: [
        {
          title: "GPU models: desired and ready replicas", type: "timeseries", w: 12,
          description: "kube-state-metrics of each model's StatefulSet (federated from the GPU cluster). Desired 0 = scaled to zero on purpose; ready below desired is what VllmModelDegraded and VllmModelUnavailable watch.",
          queries: [
            { expr: `max by (${sts}) (${KUBE.statefulsetReplicas.name}) and on (${sts}) ${deployedGpu}`, legend: "desired {{statefulset}}" },
            { expr: `max by (${sts}) (${KUBE.statefulsetReplicasReady.name}) and on (${sts}) ${deployedGpu}`, legend: "ready {{statefulset}}" },
          ],
        },
        {
          title: "AI Deploy: successful scrapes", type: "timeseries", w: 12, unit: "percentunit", min: 0, max: 1,
          description: "Share of scrapes of the app's URL that succeeded. 0 for 5 minutes = VllmModelUnavailable.",
          queries: [{ expr: `avg by (${LABEL.job}) (avg_over_time(${PROMETHEUS.up.name}{${AI_DEPLOY_TARGETS}}[${RI}]))`, legend: "{{job}}" }],
        },
        {
          title: "AI Deploy scrape interleaving", type: "timeseries", w: 24, thresholdRed: 1.5,
          description: "Counter resets per AI Deploy job in 10 minutes. Above 1 the SLOs leave the app out (its counters cannot be rated).",
          queries: [{ expr: RECORD.interleaved, legend: "{{job}}" }],
        },
      ],
    },
  ];
  return dashboard({
    uid: "ovh-llm-slo",
    title: "vLLM SLOs",
    description: "Per-model SLOs (availability, TTFT latency): objectives, error budget left, multi-window burn rates; replica availability.",
    tags: ["ovh-llm", "vllm", "slo"],
    variables: [
      { name: "model", label: "Model", query: `label_values(${SLO_OBJECTIVE}, ${LABEL.modelName})` },
      { name: "slo", label: "SLO", query: `label_values(${SLO_OBJECTIVE}, slo)` },
    ],
    content: rows.map((r) => ({ ...r, panels: r.panels.map(withAiDeployNote) })),
  });
}
