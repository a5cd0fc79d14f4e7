/**
 * Pulumi mock runtime for tests and the offline plan: records every registered resource with its inputs and
 * answers with plausible outputs per type (ids, kubeconfigs, URLs), so components can be exercised without the
 * CLI, providers or credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config/schema";

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs with secret envelopes removed (convenient for assertions). */
  inputs: Record<string, any>;
  /** Inputs as the engine would see them: secret values wrapped in `{ [SECRET_SIG]: ..., value }`. */
  rawInputs: Record<string, any>;
  /** Provider reference (`urn::id`) when the resource was given an explicit provider. */
  provider?: string;
  custom: boolean;
  id: string;
}

/** Outputs a type's real provider computes; the mock merges them over the inputs. */
export type OutputsFor = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;

/** The signature key the Pulumi RPC layer uses to mark a secret value. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** A copy of `v` with every secret envelope replaced by its value. */
export function unwrapSecrets(v: any): any {
  if (isSecretEnvelope(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** Every string in `v` that is not inside a secret envelope, with its path. */
export function plainStrings(v: any, path = ""): { path: string; value: string }[] {
  if (isSecretEnvelope(v)) return [];
  if (typeof v === "string") return [{ path, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainStrings(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => plainStrings(x, path ? `${path}.${k}` : k));
  return [];
}

export const FAKE_KUBECONFIG_PREFIX = "apiVersion: v1\nkind: Config\n# fake kubeconfig for ";

const defaultOutputs: Record<string, OutputsFor> = {
  "ovh:CloudProject/kube:Kube": (a) => ({
    kubeconfig: `${FAKE_KUBECONFIG_PREFIX}${a.inputs.name}\n`,
    url: `${a.name}.c1.gra.k8s.ovh.net`,
    status: "READY",
  }),
  "random:index/randomId:RandomId": (a) => ({ hex: `${Buffer.from(a.name).toString("hex").slice(-12).padStart(12, "0")}`, b64Url: a.name }),
  "random:index/randomPassword:RandomPassword": (a) => ({ result: `mock-password-${a.name}-${"x".repeat(Math.max(0, (a.inputs.length ?? 16) - 20))}` }),
  // AI Deploy dynamic resources (components/aideploy/providers.ts); the id is `${name}-id` like every mocked resource.
  "pulumi-nodejs:dynamic/aideploy:App": (a) => ({
    appId: `${a.name}-id`,
    url: `https://${a.name}-id.app.${String(a.inputs.body?.region ?? "GRA").toLowerCase()}.ai.cloud.ovh.net`,
    host: `${a.name}-id.app.${String(a.inputs.body?.region ?? "GRA").toLowerCase()}.ai.cloud.ovh.net`,
    state: "RUNNING",
    availableReplicas: 1,
  }),
  "pulumi-nodejs:dynamic/aideploy:Token": (a) => ({ tokenId: `${a.name}-id`, value: `mock-ai-token-${a.name}`, version: 1 }),
  // Object Storage keys of a Public Cloud user (components/gpu/modelStore.ts).
  "ovh:CloudProject/s3Credential:S3Credential": (a) => ({ accessKeyId: `mock-access-key-${a.name}`, secretAccessKey: `mock-secret-key-${a.name}-${"x".repeat(16)}` }),
  // A StackReference: the contract outputs of the referenced environment stack (stackReferences.ts; loaded on first use).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  "pulumi:pulumi:StackReference": (a) => (require("./stackReferences") as typeof import("./stackReferences")).mockStackReference(String(a.inputs.name)),
};

export class MockRecorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  private readonly outputs: Record<string, OutputsFor>;

  constructor(extraOutputs: Record<string, OutputsFor> = {}) {
    this.outputs = { ...defaultOutputs, ...extraOutputs };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const id = args.custom === false ? "" : `${args.name}-id`;
    this.resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), rawInputs: args.inputs, provider: args.provider, custom: args.custom !== false, id });
    const extra = this.outputs[args.type]?.(args) ?? {};
    return { id, state: { ...args.inputs, ...extra } };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    return args.inputs;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  named(name: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}: ${this.resources.map((r) => r.name).join(", ")}`);
    return found[0];
  }

  reset(): void {
    this.resources.length = 0;
  }
}

/** Installs a fresh recorder as the Pulumi runtime's mocks (call before constructing resources). */
export async function installMocks(stack = "test", extraOutputs: Record<string, OutputsFor> = {}): Promise<MockRecorder> {
  const recorder = new MockRecorder(extraOutputs);
  await pulumi.runtime.setMocks(recorder, PROJECT, stack, false);
  return recorder;
}

/** The value of an Output (resolves once the mock runtime has answered). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return (output as any).isSecret as Promise<boolean>;
}

/** Waits until every resource registration issued so far (and any they trigger) has been answered by the mocks. */
export async function settle(): Promise<void> {
  // `waitForRPCs` is what the runtime itself awaits before exiting; it is exported but not in the typings.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
}
