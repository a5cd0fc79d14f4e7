/**
 * The mimir-distributed chart (tests/fixtures/charts/mimir-distributed-5.6.0.tgz, INDEX.md) rendered once by the real
 * helm (tools/bin/helm) with the program's values (components/platform/mimir.ts); values paths checked against the
 * chart's values.yaml (tests/fixtures/chart-values/mimir-distributed-5.6.0.yaml).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import * as yaml from "js-yaml";
import { CHARTS } from "../../components/charts";
import { MIMIR_S3_ENV, mimirValues, type MimirValuesOptions } from "../../components/platform/mimir";
import { existsIn, leafPaths, upstreamValues } from "../helpers/chartValues";
import { requireTool } from "../helpers/tools";

type Json = Record<string, any>;
const PKG = resolve(__dirname, `../fixtures/charts/mimir-distributed-${CHARTS.mimir.version}.tgz`);
const OPTIONS: MimirValuesOptions = {
  s3: { endpoint: "s3.gra.io.cloud.ovh.net", region: "gra" },
  buckets: { blocks: "ovh-llm-mimir-blocks", ruler: "ovh-llm-mimir-ruler", alertmanager: "ovh-llm-mimir-alertmanager" },
  credentialsSecret: "mimir-s3",
  retention: { dev: "30d", prod: "400d" },
  replicas: { ingester: 3, distributor: 1, querier: 1, storeGateway: 1 },
  zoneAware: false,
};
/** Maps the chart passes through whole (Mimir's own config, runtime overrides, env sources). */
const FREE_FORM = ["mimir.structuredConfig", "runtimeConfig", "global.extraEnvFrom"];

describe("mimir-distributed 5.6.0 rendered by the real helm with the platform's values", function () {
  this.timeout(60_000);
  const values = mimirValues(OPTIONS);
  let objects: Json[];
  before(() => {
    const dir = mkdtempSync(join(tmpdir(), "mimir-render-"));
    try {
      writeFileSync(join(dir, "values.json"), JSON.stringify(values));
      const out = execFileSync(requireTool("helm"), ["template", "mimir", PKG, "--namespace", "mimir", "--values", join(dir, "values.json")], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
      objects = yaml.loadAll(out).filter((d): d is Json => !!d && typeof d === "object");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const configMap = (suffix: string) => objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `mimir${suffix}`);
  const workloads = () => objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");

  it("sets only values paths the chart has", () => {
    const upstream = upstreamValues(`mimir-distributed-${CHARTS.mimir.version}.yaml`).parsed;
    assert.deepEqual(leafPaths(values, FREE_FORM).filter((p) => !existsIn(upstream, p)), []);
  });

  it("stores blocks, ruler and alertmanager data in the OVH buckets, keys only as ${VAR} expanded from the Secret", () => {
    const config = yaml.load(configMap("-config")!.data["mimir.yaml"]) as Json;
    assert.deepEqual(config.common.storage, { backend: "s3", s3: { endpoint: "s3.gra.io.cloud.ovh.net", region: "gra", access_key_id: `\${${MIMIR_S3_ENV.accessKeyId}}`, secret_access_key: `\${${MIMIR_S3_ENV.secretAccessKey}}` } });
    assert.equal(config.blocks_storage.s3.bucket_name, OPTIONS.buckets.blocks);
    assert.equal(config.ruler_storage.s3.bucket_name, OPTIONS.buckets.ruler);
    assert.equal(config.alertmanager_storage.s3.bucket_name, OPTIONS.buckets.alertmanager);
    assert.equal(config.multitenancy_enabled, true);
    const mimirPods = workloads().filter((w) => w.spec.template.spec.containers.some((c: Json) => (c.args ?? []).some((a: string) => a.startsWith("-target="))));
    assert.ok(mimirPods.length >= 6, `Mimir workloads rendered (${mimirPods.length})`);
    for (const w of mimirPods) {
      const c = w.spec.template.spec.containers.find((x: Json) => (x.args ?? []).some((a: string) => a.startsWith("-target=")));
      assert.ok(c.args.includes("-config.expand-env=true"), `${w.metadata.name}: -config.expand-env=true`);
      assert.deepEqual(c.envFrom, [{ secretRef: { name: OPTIONS.credentialsSecret } }], `${w.metadata.name}: envFrom the S3 Secret`);
    }
  });

  it("sets each tenant's retention as a runtime override (compactor_blocks_retention_period)", () => {
    const runtime = yaml.load(configMap("-runtime")!.data["runtime.yaml"]) as Json;
    assert.deepEqual(runtime.overrides, { dev: { compactor_blocks_retention_period: "30d" }, prod: { compactor_blocks_retention_period: "400d" } });
  });

  it("runs no MinIO and no zone-aware StatefulSets; the ingesters as sized", () => {
    assert.deepEqual(objects.filter((o) => /minio/.test(o.metadata?.name ?? "")).map((o) => `${o.kind}/${o.metadata.name}`), []);
    assert.deepEqual(workloads().filter((w) => /zone-/.test(w.metadata.name)).map((w) => w.metadata.name), []);
    const ingester = workloads().find((w) => w.kind === "StatefulSet" && /ingester$/.test(w.metadata.name));
    assert.equal(ingester?.spec.replicas, 3);
  });
});
