/**
 * Pulumi dynamic providers for AI Deploy apps and tokens (neither the OVH Terraform provider nor
 * `@ovhcloud/pulumi-ovh` 2.19 has them). Types: `pulumi-nodejs:dynamic/aideploy:App` and `...:Token`.
 *
 * Credentials are never inputs (inputs are stored in state): `configure` reads `ovh:*` from the stack config (the
 * engine passes the whole stack config to dynamic providers, secrets decrypted: pulumi/pulumi#17697), else the `OVH_*`
 * environment variables. The provider object is serialized with its closure into state, so it holds only plain
 * options; the HTTP client is created inside each method. Request and answer types are the generated OVH schema
 * types (type-only imports: nothing of that package is serialized or loaded).
 *
 * The lifecycle (docs/ai-deploy.md, with its sources): create or adopt an app this stack owns (ownership labels),
 * wait for RUNNING; update in place with `UpdateInput` and wait until the new spec is rolled out; delete = stop, wait
 * STOPPED, delete, wait gone. Any failure after OVH accepted the app hands its id to Pulumi (`AppNotReadyError`:
 * "created but failed to initialize"), so it is in the state and `pulumi destroy` removes it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { App, AppState, Token } from "../ovh/apiTypes";
import { OvhApiError, OvhClient, ovhSettingsFrom, type OvhClientOptions, type OvhSettings } from "../ovh/client";
import { APP_LABEL, HF_TOKEN_ENV, STACK_LABEL, hostOf, labelChanges, updateInput, withHfToken, withSecretEnv, type AppBody, type TokenSpec, type UpdateInput } from "./spec";

export const DYNAMIC_MODULE = "aideploy";
export const APP_RESOURCE_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:App`;
export const TOKEN_RESOURCE_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:Token`;

/** What the providers need besides credentials; plain values only (serialized into state). */
export interface ProviderOptions {
  /** Delay between state polls (default 15 s; tests use a few ms). */
  pollIntervalMs?: number;
  /** How long delete may take: stop, wait STOPPED, delete, wait gone (default 15 min). */
  deleteTimeoutMs?: number;
  /** How long token calls may take (default 5 min). */
  tokenTimeoutMs?: number;
  /** How many fresh list reads look for an app or token after a create whose answer was lost (default 3). */
  lookupAttempts?: number;
  /** Client tuning (timeouts, retries, `Retry-After` cap); credentials are never here. */
  client?: Pick<OvhClientOptions, "timeoutMs" | "maxAttempts" | "backoffMs" | "maxBackoffMs" | "maxRetryAfterMs">;
}

// ---------------------------------------------------------------------------------------------------------------
// App
// ---------------------------------------------------------------------------------------------------------------

/** Inputs of the app resource (stored in state; `hfToken` is a secret input). */
export interface AppInputs {
  serviceName: string;
  /** The create body without secrets (`appSpecInput`), ownership labels included. */
  body: AppBody;
  /** Hugging Face token, sent as env `HF_TOKEN` only in requests. */
  hfToken?: string;
  /** Other secret variables (name → value, e.g. the OTLP endpoint's credential), sent only in requests, like `hfToken`. */
  secretEnv?: Record<string, string>;
  /** How long create/update may take, waits included. */
  readyTimeoutMinutes: number;
}

export interface AppOutputs extends AppInputs {
  appId: string;
  url: string;
  host: string;
  /** The state OVH last reported. */
  state: string;
  availableReplicas: number;
  /** False when a failure left it unknown whether `body` is applied: the next update sends it again. */
  converged: boolean;
}

// Arrays, not Sets: Pulumi's closure serializer does not rebuild Set/Map instances.
// States from the generated AppStateEnum; what each means: OVH docs "AI Deploy - App concept" (app lifecycle).
const SERVING: readonly AppState[] = ["RUNNING", "SCALING"];
const BROKEN: readonly AppState[] = ["FAILED", "ERROR"];
const GONE: readonly AppState[] = ["DELETING", "DELETED"];
/** States the Control Panel deletes from (ovh/manager pci-ai-tools `src/lib/statusHelper.tsx` `isStoppedApp`). */
const DELETABLE: readonly AppState[] = ["STOPPED", "FAILED", "ERROR"];
/** States the Control Panel stops from (`isRunningApp` of the same file). */
const STOPPABLE: readonly AppState[] = ["QUEUED", "INITIALIZING", "RUNNING", "SCALING"];

