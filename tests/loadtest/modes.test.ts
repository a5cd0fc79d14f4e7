/**
 * Load-tester modes (open loop, sweep with SLO verdicts, per-second series) and its defences against hostile
 * input: bounded timeouts, token counts from the stream (usage only a cross-check), failed requests out of
 * throughput, the token redacted in every form a server could echo it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { poissonSchedule, profileSchedule } from "../../loadtest/arrivals";
import { formatReport, formatSweep } from "../../loadtest/report";
import { REDACTED, tokenRedactor } from "../../loadtest/redact";
import { LIMITS, runLoad, validateOptions, type LoadOptions } from "../../loadtest/runner";
import { judge, parseSlo } from "../../loadtest/slo";
import { summarize } from "../../loadtest/stats";
import { maxWithinSlo, parseSteps, runSweep } from "../../loadtest/sweep";
import { capacityCurve, writePlot } from "../../loadtest/plot";
import { startVllmStandIn } from "../../playground/vllmStandIn";
import { startFakeOpenAiServer } from "../fakes/openaiServer";
import { runTsxScript } from "../helpers/cli";

const TOKEN = "sk-live-4f9aB7/+xyz=Q2~token";

describe("load tester: token redaction", () => {
  const redact = tokenRedactor(TOKEN);
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  it("exact, URL-encoded and JSON-escaped echoes", () => {
    assert.equal(redact(`got Bearer ${TOKEN}.`), `got Bearer ${REDACTED}.`);
    assert.equal(redact(`?key=${encodeURIComponent(TOKEN)}&x=1`), `?key=${REDACTED}&x=1`);
    assert.ok(!redact(JSON.stringify({ auth: TOKEN })).includes("4f9aB7"));
  });

  it("base64 at any byte alignment, standard and URL-safe alphabets (Basic credentials, debug dumps)", () => {
    for (const wrapped of [TOKEN, `Bearer ${TOKEN}`, `u:${TOKEN}`, `ab${TOKEN}cd`, `${TOKEN}\n`]) {
      for (const enc of [b64(wrapped), b64(wrapped).replace(/\+/g, "-").replace(/\//g, "_")]) {
        const out = redact(`authorization: Basic ${enc}`);
        assert.ok(out.includes(REDACTED), `${wrapped} → ${enc} not redacted: ${out}`);
        // At most the 3 edge characters next to the token's bytes remain of the encoding.
        const left = out.replace("authorization: Basic ", "").split(REDACTED).join("");
        assert.ok(left.length <= enc.length - TOKEN.length, `${out}`);
      }
    }
  });

  it("a prefix of 8+ characters (a gateway logging the start of the token), not ordinary text", () => {
    assert.equal(redact(`token sk-live-4f9a… rejected`), `token ${REDACTED}… rejected`);
    assert.equal(redact(`token ${TOKEN.slice(0, 14)} rejected`), `token ${REDACTED} rejected`);
    assert.equal(redact("sk-live is a prefix too short to be told from text"), "sk-live is a prefix too short to be told from text");
    assert.equal(tokenRedactor(undefined)("anything"), "anything");
    assert.equal(tokenRedactor("abc")("xabcx"), `x${REDACTED}x`, "a short token is redacted whole");
  });

  it("a server echoing the token (exact, base64, prefix) leaves no trace in the report or the JSON", async () => {
    const forms = [(a: string) => a, (a: string) => `Basic ${b64(`user:${a.slice(7)}`)}`, (a: string) => `${a.slice(0, 20)}...`];
    for (const form of forms) {
      const server = await startFakeOpenAiServer({ echoAuthorization: form });
      try {
        const r = await runLoad({ baseUrl: server.url, token: TOKEN, model: "m", concurrency: 1, maxRequests: 2, maxTokens: 4, timeoutSeconds: 5 });
        assert.equal(r.errors.http_4xx, 2);
        const out = JSON.stringify(r) + formatReport(r);
        assert.ok(out.includes(REDACTED), out);
        for (const leak of [TOKEN, TOKEN.slice(0, 10), b64(`user:${TOKEN}`).slice(8, 30)]) assert.ok(!out.includes(leak), `leaked ${leak}: ${r.errorSamples.join(" | ")}`);
      } finally {
        await server.close();
      }
    }
  });
});

describe("load tester: option limits", () => {
  const base: LoadOptions = { baseUrl: "http://127.0.0.1:1/v1", model: "m", concurrency: 1, maxRequests: 1, maxTokens: 8, timeoutSeconds: 1 };

  it("a timeout a Node timer cannot hold (> ~24.8 days) is refused, the limit named; so are NaN and Infinity", () => {
    assert.throws(() => validateOptions({ ...base, timeoutSeconds: 30 * 86_400 }), /--timeout must be above 0 to 86400 seconds \(one day; Node timers cannot hold more than ≈ 24\.8 days\); got 2592000/);
    for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => validateOptions({ ...base, timeoutSeconds: bad }), /--timeout/);
    validateOptions({ ...base, timeoutSeconds: LIMITS.timeoutSeconds });
  });

  it("rates, in-flight caps, durations and concurrency are bounded", () => {
    const open = { ...base, concurrency: undefined };
    assert.throws(() => validateOptions({ ...open, rate: 0 }), /--rate must be above 0/);
    assert.throws(() => validateOptions({ ...open, rate: 1e9 }), /--rate/);
    assert.throws(() => validateOptions({ ...open, rate: 5, maxInFlight: 0.5 }), /--max-in-flight must be a whole number/);
    assert.throws(() => validateOptions({ ...base, durationSeconds: 1e12 }), /--duration/);
    assert.throws(() => validateOptions({ ...base, concurrency: 5001 }), /--concurrency must be a whole number from 1 to 5000/);
    assert.throws(() => validateOptions({ ...open }), /--concurrency \(closed loop\) or --rate/);
    assert.throws(() => validateOptions({ ...open, rate: 1, schedule: new Float64Array(1) }), /not both/);
    validateOptions({ ...open, rate: 5, durationSeconds: 3 });
  });

  it("the longest timeout allowed does not fire early (the overflow made every request time out at once)", async () => {
    const server = await startFakeOpenAiServer({ tokenDelayMs: 2 });
    try {
      const r = await runLoad({ ...base, baseUrl: server.url, maxRequests: 3, timeoutSeconds: LIMITS.timeoutSeconds });
      assert.deepEqual([r.requests.ok, r.errors.timeout], [3, 0]);
    } finally {
      await server.close();
    }
  });

  it("CLI: an overflowing --timeout exits 2 with the limit, before any request", async () => {
    const { code, stderr } = await runTsxScript("loadtest/cli.ts", ["--url", "http://127.0.0.1:9/v1", "--model", "m", "--timeout", "3000000"], { timeoutMs: 20_000 });
    assert.equal(code, 2);
    assert.match(stderr, /--timeout must be above 0 to 86400 seconds/);
  });
});

describe("load tester: what counts as throughput", function () {
  this.timeout(15_000);

  it("tokens come from the stream; a server's inflated usage is reported, not believed", async () => {
    const server = await startFakeOpenAiServer({ tokensPerResponse: 6, reportedCompletionTokens: 350_000_000_000 });
    try {
      const r = await runLoad({ baseUrl: server.url, model: "m", concurrency: 2, maxRequests: 4, maxTokens: 6, timeoutSeconds: 5 });
      assert.equal(r.throughput.outputTokens, 24);
      assert.ok(r.throughput.outputTokensPerSecond < 1e6, `${r.throughput.outputTokensPerSecond} tokens/s`);
      assert.deepEqual(r.usageCheck, { requests: 4, mismatched: 4, streamedTokens: 24, usageTokens: 4 * 350_000_000_000 });
      assert.match(formatReport(r), /usage disagrees with the stream on 4 of 4 requests/);
    } finally {
      await server.close();
    }
  });

  it("a request that fails mid-stream adds nothing to throughput", async () => {
    const server = await startFakeOpenAiServer({ tokensPerResponse: 10, fault: (n) => (n % 2 === 0 ? "drop" : undefined) });
    try {
      const r = await runLoad({ baseUrl: server.url, model: "m", concurrency: 1, maxRequests: 6, maxTokens: 10, timeoutSeconds: 5 });
      assert.deepEqual([r.requests.ok, r.requests.failed], [3, 3]);
      assert.equal(r.throughput.outputTokens, 30, "only the 3 complete streams' 10 tokens each");
      assert.ok(r.timeSeries.reduce((s, p) => s + p.chunksReceived, 0) > 30, "the per-second series still shows every chunk received");
    } finally {
      await server.close();
    }
  });
});

describe("load tester: open loop", function () {
  this.timeout(20_000);

  it("schedules: exact counts, Poisson-like gaps, profiles sending their integral", () => {
    const s = poissonSchedule(50, 40, 3);
    assert.equal(s.length, 2000);
    assert.ok(s.every((t, i) => t >= 0 && t < 40 && (i === 0 || t >= s[i - 1])));
    const gaps = Array.from(s.subarray(1), (t, i) => t - s[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const cv = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length) / mean;
    assert.ok(Math.abs(mean - 1 / 50) < 0.002 && cv > 0.9 && cv < 1.1, `mean gap ${mean}, coefficient of variation ${cv} (exponential: 1)`);
    assert.deepEqual(poissonSchedule(50, 40, 3), s, "seeded");
    const ramp = profileSchedule([{ seconds: 10, fromRate: 2 }, { seconds: 10, fromRate: 2, toRate: 22 }]);
    assert.equal(ramp.length, 20 + 120);
    assert.ok(ramp.filter((t) => t >= 15).length > ramp.filter((t) => t >= 10 && t < 15).length, "the rate rises along the ramp");
  });

  it("sends exactly rate × duration over the run (±1 %), every request reaching the server spread over the window", async () => {
    const server = await startFakeOpenAiServer({ tokensPerResponse: 2 });
    try {
      const rate = 200;
      const seconds = 2;
      const t0 = performance.now();
      const r = await runLoad({ baseUrl: server.url, model: "m", rate, durationSeconds: seconds, maxTokens: 2, timeoutSeconds: 5 });
      // Exactly rate × seconds sent over the scheduled window, every one received by the server. How late the sends
      // ran (a CPU-starved machine) is reported as send lag, not hidden: the arrivals at the server span the window.
      const arrivals = server.stats.arrivalsMs.map((t) => (t - t0) / 1000);
      assert.equal(r.requests.total, rate * seconds);
      assert.equal(arrivals.length, rate * seconds, "every request reached the server");
      const span = Math.max(...arrivals) - Math.min(...arrivals);
      assert.ok(span > seconds * 0.9 && span < seconds + r.schedule!.lagMaxMs / 1000 + 1, `arrivals spread over ${span.toFixed(2)}s (lag max ${r.schedule!.lagMaxMs.toFixed(0)} ms)`);
      assert.ok(Math.abs(r.schedule!.sendRate / rate - 1) <= 0.01, `send rate ${r.schedule!.sendRate}`);
      assert.equal(r.mode, "open");
      assert.match(formatReport(r), /open loop \(Poisson arrivals\), 200\.00 req\/s offered/);
      // Per-second series: every request accounted for in some second.
      assert.equal(r.timeSeries.reduce((s, p) => s + p.sent, 0), r.requests.total);
      assert.equal(r.timeSeries.reduce((s, p) => s + p.ok, 0), r.requests.ok);
    } finally {
      await server.close();
    }
  });

  it("an arrival beyond the in-flight cap is skipped and counted, never queued in the client", async () => {
    const server = await startFakeOpenAiServer({ tokensPerResponse: 3, tokenDelayMs: 200 });
    try {
      const r = await runLoad({ baseUrl: server.url, model: "m", rate: 100, maxRequests: 40, maxInFlight: 5, maxTokens: 3, timeoutSeconds: 5 });
      assert.ok(server.stats.maxInFlight <= 5 && r.requests.skipped > 0, `in flight ${server.stats.maxInFlight}, skipped ${r.requests.skipped}`);
      assert.equal(r.requests.total + r.requests.skipped, 40);
      assert.match(formatReport(r), /skipped at the in-flight cap/);
    } finally {
      await server.close();
    }
  });

  it("an abort signal stops the run: no new request, in-flight ones cancelled (not failures)", async () => {
    const server = await startFakeOpenAiServer({ tokensPerResponse: 100, tokenDelayMs: 50 });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const r = await runLoad({ baseUrl: server.url, model: "m", concurrency: 3, durationSeconds: 60, maxTokens: 100, timeoutSeconds: 30, signal: controller.signal });
      assert.ok(Date.now() - started < 3000, "stopped promptly");
      assert.deepEqual([r.requests.aborted, r.requests.failed], [3, 0]);
    } finally {
      await server.close();
    }
  });
});

describe("load tester: sweep and SLO verdicts", function () {
  this.timeout(30_000);

  it("parses SLOs and steps, judges summaries, finds the highest step before the first miss", () => {
    const slo = parseSlo("ttft.p95=500,itl.p99=50ms,errors=1%");
    assert.deepEqual(slo, { latency: [{ metric: "ttft", stat: "p95", maxMs: 500 }, { metric: "itl", stat: "p99", maxMs: 50 }], maxErrorRatio: 0.01 });
    assert.throws(() => parseSlo("ttft.p42=5"), /--slo expects terms like ttft\.p95=500/);
    assert.throws(() => parseSlo("errors=150%"), /ratio ≤ 1/);
    assert.throws(() => parseSteps("4,2", "--sweep-rates"), /ascending/);
    const fast = summarize([100, 200, 300]);
    const verdict = judge(slo, { summaries: { ttft: fast, itl: summarize([60]), e2e: fast }, sent: 100, failed: 2 });
    assert.deepEqual(verdict.violations, ["itl.p99 60.0ms > 50ms", "errors 2.00% > 1%"]);
    assert.ok(!judge(slo, { summaries: { ttft: summarize([]), itl: fast, e2e: fast }, sent: 1, failed: 1 }).pass, "no sample is no proof");
    const pass = { pass: true, violations: [] };
    const miss = { pass: false, violations: ["x"] };
    assert.equal(maxWithinSlo([{ value: 1, verdict: pass }, { value: 2, verdict: pass }, { value: 4, verdict: miss }, { value: 8, verdict: pass }]), 2);
    assert.equal(maxWithinSlo([{ value: 1, verdict: miss }]), null);
  });

  it("on a stand-in of known capacity, the verdict passes below it and misses above it", async () => {
    // 8 sequences in the batch, 10 ms per engine step, 10 tokens per request: a request takes 10 steps (≥ 100 ms),
    // so the engine completes at most 8 / 0.1 s = 80 requests/s (fewer when the machine's timers run late).
    const standIn = await startVllmStandIn({ servedModelName: "m", token: TOKEN, engine: { maxNumSeqs: 8, stepBaseMs: 10, stepPerSeqMs: 0, prefillTokensPerMs: 1e9, meanNaturalTokens: 1e9 } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-"));
    try {
      const result = await runSweep({
        base: { baseUrl: standIn.baseUrl, token: TOKEN, model: "m", maxTokens: 10, timeoutSeconds: 10 },
        kind: "rate",
        values: [15, 30, 120],
        stepSeconds: 1,
        slo: parseSlo("ttft.p95=300"),
      });
      const [low, mid, over] = result.steps;
      assert.deepEqual(result.steps.map((s) => s.verdict.pass), [true, true, false], formatSweep(result, { model: "m", baseUrl: standIn.baseUrl }));
      assert.equal(result.maxWithinSlo, 30);
      assert.match(over.verdict.violations[0], /^ttft\.p95 \d+\.\dms > 300ms$/);
      assert.ok(over.result.throughput.requestsPerSecond < 80, `completed ${over.result.throughput.requestsPerSecond} req/s above the engine's 80 req/s ceiling`);
      assert.ok(low.result.requests.ok === 15 && mid.result.requests.ok === 30, "below capacity every request completes");
      assert.match(formatSweep(result, { model: "m", baseUrl: standIn.baseUrl }), /Capacity: 30 req\/s is the highest step within the SLO/);
      assert.ok(result.steps.every((s) => s.result.timeSeries.length >= 1), "each step has its per-second series");
      // The capacity plot (what --plots writes): SVG with the SLO line, and a PNG.
      const [svg, png] = await writePlot(dir, "capacity", capacityCurve(result));
      assert.match(fs.readFileSync(svg, "utf8"), /^<svg[\s\S]*SLO ttft\.p95 ≤ 300 ms[\s\S]*highest step within the SLO: 30 req\/s/);
      assert.ok(fs.statSync(png).size > 10_000);
    } finally {
      await standIn.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
