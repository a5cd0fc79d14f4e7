/**
 * The dependencies that are really needed, in one place: what each kind of resource cannot do without, whatever the
 * program declares. The lower bound of `pulumi up` is the longest chain of these (plus durations); the program may
 * declare more (that is what makes the wall time exceed the bound) and must declare at least these, or Pulumi would
 * create something before what it needs (the simulation reports it).
 *
 * The principle for parts that watch each other: a monitoring system needs its nodes and its own credentials, never
 * what it watches. Only the objects that carry a scrape target (its ScrapeConfig, its credential Secret) need the
 * watched resource.
 */
import { isGpuFlavor } from "../../config/schema/common";
import { DURATIONS } from "./durations";
import type { SimResource } from "./model";

export interface Need {
  on: SimResource;
  /** Minutes after `on` ends before this resource can start its work (e.g. the GPU driver install on a new node). */
  lag: number;
  why: string;
}

/** API group of a custom resource → the chart whose release installs its CRD. */
const CRD_CHART: Record<string, string> = {
  "monitoring.coreos.com": "kube-prometheus-stack",
  "gateway.networking.k8s.io": "gateway-helm",
  "gateway.envoyproxy.io": "gateway-helm",
  "cert-manager.io": "cert-manager",
  "keda.sh": "keda",
  "http.keda.sh": "keda-add-ons-http",
};

const KUBE = "ovh:CloudProject/kube:Kube";
const POOL = "ovh:CloudProject/kubeNodePool:KubeNodePool";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const WORKLOADS = new Set(["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job"]);
/** Resources whose output is a credential or an address that a Secret or a scrape target is made of. */
const PRODUCERS = /^(random:|pulumi-nodejs:dynamic\/aideploy:|ovh:CloudProject\/s3Credential:)/;

/** Lookups over the registrations the simulation has seen. */
export class ResourceIndex {
  private readonly byUrn = new Map<string, SimResource>();

  constructor(resources: Iterable<SimResource> = []) {
    for (const r of resources) this.add(r);
  }

  add(r: SimResource): void {
    this.byUrn.set(r.urn, r);
  }

  get(urn: string | undefined): SimResource | undefined {
    return urn === undefined ? undefined : this.byUrn.get(urn);
  }

  all(): SimResource[] {
    return [...this.byUrn.values()];
  }

  /** The top-level component a resource belongs to (its part of the program: a cluster, the app, the stack...). */
  partOf(r: SimResource): string {
    let cur = r;
    for (let parent = this.get(cur.parent); parent; parent = this.get(cur.parent)) cur = parent;
    return cur.urn;
  }

  /** The MKS cluster component (parent of the Kube, its pools and its Kubernetes provider) a resource lives on. */
  clusterOf(r: SimResource): string | undefined {
    if (r.type === KUBE || r.type === POOL || r.type.startsWith("pulumi:providers:")) return r.parent;
    if (r.type.startsWith("ovh:CloudProject/kubeIpRestrictions")) return r.parent;
    return r.provider ? this.get(r.provider)?.parent : undefined;
  }

  inCluster(cluster: string | undefined, pred: (r: SimResource) => boolean): SimResource[] {
    if (cluster === undefined) return [];
    return this.all().filter((r) => r.custom && !r.read && this.clusterOf(r) === cluster && pred(r));
  }
}

const namespaceOf = (r: SimResource): string | undefined => (r.type === RELEASE ? r.inputs.namespace : r.inputs.metadata?.namespace);
const untainted = (pool: SimResource) => (pool.inputs.template?.spec?.taints ?? []).length === 0;
const gpuPool = (pool: SimResource) => isGpuFlavor(String(pool.inputs.flavorName ?? ""));
const poolName = (pool: SimResource): string | undefined => pool.inputs.template?.metadata?.labels?.["ovh-llm/pool"] ?? pool.inputs.name;