/** A create or update that left an app behind but not RUNNING: Pulumi records it (id + properties) instead of losing it. */
export class AppNotReadyError extends Error {
  constructor(
    message: string,
    /** The app's id: the dynamic provider host reports it as "created but failed to initialize". */
    public readonly id: string,
    public readonly properties: AppOutputs,
    public readonly reasons: string[],
  ) {
    super(message);
    this.name = "AppNotReadyError";
  }
}

const appsPath = (serviceName: string) => `/cloud/project/${encodeURIComponent(serviceName)}/ai/app`;
const tokensPath = (serviceName: string) => `/cloud/project/${encodeURIComponent(serviceName)}/ai/token`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const is404 = (e: unknown) => e instanceof OvhApiError && e.status === 404;
const stateOf = (app: App | undefined): string => app?.status?.state ?? "UNKNOWN";
const infoOf = (app: App | undefined): string => app?.status?.info?.message || app?.status?.info?.code || "no message";

/** The spec fields of an update, as the app echoes them, show the update is what the app runs. */
function specMatches(app: App, update: UpdateInput): boolean {
  const s = app.spec;
  if (!s) return false;
  return (
    (update.url === undefined || s.image === update.url) &&
    (update.flavor === undefined || s.resources?.flavor === update.flavor) &&
    (update.gpu === undefined || s.resources?.gpu === update.gpu) &&
    (update.command === undefined || same(s.command ?? [], update.command)) &&
    (update.defaultHttpPort === undefined || s.defaultHttpPort === update.defaultHttpPort)
  );
}

/** OVH moved the app to another state after `since` (an ISO date the API gave, e.g. the update's `updatedAt`). */
function transitionedAfter(app: App, since: string | undefined): boolean {
  if (!since) return false;
  const t = Date.parse(since);
  const dates = [app.status?.lastTransitionDate, ...(app.status?.history ?? []).map((h) => h.date)].filter((d): d is string => !!d);
  return dates.some((d) => Date.parse(d) > t);
}

/** A quota answer: OVH's message says so (its exact wording is not documented; see docs/ai-deploy.md). */
const isQuotaError = (e: unknown): e is OvhApiError => e instanceof OvhApiError && [400, 403, 409, 412].includes(e.status) && /quota/i.test(e.apiMessage ?? "");

abstract class OvhDynamicProvider {
  /** Set by `configure` in the provider host; undefined in tests (then only `OVH_*` env vars are read). */
  private settings?: OvhSettings;

  constructor(protected readonly options: ProviderOptions = {}) {}

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    try {
      this.settings = ovhSettingsFrom((key) => req.config.get(key));
    } catch {
      // No credentials in config: fall back to env at call time (and fail there with the full explanation).
      this.settings = undefined;
    }
  }

  protected client(): OvhClient {
    const settings = this.settings ?? ovhSettingsFrom(() => undefined);
    return new OvhClient({ ...this.options.client, ...settings });
  }

  protected pollMs(): number {
    return this.options.pollIntervalMs ?? 15_000;
  }

  /** Sleeps one poll interval, or throws `timeout()` when that would pass the deadline. */
  protected async pollOrTimeout(deadline: number, timeout: () => Error): Promise<void> {
    if (Date.now() + this.pollMs() > deadline) throw timeout();
    await sleep(this.pollMs());
  }
}

