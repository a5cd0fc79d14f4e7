/** Config slice: the monitoring stack (`monitoring`: kube-prometheus-stack on the monitoring cluster). */
import { z } from "zod";
import { cidr, dnsLabel, intBetween, msg, positive, promDuration, promSize, ratio, storageSize } from "./common";
import { sloSchema } from "./slo";

/** docs/runbooks.md: the default `runbookUrl` (a path in this repository). */
export const RUNBOOK_PATH = "docs/runbooks.md";

export const alertThresholdsSchema = z
  .object({
    ttftP95Seconds: positive.default(2),
    ttftP99Seconds: positive.default(5),
    e2eP99Seconds: positive.default(60),
    itlP99Seconds: positive.default(0.2),
    /** Requests slower than this count as slow (must be a vLLM e2e bucket edge). */
    slowRequestSeconds: positive.default(30),
    kvCacheUsageRatio: ratio.default(0.9),
    queueDepthPerReplica: positive.default(10),
    preemptionsPerSecond: positive.default(0.1),
    http5xxRatio: ratio.default(0.05),
    gpuTemperatureCelsius: positive.default(85),
    gpuMemoryUsedRatio: ratio.default(0.95),
  })
  .strict();

export const monitoringSchema = z
  .object({
    enabled: z.literal(true).default(true),
    namespace: dnsLabel.default("monitoring"),
    /** Helm release name; also `fullnameOverride`, so Prometheus is `<release>-prometheus:9090`. */
    releaseName: dnsLabel.default("kps"),
    retention: promDuration.default("15d"),
    retentionSize: promSize.optional(),
    scrapeInterval: promDuration.default("15s"),
    storageClass: z.string().min(1).default("csi-cinder-high-speed"),
    prometheusStorage: storageSize.default("50Gi"),
    alertmanagerStorage: storageSize.default("10Gi"),
    grafanaStorage: storageSize.default("10Gi"),
    prometheusReplicas: intBetween(1, 3).default(1),
    grafana: z
      .object({
        /** ClusterIP: reach it with `kubectl port-forward`; LoadBalancer: public IP limited to `sourceRanges`. */
        exposure: z.enum(["ClusterIP", "LoadBalancer"], msg("ClusterIP or LoadBalancer")).default("ClusterIP"),
        sourceRanges: z.array(cidr).default([]),
      })
      .strict()
      .default({ exposure: "ClusterIP", sourceRanges: [] })
      .superRefine((g, ctx) => {
        if (g.exposure === "LoadBalancer" && g.sourceRanges.length === 0)
          ctx.addIssue({ code: "custom", path: ["sourceRanges"], input: g.sourceRanges, message: "at least one CIDR when exposure is LoadBalancer (Grafana is never open to all)" });
      }),
    alerting: z
      .object({
        /** Send to the webhook URL of the secret `alertWebhookUrl`. */
        webhook: z.boolean(msg("true or false")).default(false),
        /** Slack channel for the secret `alertSlackWebhookUrl`. */
        slackChannel: z.string().regex(/^#[\w-]+$/, msg("a Slack channel such as #llm-alerts")).optional(),
        email: z
          .object({ to: z.email(msg("an e-mail address")), from: z.email(msg("an e-mail address")), smarthost: z.string().regex(/^[\w.-]+:\d+$/, msg("host:port")), username: z.string().min(1) })
          .strict()
          .optional(),
        thresholds: alertThresholdsSchema.default(alertThresholdsSchema.parse({})),
        /**
         * Where the team publishes docs/runbooks.md (e.g. its rendered page on your Git host); each alert's
         * `runbook_url` is `<runbookUrl>#<alert name in lower case>`. The default is the path in this repository.
         */
        runbookUrl: z
          .string(msg("an https URL of docs/runbooks.md"))
          .regex(/^(https:\/\/[^\s#]+|docs\/runbooks\.md)$/, msg("an https URL of docs/runbooks.md, without #fragment"))
          .default(RUNBOOK_PATH),
      })
      .strict()
      .default({ webhook: false, thresholds: alertThresholdsSchema.parse({}), runbookUrl: RUNBOOK_PATH }),
    /** Service level objectives per model: recording rules, burn-rate alerts and the SLO dashboard. */
    slo: sloSchema.default(sloSchema.parse({})),
    remoteWrite: z
      .object({
        enabled: z.boolean(msg("true or false")).default(false),
        /** Prometheus remote-write endpoint, e.g. Mimir `https://mimir.example.com/api/v1/push`. */
        url: z.url(msg("an https URL")).optional(),
        /** Sent as `X-Scope-OrgID` (Mimir tenant). */
        tenant: z.string().min(1).optional(),
        /** Basic-auth user; the password is the secret `remoteWritePassword`. */
        username: z.string().min(1).optional(),
      })
      .strict()
      .default({ enabled: false })
      .superRefine((r, ctx) => {
        if (r.enabled && !r.url) ctx.addIssue({ code: "custom", path: ["url"], input: r.url, message: "an https URL when remoteWrite.enabled is true" });
        if (r.url && !r.url.startsWith("https://")) ctx.addIssue({ code: "custom", path: ["url"], input: r.url, message: "an https URL (metrics leave the cluster)" });
      }),
  })
  .strict();
