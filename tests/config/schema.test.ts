import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { placeholderSecret, readStackFile } from "../../config/stackFile";
import { ConfigError, parseConfig, requiredSecrets } from "../../config/schema";

/** A valid minimal config; each bad case changes one thing in a copy. */
function valid(): Record<string, any> {
  return {
    serviceName: "0123456789abcdef0123456789abcdef",
    environment: "dev",
    monitoringCluster: { region: "GRA11", version: "1.33", nodePools: [{ name: "monitoring", flavor: "b3-16", desiredNodes: 1 }] },
    aiDeploy: { name: "vllm-dev", region: "GRA", image: "vllm/vllm-openai:v0.31.0", model: "Qwen/Qwen3-8B", flavor: "l4-1-gpu" },
    monitoring: {},
  };
}

const gpuCluster = () => ({
  cluster: { region: "GRA11", version: "1.33", nodePools: [{ name: "gpu", flavor: "l40s-90", desiredNodes: 2 }] },
  models: [{ name: "qwen", model: "Qwen/Qwen3-8B", revision: "0123456789abcdef0123456789abcdef01234567", image: "vllm/vllm-openai:v0.31.0", hostname: "llm.example.com" }],
  tls: { mode: "acme", acmeEmail: "ops@example.com" },
});

interface BadCase {
  what: string;
  mutate: (c: Record<string, any>) => void;
  key: string;
  value: string;
  allowed: RegExp;
}

