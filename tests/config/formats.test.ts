/** The value formats the schema builds on, checked against their upstream definitions' own examples. */
import { strict as assert } from "assert";
import { SECRET_KEYS } from "../../config/schema";
import * as credentials from "../../config/formats/credentials";
import { gpusPerNode } from "../../config/formats/flavors";
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from "../../config/formats/k8s";
import { parseMetricSelector } from "../../config/formats/promql";
import { parseImageReference } from "../../config/formats/references";
import { promDurationMs, promSizeBytes } from "../../config/formats/units";

describe("config value formats", () => {
  it("Kubernetes names: the examples of k8s.io/apimachinery's validation_test.go", () => {
    for (const ok of ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a".repeat(63)]) assert.ok(isDns1123Label(ok), ok);
    for (const bad of ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "a".repeat(64)])
      assert.ok(!isDns1123Label(bad), bad);
    for (const ok of ["a", "a.a", "1.a", "a-1.a--1--2--b", "0.a", "a.b.c.d.e", "aaaaa.bbbbb.ccccc.d.eeee", `${"a".repeat(63)}.${"b".repeat(63)}`]) assert.ok(isDns1123Subdomain(ok), ok);
    for (const bad of ["", "A", "aBc", "a..b", "_.a", "a._", ".a", "a.", "a.b_c", "a".repeat(254)]) assert.ok(!isDns1123Subdomain(bad), bad);
    for (const ok of ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo", `${"a".repeat(63)}`, `${"a".repeat(253)}/${"b".repeat(63)}`])
      assert.ok(isQualifiedName(ok), ok);
    for (const bad of ["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc", "example_com/abc", "example.com/", "/simple", `${"a".repeat(64)}`, `${"a".repeat(254)}/abc`])
      assert.ok(!isQualifiedName(bad), bad);
    for (const ok of ["", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a".repeat(63)]) assert.ok(isLabelValue(ok), ok);
    for (const bad of ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a".repeat(64)])
      assert.ok(!isLabelValue(bad), bad);
  });

  it("GPUs per node: from the OVH catalogue's flavor sizes, 1 where unknown", () => {
    assert.deepEqual(["l4-90", "l4-180", "l4-360", "l40s-90", "l40s-180", "l40s-360", "h100-380", "h100-760", "h100-1520", "a100-180", "a100-360", "a100-720", "a10-45", "a10-90"].map((f) => gpusPerNode(f).gpus), [1, 2, 4, 1, 2, 4, 1, 2, 4, 1, 2, 4, 1, 2]);
    assert.deepEqual(gpusPerNode("rtx5000-84"), { gpus: 1, known: false });
    assert.deepEqual(gpusPerNode("l40s-270"), { gpus: 1, known: false }, "not a catalogue size: the conservative 1");
    assert.deepEqual(gpusPerNode("b3-16"), { gpus: 0, known: true });
  });

  it("image references: the grammar of distribution/reference", () => {
    assert.deepEqual(parseImageReference("vllm/vllm-openai:v0.31.0"), { name: "vllm/vllm-openai", tag: "v0.31.0", digest: undefined });
    assert.deepEqual(parseImageReference("localhost:5000/a/b:1"), { name: "localhost:5000/a/b", tag: "1", digest: undefined });
    assert.equal(parseImageReference("[2001:db8::1]:5000/a:1")?.name, "[2001:db8::1]:5000/a");
    for (const bad of ["vllm/Openai", "a//b", "a:b:c", "-a/b", "a/b:-tag", "a b", "a/b@sha256:xyz"]) assert.equal(parseImageReference(bad), undefined, bad);
  });

  it("Prometheus units: durations within Prometheus' int64-nanosecond range, sizes in base 2", () => {
    assert.equal(promDurationMs("15d"), 15 * 86_400_000);
    assert.equal(promDurationMs("292y"), 292 * 31_536_000_000);
    assert.equal(promDurationMs("293y"), undefined, "out of range in Prometheus");
    assert.equal(promDurationMs("1h30m"), undefined, "one unit only");
    assert.equal(promSizeBytes("45GB"), 45 * 2 ** 30, "Prometheus' GB is GiB (units.Base2Bytes)");
  });

  it("the one PromQL shape: a selector with equality matchers", () => {
    assert.deepEqual(parseMetricSelector('vllm:x{a="1",b="q\\"uote"}'), { name: "vllm:x", matchers: [{ label: "a", value: "1" }, { label: "b", value: 'q\\"uote' }] });
    for (const bad of ['vllm:x{a="1"} or vllm:y', 'vllm:x{a!="1"}', "vllm:x[1m]", "rate(vllm:x[1m])", 'vllm:x{a="1"', 'vllm:x{a="\n"}', "vllm:x @ 0"]) assert.equal(parseMetricSelector(bad), undefined, bad);
  });

  it("secret names: words, not substrings", () => {
    for (const name of ["HF_TOKEN", "--hf-token", "apiKey", "VLLM_API_KEY", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "ENCRYPTION_KEY", "client_secret", "--api_key", "authorization"]) assert.ok(credentials.isSecretName(name), name);
    for (const name of ["--tokenizer", "--tokenizer-mode", "--max-num-batched-tokens", "TOKENIZERS_PARALLELISM", "--ssl-keyfile", "HF_HOME", "KEY", "keyboard", "--served-model-name"]) assert.ok(!credentials.isSecretName(name), name);
  });

  it("points only to secret keys the program has", () => {
    for (const key of [credentials.HF_TOKEN_KEY, credentials.GPU_API_KEY_KEY, credentials.SLACK_WEBHOOK_KEY, credentials.REMOTE_WRITE_PASSWORD_KEY]) assert.ok(Object.hasOwn(SECRET_KEYS, key), key);
  });
});
