/**
 * A simulated vLLM engine driven by real requests: the demo's and the sweep test's stand-in for a GPU. Requests
 * queue, are admitted into a running batch, prefill, decode one token per engine step and finish; the queue, the
 * KV-cache use and the latencies move with the load because they come out of that loop, not out of a random draw.
 *
 * The scheduling rules follow vLLM v1's scheduler (vllm/v1/core/sched/scheduler.py, v0.11–0.31):
 *   - FCFS waiting queue; a request is admitted while fewer than `max_num_seqs` run and the step's token budget
 *     (`max_num_batched_tokens`) and free KV blocks allow; a long prompt is prefilled in chunks (chunked prefill);
 *   - every running request decodes one token per step; the first token comes out of the step that ends its prefill;
 *   - KV cache in blocks of `block_size` tokens; when a running request needs a block and none is free, the
 *     last-admitted running request is preempted (its blocks freed, back to the head of the queue, recomputed later):
 *     `vllm:num_preemptions`;
 *   - prefix caching: a prompt seen before hits the cache for its full blocks (`vllm:prefix_cache_hits`), which are
 *     not prefilled again.
 * What is NOT from vLLM and is a model of the hardware: the duration of a step, `stepBaseMs + stepPerSeqMs × batch
 * + prefill tokens / prefillTokensPerMs` (decode steps are memory-bound, so their time grows slowly with the batch),
 * and the prompt length in tokens, estimated as characters / 4 (no tokenizer here).
 * Metrics are recorded with vLLM's semantics (vllm/v1/metrics/loggers.py, stats.py: TTFT from arrival, queue =
 * arrival → first scheduled, prefill = scheduled → first token, decode = first → last token, inference = scheduled
 * → finish) into the same families the metrics emulator exposes (./vllmEmulator.ts).
 */
import { performance } from "perf_hooks";
import { seededRandom } from "../loadtest/prompts";
import { HTTP_DURATION, Histogram, ITERATION, ITL, PHASE, TTFT, oneTwoFive, type VllmMetricsState } from "./vllmEmulator";

export interface EngineOptions {
  /** `--max-num-seqs`: most requests in the running batch (vLLM's default on GPUs: 256; small here). */
  maxNumSeqs?: number;
  /** `--max-num-batched-tokens`: tokens scheduled per step. */
  maxNumBatchedTokens?: number;
  /** KV-cache size in blocks (vLLM sizes it from --gpu-memory-utilization) and the block size (vLLM: 16). */
  numGpuBlocks?: number;
  blockSize?: number;
  /** `--max-model-len`. */
  maxModelLen?: number;
  /** Step time model (see the header). */
  stepBaseMs?: number;
  stepPerSeqMs?: number;
  prefillTokensPerMs?: number;
  /** Mean of the length a model would stop at by itself (EOS); requests stop at min(that, max_tokens). */
  meanNaturalTokens?: number;
  seed?: number;
}

/** What the engine does for one request: tokens as they come, then the end. */
export interface EngineRequestHandlers {
  /** `last`: this token ends the request (its chunk carries finish_reason; onFinish follows at once). */
  onToken: (index: number, last: boolean) => void;
  onFinish: (reason: "stop" | "length" | "abort", usage: { promptTokens: number; completionTokens: number }) => void;
}

interface Req {
  id: number;
  promptTokens: number;
  /** Prompt tokens served by the prefix cache. */
  cached: number;
  maxTokens: number;
  target: number;
  /** Tokens whose KV is computed (prompt, cached part included, then output). */
  computed: number;
  /** Tokens to compute before the next token can be sampled: the prompt, plus the output so far after a preemption. */
  prefillTarget: number;
  generated: number;
  blocks: number;
  arrival: number;
  scheduled?: number;
  firstToken?: number;
  lastToken?: number;
  handlers: EngineRequestHandlers;
  done: boolean;
}

const DEFAULTS: Required<EngineOptions> = {
  maxNumSeqs: 16,
  maxNumBatchedTokens: 2048,
  numGpuBlocks: 1024,
  blockSize: 16,
  maxModelLen: 8192,
  stepBaseMs: 12,
  stepPerSeqMs: 0.5,
  prefillTokensPerMs: 40,
  meanNaturalTokens: 150,
  seed: 1,
};

