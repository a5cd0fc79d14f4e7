/**
 * The catalogue check: regions and flavors of the config against what OVH offers the project, at preview (and
 * every run) when OVH credentials are present. AI Deploy: `GET /cloud/project/{sn}/ai/capabilities/region` and
 * `.../region/{region}/flavor` (the calls the Control Panel makes: ovh/manager
 * `pci-ai-tools/src/data/api/ai/capabilities/capabilities.api.ts`). MKS: `@ovhcloud/pulumi-ovh` 2.19.1 has no data
 * source for Kubernetes flavors (its `cloudproject.getFlavors` lists instance flavors), so the node pools are checked
 * with `GET /cloud/project/{sn}/capabilities/kube/regions` and `.../capabilities/kube/flavors?region=`.
 * An unknown value fails like a bad config value: the key, the value and the available names.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT, type ClusterConfig, type ConfigIssue, type StackConfig } from "../../config/schema";
import type { AiFlavor, AiRegion, KubeFlavor } from "./apiTypes";
import { OvhClient, ovhSettingsFrom, type OvhClientOptions, type OvhSettings } from "./client";

export interface CatalogueWants {
  serviceName: string;
  aiDeploy?: { region: string; flavor: string; gpu: number };
  clusters: { key: string; region: string; pools: { key: string; flavor: string }[] }[];
}

/** What the config asks of the catalogue, with the config keys to name. */
export function catalogueWants(config: StackConfig): CatalogueWants {
  const cluster = (key: string, c: ClusterConfig) => ({ key, region: c.region, pools: c.nodePools.map((p, i) => ({ key: `${key}.nodePools.${i}.flavor`, flavor: p.flavor })) });
  return {
    serviceName: config.serviceName,
    ...(config.aiDeploy ? { aiDeploy: { region: config.aiDeploy.region, flavor: config.aiDeploy.flavor, gpu: config.aiDeploy.gpu } } : {}),
    clusters: [...(config.monitoringCluster ? [cluster("monitoringCluster", config.monitoringCluster)] : []), ...(config.gpuCluster ? [cluster("gpuCluster.cluster", config.gpuCluster.cluster)] : [])],
  };
}

const list = (names: string[]) => (names.length ? names.join(", ") : "none");

/** The config values the catalogue does not offer, as config issues. */
export async function catalogueIssues(client: OvhClient, wants: CatalogueWants): Promise<ConfigIssue[]> {
  const sn = encodeURIComponent(wants.serviceName);
  const issues: ConfigIssue[] = [];
  const ai = wants.aiDeploy;
  if (ai) {
    const regions = (await client.getAll<AiRegion>(`/cloud/project/${sn}/ai/capabilities/region`)).map((r) => r.id);
    if (!regions.includes(ai.region)) issues.push({ key: `${PROJECT}:aiDeploy.region`, value: ai.region, allowed: `an AI Deploy region of this project: ${list(regions)}` });
    else {
      const flavors = await client.getAll<AiFlavor>(`/cloud/project/${sn}/ai/capabilities/region/${encodeURIComponent(ai.region)}/flavor`);
      const flavor = flavors.find((f) => f.id === ai.flavor);
      if (!flavor) issues.push({ key: `${PROJECT}:aiDeploy.flavor`, value: ai.flavor, allowed: `an AI Deploy flavor of ${ai.region}: ${list(flavors.map((f) => f.id))}` });
      else if (ai.gpu > flavor.max) issues.push({ key: `${PROJECT}:aiDeploy.gpu`, value: ai.gpu, allowed: `at most ${flavor.max} (${flavor.id}'s max per replica)` });
    }
  }
  if (wants.clusters.length > 0) {
    const regions = await client.get<string[]>(`/cloud/project/${sn}/capabilities/kube/regions`);
    for (const c of wants.clusters) {
      if (!regions.includes(c.region)) {
        issues.push({ key: `${PROJECT}:${c.key}.region`, value: c.region, allowed: `an MKS region of this project: ${list(regions)}` });
        continue;
      }
      const offered = (await client.get<KubeFlavor[]>(`/cloud/project/${sn}/capabilities/kube/flavors?region=${encodeURIComponent(c.region)}`)).filter((f) => f.state !== "unavailable").map((f) => f.name);
      for (const p of c.pools) if (!offered.includes(p.flavor)) issues.push({ key: `${PROJECT}:${p.key}`, value: p.flavor, allowed: `an MKS flavor available in ${c.region}: ${list(offered)}` });
    }
  }
  return issues;
}

/**
 * OVH settings from the stack config (`ovh:*`) or the `OVH_*` environment, as the providers read them; undefined
 * without credentials, and under the mock runtime (tests, `npm run plan`): a mocked program never calls OVH.
 */
export function ovhSettingsOfStack(): OvhSettings | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require("@pulumi/pulumi/runtime/settings") as { hasMonitor(): boolean; getMonitor(): unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: new (...args: never[]) => unknown };
  if (runtime.hasMonitor() && runtime.getMonitor() instanceof MockMonitor) return undefined;
  try {
    const config = pulumi.runtime.allConfig();
    return ovhSettingsFrom((key) => config[key]);
  } catch {
    return undefined;
  }
}

export const CATALOGUE_SKIPPED =
  "OVH catalogue check skipped: no OVH credentials (ovh:* config or OVH_* variables) or the mock runtime (npm run plan), so regions and flavors are checked by OVH only when resources are created";

/**
 * Runs the check when credentials are present and resolves to a note; rejects with a `ConfigError` naming every
 * unknown value. Without credentials (e.g. `npm run plan`) it resolves at once with a skip note, never fails.
 */
export function catalogueCheck(config: StackConfig, settings: OvhSettings | undefined, options: Pick<OvhClientOptions, "timeoutMs" | "maxAttempts" | "backoffMs"> = {}): pulumi.Output<string> {
  if (!settings) {
    void pulumi.log.info(CATALOGUE_SKIPPED);
    return pulumi.output(CATALOGUE_SKIPPED);
  }
  const check = async () => {
    const issues = await catalogueIssues(new OvhClient({ ...options, ...settings }), catalogueWants(config));
    if (issues.length > 0) throw new ConfigError(issues);
    return "OVH catalogue check passed";
  };
  return pulumi.output(check());
}

/** Resource types held back until the check passed, and the input that waits for it. */
const GATED: Readonly<Record<string, string>> = { "ovh:CloudProject/kube:Kube": "region", "pulumi-nodejs:dynamic/aideploy:App": "body" };

/**
 * A transformation (on a component: it applies to its children) that makes MKS clusters and AI Deploy apps wait
 * for the check: a failed check fails their registration, so nothing is created from a config OVH does not offer.
 */
export function gatedOn(check: pulumi.Output<unknown>): pulumi.ResourceTransformation {
  return (args) => {
    const key = GATED[args.type];
    if (!key || !(key in args.props)) return undefined;
    return { props: { ...args.props, [key]: pulumi.all([check, args.props[key]]).apply(([, v]) => v) }, opts: args.opts };
  };
}
