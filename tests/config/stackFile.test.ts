/**
 * Stack files that are not stack files: every one is refused with one line naming the file, line and column, before
 * anything serialises or validates its content, fast and in little memory (js-yaml 4 has no alias limit: the budget
 * is ours). Keys named like Object.prototype members stay keys.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { ConfigError, parseConfig } from "../../config/schema";
import { billionLaughs } from "./fixtures";
import { MAX_STACK_FILE_BYTES, readStackDocumentAt, readStackFileAt, StackFileError } from "../../config/stackFile";

const DEV = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");

interface BadFile {
  what: string;
  content: string | Buffer;
  /** The one line expected (after the file name). */
  message: RegExp;
}

const BAD_FILES: BadFile[] = [
  { what: "a YAML syntax error", content: "config:\n  ovh-llm:environment: [dev\n  ovh-llm:x: 1\n", message: /^Pulumi\.bad\.yaml:3:\d+: invalid YAML: / },
  { what: "tab indentation", content: "config:\n\tovh-llm:environment: dev\n", message: /^Pulumi\.bad\.yaml:2:1: invalid YAML: tab characters must not be used in indentation$/ },
  { what: "a duplicated key", content: "config:\n  ovh-llm:environment: dev\n  ovh-llm:environment: prod\n", message: /^Pulumi\.bad\.yaml:3:\d+: invalid YAML: duplicated mapping key$/ },
  { what: "bytes that are not UTF-8", content: Buffer.concat([Buffer.from("config:\n  ovh-llm:environment: d"), Buffer.from([0xff, 0xfe]), Buffer.from("v\n")]), message: /^Pulumi\.bad\.yaml:2:25: not valid UTF-8/ },
  { what: "a billion laughs", content: billionLaughs(), message: /^Pulumi\.bad\.yaml:3:3: ovh-llm:aiDeploy is too big: more than 20000 values.*once YAML aliases are expanded/ },
  { what: "an alias inside its own anchor (a cycle)", content: "config:\n  ovh-llm:aiDeploy: &x [1, *x]\n", message: /^Pulumi\.bad\.yaml:2:3: ovh-llm:aiDeploy is too big/ },
  { what: "a !!binary value", content: "config:\n  ovh-llm:environment: !!binary ZGV2\n", message: /^Pulumi\.bad\.yaml:2:\d+: invalid YAML: unknown tag/ },
  { what: "a !!js/function value", content: "config:\n  ovh-llm:environment: !!js/function 'function () {}'\n", message: /^Pulumi\.bad\.yaml:2:\d+: invalid YAML: unknown tag/ },
  { what: "config given as a list", content: "config:\n  - ovh-llm:environment: dev\n", message: /^Pulumi\.bad\.yaml:1:1: config: is a map of <namespace>:<key> settings$/ },
  { what: "a document that is a string", content: "just some text\n", message: /^Pulumi\.bad\.yaml: a stack file is a YAML map/ },
  { what: "a file over 1 MiB", content: `config:\n  ovh-llm:environment: dev\n#${"x".repeat(MAX_STACK_FILE_BYTES)}\n`, message: /^Pulumi\.bad\.yaml: \d+ bytes: a stack file has at most 1048576$/ },
];

describe("stack files that are not stack files", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-hostile-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (content: string | Buffer) => {
    const file = path.join(dir, "Pulumi.bad.yaml");
    fs.writeFileSync(file, content);
    return file;
  };

  for (const bad of BAD_FILES) {
    it(`refuses ${bad.what} in one line with file, line and column, in under a second`, () => {
      const file = write(bad.content);
      const heapBefore = process.memoryUsage().heapUsed;
      const start = performance.now();
      assert.throws(
        () => readStackFileAt(file),
        (e: unknown) => {
          assert.ok(e instanceof StackFileError, `expected StackFileError, got ${e instanceof Error ? e.stack : e}`);
          assert.equal(e.message.split("\n").length, 1, e.message);
          assert.match(e.message, bad.message);
          return true;
        },
      );
      const ms = performance.now() - start;
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
      // A few MB at most (the 1 MiB file is read once): nothing is expanded.
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 16 << 20, "heap grew by more than 16 MiB");
    });
  }

  it("reads keys named like Object.prototype members as the keys they are, refused by the schema", () => {
    const file = write(DEV.replace("config:\n", "config:\n  ovh-llm:toString: 1\n  ovh-llm:constructor: {a: 1}\n  ovh-llm:__proto__: {environment: x}\n"));
    const doc = readStackDocumentAt(file);
    assert.deepEqual(Object.keys(doc.projectConfig).filter((k) => ["toString", "constructor", "__proto__"].includes(k)).sort(), ["__proto__", "constructor", "toString"]);
    assert.equal(Object.getPrototypeOf(doc.projectConfig), Object.prototype, "the prototype is untouched");
    assert.throws(
      () => parseConfig(doc.projectConfig),
      (e: unknown) =>
        e instanceof ConfigError &&
        ["ovh-llm:toString", "ovh-llm:constructor", "ovh-llm:__proto__"].every((k) => e.issues.some((i) => i.key === k)) &&
        e.issues.find((i) => i.key === "ovh-llm:__proto__")!.allowed.includes("other than __proto__"),
    );
  });

  it("a merge key (<<) is YAML the Pulumi CLI reads too: it works", () => {
    const file = write(DEV.replace("  ovh-llm:monitoring:\n", "  ovh-llm:base: &base {retention: 7d}\n  ovh-llm:monitoring:\n    <<: *base\n").replace("    retention: 7d\n", ""));
    const doc = readStackDocumentAt(file);
    assert.equal((doc.projectConfig.monitoring as { retention: string }).retention, "7d");
  });

  it("a missing file is one line", () => {
    assert.throws(() => readStackFileAt(path.join(dir, "Pulumi.none.yaml")), /^StackFileError: Pulumi\.none\.yaml: no such file$/m);
  });
});