export class AppProvider extends OvhDynamicProvider implements pulumi.dynamic.ResourceProvider<AppInputs, AppOutputs> {
  async check(_olds: AppInputs, news: AppInputs): Promise<pulumi.dynamic.CheckResult<AppInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (news.body?.unsecureHttp !== false) failures.push({ property: "body.unsecureHttp", reason: "must be false: the app is only reachable with a token" });
    if (!news.body?.labels?.[APP_LABEL] || !news.body?.labels?.[STACK_LABEL])
      failures.push({ property: "body.labels", reason: `must carry the ownership labels ${APP_LABEL} (its token selects it) and ${STACK_LABEL}` });
    return { inputs: news, failures };
  }

  async create(inputs: AppInputs): Promise<{ id: string; outs: AppOutputs }> {
    const client = this.client();
    const deadline = Date.now() + inputs.readyTimeoutMinutes * 60_000;
    let app: App | undefined;
    let converged = true;
    try {
      const existing = await this.findOwned(client, inputs, deadline);
      if (existing) {
        // Ours (this stack's ownership labels) but not in state: an earlier run lost the create answer or was
        // interrupted. Adopt it: converge to the config, start it if stopped, wait until it runs the config.
        app = existing;
        converged = false;
        const rollout = await this.converge(client, inputs, existing, deadline);
        converged = true;
        return { id: existing.id, outs: await this.waitReady(client, inputs, existing.id, "adoption", deadline, rollout) };
      }
      app = await this.postOnce(client, inputs, deadline);
      return { id: app.id, outs: await this.waitReady(client, inputs, app.id, "create", deadline) };
    } catch (e) {
      throw app ? this.notReady(inputs, app, e, "create", converged) : this.explain(e, inputs, "create");
    }
  }

  /**
   * This stack's app (labels `ovh-llm-app` = this resource's id), from the whole list, fresh. An app with our name
   * that nobody owns, or that another state of this same stack owns, is an error naming it (never adopted, never
   * touched); apps of other stacks with the same name are left alone and may coexist.
   */
  private async findOwned(client: OvhClient, inputs: AppInputs, deadline: number): Promise<App | undefined> {
    const ownerId = inputs.body.labels[APP_LABEL];
    const stack = inputs.body.labels[STACK_LABEL];
    const live = (await client.getAll<App>(appsPath(inputs.serviceName), { deadline })).filter((a) => !GONE.includes(stateOf(a) as AppState));
    const mine = live.filter((a) => a.spec?.labels?.[APP_LABEL] === ownerId);
    if (mine.length > 1)
      throw new Error(`${mine.length} AI Deploy apps carry ${APP_LABEL}=${ownerId} (${mine.map((a) => a.id).join(", ")}): only one can be this resource's; delete the others`);
    if (mine.length === 1) return mine[0];
    for (const a of live.filter((x) => x.spec?.name === inputs.body.name)) {
      const owner = a.spec.labels?.[APP_LABEL];
      const why = !owner
        ? "carries no ownership label (made by hand, or by a version of this program without ownership labels)"
        : a.spec.labels?.[STACK_LABEL] === stack
          ? `is owned by another state of stack "${stack}" (${APP_LABEL}=${owner}: a second person's local state, or a state that was lost)`
          : undefined;
      if (!why) continue; // another stack's app with the same name: not ours, left alone
      throw new Error(
        `An AI Deploy app named ${inputs.body.name} already exists in project ${inputs.serviceName} (id ${a.id}, ${stateOf(a)}) and ${why}. ` +
          `This program never adopts or deletes an app it does not own. Resolve it: delete that app (Control Panel, or DELETE ${appsPath(inputs.serviceName)}/${a.id} after stopping it), ` +
          `or set another aiDeploy.name, or, if it is this stack's app, label it ${APP_LABEL}=${ownerId} (PUT ${appsPath(inputs.serviceName)}/${a.id}/label) so the next pulumi up adopts it.`,
      );
    }
    return undefined;
  }

  /**
   * POST the app. When the answer is lost (5xx, dropped connection, timeout) the app may exist: look for ours in fresh
   * lists before posting again, so a retry never creates a second app; a conflict after such a lost answer means the
   * first POST did create it: look again.
   */
  private async postOnce(client: OvhClient, inputs: AppInputs, deadline: number): Promise<App> {
    const path = appsPath(inputs.serviceName);
    let lostAnswer = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.post<App>(path, withSecrets(inputs.body, inputs), { deadline });
      } catch (e) {
        const conflict = lostAnswer && e instanceof OvhApiError && e.status === 409;
        if (!(e instanceof OvhApiError) || !(e.ambiguous || conflict) || attempt >= 3) throw e;
        lostAnswer = true;
        for (let look = 1; look <= (this.options.lookupAttempts ?? 3); look++) {
          const found = await this.findOwned(client, inputs, deadline);
          if (found) return found;
          await this.pollOrTimeout(deadline, () => e);
        }
      }
    }
  }

  /**
   * Applies the whole spec to an app being adopted or repaired: `UpdateInput` (variables the app has and the config
   * does not are removed), scaling, labels, and a start when it is stopped or failed. Returns what the rollout wait
   * must see.
   */
  private async converge(client: OvhClient, inputs: AppInputs, app: App, deadline: number): Promise<Rollout> {
    const path = `${appsPath(inputs.serviceName)}/${app.id}`;
    const update = updateInput(withSecrets(inputs.body, inputs), (app.spec?.envVars ?? []).map((e) => e.name));
    const answer = await client.put<App | null>(path, update, { deadline });
    if (!same(app.spec?.scalingStrategy, inputs.body.scalingStrategy)) await client.put(`${path}/scalingstrategy`, inputs.body.scalingStrategy, { deadline });
    for (const label of labelChanges(app.spec?.labels, inputs.body.labels)) await client.put(`${path}/label`, label, { deadline });
    await this.startIfStopped(client, path, deadline);
    return { update, since: answer?.updatedAt ?? app.updatedAt };
  }

  /** `PUT .../start` when the app is STOPPED, FAILED or ERROR (the states the Control Panel starts from). */
  private async startIfStopped(client: OvhClient, path: string, deadline: number): Promise<void> {
    const app = await client.get<App>(path, { deadline });
    if (DELETABLE.includes(stateOf(app) as AppState)) await client.put(`${path}/start`, undefined, { deadline });
  }

  /**
   * Polls until the app serves: RUNNING (or SCALING) after a create; after an update, RUNNING on the new spec,
   * reached through a rollout (OVH keeps serving the old spec for a while, then SCALING/INITIALIZING). FAILED/ERROR
   * or the deadline throw `AppNotReadyError` with the state and message OVH last reported.
   */
  private async waitReady(client: OvhClient, inputs: AppInputs, id: string, during: string, deadline: number, rollout?: Rollout): Promise<AppOutputs> {
    const path = `${appsPath(inputs.serviceName)}/${id}`;
    let sawRollout = false;
    for (;;) {
      const app = await client.get<App>(path, { deadline });
      const state = stateOf(app) as AppState;
      // During a rollout the app may still show the previous spec in its previous state (FAILED, when repairing).
      const previousSpec = !!rollout && !specMatches(app, rollout.update);
      if (GONE.includes(state) || ((BROKEN.includes(state) || state === "STOPPED" || state === "STOPPING") && !previousSpec))
        throw this.failed(inputs, app, `is ${state} after ${during}: ${infoOf(app)}`, [`${state}: ${infoOf(app)}`]);
      if (!rollout) {
        if (SERVING.includes(state)) return outputsOf(inputs, app, true);
      } else if (state !== "RUNNING") {
        sawRollout = true;
      } else if (specMatches(app, rollout.update) && (sawRollout || transitionedAfter(app, rollout.since))) {
        return outputsOf(inputs, app, true);
      }
      await this.pollOrTimeout(deadline, () =>
        this.failed(
          inputs,
          app,
          `is still ${state}${rollout && state === "RUNNING" ? " on the previous spec" : ""} after ${during}, ${inputs.readyTimeoutMinutes} min (aiDeploy.readyTimeoutMinutes); OVH's last message: ${infoOf(app)}`,
          [`timeout in ${state}`],
        ),
      );
    }
  }

  /** The app does not serve (its spec was accepted: `converged`), with the state OVH reported. */
  private failed(inputs: AppInputs, app: App, what: string, reasons: string[]): AppNotReadyError {
    return new AppNotReadyError(`AI Deploy app ${inputs.body.name} (${app.id}) ${what}`, app.id, recorded(outputsOf(inputs, app, true)), reasons);
  }

  /** Any failure once OVH has the app: its id and last known state go to Pulumi, never lost. */
  private notReady(inputs: AppInputs, app: App, e: unknown, during: string, converged: boolean): AppNotReadyError {
    if (e instanceof AppNotReadyError) return e;
    const why = this.explain(e, inputs, during).message;
    return new AppNotReadyError(
      `AI Deploy app ${inputs.body.name} (${app.id}) was accepted by OVH but ${during} did not finish: ${why}. It is recorded in the state: pulumi up retries, pulumi destroy removes it`,
      app.id,
      recorded({ ...outputsOf(inputs, app, converged), state: "UNKNOWN" }),
      [why],
    );
  }

  /** A quota answer named as such, with what to do; other errors as they are. */
  private explain(e: unknown, inputs: AppInputs, during: string): Error {
    if (!isQuotaError(e)) return e instanceof Error ? e : new Error(String(e));
    const r = inputs.body.resources;
    const units = r.gpu;
    const a = inputs.body.scalingStrategy.automatic;
    const replicas = a?.replicasMax ?? inputs.body.scalingStrategy.fixed?.replicas ?? 1;
    return new Error(
      `OVH refused the AI Deploy app ${inputs.body.name} (${during}) for lack of quota: it asks ${units} × ${r.flavor} per replica, up to ${replicas} replica(s), ` +
        `in the AI quota of project ${inputs.serviceName} (GET /cloud/project/${inputs.serviceName}/ai/capabilities/quota). OVH said: "${e.apiMessage}". ` +
        `Raise the project's quota (Control Panel: Public Cloud > Quota and Regions, or OVH support), or lower aiDeploy.gpu or aiDeploy.autoscaling.maxReplicas.`,
    );
  }

  async diff(_id: string, olds: AppOutputs, news: AppInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.serviceName !== news.serviceName) replaces.push("serviceName");
    if (olds.body.name !== news.body.name) replaces.push("body.name");
    if (olds.body.region !== news.body.region) replaces.push("body.region");
    if (!same(olds.body.volumes, news.body.volumes)) replaces.push("body.volumes");
    if (olds.body.unsecureHttp !== news.body.unsecureHttp) replaces.push("body.unsecureHttp");
    const changes =
      replaces.length > 0 ||
      !same(updateInput(olds.body), updateInput(news.body)) ||
      secretsChanged(olds, news) ||
      !same(olds.body.scalingStrategy, news.body.scalingStrategy) ||
      !same(olds.body.labels, news.body.labels) ||
      olds.readyTimeoutMinutes !== news.readyTimeoutMinutes ||
      // Not known to serve its current spec (a failed or interrupted create/update): the update waits or reports.
      olds.converged === false ||
      !SERVING.includes(olds.state as AppState);
    // Whether OVH requires unique names is not documented: a replacement with the same name deletes the old app first.
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.body.name === news.body.name };
  }

  async update(id: string, olds: AppOutputs, news: AppInputs): Promise<{ outs: AppOutputs }> {
    const client = this.client();
    const deadline = Date.now() + news.readyTimeoutMinutes * 60_000;
    const path = `${appsPath(news.serviceName)}/${id}`;
    // What OVH has accepted so far, recorded if a later step fails (so the next diff sees what is left to do).
    let applied: AppOutputs = { ...olds, ...news, body: olds.body, hfToken: olds.hfToken, secretEnv: olds.secretEnv, converged: olds.converged !== false };
    let live: App | undefined;
    try {
      live = await client.get<App>(path, { deadline });
      assertOwned(live, olds.body, "update");
      let rollout: Rollout | undefined;
      const specChanged = !same(updateInput(olds.body), updateInput(news.body)) || secretsChanged(olds, news) || olds.converged === false;
      if (specChanged) {
        const previousEnv = [...olds.body.envVars.map((e) => e.name), ...(olds.hfToken ? [HF_TOKEN_ENV] : []), ...Object.keys(olds.secretEnv ?? {}), ...(live.spec?.envVars ?? []).map((e) => e.name)];
        const update = updateInput(withSecrets(news.body, news), previousEnv);
        applied = { ...applied, converged: false };
        const answer = await client.put<App | null>(path, update, { deadline });
        applied = { ...applied, body: { ...news.body, scalingStrategy: applied.body.scalingStrategy, labels: applied.body.labels }, hfToken: news.hfToken, secretEnv: news.secretEnv, converged: true };
        rollout = { update, since: answer?.updatedAt ?? live.updatedAt };
      }
      if (!same(olds.body.scalingStrategy, news.body.scalingStrategy)) {
        await client.put(`${path}/scalingstrategy`, news.body.scalingStrategy, { deadline });
        applied = { ...applied, body: { ...applied.body, scalingStrategy: news.body.scalingStrategy } };
      }
      for (const label of labelChanges(olds.body.labels, news.body.labels)) await client.put(`${path}/label`, label, { deadline });
      applied = { ...applied, body: { ...applied.body, labels: news.body.labels } };
      // Not serving (stopped, failed, still starting): start it if it stopped or failed, then wait.
      if (!rollout && SERVING.includes(stateOf(live) as AppState)) return { outs: outputsOf(news, live, true) };
      await this.startIfStopped(client, path, deadline);
      const outs = await this.waitReady(client, news, id, rollout ? "update" : "start", deadline, rollout);
      return { outs };
    } catch (e) {
      if (!live) throw e; // nothing was sent: the state keeps the previous outputs
      const withState = { ...applied, state: e instanceof AppNotReadyError ? e.properties.state : "UNKNOWN", converged: e instanceof AppNotReadyError ? applied.converged : false };
      const why = e instanceof AppNotReadyError ? e.message : this.explain(e, news, "update").message;
      throw new AppNotReadyError(why, id, recorded(withState), e instanceof AppNotReadyError ? e.reasons : [why]);
    }
  }

  /** Refreshes the observed state (state, url, replicas); an app that is gone is reported as gone. */
  async read(id: string, props?: AppOutputs): Promise<pulumi.dynamic.ReadResult<AppOutputs>> {
    if (!props) throw new Error("aideploy:App cannot be imported; create it from config instead");
    try {
      const app = await this.client().get<App>(`${appsPath(props.serviceName)}/${id}`);
      if (stateOf(app) === "DELETED") return {};
      return { id, props: outputsOf(props, app, props.converged !== false) };
    } catch (e) {
      if (is404(e)) return {};
      throw e;
    }
  }

  /**
   * Stops the app first (OVH's Control Panel deletes only STOPPED, FAILED or ERROR apps), waits until it is stopped,
   * deletes it and waits until it is DELETED or gone. 404 at any step means it is gone already.
   */
  async delete(id: string, props: AppOutputs): Promise<void> {
    const client = this.client();
    const path = `${appsPath(props.serviceName)}/${id}`;
    const deadline = Date.now() + (this.options.deleteTimeoutMs ?? 15 * 60_000);
    const timeout = (app: App | undefined, step: string) => () =>
      new Error(`AI Deploy app ${props.body.name} (${id}) is still ${stateOf(app)} ${step} after ${Math.round((this.options.deleteTimeoutMs ?? 900_000) / 1000)} s; OVH's last message: ${infoOf(app)}`);
    try {
      let app = await client.get<App>(path, { deadline });
      assertOwned(app, props.body, "delete");
      if (STOPPABLE.includes(stateOf(app) as AppState)) await client.put(`${path}/stop`, undefined, { deadline });
      while (!DELETABLE.includes(stateOf(app) as AppState) && !GONE.includes(stateOf(app) as AppState)) {
        await this.pollOrTimeout(deadline, timeout(app, "waiting for STOPPED"));
        app = await client.get<App>(path, { deadline });
        // Started again meanwhile (e.g. a start racing the stop): stop again.
        if (SERVING.includes(stateOf(app) as AppState)) await client.put(`${path}/stop`, undefined, { deadline });
      }
      if (stateOf(app) !== "DELETED" && stateOf(app) !== "DELETING") await client.delete(path, { deadline });
      for (;;) {
        app = await client.get<App>(path, { deadline });
        if (stateOf(app) === "DELETED") return;
        await this.pollOrTimeout(deadline, timeout(app, "waiting for DELETED"));
      }
    } catch (e) {
      if (is404(e)) return;
      throw e;
    }
  }
}

