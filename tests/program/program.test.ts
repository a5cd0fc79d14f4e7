import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { PROJECT } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { deployStack, StackOutputs } from "../../program";
import { runPlan } from "../../scripts/plan/run";
import { isSecret, MockRecorder, settle, valueOf } from "../../scripts/plan/mockRecorder";

/** Runs the real program for a stack file under mocks (what `pulumi up` would run, minus the engine). */
async function runStack(stack: string, recorder: pulumi.runtime.Mocks): Promise<StackOutputs> {
  const file = readStackFile(stack, { hfToken: "hf_test_token_value", gpuApiKey: "gpu-api-key-test-value" });
  pulumi.runtime.setAllConfig(file.allConfig, file.secretKeys);
  await pulumi.runtime.setMocks(recorder, PROJECT, stack, false);
  const outputs = deployStack(loadStackConfig());
  await settle();
  return outputs;
}

const SECRET_OUTPUTS = ["endpointTokens", "monitoringKubeconfig", "gpuKubeconfig", "grafanaAdminPassword"] as const;
const PLAIN_OUTPUTS = ["endpoints", "monitoringClusterId", "gpuClusterId", "gpuGatewayAddress", "grafanaUrl", "grafanaPortForward", "prometheusUrl", "alertmanagerUrl"] as const;

