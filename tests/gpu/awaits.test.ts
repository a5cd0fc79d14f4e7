/**
 * Every awaited Kubernetes object the program creates (dev and prod, the real program under mocks) has a deliberate
 * await: `pulumi.com/skipAwait`, or a `pulumi.com/timeoutSeconds` at least as long as the chain of work it waits
 * for (bench/deploy/durations.ts). Kinds with an await in pulumi-kubernetes (provider/pkg/await: service.go,
 * statefulset.go, deployment.go, daemonset.go, job.go, pod.go, ingress.go; PVCs wait for Bound).
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { PROJECT } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { deployStack } from "../../program";
import { withoutClosureSerialization, withoutStackTraces } from "../../scripts/plan/lean";
import { MockRecorder, settle } from "../../scripts/plan/mockRecorder";
import {
  awaitChoice,
  JOB_CHAIN_MINUTES,
  JOB_TIMEOUT_MINUTES,
  SKIP_AWAIT,
  STATEFULSET_TIMEOUT_MINUTES,
  TIMEOUT_SECONDS,
  VLLM_CHAIN_MINUTES,
} from "../../components/gpu/awaits";
import { STARTUP_BUDGET_SECONDS, vllmService } from "../../components/gpu/vllm";
import { DURATIONS } from "../../bench/deploy/durations";
import type { K8sObject } from "../../components/gpu/k8s";
import type { GpuClusterConfig } from "../../config/schema";
import { prodGpu, gpuWeightsStore, stackConfig } from "../helpers/stacks";

const AWAITED_KINDS = new Set(["Service", "StatefulSet", "Deployment", "DaemonSet", "Job", "Pod", "PersistentVolumeClaim", "Ingress"]);

/** The expected choice by kind: skip, or a timeout at least this chain (minutes). */
const EXPECTED: Record<string, { skip: true } | { minMinutes: number }> = {
  Service: { skip: true },
  StatefulSet: { minMinutes: VLLM_CHAIN_MINUTES },
  Job: { minMinutes: JOB_CHAIN_MINUTES },
};

interface Created {
  name: string;
  kind: string;
  annotations: Record<string, string>;
}

/** Problems with one object's await choice (empty: fine). */
function awaitProblems(obj: Created): string[] {
  const expected = EXPECTED[obj.kind];
  if (!expected) return [`${obj.name}: ${obj.kind} has no expected await choice in this test's table`];
  if ("skip" in expected) return obj.annotations[SKIP_AWAIT] === "true" ? [] : [`${obj.name}: ${obj.kind} without ${SKIP_AWAIT}: "true"`];
  const seconds = Number(obj.annotations[TIMEOUT_SECONDS]);
  if (obj.annotations[SKIP_AWAIT] === "true") return [];
  return Number.isFinite(seconds) && seconds >= expected.minMinutes * 60 ? [] : [`${obj.name}: ${obj.kind} ${TIMEOUT_SECONDS}=${obj.annotations[TIMEOUT_SECONDS]} < chain ${expected.minMinutes} min`];
}

const runs = new Map<string, Promise<Created[]>>();
/** Awaited objects the program creates for a stack (reads such as `Service.get` have no inputs and are left out). */
function awaitedObjects(stack: string): Promise<Created[]> {
  if (!runs.has(stack))
    runs.set(
      stack,
      (async () => {
        const file = readStackFile(stack, { hfToken: "hf_awaits_token", alertWebhookUrl: "https://hooks.example.com/awaits" });
        pulumi.runtime.setAllConfig(file.allConfig, file.secretKeys);
        const recorder = new MockRecorder();
        await pulumi.runtime.setMocks(recorder, PROJECT, stack, false);
        await withoutStackTraces(async () => {
          withoutClosureSerialization(() => deployStack(loadStackConfig()));
          await settle();
        });
        return recorder.resources
          .filter((r) => r.type.startsWith("kubernetes:") && AWAITED_KINDS.has(r.type.split(":").pop()!))
          .filter((r) => (r.inputs as { metadata?: unknown }).metadata !== undefined)
          .map((r) => ({ name: r.name, kind: r.type.split(":").pop()!, annotations: ((r.inputs as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {}) }));
      })(),
    );
  return runs.get(stack)!;
}

describe("awaits: every awaited Kubernetes object has a deliberate await (dev and prod under mocks)", function () {
  this.timeout(60_000);

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: each Service/StatefulSet/Deployment/DaemonSet/Job/Pod/PVC/Ingress skips the await or waits ≥ its chain`, async () => {
      const objects = await awaitedObjects(stack);
      assert.deepEqual(objects.flatMap(awaitProblems), []);
    });
  }

  for (const stack of ["dev", "prod"])
  it(`${stack} creates exactly the vLLM Service (skipped), StatefulSet and Job (timed) of each model`, async () => {
    const objects = await awaitedObjects(stack);
    // dev runs no GPU cluster (its stack file leaves it off): zero of each.
    const models = (stackConfig(stack).gpuCluster as GpuClusterConfig | undefined)?.models.length ?? 0;
    const count = (kind: string) => objects.filter((o) => o.kind === kind).length;
    assert.deepEqual({ Service: count("Service"), StatefulSet: count("StatefulSet"), Job: count("Job") }, { Service: models, StatefulSet: models, Job: models });
    assert.equal(objects.length, 3 * models, objects.map((o) => `${o.kind} ${o.name}`).join(", "));
  });

  it("the check fails when the vLLM Service loses its skipAwait", () => {
    const gpu = prodGpu();
    const svc = vllmService(gpu.models[0], { namespace: gpu.namespace, gpuPool: gpu.cluster.nodePools[0], weights: gpuWeightsStore(gpu), scaleToZero: false });
    const annotations = { ...(svc.metadata.annotations ?? {}) };
    assert.deepEqual(awaitProblems({ name: "svc", kind: "Service", annotations }), []);
    delete annotations[SKIP_AWAIT];
    assert.equal(awaitProblems({ name: "svc", kind: "Service", annotations }).length, 1);
  });

  it("timeouts are sized from durations.ts: StatefulSet ≥ 2× (driver + model load) and ≥ driver + startup budget; Job ≥ 10× the download", () => {
    assert.equal(VLLM_CHAIN_MINUTES, DURATIONS.gpuDriver.minutes + DURATIONS.vllmFromObjectStorage.minutes);
    assert.ok(STATEFULSET_TIMEOUT_MINUTES >= 2 * VLLM_CHAIN_MINUTES);
    assert.ok(STATEFULSET_TIMEOUT_MINUTES >= DURATIONS.gpuDriver.minutes + STARTUP_BUDGET_SECONDS / 60);
    assert.ok(JOB_TIMEOUT_MINUTES >= 10 * JOB_CHAIN_MINUTES);
    const sts = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "m" } } as K8sObject;
    // Annotation and customTimeouts carry the same number.
    const choice = awaitChoice(sts, true);
    assert.equal(choice.annotations[TIMEOUT_SECONDS], String(STATEFULSET_TIMEOUT_MINUTES * 60));
    assert.deepEqual(choice.opts.customTimeouts, { create: `${STATEFULSET_TIMEOUT_MINUTES}m`, update: `${STATEFULSET_TIMEOUT_MINUTES}m` });
    // KEDA owns the replica count of a scaled StatefulSet; an unscaled one keeps it under Pulumi.
    assert.deepEqual(choice.opts.ignoreChanges, ["spec.replicas"]);
    assert.equal(awaitChoice(sts, false).opts.ignoreChanges, undefined);
  });
});
