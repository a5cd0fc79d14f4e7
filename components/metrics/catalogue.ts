/**
 * The one catalogue of metric names this program queries. Dashboards, alert and recording rules, KEDA triggers,
 * AI Deploy autoscaling and scrape configs take names from here, so a renamed upstream metric is fixed in one place.
 *
 * vLLM names as exposed by vLLM 0.30+ (`vllm/v1/metrics/loggers.py`; see ../shared/reference/vllm-metrics.md):
 * counters are exposed with `_total`; histograms expose `_bucket`, `_sum`, `_count` with float `le` labels.
 * DCGM names: dcgm-exporter 4.6–4.8 default collectors of gpu-operator v26.7.0 (reference/dcgm.md).
 */

export type MetricType = "gauge" | "counter" | "histogram";

export interface MetricDef {
  /** Exposed series name (counters include `_total`; histograms are the base name). */
  name: string;
  type: MetricType;
  help: string;
  /** Histogram bucket upper bounds, as vLLM defines them. */
  buckets?: readonly number[];
}

const def = <T extends MetricDef>(d: T): T => d;

/** vLLM histogram bucket edges (vllm/v1/metrics/buckets.py). */
export const VLLM_BUCKETS = {
  ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
  itl: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
  requestPhase: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680],
  iterationTokens: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
} as const;

/** 1-2-5 buckets up to max-model-len, as vLLM builds them for token-count histograms. */
export function tokenCountBuckets(maxModelLen: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * exp > maxModelLen) return out;
      out.push(m * exp);
    }
  }
}

export const VLLM = {
  numRequestsRunning: def({ name: "vllm:num_requests_running", type: "gauge", help: "Requests in the running batch." }),
  numRequestsWaiting: def({ name: "vllm:num_requests_waiting", type: "gauge", help: "Requests waiting to be scheduled." }),
  kvCacheUsage: def({ name: "vllm:kv_cache_usage_perc", type: "gauge", help: "KV cache usage, 0-1 (1 = full)." }),
  requestSuccess: def({ name: "vllm:request_success_total", type: "counter", help: "Finished requests by finished_reason." }),
  promptTokens: def({ name: "vllm:prompt_tokens_total", type: "counter", help: "Prompt tokens processed." }),
  generationTokens: def({ name: "vllm:generation_tokens_total", type: "counter", help: "Tokens generated." }),
  promptTokensCached: def({ name: "vllm:prompt_tokens_cached_total", type: "counter", help: "Prompt tokens served from the prefix cache." }),
  prefixCacheQueries: def({ name: "vllm:prefix_cache_queries_total", type: "counter", help: "Prefix cache queries, in tokens." }),
  prefixCacheHits: def({ name: "vllm:prefix_cache_hits_total", type: "counter", help: "Prefix cache hits, in tokens." }),
  numPreemptions: def({ name: "vllm:num_preemptions_total", type: "counter", help: "Preempted requests." }),
  ttft: def({ name: "vllm:time_to_first_token_seconds", type: "histogram", help: "Time to first token.", buckets: VLLM_BUCKETS.ttft }),
  interTokenLatency: def({ name: "vllm:inter_token_latency_seconds", type: "histogram", help: "Latency between output tokens.", buckets: VLLM_BUCKETS.itl }),
  timePerOutputToken: def({ name: "vllm:request_time_per_output_token_seconds", type: "histogram", help: "Mean time per output token of a request.", buckets: VLLM_BUCKETS.itl }),
  e2eLatency: def({ name: "vllm:e2e_request_latency_seconds", type: "histogram", help: "End-to-end request latency.", buckets: VLLM_BUCKETS.requestPhase }),
  queueTime: def({ name: "vllm:request_queue_time_seconds", type: "histogram", help: "Time waiting in the queue.", buckets: VLLM_BUCKETS.requestPhase }),
  inferenceTime: def({ name: "vllm:request_inference_time_seconds", type: "histogram", help: "Time in the running phase.", buckets: VLLM_BUCKETS.requestPhase }),
  prefillTime: def({ name: "vllm:request_prefill_time_seconds", type: "histogram", help: "Prefill time.", buckets: VLLM_BUCKETS.requestPhase }),
  decodeTime: def({ name: "vllm:request_decode_time_seconds", type: "histogram", help: "Decode time.", buckets: VLLM_BUCKETS.requestPhase }),
  requestPromptTokens: def({ name: "vllm:request_prompt_tokens", type: "histogram", help: "Prompt length per request." }),
  requestGenerationTokens: def({ name: "vllm:request_generation_tokens", type: "histogram", help: "Generated tokens per request." }),
  requestMaxTokens: def({ name: "vllm:request_params_max_tokens", type: "histogram", help: "max_tokens parameter per request." }),
  iterationTokens: def({ name: "vllm:iteration_tokens_total", type: "histogram", help: "Tokens per engine step (a histogram despite the _total).", buckets: VLLM_BUCKETS.iterationTokens }),
  cacheConfigInfo: def({ name: "vllm:cache_config_info", type: "gauge", help: "Cache configuration (info labels, value 1)." }),
  httpRequests: def({ name: "http_requests_total", type: "counter", help: "HTTP requests by handler, method and status class (FastAPI instrumentator)." }),
  httpRequestDuration: def({ name: "http_request_duration_seconds", type: "histogram", help: "HTTP request duration (FastAPI instrumentator)." }),
} as const;

/** Labels vLLM puts on every engine metric. */
export const VLLM_LABELS = { model: "model_name", engine: "engine", finishedReason: "finished_reason" } as const;

