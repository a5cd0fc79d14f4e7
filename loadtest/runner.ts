/**
 * The load generator. Two ways to send streaming chat completions:
 *   - closed loop: `concurrency` workers, each sending its next request when the previous one ends ("how does it
 *     behave at N concurrent streams");
 *   - open loop: requests sent at scheduled times — a Poisson process at `rate` req/s, or any schedule (the demo's
 *     ramp) — whether or not earlier ones have finished ("what request rate can it hold").
 * Per request it records the time to first token, the gaps between streamed chunks and the end-to-end latency.
 * Node's http/https with a keep-alive agent: cheaper per streamed chunk than fetch's web streams, which matters at
 * thousands of streams.
 *
 * What counts: output tokens are the content chunks the client received on successful requests (a failed request's
 * tokens are not throughput). The server's `usage` chunk is only a cross-check, reported when it disagrees.
 */
import * as http from "http";
import * as https from "https";
import { performance } from "perf_hooks";
import { poissonSchedule, type Schedule } from "./arrivals";
import { DEFAULT_MIX, PromptClass, promptPicker, PromptMix, seededRandom } from "./prompts";
import { tokenRedactor } from "./redact";
import { interpretChatEvent, SseParser } from "./sse";
import { Samples, Summary, summarize } from "./stats";
import { TimeSeriesRecorder, type SecondPoint } from "./timeseries";

export type ErrorKind = "http_4xx" | "http_5xx" | "http_other" | "timeout" | "connection" | "protocol";
export const ERROR_KINDS: readonly ErrorKind[] = ["http_4xx", "http_5xx", "http_other", "timeout", "connection", "protocol"];

/** Limits of the options (inclusive). Node timers hold at most 2^31−1 ms (≈ 24.8 days): longer ones fire at once. */
export const LIMITS = {
  concurrency: 5000,
  maxInFlight: 10_000,
  /** One day per request. */
  timeoutSeconds: 86_400,
  /** A week per run (the run's end is compared with the clock, never a single timer). */
  durationSeconds: 7 * 86_400,
  rate: 100_000,
  maxTokens: 1_000_000,
} as const;

export interface LoadOptions {
  /** OpenAI base URL, ending in /v1. */
  baseUrl: string;
  /** Bearer token (AI token of the app, or the GPU cluster's API key); omitted when empty. */
  token?: string;
  model: string;
  /** Closed loop: concurrent streams. Ignored in open loop (`rate` or `schedule`). */
  concurrency?: number;
  /** Open loop: Poisson arrivals at this many requests per second. */
  rate?: number;
  /** Open loop: explicit send times (seconds from start, ascending), e.g. `profileSchedule(...)`. */
  schedule?: Schedule;
  /** Open loop: at most this many requests in flight; an arrival beyond it is skipped and counted. Default 5000. */
  maxInFlight?: number;
  /** Stop after this many requests (started); at least one of maxRequests/durationSeconds is required (or a schedule). */
  maxRequests?: number;
  /** Stop starting requests after this many seconds; in-flight ones finish (bounded by the timeout). */
  durationSeconds?: number;
  maxTokens: number;
  /** Per-request limit, from send to last byte. */
  timeoutSeconds: number;
  mix?: PromptMix;
  /** Seed of the prompt sequence and of the Poisson arrivals. */
  seed?: number;
  temperature?: number;
  /** Stops the run: no new request, in-flight ones are cancelled (counted as aborted, not failed). */
  signal?: AbortSignal;
  /** Called about once a second while running. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedSeconds: number;
  started: number;
  completed: number;
  failed: number;
  inFlight: number;
  /** Content chunks received in the last interval, per second (every stream). */
  tokensPerSecond: number;
  /** Seconds closed since the last call (per-second series). */
  seconds: SecondPoint[];
}

