/** Pure builders for the MKS resources: typed config in, the OVH provider's plain inputs out. */
import type { ClusterConfig, NodePoolConfig } from "../../config/schema";

export interface KubeSpec {
  serviceName: string;
  name: string;
  region: string;
  version: string;
  plan: string;
  updatePolicy: string;
  privateNetworkId?: string;
}

export function kubeSpec(serviceName: string, name: string, cluster: ClusterConfig): KubeSpec {
  return {
    serviceName,
    name,
    region: cluster.region,
    version: cluster.version,
    plan: cluster.plan,
    updatePolicy: cluster.updatePolicy,
    ...(cluster.privateNetworkId ? { privateNetworkId: cluster.privateNetworkId } : {}),
  };
}

export interface NodePoolSpec {
  serviceName: string;
  name: string;
  flavorName: string;
  desiredNodes: number;
  minNodes: number;
  maxNodes: number;
  autoscale: boolean;
  antiAffinity: boolean;
  monthlyBilled: boolean;
  /** Every nested field is required by the provider's types, hence the empty maps and lists. */
  template: {
    metadata: { annotations: Record<string, string>; finalizers: string[]; labels: Record<string, string> };
    spec: { unschedulable: boolean; taints: Record<string, string>[] };
  };
}

export function nodePoolSpec(serviceName: string, pool: NodePoolConfig): NodePoolSpec {
  return {
    serviceName,
    name: pool.name,
    flavorName: pool.flavor,
    desiredNodes: pool.desiredNodes,
    minNodes: pool.minNodes,
    maxNodes: pool.maxNodes,
    autoscale: pool.autoscale,
    antiAffinity: pool.antiAffinity,
    monthlyBilled: pool.monthlyBilled,
    template: {
      metadata: { annotations: {}, finalizers: [], labels: { ...pool.labels, "ovh-llm/pool": pool.name } },
      spec: { unschedulable: false, taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) },
    },
  };
}
