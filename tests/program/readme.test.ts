import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { aiDeploySchema, gpuClusterSchema, monitoringSchema, SECRET_KEYS, stackSchema, tracingSchema } from "../../config/schema";

/** Key paths of a zod object schema (`a.b`, `list[].c`), looking through defaults, optionals, pipes and arrays. */
function keyPaths(schema: any, prefix: string): string[] {
  const def = schema?._zod?.def ?? schema?.def;
  switch (def?.type) {
    case "default":
    case "optional":
    case "nullable":
    case "prefault":
      return keyPaths(def.innerType, prefix);
    case "pipe":
      return keyPaths(def.in, prefix);
    case "array":
      return keyPaths(def.element, `${prefix}[]`);
    case "object":
      return Object.entries(def.shape).flatMap(([k, v]) => {
        const p = prefix ? `${prefix}.${k}` : k;
        const children = keyPaths(v, p);
        return children.length > 0 ? [p, ...children] : [p];
      });
    default:
      return [];
  }
}

describe("README", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

  it("documents every config key of the schema", () => {
    const paths = [
      ...keyPaths(stackSchema, ""),
      ...keyPaths(aiDeploySchema, "aiDeploy"),
      ...keyPaths(monitoringSchema, "monitoring"),
      ...keyPaths(gpuClusterSchema, "gpuCluster"),
      ...keyPaths(tracingSchema, "tracing"),
    ].filter((p) => !p.endsWith(".enabled") || p.includes("remoteWrite"));
    assert.ok(paths.length > 80, `walked only ${paths.length} keys`);
    // Words inside `code spans` of the README: a key is documented when its name is one of them.
    const documented = new Set([...readme.matchAll(/`([^`\n]+)`/g)].flatMap((m) => m[1].split(/[^A-Za-z0-9_]+/)));
    const missing = paths.filter((p) => !documented.has(p.split(".").pop()!.replace("[]", "")));
    assert.deepEqual(missing, [], "config keys missing from the README's configuration reference");
  });

  it("documents every secret key", () => {
    for (const key of Object.keys(SECRET_KEYS)) assert.ok(readme.includes(`\`${key}\``), key);
  });

  it("gives the test command CI runs", () => {
    const ci = fs.readFileSync(path.join(__dirname, "..", "..", ".ci", "run"), "utf8");
    assert.match(ci, /^npm test$/m);
    assert.match(readme, /npm ci && npm run setup/);
    assert.match(readme, /^npm test\b/m);
  });
});
