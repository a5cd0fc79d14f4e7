/**
 * The load generator: `concurrency` workers send streaming chat completions until the request budget or the
 * duration is used up, and record per request the time to first token, the gaps between streamed chunks and the
 * end-to-end latency. Node's http/https with a keep-alive agent (one socket per worker): cheaper per streamed
 * chunk than fetch's web streams, which matters at hundreds of streams.
 */
import * as http from "http";
import * as https from "https";
import { performance } from "perf_hooks";
import { DEFAULT_MIX, PromptClass, promptPicker, PromptMix, seededRandom } from "./prompts";
import { interpretChatEvent, SseParser } from "./sse";
import { Samples, Summary, summarize } from "./stats";

export type ErrorKind = "http_4xx" | "http_5xx" | "http_other" | "timeout" | "connection" | "protocol";
export const ERROR_KINDS: readonly ErrorKind[] = ["http_4xx", "http_5xx", "http_other", "timeout", "connection", "protocol"];

export interface LoadOptions {
  /** OpenAI base URL, ending in /v1. */
  baseUrl: string;
  /** Bearer token (AI token of the app, or the GPU cluster's API key); omitted when empty. */
  token?: string;
  model: string;
  concurrency: number;
  /** Stop after this many requests (started); at least one of maxRequests/durationSeconds is required. */
  maxRequests?: number;
  /** Stop starting requests after this many seconds; in-flight ones finish (bounded by the timeout). */
  durationSeconds?: number;
  maxTokens: number;
  /** Per-request limit, from send to last byte. */
  timeoutSeconds: number;
  mix?: PromptMix;
  /** Seed of the prompt sequence. */
  seed?: number;
  temperature?: number;
  /** Called about once a second while running. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedSeconds: number;
  started: number;
  completed: number;
  failed: number;
  inFlight: number;
  /** Completion tokens received in the last interval, per second. */
  tokensPerSecond: number;
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
  completionTokens: number;
}

