/** What the plan records for each resource the program registers. */
export interface PlannedResource {
  /** URN as the mock monitor computes it (parent type chain + name), unique in the stack. */
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource; absent for top-level resources. */
  parent?: string;
  /** URN of the explicit provider, when one was passed. */
  provider?: string;
  /** URNs of the resources it depends on (explicit `dependsOn` and inputs), sorted. */
  dependsOn: string[];
  /** ComponentResources are not custom. */
  custom: boolean;
  /** Inputs with secrets masked (`[secret]`); dynamic providers' serialized code (`__provider`) dropped. */
  inputs: Record<string, unknown>;
}

/** A secret config value found in clear in a resource's inputs. */
export interface SecretLeak {
  urn: string;
  path: string;
  secretKey: string;
}

/** Stack outputs by name: plain values, or `[secret]`. */
export type PlannedOutputs = Record<string, unknown>;
