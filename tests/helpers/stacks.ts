/** The committed stack files as parsed config, for tests that build from dev/prod as users configure them. */
import { parseConfig, type GpuClusterConfig, type StackConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import type { EntryContext } from "../../components/gpu/gateway";
import { metricsHostname } from "../../components/gpu/layout";
import { defaultWeightsBucket, objectStorageEndpoint, objectStorageRegion, type WeightsStore } from "../../components/gpu/weights";

/** Pulumi.<stack>.yaml, validated. */
export const stackConfig = (stack: string): StackConfig => parseConfig(readStackFile(stack).projectConfig);

/** The prod stack's GPU cluster part. */
export const prodGpu = (): GpuClusterConfig => stackConfig("prod").gpuCluster as GpuClusterConfig;

/** The entry (Gateway/TLS) context the GPU cluster derives from its config, with a fixed issuer name. */
export const gpuEntryContext = (gpu: GpuClusterConfig = prodGpu()): EntryContext => ({
  namespace: gpu.namespace,
  tls: gpu.tls,
  metricsHostname: metricsHostname(gpu),
  issuerName: "acme-prod",
});

/** The model store the GPU cluster derives from its config (default bucket and region). */
export const gpuWeightsStore = (gpu: GpuClusterConfig = prodGpu()): WeightsStore => {
  const region = objectStorageRegion(gpu.cluster.region);
  return { bucket: defaultWeightsBucket("prod", stackConfig("prod").serviceName), region, endpoint: objectStorageEndpoint(region) };
};
