/**
 * Server-sent events as OpenAI-compatible servers (vLLM) stream them: `data: <json>` events separated by a blank
 * line, `data: [DONE]` at the end. Incremental: chunks may split anywhere, including inside a line or a CRLF.
 */

export interface SseEvent {
  event?: string;
  data: string;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event?: string;

  /** Feeds a chunk of the body; returns the events it completes. */
  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && this.buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(this.buffer.slice(start, end), events);
      start = nl + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Whether input ended in the middle of an event (a truncated stream). */
  get pending(): boolean {
    return this.buffer.length > 0 || this.data.length > 0;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join("\n") });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}

/** What one chat-completion stream event means for the measurements. */
export type ChatStreamItem =
  | { kind: "done" }
  | { kind: "content"; text: string }
  | { kind: "usage"; completionTokens: number; promptTokens: number }
  | { kind: "error"; message: string }
  | { kind: "other" };

/** Interprets one `data:` payload of `/v1/chat/completions` with `stream: true`. Throws on malformed JSON. */
export function interpretChatEvent(data: string): ChatStreamItem[] {
  if (data.trim() === "[DONE]") return [{ kind: "done" }];
  const json = JSON.parse(data) as {
    error?: { message?: string } | string;
    choices?: { delta?: { content?: string | null; reasoning_content?: string | null } }[];
    usage?: { completion_tokens?: number; prompt_tokens?: number } | null;
  };
  const items: ChatStreamItem[] = [];
  if (json.error) items.push({ kind: "error", message: typeof json.error === "string" ? json.error : (json.error.message ?? "error event") });
  const delta = json.choices?.[0]?.delta;
  // Reasoning models stream thoughts first: they are generated tokens too (they count for TTFT and ITL).
  const text = (delta?.reasoning_content ?? "") + (delta?.content ?? "");
  if (text.length > 0) items.push({ kind: "content", text });
  if (json.usage && typeof json.usage.completion_tokens === "number") {
    items.push({ kind: "usage", completionTokens: json.usage.completion_tokens, promptTokens: json.usage.prompt_tokens ?? 0 });
  }
  return items.length > 0 ? items : [{ kind: "other" }];
}
