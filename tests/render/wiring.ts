/**
 * Wiring between objects of one cluster, computed from the rendered charts and the program's own objects (never from
 * our constants): selectors as prometheus-operator and Grafana's sidecar apply them, Secret names/keys, mounted file
 * paths, Service names and ports. Semantics followed (prometheus-operator v0.93.1 API docs, monitoring.coreos.com/v1
 * PrometheusSpec): a nil `*NamespaceSelector` means the Prometheus' own namespace only, `{}` every namespace; a nil
 * resource selector selects nothing, `{}` everything. Secrets of the program carry their key names (values masked).
 */
import * as yaml from "js-yaml";
import type { HelmRelease } from "../helpers/helmRender";
import { objectId, type RenderedObject } from "../helpers/k8sSchema";
import type { CrdRegistry } from "./crdSchema";

type Json = Record<string, any>;

export interface Cluster {
  id: string;
  releases: { release: HelmRelease; objects: RenderedObject[] }[];
  program: RenderedObject[];
  crds: CrdRegistry;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label selector semantics (apimachinery labels.Selector). */
export function selects(sel: Selector | undefined | null, labels: Record<string, string> = {}): boolean {
  if (sel === undefined || sel === null) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === "In" && !(has && e.values!.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values!.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const ns = (o: RenderedObject) => o.metadata?.namespace ?? "";
const labelsOf = (o: RenderedObject) => ((o.metadata as Json | undefined)?.labels ?? {}) as Record<string, string>;

export function clusterWiring(c: Cluster): { checks: number; problems: string[] } {
  const problems: string[] = [];
  let checks = 0;
  const check = (ok: boolean, message: string) => {
    checks++;
    if (!ok) problems.push(message);
  };
  const rendered = c.releases.flatMap((r) => r.objects.map((o) => ({ ...o, metadata: { namespace: r.release.namespace, ...o.metadata } }) as RenderedObject));
  const all = [...rendered, ...c.program];
  const ofKind = (kind: string, from = all) => from.filter((o) => o.kind === kind) as Json[];
  const secretKeys = (namespace: string, name: string): string[] | undefined => {
    const s = ofKind("Secret").find((x) => x.metadata.name === name && ns(x as RenderedObject) === namespace);
    return s ? Object.keys({ ...(s.data ?? {}), ...(s.stringData ?? {}) }) : undefined;
  };
  const secretKeyExists = (where: string, namespace: string, ref: { name: string; key: string } | undefined) => {
    if (!ref) return;
    const keys = secretKeys(namespace, ref.name);
    check(!!keys?.includes(ref.key), `${where}: Secret ${namespace}/${ref.name} key ${ref.key} is not created (${keys ? `keys: ${keys.join(", ")}` : "no such Secret"})`);
  };

  // Prometheus CRs select our rules, ServiceMonitors and ScrapeConfigs.
  const proms = ofKind("Prometheus", rendered);
  const selected = (p: Json, kind: "rule" | "serviceMonitor" | "scrapeConfig", o: RenderedObject) => {
    const nsSel = p.spec[`${kind}NamespaceSelector`];
    const nsOk = nsSel === undefined || nsSel === null ? ns(o) === p.metadata.namespace : selects(nsSel, { "kubernetes.io/metadata.name": ns(o) });
    return nsOk && selects(p.spec[`${kind}Selector`], labelsOf(o));
  };
  const ours: [string, "rule" | "serviceMonitor" | "scrapeConfig"][] = [["PrometheusRule", "rule"], ["ServiceMonitor", "serviceMonitor"], ["ScrapeConfig", "scrapeConfig"]];
  for (const [kind, field] of ours)
    for (const o of ofKind(kind, c.program) as RenderedObject[]) {
      check(proms.length > 0, `${objectId(o)}: no Prometheus rendered in its cluster`);
      check(proms.some((p) => selected(p, field, o)), `${objectId(o)}: no rendered Prometheus selects it (${field}Selector / ${field}NamespaceSelector)`);
    }
  // ...and the GPU cluster's Prometheus the DCGM ServiceMonitor the GPU operator creates with the labels of its values.
  for (const { release } of c.releases.filter((r) => r.release.chart === "gpu-operator")) {
    const sm = (release.values as Json).dcgmExporter?.serviceMonitor;
    check(sm?.enabled === true, `${release.release}: dcgmExporter.serviceMonitor.enabled is not true`);
    const dcgm = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "nvidia-dcgm-exporter", namespace: release.namespace, labels: { ...(sm?.additionalLabels ?? {}) } } } as RenderedObject;
    check(proms.some((p) => selected(p, "serviceMonitor", dcgm)), `DCGM ServiceMonitor (${release.namespace}, labels ${JSON.stringify(sm?.additionalLabels)}) is selected by no rendered Prometheus`);
  }

  // Credentials referenced by ScrapeConfigs / ServiceMonitors exist in a Secret the program creates.
  for (const sc of ofKind("ScrapeConfig", c.program)) {
    const at = objectId(sc as RenderedObject);
    secretKeyExists(`${at} basicAuth.username`, ns(sc as RenderedObject), sc.spec.basicAuth?.username);
    secretKeyExists(`${at} basicAuth.password`, ns(sc as RenderedObject), sc.spec.basicAuth?.password);
    secretKeyExists(`${at} authorization.credentials`, ns(sc as RenderedObject), sc.spec.authorization?.credentials);
  }
  for (const sm of ofKind("ServiceMonitor", c.program))
    for (const [i, e] of (sm.spec.endpoints as Json[]).entries()) {
      const at = `${objectId(sm as RenderedObject)} endpoints[${i}]`;
      secretKeyExists(`${at} basicAuth.username`, ns(sm as RenderedObject), e.basicAuth?.username);
      secretKeyExists(`${at} basicAuth.password`, ns(sm as RenderedObject), e.basicAuth?.password);
      secretKeyExists(`${at} authorization.credentials`, ns(sm as RenderedObject), e.authorization?.credentials);
    }
  // Scrape jobs written as raw config (additionalScrapeConfigs): every *_file path is under a mounted Secret.
  for (const p of proms) {
    const mounted = (p.spec.secrets ?? []) as string[];
    const files = JSON.stringify(p.spec.additionalScrapeConfigs ?? []).match(/"(credentials_file|password_file|bearer_token_file)":"([^"]+)"/g) ?? [];
    for (const f of files) {
      const path = f.split('":"')[1].replace(/"$/, "");
      const m = /^\/etc\/prometheus\/secrets\/([^/]+)\/([^/]+)$/.exec(path);
      check(!!m && mounted.includes(m[1]) && !!secretKeys(p.metadata.namespace, m[1])?.includes(m[2]), `${objectId(p as RenderedObject)}: ${path} is not a key of a Secret in spec.secrets`);
    }
  }

  // Alertmanager: every *_file path of the rendered config is a key of a Secret it mounts (spec.secrets).
  for (const am of ofKind("Alertmanager", rendered)) {
    const cfgSecret = ofKind("Secret", rendered).find((s) => s.data?.["alertmanager.yaml"] && ns(s as RenderedObject) === am.metadata.namespace);
    check(!!cfgSecret, `${objectId(am as RenderedObject)}: no rendered config Secret`);
    if (!cfgSecret) continue;
    const text = Buffer.from(cfgSecret.data["alertmanager.yaml"], "base64").toString("utf8");
    const paths = [...JSON.stringify(yaml.load(text)).matchAll(/"\w+_file":"([^"]+)"/g)].map((m) => m[1]);
    for (const path of paths) {
      const m = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(path);
      check(!!m && ((am.spec.secrets ?? []) as string[]).includes(m[1]), `${objectId(am as RenderedObject)}: ${path} is not under a Secret in spec.secrets (${JSON.stringify(am.spec.secrets)})`);
      if (m) check(!!secretKeys(am.metadata.namespace, m[1])?.includes(m[2]), `${path}: Secret ${am.metadata.namespace}/${m[1]} has no key ${m[2]}`);
    }
  }

  // Grafana: the dashboard sidecar's label selects our dashboard ConfigMaps; the admin credentials come from our Secret.
  for (const d of ofKind("Deployment", rendered).filter((x) => x.spec.template.spec.containers.some((k: Json) => k.name === "grafana"))) {
    const containers = [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])] as Json[];
    const env = (k: Json, name: string) => (k.env as Json[] | undefined)?.find((e) => e.name === name);
    const sidecar = containers.find((k) => k.name === "grafana-sc-dashboard");
    const dashboards = ofKind("ConfigMap", c.program).filter((cm) => Object.keys(cm.data ?? {}).some((k) => k.endsWith(".json")));
    check(!!sidecar, `${objectId(d as RenderedObject)}: no dashboard sidecar`);
    if (sidecar) {
      const label = env(sidecar, "LABEL")?.value;
      const value = env(sidecar, "LABEL_VALUE")?.value;
      const namespaces = env(sidecar, "NAMESPACE")?.value;
      for (const cm of dashboards) {
        const l = labelsOf(cm as RenderedObject);
        check(label in l && (value === undefined || l[label] === value), `${objectId(cm as RenderedObject)}: labels ${JSON.stringify(l)} not selected by the sidecar (LABEL=${label}, LABEL_VALUE=${value})`);
        check(namespaces === "ALL" || (namespaces ?? d.metadata.namespace).split(",").includes(ns(cm as RenderedObject)), `${objectId(cm as RenderedObject)}: outside the sidecar's namespaces (${namespaces})`);
      }
    }
    const grafana = containers.find((k) => k.name === "grafana")!;
    for (const name of ["GF_SECURITY_ADMIN_USER", "GF_SECURITY_ADMIN_PASSWORD"]) {
      const ref = env(grafana, name)?.valueFrom?.secretKeyRef;
      check(!!ref, `${objectId(d as RenderedObject)}: ${name} is not read from a Secret`);
      secretKeyExists(`${objectId(d as RenderedObject)} ${name}`, d.metadata.namespace, ref);
    }
  }

  // KEDA: a prometheus trigger's serverAddress is a rendered Service and port of this cluster.
  for (const so of ofKind("ScaledObject", c.program))
    for (const t of (so.spec.triggers as Json[]).filter((x) => x.type === "prometheus")) {
      const u = new URL(t.metadata.serverAddress);
      const [svc, svcNs] = u.hostname.split(".");
      const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
      const found = ofKind("Service", all).find((x) => x.metadata.name === svc && ns(x as RenderedObject) === svcNs);
      check(!!found && (found.spec.ports as Json[]).some((p) => p.port === port), `${objectId(so as RenderedObject)}: serverAddress ${u.href} is not a rendered Service ${svcNs}/${svc} with port ${port}`);
    }
  return { checks, problems };
}
