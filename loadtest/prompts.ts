/**
 * Prompt pools and their mix, after the reference load test (seeds: vlm-vllm-on-mks-full-observability): short,
 * medium and long prompts weighted 2:4:6, biased toward long prompts that load the KV cache.
 */
export type PromptClass = "short" | "medium" | "long";
export const PROMPT_CLASSES: readonly PromptClass[] = ["short", "medium", "long"];

export const PROMPT_POOLS: Record<PromptClass, readonly string[]> = {
  short: ["Summarize the theory of relativity.", "Explain what a transformer model is.", "What is Kubernetes autoscaling?"],
  medium: [
    "Explain how attention mechanisms work in transformer-based models, including self-attention and multi-head attention.",
    "Describe how vLLM manages KV cache and why it impacts inference performance.",
  ],
  long: [
    "Write a very detailed technical explanation of how large language models perform inference, including tokenization, " +
      "embedding lookup, transformer layers, attention computation, KV cache usage, GPU memory management, and how " +
      "batching affects latency and throughput. Use examples.",
  ],
};

export type PromptMix = Record<PromptClass, number>;
export const DEFAULT_MIX: PromptMix = { short: 2, medium: 4, long: 6 };

/** `short=1,long=3` → weights (classes not named get 0). */
export function parseMix(text: string): PromptMix {
  const mix: PromptMix = { short: 0, medium: 0, long: 0 };
  for (const part of text.split(",")) {
    const m = /^\s*(short|medium|long)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) throw new Error(`--mix expects e.g. short=2,medium=4,long=6; got "${part}"`);
    mix[m[1] as PromptClass] = Number(m[2]);
  }
  if (PROMPT_CLASSES.every((c) => mix[c] === 0)) throw new Error("--mix needs at least one weight above 0");
  return mix;
}

/** A small seeded PRNG (mulberry32), so a run's prompt sequence can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws prompts: a class by weight, then a prompt of that class uniformly. */
export function promptPicker(mix: PromptMix, random: () => number): () => { promptClass: PromptClass; prompt: string } {
  const total = PROMPT_CLASSES.reduce((s, c) => s + mix[c], 0);
  return () => {
    let r = random() * total;
    let chosen: PromptClass = [...PROMPT_CLASSES].reverse().find((c) => mix[c] > 0)!;
    for (const c of PROMPT_CLASSES) {
      if (mix[c] > 0 && r < mix[c]) {
        chosen = c;
        break;
      }
      r -= mix[c];
    }
    const pool = PROMPT_POOLS[chosen];
    return { promptClass: chosen, prompt: pool[Math.floor(random() * pool.length)] };
  };
}
