/**
 * The program's Helm releases rendered by the real helm (tools/bin/helm, v4) from the vendored pinned charts
 * (tests/fixtures/charts/, INDEX.md), with the exact values the program passes: the real program (program.ts) runs
 * once per stack under Pulumi's mock runtime (scripts/plan/run.ts, the same run as `npm run plan`), and every
 * `kubernetes:helm.sh/v3:Release` it registers is rendered with `helm template <release> <tgz> -n <namespace>
 * --include-crds --api-versions ...`. Module-level memos: one program run per stack and one render per
 * (stack, release, values) per test process; at most two helm processes at a time (2-core machine).
 */
import { execFile } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join, resolve } from "path";
import * as yaml from "js-yaml";
import { loadStackConfig } from "../../config/load";
import { deployStack } from "../../program";
import type { PlannedResource } from "../../scripts/plan/model";
import { runPlan } from "../../scripts/plan/run";
import type { RenderedObject } from "./k8sSchema";
import { requireTool } from "./tools";

export const CHARTS_DIR = resolve(__dirname, "../fixtures/charts");

/**
 * API versions of CRDs other releases of the same cluster install (helm template has no cluster to ask). Charts gate
 * objects on them (`.Capabilities.APIVersions.Has`): kube-prometheus-stack installs monitoring.coreos.com, Envoy
 * Gateway gateway.networking.k8s.io and gateway.envoyproxy.io, KEDA keda.sh, cert-manager cert-manager.io. The render
 * test checks each one is served by a CRD rendered for the stack.
 */
export const API_VERSIONS = [
  "monitoring.coreos.com/v1",
  "monitoring.coreos.com/v1alpha1",
  "gateway.networking.k8s.io/v1",
  "gateway.envoyproxy.io/v1alpha1",
  "keda.sh/v1alpha1",
  "cert-manager.io/v1",
];

export interface HelmRelease {
  /** Pulumi resource name. */
  resource: string;
  release: string;
  namespace: string;
  chart: string;
  version: string;
  /** Vendored package: `<chart basename>-<version>.tgz`. */
  pkg: string;
  values: Record<string, unknown>;
  /** URN of the Kubernetes provider: which cluster it goes to. */
  cluster: string;
}

export interface StackPlan {
  stack: string;
  resources: PlannedResource[];
  releases: HelmRelease[];
  /** Plain Kubernetes objects (and custom resources) the program creates, with their cluster; Secrets masked (keys kept). */
  objects: { cluster: string; object: RenderedObject }[];
}

const plans = new Map<string, Promise<StackPlan>>();
let planQueue: Promise<unknown> = Promise.resolve();

/** The program run under mocks for `stack` (once per process; runs are serialised, the runtime is global). */
export function stackPlan(stack: string): Promise<StackPlan> {
  let p = plans.get(stack);
  if (!p) {
    p = planQueue.then(() => planOf(stack));
    planQueue = p.catch(() => undefined);
    plans.set(stack, p);
  }
  return p;
}

async function planOf(stack: string): Promise<StackPlan> {
  const { resources, leaks } = await runPlan({ stack, program: () => ({ ...deployStack(loadStackConfig()) }) });
  if (leaks.length > 0) throw new Error(`${stack}: secrets in clear: ${JSON.stringify(leaks)}`);
  const releases = resources
    .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
    .map((r) => {
      const i = r.inputs as Record<string, any>;
      if (typeof i.values !== "object") throw new Error(`${r.name}: values are not plain (${String(i.values)}): a secret in Helm values?`);
      return {
        resource: r.name,
        release: String(i.name),
        namespace: String(i.namespace),
        chart: String(i.chart),
        version: String(i.version),
        pkg: join(CHARTS_DIR, `${basename(String(i.chart))}-${String(i.version)}.tgz`),
        values: i.values as Record<string, unknown>,
        cluster: r.provider ?? "default",
      };
    });
  const objects = resources
    .filter((r) => r.custom && /^kubernetes:/.test(r.type) && !/^kubernetes:(helm\.sh|yaml)/.test(r.type) && r.type !== "pulumi:providers:kubernetes")
    .filter((r) => typeof r.inputs.kind === "string")
    .map((r) => ({ cluster: r.provider ?? "default", object: r.inputs as unknown as RenderedObject }));
  return { stack, resources, releases, objects };
}

const renders = new Map<string, Promise<RenderedObject[]>>();
let running = 0;
const waiting: (() => void)[] = [];
const HELM_CONCURRENCY = 2;

async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (running >= HELM_CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `helm template` of one release with `values` (default: the program's), CRDs included; throws on any helm error. */
export function renderRelease(rel: HelmRelease, values: Record<string, unknown> = rel.values): Promise<RenderedObject[]> {
  const key = JSON.stringify([rel.pkg, rel.release, rel.namespace, values]);
  let r = renders.get(key);
  if (!r) {
    r = limited(() => helmTemplate(rel, values));
    renders.set(key, r);
  }
  return r;
}

/** Number of distinct helm renders run so far in this process. */
export const renderCount = (): number => renders.size;

function helmTemplate(rel: HelmRelease, values: Record<string, unknown>): Promise<RenderedObject[]> {
  const dir = mkdtempSync(join(tmpdir(), "helm-render-"));
  const file = join(dir, "values.json");
  writeFileSync(file, JSON.stringify(values));
  const args = ["template", rel.release, rel.pkg, "--namespace", rel.namespace, "--include-crds", "--values", file, ...API_VERSIONS.flatMap((v) => ["--api-versions", v])];
  return new Promise<RenderedObject[]>((resolvePromise, reject) => {
    execFile(requireTool("helm"), args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) return reject(new Error(`helm template ${rel.release} (${basename(rel.pkg)}) failed: ${stderr || err.message}`));
      try {
        resolvePromise(yaml.loadAll(stdout).filter((d): d is RenderedObject => !!d && typeof d === "object" && typeof (d as RenderedObject).kind === "string"));
      } catch (e) {
        reject(new Error(`helm template ${rel.release}: output is not YAML: ${(e as Error).message}`));
      }
    });
  });
}
