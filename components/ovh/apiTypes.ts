/**
 * The OVH API's request and answer types, from the generated schema types OVH's own Control Panel imports
 * (npm `@datatr-ux/ovhcloud-types`, pinned in package.json; `cloud/project/ai/**`, `cloud/kube/**`). Type-only
 * imports: nothing of the package is loaded at run time, so the dynamic providers' serialized closures never
 * require it. The schema's enums are TypeScript enums; on the wire they are their string values, so `Wire<T>` turns
 * every enum into the union of its values (`AppStateEnum` → `"RUNNING" | "FAILED" | ...`) and keeps every field name
 * and optionality as generated: an object literal with a field OVH does not describe does not compile.
 */
import type * as ai from "@datatr-ux/ovhcloud-types/cloud/project/ai/index";
import type * as kube from "@datatr-ux/ovhcloud-types/cloud/kube/index";

/** A schema type as JSON carries it: enums as their string values, everything else as generated. */
export type Wire<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** `POST /cloud/project/{serviceName}/ai/app` body. */
export type AppSpecInput = Wire<ai.app.AppSpecInput>;
/** `PUT /cloud/project/{serviceName}/ai/app/{appId}` body (flat: `url` is the image; env vars are patched). */
export type UpdateInput = Wire<ai.app.UpdateInput>;
/** `PUT /cloud/project/{serviceName}/ai/app/{appId}/scalingstrategy` body. */
export type ScalingStrategyInput = Wire<ai.app.ScalingStrategyInput>;
export type ScalingAutomaticStrategyInput = Wire<ai.app.ScalingAutomaticStrategyInput>;
export type CustomMetricsInput = Wire<ai.app.AutomaticScalingStrategyCustomMetricsInput>;
export type ProbeInput = Wire<ai.app.ProbeInput>;
export type ResourcesInput = Wire<ai.ResourcesInput>;
export type Volume = Wire<ai.volume.Volume>;
/** An env var of `AppSpecInput` (value required). */
export type JobEnv = Wire<ai.job.JobEnv>;
/** An env var of `UpdateInput` (value optional: empty or null removes it). */
export type Env = Wire<ai.Env>;
/** `PUT .../ai/app/{appId}/label` body: no value deletes the label. */
export type Label = Wire<ai.Label>;
/** An app as the API answers it. */
export type App = Wire<ai.app.App>;
export type AppStatus = Wire<ai.app.AppStatus>;
export type AppState = Wire<ai.app.AppStateEnum>;
export type AppSpec = Wire<ai.app.AppSpec>;
/** `POST /cloud/project/{serviceName}/ai/token` body. */
export type TokenSpec = Wire<ai.token.TokenSpec>;
export type TokenRole = Wire<ai.TokenRoleEnum>;
/** A token as the API answers it (`status.value` only on create and renew). */
export type Token = Wire<ai.token.Token>;
/** `GET .../ai/capabilities/region` items. */
export type AiRegion = Wire<ai.capabilities.Region>;
/** `GET .../ai/capabilities/region/{region}/flavor` items. */
export type AiFlavor = Wire<ai.capabilities.Flavor>;
/** `GET /cloud/project/{serviceName}/capabilities/kube/flavors?region=` items. */
export type KubeFlavor = Wire<kube.Flavor>;