/** What a rollout wait must see: the update OVH accepted, and when (the API's own clock). */
interface Rollout {
  update: UpdateInput;
  since?: string;
}

/** Refuses to change or delete an app whose ownership label names another resource (0 foreign apps touched). */
function assertOwned(app: App, body: AppBody, action: string): void {
  const theirs = app.spec?.labels?.[APP_LABEL];
  const ours = body.labels[APP_LABEL];
  if (theirs && theirs !== ours)
    throw new Error(`AI Deploy app ${app.id} is labelled ${APP_LABEL}=${theirs}, not this resource's ${ours}: refusing to ${action} an app this stack does not own`);
}

/** Properties of a failed step: without the HF token and secret variables (the next up sees them "changed" and sends them again). */
function recorded(outs: AppOutputs): AppOutputs {
  const { hfToken: _notRecorded, secretEnv: _notRecordedEither, ...rest } = outs;
  return rest;
}

/** The body with every secret variable, for a request (never stored). */
function withSecrets(body: AppBody, inputs: Pick<AppInputs, "hfToken" | "secretEnv">): AppBody {
  return withSecretEnv(withHfToken(body, inputs.hfToken), inputs.secretEnv);
}

function secretsChanged(olds: Pick<AppInputs, "hfToken" | "secretEnv">, news: Pick<AppInputs, "hfToken" | "secretEnv">): boolean {
  return (olds.hfToken ?? "") !== (news.hfToken ?? "") || !same(olds.secretEnv ?? {}, news.secretEnv ?? {});
}