/** What one request produced. */
export interface RequestOutcome {
  promptClass: PromptClass;
  ok: boolean;
  errorKind?: ErrorKind;
  error?: string;
  status?: number;
  ttftMs?: number;
  e2eMs: number;
  /** Content chunks received. */
  streamedTokens: number;
  /** `usage.completion_tokens` of the final chunk, when the server sent one. */
  usageTokens?: number;
}

export interface LoadResult {
  target: { baseUrl: string; model: string };
  mode: "closed" | "open";
  settings: {
    concurrency?: number;
    rate?: number;
    maxInFlight?: number;
    maxRequests?: number;
    durationSeconds?: number;
    maxTokens: number;
    timeoutSeconds: number;
    mix: PromptMix;
  };
  wallSeconds: number;
  requests: {
    total: number;
    ok: number;
    failed: number;
    /** Open loop: arrivals not sent because `maxInFlight` requests were already in flight. */
    skipped: number;
    /** Cancelled by the signal (Ctrl-C). */
    aborted: number;
    byPromptClass: Record<PromptClass, number>;
  };
  /** Successful requests only. */
  throughput: { requestsPerSecond: number; outputTokensPerSecond: number; outputTokens: number };
  /** Open loop: how closely the sends followed the schedule. */
  schedule?: { offeredRate: number; scheduledSeconds: number; sent: number; sendRate: number; lagP99Ms: number; lagMaxMs: number };
  /** The server's `usage.completion_tokens` against the chunks streamed, successful requests that sent usage. */
  usageCheck: { requests: number; mismatched: number; streamedTokens: number; usageTokens: number };
  /** Time to first token (first non-empty content chunk), successful requests. */
  ttftMs: Summary;
  /** Gaps between consecutive content chunks (≈ inter-token latency; a server may pack several tokens in a chunk). */
  itlMs: Summary;
  /** End-to-end latency, successful requests. */
  e2eMs: Summary;
  errors: Record<ErrorKind, number>;
  /** Up to 5 distinct error messages, for diagnosis (the token redacted in every form). */
  errorSamples: string[];
  /** One point per second of the run. */
  timeSeries: SecondPoint[];
}

class RequestFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_SOCKET"]);

export function classifyStatus(status: number): ErrorKind {
  if (status >= 400 && status < 500) return "http_4xx";
  if (status >= 500 && status < 600) return "http_5xx";
  return "http_other";
}

const isOpenLoop = (o: LoadOptions): boolean => o.rate !== undefined || o.schedule !== undefined;

function checkRange(value: number | undefined, flag: string, min: number, max: number, opts: { integer?: boolean; exclusiveMin?: boolean; unit?: string } = {}): void {
  if (value === undefined) return;
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const lowOk = opts.exclusiveMin ? value > min : value >= min;
  if (!Number.isFinite(value) || !lowOk || value > max || (opts.integer && !Number.isInteger(value)))
    throw new Error(`${flag} must be ${opts.integer ? "a whole number " : ""}${opts.exclusiveMin ? `above ${min}` : `from ${min}`} to ${max}${unit}; got ${value}`);
}

