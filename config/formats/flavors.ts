/**
 * OVHcloud instance flavors and how many GPUs a node of one has. OVH names GPU flavors `<family>-<RAM GB>`, and
 * within a family RAM grows with the GPU count: the Public Cloud catalogue (ovhcloud.com/public-cloud/prices, the
 * `<flavor>.consumption` plans of the order catalogue) lists l4-90/180/360 and l40s-90/180/360 with 1/2/4 L4 or L40S,
 * h100-380/760/1520 with 1/2/4 H100, a100-180/360/720 with 1/2/4 A100, a10-45/90 with 1/2 A10. Only those families
 * are counted; any other GPU flavor (rtx5000, t1, t2, h200, ...) is taken to have 1 GPU per node, the conservative
 * answer: a model then cannot ask for more GPUs than a node surely has. Flavor availability per region is only known
 * at deploy time (`GET /cloud/project/{sn}/capabilities/kube/flavors`).
 */

/** GPU instance families; a GPU pool must use one of them. */
export const GPU_FLAVOR_FAMILIES = ["l4", "l40s", "h100", "h200", "a100", "a10", "t1", "t2", "rtx5000", "v100s"] as const;

/** RAM (GB) of the one-GPU flavor of each family whose larger flavors are known multiples of it. */
const ONE_GPU_RAM: Record<string, number> = { l4: 90, l40s: 90, h100: 380, a100: 180, a10: 45 };

export const flavorFamily = (flavor: string): string => flavor.split("-")[0];

export const isGpuFlavor = (flavor: string): boolean => (GPU_FLAVOR_FAMILIES as readonly string[]).includes(flavorFamily(flavor));

export interface GpusPerNode {
  gpus: number;
  /** Whether the count comes from the catalogue (else it is the conservative 1). */
  known: boolean;
}

/** GPUs per node of a flavor (0 for CPU flavors). */
export function gpusPerNode(flavor: string): GpusPerNode {
  if (!isGpuFlavor(flavor)) return { gpus: 0, known: true };
  const base = ONE_GPU_RAM[flavorFamily(flavor)];
  const ram = Number(flavor.split("-").pop());
  const ratio = base ? ram / base : NaN;
  return [1, 2, 4].includes(ratio) ? { gpus: ratio, known: true } : { gpus: 1, known: false };
}