const badCases: BadCase[] = [
  { what: "missing serviceName", mutate: (c) => delete c.serviceName, key: "ovh-llm:serviceName", value: "(missing)", allowed: /32-character/ },
  { what: "serviceName not hex", mutate: (c) => (c.serviceName = "my-project"), key: "ovh-llm:serviceName", value: '"my-project"', allowed: /hexadecimal/ },
  { what: "region in lower case", mutate: (c) => (c.monitoringCluster.region = "gra11"), key: "ovh-llm:monitoringCluster.region", value: '"gra11"', allowed: /GRA11/ },
  { what: "unknown region format", mutate: (c) => (c.monitoringCluster.region = "europe-west1"), key: "ovh-llm:monitoringCluster.region", value: '"europe-west1"', allowed: /OVH Public Cloud region/ },
  { what: "unsupported Kubernetes version", mutate: (c) => (c.monitoringCluster.version = "1.25"), key: "ovh-llm:monitoringCluster.version", value: '"1.25"', allowed: /1\.30.*1\.34/ },
  { what: "flavor of unknown shape", mutate: (c) => (c.monitoringCluster.nodePools[0].flavor = "large"), key: "ovh-llm:monitoringCluster.nodePools.0.flavor", value: '"large"', allowed: /b2-15/ },
  { what: "negative node count", mutate: (c) => (c.monitoringCluster.nodePools[0].desiredNodes = -1), key: "ovh-llm:monitoringCluster.nodePools.0.desiredNodes", value: "-1", allowed: /0 to 100/ },
  {
    what: "maxNodes below desiredNodes",
    mutate: (c) => Object.assign(c.monitoringCluster.nodePools[0], { desiredNodes: 3, maxNodes: 2 }),
    key: "ovh-llm:monitoringCluster.nodePools.0.maxNodes",
    value: "2",
    allowed: /at least desiredNodes \(3\)/,
  },
  {
    what: "anti-affinity pool over 5 nodes",
    mutate: (c) => Object.assign(c.monitoringCluster.nodePools[0], { desiredNodes: 6, antiAffinity: true }),
    key: "ovh-llm:monitoringCluster.nodePools.0.maxNodes",
    value: "6",
    allowed: /at most 5/,
  },
  { what: "no node pool", mutate: (c) => (c.monitoringCluster.nodePools = []), key: "ovh-llm:monitoringCluster.nodePools", value: "[]", allowed: /at least one node pool/ },
  { what: "AI Deploy max < min replicas", mutate: (c) => (c.aiDeploy.autoscaling = { minReplicas: 3, maxReplicas: 1 }), key: "ovh-llm:aiDeploy.autoscaling.maxReplicas", value: "1", allowed: /at least minReplicas \(3\)/ },
  { what: "AI Deploy more than 10 replicas", mutate: (c) => (c.aiDeploy.autoscaling = { maxReplicas: 12 }), key: "ovh-llm:aiDeploy.autoscaling.maxReplicas", value: "12", allowed: /1 to 10/ },
  { what: "AI Deploy unknown region", mutate: (c) => (c.aiDeploy.region = "SBG"), key: "ovh-llm:aiDeploy.region", value: '"SBG"', allowed: /GRA, BHS/ },
  { what: "AI Deploy flavor of unknown shape", mutate: (c) => (c.aiDeploy.flavor = "h100"), key: "ovh-llm:aiDeploy.flavor", value: '"h100"', allowed: /h100-1-gpu/ },
  { what: "unpinned :latest image", mutate: (c) => (c.aiDeploy.image = "vllm/vllm-openai:latest"), key: "ovh-llm:aiDeploy.image", value: '"vllm/vllm-openai:latest"', allowed: /not :latest/ },
  { what: "image without a tag", mutate: (c) => (c.aiDeploy.image = "vllm/vllm-openai"), key: "ovh-llm:aiDeploy.image", value: '"vllm/vllm-openai"', allowed: /pinned tag/ },
  { what: "bad aggregation", mutate: (c) => (c.aiDeploy.autoscaling = { aggregation: "MEAN" }), key: "ovh-llm:aiDeploy.autoscaling.aggregation", value: '"MEAN"', allowed: /AVERAGE, MAX, MIN, SUM/ },
  { what: "AI Deploy enabled without a model", mutate: (c) => delete c.aiDeploy.model, key: "ovh-llm:aiDeploy.model", value: "(missing)", allowed: /required|Hugging Face/ },
  {
    what: "a vLLM flag the program sets",
    mutate: (c) => (c.aiDeploy.vllmArgs = ["--max-model-len", "8192", "--port=9000"]),
    key: "ovh-llm:aiDeploy.vllmArgs.2",
    value: '"--port=9000"',
    allowed: /a flag other than --port, --served-model-name, --disable-log-stats, --api-key/,
  },
  {
    what: "the API key on the command line, its value redacted",
    mutate: (c) => (c.aiDeploy.vllmArgs = ["--max-model-len", "8192", "--api-key=abc"]),
    key: "ovh-llm:aiDeploy.vllmArgs.2",
    value: '"--api-key=[redacted]"',
    allowed: /sets vLLM's API key itself/,
  },
  { what: "the HF token in plain env", mutate: (c) => (c.aiDeploy.env = { HF_TOKEN: "hf_x" }), key: "ovh-llm:aiDeploy.env.HF_TOKEN", value: '"[redacted]"', allowed: /--secret hfToken/ },
  {
    what: "a histogram as AI Deploy autoscaling metric",
    mutate: (c) => (c.aiDeploy.autoscaling = { maxReplicas: 2, metric: "vllm:time_to_first_token_seconds" }),
    key: "ovh-llm:aiDeploy.autoscaling.metric",
    value: '"vllm:time_to_first_token_seconds"',
    allowed: /gauge or counter of the metric catalogue/,
  },
  { what: "a label the program sets", mutate: (c) => (c.aiDeploy.labels = { "ovh-llm-app": "x" }), key: "ovh-llm:aiDeploy.labels.ovh-llm-app", value: '"x"', allowed: /set by the program/ },
  {
    what: "a GPU-cluster flag the program sets",
    mutate: (c) => {
      c.gpuCluster = gpuCluster();
      c.gpuCluster.models[0].extraArgs = ["--enforce-eager", "--max-model-len", "4096"];
    },
    key: "ovh-llm:gpuCluster.models.0.extraArgs.1",
    value: '"--max-model-len"',
    allowed: /--max-model-len, --gpu-memory-utilization, --tensor-parallel-size/,
  },
  { what: "bad retention string", mutate: (c) => (c.monitoring.retention = "15 days"), key: "ovh-llm:monitoring.retention", value: '"15 days"', allowed: /Prometheus duration/ },
  { what: "bad retention size", mutate: (c) => (c.monitoring.retentionSize = "45G"), key: "ovh-llm:monitoring.retentionSize", value: '"45G"', allowed: /45GB/ },
  { what: "negative storage size", mutate: (c) => (c.monitoring.prometheusStorage = "-5Gi"), key: "ovh-llm:monitoring.prometheusStorage", value: '"-5Gi"', allowed: /10Gi/ },
  {
    what: "public Grafana without source ranges",
    mutate: (c) => (c.monitoring.grafana = { exposure: "LoadBalancer" }),
    key: "ovh-llm:monitoring.grafana.sourceRanges",
    value: "[]",
    allowed: /at least one CIDR/,
  },
  { what: "remote write enabled without URL", mutate: (c) => (c.monitoring.remoteWrite = { enabled: true }), key: "ovh-llm:monitoring.remoteWrite.url", value: "(missing)", allowed: /https URL/ },
  {
    what: "GPU cluster without a GPU pool",
    mutate: (c) => {
      c.gpuCluster = gpuCluster();
      c.gpuCluster.cluster.nodePools[0].flavor = "b2-15";
    },
    key: "ovh-llm:gpuCluster.cluster.nodePools",
    value: '["b2-15"]',
    allowed: /GPU flavor/,
  },
  {
    what: "GPU cluster enabled without models",
    mutate: (c) => {
      c.gpuCluster = gpuCluster();
      delete c.gpuCluster.models;
    },
    key: "ovh-llm:gpuCluster.models",
    value: "(missing)",
    allowed: /required|list/,
  },
  {
    what: "ACME TLS without an e-mail",
    mutate: (c) => {
      c.gpuCluster = gpuCluster();
      delete c.gpuCluster.tls.acmeEmail;
    },
    key: "ovh-llm:gpuCluster.tls.acmeEmail",
    value: "(missing)",
    allowed: /e-mail address when tls.mode is acme/,
  },
  {
    what: "GPU model at zero replicas without scale-to-zero",
    mutate: (c) => {
      c.gpuCluster = gpuCluster();
      c.gpuCluster.models[0].minReplicas = 0;
    },
    key: "ovh-llm:gpuCluster.models.0.minReplicas",
    value: "0",
    allowed: /scaleToZero/,
  },
  { what: "misspelt key", mutate: (c) => (c.monitoring.retension = "15d"), key: "ovh-llm:monitoring.retension", value: '"[redacted]"', allowed: /no such key/ },
  { what: "unknown top-level key", mutate: (c) => (c.aiDeployy = {}), key: "ovh-llm:aiDeployy", value: '"[redacted]"', allowed: /no such key/ },
  { what: "part given as a string", mutate: (c) => (c.monitoring = "yes"), key: "ovh-llm:monitoring", value: '"yes"', allowed: /an object/ },
];

