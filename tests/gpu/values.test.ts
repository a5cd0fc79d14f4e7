import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as yaml from "js-yaml";
import { join } from "path";
import { gunzipSync } from "zlib";
import { dcgmMetricsCsv } from "../../components/observability/dcgm";
import { RELEASES } from "../../components/gpu/layout";
import { existsIn, leafPaths, upstreamValues as upstream } from "../helpers/chartValues";
import { certManagerValues, envoyGatewayValues, gpuOperatorValues, gpuPrometheusValues, kedaHttpAddOnValues, kedaValues } from "../../components/gpu/values";

interface Case {
  chart: string;
  file: string;
  values: Record<string, unknown>;
  /** Free-form maps: the chart passes them through, so only the key itself must exist. */
  freeForm?: string[];
  /** Keys documented only in comments of the upstream file (with the comment text that documents them). */
  documented?: Record<string, RegExp>;
  /** Values prefixes that belong to a subchart: checked against that subchart's values.yaml in the vendored chart. */
  subchart?: Record<string, string>;
}

/** A file of a vendored chart archive (tests/fixtures/charts/*.tgz: gzip'd ustar, 512-byte headers). */
function chartFile(archive: string, file: string): string {
  const tar = gunzipSync(readFileSync(join(__dirname, "..", "fixtures", "charts", archive)));
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString("utf8", at, at + 100).replace(/\0.*$/s, "");
    const size = parseInt(tar.toString("utf8", at + 124, at + 136).replace(/\0.*$/s, "").trim() || "0", 8);
    if (name === file) return tar.toString("utf8", at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${file} not in ${archive}`);
}

const CASES: Case[] = [
  {
    chart: "gpu-operator v26.7.0",
    file: "gpu-operator-v26.7.0.yaml",
    values: gpuOperatorValues({ gpuDriverVersion: "595.91.07" }, { dcgmMetricsCsv: dcgmMetricsCsv() }),
    freeForm: ["dcgmExporter.serviceMonitor.additionalLabels"],
    documented: { "dcgmExporter.config": /# config:\n\s*# name: .*\n\s*# create: true\n\s*# data:/ },
  },
  {
    chart: "cert-manager v1.21.1",
    file: "cert-manager-v1.21.1.yaml",
    values: certManagerValues(),
    freeForm: ["config"],
  },
  { chart: "gateway-helm v1.9.0", file: "gateway-helm-v1.9.0.values.tmpl.yaml", values: envoyGatewayValues() },
  { chart: "keda 2.20.2", file: "keda-2.20.2.yaml", values: kedaValues() },
  { chart: "keda-add-ons-http 0.15.0", file: "keda-add-ons-http-0.15.0.yaml", values: kedaHttpAddOnValues() },
  {
    chart: "kube-prometheus-stack 88.5.3",
    file: "kube-prometheus-stack-88.5.3.yaml",
    values: gpuPrometheusValues({ retention: "2d", scrapeInterval: "15s", vllmNamespace: "inference" }),
    freeForm: ["prometheus.prometheusSpec.resources"],
    // Subchart values (kube-state-metrics 8.4.0's values.yaml documents `collectors` and `namespaces`).
    subchart: { "kube-state-metrics": "kube-state-metrics" },
  },
];

describe("GPU cluster: Helm values exist in the pinned charts", () => {
  for (const c of CASES) {
    it(`${c.chart}: every values path we set is in the upstream defaults`, () => {
      const { parsed, text } = upstream(c.file);
      const documented = c.documented ?? {};
      const subcharts = Object.entries(c.subchart ?? {});
      const paths = leafPaths(c.values, [...(c.freeForm ?? []), ...Object.keys(documented)]);
      assert.ok(paths.length > 0);
      const missing = paths.filter((p) => {
        if (p in documented) return !documented[p].test(text);
        const sub = subcharts.find(([prefix]) => p.startsWith(`${prefix}.`));
        if (sub) return !existsIn(yaml.load(chartFile("kube-prometheus-stack-88.5.3.tgz", `kube-prometheus-stack/charts/${sub[1]}/values.yaml`)), p.slice(sub[0].length + 1));
        return !existsIn(parsed, p);
      });
      assert.deepEqual(missing, [], `${c.chart}: not in ${c.file}`);
    });
  }

  it("the path check catches a values path that does not exist (operator.defaultRuntime, removed upstream)", () => {
    const { parsed } = upstream("gpu-operator-v26.7.0.yaml");
    assert.equal(existsIn(parsed, "operator.defaultRuntime"), false);
    assert.equal(existsIn(parsed, "validator.driver.enable"), false);
  });

  it("cert-manager: the Gateway API shim is enabled the way v1.21.1 documents it, with the CRDs", () => {
    const { text } = upstream("cert-manager-v1.21.1.yaml");
    assert.match(text, /#\s+gatewayAPI:\n#\s+enabled: true/);
    const v = certManagerValues() as any;
    assert.equal(v.crds.enabled, true);
    assert.equal(v.config.gatewayAPI.enabled, true);
  });

  it("gpu-operator: driver from config, DCGM ServiceMonitor selected by our Prometheus with pod labels kept, GFD on", () => {
    const v = gpuOperatorValues({ gpuDriverVersion: "580.95.05" }) as any;
    assert.equal(v.driver.version, "580.95.05");
    assert.deepEqual(v.dcgmExporter.serviceMonitor.additionalLabels, { release: RELEASES.prometheus });
    assert.equal(v.dcgmExporter.serviceMonitor.honorLabels, true);
    assert.equal(v.gfd.enabled, true);
    assert.equal(v.dcgmExporter.config, undefined, "no CSV given: keep the exporter's default list");
    const withCsv = gpuOperatorValues({ gpuDriverVersion: "595.91.07" }, { dcgmMetricsCsv: dcgmMetricsCsv() }) as any;
    assert.equal(withCsv.dcgmExporter.config.create, true);
    assert.match(withCsv.dcgmExporter.config.data, /DCGM_FI_DEV_ECC_DBE_VOL_TOTAL/);
  });

  it("the GPU cluster's Prometheus is small: no Grafana/Alertmanager, short retention, fixed service name", () => {
    const v = gpuPrometheusValues({ retention: "2d", scrapeInterval: "15s", vllmNamespace: "inference" }) as any;
    assert.equal(v.fullnameOverride, RELEASES.prometheus);
    // kube-state-metrics reports the vLLM StatefulSets' desired and ready replicas, nothing else.
    assert.equal(v.kubeStateMetrics.enabled, true);
    assert.deepEqual(v["kube-state-metrics"], { collectors: ["statefulsets"], namespaces: "inference" });
    assert.equal(v.grafana.enabled, false);
    assert.equal(v.alertmanager.enabled, false);
    assert.match(v.prometheus.prometheusSpec.retention, /^\d+[hd]$/);
  });
});
