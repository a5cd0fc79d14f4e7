/** GPU hardware dashboard: DCGM exporter series per GPU, node exporter series per node. */
import { DCGM, NODE, type MetricDef } from "../components/metrics/catalogue";
import { LABEL } from "../components/observability/conventions";
import { dashboard, type PanelSpec } from "./grafana";

const GPU = `${LABEL.hostname}=~"$hostname",${LABEL.gpu}=~"$gpu"`;
const NODE_SEL = `instance=~"$node"`;
const RI = "$__rate_interval";
const gpu = (m: MetricDef) => `${m.name}{${GPU}}`;
const PER_GPU = "{{hostname}} GPU {{gpu}}";

export function gpuHardwareDashboard(): Record<string, unknown> {
  const panels: PanelSpec[] = [
    { title: "GPU utilisation", type: "timeseries", unit: "percent", min: 0, max: 100, queries: [{ expr: gpu(DCGM.gpuUtil), legend: PER_GPU }] },
    {
      title: "Tensor core and DRAM activity", type: "timeseries", unit: "percentunit", min: 0, max: 1,
      description: "DCGM profiling fields (absent on GPUs without profiling support).",
      queries: [{ expr: gpu(DCGM.tensorActive), legend: `tensor ${PER_GPU}` }, { expr: gpu(DCGM.dramActive), legend: `dram ${PER_GPU}` }],
    },
    {
      title: "GPU memory used", type: "timeseries", unit: "percentunit", min: 0, max: 1, thresholdRed: 0.95,
      queries: [{ expr: `${gpu(DCGM.fbUsed)} / (${gpu(DCGM.fbUsed)} + ${gpu(DCGM.fbFree)} + ${gpu(DCGM.fbReserved)})`, legend: PER_GPU }],
    },
    { title: "GPU memory used (bytes)", type: "timeseries", unit: "bytes", queries: [{ expr: `${gpu(DCGM.fbUsed)} * 1024 * 1024`, legend: PER_GPU }] },
    {
      title: "Temperature", type: "timeseries", unit: "celsius", thresholdRed: 85,
      queries: [{ expr: gpu(DCGM.gpuTemp), legend: `GPU ${PER_GPU}` }, { expr: gpu(DCGM.memoryTemp), legend: `memory ${PER_GPU}` }],
    },
    { title: "Power draw", type: "timeseries", unit: "watt", queries: [{ expr: gpu(DCGM.powerUsage), legend: PER_GPU }] },
    {
      title: "Clocks", type: "timeseries", unit: "rothz",
      queries: [{ expr: `${gpu(DCGM.smClock)} * 1e6`, legend: `SM ${PER_GPU}` }, { expr: `${gpu(DCGM.memClock)} * 1e6`, legend: `memory ${PER_GPU}` }],
    },
    {
      title: "PCIe throughput", type: "timeseries", unit: "Bps",
      queries: [{ expr: gpu(DCGM.pcieTxBytes), legend: `tx ${PER_GPU}` }, { expr: gpu(DCGM.pcieRxBytes), legend: `rx ${PER_GPU}` }],
    },
    {
      title: "ECC errors and row remapping", type: "timeseries", unit: "short",
      description: "ECC counters come from our custom DCGM metrics CSV (components/observability/dcgm.ts).",
      queries: [
        { expr: `increase(${gpu(DCGM.eccDbeVolatile)}[${RI}])`, legend: `double-bit ${PER_GPU}` },
        { expr: `increase(${gpu(DCGM.eccSbeVolatile)}[${RI}])`, legend: `single-bit ${PER_GPU}` },
        { expr: gpu(DCGM.rowRemapFailure), legend: `row remap failure ${PER_GPU}` },
      ],
    },
    {
      title: "Node CPU usage", type: "timeseries", unit: "percentunit", min: 0, max: 1, w: 6,
      queries: [{ expr: `1 - avg by (instance) (rate(${NODE.cpuSeconds.name}{${NODE_SEL},mode="idle"}[${RI}]))`, legend: "{{instance}}" }],
    },
    {
      title: "Node memory used", type: "timeseries", unit: "percentunit", min: 0, max: 1, w: 6,
      queries: [{ expr: `1 - ${NODE.memAvailable.name}{${NODE_SEL}} / ${NODE.memTotal.name}{${NODE_SEL}}`, legend: "{{instance}}" }],
    },
    {
      title: "Node network", type: "timeseries", unit: "Bps", w: 6,
      queries: [
        { expr: `sum by (instance) (rate(${NODE.netRx.name}{${NODE_SEL},device!="lo"}[${RI}]))`, legend: "rx {{instance}}" },
        { expr: `sum by (instance) (rate(${NODE.netTx.name}{${NODE_SEL},device!="lo"}[${RI}]))`, legend: "tx {{instance}}" },
      ],
    },
    {
      title: "Node disk", type: "timeseries", unit: "Bps", w: 6,
      queries: [
        { expr: `sum by (instance) (rate(${NODE.diskRead.name}{${NODE_SEL}}[${RI}]))`, legend: "read {{instance}}" },
        { expr: `sum by (instance) (rate(${NODE.diskWritten.name}{${NODE_SEL}}[${RI}]))`, legend: "write {{instance}}" },
      ],
    },
  ];
  return dashboard({
    uid: "ovh-llm-gpu-hardware",
    title: "GPU hardware",
    description: "DCGM exporter (GPU utilisation, memory, temperature, power, clocks, PCIe, ECC) and node exporter series of the GPU nodes.",
    tags: ["ovh-llm", "gpu", "dcgm"],
    variables: [
      { name: "hostname", label: "Node", query: `label_values(${DCGM.gpuUtil.name}, ${LABEL.hostname})` },
      { name: "gpu", label: "GPU", query: `label_values(${DCGM.gpuUtil.name}{${LABEL.hostname}=~"$hostname"}, ${LABEL.gpu})` },
      { name: "node", label: "Node exporter instance", query: `label_values(${NODE.cpuSeconds.name}, instance)` },
    ],
    content: panels,
  });
}
