/**
 * One remote scrape target of the central Prometheus: its credential Secret and its ScrapeConfig, created when the
 * target exists and changed on their own (no Helm upgrade, no Prometheus restart: the operator reloads). The
 * MonitoringStack makes one per target it is given; anything else that knows the stack's `targetSink` can add more
 * (e.g. a platform stack adding other environments read through StackReferences).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RemoteScrapeTarget } from "../observability/scrape";
import { checkScrapeTarget, credentialData, scrapeConfigObject } from "./scrapeTargets";

/** Where scrape targets go: what a ScrapeTarget needs of the monitoring stack. */
export interface ScrapeTargetSink {
  /** Kubernetes provider of the monitoring cluster. */
  provider: k8s.Provider;
  /** Prometheus' namespace (the operator reads the Secrets of a ScrapeConfig in its own namespace). */
  namespace: pulumi.Input<string>;
  /** The kube-prometheus-stack release: it installs the ScrapeConfig CRD and runs the operator. */
  release: pulumi.Resource;
  /** Release name, put on the objects as the `release` label. */
  releaseName: string;
  scrapeInterval: string;
  /** Labels every object of the stack carries. */
  labels: Record<string, string>;
}

/**
 * A remote HTTPS scrape target and its credential (bearer token or basic-auth password), kept apart: the target is
 * public (it ends up in the ScrapeConfig), the credential only in the Secret `target.secretName`.
 */
export interface RemoteScrapeTargetWithCredential {
  /** The job name, known before the target's address is: it names the resources and the expected-target alert. */
  jobName: string;
  /** The target (may be an Output: an AI Deploy app's host is known once the app exists); its jobName must be `jobName`. */
  target: pulumi.Input<RemoteScrapeTarget>;
  /** The credential itself, a secret (wrapped with `pulumi.secret` here again in case the caller did not). */
  credential: pulumi.Input<string>;
}

export interface ScrapeTargetArgs extends RemoteScrapeTargetWithCredential {
  sink: ScrapeTargetSink;
}

export class ScrapeTarget extends pulumi.ComponentResource {
  /** The ScrapeConfig object's name (= the job name). */
  public readonly scrapeConfigName: pulumi.Output<string>;

  constructor(name: string, args: ScrapeTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:monitoring:ScrapeTarget", name, {}, opts);
    const { sink } = args;
    const child = { parent: this, provider: sink.provider };
    // The target is public by contract; unsecret it in case it travelled in an Output together with its credential.
    const target = pulumi.unsecret(
      pulumi.output(args.target).apply((t) => {
        if (t.jobName !== args.jobName) throw new Error(`scrape target ${args.jobName}: its target says job "${t.jobName}"`);
        checkScrapeTarget(t);
        return t;
      }),
    );
    const credential = pulumi.secret(args.credential);

    // Only the namespace and the credential: created as soon as the credential exists.
    const secret = new k8s.core.v1.Secret(
      `${name}-credential`,
      {
        metadata: { name: target.secretName, namespace: sink.namespace, labels: sink.labels },
        type: "Opaque",
        stringData: pulumi.secret(pulumi.all([target, credential]).apply(([t, c]) => credentialData(t, c))),
      },
      child,
    );
    const object = pulumi
      .all([target, sink.namespace])
      .apply(([t, namespace]) => scrapeConfigObject(t, { namespace, release: sink.releaseName, scrapeInterval: sink.scrapeInterval, labels: sink.labels }));
    const scrapeConfig = new k8s.apiextensions.CustomResource(
      `${name}-scrape-config`,
      { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "ScrapeConfig", metadata: object.apply((o) => o.metadata), spec: object.apply((o) => o.spec) },
      // The CRD comes with the release; the operator rejects a ScrapeConfig whose Secret is missing.
      { ...child, dependsOn: [sink.release, secret] },
    );
    this.scrapeConfigName = scrapeConfig.metadata.name;
    this.registerOutputs({ scrapeConfigName: this.scrapeConfigName });
  }
}
