// Entry point of `pulumi up`: read and validate the stack config, build the stack, export its outputs.
import { loadStackConfig } from "./config/load";
import { deployStack } from "./program";

const outputs = deployStack(loadStackConfig());

/** OVH id of the monitoring cluster. */
export const monitoringClusterId = outputs.monitoringClusterId;
/** Admin kubeconfig of the monitoring cluster (secret). */
export const monitoringKubeconfig = outputs.monitoringKubeconfig;
