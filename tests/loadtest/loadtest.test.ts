import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_MIX, parseMix, promptPicker, PROMPT_POOLS, seededRandom } from "../../loadtest/prompts";
import { formatProgress, formatReport } from "../../loadtest/report";
import { LoadOptions, LoadResult, runLoad, validateOptions } from "../../loadtest/runner";
import { interpretChatEvent, SseParser } from "../../loadtest/sse";
import { percentile, Samples, summarize } from "../../loadtest/stats";
import { targetFromOutputs } from "../../loadtest/target";
import { Fault, startFakeOpenAiServer } from "../fakes/openaiServer";
import { runTsxScript } from "../helpers/cli";

describe("load tester: pure parts", () => {
  it("nearest-rank percentiles and summaries", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    const s = summarize(hundred);
    assert.deepEqual([s.count, s.min, s.p50, s.p95, s.p99, s.max, s.mean], [100, 1, 50, 95, 99, 100, 50.5]);
    assert.equal(percentile(Float64Array.from([1, 2, 3, 4]), 50), 2);
    assert.equal(percentile(Float64Array.from([7]), 99), 7);
    assert.ok(Number.isNaN(summarize([]).p50));
  });

  it("Samples grows past its first buffer without losing values", () => {
    const s = new Samples();
    for (let i = 0; i < 5000; i++) s.push(i);
    assert.deepEqual([s.length, s.values()[0], s.values()[4999]], [5000, 0, 4999]);
  });

  it("parses SSE split anywhere, with CRLF, comments and multi-line data", () => {
    const stream = ': keep-alive\r\ndata: {"a":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
    const whole = new SseParser().feed(stream);
    assert.deepEqual(whole, [{ event: undefined, data: '{"a":1}' }, { event: "x", data: "line1\nline2" }, { event: undefined, data: "[DONE]" }]);
    const parser = new SseParser();
    const byChar = [...stream].flatMap((c) => parser.feed(c));
    assert.deepEqual(byChar, whole);
    assert.equal(parser.pending, false);
    const truncated = new SseParser();
    truncated.feed("data: {\"partial\"");
    assert.equal(truncated.pending, true);
  });

  it("interprets chat chunks: content, usage, done, error events; malformed JSON throws", () => {
    assert.deepEqual(interpretChatEvent('{"choices":[{"delta":{"content":"Hi"}}]}'), [{ kind: "content", text: "Hi" }]);
    assert.deepEqual(interpretChatEvent('{"choices":[{"delta":{"role":"assistant","content":""}}]}'), [{ kind: "other" }]);
    assert.deepEqual(interpretChatEvent('{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9}}'), [{ kind: "usage", completionTokens: 9, promptTokens: 5 }]);
    assert.deepEqual(interpretChatEvent(" [DONE]"), [{ kind: "done" }]);
    assert.deepEqual(interpretChatEvent('{"error":{"message":"boom"}}'), [{ kind: "error", message: "boom" }]);
    assert.throws(() => interpretChatEvent("{nope"));
  });

  it("draws prompts by the 2:4:6 mix, repeatably for a seed; zero weights never drawn", () => {
    const pick = promptPicker(DEFAULT_MIX, seededRandom(42));
    const counts = { short: 0, medium: 0, long: 0 };
    for (let i = 0; i < 12_000; i++) counts[pick().promptClass]++;
    assert.ok(Math.abs(counts.short - 2000) < 200 && Math.abs(counts.medium - 4000) < 250 && Math.abs(counts.long - 6000) < 250, JSON.stringify(counts));
    const a = promptPicker(DEFAULT_MIX, seededRandom(7));
    const b = promptPicker(DEFAULT_MIX, seededRandom(7));
    assert.deepEqual(Array.from({ length: 20 }, a), Array.from({ length: 20 }, b));
    const onlyShort = promptPicker(parseMix("short=1"), seededRandom(1));
    for (let i = 0; i < 200; i++) assert.ok(PROMPT_POOLS.short.includes(onlyShort().prompt));
    assert.throws(() => parseMix("tiny=3"), /--mix expects/);
    assert.throws(() => parseMix("short=0"), /at least one/);
  });

  it("requires a bound and sane numbers", () => {
    const base: LoadOptions = { baseUrl: "http://127.0.0.1:1/v1", model: "m", concurrency: 1, maxTokens: 8, timeoutSeconds: 1 };
    assert.throws(() => validateOptions(base), /must stop by itself/);
    assert.throws(() => validateOptions({ ...base, maxRequests: 1, concurrency: 0 }), /--concurrency/);
    assert.throws(() => validateOptions({ ...base, maxRequests: 1, baseUrl: "ftp://x" }), /--url/);
    validateOptions({ ...base, durationSeconds: 1 });
  });

  it("picks the stack endpoint and its token from outputs", () => {
    const outputs = {
      endpoints: { "ai-deploy": { url: "https://a/v1", model: "ministral-14b", kind: "ai-deploy" }, "qwen3-vl-8b": { url: "https://q/v1", model: "qwen3-vl-8b", kind: "gpu-cluster" } },
      endpointTokens: { "ai-deploy": "tok-a", "qwen3-vl-8b": "tok-q" },
    };
    assert.deepEqual(targetFromOutputs("prod", outputs, "qwen3-vl-8b"), { baseUrl: "https://q/v1", model: "qwen3-vl-8b", token: "tok-q" });
    assert.throws(() => targetFromOutputs("prod", outputs), /several endpoints: pick one with --target \(ai-deploy, qwen3-vl-8b\)/);
    assert.throws(() => targetFromOutputs("prod", outputs, "nope"), /no endpoint "nope"/);
    assert.throws(() => targetFromOutputs("prod", { ...outputs, endpointTokens: "[secret]" }, "ai-deploy"), /not readable/);
    assert.equal(targetFromOutputs("dev", { endpoints: { "ai-deploy": outputs.endpoints["ai-deploy"] } }).model, "ministral-14b");
  });

  it("formats the report and progress with every figure", () => {
    const s = summarize([10, 20, 30]);
    const result: LoadResult = {
      target: { baseUrl: "http://x/v1", model: "m" },
      mode: "closed",
      settings: { concurrency: 4, maxRequests: 3, maxTokens: 8, timeoutSeconds: 5, mix: DEFAULT_MIX },
      wallSeconds: 2,
      requests: { total: 4, ok: 3, failed: 1, skipped: 0, aborted: 0, byPromptClass: { short: 1, medium: 1, long: 2 } },
      throughput: { requestsPerSecond: 1.5, outputTokensPerSecond: 12, outputTokens: 24 },
      ttftMs: s,
      itlMs: s,
      e2eMs: summarize([1500, 12_000]),
      errors: { http_4xx: 0, http_5xx: 1, http_other: 0, timeout: 0, connection: 0, protocol: 0 },
      errorSamples: ["HTTP 500: boom"],
      usageCheck: { requests: 3, mismatched: 1, streamedTokens: 24, usageTokens: 3e11 },
      timeSeries: [],
    };
    const text = formatReport(result);
    assert.match(text, /Throughput \(successful requests\): 1\.50 req\/s, 12\.0 output tokens\/s/);
    assert.match(text, /closed loop, 4 concurrent streams/);
    assert.match(text, /usage disagrees with the stream on 1 of 3 requests \(usage 300000000000 tokens, stream 24 chunks\)/);
    assert.match(text, /TTFT +20\.0ms +30\.0ms +30\.0ms/);
    assert.match(text, /E2E +1500ms +12\.0s/);
    assert.match(text, /Errors: http_5xx 1\n {2}e\.g\. HTTP 500: boom/);
    assert.equal(formatProgress({ elapsedSeconds: 3, started: 9, completed: 5, failed: 1, inFlight: 3, tokensPerSecond: 40.2, seconds: [] }), "[   3s] 5 ok, 1 failed, 3 in flight, 40 tok/s");
  });
});

