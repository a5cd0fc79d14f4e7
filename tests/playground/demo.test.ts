/**
 * The demo, short: the real Prometheus and Alertmanager of tools/bin with the dev stack's rules and routing, the
 * vLLM stand-in overloaded, an alert caused by the load reaching the webhook sink, and everything stopped within
 * the bound. Plus the pure parts: time scaling of the rendered config, the stand-in's metrics against the catalogue.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { exposedSeries, VLLM } from "../../components/metrics/catalogue";
import { alertDefinitions } from "../../components/observability/rules";
import { runDemo } from "../../playground/demo";
import { formatDuration, loadStack, parseDuration, renderDemo, scaleRanges } from "../../playground/demoConfig";
import { startVllmStandIn } from "../../playground/vllmStandIn";
import { freePort } from "../helpers/prometheus";

describe("demo: what it runs", () => {
  it("scales durations and range windows, nothing else", () => {
    assert.deepEqual([parseDuration("1h30m"), parseDuration("250ms"), formatDuration(15_000), formatDuration(1500), formatDuration(90_000)], [5_400_000, 250, "15s", "1500ms", "90s"]);
    assert.throws(() => parseDuration("5 minutes"), /not a Prometheus duration/);
    assert.equal(scaleRanges("rate(x_bucket{le=\"10.0\"}[5m]) > 2 and increase(y[10m:1m])", 20), 'rate(x_bucket{le="10.0"}[15s]) > 2 and increase(y[30s:3s])');
  });

  it("renders dev's scrape job, every alert with its threshold and Alertmanager's routing, times divided by the scale", () => {
    const stack = loadStack("dev");
    const r = renderDemo({ stack, target: "127.0.0.1:1", alertmanager: "127.0.0.1:2", secretsDir: "/s", timeScale: 20 });
    const prom = yaml.load(r.prometheusYaml) as { scrape_configs: { job_name: string; scrape_interval: string; authorization: { credentials_file: string } }[] };
    assert.equal(prom.scrape_configs[0].job_name, `ai-deploy-${stack.aiDeploy!.name}`);
    assert.equal(prom.scrape_configs[0].authorization.credentials_file, `/s/${r.files.aiDeployToken}`);
    assert.equal(prom.scrape_configs[0].scrape_interval, "1s", "dev's 15s / 20 = 750 ms, raised to the 1 s floor");
    assert.equal((yaml.load(renderDemo({ stack, target: "x:1", alertmanager: "x:2", secretsDir: "/s", timeScale: 5 }).prometheusYaml) as typeof prom).scrape_configs[0].scrape_interval, "3s");
    const thresholds = stack.monitoring!.alerting.thresholds;
    const defs = alertDefinitions(thresholds);
    assert.deepEqual(r.alerts.sort(), [...defs.map((d) => d.alert), "ScrapeTargetMissing"].sort(), "every alert of the program, and the expected-target alert of the stack");
    assert.deepEqual(r.longWindowAlerts.sort(), ["SloErrorBudgetBurnFast", "SloErrorBudgetBurnSlow"], "the demo does not wait for alerts with hour-long windows");
    const rules = (yaml.load(r.rulesYaml) as { groups: { rules: { alert?: string; for?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const queue = rules.find((x) => x.alert === "VllmQueueDepthHigh")!;
    assert.deepEqual([queue.for, queue.expr.endsWith(`> ${thresholds.queueDepthPerReplica}`)], ["15s", true], "for: 5m → 15s, threshold untouched");
    const am = yaml.load(r.alertmanagerYaml) as { route: { routes: { receiver: string; group_wait?: string }[] }; receivers: { name: string; webhook_configs?: { url_file: string }[] }[] };
    assert.equal(am.route.routes.find((x) => x.receiver === "critical")!.group_wait, "500ms", "critical group_wait 10s / 20");
    assert.ok(am.receivers.filter((x) => x.webhook_configs).every((x) => x.webhook_configs![0].url_file === `/s/${r.files.webhookUrl}`));
  });

  it("the stand-in's /metrics carries every vLLM series of the catalogue, behind the token", async () => {
    const standIn = await startVllmStandIn({ servedModelName: "qwen3-8b", token: "t0k" });
    try {
      assert.equal((await fetch(`${standIn.url}/metrics`)).status, 401);
      const text = await (await fetch(`${standIn.url}/metrics`, { headers: { authorization: "Bearer t0k" } })).text();
      const names = new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]));
      const missing = Object.values(VLLM).flatMap(exposedSeries).filter((n) => !names.has(n));
      assert.deepEqual(missing, []);
      assert.match(text, /vllm:num_requests_waiting\{[^}]*model_name="qwen3-8b"/);
    } finally {
      await standIn.close();
    }
  });
});

describe("demo: short run on the real Prometheus and Alertmanager", function () {
  this.timeout(60_000);

  it("starts, an alert caused by the load reaches the webhook sink, everything stops within the bound", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "demo-test-"));
    const ports = { vllm: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), sink: await freePort() };
    const bound = 40;
    const started = Date.now();
    try {
      const r = await runDemo({ durationSeconds: bound, timeScale: 120, ports, outDir: out, until: "firing", phases: { baseline: 1, ramp: 0, overload: bound }, plots: false });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(r.outcome, "fired", JSON.stringify(r.statuses.slice(-3)));
      assert.ok(seconds < bound + 10, `took ${seconds}s (bound ${bound}s + shutdown)`);
      const firing = r.notifications.flatMap((n) => n.message.alerts.filter((a) => a.status === "firing"));
      assert.ok(firing.length > 0);
      // Alerts of the overload (latency, queue, KV cache, SLO burn), never of availability: the stand-in stayed up.
      const names = firing.map((a) => a.labels.alertname);
      const availability = /Unavailable|Degraded|ReplicaDown|ScrapeTarget|MetricsDown|Interleaved|^Gpu/;
      assert.ok(names.every((n) => /^(Vllm|Slo)/.test(n) && !availability.test(n)), names.join(", "));
      // Through the program's routing (receiver by severity), with the rule's labels.
      for (const n of r.notifications) assert.equal(n.message.receiver, n.message.alerts[0].labels.severity);
      assert.ok(firing.every((a) => a.labels.environment === "dev"));
      assert.ok(firing.some((a) => a.labels.model_name === "qwen3-8b"), "the per-model alerts name the served model");
      // The queue really grew: the alert reflects the engine, not a timer.
      assert.ok(r.statuses.some((s) => (s.queue ?? 0) > 10), "queue never above the threshold");
      assert.ok(fs.existsSync(path.join(out, "demo.json")));
      // Everything it started is gone: every port can be bound again.
      for (const port of Object.values(ports))
        await new Promise<void>((resolve, reject) => {
          const srv = net.createServer().once("error", reject);
          srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
        });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("a busy port is a clear error naming the flag, and nothing is left running", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        runDemo({ durationSeconds: 10, timeScale: 120, ports: { vllm: 0, prometheus: port, alertmanager: 0, sink: 0 }, outDir: os.tmpdir(), until: "firing", plots: false }),
        new RegExp(`Prometheus port ${port} on 127\\.0\\.0\\.1 is in use: stop what listens there or pick another with --prometheus-port`),
      );
    } finally {
      busy.close();
    }
  });
});
