/**
 * Which endpoint to load: given on the command line, or read from a stack's outputs (`endpoints`, `endpointTokens`)
 * through the automation module, secrets revealed for this process only.
 */
import type { Endpoint, StackOutputs } from "../automation";

export interface Target {
  baseUrl: string;
  token?: string;
  model: string;
}

/** Picks `name` (or the only endpoint) from a stack's outputs; errors list what exists. */
export function targetFromOutputs(stack: string, outputs: StackOutputs, name?: string): Target {
  const endpoints = (outputs.endpoints ?? {}) as Record<string, Endpoint>;
  const names = Object.keys(endpoints).sort();
  if (names.length === 0) throw new Error(`stack ${stack} exports no endpoints (is it deployed?)`);
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) throw new Error(`stack ${stack} has several endpoints: pick one with --target (${names.join(", ")})`);
  const endpoint = endpoints[chosen];
  if (!endpoint) throw new Error(`stack ${stack} has no endpoint "${chosen}" (endpoints: ${names.join(", ")})`);
  const tokens = outputs.endpointTokens;
  if (tokens !== undefined && (tokens === null || typeof tokens !== "object")) throw new Error(`endpointTokens of stack ${stack} are not readable (secrets not revealed?)`);
  return { baseUrl: endpoint.url, model: endpoint.model, token: (tokens as Record<string, string> | undefined)?.[chosen] };
}
