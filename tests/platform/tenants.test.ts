import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { writeFileSync } from "fs";
import { join } from "path";
import * as yaml from "js-yaml";
import { TENANT_HEADER, tenantRemoteWriteConfig, tenantRemoteWriteSpecs, tenantRoutes } from "../../components/platform/tenants";
import { runPromtool, startPrometheus, tempDir, type RunningPrometheus } from "../helpers/prometheus";
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from "../helpers/remoteWriteReceiver";

const ROUTES = tenantRoutes(["dev", "prod"]);

/** A platform Prometheus: dev and prod jobs labelled like the platform's ScrapeConfigs, its own series labelled `platform`. */
function platformConfig(remoteWriteUrl: string, targetHost: string): Record<string, unknown> {
  const job = (environment: string) => ({ job_name: `app-${environment}`, scrape_interval: "1s", static_configs: [{ targets: [targetHost], labels: { environment } }] });
  return {
    global: { scrape_interval: "1s", external_labels: { environment: "platform" } },
    scrape_configs: [job("dev"), job("prod"), { job_name: "prometheus", scrape_interval: "1s", static_configs: [{ targets: ["127.0.0.1:1"] }] }],
    // Test-only: send at once instead of after the 5 s default deadline.
    remote_write: tenantRemoteWriteConfig(remoteWriteUrl, ROUTES).map((rw) => ({ ...rw, queue_config: { batch_send_deadline: "200ms" } })),
  };
}

describe("one Mimir tenant per environment: remote write routed on the environment label (real Prometheus 3)", function () {
  this.timeout(30_000);
  let receiver: RemoteWriteReceiver;
  let prometheus: RunningPrometheus;
  let metrics: http.Server;

  before(async () => {
    receiver = await startRemoteWriteReceiver();
    metrics = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end("demo_requests_total 7\n"));
    await new Promise<void>((r) => metrics.listen(0, "127.0.0.1", () => r()));
    const host = `127.0.0.1:${(metrics.address() as AddressInfo).port}`;
    prometheus = await startPrometheus({ configYaml: yaml.dump(platformConfig(receiver.url, host)) });
    const has = (tenant: string, job: string) => receiver.writes.some((w) => w.tenant === tenant && w.series.some((s) => s.__name__ === "demo_requests_total" && s.job === job));
    await receiver.until(() => has("dev", "app-dev") && has("prod", "app-prod"), 20_000);
  });
  after(async () => {
    await prometheus?.stop();
    await receiver?.close();
    await new Promise<void>((r) => (metrics ? metrics.close(() => r()) : r()));
  });

  it("passes promtool check config (Prometheus 3.5)", () => {
    const { dir, remove } = tempDir("tenants-");
    try {
      writeFileSync(join(dir, "prometheus.yml"), yaml.dump(platformConfig("https://mimir.example.com/api/v1/push", "example.com:443")));
      const r = runPromtool(["check", "config", "prometheus.yml"], dir);
      assert.equal(r.code, 0, r.output);
    } finally {
      remove();
    }
  });

  it("sends every series under the tenant of its environment only: dev's never reach prod's tenant, nor the reverse", () => {
    const wrong = receiver.writes.flatMap((w) => w.series.filter((s) => s.environment !== w.tenant).map((s) => `${s.__name__}{environment=${s.environment},job=${s.job}} under tenant ${w.tenant}`));
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.ok(receiver.writes.every((w) => w.tenant === "dev" || w.tenant === "prod"), "every request names a listed tenant");
  });

  it("sends the platform's own series (external label environment=platform) to no tenant", () => {
    const platform = receiver.writes.flatMap((w) => w.series).filter((s) => s.environment === "platform" || s.job === "prometheus");
    assert.deepEqual(platform.slice(0, 3), []);
  });

  it("renders the same routes as prometheus-operator RemoteWriteSpec fields (headers, writeRelabelConfigs)", () => {
    const [dev] = tenantRemoteWriteSpecs("https://mimir/api/v1/push", ROUTES);
    assert.deepEqual(dev, { name: "tenant-dev", url: "https://mimir/api/v1/push", headers: { [TENANT_HEADER]: "dev" }, writeRelabelConfigs: [{ sourceLabels: ["environment"], regex: "dev", action: "keep" }] });
    assert.throws(() => tenantRemoteWriteSpecs("https://m", [{ environment: "dev.*", tenant: "dev" }]), /not a DNS label/);
  });
});
