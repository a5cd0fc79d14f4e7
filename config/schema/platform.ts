/**
 * Config slice: the shared observability platform (`platform`, in the platform stack, e.g. `Pulumi.platform.yaml`).
 * The platform stack runs the monitoring cluster and stack (`monitoringCluster`, `monitoring` in embedded mode) and
 * scrapes every environment stack listed here, reading the contract outputs (components/platform/contract.ts)
 * through `pulumi.StackReference`.
 */
import { z } from "zod";
import { listOf, msg } from "./common";

/**
 * A Pulumi stack name as `pulumi.StackReference` takes it: `stack`, `org/stack` or `org/project/stack`; each part
 * of letters, digits, `-`, `_` and `.` (Pulumi's stack-name characters), at most 100 characters each.
 */
const STACK_NAME = "a Pulumi stack name: stack, org/stack or org/project/stack (letters, digits, - _ .)";
export const stackReferenceName = z.string(msg(STACK_NAME)).regex(/^(?:[A-Za-z0-9_.-]{1,100}\/){0,2}[A-Za-z0-9_.-]{1,100}$/, msg(STACK_NAME));

export const platformSchema = z
  .object({
    enabled: z.literal(true).default(true),
    /** Environment stacks to scrape (each with `monitoring.mode: platform`); one that exports nothing yet is skipped with a warning. */
    environments: listOf(stackReferenceName, 50, "a list of stack names")
      .min(1, msg("at least one environment stack"))
      .superRefine((names, ctx) =>
        names.forEach((n, i) => {
          if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: [i], input: n, message: "each stack once" });
        }),
      ),
  })
  .strict();

export type PlatformConfig = z.infer<typeof platformSchema>;