describe("the whole program under mocks", function () {
  this.timeout(30_000);

  for (const stack of ["dev", "prod"]) {
    describe(stack, () => {
      const recorder = new MockRecorder();
      let outputs: StackOutputs;
      before(async () => {
        outputs = await runStack(stack, recorder);
      });

      it("marks exactly the credential outputs secret", async () => {
        // Only the GPU cluster's outputs may be missing (dev has none): the checks below must not pass vacuously.
        const absent = [...SECRET_OUTPUTS, ...PLAIN_OUTPUTS].filter((key) => outputs[key] === undefined);
        assert.deepEqual(absent, stack === "dev" ? ["gpuKubeconfig", "gpuClusterId", "gpuGatewayAddress"] : []);
        for (const key of SECRET_OUTPUTS) {
          const out = outputs[key] as pulumi.Output<unknown> | undefined;
          if (out === undefined) continue;
          assert.equal(await isSecret(out), true, `${key} must be secret`);
        }
        for (const key of PLAIN_OUTPUTS) {
          const out = outputs[key] as pulumi.Output<unknown> | undefined;
          if (out === undefined) continue;
          assert.equal(await isSecret(out), false, `${key} should be readable without --show-secrets`);
        }
      });

      it("exports every endpoint with its URL, model and a token", async () => {
        const endpoints = await valueOf(outputs.endpoints);
        const tokens = await valueOf(outputs.endpointTokens);
        assert.deepEqual(Object.keys(tokens).sort(), Object.keys(endpoints).sort());
        assert.equal(endpoints["ai-deploy"].kind, "ai-deploy");
        assert.match(endpoints["ai-deploy"].url, /^https:\/\/.+\.app\.gra\.ai\.cloud\.ovh\.net\/v1$/);
        assert.match(tokens["ai-deploy"], /^mock-ai-token-/);
        const expected = stack === "dev" ? { "ai-deploy": "qwen3-8b" } : { "ai-deploy": "ministral-14b", "qwen3-vl-8b": "qwen3-vl-8b" };
        assert.deepEqual(Object.fromEntries(Object.entries(endpoints).map(([k, e]) => [k, e.model])), expected);
        if (stack === "prod") {
          assert.deepEqual(endpoints["qwen3-vl-8b"], { url: "https://qwen3-vl.llm.example.com/v1", model: "qwen3-vl-8b", kind: "gpu-cluster" });
          assert.equal(tokens["qwen3-vl-8b"], "gpu-api-key-test-value");
        }
      });

      it("exports the monitoring URLs and kubeconfigs", async () => {
        assert.equal(await valueOf(outputs.prometheusUrl!), "http://kps-prometheus.monitoring.svc:9090");
        assert.match(await valueOf(outputs.alertmanagerUrl!), /^http:\/\/kps-alertmanager\.monitoring\.svc:9093/);
        assert.match(await valueOf(outputs.monitoringKubeconfig!), /kind: Config/);
        assert.equal(outputs.gpuKubeconfig === undefined, stack === "dev", "a GPU kubeconfig exactly when the stack has a GPU cluster");
      });

      it("wires the AI Deploy app into the central Prometheus: its host in a ScrapeConfig, its token only in a Secret", async () => {
        const endpoints = await valueOf(outputs.endpoints);
        const host = new URL(endpoints["ai-deploy"].url).host;
        const configs = recorder.ofType("kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig");
        const app = configs.find((c) => c.inputs.spec.jobName.startsWith("ai-deploy-"));
        assert.ok(app, "a ScrapeConfig for the app");
        assert.deepEqual(app.inputs.spec.staticConfigs[0].targets, [host]);
        assert.deepEqual(app.inputs.spec.authorization, { type: "Bearer", credentials: { name: "ai-deploy-token", key: "token" } });
        const token = (await valueOf(outputs.endpointTokens))["ai-deploy"];
        assert.ok(!JSON.stringify(configs.map((c) => c.inputs)).includes(token), "no token in a ScrapeConfig");
        const tokenSecret = recorder.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "ai-deploy-token");
        assert.ok(tokenSecret && JSON.stringify(tokenSecret.inputs).includes(token), "the token Secret holds the app's token");
        assert.equal(configs.some((c) => c.inputs.spec.metricsPath === "/federate"), stack === "prod", "prod also scrapes the GPU cluster's /federate");
      });

      it("creates the parts each stack file turns on, and nothing else", () => {
        const kubes = recorder.ofType("ovh:CloudProject/kube:Kube").map((r) => r.inputs.name);
        assert.deepEqual(kubes.sort(), stack === "dev" ? ["ovh-llm-dev-monitoring"] : ["ovh-llm-prod-gpu", "ovh-llm-prod-monitoring"]);
        assert.equal(recorder.ofType("pulumi-nodejs:dynamic/aideploy:App").length, 1);
        assert.equal(recorder.ofType("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "gpu-operator"), stack === "prod");
      });
    });
  }

  it("starts the monitoring cluster, the GPU cluster and the AI Deploy app together (no false dependency)", async () => {
    // Slow creates, as in the cloud: whichever of the three waited for another would start only after its end.
    const events: string[] = [];
    const slow = new Set(["ovh:CloudProject/kube:Kube", "pulumi-nodejs:dynamic/aideploy:App"]);
    const recorder = new MockRecorder();
    const slowMocks: pulumi.runtime.Mocks = {
      call: (args) => recorder.call(args),
      async newResource(args) {
        if (!slow.has(args.type)) return recorder.newResource(args);
        events.push(`start ${args.name}`);
        await new Promise((r) => setTimeout(r, 150));
        events.push(`end ${args.name}`);
        return recorder.newResource(args);
      },
    };
    await runStack("prod", slowMocks);
    const firstEnd = events.findIndex((e) => e.startsWith("end "));
    const startedBeforeAnyEnded = events.slice(0, firstEnd).map((e) => e.slice("start ".length)).sort();
    assert.deepEqual(startedBeforeAnyEnded, ["ovh-llm-prod-ai-deploy-app", "ovh-llm-prod-gpu-mks", "ovh-llm-prod-monitoring"]);
  });

  it("orders installs where one really needs another", async () => {
    const { resources } = await runPlan({ stack: "prod", program: () => ({ ...deployStack(loadStackConfig()) }) });
    const urnOf = (pred: (r: (typeof resources)[number]) => boolean, what: string) => {
      const found = resources.filter(pred);
      assert.equal(found.length, 1, what);
      return found[0];
    };
    const release = (chart: RegExp) => urnOf((r) => r.type === "kubernetes:helm.sh/v3:Release" && chart.test(String(r.inputs.chart)), String(chart));
    const certManager = release(/cert-manager$/);
    const envoy = release(/gateway-helm$/);
    const gpuOperator = release(/^gpu-operator$/);
    const kps = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "kube-prometheus-stack");
    // cert-manager's Gateway API shim exits at start until the Gateway API CRDs (Envoy Gateway's chart) exist.
    assert.ok(certManager.dependsOn.includes(envoy.urn), "cert-manager waits for Envoy Gateway");
    // The GPU operator creates the DCGM ServiceMonitor only if the monitoring.coreos.com CRDs already exist.
    const gpuKps = kps.find((r) => r.urn.includes("gpu"))!;
    assert.ok(gpuOperator.dependsOn.includes(gpuKps.urn), "the GPU operator waits for the GPU cluster's Prometheus");
    // Workloads wait for nodes to schedule on.
    const monitoringPool = urnOf((r) => r.type === "ovh:CloudProject/kubeNodePool:KubeNodePool" && r.name === "ovh-llm-prod-monitoring-monitoring", "monitoring pool");
    const centralKps = kps.find((r) => !r.urn.includes("gpu"))!;
    assert.ok(centralKps.dependsOn.includes(monitoringPool.urn), "the central Prometheus waits for the monitoring nodes");
  });
});
