/** Config slice: MKS clusters and their node pools. */
import { z } from "zod";
import { cidr, dnsLabel, intBetween, kubeVersion, labels, mksRegion, msg, nodeFlavor } from "./common";

export const taintSchema = z.object({
  key: z.string(msg("a taint key")).min(1, msg("a non-empty taint key")),
  value: z.string(msg("a string")).default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], msg("one of NoSchedule, PreferNoSchedule, NoExecute")),
});

export const nodePoolSchema = z
  .object({
    /** Pool name, also the Pulumi resource name suffix. */
    name: dnsLabel,
    flavor: nodeFlavor,
    desiredNodes: intBetween(0, 100),
    minNodes: intBetween(0, 100).optional(),
    maxNodes: intBetween(1, 100).optional(),
    autoscale: z.boolean(msg("true or false")).default(false),
    /** Spread nodes over hypervisors; OVH caps such pools at 5 nodes. */
    antiAffinity: z.boolean(msg("true or false")).default(false),
    monthlyBilled: z.boolean(msg("true or false")).default(false),
    labels: labels.default({}),
    taints: z.array(taintSchema, msg("a list of {key, value, effect}")).default([]),
  })
  .strict()
  .transform((p) => ({ ...p, minNodes: p.minNodes ?? p.desiredNodes, maxNodes: p.maxNodes ?? Math.max(p.desiredNodes, 1) }))
  .superRefine((p, ctx) => {
    if (p.minNodes > p.desiredNodes)
      ctx.addIssue({ code: "custom", path: ["minNodes"], input: p.minNodes, message: `at most desiredNodes (${p.desiredNodes})` });
    if (p.maxNodes < p.desiredNodes)
      ctx.addIssue({ code: "custom", path: ["maxNodes"], input: p.maxNodes, message: `at least desiredNodes (${p.desiredNodes})` });
    if (p.antiAffinity && p.maxNodes > 5)
      ctx.addIssue({ code: "custom", path: ["maxNodes"], input: p.maxNodes, message: "at most 5 when antiAffinity is true (OVH limit)" });
  });

export const clusterSchema = z
  .object({
    /** Cluster name in OVH; defaults to `<project>-<environment>-<role>`. */
    name: dnsLabel.optional(),
    region: mksRegion,
    version: kubeVersion,
    plan: z.enum(["free", "standard"], msg("free or standard")).default("free"),
    updatePolicy: z.enum(["ALWAYS_UPDATE", "MINIMAL_DOWNTIME", "NEVER_UPDATE"], msg("ALWAYS_UPDATE, MINIMAL_DOWNTIME or NEVER_UPDATE")).default("MINIMAL_DOWNTIME"),
    /** OpenStack id of a private network (vRack); omit for a public cluster. */
    privateNetworkId: z.string(msg("an OpenStack network id")).min(1).optional(),
    /** When set, only these CIDRs may reach the Kubernetes API server. */
    apiAllowedCidrs: z.array(cidr, msg("a list of IPv4 CIDRs")).optional(),
    nodePools: z.array(nodePoolSchema, msg("a list of node pools")).min(1, msg("at least one node pool")),
    /** How long node pool creation may take (GPU pools can take over an hour). */
    nodePoolCreateTimeoutMinutes: intBetween(10, 240).default(90),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.nodePools.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["nodePools", i, "name"], input: p.name, message: "a pool name not used twice in a cluster" });
      seen.add(p.name);
    });
  });
