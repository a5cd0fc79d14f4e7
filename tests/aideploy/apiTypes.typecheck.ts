/**
 * Type-level proof that the compiler refuses a body field OVH does not describe (run by `npm run typecheck`, which
 * `npm test` runs first). Each `@ts-expect-error` line must be an error: if a schema type ever accepted the renamed
 * field, or a builder stopped returning the schema type, the directive itself fails the build.
 */
import { appSpecInput, scalingStrategyInput, tokenInput, updateInput, type AppBody } from "../../components/aideploy/spec";
import type { AppState, Label, ScalingStrategyInput, TokenSpec, UpdateInput } from "../../components/ovh/apiTypes";
import { aiDeploySchema } from "../../config/schema";

const config = aiDeploySchema.parse({ name: "vllm-types", region: "GRA", image: "vllm/vllm-openai:v0.31.0", model: "Qwen/Qwen3-8B", flavor: "l4-1-gpu" });
const body: AppBody = appSpecInput(config, { appId: "0a1b2c3d4e5f", stack: "dev", environment: "dev" });
const update: UpdateInput = updateInput(body);

// The bug: UpdateInput names the image `url` and is flat (no `resources`).
// @ts-expect-error `image` is not an UpdateInput field
export const renamedImage: UpdateInput = { ...update, image: body.image };
// @ts-expect-error `resources` is not an UpdateInput field
export const nestedResources: UpdateInput = { ...update, resources: body.resources };
// @ts-expect-error AppSpecInput names the readiness probe `probe`
export const renamedProbe: AppBody = { ...body, readinessProbe: body.probe };
// @ts-expect-error not in ScalingAutomaticStrategyInput (1.0.84), although the Control Panel sends it
export const window: ScalingStrategyInput = { automatic: { replicasMin: 1, replicasMax: 2, scaleDownStabilizationWindowSeconds: 300 } };
// @ts-expect-error TokenSpec has no labels
export const tokenLabels: TokenSpec = { ...tokenInput(config, { appId: "0a1b2c3d4e5f" }), labels: {} };
// @ts-expect-error Label has `name` and `value`
export const labelKey: Label = { key: "team", value: "ml" };
// @ts-expect-error enum values are the schema's
export const state: AppState = "READY";
// @ts-expect-error enum values are the schema's
export const aggregation: ScalingStrategyInput = { automatic: { replicasMin: 1, replicasMax: 2, customMetrics: { ...scalingStrategyInput(config).automatic!.customMetrics!, aggregationType: "MEDIAN" } } };