/** Pool names a pod template is pinned to (node affinity or node selector on `ovh-llm/pool`), if any. */
function pinnedPools(podSpec: any): string[] | undefined {
  const selector = podSpec?.nodeSelector?.["ovh-llm/pool"];
  if (selector) return [selector];
  const terms: any[] = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const values = terms.flatMap((t) => (t.matchExpressions ?? []).filter((e: any) => e.key === "ovh-llm/pool").flatMap((e: any) => e.values ?? []));
  return values.length > 0 ? values : undefined;
}

/** Secret names a pod template reads (env, envFrom, volumes), init containers included. */
function secretsReadBy(podSpec: any): Set<string> {
  const names = new Set<string>();
  for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
  }
  for (const v of podSpec?.volumes ?? []) if (v.secret?.secretName) names.add(v.secret.secretName);
  return names;
}

const requestsGpu = (podSpec: any): boolean =>
  (podSpec?.containers ?? []).some((c: any) => Number(c.resources?.limits?.["nvidia.com/gpu"] ?? c.resources?.requests?.["nvidia.com/gpu"] ?? 0) > 0);

/** The first-finishing of several equivalent prerequisites is enough (any schedulable pool will do). */
export interface AnyOf {
  anyOf: SimResource[];
  lag: number;
  why: string;
}

