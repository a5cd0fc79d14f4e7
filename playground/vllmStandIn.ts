/**
 * A stand-in for a vLLM app on AI Deploy: one simulated engine (./engine.ts) behind vLLM's OpenAI-compatible API
 * and its `/metrics`, on 127.0.0.1. Every path needs `Authorization: Bearer <token>`, as the AI Deploy endpoint
 * requires for an app that is not public.
 *
 * Wire formats, from vLLM (vllm/entrypoints/openai/serving_chat.py, protocol.py, v0.11–0.31):
 *   - streamed `chat.completion.chunk` events: a first chunk with `delta.role = "assistant"` and empty content, one
 *     chunk per generated token, the last token's chunk carrying `finish_reason` (`stop` / `length`), then — when
 *     `stream_options.include_usage` — a chunk with empty `choices` and `usage`, then `data: [DONE]`;
 *   - a non-streamed request gets one `chat.completion` object;
 *   - errors are `{"error": {message, type, param, code}}` (ErrorResponse); an unknown model is a 404, max_tokens
 *     beyond max-model-len a 400. A missing/wrong bearer token is a 401 (AI Deploy's gateway).
 *   - `/metrics` in Prometheus text format: the vLLM families of ./vllmEmulator.ts (`vllmMetrics`), whose names and
 *     labels tests compare with the catalogue.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { performance } from "perf_hooks";
import { SimulatedEngine, type EngineOptions } from "./engine";
import { vllmMetrics } from "./vllmEmulator";

export interface StandInOptions {
  /** `--served-model-name`. */
  servedModelName: string;
  /** Bearer token required on every path; none when unset. */
  token?: string;
  /** Port on 127.0.0.1 (0: any free one). */
  port?: number;
  engine?: EngineOptions;
}

export interface RunningStandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** OpenAI base URL, `<url>/v1`. */
  baseUrl: string;
  /** host:port, the scrape target. */
  target: string;
  engine: SimulatedEngine;
  close: () => Promise<void>;
}

const WORDS = ["the", "model", "streams", "tokens", "while", "the", "scheduler", "batches", "requests", "and", "the", "cache", "fills", "up", "with", "keys", "and", "values"];

interface ChatBody {
  model?: unknown;
  messages?: { role?: string; content?: unknown }[];
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  ignore_eos?: unknown;
}

function errorBody(message: string, type: string, code: number): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** Starts the stand-in; rejects with a clear message when the port is taken. */
export async function startVllmStandIn(opts: StandInOptions): Promise<RunningStandIn> {
  const engine = new SimulatedEngine(opts.engine);
  const maxModelLen = engine.opts.maxModelLen;
  const created = () => Math.floor(Date.now() / 1000);
  let nextId = 1;

  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const reply = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type }).end(body);
      if (req.url?.startsWith("/v1/")) engine.recordHttp(status, (performance.now() - t0) / 1000);
    };
    const path = (req.url ?? "/").split("?")[0];
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      req.resume();
      return reply(401, errorBody("Unauthorized", "AuthenticationError", 401));
    }
    if (req.method === "GET" && path === "/metrics") return reply(200, vllmMetrics(engine, opts.servedModelName), "text/plain; version=0.0.4; charset=utf-8");
    if (req.method === "GET" && path === "/health") return reply(200, "");
    if (req.method === "GET" && path === "/v1/models")
      return reply(200, JSON.stringify({ object: "list", data: [{ id: opts.servedModelName, object: "model", created: Math.floor(engine.created), owned_by: "vllm", max_model_len: maxModelLen }] }));
    if (req.method !== "POST" || path !== "/v1/chat/completions") return reply(404, errorBody(`no route ${req.method} ${path}`, "NotFoundError", 404));

    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw.length < 1_000_000 ? (raw += c) : undefined));
    req.on("end", () => {
      let body: ChatBody;
      try {
        body = JSON.parse(raw) as ChatBody;
      } catch {
        return reply(400, errorBody("request body is not valid JSON", "BadRequestError", 400));
      }
      if (body.model !== opts.servedModelName) return reply(404, errorBody(`The model \`${String(body.model)}\` does not exist.`, "NotFoundError", 404));
      const prompt = (body.messages ?? []).map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
      const promptTokens = SimulatedEngine.estimateTokens(prompt);
      const requested = body.max_completion_tokens ?? body.max_tokens;
      const maxTokens = typeof requested === "number" && Number.isInteger(requested) && requested > 0 ? requested : maxModelLen - promptTokens;
      if (promptTokens + maxTokens > maxModelLen)
        return reply(400, errorBody(`This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion).`, "BadRequestError", 400));
      const id = `chatcmpl-${(nextId++).toString(16).padStart(8, "0")}`;
      const stream = body.stream === true;
      const includeUsage = stream && body.stream_options?.include_usage === true;
      const model = opts.servedModelName;
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: created(), model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
      const words: string[] = [];
      let lastToken = "";
      if (stream) {
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
        res.write(chunk({ role: "assistant", content: "" }));
      }
      const cancel = engine.submit(prompt, maxTokens, {
        onToken: (i, last) => {
          const word = `${i === 0 ? "" : " "}${WORDS[i % WORDS.length]}`;
          words.push(word);
          // The last token goes out with finish_reason, in onFinish.
          if (!last) {
            if (stream) res.write(chunk({ content: word }));
          } else lastToken = word;
        },
        onFinish: (reason, usage) => {
          res.off("close", onClose);
          if (reason === "abort") return;
          const usageBody = { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens + usage.completionTokens, completion_tokens: usage.completionTokens };
          if (stream) {
            let tail = chunk({ content: lastToken }, reason);
            if (includeUsage) tail += `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: created(), model, choices: [], usage: usageBody })}\n\n`;
            res.end(`${tail}data: [DONE]\n\n`);
            engine.recordHttp(200, (performance.now() - t0) / 1000);
          } else {
            reply(200, JSON.stringify({ id, object: "chat.completion", created: created(), model, choices: [{ index: 0, message: { role: "assistant", content: words.join("") }, logprobs: null, finish_reason: reason }], usage: usageBody }));
          }
        },
      }, { ignoreEos: body.ignore_eos === true });
      const onClose = () => cancel();
      res.on("close", onClose);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new Error(`port ${opts.port} on 127.0.0.1 is in use (vLLM stand-in)`) : e),
    );
    // A deep accept queue: thousands of streams connect at once (the default backlog, 511, drops SYNs).
    server.listen({ port: opts.port ?? 0, host: "127.0.0.1", backlog: 4096 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    target: `127.0.0.1:${port}`,
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        engine.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
