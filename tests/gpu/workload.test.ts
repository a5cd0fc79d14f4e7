import { strict as assert } from "assert";
import { parser } from "@prometheus-io/lezer-promql";
import type { GpuModelConfig } from "../../config/schema";
import { VLLM } from "../../components/metrics/catalogue";
import { kedaQueueDepthQuery } from "../../components/observability/queries";
import { autoscalingObjects, interceptorRoute, scaledObject } from "../../components/gpu/autoscaling";
import { API_KEY_SECRET, HF_TOKEN_SECRET, HTTP_ADDON_SCALER_ADDRESS, NAMESPACES, PROMETHEUS_URL, RELEASES, VLLM_PORT } from "../../components/gpu/layout";
import { podLabels, vllmArgs, vllmNetworkPolicy, vllmPodDisruptionBudget, vllmService, vllmServiceMonitor, vllmStatefulSet, type WorkloadContext } from "../../components/gpu/vllm";
import { bucketPolicy, COMPLETE_MARKER, weightsJob, weightsJobName, WEIGHTS_SECRETS, weightsPrefix } from "../../components/gpu/weights";
import { gpuWeightsStore, prodGpu } from "../helpers/stacks";


function model(overrides: Partial<GpuModelConfig> = {}): GpuModelConfig {
  return { ...prodGpu().models[0], ...overrides };
}

function ctx(overrides: Partial<WorkloadContext> = {}): WorkloadContext {
  const gpu = prodGpu();
  const pool = gpu.cluster.nodePools.find((p) => p.name === "gpu")!;
  return { namespace: gpu.namespace, gpuPool: pool, weights: gpuWeightsStore(gpu), scaleToZero: false, ...overrides };
}

const podSpec = (m = model(), c = ctx()) => (vllmStatefulSet(m, c).spec as any).template.spec;
const container = (m = model(), c = ctx()) => podSpec(m, c).containers[0];

