/**
 * Remote scrape targets as ScrapeConfig objects (components/monitoring/scrapeTargets.ts): the same scrape as the
 * `scrape_config` the Prometheus tests run (remoteScrapeConfig), and the alert for a target that was never created,
 * proven with promtool (Prometheus 3.x from tools/bin).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { credentialData, expectedTargetsRuleGroup, scrapeConfigObject, USERNAME_KEY } from "../../components/monitoring/scrapeTargets";
import { ruleFileYaml } from "../../components/observability/rules";
import { remoteScrapeConfig, type RemoteScrapeTarget } from "../../components/observability/scrape";
import { runPromtool, tempDir } from "../helpers/prometheus";

const bearer: RemoteScrapeTarget = {
  jobName: "ai-deploy-vllm",
  host: "0123.app.gra.ai.cloud.ovh.net",
  metricsPath: "/metrics",
  auth: { type: "bearer" },
  secretName: "ai-deploy-token",
  secretKey: "token",
  labels: { service: "vllm", environment: "test" },
};
const basic: RemoteScrapeTarget = {
  jobName: "gpu-cluster-federation",
  host: "metrics.llm.example.com",
  metricsPath: "/federate",
  params: { "match[]": ['{__name__=~"vllm:.+"}'] },
  auth: { type: "basic", username: "federate" },
  secretName: "gpu-federation",
  secretKey: "password",
  labels: { cluster: "gpu" },
  honorLabels: true,
};
const OPTS = { namespace: "monitoring", release: "kps", scrapeInterval: "30s" };

describe("ScrapeConfig objects for remote targets", () => {
  it("scrape exactly what remoteScrapeConfig renders: same job, scheme, path, params, interval, timeout, labels and targets", () => {
    for (const t of [bearer, basic]) {
      const spec = scrapeConfigObject(t, OPTS).spec as any;
      const cfg = remoteScrapeConfig(t, { scrapeInterval: OPTS.scrapeInterval }) as any;
      // CRD v0.93.1 field → scrape_config field, as the operator renders them (the job label comes from jobName).
      assert.deepEqual(
        { job: spec.jobName, scheme: spec.scheme.toLowerCase(), path: spec.metricsPath, params: spec.params, interval: spec.scrapeInterval, timeout: spec.scrapeTimeout, honor: spec.honorLabels ?? false, static: spec.staticConfigs, tls: spec.tlsConfig.insecureSkipVerify },
        { job: cfg.job_name, scheme: cfg.scheme, path: cfg.metrics_path, params: cfg.params, interval: cfg.scrape_interval, timeout: cfg.scrape_timeout, honor: cfg.honor_labels ?? false, static: cfg.static_configs, tls: cfg.tls_config.insecure_skip_verify },
        t.jobName,
      );
    }
  });

  it("name the Secret and keys for the credential, never the credential itself", () => {
    const b = scrapeConfigObject(bearer, OPTS) as any;
    assert.deepEqual(b.spec.authorization, { type: "Bearer", credentials: { name: "ai-deploy-token", key: "token" } });
    assert.equal(b.spec.basicAuth, undefined);
    assert.deepEqual(b.metadata, { name: "ai-deploy-vllm", namespace: "monitoring", labels: { release: "kps" } });
    const g = scrapeConfigObject(basic, OPTS) as any;
    assert.deepEqual(g.spec.basicAuth, { username: { name: "gpu-federation", key: USERNAME_KEY }, password: { name: "gpu-federation", key: "password" } });
    assert.deepEqual(credentialData(basic, "s3cr3t"), { password: "s3cr3t", username: "federate" });
    assert.deepEqual(credentialData(bearer, "tok"), { token: "tok" });
    assert.ok(!JSON.stringify([b, g]).includes("s3cr3t"));
  });

  it("refuse names Kubernetes or Prometheus would reject", () => {
    assert.throws(() => scrapeConfigObject({ ...bearer, jobName: "AI_Deploy" }, OPTS), /Kubernetes object name/);
    assert.throws(() => scrapeConfigObject({ ...bearer, secretName: "Bad_Name" }, OPTS), /secretName/);
    assert.throws(() => scrapeConfigObject({ ...basic, secretKey: USERNAME_KEY }, OPTS), /secretKey/);
  });

  it("the equivalent scrape_config passes promtool check config", () => {
    const { dir, remove } = tempDir("scrape-targets-");
    try {
      const jobs = [bearer, basic].map((t) => remoteScrapeConfig(t, { scrapeInterval: "30s", secretsDir: dir }));
      for (const t of [bearer, basic]) {
        fs.mkdirSync(path.join(dir, t.secretName), { recursive: true });
        fs.writeFileSync(path.join(dir, t.secretName, t.secretKey), "x");
      }
      fs.writeFileSync(path.join(dir, "prometheus.yml"), yaml.dump({ scrape_configs: jobs }));
      const r = runPromtool(["check", "config", "prometheus.yml"], dir);
      assert.equal(r.code, 0, r.output);
    } finally {
      remove();
    }
  });
});

describe("ScrapeTargetMissing (promtool test rules)", () => {
  it("fires for an expected job Prometheus has no target for, and stays silent for one it scrapes, up or down", () => {
    const group = expectedTargetsRuleGroup(["ai-deploy-vllm", "gpu-cluster-federation"], { environment: "prod" });
    const { dir, remove } = tempDir("expected-targets-");
    try {
      fs.writeFileSync(path.join(dir, "rules.yml"), ruleFileYaml([group]));
      const tests = {
        rule_files: ["rules.yml"],
        evaluation_interval: "1m",
        tests: [
          {
            // The GPU federation is scraped (and down: an `up == 0` alert's business, not this one's); the app never existed.
            interval: "1m",
            input_series: [{ series: 'up{job="gpu-cluster-federation", instance="metrics.llm.example.com"}', values: "0x30" }],
            alert_rule_test: [
              { eval_time: "10m", alertname: "ScrapeTargetMissing", exp_alerts: [] },
              {
                eval_time: "20m",
                alertname: "ScrapeTargetMissing",
                exp_alerts: [
                  {
                    exp_labels: { severity: "critical", environment: "prod", job: "ai-deploy-vllm" },
                    exp_annotations: {
                      summary: "Prometheus has no target for job ai-deploy-vllm",
                      description: group.rules[0].annotations!.description,
                    },
                  },
                ],
              },
            ],
          },
          {
            // Both scraped: silent.
            interval: "1m",
            input_series: [
              { series: 'up{job="gpu-cluster-federation", instance="m"}', values: "1x30" },
              { series: 'up{job="ai-deploy-vllm", instance="a"}', values: "1x30" },
            ],
            alert_rule_test: [{ eval_time: "20m", alertname: "ScrapeTargetMissing", exp_alerts: [] }],
          },
        ],
      };
      fs.writeFileSync(path.join(dir, "tests.yml"), yaml.dump(tests, { lineWidth: -1 }));
      const check = runPromtool(["check", "rules", "rules.yml"], dir);
      assert.equal(check.code, 0, check.output);
      const r = runPromtool(["test", "rules", "tests.yml"], dir);
      assert.equal(r.code, 0, r.output);
    } finally {
      remove();
    }
  });

  it("has no rule when nothing is expected", () => {
    assert.deepEqual(expectedTargetsRuleGroup([], { environment: "dev" }).rules, []);
  });
});
