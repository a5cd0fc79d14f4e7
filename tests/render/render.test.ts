/**
 * What `pulumi up` applies, rendered (#11 item 3): the real program runs once per stack under mocks
 * (tests/helpers/helmRender.ts), every Helm Release it registers is rendered by the real helm from the vendored pinned
 * chart with the exact values the program passes, and then
 * - every rendered object and every object the program creates itself is validated: built-in kinds with the
 *   kubernetes-models 5.1.0 validators (unknown fields refused, tests/helpers/k8sSchema.ts), custom resources against
 *   the CRDs the charts themselves ship (tests/render/crdSchema.ts, structural: unknown fields refused);
 * - the wiring between objects is checked from the rendered output (selectors, Secret names and keys, mounted file
 *   paths, Service names and ports), not from our constants (tests/render/wiring.ts).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join } from "path";
import * as yaml from "js-yaml";
import { loadBuiltinModels, objectId, validateObject, type RenderedObject } from "../helpers/k8sSchema";
import { renderCount, renderRelease, stackPlan, API_VERSIONS, type HelmRelease, type StackPlan } from "../helpers/helmRender";
import { requireTool } from "../helpers/tools";
import { CrdRegistry } from "./crdSchema";
import { clusterWiring, type Cluster } from "./wiring";
import { markedValues, searchableText } from "./leaves";

const isCrd = (o: RenderedObject) => o.kind === "CustomResourceDefinition";

interface StackRender {
  plan: StackPlan;
  rendered: Map<HelmRelease, RenderedObject[]>;
  clusters: Cluster[];
}

async function renderStack(stack: string): Promise<StackRender> {
  const plan = await stackPlan(stack);
  const rendered = new Map<HelmRelease, RenderedObject[]>();
  await Promise.all(plan.releases.map(async (r) => rendered.set(r, await renderRelease(r))));
  const ids = [...new Set([...plan.releases.map((r) => r.cluster), ...plan.objects.map((o) => o.cluster)])];
  const clusters = ids.map((id) => {
    const releases = plan.releases.filter((r) => r.cluster === id);
    const crds = new CrdRegistry();
    for (const r of releases) for (const o of rendered.get(r)!) if (isCrd(o)) crds.add(o);
    return {
      id,
      releases: releases.map((r) => ({ release: r, objects: rendered.get(r)! })),
      program: plan.objects.filter((o) => o.cluster === id).map((o) => o.object),
      crds,
    };
  });
  return { plan, rendered, clusters };
}

const stats: Record<string, Record<string, number>> = {};

for (const stack of ["dev", "prod", "platform"]) {
  describe(`${stack}: every Helm release rendered by the real helm, validated and wired`, function () {
    this.timeout(60_000);
    let s: StackRender;
    const count = (k: string, n = 1) => ((stats[stack] ??= {})[k] = (stats[stack][k] ?? 0) + n);

    before(async () => {
      s = await renderStack(stack);
      const keys = s.clusters.flatMap((c) => [...c.releases.flatMap((r) => r.objects), ...c.program]).map((o) => `${o.apiVersion}/${o.kind}`);
      await loadBuiltinModels(keys);
    });

    it("renders every release from its vendored chart without a helm error", () => {
      assert.ok(s.plan.releases.length > 0, "the program registers Helm releases");
      for (const r of s.plan.releases) {
        assert.ok(existsSync(r.pkg), `${r.resource}: ${r.chart} ${r.version} is not vendored in tests/fixtures/charts (${basename(r.pkg)})`);
        assert.ok(s.rendered.get(r)!.filter((o) => !isCrd(o)).length > 0, `${r.release} renders no object`);
      }
      count("releases", s.plan.releases.length);
      count("objects rendered", [...s.rendered.values()].reduce((n, objs) => n + objs.length, 0));
    });

    it("every rendered object and every object the program creates validates (built-in models, shipped CRDs; unknown fields refused)", () => {
      const failures: string[] = [];
      for (const c of s.clusters) {
        const all = [...c.releases.flatMap((r) => r.objects), ...c.program];
        for (const o of all) {
          try {
            if (c.crds.has(o)) {
              const problems = c.crds.problems(o);
              if (problems.length) failures.push(`${objectId(o)} against its CRD:\n  ${problems.join("\n  ")}`);
              count("validated (CRD)");
            } else if (isCrd(o)) {
              // The CRD itself: the model's JSONSchemaProps validator does not enumerate nested schema keywords
              // (every description would read as unknown); its schema is compiled by CrdRegistry instead.
              validateObject({ ...o, spec: { ...(o.spec as object), versions: ((o.spec as any).versions as object[]).map((v) => ({ ...v, schema: undefined })) } } as RenderedObject);
              count("validated (built-in)");
            } else {
              validateObject(o);
              count("validated (built-in)");
            }
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    it("every --api-versions given to helm that a cluster's objects use is served by a CRD rendered for that cluster", () => {
      for (const c of s.clusters) {
        const used = new Set([...c.releases.flatMap((r) => r.objects), ...c.program].map((o) => o.apiVersion).filter((v) => API_VERSIONS.includes(v)));
        for (const v of used) assert.ok(c.crds.served.has(v), `${v} used in cluster ${c.id} but no release there installs its CRD`);
      }
    });

    it("wiring between objects holds in the rendered output", () => {
      const problems: string[] = [];
      for (const c of s.clusters) {
        const w = clusterWiring(c);
        problems.push(...w.problems);
        count("wiring checks", w.checks);
      }
      assert.deepEqual(problems, []);
    });

    it("amtool check-config accepts every rendered Alertmanager configuration", () => {
      const configs = s.clusters.flatMap((c) => c.releases.flatMap((r) => r.objects)).filter((o) => o.kind === "Secret" && (o as any).data?.["alertmanager.yaml"]);
      if (s.plan.releases.some((r) => (r.values as any).alertmanager?.enabled)) assert.ok(configs.length > 0, "an Alertmanager is enabled but no config Secret was rendered");
      for (const secret of configs) {
        const dir = mkdtempSync(join(tmpdir(), "amtool-"));
        try {
          const text = Buffer.from((secret as any).data["alertmanager.yaml"], "base64").toString("utf8");
          writeFileSync(join(dir, "alertmanager.yaml"), text);
          const r = spawnSync(requireTool("amtool"), ["check-config", join(dir, "alertmanager.yaml")], { encoding: "utf8", timeout: 30_000 });
          assert.equal(r.status, 0, `${objectId(secret)}: ${r.stdout}${r.stderr}`);
          assert.ok(yaml.load(text));
          count("amtool check-config");
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    after(() => {
      // The numbers for the closing note (mocha prints them with the run).
      console.log(`    render suite ${stack}: ${JSON.stringify(stats[stack])} (helm renders in this process: ${renderCount()})`);
    });
  });
}

describe("the CRD validation can fail (a misspelt field, a wrong type, a missing required field)", function () {
  this.timeout(60_000);
  it("refuses them in a ServiceMonitor and a ScaledObject, against the CRDs prod's charts ship", async () => {
    const s = await renderStack("prod");
    const find = (kind: string) => s.clusters.flatMap((c) => c.program.map((o) => ({ c, o }))).find((x) => x.o.kind === kind)!;
    const clone = (o: RenderedObject): any => JSON.parse(JSON.stringify(o));
    const sm = find("ServiceMonitor");
    const misspelt = clone(sm.o);
    misspelt.spec.endpoints[0].scrapeInterval = "15s";
    assert.match(sm.c.crds.problems(misspelt).join("\n"), /\/spec\/endpoints\/0: must NOT have additional properties \(scrapeInterval\)/);
    const so = find("ScaledObject");
    const wrongType = clone(so.o);
    wrongType.spec.minReplicaCount = "1";
    assert.match(so.c.crds.problems(wrongType).join("\n"), /\/spec\/minReplicaCount: must be integer/);
    const missing = clone(so.o);
    delete missing.spec.scaleTargetRef;
    assert.match(so.c.crds.problems(missing).join("\n"), /must have required property 'scaleTargetRef'/);
    assert.deepEqual([sm.c.crds.problems(sm.o), so.c.crds.problems(so.o)], [[], []]);
  });
});

// ~110 helm renders (about a minute of CPU on this machine): too slow for npm test's budget, so opt-in:
// `RENDER_LEAVES=1 npx mocha tests/render/render.test.ts` (docs/testing.md).
(process.env.RENDER_LEAVES ? describe : describe.skip)("every values leaf we set changes the rendered output (tests/render/leaves.ts; RENDER_LEAVES=1)", function () {
  this.timeout(120_000);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: no leaf is ignored by its chart`, async () => {
      const plan = await stackPlan(stack);
      const ignored: string[] = [];
      let proven = 0;
      await Promise.all(
        plan.releases.map(async (rel) => {
          const ours = JSON.stringify(await renderRelease(rel));
          const m = markedValues(rel.values as Record<string, any>);
          // A chart whose values schema refuses a marked value renders nothing: then every leaf is rendered alone.
          const text = await renderRelease(rel, m.values).then(searchableText, () => "");
          const alone = m.markers.filter(({ markers }) => !markers.some((x) => text.includes(x))).map(({ leaf, alone: values }) => ({ leaf, values }));
          proven += m.markers.length - alone.length;
          await Promise.all(
            [...m.flips, ...alone].map(async ({ leaf, values }) => {
              const changed = await renderRelease(rel, values).then((o) => JSON.stringify(o) !== ours, () => true);
              if (changed) proven++;
              else ignored.push(`${rel.release}: ${leaf.path.join(".")} = ${JSON.stringify(leaf.value)} (changing it changes nothing)`);
            }),
          );
        }),
      );
      ((stats[stack] ??= {})["leaves checked"] = proven + ignored.length);
      console.log(`    ${stack}: ${proven + ignored.length} leaves, helm renders so far ${renderCount()}`);
      assert.deepEqual(ignored.sort(), []);
    });
  }
});
