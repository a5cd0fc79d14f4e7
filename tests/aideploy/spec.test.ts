import { strict as assert } from "assert";
import {
  APP_LABEL,
  ENVIRONMENT_LABEL,
  STACK_LABEL,
  appSpecInput,
  labelChanges,
  labelValue,
  scalingStrategyInput,
  tokenInput,
  updateInput,
  withHfToken,
  type AppBody,
  type Ownership,
} from "../../components/aideploy/spec";
import { VLLM } from "../../components/metrics/catalogue";
import { aiDeploySchema, parseConfig, type AiDeployConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { checkBody } from "../fakes/ovhApi";

const OWNER: Ownership = { appId: "0a1b2c3d4e5f", stack: "prod", environment: "prod" };

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
    const body = withHfToken(appSpecInput(config, OWNER), "hf_test"); // -e HF_TOKEN=$MY_HF_TOKEN
    const probe = (path: string) => ({ path, port: 8000, initialDelaySeconds: 300, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 });
    const expected: AppBody = {
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
      // --label ai_deploy_token=...: ours selects exactly this app resource of this stack
      labels: { "ovh-llm-app": "0a1b2c3d4e5f", "ovh-llm-stack": "prod", "ovh-llm-env": "prod" },
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
        },
      },
      volumes: [
        { mountPath: "/hub", permission: "RW", cache: false, volumeSource: { standalone: { name: "hub" } } },
        { mountPath: "/workspace", permission: "RW", cache: false, volumeSource: { standalone: { name: "workspace" } } },
      ],
      unsecureHttp: false,
    };
    assert.deepEqual(body, expected);
    checkBody("AppSpecInput", body); // and the schema-derived fake accepts it
  });

  for (const stack of ["dev", "prod"]) {
    it(`the ${stack} stack's body is private, labelled for its token, and valid for the API`, () => {
      const config = parseConfig(readStackFile(stack).projectConfig);
      const body = appSpecInput(config.aiDeploy!, { ...OWNER, stack, environment: config.environment });
      assert.equal(body.unsecureHttp, false);
      assert.equal(tokenInput(config.aiDeploy!, OWNER).labelSelector, `${APP_LABEL}=${body.labels[APP_LABEL]}`);
      checkBody("AppSpecInput", body);
      assert.doesNotThrow(() => checkBody("AppSpecInput", withHfToken(body, "hf_x")));
      assert.doesNotThrow(() => checkBody("UpdateInput", updateInput(body, ["GONE"])));
      assert.doesNotThrow(() => checkBody("ScalingStrategyInput", body.scalingStrategy));
    });
  }

  it("min == max is a fixed strategy (a metric could not change anything)", () => {
    assert.deepEqual(scalingStrategyInput(cfg({ autoscaling: { minReplicas: 2, maxReplicas: 2 } })), { fixed: { replicas: 2 } });
    const dev = parseConfig(readStackFile("dev").projectConfig).aiDeploy!;
    assert.deepEqual(scalingStrategyInput(dev), { fixed: { replicas: 1 } });
  });

  it("scales to zero with the schema's fields only (no stabilization windows or cooldown: ScalingAutomaticStrategyInput has none)", () => {
    const toZero = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 0, maxReplicas: 2 } }));
    assert.deepEqual(Object.keys(toZero.automatic ?? {}).sort(), ["customMetrics", "replicasMax", "replicasMin"]);
    checkBody("ScalingStrategyInput", toZero);
    assert.throws(() => cfg({ autoscaling: { minReplicas: 0, maxReplicas: 2, cooldownPeriodSeconds: 600 } }), /cooldownPeriodSeconds/);
  });

  it("autoscales on catalogue gauges/counters only, label selectors allowed; the default is the catalogue's running requests", () => {
    assert.equal(cfg().autoscaling.metric, VLLM.numRequestsRunning.name);
    const s = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2, metric: 'vllm:num_requests_waiting{model_name="x"}' } }));
    assert.equal(s.automatic?.customMetrics?.valueLocation, 'vllm:num_requests_waiting{model_name="x"}');
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
    assert.throws(() => cfg({ labels: { team: "a-value-longer-than-15" } }), /1 to 15 characters/);
  });

  it("ownership labels fit OVH's label rule (1-15 characters) whatever the stack and environment names", () => {
    const labels = appSpecInput(cfg(), { appId: "0a1b2c3d4e5f", stack: "Alice.Personal_Dev-Stack-Of-Many-Words", environment: "staging-environment-eu" }).labels;
    assert.deepEqual([labels[APP_LABEL], labels[STACK_LABEL], labels[ENVIRONMENT_LABEL]], ["0a1b2c3d4e5f", "alice.personal", "staging-environ"]);
    for (const [k, v] of Object.entries(labels)) assert.ok(k.length <= 15 && v.length >= 1 && v.length <= 15, `${k}=${v}`);
    assert.equal(labelValue("--"), "x");
  });

  it("label changes: set what differs, delete what is gone, never touch OVH's ovh/ labels", () => {
    assert.deepEqual(labelChanges({ "ovh/id": "1", a: "1", b: "2" }, { a: "1", c: "3" }), [{ name: "c", value: "3" }, { name: "b" }]);
  });

  it("token: role from config, selector = the app resource's id, the name carries project, app and id (TokenSpec has no labels)", () => {
    assert.deepEqual(tokenInput(cfg(), OWNER), { name: "ovh-llm-vllm-test-0a1b2c3d4e5f", region: "GRA", role: "ai_training_read", labelSelector: "ovh-llm-app=0a1b2c3d4e5f" });
    assert.equal(tokenInput(cfg({ token: { role: "operator" } }), OWNER).role, "ai_training_operator");
    checkBody("TokenSpec", tokenInput(cfg(), OWNER));
  });

  it("the update body is OVH's flat UpdateInput: url, flavor, gpu; removed env vars are sent empty; the stored body is never mutated", () => {
    const body = appSpecInput(cfg({ env: { KEEP: "1" } }), OWNER);
    const before = JSON.stringify(body);
    const update = updateInput(withHfToken(body, "hf_secret"), ["KEEP", "OLD_VAR", "HF_TOKEN"]);
    assert.deepEqual(Object.keys(update).sort(), ["command", "defaultHttpPort", "envVars", "flavor", "gpu", "livenessProbe", "probe", "url"]);
    assert.deepEqual([update.url, update.flavor, update.gpu], ["vllm/vllm-openai:v0.31.0", "l4-1-gpu", 1]);
    assert.deepEqual(update.envVars, [{ name: "KEEP", value: "1" }, { name: "HF_TOKEN", value: "hf_secret" }, { name: "OLD_VAR", value: "" }]);
    assert.deepEqual(updateInput(body, ["HF_TOKEN"]).envVars, [{ name: "KEEP", value: "1" }, { name: "HF_TOKEN", value: "" }], "hfToken unset: HF_TOKEN removed");
    checkBody("UpdateInput", update);
    assert.equal(JSON.stringify(body), before);
    assert.ok(!before.includes("hf_secret"));
  });

  it("the schema-derived checks answer like OVH: undescribed, missing, mistyped, unknown enum value", () => {
    const body = appSpecInput(cfg(), OWNER);
    assert.throws(() => checkBody("UpdateInput", { image: "x", resources: { flavor: "l4-1-gpu" } }), /^Error: Received not described parameters: \(image, resources\)$/);
    const { name: _n, ...nameless } = body;
    assert.throws(() => checkBody("AppSpecInput", nameless), /Missing parameter.*\(name\)/);
    assert.throws(() => checkBody("UpdateInput", { gpu: "2" }), /Body parameter gpu isn't formated correctly/);
    const automatic = scalingStrategyInput(cfg({ autoscaling: { minReplicas: 1, maxReplicas: 2 } })).automatic!;
    assert.throws(() => checkBody("ScalingStrategyInput", { automatic: { ...automatic, customMetrics: { ...automatic.customMetrics, aggregationType: "MEDIAN" } } }), /aggregationType isn't formated correctly.*AVERAGE, MAX, MIN, SUM/);
  });
});
