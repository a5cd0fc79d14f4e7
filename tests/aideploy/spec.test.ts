import { strict as assert } from "assert";
import {
  APP_LABEL,
  appSpecInput,
  scalingStrategyInput,
  tokenInput,
  updateInput,
  withHfToken,
  type AppSpecInput,
} from "../../components/aideploy/spec";
import { VLLM } from "../../components/metrics/catalogue";
import { aiDeploySchema, parseConfig, type AiDeployConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { validateAppSpec, validateScaling } from "../fakes/ovhApi";

const cfg = (over: Record<string, unknown> = {}): AiDeployConfig =>
  aiDeploySchema.parse({ name: "vllm-test", region: "GRA", image: "vllm/vllm-openai:v0.31.0", model: "Qwen/Qwen3-8B", flavor: "l4-1-gpu", ...over });

describe("AI Deploy request bodies", () => {
  it("equals the reference `ovhai app run ... --auto-custom-*` command of the seed, with vllm serve", () => {
    // The seed's command (reference architecture, step 2), as config:
    const config = aiDeploySchema.parse({
      name: "vllm-ministral-14b-autoscaling",
      region: "GRA",
      image: "vllm/vllm-openai:v0.13.0",
      model: "mistralai/Ministral-3-14B-Instruct-2512",
      flavor: "h100-1-gpu", // --flavor h100-1-gpu
      gpu: 1, // --gpu 1
      port: 8000, // --default-http-port 8000
      vllmArgs: ["--tokenizer-mode", "mistral", "--load-format", "mistral", "--config-format", "mistral", "--enable-auto-tool-choice", "--tool-call-parser", "mistral", "--enable-prefix-caching"],
      env: { OUTLINES_CACHE_DIR: "/tmp/.outlines", HF_HOME: "/hub", HF_DATASETS_TRUST_REMOTE_CODE: "1", HF_HUB_ENABLE_HF_TRANSFER: "0" },
      volumes: [
        { mountPath: "/hub", permission: "RW" }, // -v standalone:/hub:rw
        { mountPath: "/workspace", permission: "RW" }, // -v standalone:/workspace:rw
      ],
      livenessProbe: { path: "/health", port: 8000, initialDelaySeconds: 300 },
      readinessProbe: { path: "/v1/models", port: 8000, initialDelaySeconds: 300 },
      autoscaling: { minReplicas: 1, maxReplicas: 3, metric: "vllm:num_requests_running", targetValue: 50, aggregation: "AVERAGE" },
    });
    const body = withHfToken(appSpecInput(config, "prod"), "hf_test"); // -e HF_TOKEN=$MY_HF_TOKEN
    const probe = (path: string) => ({ path, port: 8000, initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 });
    const expected: AppSpecInput = {
      name: "vllm-ministral-14b-autoscaling",
      image: "vllm/vllm-openai:v0.13.0",
      region: "GRA",
      resources: { flavor: "h100-1-gpu", gpu: 1 },
      // `-- bash -c "python3 -m vllm.entrypoints.openai.api_server --model ... "` as vllm serve (underscored flags are
      // the old spelling of the same options)
      command: [
        "vllm", "serve", "mistralai/Ministral-3-14B-Instruct-2512",
        "--served-model-name", "mistralai/Ministral-3-14B-Instruct-2512", "--port", "8000",
        "--tokenizer-mode", "mistral", "--load-format", "mistral", "--config-format", "mistral",
        "--enable-auto-tool-choice", "--tool-call-parser", "mistral", "--enable-prefix-caching",
      ],
      defaultHttpPort: 8000,
      envVars: [
        { name: "HF_DATASETS_TRUST_REMOTE_CODE", value: "1" },
        { name: "HF_HOME", value: "/hub" },
        { name: "HF_HUB_ENABLE_HF_TRANSFER", value: "0" },
        { name: "OUTLINES_CACHE_DIR", value: "/tmp/.outlines" },
        { name: "HF_TOKEN", value: "hf_test" },
      ],
      // --label ai_deploy_token=...: ours selects exactly this app
      labels: { "ovh-llm-app": "vllm-ministral-14b-autoscaling", "ovh-llm-environment": "prod" },
      probe: probe("/v1/models"), // --probe-path /v1/models --probe-port 8000 --initial-delay-seconds 300
      livenessProbe: probe("/health"), // --liveness-probe-path /health --liveness-probe-port 8000 --liveness-initial-delay-seconds 300
      scalingStrategy: {
        automatic: {
          replicasMin: 1, // --auto-min-replicas 1
          replicasMax: 3, // --auto-max-replicas 3
          customMetrics: {
            apiUrl: "http://<SELF>:8000/metrics", // --auto-custom-api-url
            format: "PROMETHEUS", // --auto-custom-metric-format
            valueLocation: "vllm:num_requests_running", // --auto-custom-value-location
            targetValue: 50, // --auto-custom-target-value
            aggregationType: "AVERAGE", // --auto-custom-metric-aggregation-type
          },
          scaleUpStabilizationWindowSeconds: 0,
          scaleDownStabilizationWindowSeconds: 300,
        },
      },
      volumes: [
        { mountPath: "/hub", permission: "RW", cache: false, volumeSource: { standalone: { name: "hub" } } },
        { mountPath: "/workspace", permission: "RW", cache: false, volumeSource: { standalone: { name: "workspace" } } },
      ],
      unsecureHttp: false,
    };
    assert.deepEqual(body, expected);
    validateAppSpec(body); // and the strict fake accepts it
  });

  for (const stack of ["dev", "prod"]) {
    it(`the ${stack} stack's body is private, labelled for its token, and valid for the API`, () => {
      const config = parseConfig(readStackFile(stack).projectConfig);
      const body = appSpecInput(config.aiDeploy!, config.environment);
      assert.equal(body.unsecureHttp, false);
      assert.equal(tokenInput(config.aiDeploy!, config.environment).labelSelector, `${APP_LABEL}=${body.labels[APP_LABEL]}`);
      validateAppSpec(body);
      assert.doesNotThrow(() => validateAppSpec(withHfToken(body, "hf_x")));
    });
  }

  it("min == max is a fixed strategy (a metric could not change anything)", () => {
    assert.deepEqual(scalingStrategyInput(cfg({ autoscaling: { minReplicas: 2, maxReplicas: 2 } })), { fixed: { replicas: 2 } });
    const dev = parseConfig(readStackFile("dev").projectConfig).aiDeploy!;
    assert.deepEqual(scalingStrategyInput(dev), { fixed: { replicas: 1 } });
  });

  it("sends cooldownPeriodSeconds only when scaling to zero", () => {
    const toZero = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 0, maxReplicas: 2, cooldownPeriodSeconds: 600 } }));
    assert.ok("automatic" in toZero);
    assert.equal(toZero.automatic.cooldownPeriodSeconds, 600);
    validateScaling(toZero);
    const fromOne = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2 } }));
    assert.ok("automatic" in fromOne && !("cooldownPeriodSeconds" in fromOne.automatic));
  });

  it("autoscales on catalogue gauges/counters only, label selectors allowed; the default is the catalogue's running requests", () => {
    assert.equal(cfg().autoscaling.metric, VLLM.numRequestsRunning.name);
    const s = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2, metric: 'vllm:num_requests_waiting{model_name="x"}' } }));
    assert.ok("automatic" in s && s.automatic.customMetrics.valueLocation === 'vllm:num_requests_waiting{model_name="x"}');
    assert.throws(() => cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2, metric: "vllm:time_to_first_token_seconds" } }), /gauge or counter of the metric catalogue/);
    assert.throws(() => cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2, metric: "vllm:gpu_cache_usage_perc" } }), /gauge or counter of the metric catalogue/);
  });

  it("refuses secrets in plain env, flags the program owns, and reserved labels", () => {
    // The config schema refuses them (so `pulumi preview` fails before anything is built).
    assert.throws(() => cfg({ env: { HF_TOKEN: "hf_x" } }), /secret hfToken/);
    assert.throws(() => cfg({ vllmArgs: ["--port=9000"] }), /--port/);
    assert.throws(() => cfg({ vllmArgs: ["--disable-log-stats"] }), /--disable-log-stats/);
    assert.throws(() => cfg({ labels: { "ovh/team": "x" } }), /reserved by OVH/);
    assert.throws(() => cfg({ labels: { [APP_LABEL]: "other" } }), /set by the program/);
  });

  it("token: role from config, selector = the app's label, named per environment", () => {
    assert.deepEqual(tokenInput(cfg(), "dev"), { name: "vllm-test-dev-access", region: "GRA", role: "ai_training_read", labelSelector: "ovh-llm-app=vllm-test" });
    assert.equal(tokenInput(cfg({ token: { role: "operator" } }), "dev").role, "ai_training_operator");
  });

  it("the update body holds only in-place fields, and adding the HF token never mutates the stored body", () => {
    const body = appSpecInput(cfg(), "dev");
    const before = JSON.stringify(body);
    const update = updateInput(withHfToken(body, "hf_secret"));
    assert.deepEqual(Object.keys(update).sort(), ["command", "defaultHttpPort", "envVars", "image", "livenessProbe", "probe", "resources"]);
    assert.deepEqual(update.envVars, [{ name: "HF_TOKEN", value: "hf_secret" }]);
    assert.equal(JSON.stringify(body), before);
    assert.ok(!before.includes("hf_secret"));
  });
});