export interface LoadResult {
  target: { baseUrl: string; model: string };
  settings: { concurrency: number; maxRequests?: number; durationSeconds?: number; maxTokens: number; timeoutSeconds: number; mix: PromptMix };
  wallSeconds: number;
  requests: { total: number; ok: number; failed: number; byPromptClass: Record<PromptClass, number> };
  throughput: { requestsPerSecond: number; outputTokensPerSecond: number; outputTokens: number };
  /** Time to first token (first non-empty content chunk), successful requests. */
  ttftMs: Summary;
  /** Gaps between consecutive content chunks (≈ inter-token latency; a server may pack several tokens in a chunk). */
  itlMs: Summary;
  /** End-to-end latency, successful requests. */
  e2eMs: Summary;
  errors: Record<ErrorKind, number>;
  /** Up to 5 distinct error messages, for diagnosis. */
  errorSamples: string[];
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

export function validateOptions(o: LoadOptions): void {
  if (!/^https?:\/\//.test(o.baseUrl)) throw new Error(`--url must be http(s)://…/v1, got ${o.baseUrl}`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 5000) throw new Error("--concurrency must be a whole number from 1 to 5000");
  if (o.maxRequests === undefined && o.durationSeconds === undefined) throw new Error("give --requests and/or --duration: the load test must stop by itself");
  if (o.maxRequests !== undefined && (!Number.isInteger(o.maxRequests) || o.maxRequests < 1)) throw new Error("--requests must be a whole number ≥ 1");
  if (o.durationSeconds !== undefined && !(o.durationSeconds > 0)) throw new Error("--duration must be > 0 seconds");
  if (!(o.timeoutSeconds > 0)) throw new Error("--timeout must be > 0 seconds");
  if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1) throw new Error("--max-tokens must be a whole number ≥ 1");
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  validateOptions(options);
  const mix = options.mix ?? DEFAULT_MIX;
  const pick = promptPicker(mix, seededRandom(options.seed ?? 1));
  const url = new URL(options.baseUrl.replace(/\/+$/, "") + "/chat/completions");
  const isHttps = url.protocol === "https:";
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: options.concurrency })
    : new http.Agent({ keepAlive: true, maxSockets: options.concurrency });

  const ttft = new Samples();
  const itl = new Samples();
  const e2e = new Samples();
  const errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  const errorSamples = new Set<string>();
  const byPromptClass: Record<PromptClass, number> = { short: 0, medium: 0, long: 0 };
  let started = 0;
  let ok = 0;
  let failed = 0;
  let tokens = 0;
  let tokensAtLastTick = 0;

  const t0 = performance.now();
  const deadline = options.durationSeconds !== undefined ? t0 + options.durationSeconds * 1000 : Infinity;
  const budgetLeft = () => (options.maxRequests === undefined || started < options.maxRequests) && performance.now() < deadline;

  const send = (prompt: string, promptClass: PromptClass): Promise<RequestOutcome> =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        model: options.model,
        messages: [{ role: "user", content: prompt }],
        max_tokens: options.maxTokens,
        temperature: options.temperature ?? 0.7,
        stream: true,
        stream_options: { include_usage: true },
      });
      const headers: Record<string, string | number> = { "content-type": "application/json", accept: "text/event-stream", "content-length": Buffer.byteLength(body) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const start = performance.now();
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
        const end = performance.now();
        const completionTokens = usageTokens ?? chunks;
        if (failure) resolve({ promptClass, ok: false, errorKind: failure.kind, error: failure.message, status: failure.status ?? status, e2eMs: end - start, completionTokens });
        else {
          for (const g of gaps) itl.push(g);
          resolve({ promptClass, ok: true, status, ttftMs: first === undefined ? undefined : first - start, e2eMs: end - start, completionTokens });
        }
      };

      const req = (isHttps ? https : http).request(url, { method: "POST", agent, headers }, (res) => {
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
                  if (first === undefined) first = now;
                  else gaps.push(now - last);
                  last = now;
                  chunks++;
                  tokens++;
                } else if (item.kind === "usage") {
                  tokens += item.completionTokens - chunks; // usage is exact; chunks were an estimate
                  usageTokens = item.completionTokens;
                } else if (item.kind === "done") done = true;
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
      const timer = setTimeout(() => {
        finish(new RequestFailure("timeout", `no complete response within ${options.timeoutSeconds}s`));
        req.destroy();
      }, options.timeoutSeconds * 1000);
      req.on("error", (e: NodeJS.ErrnoException) => {
        const kind: ErrorKind = e.code && CONNECTION_CODES.has(e.code) ? "connection" : /socket hang up/.test(e.message) ? "connection" : "protocol";
        finish(new RequestFailure(kind, `${e.code ?? "error"}: ${e.message}`));
      });
      req.end(body);
    });

  let lastTick = t0;
  const ticker = options.onProgress
    ? setInterval(() => {
        const now = performance.now();
        const rate = ((tokens - tokensAtLastTick) * 1000) / (now - lastTick);
        tokensAtLastTick = tokens;
        lastTick = now;
        options.onProgress!({ elapsedSeconds: (now - t0) / 1000, started, completed: ok, failed, inFlight: started - ok - failed, tokensPerSecond: rate });
      }, 1000)
    : undefined;

  const worker = async () => {
    while (budgetLeft()) {
      started++;
      const { prompt, promptClass } = pick();
      byPromptClass[promptClass]++;
      const outcome = await send(prompt, promptClass);
      if (outcome.ok) {
        ok++;
        e2e.push(outcome.e2eMs);
        if (outcome.ttftMs !== undefined) ttft.push(outcome.ttftMs);
      } else {
        failed++;
        errors[outcome.errorKind!]++;
        // A server or proxy may echo the Authorization header in its error body: the samples go to the report.
        if (errorSamples.size < 5 && outcome.error) errorSamples.add(options.token ? outcome.error.split(options.token).join("[secret]") : outcome.error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    if (ticker) clearInterval(ticker);
    agent.destroy();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  return {
    target: { baseUrl: options.baseUrl, model: options.model },
    settings: { concurrency: options.concurrency, maxRequests: options.maxRequests, durationSeconds: options.durationSeconds, maxTokens: options.maxTokens, timeoutSeconds: options.timeoutSeconds, mix },
    wallSeconds,
    requests: { total: started, ok, failed, byPromptClass },
    throughput: { requestsPerSecond: ok / wallSeconds, outputTokensPerSecond: tokens / wallSeconds, outputTokens: tokens },
    ttftMs: summarize(ttft.values()),
    itlMs: summarize(itl.values()),
    e2eMs: summarize(e2e.values()),
    errors,
    errorSamples: [...errorSamples],
  };
}
