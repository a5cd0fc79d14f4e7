import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CATALOGUE_SKIPPED, catalogueCheck, catalogueIssues, catalogueWants, gatedOn, ovhSettingsOfStack } from "../../components/ovh/catalogue";
import { installMocks } from "../../scripts/plan/mockRecorder";
import { OvhClient } from "../../components/ovh/client";
import { parseConfig, type StackConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { FAKE_CREDENTIALS, FakeOvhApi } from "../fakes/ovhApi";

/** An Output's value, or its rejection (an `apply` never runs on a rejected Output). */
const valueOf = (o: pulumi.Input<unknown>): Promise<unknown> => (pulumi.output(o) as unknown as { promise(): Promise<unknown> }).promise();

const stackConfig = (stack: string, mutate: (c: any) => void = () => {}): StackConfig => {
  const raw = structuredClone(readStackFile(stack).projectConfig) as any;
  mutate(raw);
  return parseConfig(raw);
};

describe("OVH catalogue check (regions and flavors at preview)", () => {
  let fake: FakeOvhApi;
  const settings = () => ({ endpoint: fake.baseUrl, credentials: { kind: "application" as const, ...FAKE_CREDENTIALS } });
  const client = () => new OvhClient({ ...settings(), backoffMs: 1 });
  before(async () => {
    fake = await new FakeOvhApi().start();
  });
  after(() => fake.stop());

  it("dev and prod as shipped pass against the fake's catalogue", async () => {
    for (const stack of ["dev", "prod"]) assert.deepEqual(await catalogueIssues(client(), catalogueWants(stackConfig(stack))), [], stack);
  });

  it("an unknown value fails with the key, the value and the names OVH offers", async () => {
    const config = stackConfig("prod", (c) => {
      c.aiDeploy.flavor = "l40-1-gpu";
      c.monitoringCluster.nodePools[0].flavor = "b3-15";
      c.gpuCluster.cluster.region = "GRA7";
    });
    const issues = await catalogueIssues(client(), catalogueWants(config));
    assert.deepEqual(
      issues.map((i) => [i.key, i.value]),
      [
        ["ovh-llm:aiDeploy.flavor", "l40-1-gpu"],
        ["ovh-llm:monitoringCluster.nodePools.0.flavor", "b3-15"],
        ["ovh-llm:gpuCluster.cluster.region", "GRA7"],
      ],
    );
    assert.match(issues[0].allowed, /an AI Deploy flavor of GRA: l4-1-gpu, l40s-1-gpu, h100-1-gpu, ai1-1-cpu/);
    assert.match(issues[1].allowed, /an MKS flavor available in GRA11: b2-15, b3-16/);
    assert.match(issues[2].allowed, /an MKS region of this project: GRA11, GRA9, BHS5/);
  });

  it("checks the region first, then the GPU count against the flavor's max", async () => {
    const bhs = await catalogueIssues(client(), { serviceName: fake.serviceName, aiDeploy: { region: "SBG", flavor: "l4-1-gpu", gpu: 1 }, clusters: [] });
    assert.deepEqual(bhs.map((i) => i.key), ["ovh-llm:aiDeploy.region"]);
    const many = await catalogueIssues(client(), { serviceName: fake.serviceName, aiDeploy: { region: "GRA", flavor: "l4-1-gpu", gpu: 8 }, clusters: [] });
    assert.deepEqual(many.map((i) => [i.key, i.allowed]), [["ovh-llm:aiDeploy.gpu", "at most 4 (l4-1-gpu's max per replica)"]]);
  });

  it("with credentials a bad config rejects like a config error; without, it is skipped with a note, never fails", async () => {
    const bad = stackConfig("dev", (c) => (c.aiDeploy.region = "BHS") && (c.aiDeploy.flavor = "h100-1-gpu"));
    await assert.rejects(valueOf(catalogueCheck(bad, settings())), /Invalid stack configuration \(1 problem\):\n {2}- ovh-llm:aiDeploy.flavor = "h100-1-gpu": expected an AI Deploy flavor of BHS: l4-1-gpu, ai1-1-cpu/);
    assert.equal(await valueOf(catalogueCheck(stackConfig("dev"), settings())), "OVH catalogue check passed");
    assert.equal(await valueOf(catalogueCheck(bad, undefined)), CATALOGUE_SKIPPED);
  });

  it("a mocked program (tests, npm run plan) never calls OVH, even with OVH_* credentials in the environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { OVH_APPLICATION_KEY: "ak", OVH_APPLICATION_SECRET: "as", OVH_CONSUMER_KEY: "ck" });
    try {
      await installMocks();
      assert.equal(ovhSettingsOfStack(), undefined);
    } finally {
      for (const k of ["OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"]) if (saved[k] === undefined) delete process.env[k];
    }
  });

  it("MKS clusters and AI Deploy apps wait for the check (the gate wraps their region / body), others are left alone", async () => {
    const gate = gatedOn(pulumi.output(Promise.reject(new Error("catalogue says no"))));
    const opts = {};
    const kube = gate({ type: "ovh:CloudProject/kube:Kube", name: "k", props: { region: "GRA11", name: "x" }, opts, resource: undefined as any });
    await assert.rejects(valueOf(kube!.props.region), /catalogue says no/);
    assert.equal(kube!.props.name, "x");
    assert.equal(gate({ type: "ovh:CloudProject/kube:KubeNodePool", name: "p", props: { flavorName: "b3-16" }, opts, resource: undefined as any }), undefined);
    const ok = gatedOn(pulumi.output("passed"))({ type: "pulumi-nodejs:dynamic/aideploy:App", name: "a", props: { body: { name: "x" } }, opts, resource: undefined as any });
    assert.deepEqual(await valueOf(ok!.props.body), { name: "x" });
  });
});
