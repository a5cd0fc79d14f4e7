/** Config slice: MKS clusters and their node pools. */
import { z } from "zod";
import { isQualifiedName } from "../formats/k8s";
import { cidr, dnsLabel, duplicateTaintIssues, intBetween, kubeVersion, labels, labelValue, listOf, mksRegion, msg, nodeFlavor, TAINT_EFFECTS } from "./common";

/** Node taints, as the API server validates them (validateTaints: key a qualified name, value a label value). */
export const taintSchema = z
  .object({
    key: z.string(msg("a taint key")).refine(isQualifiedName, msg("a taint key: [prefix/]name like a label key, such as nvidia.com/gpu")),
    value: labelValue.default(""),
    effect: z.enum(TAINT_EFFECTS, msg(`one of ${TAINT_EFFECTS.join(", ")}`)),
  })
  .strict();

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
    taints: listOf(taintSchema, 32, "a list of {key, value, effect}").default([]),
  })
  .strict()
  .transform((p) => ({ ...p, minNodes: p.minNodes ?? p.desiredNodes, maxNodes: p.maxNodes ?? Math.max(p.desiredNodes, 1) }))
  .superRefine((p, ctx) => {
    duplicateTaintIssues(p.taints, "taints", ctx);
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
    privateNetworkId: z.guid(msg("an OpenStack network id (a UUID such as 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d)")).optional(),
    /** When set, only these CIDRs may reach the Kubernetes API server. */
    apiAllowedCidrs: listOf(cidr, 100, "a list of IPv4 CIDRs").optional(),
    nodePools: listOf(nodePoolSchema, 20, "a list of node pools").min(1, msg("at least one node pool")),
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
