// Entry point of `pulumi up`: read and validate the stack config, build the stack, export its outputs.
// Output names are a stable interface (the Automation API module and the load tester read them); see README.
import { loadStackConfig } from "./config/load";
import { deployStack } from "./program";

const outputs = deployStack(loadStackConfig());

/** Inference endpoints by key (`ai-deploy`, GPU model names): `{ url, model, kind }`. */
export const endpoints = outputs.endpoints;
/** Bearer token per endpoint key (secret). */
export const endpointTokens = outputs.endpointTokens;
export const monitoringClusterId = outputs.monitoringClusterId;
/** Admin kubeconfig of the monitoring cluster (secret). */
export const monitoringKubeconfig = outputs.monitoringKubeconfig;
export const gpuClusterId = outputs.gpuClusterId;
/** Admin kubeconfig of the GPU cluster (secret). */
export const gpuKubeconfig = outputs.gpuKubeconfig;
/** Public address of the GPU cluster's Gateway: the DNS target of the model and metrics host names. */
export const gpuGatewayAddress = outputs.gpuGatewayAddress;
export const grafanaUrl = outputs.grafanaUrl;
export const grafanaPortForward = outputs.grafanaPortForward;
/** Grafana `admin` password (secret). */
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
export const prometheusUrl = outputs.prometheusUrl;
export const alertmanagerUrl = outputs.alertmanagerUrl;
/** `monitoring.mode: platform`: what the platform stack scrapes (components/platform/contract.ts). */
export const platformReport = outputs.platformReport;
/** Credential per scrape job (secret). */
export const platformCredentials = outputs.platformCredentials;
/** Platform stack: scrape jobs per listed environment stack (`[]` for one skipped with a warning). */
export const platformScrapeJobs = outputs.platformScrapeJobs;