export class SimulatedEngine implements VllmMetricsState {
  readonly opts: Required<EngineOptions>;
  readonly created = Date.now() / 1000;
  readonly finished: Record<string, number> = { stop: 0, length: 0, abort: 0 };
  promptTokens = 0;
  generationTokens = 0;
  cachedTokens = 0;
  prefixQueries = 0;
  prefixHits = 0;
  preemptions = 0;
  readonly http: Record<string, number> = { "2xx": 0, "4xx": 0, "5xx": 0 };
  readonly h: Record<string, Histogram>;
  private readonly waitingQueue: Req[] = [];
  private readonly runningBatch: Req[] = [];
  private freeBlocks: number;
  private nextId = 1;
  private stepping = false;
  private timer?: NodeJS.Timeout;
  private readonly seenPrompts = new Set<string>();
  private readonly random: () => number;
  /** Engine steps run so far (tests). */
  steps = 0;

  constructor(options: EngineOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.freeBlocks = this.opts.numGpuBlocks;
    this.random = seededRandom(this.opts.seed);
    const tokens = oneTwoFive(this.opts.maxModelLen);
    this.h = {
      ttft: new Histogram(TTFT), itl: new Histogram(ITL), tpot: new Histogram(ITL), e2e: new Histogram(PHASE),
      queue: new Histogram(PHASE), inference: new Histogram(PHASE), prefill: new Histogram(PHASE), decode: new Histogram(PHASE),
      prompt: new Histogram(tokens), generation: new Histogram(tokens), maxTokens: new Histogram(tokens), iteration: new Histogram(ITERATION),
      httpDuration: new Histogram(HTTP_DURATION),
    };
  }

  get running(): number {
    return this.runningBatch.length;
  }
  get waiting(): number {
    return this.waitingQueue.length;
  }
  /** `vllm:kv_cache_usage_perc`: used blocks / all blocks (0–1). */
  get kvUsage(): number {
    return 1 - this.freeBlocks / this.opts.numGpuBlocks;
  }

  /** Prompt length in tokens, estimated (≈ 4 characters per token for English BPE vocabularies). */
  static estimateTokens(text: string): number {
    return Math.max(1, Math.ceil(text.length / 4));
  }

  /** Queues a request; returns a function that aborts it (client gone). */
  submit(prompt: string, maxTokens: number, handlers: EngineRequestHandlers, opts: { ignoreEos?: boolean } = {}): () => void {
    const promptTokens = SimulatedEngine.estimateTokens(prompt);
    const seen = this.seenPrompts.has(prompt);
    this.seenPrompts.add(prompt);
    const fullBlocks = Math.floor((promptTokens - 1) / this.opts.blockSize) * this.opts.blockSize;
    const natural = Math.max(1, Math.round(this.opts.meanNaturalTokens * (0.5 + this.random())));
    const req: Req = {
      id: this.nextId++,
      promptTokens,
      cached: seen ? fullBlocks : 0,
      maxTokens,
      target: opts.ignoreEos ? maxTokens : Math.min(maxTokens, natural),
      computed: 0,
      prefillTarget: promptTokens,
      generated: 0,
      blocks: 0,
      arrival: performance.now(),
      handlers,
      done: false,
    };
    this.prefixQueries += promptTokens;
    this.prefixHits += req.cached;
    this.cachedTokens += req.cached;
    this.h.maxTokens.observe(maxTokens);
    this.waitingQueue.push(req);
    this.kick();
    return () => this.abort(req);
  }

  /** Stops the loop (requests still queued stay unanswered). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stepping = false;
  }

  private kick(): void {
    if (!this.stepping) {
      this.stepping = true;
      this.timer = setTimeout(() => this.step(), 0);
    }
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.opts.blockSize);
  }

  /** Grows a request's KV allocation to `tokens`; false when the cache has no room. */
  private allocate(r: Req, tokens: number): boolean {
    const need = this.blocksFor(tokens) - r.blocks;
    if (need <= 0) return true;
    if (need > this.freeBlocks) return false;
    this.freeBlocks -= need;
    r.blocks += need;
    return true;
  }

  private release(r: Req): void {
    this.freeBlocks += r.blocks;
    r.blocks = 0;
  }

  private preemptLast(): boolean {
    const victim = this.runningBatch.pop();
    if (!victim) return false;
    this.release(victim);
    victim.computed = 0; // recomputed from scratch (vLLM v1 preemption by recompute); tokens sent stay sent
    this.waitingQueue.unshift(victim);
    this.preemptions++;
    return true;
  }

