/** What the deploy simulation records about each registration. */
import type { Duration } from "./durations";

export interface SimResource {
  urn: string;
  type: string;
  name: string;
  /** Mock id (`<name>-id`), as inputs of other resources refer to it (`kubeId`, `userId`). */
  id: string;
  custom: boolean;
  /** `Resource.get`/read of an existing object rather than a create. */
  read: boolean;
  parent?: string;
  /** URN of the explicit provider, if any. */
  provider?: string;
  /**
   * What Pulumi made this registration wait for: the dependencies the SDK sent (explicit `dependsOn` expanded through
   * components, and every resource an input Output came from), plus the parent and the provider.
   */
  declared: string[];
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, any>;
  duration: Duration;
  /** Simulated minute at which Pulumi sent the create (every declared dependency done). */
  start: number;
  /** Minute at which the work could really begin (`start`, or later when a needed prerequisite ends later). */
  ready?: number;
  /** Minute at which the create returned; undefined while running, failed or never started. */
  end?: number;
  failed?: boolean;
}
