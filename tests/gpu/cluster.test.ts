import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../../config/stackFile";
import { parseConfig, type GpuClusterConfig } from "../../config/schema";
import { GpuInferenceCluster } from "../../components/gpu/inferenceCluster";
import { API_KEY_SECRET, FEDERATION_HTPASSWD_SECRET, HF_TOKEN_SECRET } from "../../components/gpu/layout";
import { installMocks, isSecret, MockRecorder, plainStrings, settle, valueOf } from "../../scripts/plan/mockRecorder";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const prod = () => parseConfig(readStackFile("prod").projectConfig);

describe("GpuInferenceCluster (mocks)", () => {
  let mocks: MockRecorder;
  beforeEach(async () => {
    mocks = await installMocks("prod");
  });

  async function build(gpu: GpuClusterConfig, secrets: { hfToken?: string; apiKey?: string } = {}) {
    const config = prod();
    const c = new GpuInferenceCluster("gpu", {
      serviceName: config.serviceName,
      config: gpu,
      environment: "prod",
      ...(secrets.hfToken ? { hfToken: pulumi.secret(secrets.hfToken) } : {}),
      ...(secrets.apiKey ? { apiKey: pulumi.secret(secrets.apiKey) } : {}),
    });
    const [apiKey, credential, endpoints, target] = await Promise.all([valueOf(c.apiKey), valueOf(c.metricsCredential), valueOf(c.endpoints), valueOf(c.metricsScrapeTarget)]);
    await valueOf(c.kubeconfig);
    await settle();
    return { c, apiKey, credential, endpoints, target };
  }

  it("creates the cluster with a tainted GPU pool and everything else on its provider", async () => {
    const gpu = prod().gpuCluster!;
    await build(gpu, { hfToken: "hf_secret_token_value" });
    const pools = mocks.ofType("ovh:CloudProject/kubeNodePool:KubeNodePool");
    const gpuPool = pools.find((p) => p.inputs.name === "gpu")!;
    assert.deepEqual(gpuPool.inputs.template.spec.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    assert.equal(gpuPool.inputs.flavorName, "l40s-90");
    assert.ok(pools.some((p) => p.inputs.name === "system"));

    const [provider] = mocks.ofType("pulumi:providers:kubernetes");
    const onCluster = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(onCluster.length > 20);
    for (const r of onCluster) assert.ok(r.provider?.includes(provider.name), `${r.type} ${r.name} is not on the GPU cluster's provider`);

    const releases = Object.fromEntries(mocks.ofType(RELEASE).map((r) => [r.inputs.name, r.inputs]));
    assert.deepEqual(Object.keys(releases).sort(), ["cert-manager", "envoy-gateway", "gpu-kps", "gpu-operator", "keda"]);
    assert.equal(releases["gpu-operator"].version, "v26.7.0");
    assert.equal(releases["gpu-operator"].values.driver.version, gpu.gpuDriverVersion);
    assert.match(releases["gpu-operator"].values.dcgmExporter.config.data, /DCGM_FI_DEV_ECC_DBE_VOL_TOTAL/);
    assert.equal(releases["cert-manager"].values.crds.enabled, true);

    const sts = mocks.ofType("kubernetes:apps/v1:StatefulSet");
    assert.deepEqual(sts.map((s) => s.inputs.metadata.name), gpu.models.map((m) => m.name));
    for (const kind of ["keda.sh/v1alpha1:ScaledObject", "gateway.networking.k8s.io/v1:Gateway", "gateway.networking.k8s.io/v1:HTTPRoute", "cert-manager.io/v1:ClusterIssuer", "gateway.envoyproxy.io/v1alpha1:SecurityPolicy", "monitoring.coreos.com/v1:ServiceMonitor", "networking.k8s.io/v1:NetworkPolicy"])
      assert.ok(mocks.ofType(`kubernetes:${kind}`).length > 0, `no ${kind}`);
    assert.equal(mocks.ofType("kubernetes:http.keda.sh/v1beta1:InterceptorRoute").length, 0, "scale-to-zero is off");
  });

  it("outputs the endpoints, a secret API key and the federation target with a secret credential", async () => {
    const { c, apiKey, credential, endpoints, target } = await build(prod().gpuCluster!);
    assert.deepEqual(endpoints, [{ name: "qwen3-vl-8b", url: "https://qwen3-vl.llm.example.com/v1", servedModelName: "qwen3-vl-8b" }]);
    assert.ok(await isSecret(c.apiKey));
    assert.ok(await isSecret(c.kubeconfig));
    assert.ok(await isSecret(c.metricsCredential));
    assert.ok(await isSecret(c.metricsScrape.credential));
    assert.match(apiKey, /^mock-password-gpu-api-key/, "a generated key when none is configured");
    assert.ok(credential.length >= 20);
    assert.equal(target.host, "metrics.llm.example.com");
    assert.deepEqual(target.auth, { type: "basic", username: "federate" });
    const htpasswd = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === FEDERATION_HTPASSWD_SECRET)!;
    assert.match(htpasswd.inputs.stringData[".htpasswd"], /^federate:\{SHA\}[A-Za-z0-9+/]{27}=$/);
  });

  it("outputs the Gateway's public address read from the live object, empty until OVH assigns one", async () => {
    const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
    const live = (a: pulumi.runtime.MockResourceArgs) => (a.id ? { status: { addresses: [{ type: "IPAddress", value: "203.0.113.7" }] } } : {});
    mocks = await installMocks("prod", { [GATEWAY]: live });
    const { c } = await build(prod().gpuCluster!);
    assert.equal(await valueOf(c.gatewayAddress), "203.0.113.7");
    const read = mocks.ofType(GATEWAY).filter((r) => r.name === "gpu-gateway-status");
    assert.equal(read.length, 1, "the live Gateway is read once");
    assert.equal(read[0].id, "gpu-gateway-status-id");

    mocks = await installMocks("prod");
    const pending = await build(prod().gpuCluster!);
    assert.equal(await valueOf(pending.c.gatewayAddress), "");
  });

  it("uses a configured API key and never leaves a secret in plain inputs", async () => {
    const apiKeyValue = "sk-configured-api-key-0123456789";
    const hf = "hf_secret_token_value_42";
    const { credential } = await build(prod().gpuCluster!, { hfToken: hf, apiKey: apiKeyValue });
    assert.equal(mocks.ofType("random:index/randomPassword:RandomPassword").filter((r) => r.name.includes("api-key")).length, 0);
    const secrets = Object.fromEntries(mocks.ofType("kubernetes:core/v1:Secret").map((s) => [s.inputs.metadata.name, s.inputs.stringData]));
    assert.equal(secrets[API_KEY_SECRET.name][API_KEY_SECRET.key], apiKeyValue);
    assert.equal(secrets[HF_TOKEN_SECRET.name][HF_TOKEN_SECRET.key], hf);
    const s3Keys = mocks.ofType("ovh:CloudProject/s3Credential:S3Credential").map((c) => `mock-secret-key-${c.name}`);
    assert.equal(s3Keys.length, 2);
    const needles = [apiKeyValue, hf, credential, ...s3Keys];
    const leaks = mocks.resources.flatMap((r) => plainStrings(r.rawInputs).filter((s) => needles.some((n) => s.value.includes(n))).map((s) => `${r.type} ${r.name} ${s.path}`));
    assert.deepEqual(leaks, []);
    // The htpasswd hash is derived from the password: it must be secret too.
    const htpasswd = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === FEDERATION_HTPASSWD_SECRET)!;
    assert.ok(!plainStrings(htpasswd.rawInputs).some((s) => s.value.includes("{SHA}")));
  });

  it("installs the KEDA HTTP add-on and routes through its interceptor only with scale-to-zero", async () => {
    const gpu = prod().gpuCluster!;
    await build({ ...gpu, autoscaling: { ...gpu.autoscaling, scaleToZero: true }, models: gpu.models.map((m) => ({ ...m, minReplicas: 0 })) });
    const addOn = mocks.ofType(RELEASE).find((r) => r.inputs.name === "keda-add-ons-http");
    assert.equal(addOn?.inputs.version, "0.15.0");
    assert.equal(mocks.ofType("kubernetes:http.keda.sh/v1beta1:InterceptorRoute").length, 1);
    const route = mocks.ofType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.inputs.metadata.name === gpu.models[0].name)!;
    assert.equal(route.inputs.spec.rules[0].backendRefs[0].namespace, "keda");
  });

  it("keeps one model store per cluster: a bucket, a reader for vLLM, a writer for the download Jobs", async () => {
    const gpu = prod().gpuCluster!;
    await build(gpu, { hfToken: "hf_secret_token_value" });
    const [bucket] = mocks.ofType("ovh:CloudProject/storage:Storage");
    assert.deepEqual([bucket.inputs.name, bucket.inputs.regionName, bucket.inputs.hideObjects], ["ovh-llm-prod-weights-01234567", "GRA", true]);
    const users = mocks.ofType("ovh:CloudProject/user:User");
    assert.deepEqual(users.map((u) => u.inputs.roleNames), [["objectstore_operator"], ["objectstore_operator"]]);
    const policies = mocks.ofType("ovh:CloudProject/s3Policy:S3Policy").map((p) => JSON.parse(p.inputs.policy).Statement[0]);
    assert.deepEqual(policies.map((p) => p.Sid).sort(), ["ReadModelWeights", "WriteModelWeights"]);
    const secrets = Object.fromEntries(mocks.ofType("kubernetes:core/v1:Secret").map((s) => [s.inputs.metadata.name, s.inputs.stringData]));
    for (const role of ["weights-reader", "weights-writer"]) assert.deepEqual(Object.keys(secrets[role]).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
  });

  it("downloads each model revision once per cluster, and the replicas wait for it", async () => {
    const gpu = prod().gpuCluster!;
    await build(gpu, { hfToken: "hf_secret_token_value" });
    const jobs = mocks.ofType("kubernetes:batch/v1:Job");
    assert.deepEqual(jobs.map((j) => j.inputs.metadata.name), ["weights-qwen3-vl-8b-0c351dd01ed8"]);
    const pod = jobs[0].inputs.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { "ovh-llm/pool": "system" });
    assert.ok(JSON.stringify(pod).includes(HF_TOKEN_SECRET.name), "the Job reads the HF token");
    const [sts] = mocks.ofType("kubernetes:apps/v1:StatefulSet");
    assert.ok(!JSON.stringify(sts.inputs).includes(HF_TOKEN_SECRET.name), "no replica reads the HF token");
    assert.match(sts.inputs.spec.template.spec.containers[0].args[0], /^s3:\/\/ovh-llm-prod-weights-01234567\/models\/Qwen\/Qwen3-VL-8B-Instruct\/0c351dd01ed87e9c1b53cbc748cba10e6187ff3b$/);
  });
});