describe("load tester against a fake OpenAI-compatible server", function () {
  this.timeout(15_000);
  const TOKEN = "test-token-123";

  it("streams with the token, bounded concurrency, and measures TTFT, ITL, E2E and tokens", async () => {
    const server = await startFakeOpenAiServer({ token: TOKEN, firstTokenDelayMs: 30, tokenDelayMs: 3 });
    try {
      const progress: number[] = [];
      const r = await runLoad({ baseUrl: server.url, token: TOKEN, model: "qwen3-8b", concurrency: 10, maxRequests: 40, maxTokens: 8, timeoutSeconds: 5, onProgress: (p) => progress.push(p.completed) });
      assert.deepEqual([r.requests.total, r.requests.ok, r.requests.failed, server.stats.unauthorized], [40, 40, 0, 0]);
      assert.equal(r.throughput.outputTokens, 40 * 8, "streamed chunks");
      assert.deepEqual(r.usageCheck, { requests: 40, mismatched: 0, streamedTokens: 320, usageTokens: 320 }, "the server's usage agrees");
      assert.deepEqual([[...server.stats.models], [...server.stats.maxTokens]], [["qwen3-8b"], [8]]);
      assert.ok(server.stats.maxInFlight <= 10 && server.stats.maxInFlight >= 5, `max in flight ${server.stats.maxInFlight}`);
      // Lower bounds come from the fake's delays; upper bounds from the contract (no machine-speed limits):
      // every successful request ended within timeoutSeconds, so its E2E (ms) is below it and bounds TTFT and ITL.
      assert.ok(r.ttftMs.p50 >= 29, `TTFT p50 ${r.ttftMs.p50} below the fake's 30 ms first-token delay`);
      assert.equal(r.itlMs.count, 40 * 7, "7 gaps between 8 chunks");
      assert.ok(r.itlMs.p50 >= 2, `ITL p50 ${r.itlMs.p50} below the fake's 3 ms token delay`);
      assert.ok(r.e2eMs.p50 >= r.ttftMs.p50 + 7 * 2, "E2E covers prefill and decode");
      assert.ok(r.e2eMs.max < 5 * 1000, `E2E max ${r.e2eMs.max} ms exceeds the 5 s timeout: not milliseconds?`);
      assert.ok(r.ttftMs.max <= r.e2eMs.max && r.itlMs.max <= r.e2eMs.max, "TTFT and ITL are parts of E2E");
      assert.ok(r.throughput.requestsPerSecond > 0 && r.throughput.outputTokensPerSecond > 0);
    } finally {
      await server.close();
    }
  });

  it("counts streamed chunks as tokens when the server sends no usage", async () => {
    const server = await startFakeOpenAiServer({ usage: false, tokensPerResponse: 5 });
    try {
      const r = await runLoad({ baseUrl: server.url, model: "m", concurrency: 2, maxRequests: 4, maxTokens: 50, timeoutSeconds: 5 });
      assert.equal(r.throughput.outputTokens, 20);
    } finally {
      await server.close();
    }
  });

  it("sorts failures by kind: HTTP class, timeout, connection, protocol", async () => {
    const faults: (Fault | undefined)[] = ["http500", "http429", "drop", "malformed", "no-done", "error-event", "hang", undefined];
    const server = await startFakeOpenAiServer({ token: TOKEN, tokensPerResponse: 6, fault: (n) => faults[n - 1] });
    try {
      const r = await runLoad({ baseUrl: server.url, token: TOKEN, model: "m", concurrency: 1, maxRequests: faults.length, maxTokens: 6, timeoutSeconds: 0.4 });
      assert.deepEqual(r.errors, { http_4xx: 1, http_5xx: 1, http_other: 0, timeout: 1, connection: 1, protocol: 3 });
      assert.deepEqual([r.requests.ok, r.requests.failed], [1, 7]);
      assert.ok(r.errorSamples.some((e) => /HTTP 500: .*injected 500/.test(e)), r.errorSamples.join(" | "));
      assert.ok(r.errorSamples.length <= 5);
    } finally {
      await server.close();
    }
  });

  it("a wrong token is a 4xx for every request", async () => {
    const server = await startFakeOpenAiServer({ token: TOKEN });
    try {
      const r = await runLoad({ baseUrl: server.url, token: "wrong", model: "m", concurrency: 2, maxRequests: 4, maxTokens: 4, timeoutSeconds: 2 });
      assert.deepEqual([r.errors.http_4xx, server.stats.unauthorized, r.requests.ok], [4, 4, 0]);
    } finally {
      await server.close();
    }
  });

  it("stops by itself at the duration; refused connections are connection errors", async () => {
    const server = await startFakeOpenAiServer({ tokenDelayMs: 5 });
    const t0 = Date.now();
    const r = await runLoad({ baseUrl: server.url, model: "m", concurrency: 4, durationSeconds: 0.5, maxTokens: 10, timeoutSeconds: 2 });
    const elapsed = Date.now() - t0;
    await server.close();
    // Stops starting requests at the duration; in-flight ones end within their timeout (2 s).
    assert.ok(elapsed >= 500 && elapsed < 500 + 2000, `ran ${elapsed}ms`);
    assert.ok(r.requests.ok >= 8, `${r.requests.ok} requests`);
    const refused = await runLoad({ baseUrl: server.url, model: "m", concurrency: 1, maxRequests: 2, maxTokens: 4, timeoutSeconds: 2 });
    assert.equal(refused.errors.connection, 2);
  });

  it("CLI: --url/--token/--model run, report on stdout, JSON file written", async () => {
    const server = await startFakeOpenAiServer({ token: TOKEN, tokenDelayMs: 1 });
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-")), "r.json");
    try {
      const { code, stdout, stderr } = await runTsxScript(
        "loadtest/cli.ts",
        ["--url", server.url, "--model", "m", "--requests", "6", "--concurrency", "3", "--max-tokens", "5", "--json", json],
        { env: { ...process.env, LOADTEST_TOKEN: TOKEN }, timeoutMs: 20_000 },
      );
      assert.equal(code, 0, `${stdout}${stderr}`);
      assert.match(stdout, /Requests: 6 sent, 6 ok, 0 failed/);
      assert.equal((JSON.parse(fs.readFileSync(json, "utf8")) as LoadResult).throughput.outputTokens, 30);
    } finally {
      await server.close();
      fs.rmSync(path.dirname(json), { recursive: true, force: true });
    }
  });
});
