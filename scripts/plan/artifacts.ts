/**
 * Turns the recorded resources into reviewable files (path → content): Helm values per release, one manifest per
 * Kubernetes object, PrometheusRule groups, dashboards, AI Deploy request bodies, the stack outputs, and the whole
 * resource list. Pure and deterministic: same resources in any order → same files, byte for byte.
 */
import * as yaml from "js-yaml";
import { MASK, maskKubernetesSecret, sortKeys } from "./mask";
import type { PlannedOutputs, PlannedResource } from "./model";
import { renderTree } from "./tree";

export type Artifacts = Map<string, string>;

const HELM = /^kubernetes:helm\.sh\//;
/** AI Deploy resources (custom, not their component) are recognised by type name: new types need no change here. */
export const isAiDeployResource = (r: PlannedResource): boolean => r.custom && /aideploy/i.test(r.type);
const isKubernetesObject = (r: PlannedResource): boolean => r.type.startsWith("kubernetes:") && !HELM.test(r.type) && typeof r.inputs.kind === "string";

const toYaml = (v: unknown): string => yaml.dump(sortKeys(v), { lineWidth: -1, noRefs: true });
const toJson = (v: unknown): string => JSON.stringify(sortKeys(v), null, 2) + "\n";
const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** Adds files whose preferred names may collide: colliding ones get `--<pulumi name>` appended. */
function addUnique(out: Artifacts, entries: { preferred: string; ext: string; resource: PlannedResource; content: string }[]): void {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.preferred, (counts.get(e.preferred) ?? 0) + 1);
  for (const e of entries) {
    const base = counts.get(e.preferred)! > 1 ? `${e.preferred}--${fileSafe(e.resource.name)}` : e.preferred;
    let path = `${base}${e.ext}`;
    for (let n = 2; out.has(path); n++) path = `${base}-${n}${e.ext}`;
    out.set(path, e.content);
  }
}

function metadataName(r: PlannedResource): string {
  const meta = (r.inputs.metadata ?? {}) as Record<string, unknown>;
  return typeof meta.name === "string" ? meta.name : r.name;
}

export function renderArtifacts(unsorted: PlannedResource[], outputs: PlannedOutputs): Artifacts {
  const resources = [...unsorted].sort((a, b) => a.urn.localeCompare(b.urn));
  const out: Artifacts = new Map();
  out.set("tree.txt", renderTree(resources));
  out.set("resources.json", toJson(resources));
  out.set("outputs.json", toJson(outputs));

  addUnique(
    out,
    resources.filter((r) => HELM.test(r.type)).map((r) => {
      const i = r.inputs;
      const release = typeof i.name === "string" ? i.name : r.name;
      const repo = ((i.repositoryOpts ?? {}) as Record<string, unknown>).repo ?? "";
      const header = `# release ${release}: chart ${String(i.chart)} ${String(i.version ?? "")} ${String(repo)} namespace ${String(i.namespace ?? "default")}\n`;
      // The SDK marks a whole input property secret when anything inside it is, as `pulumi preview` shows it.
      const note = i.values === MASK ? "# values hold a secret somewhere, so the engine treats all of them as secret: keep secrets out of Helm values (existingSecret)\n" : "";
      return { preferred: `helm/${fileSafe(release)}`, ext: ".values.yaml", resource: r, content: header + note + toYaml(i.values ?? {}) };
    }),
  );

  const objects = resources.filter(isKubernetesObject);
  addUnique(
    out,
    objects.map((r) => ({
      preferred: `manifests/${fileSafe(String(r.inputs.kind).toLowerCase())}-${fileSafe(metadataName(r))}`,
      ext: ".yaml",
      resource: r,
      content: toYaml(maskKubernetesSecret(r.inputs)),
    })),
  );
  addUnique(
    out,
    objects
      .filter((r) => r.inputs.kind === "PrometheusRule")
      .map((r) => ({ preferred: `rules/${fileSafe(metadataName(r))}`, ext: ".yaml", resource: r, content: toYaml((r.inputs.spec ?? {}) as object) })),
  );
  addUnique(
    out,
    objects
      .filter((r) => r.inputs.kind === "ConfigMap")
      .flatMap((r) =>
        Object.entries((r.inputs.data ?? {}) as Record<string, unknown>)
          .filter(([key, v]) => key.endsWith(".json") && typeof v === "string")
          .map(([key, v]) => ({ preferred: `dashboards/${fileSafe(key.replace(/\.json$/, ""))}`, ext: ".json", resource: r, content: prettyJson(v as string) })),
      ),
  );
  addUnique(
    out,
    resources.filter(isAiDeployResource).map((r) => ({ preferred: `aideploy/${fileSafe(r.name)}`, ext: ".json", resource: r, content: toJson(aiDeployBody(r)) })),
  );
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The request body of an AI Deploy resource: its `body`/`requestBody` input when it has one, else all its inputs. */
export function aiDeployBody(r: PlannedResource): unknown {
  return r.inputs.requestBody ?? r.inputs.body ?? r.inputs;
}

function prettyJson(text: string): string {
  try {
    return toJson(JSON.parse(text));
  } catch {
    return text;
  }
}
