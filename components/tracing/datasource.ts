/**
 * Grafana's Tempo datasource (pure). kube-prometheus-stack 88.5.3's Grafana loads datasource provisioning files from
 * ConfigMaps or Secrets labelled `grafana_datasource: "1"` in its namespace (grafana.sidecar.datasources: label,
 * labelValue, resource `both`). This one holds a basic-auth password, so it is a Secret; its file follows Grafana's
 * provisioning format (apiVersion 1, `datasources[]`, `secureJsonData.basicAuthPassword`, Tempo `jsonData`:
 * `tracesToMetrics` links a span to Prometheus queries over its pod, `$$` escapes Grafana's env expansion).
 */
import { VLLM } from "../metrics/catalogue";
import { LABEL } from "../observability/conventions";
import { RESOURCE_ATTRIBUTES } from "./spans";
import { QUERY_AUTH } from "./layout";

/** uid of the Tempo datasource (dashboards refer to it); Prometheus is kube-prometheus-stack's `prometheus`. */
export const TEMPO_DATASOURCE_UID = "tempo";
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
/** Label the Grafana datasource sidecar watches (kube-prometheus-stack 88.5.3 grafana.sidecar.datasources). */
export const DATASOURCE_LABEL = { key: "grafana_datasource", value: "1" } as const;
export const DATASOURCE_FILE = "tempo-datasource.yaml";

const podMetrics = (expr: string) => expr.replace("SEL", "$$__tags");

/** The provisioning document; `password` is only ever passed inside a secret. */
export function tempoDatasource(url: string, password: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Tempo",
        type: "tempo",
        uid: TEMPO_DATASOURCE_UID,
        access: "proxy",
        url,
        basicAuth: true,
        basicAuthUser: QUERY_AUTH.user,
        secureJsonData: { basicAuthPassword: password },
        editable: false,
        jsonData: {
          tracesToMetrics: {
            datasourceUid: PROMETHEUS_DATASOURCE_UID,
            spanStartTimeShift: "-10m",
            spanEndTimeShift: "10m",
            // Span resource attribute → Prometheus label of the GPU cluster's vLLM series (pod, namespace).
            tags: [
              { key: RESOURCE_ATTRIBUTES.podName.key, value: LABEL.pod },
              { key: RESOURCE_ATTRIBUTES.namespaceName.key, value: LABEL.namespace },
            ],
            queries: [
              { name: "Requests waiting on this pod", query: podMetrics(`sum(${VLLM.numRequestsWaiting.name}{SEL})`) },
              { name: "KV cache usage of this pod", query: podMetrics(`max(${VLLM.kvCacheUsage.name}{SEL})`) },
              { name: "TTFT p99 of this pod", query: podMetrics(`histogram_quantile(0.99, sum by (le) (rate(${VLLM.ttft.name}_bucket{SEL}[5m])))`) },
            ],
          },
          nodeGraph: { enabled: true },
          search: { hide: false },
          traceQuery: { timeShiftEnabled: true, spanStartTimeShift: "-1h", spanEndTimeShift: "1h" },
        },
      },
    ],
  };
}