describe("GPU cluster: vLLM workload builders", () => {
  it("runs `vllm serve <pinned revision in the bucket>` with the configured flags and no API key on the command line", () => {
    const m = model({ extraArgs: ["--max-num-seqs", "64"], tensorParallelSize: 2 });
    const c = container(m);
    assert.deepEqual(c.command, ["vllm", "serve"]);
    assert.deepEqual(c.args, [
      `s3://${gpuWeightsStore().bucket}/models/Qwen/Qwen3-VL-8B-Instruct/0c351dd01ed87e9c1b53cbc748cba10e6187ff3b`,
      "--load-format", "runai_streamer",
      "--served-model-name", "qwen3-vl-8b",
      "--max-model-len", "32768",
      "--gpu-memory-utilization", "0.9",
      "--tensor-parallel-size", "2",
      "--port", "8000",
      "--max-num-seqs", "64",
    ]);
    assert.ok(!vllmArgs(m, gpuWeightsStore()).some((a) => a.startsWith("--api-key")), "--api-key would be visible in ps and the pod spec");
    assert.match(c.image, /^vllm\/vllm-openai:v\d/);
  });

  it("a scale-out adds no Hugging Face download: the replicas' pod spec never reaches the Hub and has nothing to fill", () => {
    const spec = vllmStatefulSet(model(), ctx()).spec as any;
    const pod = spec.template.spec;
    const containers = [...pod.initContainers, ...pod.containers];
    const env = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
    // No Hugging Face credential or id anywhere in the pod; the Hub is switched off in vLLM.
    for (const c of containers) {
      assert.equal(env(c).HF_TOKEN, undefined, `${c.name} reads the HF token`);
      assert.ok(!JSON.stringify(c).includes(HF_TOKEN_SECRET.name), `${c.name} mounts the HF token Secret`);
    }
    const vllm = pod.containers[0];
    assert.equal(env(vllm).HF_HUB_OFFLINE.value, "1");
    assert.ok(!vllm.args.includes(model().model), "the model is not named by its Hugging Face id");
    assert.ok(vllm.args[0].startsWith("s3://") && vllm.args[0].endsWith(`/${model().revision}`), vllm.args[0]);
    // Weights come from Object Storage with the reader's keys (the streamer reads the AWS_* variables).
    assert.equal(env(vllm).AWS_ENDPOINT_URL.value, "https://s3.gra.io.cloud.ovh.net");
    assert.equal(env(vllm).RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING.value, "0");
    assert.deepEqual(vllm.envFrom, [{ secretRef: { name: WEIGHTS_SECRETS.reader } }]);
    // Nothing per replica to download into: no claim template, only emptyDirs.
    assert.equal(spec.volumeClaimTemplates, undefined);
    assert.ok(pod.volumes.every((v: any) => v.emptyDir), JSON.stringify(pod.volumes));
    // The gate only asks the bucket whether the revision is complete; it never downloads.
    const [gate] = pod.initContainers;
    assert.equal(gate.name, "weights-ready");
    assert.equal(env(gate).WEIGHTS_PREFIX.value, weightsPrefix(model()));
    assert.match(gate.command[2], new RegExp(`head_object[\\s\\S]*${COMPLETE_MARKER}|${COMPLETE_MARKER}[\\s\\S]*head_object`));
    assert.ok(!/huggingface|hf_hub|get_object|download_file/.test(gate.command[2]), "the gate must not fetch weights");
  });

  it("downloads each revision once, in a Job named by the revision, with the HF token and the writer's keys", () => {
    const m = model();
    const ctx = { namespace: "inference", store: gpuWeightsStore(), hfToken: HF_TOKEN_SECRET, poolName: "system", labels: { "app.kubernetes.io/instance": m.name } };
    const job = weightsJob(m, ctx) as any;
    assert.equal(job.metadata.name, weightsJobName(m));
    assert.equal(weightsJobName(m), "weights-qwen3-vl-8b-0c351dd01ed8");
    assert.notEqual(weightsJobName({ ...m, revision: "f".repeat(40) }), job.metadata.name, "a new revision is a new Job");
    const pod = job.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { "ovh-llm/pool": "system" }, "runs on the CPU pool, not a GPU node");
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e]));
    assert.deepEqual([env.MODEL.value, env.REVISION.value, env.WEIGHTS_PREFIX.value], [m.model, m.revision, weightsPrefix(m)]);
    assert.deepEqual(env.HF_TOKEN.valueFrom, { secretKeyRef: { name: HF_TOKEN_SECRET.name, key: HF_TOKEN_SECRET.key } });
    assert.deepEqual(pod.containers[0].envFrom, [{ secretRef: { name: WEIGHTS_SECRETS.writer } }]);
    // Skips the whole download when the revision is already complete; writes the marker last.
    const script: string = pod.containers[0].command[2];
    assert.ok(script.indexOf(COMPLETE_MARKER) < script.indexOf("model_info"), "checks the marker before contacting the Hub");
    assert.ok(script.lastIndexOf("put_object") > script.lastIndexOf("upload_file"), "the marker comes after every file");
    // Its pods are not the model's pods: the Service and NetworkPolicy never select them.
    assert.notDeepEqual(job.spec.template.metadata.labels, podLabels(m));
    assert.ok(!Object.entries(podLabels(m)).every(([k, v]) => job.spec.template.metadata.labels[k] === v));
    const noToken = weightsJob(m, { ...ctx, hfToken: undefined }) as any;
    assert.ok(!noToken.spec.template.spec.containers[0].env.some((e: any) => e.name === "HF_TOKEN"));
  });

  it("limits each Object Storage user to the bucket: vLLM reads, the Job writes", () => {
    const read = JSON.parse(bucketPolicy("b", "read")).Statement[0];
    const write = JSON.parse(bucketPolicy("b", "write")).Statement[0];
    assert.deepEqual(read.Resource, ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    assert.ok(!read.Action.includes("s3:PutObject"));
    assert.ok(write.Action.includes("s3:PutObject") && !write.Action.includes("s3:DeleteObject"));
  });

  it("reads the API key from a Secret, and puts HF_HOME and vLLM's caches on a scratch emptyDir", () => {
    const env = Object.fromEntries(container().env.map((e: any) => [e.name, e]));
    assert.deepEqual(env.VLLM_API_KEY.valueFrom, { secretKeyRef: { name: API_KEY_SECRET.name, key: API_KEY_SECRET.key } });
    assert.equal(env.VLLM_API_KEY.value, undefined);
    const mounts = Object.fromEntries(container().volumeMounts.map((v: any) => [v.name, v.mountPath]));
    assert.ok(env.HF_HOME.value.startsWith(mounts["model-cache"] + "/"));
    assert.ok(env.VLLM_ASSETS_CACHE.value.startsWith(mounts["model-cache"] + "/"));
    assert.equal(mounts.dshm, "/dev/shm");
    assert.deepEqual(podSpec().volumes.find((v: any) => v.name === "dshm").emptyDir.medium, "Memory");
  });

  it("starts replicas in parallel (no replica waits for another's load)", () => {
    assert.equal((vllmStatefulSet(model(), ctx()).spec as any).podManagementPolicy, "Parallel");
  });

  it("requests and limits as many GPUs as the tensor-parallel size", () => {
    const r = container(model({ tensorParallelSize: 4 })).resources;
    assert.deepEqual(r, { requests: { "nvidia.com/gpu": "4" }, limits: { "nvidia.com/gpu": "4" } });
  });

  it("lands only on the GPU pool, tolerates its taint, and keeps one replica per node", () => {
    const spec = podSpec();
    const terms = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions;
    assert.deepEqual(terms.find((t: any) => t.key === "ovh-llm/pool"), { key: "ovh-llm/pool", operator: "In", values: ["gpu"] });
    assert.deepEqual(spec.tolerations, [{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    const anti = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    assert.equal(anti.topologyKey, "kubernetes.io/hostname");
    assert.deepEqual(anti.labelSelector.matchLabels, podLabels(model()));
  });

  it("probes /health with a startup budget long enough for a model download", () => {
    const c = container();
    for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) assert.equal(p.httpGet.path, "/health");
    assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 30 * 60, "startup budget under 30 min");
    assert.ok(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold >= 60, "liveness must tolerate a busy minute");
  });

  it("hardens the container as far as the vLLM image allows", () => {
    const sc = container().securityContext;
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.privileged, false);
    assert.deepEqual(sc.capabilities.drop, ["ALL"]);
    assert.equal(sc.seccompProfile.type, "RuntimeDefault");
    assert.equal(podSpec().automountServiceAccountToken, false);
  });

  it("names the Service port for the ServiceMonitor, which scrapes /metrics with the release label and service=vllm", () => {
    const svc = vllmService(model(), ctx()).spec as any;
    assert.deepEqual(svc.ports[0].name, "http");
    assert.equal(svc.ports[0].port, VLLM_PORT);
    const sm = vllmServiceMonitor(model(), ctx());
    assert.equal(sm.metadata.labels?.release, RELEASES.prometheus);
    const ep = (sm.spec as any).endpoints[0];
    assert.equal(ep.port, "http");
    assert.equal(ep.path, "/metrics");
    assert.deepEqual(ep.relabelings, [{ action: "replace", targetLabel: "service", replacement: "vllm" }]);
  });

  it("keeps at most one replica voluntarily disrupted", () => {
    assert.equal((vllmPodDisruptionBudget(model(), ctx()).spec as any).maxUnavailable, 1);
  });

  it("lets only Envoy proxies and Prometheus reach vLLM (and the KEDA interceptor with scale-to-zero)", () => {
    const np = vllmNetworkPolicy(model(), ctx()).spec as any;
    assert.deepEqual(np.policyTypes, ["Ingress"]);
    const sources = (spec: any) => spec.ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    assert.deepEqual(sources(np), [NAMESPACES.gateway, NAMESPACES.monitoring]);
    assert.deepEqual(np.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/component"], "proxy");
    for (const rule of np.ingress) assert.deepEqual(rule.ports, [{ protocol: "TCP", port: VLLM_PORT }]);
    assert.deepEqual(sources(vllmNetworkPolicy(model(), ctx({ scaleToZero: true })).spec), [NAMESPACES.gateway, NAMESPACES.monitoring, NAMESPACES.keda]);
  });
});

