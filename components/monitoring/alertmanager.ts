/**
 * Alertmanager routing and receivers, built from `monitoring.alerting`. Credentials never enter this config: each
 * receiver reads its URL or password from a file of the receivers Secret, which the operator mounts through
 * `alertmanager.alertmanagerSpec.secrets` at /etc/alertmanager/secrets/<secret>/<key>. The `*_file` fields exist in
 * Alertmanager v0.34.0 (the image of kube-prometheus-stack 88.5.3): webhook `url_file` (notify/webhook/config.go),
 * Slack `api_url_file` and e-mail `auth_password_file` (config/notifiers.go).
 */
import { alertingSecrets, type MonitoringConfig } from "../../config/schema";
import { LABEL } from "../observability/conventions";
import { ALERTMANAGER_SECRETS_DIR } from "./names";

type Alerting = MonitoringConfig["alerting"];

/** Keys of the receivers Secret, one per credential, and the stack secret each comes from. */
export const RECEIVER_CREDENTIALS = {
  webhookUrl: { key: "webhook-url", secret: "alertWebhookUrl" },
  slackApiUrl: { key: "slack-api-url", secret: "alertSlackWebhookUrl" },
  smtpPassword: { key: "smtp-password", secret: "alertSmtpPassword" },
} as const;
export type ReceiverCredential = keyof typeof RECEIVER_CREDENTIALS;

/** Receiver names, matched by severity. */
export const RECEIVER = { none: "null", critical: "critical", warning: "warning" } as const;

/** Timing per severity: critical is announced fast and repeated hourly, warning is batched and repeated twice a day. */
export const ROUTE_TIMING = {
  critical: { group_wait: "10s", group_interval: "1m", repeat_interval: "1h" },
  warning: { group_wait: "1m", group_interval: "10m", repeat_interval: "12h" },
} as const;

/** Labels that make two alerts "the same problem" for grouping and inhibition. */
const SAME_PROBLEM = ["alertname", LABEL.environment, LABEL.namespace, LABEL.modelName];

/** The credentials the configured receivers need (the keys of the receivers Secret). */
export function neededReceiverCredentials(alerting: Alerting): ReceiverCredential[] {
  const secrets: readonly string[] = alertingSecrets(alerting);
  return (Object.keys(RECEIVER_CREDENTIALS) as ReceiverCredential[]).filter((c) => secrets.includes(RECEIVER_CREDENTIALS[c].secret));
}

/**
 * `alertmanager.config`: critical alerts go to every configured channel, warnings to the chat-like channels
 * (webhook, Slack; e-mail only when it is the only channel), anything else (info, Watchdog) to nowhere.
 */
export function alertmanagerConfig(alerting: Alerting, receiversSecret: string): Record<string, unknown> {
  const file = (c: ReceiverCredential) => `${ALERTMANAGER_SECRETS_DIR}/${receiversSecret}/${RECEIVER_CREDENTIALS[c].key}`;
  const webhook = alerting.webhook ? { webhook_configs: [{ url_file: file("webhookUrl"), send_resolved: true }] } : {};
  const slack = alerting.slackChannel ? { slack_configs: [{ channel: alerting.slackChannel, api_url_file: file("slackApiUrl"), send_resolved: true }] } : {};
  const email = alerting.email
    ? {
        email_configs: [
          {
            to: alerting.email.to,
            from: alerting.email.from,
            smarthost: alerting.email.smarthost,
            auth_username: alerting.email.username,
            auth_password_file: file("smtpPassword"),
            require_tls: true,
            send_resolved: true,
          },
        ],
      }
    : {};
  const chat = { ...webhook, ...slack };
  const warningChannels = Object.keys(chat).length > 0 ? chat : email;

  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: RECEIVER.none,
      group_by: SAME_PROBLEM,
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: [
        // kube-prometheus-stack's always-firing heartbeat: useful only to a dead-man's switch.
        { receiver: RECEIVER.none, matchers: ['alertname = "Watchdog"'] },
        { receiver: RECEIVER.critical, matchers: ['severity = "critical"'], ...ROUTE_TIMING.critical },
        { receiver: RECEIVER.warning, matchers: ['severity = "warning"'], ...ROUTE_TIMING.warning },
      ],
    },
    // A critical alert silences the warning of the same problem (e.g. TTFT p99 over p95).
    inhibit_rules: [{ source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: SAME_PROBLEM }],
    receivers: [{ name: RECEIVER.none }, { name: RECEIVER.critical, ...chat, ...email }, { name: RECEIVER.warning, ...warningChannels }],
    templates: ["/etc/alertmanager/config/*.tmpl"],
  };
}
