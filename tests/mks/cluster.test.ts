import { strict as assert } from "assert";
import { MksCluster } from "../../components/mks/cluster";
import { nodePoolSpec } from "../../components/mks/spec";
import { readStackFile } from "../../config/stackFile";
import { parseConfig } from "../../config/schema";
import { installMocks, isSecret, MockRecorder, settle, valueOf } from "../../scripts/plan/mockRecorder";

const KUBE = "ovh:CloudProject/kube:Kube";
const POOL = "ovh:CloudProject/kubeNodePool:KubeNodePool";

describe("MKS cluster", () => {
  let mocks: MockRecorder;
  beforeEach(async () => {
    mocks = await installMocks();
  });

  it("maps taints and labels into the pool template with every required field", () => {
    const spec = nodePoolSpec("sn", {
      name: "gpu",
      flavor: "l40s-90",
      desiredNodes: 2,
      minNodes: 1,
      maxNodes: 3,
      autoscale: true,
      antiAffinity: false,
      monthlyBilled: false,
      labels: { "nvidia.com/gpu.present": "true" },
      taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
    });
    assert.deepEqual(spec.template, {
      metadata: { annotations: {}, finalizers: [], labels: { "nvidia.com/gpu.present": "true", "ovh-llm/pool": "gpu" } },
      spec: { unschedulable: false, taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }] },
    });
    assert.deepEqual([spec.minNodes, spec.desiredNodes, spec.maxNodes, spec.autoscale], [1, 2, 3, true]);
  });

  for (const stack of ["dev", "prod"]) {
    it(`registers the ${stack} monitoring cluster: Kube, node pools and a provider from a secret kubeconfig`, async () => {
      const config = parseConfig(readStackFile(stack).projectConfig);
      const cluster = new MksCluster("mon", { serviceName: config.serviceName, cluster: config.monitoringCluster!, defaultName: `ovh-llm-${stack}-monitoring` });
      const kubeconfig = await valueOf(cluster.kubeconfig);
      await settle();
      assert.ok(await isSecret(cluster.kubeconfig), "kubeconfig must be secret");
      assert.match(kubeconfig, /fake kubeconfig for ovh-llm-/);

      const [kube] = mocks.ofType(KUBE);
      assert.deepEqual(
        { ...kube.inputs },
        { serviceName: config.serviceName, name: `ovh-llm-${stack}-monitoring`, region: "GRA11", version: "1.33", plan: config.monitoringCluster!.plan, updatePolicy: "MINIMAL_DOWNTIME" },
      );
      const pools = mocks.ofType(POOL);
      assert.deepEqual(
        pools.map((p) => [p.inputs.name, p.inputs.flavorName, p.inputs.desiredNodes, p.inputs.kubeId]),
        config.monitoringCluster!.nodePools.map((p) => [p.name, p.flavor, p.desiredNodes, "mon-id"]),
      );
      const [provider] = mocks.ofType("pulumi:providers:kubernetes");
      assert.equal(provider.inputs.kubeconfig, kubeconfig);
      assert.equal(mocks.ofType("ovh:CloudProject/kubeIpRestrictions:KubeIpRestrictions").length, 0);
    });
  }

  it("prod is three b2-15 nodes spread by anti-affinity on the standard plan", async () => {
    const config = parseConfig(readStackFile("prod").projectConfig);
    new MksCluster("mon", { serviceName: config.serviceName, cluster: config.monitoringCluster!, defaultName: "m" });
    await settle();
    const [pool] = mocks.ofType(POOL);
    assert.deepEqual([pool.inputs.flavorName, pool.inputs.desiredNodes, pool.inputs.antiAffinity], ["b2-15", 3, true]);
    assert.equal(mocks.ofType(KUBE)[0].inputs.plan, "standard");
  });

  it("restricts the API server when CIDRs are configured", async () => {
    const config = parseConfig(readStackFile("dev").projectConfig);
    const cluster = new MksCluster("mon", {
      serviceName: config.serviceName,
      cluster: { ...config.monitoringCluster!, apiAllowedCidrs: ["203.0.113.0/24"] },
      defaultName: "m",
    });
    await valueOf(cluster.kubeconfig);
    const [restriction] = mocks.ofType("ovh:CloudProject/kubeIpRestrictions:KubeIpRestrictions");
    assert.deepEqual(restriction.inputs.ips, ["203.0.113.0/24"]);
    assert.equal(restriction.inputs.kubeId, "mon-id");
  });
});
