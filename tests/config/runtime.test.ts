/** The runtime config check `pulumi up` and the plan share: prototype-named keys are keys, never secret keys, never dropped. */
import { strict as assert } from "assert";
import { validateRuntimeConfig } from "../../config/runtime";
import { ConfigError } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";

describe("runtime config (pulumi up, plan)", () => {
  const dev = readStackFile("dev");
  const isSecret = (key: string) => dev.secretKeys.includes(key);

  it("reports keys named like Object.prototype members instead of taking them for secret keys", () => {
    const allConfig = { ...dev.allConfig, "ovh-llm:toString": "1", "ovh-llm:constructor": '{"a":1}', "ovh-llm:hasOwnProperty": "x" };
    assert.throws(
      () => validateRuntimeConfig(allConfig, isSecret),
      (e: unknown) => e instanceof ConfigError && ["toString", "constructor", "hasOwnProperty"].every((k) => e.issues.some((i) => i.key === `ovh-llm:${k}` && /no such key/.test(i.allowed))),
    );
  });

  it("a __proto__ key (a JSON value with one) is refused by name; Object.prototype is untouched", () => {
    const allConfig = { ...dev.allConfig, "ovh-llm:monitoring": '{"__proto__": {"enabled": false}, "retention": "7d"}' };
    assert.throws(() => validateRuntimeConfig(allConfig, isSecret), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.key === "ovh-llm:monitoring.__proto__"));
    assert.equal(({} as Record<string, unknown>).enabled, undefined);
  });

  it("the values of keys set with --secret are never shown, even under a key the schema refuses", () => {
    const allConfig = { ...dev.allConfig, "ovh-llm:aiDeploy": JSON.stringify({ name: "Not A Label" }) };
    assert.throws(
      () => validateRuntimeConfig(allConfig, (k) => k === "ovh-llm:aiDeploy"),
      (e: unknown) => e instanceof ConfigError && e.issues.every((i) => !i.key.startsWith("ovh-llm:aiDeploy") || i.value === "[secret]") && !e.message.includes("Not A Label"),
    );
  });
});
