/**
 * `npm run emulator -- [--port 8000] [--model qwen3-8b] [--token <t>]`: the vLLM stand-in alone — the OpenAI
 * streaming API and `/metrics` of one simulated engine (playground/vllmStandIn.ts) on 127.0.0.1, for the load tester
 * or a Prometheus of your own. `npm run demo` runs it with Prometheus, Alertmanager and traffic. Ctrl-C stops it.
 */
import { randomBytes } from "crypto";
import { startVllmStandIn } from "../playground/vllmStandIn";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
  return v;
}

async function main(): Promise<void> {
  const known = new Set(["--port", "--model", "--token"]);
  for (let i = 2; i < process.argv.length; i += 2) if (!known.has(process.argv[i])) throw new Error(`unknown argument ${process.argv[i]} (known: ${[...known].join(", ")})`);
  const port = Number(arg("port") ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port expects a port number, got ${arg("port")}`);
  const model = arg("model") ?? "qwen3-8b";
  // A fresh token per run: the stand-in plays an AI Deploy app, which never answers without one.
  const token = arg("token") ?? `local-${randomBytes(12).toString("hex")}`;
  const standIn = await startVllmStandIn({ servedModelName: model, token, port });
  console.log(`vLLM stand-in (simulated engine: ${standIn.engine.opts.maxNumSeqs} sequences, ${standIn.engine.opts.numGpuBlocks} KV blocks)
  OpenAI API   ${standIn.baseUrl}   model ${model}
  metrics      ${standIn.url}/metrics
  token        ${token}   (Authorization: Bearer <token> on every path)
  try          npm run loadtest -- --url ${standIn.baseUrl} --model ${model} --token ${token} --rate 4 --duration 20
Ctrl-C to stop.`);
  const stop = async () => {
    await standIn.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