export const DCGM = {
  gpuUtil: def({ name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", help: "GPU utilisation (%)." }),
  memCopyUtil: def({ name: "DCGM_FI_DEV_MEM_COPY_UTIL", type: "gauge", help: "Memory copy utilisation (%)." }),
  fbUsed: def({ name: "DCGM_FI_DEV_FB_USED", type: "gauge", help: "Framebuffer memory used (MiB)." }),
  fbFree: def({ name: "DCGM_FI_DEV_FB_FREE", type: "gauge", help: "Framebuffer memory free (MiB)." }),
  fbReserved: def({ name: "DCGM_FI_DEV_FB_RESERVED", type: "gauge", help: "Framebuffer memory reserved (MiB)." }),
  gpuTemp: def({ name: "DCGM_FI_DEV_GPU_TEMP", type: "gauge", help: "GPU temperature (C)." }),
  memoryTemp: def({ name: "DCGM_FI_DEV_MEMORY_TEMP", type: "gauge", help: "Memory temperature (C)." }),
  powerUsage: def({ name: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", help: "Power draw (W)." }),
  smClock: def({ name: "DCGM_FI_DEV_SM_CLOCK", type: "gauge", help: "SM clock (MHz)." }),
  memClock: def({ name: "DCGM_FI_DEV_MEM_CLOCK", type: "gauge", help: "Memory clock (MHz)." }),
  xidErrors: def({ name: "DCGM_FI_DEV_XID_ERRORS", type: "gauge", help: "Last XID error code." }),
  pcieTxBytes: def({ name: "DCGM_FI_PROF_PCIE_TX_BYTES", type: "gauge", help: "PCIe transmit throughput (bytes/s)." }),
  pcieRxBytes: def({ name: "DCGM_FI_PROF_PCIE_RX_BYTES", type: "gauge", help: "PCIe receive throughput (bytes/s)." }),
  pcieReplays: def({ name: "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", type: "counter", help: "PCIe replays." }),
  tensorActive: def({ name: "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", type: "gauge", help: "Tensor pipe active ratio." }),
  grEngineActive: def({ name: "DCGM_FI_PROF_GR_ENGINE_ACTIVE", type: "gauge", help: "Graphics engine active ratio." }),
  dramActive: def({ name: "DCGM_FI_PROF_DRAM_ACTIVE", type: "gauge", help: "Memory interface active ratio." }),
  energy: def({ name: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", type: "counter", help: "Energy since boot (mJ)." }),
  rowRemapFailure: def({ name: "DCGM_FI_DEV_ROW_REMAP_FAILURE", type: "gauge", help: "Row remapping failed (1)." }),
  uncorrectableRemappedRows: def({ name: "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", type: "counter", help: "Rows remapped for uncorrectable errors." }),
  correctableRemappedRows: def({ name: "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", type: "counter", help: "Rows remapped for correctable errors." }),
  /** Not in the default collector list: exported only because our gpu-operator values ship a metrics CSV with it. */
  eccDbeVolatile: def({ name: "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", type: "counter", help: "Double-bit ECC errors since boot (custom CSV)." }),
  eccSbeVolatile: def({ name: "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", type: "counter", help: "Single-bit ECC errors since boot (custom CSV)." }),
} as const;

/** Node exporter and kube-state-metrics series used by dashboards and alerts. */
export const NODE = {
  cpuSeconds: def({ name: "node_cpu_seconds_total", type: "counter", help: "CPU time by mode." }),
  memAvailable: def({ name: "node_memory_MemAvailable_bytes", type: "gauge", help: "Available memory." }),
  memTotal: def({ name: "node_memory_MemTotal_bytes", type: "gauge", help: "Total memory." }),
  netRx: def({ name: "node_network_receive_bytes_total", type: "counter", help: "Bytes received." }),
  netTx: def({ name: "node_network_transmit_bytes_total", type: "counter", help: "Bytes sent." }),
  diskRead: def({ name: "node_disk_read_bytes_total", type: "counter", help: "Bytes read." }),
  diskWritten: def({ name: "node_disk_written_bytes_total", type: "counter", help: "Bytes written." }),
  fsAvail: def({ name: "node_filesystem_avail_bytes", type: "gauge", help: "Free filesystem bytes." }),
  fsSize: def({ name: "node_filesystem_size_bytes", type: "gauge", help: "Filesystem size." }),
} as const;

/**
 * kube-state-metrics v2.20.0 (kube-prometheus-stack 88.5.3's subchart 8.4.0), `internal/store/statefulset.go`:
 * labels `namespace`, `statefulset`. The GPU cluster runs it for the vLLM namespace; federation brings these centrally.
 */
export const KUBE = {
  /** `spec.replicas`: what the autoscaler (KEDA) asks for; 0 when scaled to zero. */
  statefulsetReplicas: def({ name: "kube_statefulset_replicas", type: "gauge", help: "Number of desired pods for a StatefulSet." }),
  /** `status.readyReplicas`: pods passing their readiness probe. */
  statefulsetReplicasReady: def({ name: "kube_statefulset_status_replicas_ready", type: "gauge", help: "The number of ready replicas per StatefulSet." }),
} as const;

/** Prometheus' own per-target series. */
export const PROMETHEUS = {
  up: def({ name: "up", type: "gauge", help: "1 when the last scrape of the target succeeded." }),
} as const;

/** Every metric in the catalogue, for checks that a query only names known series. */
export const ALL_METRICS: readonly MetricDef[] = [VLLM, DCGM, NODE, KUBE, PROMETHEUS].flatMap((group) => Object.values(group));

/** The series names a metric exposes (histograms: bucket, sum, count). */
export function exposedSeries(m: MetricDef): string[] {
  return m.type === "histogram" ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}

/** `le` as vLLM/prometheus_client renders it: always a float ("1.0", "0.25", "2560.0"). */
export function leLabel(edge: number): string {
  return Number.isInteger(edge) ? `${edge}.0` : String(edge);
}
