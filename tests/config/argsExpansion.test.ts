/**
 * `$(VAR)` in a GPU model's arguments must reach vLLM as typed, never expanded from the container's env (which holds
 * VLLM_API_KEY and HF_TOKEN). Checked against the kubelet's own expansion, ported from
 * k8s.io/kubernetes third_party/forked/golang/expansion/expand.go (Expand, tryReadVariableName; MappingFuncFor
 * leaves an undefined reference as `$(NAME)`).
 */
import { strict as assert } from "assert";
import { vllmArgs, vllmPodSpec } from "../../components/gpu/vllm";
import { parseConfig } from "../../config/schema";
import { fullConfig } from "./fixtures";

function kubeletExpand(input: string, env: Record<string, string>): string {
  const mapping = (name: string) => (Object.hasOwn(env, name) ? env[name] : `$(${name})`);
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === "$" && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      let read: string;
      let advance = 1;
      if (rest[0] === "$") read = "$";
      else if (rest[0] === "(") {
        const close = rest.indexOf(")", 1);
        if (close > 0) {
          read = mapping(rest.slice(1, close));
          advance = close + 1;
        } else read = "$(";
      } else read = `$${rest[0]}`;
      out += read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

describe("GPU model arguments and the kubelet's $(VAR) expansion", () => {
  const env = { VLLM_API_KEY: "the-api-key", HF_TOKEN: "the-hf-token" };

  it("the port expands like the kubelet (upstream's own cases)", () => {
    assert.equal(kubeletExpand("$(VLLM_API_KEY)", env), "the-api-key");
    assert.equal(kubeletExpand("$$(VLLM_API_KEY)", env), "$(VLLM_API_KEY)");
    assert.equal(kubeletExpand("$(UNDEFINED)", env), "$(UNDEFINED)");
    assert.equal(kubeletExpand("$$$(HF_TOKEN)", env), "$the-hf-token");
    assert.equal(kubeletExpand("a$", env), "a$");
    assert.equal(kubeletExpand("$(incomplete", env), "$(incomplete");
  });

  it("every argument reaches vLLM exactly as configured, whatever $ it holds", () => {
    const c = fullConfig();
    c.gpuCluster.models[0].extraArgs = ["--chat-template", "{{ $(VLLM_API_KEY) }}", "--x=$$(HF_TOKEN)$", "$(", "cost: $5"];
    const model = parseConfig(c).gpuCluster!.models[0];
    const weights = { bucket: "b", region: "gra", endpoint: "https://s3.gra.io.cloud.ovh.net" };
    const container = (vllmPodSpec(model, { namespace: "inference", gpuPool: { name: "gpu", labels: {}, taints: [] }, weights, scaleToZero: false }).containers as { args: string[] }[])[0];
    assert.deepEqual(container.args, vllmArgs(model, weights));
    const received = container.args.map((a) => kubeletExpand(a, env));
    assert.deepEqual(received.slice(-5), c.gpuCluster.models[0].extraArgs);
    assert.ok(!received.some((a) => a.includes("the-api-key") || a.includes("the-hf-token")));
  });
});