  private step(): void {
    const o = this.opts;
    let budget = o.maxNumBatchedTokens;
    const scheduled: { r: Req; tokens: number }[] = [];
    // 1. Running requests first: one token each, or the next chunk of a prompt still being prefilled.
    for (let i = 0; i < this.runningBatch.length && budget > 0; i++) {
      const r = this.runningBatch[i];
      const tokens = r.computed < r.prefillTarget ? Math.min(r.prefillTarget - r.computed, budget) : 1;
      let room = this.allocate(r, r.computed + tokens);
      while (!room && this.runningBatch[this.runningBatch.length - 1] !== r) {
        this.preemptLast();
        room = this.allocate(r, r.computed + tokens);
      }
      if (!room) {
        this.preemptLast(); // r itself: nothing left to free
        break;
      }
      budget -= tokens;
      scheduled.push({ r, tokens });
    }
    // 2. Admit waiting requests, FCFS (a preempted one, at the head, recomputes its prompt and output so far).
    while (this.waitingQueue.length > 0 && this.runningBatch.length < o.maxNumSeqs && budget > 0) {
      const r = this.waitingQueue[0];
      if (r.computed === 0) r.computed = Math.min(r.cached, r.promptTokens - 1);
      r.prefillTarget = r.promptTokens + r.generated;
      const tokens = Math.min(r.prefillTarget - r.computed, budget);
      if (!this.allocate(r, r.computed + tokens)) break;
      this.waitingQueue.shift();
      r.scheduled ??= performance.now();
      this.runningBatch.push(r);
      budget -= tokens;
      scheduled.push({ r, tokens });
    }
    if (scheduled.length === 0) {
      this.stepping = false;
      return;
    }
    const computedTokens = scheduled.reduce((sum, x) => sum + x.tokens, 0);
    const prefillTokens = scheduled.reduce((sum, x) => sum + (x.tokens > 1 ? x.tokens : 0), 0);
    this.h.iteration.observe(computedTokens);
    const stepMs = o.stepBaseMs + o.stepPerSeqMs * scheduled.length + prefillTokens / o.prefillTokensPerMs;
    this.timer = setTimeout(() => {
      this.steps++;
      const now = performance.now();
      for (const { r, tokens } of scheduled) {
        if (r.done || !this.runningBatch.includes(r)) continue;
        r.computed += tokens;
        // The step that completes the prompt samples the first token; every later step one more.
        if (r.computed >= r.prefillTarget) this.emit(r, now);
      }
      this.step();
    }, stepMs);
  }

  private emit(r: Req, now: number): void {
    if (r.firstToken === undefined) {
      r.firstToken = now;
      this.promptTokens += r.promptTokens;
      this.h.ttft.observe((now - r.arrival) / 1000);
      this.h.prefill.observe((now - (r.scheduled ?? now)) / 1000);
    } else this.h.itl.observe((now - (r.lastToken ?? now)) / 1000);
    r.lastToken = now;
    r.handlers.onToken(r.generated, r.generated + 1 >= r.target);
    r.generated++;
    this.generationTokens++;
    if (r.generated >= r.target) this.finish(r, r.target < r.maxTokens ? "stop" : "length", now);
  }

  private finish(r: Req, reason: "stop" | "length" | "abort", now: number): void {
    if (r.done) return;
    r.done = true;
    this.release(r);
    const i = this.runningBatch.indexOf(r);
    if (i >= 0) this.runningBatch.splice(i, 1);
    const w = this.waitingQueue.indexOf(r);
    if (w >= 0) this.waitingQueue.splice(w, 1);
    this.finished[reason]++;
    const s = (ms: number) => ms / 1000;
    this.h.e2e.observe(s(now - r.arrival));
    this.h.queue.observe(s((r.scheduled ?? now) - r.arrival));
    this.h.inference.observe(s(now - (r.scheduled ?? now)));
    if (r.firstToken !== undefined) {
      this.h.decode.observe(s(now - r.firstToken));
      if (r.generated > 1) this.h.tpot.observe(s(now - r.firstToken) / (r.generated - 1));
    }
    this.h.prompt.observe(r.promptTokens);
    this.h.generation.observe(r.generated);
    r.handlers.onFinish(reason, { promptTokens: r.promptTokens, completionTokens: r.generated });
  }

  private abort(r: Req): void {
    this.finish(r, "abort", performance.now());
  }

  /** Records an HTTP response of the API server (FastAPI instrumentator's `http_requests_total` / duration). */
  recordHttp(status: number, seconds: number): void {
    const cls = `${Math.floor(status / 100)}xx`;
    this.http[cls] = (this.http[cls] ?? 0) + 1;
    this.h.httpDuration.observe(seconds);
  }
}