describe("config schema", () => {
  it("accepts the minimal config and fills defaults", () => {
    const config = parseConfig(valid());
    assert.equal(config.aiDeploy?.port, 8000);
    assert.equal(config.aiDeploy?.servedModelName, "Qwen/Qwen3-8B");
    assert.equal(config.aiDeploy?.autoscaling.metric, "vllm:num_requests_running");
    assert.equal(config.aiDeploy?.autoscaling.aggregation, "AVERAGE");
    assert.equal(config.aiDeploy?.token.role, "read");
    assert.equal(config.monitoring?.storageClass, "csi-cinder-high-speed");
    assert.equal(config.monitoring?.grafana.exposure, "ClusterIP");
    assert.equal(config.monitoringCluster!.nodePools[0].maxNodes, 1);
    assert.equal(config.gpuCluster, undefined);
  });

  it("treats `enabled: false` and an absent part alike: off", () => {
    const c = valid();
    c.aiDeploy = { enabled: false };
    delete c.monitoring;
    const config = parseConfig(c);
    assert.equal(config.aiDeploy, undefined);
    assert.equal(config.monitoring, undefined);
  });

  for (const bad of badCases) {
    it(`rejects ${bad.what}, naming ${bad.key}`, () => {
      const c = valid();
      bad.mutate(c);
      assert.throws(
        () => parseConfig(c),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
          const issue = e.issues.find((i) => i.key === bad.key);
          assert.ok(issue, `no issue for ${bad.key} in:\n${e.message}`);
          assert.match(e.message, new RegExp(`${bad.key.replace(/[.]/g, "\\.")} = ${bad.value.replace(/[[\](){}.*+?^$|\\]/g, "\\$&")}: expected `));
          assert.match(issue.allowed, bad.allowed);
          return true;
        },
      );
    });
  }

  it("reports every problem at once", () => {
    const c = valid();
    c.serviceName = "x";
    c.aiDeploy.region = "SBG";
    c.monitoring.retention = "forever";
    assert.throws(() => parseConfig(c), (e: ConfigError) => e.issues.length === 3 && /3 problems/.test(e.message));
  });

  it("reports one problem per key", () => {
    const c = valid();
    c.aiDeploy.autoscaling = { maxReplicas: 0 };
    assert.throws(
      () => parseConfig(c),
      (e: ConfigError) => e.issues.length === 1 && e.issues[0].key === "ovh-llm:aiDeploy.autoscaling.maxReplicas" && /1 to 10/.test(e.issues[0].allowed),
    );
  });

  it("asks for the secrets an alerting receiver needs", () => {
    const c = valid();
    c.monitoring.alerting = { webhook: true, slackChannel: "#llm" };
    assert.deepEqual(requiredSecrets(parseConfig(c)), ["alertWebhookUrl", "alertSlackWebhookUrl"]);
  });

  for (const stack of ["dev", "prod"]) {
    it(`validates Pulumi.${stack}.yaml`, () => {
      const config = parseConfig(readStackFile(stack).projectConfig);
      assert.equal(config.environment, stack);
    });
  }

  it("keeps dev small and prod the full reference architecture", () => {
    const dev = parseConfig(readStackFile("dev").projectConfig);
    const prod = parseConfig(readStackFile("prod").projectConfig);
    assert.deepEqual([dev.aiDeploy?.flavor, dev.aiDeploy?.autoscaling.minReplicas, dev.aiDeploy?.autoscaling.maxReplicas], ["l4-1-gpu", 1, 1]);
    assert.equal(dev.monitoringCluster!.nodePools.reduce((n, p) => n + p.desiredNodes, 0), 1);
    assert.equal(dev.gpuCluster, undefined);
    assert.deepEqual([prod.aiDeploy?.flavor, prod.aiDeploy?.autoscaling.minReplicas, prod.aiDeploy?.autoscaling.maxReplicas], ["h100-1-gpu", 1, 3]);
    assert.deepEqual(prod.monitoringCluster!.nodePools.map((p) => [p.flavor, p.desiredNodes]), [["b2-15", 3]]);
    assert.deepEqual(prod.gpuCluster?.cluster.nodePools.map((p) => [p.flavor, p.desiredNodes]), [["l40s-90", 2], ["b3-16", 1]]);
  });

  it("reads a stack file with `pulumi config set --secret` values: stand-ins, marked secret, never parsed as config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    try {
      const dev = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
      const extra = "  ovh:applicationSecret:\n    secure: AAABAKx1\n  ovh-llm:hfToken:\n    secure: AAABAOx2\n";
      fs.writeFileSync(path.join(dir, "Pulumi.enc.yaml"), dev.replace("config:\n", `config:\n${extra}`));
      const file = readStackFile("enc", {}, dir);
      assert.equal(file.allConfig["ovh:applicationSecret"], placeholderSecret("applicationSecret"));
      assert.equal(file.allConfig["ovh-llm:hfToken"], placeholderSecret("hfToken"));
      assert.deepEqual(file.secretKeys.sort(), ["ovh-llm:hfToken", "ovh:applicationSecret"]);
      assert.equal("hfToken" in file.projectConfig, false);
      assert.equal(parseConfig(file.projectConfig).environment, "dev");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