/** The needs of one registration; `AnyOf` groups mean "one of these". */
export function needsOf(r: SimResource, ix: ResourceIndex): (Need | AnyOf)[] {
  if (!r.custom) return [];
  const needs: (Need | AnyOf)[] = [];
  const need = (on: SimResource | undefined, why: string, lag = 0) => {
    if (on && on.urn !== r.urn) needs.push({ on, lag, why });
  };
  const cluster = ix.clusterOf(r);
  const kube = ix.inCluster(cluster, (x) => x.type === KUBE)[0];

  if (r.read) {
    // A read looks at what its declared dependencies created.
    for (const d of r.declared) need(ix.get(d), "a read sees the object once what creates it exists");
    return needs;
  }
  if (r.type === POOL || r.type.startsWith("ovh:CloudProject/kubeIpRestrictions")) {
    need(kube, "created inside its cluster");
    return needs;
  }
  if (r.type.startsWith("pulumi:providers:kubernetes")) {
    need(kube, "the kubeconfig exists once the cluster does");
    return needs;
  }
  if (r.type === "ovh:CloudProject/s3Credential:S3Credential" || r.type === "ovh:CloudProject/s3Policy:S3Policy") {
    need(ix.all().find((u) => u.type === "ovh:CloudProject/user:User" && u.id === r.inputs.userId), "belongs to its Public Cloud user");
    return needs;
  }
  if (!r.type.startsWith("kubernetes:")) return needs;

  // Every Kubernetes object: the cluster's API server, its namespace.
  need(ix.get(r.provider), "the cluster's API server");
  const ns = namespaceOf(r);
  if (ns) need(ix.inCluster(cluster, (x) => x.type === NAMESPACE && x.inputs.metadata?.name === ns)[0], `namespace ${ns} exists`);
  const part = ix.partOf(r);
  const declared = r.declared.map((d) => ix.get(d)).filter((d): d is SimResource => d !== undefined);
  const pools = ix.inCluster(cluster, (x) => x.type === POOL);
  const secretNamed = (name: string) => ix.inCluster(cluster, (x) => x.type === SECRET && x.inputs.metadata?.namespace === ns && x.inputs.metadata?.name === name)[0];
  const release = (chart: string) => ix.inCluster(cluster, (x) => x.type === RELEASE && String(x.inputs.chart ?? "").split("/").pop() === chart)[0];

  if (r.type === SECRET || r.type === "kubernetes:core/v1:ConfigMap") {
    for (const d of declared) if (PRODUCERS.test(d.type)) need(d, "its data is made of this value");
    return needs;
  }

  const group = String(r.inputs.apiVersion ?? "").split("/")[0];
  if (CRD_CHART[group]) need(release(CRD_CHART[group]), `the ${group} CRDs come with ${CRD_CHART[group]}`);

  if (r.type === "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig") {
    // A scrape target: the watched resource (its address) and the Secret holding its credential.
    for (const d of declared) if (ix.partOf(d) !== part) need(d, "the address of the target it scrapes");
    const spec = r.inputs.spec ?? {};
    for (const ref of [spec.authorization?.credentials, spec.basicAuth?.username, spec.basicAuth?.password]) if (ref?.name) need(secretNamed(ref.name), "the operator rejects a ScrapeConfig whose Secret is missing");
    return needs;
  }

  if (r.type === RELEASE) {
    const schedulable = pools.filter((p) => untainted(p) && !gpuPool(p));
    const anyOf = schedulable.length > 0 ? schedulable : pools.filter(untainted);
    if (anyOf.length > 0) needs.push({ anyOf, lag: 0, why: "its pods need a node that takes pods without tolerations" });
    const chart = String(r.inputs.chart ?? "").split("/").pop();
    // cert-manager v1.21.1 with gatewayAPI enabled exits at start without the Gateway API CRDs (pkg/controller/context.go).
    if (chart === "cert-manager") need(release("gateway-helm"), "the Gateway API CRDs (cert-manager exits without them)");
    // The operator creates the DCGM exporter's ServiceMonitor only if the CRD exists when it reconciles.
    if (chart === "gpu-operator") need(release("kube-prometheus-stack"), "the ServiceMonitor CRD for DCGM");
    // Its own credentials (Grafana admin, Alertmanager receivers, remote write): Secrets of its own part its values name.
    // A Secret from another part is something it watches, not something it needs.
    const values = JSON.stringify(r.inputs.values ?? {});
    for (const s of ix.inCluster(cluster, (x) => x.type === SECRET && x.inputs.metadata?.namespace === ns)) {
      const name = s.inputs.metadata?.name;
      const foreign = s.declared.some((d) => { const dep = ix.get(d); return dep !== undefined && PRODUCERS.test(dep.type) && ix.partOf(dep) !== ix.partOf(s); });
      if (name && values.includes(`"${name}"`) && !foreign) need(s, `its pods mount Secret ${name}`);
    }
    return needs;
  }

  if (WORKLOADS.has(r.type)) {
    const pod = r.inputs.spec?.template?.spec ?? {};
    for (const name of secretsReadBy(pod)) need(secretNamed(name), `its pods read Secret ${name}`);
    const pinned = pinnedPools(pod);
    const candidates = pinned ? pools.filter((p) => pinned.includes(poolName(p) ?? "")) : pools.filter(untainted);
    const gpu = requestsGpu(pod);
    // GPU pods also wait for the GPU operator to install the driver and device plugin on the new nodes.
    const driverLag = gpu ? DURATIONS.gpuDriver.minutes : 0;
    if (candidates.length > 0) needs.push({ anyOf: candidates, lag: driverLag, why: gpu ? "its GPU nodes, then their driver" : "a node to run on" });
    if (gpu) need(release("gpu-operator"), "the GPU operator installs the driver and device plugin", driverLag);
    const instance = r.inputs.metadata?.labels?.["app.kubernetes.io/instance"];
    if (r.type !== "kubernetes:batch/v1:Job" && instance) {
      for (const job of ix.inCluster(cluster, (x) => x.type === "kubernetes:batch/v1:Job" && x.inputs.metadata?.namespace === ns && x.inputs.metadata?.labels?.["app.kubernetes.io/instance"] === instance))
        need(job, "the model weights are in Object Storage");
    }
    if (r.type === "kubernetes:batch/v1:Job") {
      const writes = (x: SimResource) => x.type === "ovh:CloudProject/s3Policy:S3Policy" && String(x.inputs.policy).includes("s3:PutObject");
      for (const s of ix.all().filter((x) => (x.type === "ovh:CloudProject/storage:Storage" || writes(x)) && ix.partOf(x) === part))
        need(s, "it writes to the bucket, with a policy that allows it");
    }
  }
  return needs;
}
