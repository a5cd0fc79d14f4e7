/**
 * A local webhook receiver standing in for the team's alert endpoint: it records what Alertmanager's webhook
 * notifier POSTs (payload version 4, alertmanager notify/webhook/webhook.go `Message`) and lists it on GET /.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface WebhookAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint?: string;
}

export interface WebhookMessage {
  version: string;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

export interface Notification {
  /** When the sink received it (ms since epoch). */
  receivedAt: number;
  message: WebhookMessage;
}

export interface RunningSink {
  url: string;
  notifications: Notification[];
  /** Resolves with the first notification matching `match`. */
  waitFor: (match: (n: Notification) => boolean, signal?: AbortSignal) => Promise<Notification>;
  close: () => Promise<void>;
}

export async function startWebhookSink(port: number): Promise<RunningSink> {
  const notifications: Notification[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(notifications, null, 2));
      return;
    }
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw.length < 5_000_000 ? (raw += c) : undefined));
    req.on("end", () => {
      try {
        const message = JSON.parse(raw) as WebhookMessage;
        if (!Array.isArray(message.alerts)) throw new Error("no alerts array");
        notifications.push({ receivedAt: Date.now(), message });
        res.writeHead(200).end();
        waiters.forEach((w) => w());
      } catch (e) {
        res.writeHead(400, { "content-type": "text/plain" }).end(`not an Alertmanager webhook message: ${(e as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    notifications,
    waitFor: (match, signal) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = notifications.find(match);
          if (hit) {
            waiters.delete(check);
            resolve(hit);
          }
        };
        signal?.addEventListener("abort", () => {
          waiters.delete(check);
          reject(new Error("aborted"));
        });
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
