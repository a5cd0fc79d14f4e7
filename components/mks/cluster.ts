import * as ovh from "@ovhcloud/pulumi-ovh";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../../config/schema";
import { kubeSpec, nodePoolSpec } from "./spec";

export interface MksClusterArgs {
  /** OVH Public Cloud project id. */
  serviceName: string;
  /** Validated cluster settings (region, version, pools, ...). */
  cluster: ClusterConfig;
  /** OVH cluster name used when `cluster.name` is unset. */
  defaultName: string;
}

/**
 * A managed Kubernetes (MKS) cluster with its node pools, optional API-server IP restrictions, and a Kubernetes
 * provider built from its kubeconfig for the workloads that go on it.
 */
export class MksCluster extends pulumi.ComponentResource {
  /** OVH id of the cluster. */
  public readonly clusterId: pulumi.Output<string>;
  /** Admin kubeconfig (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Kubernetes provider for resources on this cluster. */
  public readonly provider: k8s.Provider;
  /** The node pools: workloads that need nodes to schedule should `dependsOn` them. */
  public readonly nodePools: ovh.cloudproject.KubeNodePool[];

  constructor(name: string, args: MksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:mks:Cluster", name, {}, opts);
    const spec = kubeSpec(args.serviceName, args.cluster.name ?? args.defaultName, args.cluster);
    const kube = new ovh.cloudproject.Kube(name, spec, { parent: this });

    const restrictions = args.cluster.apiAllowedCidrs
      ? [new ovh.cloudproject.KubeIpRestrictions(`${name}-api-ips`, { serviceName: args.serviceName, kubeId: kube.id, ips: args.cluster.apiAllowedCidrs }, { parent: this })]
      : [];

    const timeout = `${args.cluster.nodePoolCreateTimeoutMinutes}m`;
    this.nodePools = args.cluster.nodePools.map(
      (pool) =>
        new ovh.cloudproject.KubeNodePool(`${name}-${pool.name}`, { ...nodePoolSpec(args.serviceName, pool), kubeId: kube.id }, {
          parent: this,
          customTimeouts: { create: timeout, update: timeout, delete: "30m" },
        }),
    );

    this.clusterId = kube.id;
    // The real provider marks kubeconfig secret; mocks and older state do not, so say it here.
    this.kubeconfig = pulumi.secret(kube.kubeconfig);
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: restrictions });

    this.registerOutputs({ clusterId: this.clusterId, kubeconfig: this.kubeconfig });
  }
}