export function validateOptions(o: LoadOptions): void {
  if (!/^https?:\/\//.test(o.baseUrl)) throw new Error(`--url must be http(s)://…/v1, got ${o.baseUrl}`);
  if (o.rate !== undefined && o.schedule !== undefined) throw new Error("give a rate or a schedule, not both");
  if (isOpenLoop(o)) {
    checkRange(o.rate, "--rate", 0, LIMITS.rate, { exclusiveMin: true, unit: "requests/s" });
    checkRange(o.maxInFlight, "--max-in-flight", 1, LIMITS.maxInFlight, { integer: true });
  } else {
    if (o.concurrency === undefined) throw new Error("give --concurrency (closed loop) or --rate (open loop)");
    checkRange(o.concurrency, "--concurrency", 1, LIMITS.concurrency, { integer: true });
  }
  if (o.schedule === undefined && o.maxRequests === undefined && o.durationSeconds === undefined)
    throw new Error("give --requests and/or --duration: the load test must stop by itself");
  checkRange(o.maxRequests, "--requests", 1, Number.MAX_SAFE_INTEGER, { integer: true });
  checkRange(o.durationSeconds, "--duration", 0, LIMITS.durationSeconds, { exclusiveMin: true, unit: "seconds" });
  if (o.timeoutSeconds === undefined) throw new Error("--timeout is required");
  checkRange(o.timeoutSeconds, "--timeout", 0, LIMITS.timeoutSeconds, { exclusiveMin: true, unit: "seconds (one day; Node timers cannot hold more than ≈ 24.8 days)" });
  checkRange(o.maxTokens, "--max-tokens", 1, LIMITS.maxTokens, { integer: true });
}

/** Send times of an open-loop run: the given schedule, or Poisson at `rate` for the duration / request budget. */
function openLoopSchedule(o: LoadOptions): Schedule {
  if (o.schedule) return o.maxRequests !== undefined ? o.schedule.subarray(0, o.maxRequests) : o.schedule;
  const rate = o.rate!;
  const seconds = Math.min(o.durationSeconds ?? Infinity, o.maxRequests !== undefined ? o.maxRequests / rate : Infinity);
  return poissonSchedule(rate, seconds, (o.seed ?? 1) + 7919);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  validateOptions(options);
  const open = isOpenLoop(options);
  const mix = options.mix ?? DEFAULT_MIX;
  const pick = promptPicker(mix, seededRandom(options.seed ?? 1));
  const redact = tokenRedactor(options.token);
  const url = new URL(options.baseUrl.replace(/\/+$/, "") + "/chat/completions");
  const isHttps = url.protocol === "https:";
  const maxInFlight = options.maxInFlight ?? LIMITS.concurrency;
  const sockets = open ? maxInFlight : options.concurrency!;
  const agent = isHttps ? new https.Agent({ keepAlive: true, maxSockets: sockets }) : new http.Agent({ keepAlive: true, maxSockets: sockets });
  const client = isHttps ? https : http;

  const ttft = new Samples();
  const itl = new Samples();
  const e2e = new Samples();
  const lags = new Samples();
  const errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  const errorSamples = new Set<string>();
  const byPromptClass: Record<PromptClass, number> = { short: 0, medium: 0, long: 0 };
  const usageCheck = { requests: 0, mismatched: 0, streamedTokens: 0, usageTokens: 0 };
  let started = 0;
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  let aborted = 0;
  let okTokens = 0;
  let chunksReceived = 0;
  let chunksAtLastTick = 0;
  const inFlightRequests = new Set<http.ClientRequest>();
  const stopping = () => options.signal?.aborted === true;

  const t0 = performance.now();
  const series = new TimeSeriesRecorder(() => inFlightRequests.size);
  const body = (prompt: string) =>
    JSON.stringify({
      model: options.model,
      messages: [{ role: "user", content: prompt }],
      max_tokens: options.maxTokens,
      temperature: options.temperature ?? 0.7,
      stream: true,
      stream_options: { include_usage: true },
    });

  const send = (prompt: string, promptClass: PromptClass): Promise<RequestOutcome | undefined> =>
    new Promise((resolve) => {
      const payload = body(prompt);
      const headers: Record<string, string | number> = { "content-type": "application/json", accept: "text/event-stream", "content-length": Buffer.byteLength(payload) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const start = performance.now();
      series.sent(start - t0);
      let first: number | undefined;
      let last = 0;
      let chunks = 0;
      let usageTokens: number | undefined;
      let done = false;
      let settled = false;
      const gaps: number[] = [];

      const finish = (failure?: RequestFailure, status?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        inFlightRequests.delete(req);
        const end = performance.now();
        if (stopping() && failure) {
          resolve(undefined); // cancelled by the signal: neither a success nor the server's failure
          return;
        }
        series.completed(end - t0, !failure, end - start);
        if (failure) resolve({ promptClass, ok: false, errorKind: failure.kind, error: failure.message, status: failure.status ?? status, e2eMs: end - start, streamedTokens: chunks, usageTokens });
        else {
          for (const g of gaps) itl.push(g);
          resolve({ promptClass, ok: true, status, ttftMs: first === undefined ? undefined : first - start, e2eMs: end - start, streamedTokens: chunks, usageTokens });
        }
      };

      const req = client.request(url, { method: "POST", agent, headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text.length < 300 ? (text += c) : undefined));
          res.on("end", () => finish(new RequestFailure(classifyStatus(status), `HTTP ${status}: ${text.slice(0, 200).trim()}`, status)));
          res.on("error", () => finish(new RequestFailure(classifyStatus(status), `HTTP ${status}`, status)));
          return;
        }
        if (!/text\/event-stream/.test(String(res.headers["content-type"]))) {
          res.resume();
          finish(new RequestFailure("protocol", `expected text/event-stream, got ${String(res.headers["content-type"])}`), status);
          return;
        }
        const parser = new SseParser();
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (settled) return;
          try {
            for (const ev of parser.feed(chunk)) {
              for (const item of interpretChatEvent(ev.data)) {
                if (item.kind === "content") {
                  const now = performance.now();
                  if (first === undefined) {
                    first = now;
                    series.firstToken(now - t0, now - start);
                  } else {
                    gaps.push(now - last);
                    series.chunk(now - t0, now - last);
                  }
                  last = now;
                  chunks++;
                  chunksReceived++;
                } else if (item.kind === "usage") usageTokens = item.completionTokens;
                else if (item.kind === "done") done = true;
                else if (item.kind === "error") throw new RequestFailure("protocol", `error event in stream: ${item.message}`);
              }
            }
          } catch (e) {
            req.destroy();
            finish(e instanceof RequestFailure ? e : new RequestFailure("protocol", `malformed stream event: ${(e as Error).message}`), status);
          }
        });
        res.on("end", () => finish(done ? undefined : new RequestFailure("protocol", "stream ended without data: [DONE]"), status));
        res.on("error", (e) => finish(new RequestFailure("connection", `response aborted: ${e.message}`), status));
        res.on("aborted", () => finish(new RequestFailure("connection", "response aborted by the server"), status));
      });
      inFlightRequests.add(req);
      const timer = setTimeout(() => {
        finish(new RequestFailure("timeout", `no complete response within ${options.timeoutSeconds}s`));
        req.destroy();
      }, options.timeoutSeconds * 1000);
      req.on("error", (e: NodeJS.ErrnoException) => {
        const kind: ErrorKind = e.code && CONNECTION_CODES.has(e.code) ? "connection" : /socket hang up/.test(e.message) ? "connection" : "protocol";
        finish(new RequestFailure(kind, `${e.code ?? "error"}: ${e.message}`));
      });
      req.end(payload);
    });

  const record = (outcome: RequestOutcome | undefined) => {
    if (outcome === undefined) {
      aborted++;
      return;
    }
    if (outcome.ok) {
      ok++;
      okTokens += outcome.streamedTokens;
      e2e.push(outcome.e2eMs);
      if (outcome.ttftMs !== undefined) ttft.push(outcome.ttftMs);
      if (outcome.usageTokens !== undefined) {
        usageCheck.requests++;
        usageCheck.streamedTokens += outcome.streamedTokens;
        usageCheck.usageTokens += outcome.usageTokens;
        if (outcome.usageTokens !== outcome.streamedTokens) usageCheck.mismatched++;
      }
    } else {
      failed++;
      errors[outcome.errorKind!]++;
      // A server or proxy may echo the Authorization header in its error body: the samples go to the report.
      if (errorSamples.size < 5 && outcome.error) errorSamples.add(redact(outcome.error));
    }
  };

  const startOne = () => {
    started++;
    const { prompt, promptClass } = pick();
    byPromptClass[promptClass]++;
    return send(prompt, promptClass).then(record);
  };

  let lastTick = t0;
  let pointsReported = 0;
  const ticker = options.onProgress
    ? setInterval(() => {
        const now = performance.now();
        const rate = ((chunksReceived - chunksAtLastTick) * 1000) / (now - lastTick);
        chunksAtLastTick = chunksReceived;
        lastTick = now;
        const seconds = series.advance(now - t0, pointsReported);
        pointsReported += seconds.length;
        options.onProgress!({ elapsedSeconds: (now - t0) / 1000, started, completed: ok, failed, inFlight: inFlightRequests.size, tokensPerSecond: rate, seconds });
      }, 1000)
    : undefined;
  const onAbort = () => {
    for (const r of [...inFlightRequests]) r.destroy();
  };
  options.signal?.addEventListener("abort", onAbort);

  let schedule: Schedule | undefined;
  try {
    if (!open) {
      const deadline = options.durationSeconds !== undefined ? t0 + options.durationSeconds * 1000 : Infinity;
      const budgetLeft = () => !stopping() && (options.maxRequests === undefined || started < options.maxRequests) && performance.now() < deadline;
      const worker = async () => {
        while (budgetLeft()) await startOne();
      };
      await Promise.all(Array.from({ length: options.concurrency! }, worker));
    } else {
      schedule = openLoopSchedule(options);
      const sched = schedule;
      const pending = new Set<Promise<void>>();
      await new Promise<void>((resolve) => {
        let i = 0;
        const tick = () => {
          const now = (performance.now() - t0) / 1000;
          // Catch up on every arrival due: the count stays exact even when the event loop was late.
          while (i < sched.length && sched[i] <= now && !stopping()) {
            lags.push((now - sched[i]) * 1000);
            i++;
            if (inFlightRequests.size >= maxInFlight) {
              skipped++;
              continue;
            }
            const p = startOne();
            pending.add(p);
            void p.then(() => pending.delete(p));
          }
          if (i >= sched.length || stopping()) return resolve();
          // Sleep until the next arrival, never longer than a second (timers cannot hold long delays exactly).
          setTimeout(tick, Math.min(1000, Math.max(0, (sched[i] - now) * 1000 - 1)));
        };
        tick();
      });
      await Promise.all(pending);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener("abort", onAbort);
    agent.destroy();
  }
  const wallMs = performance.now() - t0;
  const wallSeconds = wallMs / 1000;
  const scheduledSeconds = schedule && schedule.length > 0 ? (options.rate !== undefined ? schedule.length / options.rate : Math.ceil(schedule[schedule.length - 1])) : 0;
  const lagSummary = summarize(lags.values());
  return {
    target: { baseUrl: redact(options.baseUrl), model: options.model },
    mode: open ? "open" : "closed",
    settings: {
      concurrency: open ? undefined : options.concurrency,
      rate: options.rate,
      maxInFlight: open ? maxInFlight : undefined,
      maxRequests: options.maxRequests,
      durationSeconds: options.durationSeconds,
      maxTokens: options.maxTokens,
      timeoutSeconds: options.timeoutSeconds,
      mix,
    },
    wallSeconds,
    requests: { total: started, ok, failed, skipped, aborted, byPromptClass },
    throughput: { requestsPerSecond: ok / wallSeconds, outputTokensPerSecond: okTokens / wallSeconds, outputTokens: okTokens },
    schedule:
      open && schedule
        ? {
            offeredRate: scheduledSeconds > 0 ? schedule.length / scheduledSeconds : 0,
            scheduledSeconds,
            sent: started,
            sendRate: scheduledSeconds > 0 ? started / scheduledSeconds : 0,
            lagP99Ms: lagSummary.count ? lagSummary.p99 : 0,
            lagMaxMs: lagSummary.count ? lagSummary.max : 0,
          }
        : undefined,
    usageCheck,
    ttftMs: summarize(ttft.values()),
    itlMs: summarize(itl.values()),
    e2eMs: summarize(e2e.values()),
    errors,
    errorSamples: [...errorSamples],
    timeSeries: series.finish(wallMs),
  };
}
