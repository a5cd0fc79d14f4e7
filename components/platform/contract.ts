/**
 * The stack-output contract between an environment stack (`monitoring.mode: platform`) and the platform stack.
 * One module, used by both sides and by the tests: the environment stack exports these two outputs (index.ts), the
 * platform stack reads them through `pulumi.StackReference` and turns them into scrape jobs.
 *
 * - `platformReport` (plain): which environment, and its scrape jobs without any credential.
 * - `platformCredentials` (secret): the credential of each job by job name (AI Deploy bearer token, GPU federation
 *   password). Exported with `pulumi.secret`, so it stays encrypted in the state and in the reference.
 *
 * `version` changes only with an incompatible shape; the platform skips (with a warning) a report it cannot read.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RemoteScrapeTarget } from "../observability/scrape";

export const CONTRACT_VERSION = 1;

/** Output names: a stable interface (README "Stack outputs"). */
export const PLATFORM_OUTPUTS = { report: "platformReport", credentials: "platformCredentials" } as const;

/** A scrape job as the environment reports it: where and how, not with what (no Secret names, no credential). */
export type ReportedScrapeTarget = Omit<RemoteScrapeTarget, "secretName" | "secretKey">;

export interface EnvironmentReport {
  version: typeof CONTRACT_VERSION;
  /** `environment` label of the stack's series and the platform's Mimir tenant. */
  environment: string;
  scrapeTargets: ReportedScrapeTarget[];
}

/** Credential per scrape job name (secret output). */
export type EnvironmentCredentials = Record<string, string>;

/** What the environment stack exports for the platform, built from its scrape targets (the same the embedded mode uses). */
export interface PlatformExports {
  platformReport: pulumi.Output<EnvironmentReport>;
  platformCredentials: pulumi.Output<EnvironmentCredentials>;
}

/** The pure half: a report from resolved targets (credentials stripped). */
export function environmentReport(environment: string, targets: readonly RemoteScrapeTarget[]): EnvironmentReport {
  return {
    version: CONTRACT_VERSION,
    environment,
    scrapeTargets: targets.map(({ secretName: _n, secretKey: _k, ...rest }) => rest),
  };
}

export function platformExports(
  environment: string,
  targets: readonly { target: pulumi.Input<RemoteScrapeTarget>; credential: pulumi.Input<string> }[],
): PlatformExports {
  const resolved = pulumi.all(targets.map((t) => t.target)) as pulumi.Output<RemoteScrapeTarget[]>;
  return {
    platformReport: resolved.apply((ts) => environmentReport(environment, ts)),
    platformCredentials: pulumi.secret(
      pulumi.all(targets.map((t) => pulumi.all([t.target, t.credential]))).apply((pairs) => Object.fromEntries(pairs.map(([t, c]) => [(t as RemoteScrapeTarget).jobName, c as string]))),
    ),
  };
}

/**
 * Reads a report as the platform receives it (any JSON from another stack): the report, or why it is unusable.
 * Conservative: an unknown version or a malformed job is refused as a whole rather than half-scraped.
 */
export function readReport(value: unknown): EnvironmentReport | { unusable: string } {
  if (typeof value !== "object" || value === null) return { unusable: "no platformReport output" };
  const r = value as Partial<EnvironmentReport>;
  if (r.version !== CONTRACT_VERSION) return { unusable: `platformReport version ${String(r.version)}, this program reads ${CONTRACT_VERSION}` };
  if (typeof r.environment !== "string" || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(r.environment)) return { unusable: "platformReport.environment is not a DNS label" };
  if (!Array.isArray(r.scrapeTargets)) return { unusable: "platformReport.scrapeTargets is not a list" };
  for (const t of r.scrapeTargets) {
    if (typeof t?.jobName !== "string" || typeof t.host !== "string" || typeof t.metricsPath !== "string" || typeof t.auth?.type !== "string" || typeof t.labels !== "object")
      return { unusable: `platformReport.scrapeTargets has a malformed job (${typeof t?.jobName === "string" ? t.jobName : "?"})` };
  }
  return r as EnvironmentReport;
}