function outputsOf(inputs: AppInputs, app: App, converged: boolean): AppOutputs {
  const url = app.status?.url ?? "";
  return {
    serviceName: inputs.serviceName,
    body: inputs.body, // our body (no secrets), never the API's spec, which echoes HF_TOKEN
    ...(inputs.hfToken !== undefined ? { hfToken: inputs.hfToken } : {}),
    ...(inputs.secretEnv !== undefined ? { secretEnv: inputs.secretEnv } : {}),
    readyTimeoutMinutes: inputs.readyTimeoutMinutes,
    appId: app.id,
    url,
    host: hostOf(url),
    state: stateOf(app),
    availableReplicas: app.status?.availableReplicas ?? 0,
    converged,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Token
// ---------------------------------------------------------------------------------------------------------------

export interface TokenInputs {
  serviceName: string;
  body: TokenSpec;
  /** Bump to renew the value. */
  renewalCounter: number;
}

export interface TokenOutputs extends TokenInputs {
  tokenId: string;
  /** Bearer value (secret: `additionalSecretOutputs`). Shown by the API only on create and renew. */
  value: string;
  version: number;
}

/** `ovh-llm-app=<id>`: a token without selector reaches every app of the project (OVH docs, tokens guide). */
const SCOPED = /^[^=\s]+=[^=\s]+$/;

export class TokenProvider extends OvhDynamicProvider implements pulumi.dynamic.ResourceProvider<TokenInputs, TokenOutputs> {
  async check(_olds: TokenInputs, news: TokenInputs): Promise<pulumi.dynamic.CheckResult<TokenInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!SCOPED.test(news.body?.labelSelector ?? ""))
      failures.push({ property: "body.labelSelector", reason: "must be name=value: a token without selector reaches every app of the project" });
    return { inputs: news, failures };
  }

  private deadline(): number {
    return Date.now() + (this.options.tokenTimeoutMs ?? 5 * 60_000);
  }

  async create(inputs: TokenInputs): Promise<{ id: string; outs: TokenOutputs }> {
    if (!SCOPED.test(inputs.body.labelSelector ?? "")) throw new Error("refusing to create an AI token without a label selector (it would reach every app of the project)");
    const client = this.client();
    const deadline = this.deadline();
    const path = tokensPath(inputs.serviceName);
    // A token with our name and selector but not in state (lost answer of an earlier run): its value was shown once
    // and is lost, so renew it to get a fresh one instead of creating a second token.
    let token = await this.findByName(client, inputs, deadline);
    if (token) token = await client.post<Token>(`${path}/${token.id}/renew`, undefined, { deadline });
    for (let attempt = 1; !token; attempt++) {
      try {
        token = await client.post<Token>(path, inputs.body, { deadline });
      } catch (e) {
        if (!(e instanceof OvhApiError) || !e.ambiguous || attempt >= 3) throw e;
        for (let look = 1; !token && look <= (this.options.lookupAttempts ?? 3); look++) {
          const found = await this.findByName(client, inputs, deadline);
          if (found) token = await client.post<Token>(`${path}/${found.id}/renew`, undefined, { deadline });
          else await this.pollOrTimeout(deadline, () => e);
        }
      }
    }
    return { id: token.id, outs: tokenOutputs(inputs, token) };
  }

  private async findByName(client: OvhClient, inputs: TokenInputs, deadline: number): Promise<Token | undefined> {
    const tokens = await client.getAll<Token>(tokensPath(inputs.serviceName), { deadline });
    const found = tokens.find((t) => t.spec?.name === inputs.body.name);
    if (found && found.spec.labelSelector !== inputs.body.labelSelector)
      throw new Error(`An AI token named ${inputs.body.name} exists (id ${found.id}) with another label selector (${found.spec.labelSelector ?? "none"}): delete it`);
    return found;
  }

  async diff(_id: string, olds: TokenOutputs, news: TokenInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["name", "region", "role", "labelSelector"] as const).filter((k) => olds.body[k] !== news.body[k]).map((k) => `body.${k}`);
    if (olds.serviceName !== news.serviceName) replaces.push("serviceName");
    const changes = replaces.length > 0 || olds.renewalCounter !== news.renewalCounter;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.body.name === news.body.name };
  }

  /** Only `renewalCounter` updates in place: renew, which returns a new value (the old one stops working). */
  async update(id: string, olds: TokenOutputs, news: TokenInputs): Promise<{ outs: TokenOutputs }> {
    if (olds.renewalCounter === news.renewalCounter) return { outs: { ...olds, ...news } };
    const token = await this.client().post<Token>(`${tokensPath(news.serviceName)}/${id}/renew`, undefined, { deadline: this.deadline() });
    return { outs: tokenOutputs(news, token) };
  }

  async read(id: string, props?: TokenOutputs): Promise<pulumi.dynamic.ReadResult<TokenOutputs>> {
    if (!props) throw new Error("aideploy:Token cannot be imported (its value is shown only once)");
    try {
      const token = await this.client().get<Token>(`${tokensPath(props.serviceName)}/${id}`);
      // The API does not show the value again: keep the one captured at create/renew.
      return { id, props: { ...props, version: token.status?.version ?? props.version } };
    } catch (e) {
      if (is404(e)) return {};
      throw e;
    }
  }

  async delete(id: string, props: TokenOutputs): Promise<void> {
    try {
      await this.client().delete(`${tokensPath(props.serviceName)}/${id}`, { deadline: this.deadline() });
    } catch (e) {
      if (!is404(e)) throw e;
    }
  }
}

