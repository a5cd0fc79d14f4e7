/**
 * What the mock runtime answers for a `pulumi.StackReference` (type `pulumi:pulumi:StackReference`; the engine
 * returns `{ outputs, secretOutputNames }`, which the SDK's getOutput reads): the contract outputs
 * (components/platform/contract.ts) an environment stack of this repository would export, built from its committed
 * `Pulumi.<stack>.yaml` with the same target builders the program uses and the host names the other mocks give.
 * The committed dev/prod files are in embedded mode; they are answered as if switched to `monitoring.mode: platform`
 * (what they would export then). A stack without a file here, or a platform stack, exports nothing (it is skipped).
 */
import { PROJECT, parseConfig } from "../../config/schema";
import { listStacks, readStackFile } from "../../config/stackFile";
import { federationScrapeTarget } from "../../components/gpu/federation";
import { metricsHostname } from "../../components/gpu/layout";
import { environmentReport, PLATFORM_OUTPUTS } from "../../components/platform/contract";
import type { RemoteScrapeTarget } from "../../components/observability/scrape";
import { aiDeployJobLabels, aiDeployJobName } from "../../components/observability/conventions";

export interface MockReferenceOptions {
  /** Credential value per job, e.g. a canary in the secret test. */
  credential?: (stack: string, jobName: string) => string;
}

export function mockStackReference(name: string, options: MockReferenceOptions = {}): { outputs: Record<string, unknown>; secretOutputNames: string[] } {
  const stack = name.split("/").pop()!;
  if (!listStacks().includes(stack)) return { outputs: {}, secretOutputNames: [] };
  const config = parseConfig(readStackFile(stack).projectConfig);
  if (config.platform) return { outputs: {}, secretOutputNames: [] };
  const targets: RemoteScrapeTarget[] = [];
  if (config.aiDeploy) {
    // The AI Deploy App mock's host (mockRecorder.ts): `<resource name>-id.app.<region>.ai.cloud.ovh.net`.
    const host = `${PROJECT}-${config.environment}-ai-deploy-app-id.app.${config.aiDeploy.region.toLowerCase()}.ai.cloud.ovh.net`;
    const jobName = aiDeployJobName(config.aiDeploy.name);
    targets.push({ jobName, host, metricsPath: "/metrics", auth: { type: "bearer" }, secretName: "unused", secretKey: "unused", labels: aiDeployJobLabels({ model: config.aiDeploy.servedModelName, environment: config.environment }) });
  }
  if (config.gpuCluster)
    targets.push(federationScrapeTarget({ metricsHostname: metricsHostname(config.gpuCluster), environment: config.environment, vllmNamespace: config.gpuCluster.namespace }));
  const credential = options.credential ?? ((s, job) => `mock-credential-${s}-${job}`);
  return {
    outputs: {
      [PLATFORM_OUTPUTS.report]: environmentReport(config.environment, targets),
      [PLATFORM_OUTPUTS.credentials]: Object.fromEntries(targets.map((t) => [t.jobName, credential(stack, t.jobName)])),
    },
    secretOutputNames: [PLATFORM_OUTPUTS.credentials],
  };
}