describe("GPU cluster: KEDA autoscaling builders", () => {
  const autoscaling = () => prodGpu().autoscaling;

  it("scales the StatefulSet on the shared one-series queue-depth query of the GPU cluster's Prometheus", () => {
    const m = model({ minReplicas: 1, maxReplicas: 3 });
    const so = scaledObject(m, { namespace: "inference", autoscaling: { ...autoscaling(), queueDepthThreshold: 7, pollingIntervalSeconds: 20, cooldownPeriodSeconds: 600 } }).spec as any;
    assert.deepEqual(so.scaleTargetRef, { apiVersion: "apps/v1", kind: "StatefulSet", name: m.name });
    assert.deepEqual([so.minReplicaCount, so.maxReplicaCount, so.pollingInterval, so.cooldownPeriod], [1, 3, 20, 600]);
    assert.equal(so.triggers.length, 1);
    const t = so.triggers[0];
    assert.equal(t.type, "prometheus");
    assert.equal(t.metadata.serverAddress, PROMETHEUS_URL);
    assert.equal(t.metadata.threshold, "7");
    assert.equal(t.metadata.query, kedaQueueDepthQuery({ modelName: "qwen3-vl-8b", namespace: "inference" }));
    // One series: a bare sum() (no by/without) over the waiting-queue gauge.
    const tree = parser.parse(t.metadata.query);
    const top = tree.topNode.firstChild!;
    assert.equal(top.name, "AggregateExpr");
    assert.equal(top.getChild("AggregateOp")!.firstChild!.name, "Sum");
    assert.equal(top.getChild("AggregateModifier"), null, "sum by(...) would return several series");
    assert.ok(t.metadata.query.includes(VLLM.numRequestsWaiting.name));
    let error = false;
    tree.iterate({ enter: (n) => { if (n.type.isError) error = true; } });
    assert.equal(error, false, "query does not parse");
  });

  it("damps flapping and falls back to a fixed replica count when Prometheus is unreachable", () => {
    const so = scaledObject(model({ minReplicas: 1, maxReplicas: 4 }), { namespace: "inference", autoscaling: { ...autoscaling(), fallbackReplicas: 2, scaleDownStabilizationSeconds: 900 } }).spec as any;
    assert.equal(so.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds, 900);
    assert.ok(so.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies.length > 0);
    assert.deepEqual(so.fallback, { failureThreshold: 3, replicas: 2 });
    const capped = scaledObject(model({ minReplicas: 1, maxReplicas: 2 }), { namespace: "inference", autoscaling: { ...autoscaling(), fallbackReplicas: 9 } }).spec as any;
    assert.equal(capped.fallback.replicas, 2, "fallback must stay within maxReplicas");
  });

  it("adds the HTTP add-on's InterceptorRoute and external-push trigger only for scale-to-zero models", () => {
    const zero = model({ minReplicas: 0 });
    const on = { ...autoscaling(), scaleToZero: true };
    const objs = autoscalingObjects(zero, { namespace: "inference", autoscaling: on });
    assert.deepEqual(objs.map((o) => o.kind), ["InterceptorRoute", "ScaledObject"]);
    const so = objs[1].spec as any;
    assert.equal(so.minReplicaCount, 0);
    assert.deepEqual(so.triggers.map((t: any) => t.type), ["prometheus", "external-push"]);
    assert.deepEqual(so.triggers[1].metadata, { scalerAddress: HTTP_ADDON_SCALER_ADDRESS, interceptorRoute: zero.name });
    const ir = interceptorRoute(zero, { namespace: "inference" }).spec as any;
    assert.deepEqual(ir.rules, [{ hosts: [zero.hostname] }]);
    assert.deepEqual(ir.target, { service: zero.name, portName: "http" });
    assert.ok(ir.timeouts.readiness && ir.timeouts.readiness !== "0s", "a cold start must end in a 504, not hang forever");
    // minReplicas 1 keeps the plain Prometheus path even with scale-to-zero on.
    assert.deepEqual(autoscalingObjects(model({ minReplicas: 1 }), { namespace: "inference", autoscaling: on }).map((o) => o.kind), ["ScaledObject"]);
  });
});