function tokenOutputs(inputs: TokenInputs, token: Token): TokenOutputs {
  if (!token.status?.value) throw new Error(`AI token ${token.id}: the API returned no value`);
  return { ...inputs, tokenId: token.id, value: token.status.value, version: token.status.version ?? 1 };
}

// ---------------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------------

export interface AiDeployAppResourceArgs {
  serviceName: pulumi.Input<string>;
  body: pulumi.Input<AppBody>;
  hfToken?: pulumi.Input<string>;
  /** Secret variables (name → value), sent only in requests. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readyTimeoutMinutes: pulumi.Input<number>;
}

/** The AI Deploy app (`pulumi-nodejs:dynamic/aideploy:App`). */
export class AiDeployAppResource extends pulumi.dynamic.Resource {
  declare readonly appId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly availableReplicas: pulumi.Output<number>;

  constructor(name: string, args: AiDeployAppResourceArgs, opts?: pulumi.CustomResourceOptions, providerOptions?: ProviderOptions) {
    super(
      new AppProvider(providerOptions),
      name,
      { ...args, appId: undefined, url: undefined, host: undefined, state: undefined, availableReplicas: undefined, converged: undefined },
      { ...opts, additionalSecretOutputs: ["hfToken", "secretEnv", ...(opts?.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      "App",
    );
  }
}

export interface AiDeployTokenResourceArgs {
  serviceName: pulumi.Input<string>;
  body: pulumi.Input<TokenSpec>;
  renewalCounter: pulumi.Input<number>;
}

/** An AI token scoped by label selector (`pulumi-nodejs:dynamic/aideploy:Token`); `value` is secret. */
export class AiDeployTokenResource extends pulumi.dynamic.Resource {
  declare readonly tokenId: pulumi.Output<string>;
  declare readonly value: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;

  constructor(name: string, args: AiDeployTokenResourceArgs, opts?: pulumi.CustomResourceOptions, providerOptions?: ProviderOptions) {
    super(
      new TokenProvider(providerOptions),
      name,
      { ...args, tokenId: undefined, value: undefined, version: undefined },
      { ...opts, additionalSecretOutputs: ["value", ...(opts?.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      "Token",
    );
  }
}
