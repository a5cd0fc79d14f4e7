/** Config slice: the monitoring stack (`monitoring`: kube-prometheus-stack on the monitoring cluster). */
import { z } from "zod";
import { parseIpv4Cidr } from "../formats/network";
import { kubeSizeBytes, promSizeBytes } from "../formats/units";
import { cidr, dnsLabel, dnsSubdomain, hostPort, httpsUrl, intBetween, listOf, msg, positive, promDurationBetween, promSize, ratio, storageSize } from "./common";
import { sloSchema } from "./slo";

/** docs/runbooks.md: the default `runbookUrl` (a path in this repository). */
export const RUNBOOK_PATH = "docs/runbooks.md";

/**
 * Mimir tenant ids (grafana.com/docs/mimir/latest/configure/about-tenant-ids): at most 150 characters of
 * alphanumerics and ! - _ . * ' ( ), not "." or "..", not __mimir_cluster. Sent as the X-Scope-OrgID header, so
 * nothing else (a CR/LF would inject headers).
 */
const MIMIR_TENANT = "a Mimir tenant id: at most 150 characters of a-z, A-Z, 0-9 and ! - _ . * ' ( ), not . or .. or __mimir_cluster";
const isMimirTenant = (s: string) => /^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(s) && s !== "." && s !== ".." && s !== "__mimir_cluster";

/** HTTP basic-auth user ids (RFC 7617 2: no ':' and no control characters), at most 256 characters. */
const BASIC_AUTH_USER = "a user name without ':' or spaces (HTTP basic auth, RFC 7617), at most 256 characters";
const isBasicAuthUser = (s: string) => /^[\x21-\x39\x3b-\x7e]{1,256}$/.test(s);

/**
 * Grafana source ranges no wider than a /8 (Grafana is never open to all; with at most 50 entries of /8 or narrower
 * the list cannot add up to every address either).
 */
function openGrafanaIssues(ranges: readonly string[], ctx: z.RefinementCtx): void {
  ranges.forEach((r, i) => {
    const parsed = parseIpv4Cidr(r);
    if ("range" in parsed && parsed.range.prefix < 8)
      ctx.addIssue({ code: "custom", path: ["sourceRanges", i], input: r, message: "a CIDR of /8 or narrower (Grafana is never open to all: list your office/VPN ranges)" });
  });
}

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
    /**
     * `embedded`: this stack builds its own monitoring cluster and kube-prometheus-stack (single-environment users).
     * `platform`: no monitoring here; the stack exports the platform contract (components/platform/contract.ts) and
     * the platform stack scrapes it. The other monitoring keys are then unused.
     */
    mode: z.enum(["embedded", "platform"], msg("embedded or platform")).default("embedded"),
    namespace: dnsLabel.default("monitoring"),
    /** Helm release name; also `fullnameOverride`, so Prometheus is `<release>-prometheus:9090`. */
    releaseName: dnsLabel.default("kps"),
    retention: promDurationBetween("2h", "10y").default("15d"),
    retentionSize: promSize.optional(),
    scrapeInterval: promDurationBetween("1s", "5m").default("15s"),
    storageClass: dnsSubdomain.default("csi-cinder-high-speed"),
    prometheusStorage: storageSize.default("50Gi"),
    alertmanagerStorage: storageSize.default("10Gi"),
    grafanaStorage: storageSize.default("10Gi"),
    prometheusReplicas: intBetween(1, 3).default(1),
    grafana: z
      .object({
        /** ClusterIP: reach it with `kubectl port-forward`; LoadBalancer: public IP limited to `sourceRanges`. */
        exposure: z.enum(["ClusterIP", "LoadBalancer"], msg("ClusterIP or LoadBalancer")).default("ClusterIP"),
        sourceRanges: listOf(cidr, 50, "a list of IPv4 CIDRs").default([]),
      })
      .strict()
      .default({ exposure: "ClusterIP", sourceRanges: [] })
      .superRefine((g, ctx) => {
        openGrafanaIssues(g.sourceRanges, ctx);
        if (g.exposure === "LoadBalancer" && g.sourceRanges.length === 0)
          ctx.addIssue({ code: "custom", path: ["sourceRanges"], input: g.sourceRanges, message: "at least one CIDR when exposure is LoadBalancer (Grafana is never open to all)" });
      }),
    alerting: z
      .object({
        /** Send to the webhook URL of the secret `alertWebhookUrl`. */
        webhook: z.boolean(msg("true or false")).default(false),
        /** Slack channel for the secret `alertSlackWebhookUrl` (Slack: lower-case letters, digits, - and _, at most 80). */
        slackChannel: z.string(msg("a Slack channel such as #llm-alerts")).regex(/^#[a-z0-9_-]{1,80}$/, msg("a Slack channel such as #llm-alerts (lower case, at most 80 characters)")).optional(),
        email: z
          .object({
            to: z.email(msg("an e-mail address")),
            from: z.email(msg("an e-mail address")),
            smarthost: hostPort,
            username: z.string(msg(BASIC_AUTH_USER)).refine(isBasicAuthUser, msg(BASIC_AUTH_USER)),
          })
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
        url: httpsUrl.optional(),
        /** Sent as `X-Scope-OrgID` (Mimir tenant). */
        tenant: z.string(msg(MIMIR_TENANT)).refine(isMimirTenant, msg(MIMIR_TENANT)).optional(),
        /** Basic-auth user; the password is the secret `remoteWritePassword`. */
        username: z.string(msg(BASIC_AUTH_USER)).refine(isBasicAuthUser, msg(BASIC_AUTH_USER)).optional(),
      })
      .strict()
      .default({ enabled: false })
      .superRefine((r, ctx) => {
        if (r.enabled && !r.url) ctx.addIssue({ code: "custom", path: ["url"], input: r.url, message: "an https URL when remoteWrite.enabled is true" });
      }),
  })
  .strict()
  .superRefine((m, ctx) => {
    const retained = m.retentionSize === undefined ? undefined : promSizeBytes(m.retentionSize);
    const volume = kubeSizeBytes(m.prometheusStorage);
    if (retained !== undefined && volume !== undefined && retained > volume)
      ctx.addIssue({
        code: "custom",
        path: ["retentionSize"],
        input: m.retentionSize,
        message: `at most prometheusStorage (${m.prometheusStorage}; Prometheus' GB is GiB): the volume would fill before retention deletes anything`,
      });
  });
