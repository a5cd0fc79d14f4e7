/**
 * The platform stack's side of the contract: each listed environment stack is read through a `pulumi.StackReference`
 * and its reported scrape jobs become ScrapeTargets of the platform's monitoring stack (one ScrapeConfig + credential
 * Secret each, added through the stack's `targetSink`, without a Helm upgrade).
 */
import * as pulumi from "@pulumi/pulumi";
import { ScrapeTarget, type ScrapeTargetSink } from "../monitoring/scrapeTarget";
import type { RemoteScrapeTarget } from "../observability/scrape";
import { LABEL } from "../observability/conventions";
import { PLATFORM_OUTPUTS, readReport, type EnvironmentCredentials, type EnvironmentReport } from "./contract";

/** Key of the credential in each target's Secret (any valid key but `username`, scrapeTargets.ts). */
const CREDENTIAL_KEY = "credential";

/**
 * The job name on the platform: unique across environments (two GPU clusters both report `gpu-cluster-federation`),
 * so `-<environment>` is appended unless the name already ends with it (AI Deploy jobs carry the app name, which
 * usually does). Suffix, not prefix: the `ai-deploy-` prefix is what dashboards and rules select AI Deploy jobs by.
 */
export const platformJobName = (environment: string, jobName: string): string => (jobName.endsWith(`-${environment}`) ? jobName : `${jobName}-${environment}`);

/**
 * The platform's scrape targets of one report. The `environment` label is the report's, whatever the job said: it is
 * what the platform routes on (the Mimir tenant), so an environment cannot label its series as another's.
 */
export function platformTargets(report: EnvironmentReport): { target: RemoteScrapeTarget; reportedJob: string }[] {
  return report.scrapeTargets.map((t) => {
    const jobName = platformJobName(report.environment, t.jobName);
    return {
      reportedJob: t.jobName,
      target: { ...t, jobName, secretName: `scrape-${jobName}`.slice(0, 253), secretKey: CREDENTIAL_KEY, labels: { ...t.labels, [LABEL.environment]: report.environment } },
    };
  });
}

export interface ReportedEnvironmentArgs {
  /** Stack name as `pulumi.StackReference` takes it (`dev`, `org/project/dev`). */
  stack: string;
  sink: ScrapeTargetSink;
  /** Job names already taken on the platform (shared by every ReportedEnvironment): a duplicate is skipped. */
  claimed: Set<string>;
}

export class ReportedEnvironment extends pulumi.ComponentResource {
  /** The platform job names scraped for this environment (empty when skipped). */
  public readonly jobNames: pulumi.Output<string[]>;

  constructor(name: string, args: ReportedEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:platform:ReportedEnvironment", name, {}, opts);
    const ref = new pulumi.StackReference(`${name}-ref`, { name: args.stack }, { parent: this });
    // getOutput keeps a secret output secret (the SDK marks it from the reference's secretOutputNames).
    const report = ref.getOutput(PLATFORM_OUTPUTS.report);
    const credentials = ref.getOutput(PLATFORM_OUTPUTS.credentials) as pulumi.Output<EnvironmentCredentials | undefined>;
    const skip = (why: string): string[] => {
      pulumi.log.warn(`environment stack ${args.stack} skipped: ${why}. Deploy it with monitoring.mode: platform; the platform's next update scrapes it.`, this);
      return [];
    };
    // The report is known at preview (a StackReference is read then): the ScrapeTargets it lists are registered here.
    this.jobNames = pulumi.unsecret(
      pulumi.all([report, pulumi.output(credentials).apply((c) => Object.keys(c ?? {}))]).apply(([raw, credentialJobs]) => {
        const read = readReport(raw);
        if ("unusable" in read) return skip(read.unusable);
        const jobs: string[] = [];
        for (const { target, reportedJob } of platformTargets(read)) {
          if (!credentialJobs.includes(reportedJob)) {
            skip(`job ${reportedJob} has no credential in ${PLATFORM_OUTPUTS.credentials}`);
            continue;
          }
          if (args.claimed.has(target.jobName)) {
            skip(`job ${target.jobName} is already scraped for another listed stack (two stacks with environment ${read.environment}?)`);
            continue;
          }
          args.claimed.add(target.jobName);
          const credential = pulumi.secret(credentials.apply((c) => c![reportedJob]));
          new ScrapeTarget(`${name}-target-${target.jobName}`, { sink: args.sink, jobName: target.jobName, target, credential }, { parent: this });
          jobs.push(target.jobName);
        }
        return jobs;
      }),
    );
    this.registerOutputs({ jobNames: this.jobNames });
  }
}
