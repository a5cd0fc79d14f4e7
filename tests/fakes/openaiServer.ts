/**
 * A fake OpenAI-compatible (vLLM-like) server for the load tester's tests and benchmark: `/v1/chat/completions`
 * streamed as SSE with a configurable delay per token, Bearer token check, and injectable failures. Listens on
 * 127.0.0.1 only. Run standalone (`tsx tests/fakes/openaiServer.ts --token-delay-ms 20`) it prints its URL.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { performance } from "perf_hooks";

/** A failure to inject into one request. */
export type Fault = "http500" | "http429" | "drop" | "malformed" | "hang" | "no-done" | "error-event";

export interface FakeServerOptions {
  /** Required Bearer token; any token accepted when unset. */
  token?: string;
  /** Delay before the first token (prefill). */
  firstTokenDelayMs?: number;
  /** Delay between tokens (decode). */
  tokenDelayMs?: number;
  /** Tokens per response; default the request's max_tokens (capped at 4096). */
  tokensPerResponse?: number;
  /** Decides a fault for the n-th request (1-based), or none. */
  fault?: (n: number) => Fault | undefined;
  /** Send the usage chunk when `stream_options.include_usage` asks (vLLM does). */
  usage?: boolean;
  /** `usage.completion_tokens` to report instead of the truth (a hostile or buggy server). */
  reportedCompletionTokens?: number;
  /** Answer 401 with the request's Authorization header echoed in this form (for the redaction tests). */
  echoAuthorization?: (authorization: string) => string;
}

export interface FakeServer {
  /** Base URL ending in /v1. */
  url: string;
  stats: { requests: number; unauthorized: number; inFlight: number; maxInFlight: number; models: Set<string>; maxTokens: Set<number>; arrivalsMs: number[] };
  close(): Promise<void>;
}

export async function startFakeOpenAiServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const stats: FakeServer["stats"] = { requests: 0, unauthorized: 0, inFlight: 0, maxInFlight: 0, models: new Set(), maxTokens: new Set(), arrivalsMs: [] };
  const server = http.createServer((req, res) => {
    stats.arrivalsMs.push(performance.now());
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    if (options.echoAuthorization) {
      req.resume();
      res.writeHead(401, { "content-type": "text/plain" }).end(`invalid credentials: ${options.echoAuthorization(req.headers.authorization ?? "")}`);
      return;
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      stats.unauthorized++;
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "invalid token" } }));
      return;
    }
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw += c));
    req.on("end", () => {
      const n = ++stats.requests;
      const body = JSON.parse(raw) as { model: string; max_tokens?: number; stream?: boolean; stream_options?: { include_usage?: boolean } };
      stats.models.add(body.model);
      if (body.max_tokens !== undefined) stats.maxTokens.add(body.max_tokens);
      const fault = options.fault?.(n);
      if (fault === "http500" || fault === "http429") {
        const status = fault === "http500" ? 500 : 429;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `injected ${status}` } }));
        return;
      }
      if (fault === "hang") return; // never answers: the client's timeout must end it
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      res.on("close", () => stats.inFlight--);
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const total = Math.min(options.tokensPerResponse ?? body.max_tokens ?? 16, 4096);
      const id = `chatcmpl-${n}`;
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      let sent = 0;
      const next = () => {
        if (res.destroyed) return;
        if (fault === "drop" && sent === Math.floor(total / 2)) {
          res.destroy();
          return;
        }
        if (fault === "malformed" && sent === 1) {
          res.end("data: {not json\n\n");
          return;
        }
        if (fault === "error-event" && sent === 1) {
          res.end(`data: ${JSON.stringify({ error: { message: "injected engine error" } })}\n\n`);
          return;
        }
        if (sent < total) {
          res.write(sent === 0 ? chunk({ role: "assistant", content: "tok0 " }) : chunk({ content: `tok${sent} ` }));
          sent++;
          setTimeout(next, options.tokenDelayMs ?? 0);
          return;
        }
        let tail = chunk({}, "length");
        if (options.usage !== false && body.stream_options?.include_usage) {
          tail += `data: ${JSON.stringify({ id, object: "chat.completion.chunk", model: body.model, choices: [], usage: { prompt_tokens: 12, completion_tokens: options.reportedCompletionTokens ?? total, total_tokens: 12 + total } })}\n\n`;
        }
        res.end(fault === "no-done" ? tail : `${tail}data: [DONE]\n\n`);
      };
      setTimeout(next, options.firstTokenDelayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 30_000;
  // A deep accept queue: thousands of streams connect at once (the default backlog, 511, drops SYNs → 1–30 s retries).
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  startFakeOpenAiServer({ token: process.env.FAKE_OPENAI_TOKEN, tokenDelayMs: arg("token-delay-ms"), firstTokenDelayMs: arg("first-token-delay-ms") }).then((s) => {
    process.stdout.write(`${s.url}\n`);
  });
}
