/**
 * Runs the program under Pulumi's mock runtime and records every registration the way the engine would see it.
 * The resource outputs come from the shared `MockRecorder` (scripts/plan/mockRecorder.ts, one place for mock outputs);
 * this module adds what mocks do not expose: each resource's parent, provider and dependencies. Stack transforms
 * are not run by the mock monitor (it only hands them to `Mocks.registerTransform`, without the parent), so the
 * monitor's `registerResource` is tapped instead: the request carries the parent URN and the response the URN.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config/schema";
import { MockRecorder, plainStrings, unwrapSecrets } from "./mockRecorder";
import { maskKubernetesSecret, maskSecrets } from "./mask";
import type { PlannedResource, SecretLeak } from "./model";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any; waitForRPCs(): Promise<void> };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { deserializeProperties(s: unknown): Record<string, unknown> };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PlanRuntime {
  /** Registrations in the order they were answered. */
  readonly resources: PlannedResource[];
  /** Secret config values that reached a resource input without being marked secret. */
  readonly leaks: SecretLeak[];
  /** Waits until every registration issued so far (and any it triggers) is answered. */
  settle(): Promise<void>;
}

/**
 * Sets the stack config and installs the mocks. Call before importing the program.
 * @param secretValues secret config values by key (`ovh-llm:hfToken` → value), to detect leaks in clear.
 */
export async function installPlanRuntime(
  stack: string,
  config: { allConfig: Record<string, string>; secretKeys: string[] },
): Promise<PlanRuntime> {
  pulumi.runtime.setAllConfig(config.allConfig, config.secretKeys);
  const recorder = new MockRecorder();
  await pulumi.runtime.setMocks(recorder, PROJECT, stack, false);

  const secrets = config.secretKeys.map((key) => ({ key, value: config.allConfig[key] })).filter((s) => s.value.length >= 6);
  const resources: PlannedResource[] = [];
  const leaks: SecretLeak[] = [];
  const monitor = settings.getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
    registerResource(req, (err: unknown, resp: any) => {
      if (!err && resp) {
        const raw = rpc.deserializeProperties(req.getObject());
        const { __provider: _serializedCode, ...inputs } = raw;
        const urn: string = resp.getUrn();
        const providerRef: string = req.getProvider() ?? "";
        resources.push({
          urn,
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          provider: providerRef ? providerRef.split("::").slice(0, -1).join("::") : undefined,
          dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
          custom: req.getCustom(),
          inputs: maskInputs(inputs),
        });
        for (const { path, value } of plainStrings(inputs)) {
          for (const s of secrets) if (value.includes(s.value)) leaks.push({ urn, path, secretKey: s.key });
        }
      }
      callback(err, resp);
    });

  return { resources, leaks, settle: () => settings.waitForRPCs() };
}

/** Secrets masked; a Kubernetes Secret keeps its key names (not secret) with every value masked. */
function maskInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const masked = maskSecrets(inputs) as Record<string, unknown>;
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  if (plain.kind !== "Secret") return masked;
  return maskKubernetesSecret({ ...masked, data: plain.data, stringData: plain.stringData });
}
