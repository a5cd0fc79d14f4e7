import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AiDeployConfig } from "../../config/schema";
import { AiDeployAppResource, AiDeployTokenResource, type ProviderOptions } from "./providers";
import { appSpecInput, servedModelName, tokenInput, type AppTracing } from "./spec";

export interface AiDeployAppArgs {
  /** OVH Public Cloud project id. */
  serviceName: string;
  /** Validated `aiDeploy` settings of the stack. */
  config: AiDeployConfig;
  /** Environment name (dev, prod): put on the app as a label. */
  environment: string;
  /** Hugging Face token (secret) for gated models; sent as env `HF_TOKEN`, stored only as a secret. */
  hfToken?: pulumi.Output<string>;
  /**
   * Request tracing: the `--otlp-traces-endpoint` arguments and plain OTEL_* variables, plus secret variables (the
   * OTLP endpoint's credential) sent like the HF token, only in requests.
   */
  tracing?: { app: AppTracing; secretEnv: pulumi.Output<Record<string, string>> };
  /** Provider tuning (poll interval, client retries); defaults suit the real API. */
  providerOptions?: ProviderOptions;
}

/**
 * A vLLM server on OVHcloud AI Deploy, private (token only), autoscaled on one of its own vLLM metrics, plus an AI
 * token that reaches exactly this app (label selector `ovh-llm-app=<id>`) for clients and Prometheus.
 *
 * Ownership: a `random.RandomId` in this stack's state is the app resource's identity (label `ovh-llm-app`, with
 * `ovh-llm-stack` and `ovh-llm-env`). It exists before the app, so a run that lost the create answer finds its app
 * again, while another stack (or another person's state of the same stack) never takes it.
 */
export class AiDeployApp extends pulumi.ComponentResource {
  /** OVH id of the app. */
  public readonly appId: pulumi.Output<string>;
  /** `https://<appId>.app.<region>.ai.cloud.ovh.net`. */
  public readonly url: pulumi.Output<string>;
  /** vLLM metrics endpoint (`<url>/metrics`, bearer token required). */
  public readonly metricsUrl: pulumi.Output<string>;
  /** Host of the app without scheme: the Prometheus scrape target. */
  public readonly host: pulumi.Output<string>;
  /** Last observed state (RUNNING after a successful create). */
  public readonly state: pulumi.Output<string>;
  /** Bearer token of the app (secret). */
  public readonly token: pulumi.Output<string>;
  /** The `model` clients send and vLLM's `model_name` label. */
  public readonly modelName: pulumi.Output<string>;

  constructor(name: string, args: AiDeployAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:aideploy:App", name, {}, opts);
    const ownerId = new random.RandomId(`${name}-owner`, { byteLength: 6 }, { parent: this }).hex;
    const stack = pulumi.getStack();
    const body = ownerId.apply((appId) => appSpecInput(args.config, { appId, stack, environment: args.environment }, args.tracing?.app));

    const app = new AiDeployAppResource(
      `${name}-app`,
      {
        serviceName: args.serviceName,
        body,
        ...(args.hfToken ? { hfToken: pulumi.secret(args.hfToken) } : {}),
        ...(args.tracing ? { secretEnv: pulumi.secret(args.tracing.secretEnv) } : {}),
        readyTimeoutMinutes: args.config.readyTimeoutMinutes,
      },
      { parent: this },
      args.providerOptions,
    );

    // Created after the app: if the app cannot be created, no token exists for nothing. The selector names the
    // resource's id, not OVH's app id, so an app re-created later (replacement) is reached by the same token.
    const token = new AiDeployTokenResource(
      `${name}-token`,
      { serviceName: args.serviceName, body: ownerId.apply((appId) => tokenInput(args.config, { appId })), renewalCounter: args.config.token.renewalCounter },
      { parent: this, dependsOn: [app] },
      args.providerOptions,
    );

    this.appId = app.appId;
    this.url = app.url;
    this.metricsUrl = app.url.apply((u) => `${u.replace(/\/+$/, "")}/metrics`);
    this.host = app.host;
    this.state = app.state;
    // The real engine applies additionalSecretOutputs; mocks and older state do not, so say it here too.
    this.token = pulumi.secret(token.value);
    this.modelName = pulumi.output(servedModelName(args.config));

    this.registerOutputs({ appId: this.appId, url: this.url, metricsUrl: this.metricsUrl, host: this.host, state: this.state, token: this.token, modelName: this.modelName });
  }
}
