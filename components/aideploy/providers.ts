/**
 * Pulumi dynamic providers for AI Deploy apps and tokens (neither the OVH Terraform provider nor
 * `@ovhcloud/pulumi-ovh` 2.19 has them). Types: `pulumi-nodejs:dynamic/aideploy:App` and `...:Token`.
 *
 * Credentials are never inputs (inputs are stored in state): `configure` reads `ovh:*` from the stack config (the
 * engine passes the whole stack config to dynamic providers, secrets decrypted: pulumi/pulumi#17697), else the `OVH_*`
 * environment variables. The provider object is serialized with its closure into state, so it holds only plain
 * options; the HTTP client is created inside each method.
 */
import * as pulumi from "@pulumi/pulumi";
import { OvhApiError, OvhClient, ovhSettingsFrom, type OvhClientOptions, type OvhSettings } from "../ovh/client";
import { APP_LABEL, hostOf, updateInput, withHfToken, type AppSpecInput, type TokenInput } from "./spec";

export const DYNAMIC_MODULE = "aideploy";
export const APP_RESOURCE_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:App`;
export const TOKEN_RESOURCE_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:Token`;

/** What the providers need besides credentials; plain values only (serialized into state). */
export interface ProviderOptions {
  /** Delay between state polls (default 15 s; tests use a few ms). */
  pollIntervalMs?: number;
  /** How long delete waits for DELETED (default 15 min). */
  deleteTimeoutMs?: number;
  /** Client tuning (timeouts, retries); credentials are never here. */
  client?: Pick<OvhClientOptions, "timeoutMs" | "maxAttempts" | "backoffMs" | "maxBackoffMs">;
}

/** The API's app object, as far as this program reads it. */
export interface ApiApp {
  id: string;
  spec: { name: string; labels?: Record<string, string> };
  status: { state: string; url?: string; availableReplicas?: number; info?: { code?: string; message?: string } };
}

export interface ApiToken {
  id: string;
  spec: { name: string; region: string; role: string; labelSelector?: string };
  status: { value?: string; version?: number };
}

// ---------------------------------------------------------------------------------------------------------------
// App
// ---------------------------------------------------------------------------------------------------------------

/** Inputs of the app resource (stored in state; `hfToken` is a secret input). */
export interface AppInputs {
  serviceName: string;
  /** The create body without secrets (`appSpecInput`). */
  body: AppSpecInput;
  /** Hugging Face token, sent as env `HF_TOKEN` only in requests. */
  hfToken?: string;
  /** How long create/update wait for RUNNING. */
  readyTimeoutMinutes: number;
}

export interface AppOutputs extends AppInputs {
  appId: string;
  url: string;
  host: string;
  state: string;
  availableReplicas: number;
}

// Arrays, not Sets: Pulumi's closure serializer does not rebuild Set/Map instances.
const SERVING: readonly string[] = ["RUNNING", "SCALING"];
const BROKEN: readonly string[] = ["FAILED", "ERROR"];

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
}

export class AppProvider extends OvhDynamicProvider implements pulumi.dynamic.ResourceProvider<AppInputs, AppOutputs> {
  async check(_olds: AppInputs, news: AppInputs): Promise<pulumi.dynamic.CheckResult<AppInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (news.body?.unsecureHttp !== false) failures.push({ property: "body.unsecureHttp", reason: "must be false: the app is only reachable with a token" });
    if (!news.body?.labels?.[APP_LABEL]) failures.push({ property: "body.labels", reason: `must carry the ${APP_LABEL} label its token selects` });
    return { inputs: news, failures };
  }

  async create(inputs: AppInputs): Promise<{ id: string; outs: AppOutputs }> {
    const client = this.client();
    const name = inputs.body.name;
    let app = await this.findByName(client, inputs.serviceName, name);
    if (app) {
      // Ours (our label) but not in state: a previous run was interrupted after the API created it. Adopt and converge.
      if (app.spec.labels?.[APP_LABEL] !== name)
        throw new Error(`An AI Deploy app named ${name} already exists (id ${app.id}) and is not managed by this program: delete or rename it`);
      await this.converge(client, inputs, app.id);
    } else {
      app = await this.postOnce(client, inputs);
    }
    const outs = await this.waitServing(client, inputs, app.id, "create");
    return { id: app.id, outs };
  }

  /**
   * POST the app; when the answer is lost (5xx, dropped connection, timeout) the app may exist: look it up by name
   * before trying again, so a retry never creates a second app.
   */
  private async postOnce(client: OvhClient, inputs: AppInputs): Promise<ApiApp> {
    const path = appsPath(inputs.serviceName);
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.post<ApiApp>(path, withHfToken(inputs.body, inputs.hfToken));
      } catch (e) {
        if (!(e instanceof OvhApiError) || !e.ambiguous || attempt >= 3) throw e;
        const found = await this.findByName(client, inputs.serviceName, inputs.body.name);
        if (found) return found;
        await sleep(this.pollMs());
      }
    }
  }

  private async findByName(client: OvhClient, serviceName: string, name: string): Promise<ApiApp | undefined> {
    const apps = await client.get<ApiApp[]>(appsPath(serviceName));
    return apps.find((a) => a.spec?.name === name && !["DELETING", "DELETED"].includes(a.status?.state));
  }

  /** Applies spec (in place), scaling and labels unconditionally: used when adopting an app. */
  private async converge(client: OvhClient, inputs: AppInputs, id: string): Promise<void> {
    const path = `${appsPath(inputs.serviceName)}/${id}`;
    await client.put(path, updateInput(withHfToken(inputs.body, inputs.hfToken)));
    await client.put(`${path}/scalingstrategy`, inputs.body.scalingStrategy);
    for (const [labelName, value] of Object.entries(inputs.body.labels)) await client.put(`${path}/label`, { name: labelName, value });
  }

  /** Polls until RUNNING/SCALING; FAILED/ERROR or the timeout throw `AppNotReadyError` with the API's message. */
  private async waitServing(client: OvhClient, inputs: AppInputs, id: string, during: string): Promise<AppOutputs> {
    const deadline = Date.now() + inputs.readyTimeoutMinutes * 60_000;
    for (;;) {
      const app = await client.get<ApiApp>(`${appsPath(inputs.serviceName)}/${id}`);
      const outs = outputsOf(inputs, app);
      const state = app.status?.state;
      if (SERVING.includes(state)) return outs;
      // Properties of a failed step: without the HF token (the next up sees it "changed" and sends it again).
      const { hfToken: _notRecorded, ...recorded } = outs;
      if (BROKEN.includes(state)) {
        const why = app.status.info?.message || app.status.info?.code || "no message";
        throw new AppNotReadyError(`AI Deploy app ${inputs.body.name} (${id}) is ${state} after ${during}: ${why}`, id, recorded, [why]);
      }
      if (Date.now() >= deadline)
        throw new AppNotReadyError(`AI Deploy app ${inputs.body.name} (${id}) is still ${state} after ${inputs.readyTimeoutMinutes} min (aiDeploy.readyTimeoutMinutes)`, id, recorded, [`timeout in ${state}`]);
      await sleep(this.pollMs());
    }
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
      (olds.hfToken ?? "") !== (news.hfToken ?? "") ||
      !same(olds.body.scalingStrategy, news.body.scalingStrategy) ||
      !same(olds.body.labels, news.body.labels) ||
      olds.readyTimeoutMinutes !== news.readyTimeoutMinutes;
    // Names are unique in a project: replacing with the same name must delete the old app first.
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.body.name === news.body.name };
  }

  async update(id: string, olds: AppOutputs, news: AppInputs): Promise<{ outs: AppOutputs }> {
    const client = this.client();
    const path = `${appsPath(news.serviceName)}/${id}`;
    const specChanged = !same(updateInput(olds.body), updateInput(news.body)) || (olds.hfToken ?? "") !== (news.hfToken ?? "");
    if (specChanged) await client.put(path, updateInput(withHfToken(news.body, news.hfToken)));
    if (!same(olds.body.scalingStrategy, news.body.scalingStrategy)) await client.put(`${path}/scalingstrategy`, news.body.scalingStrategy);
    for (const [labelName, value] of Object.entries(news.body.labels)) {
      if (olds.body.labels?.[labelName] !== value) await client.put(`${path}/label`, { name: labelName, value });
    }
    for (const labelName of Object.keys(olds.body.labels ?? {})) {
      if (!(labelName in news.body.labels)) await client.put(`${path}/label`, { name: labelName }); // no value deletes
    }
    const outs = specChanged ? await this.waitServing(client, news, id, "update") : outputsOf(news, await client.get<ApiApp>(path));
    return { outs };
  }

  /** Refreshes the observed state (state, url, replicas); an app that is gone is reported as gone. */
  async read(id: string, props?: AppOutputs): Promise<pulumi.dynamic.ReadResult<AppOutputs>> {
    if (!props) throw new Error("aideploy:App cannot be imported; create it from config instead");
    try {
      const app = await this.client().get<ApiApp>(`${appsPath(props.serviceName)}/${id}`);
      if (app.status?.state === "DELETED") return {};
      return { id, props: outputsOf(props, app) };
    } catch (e) {
      if (e instanceof OvhApiError && e.status === 404) return {};
      throw e;
    }
  }

  /** Deletes and waits until the app is DELETED or gone (404). */
  async delete(id: string, props: AppOutputs): Promise<void> {
    const client = this.client();
    const path = `${appsPath(props.serviceName)}/${id}`;
    try {
      await client.delete(path);
    } catch (e) {
      if (e instanceof OvhApiError && e.status === 404) return;
      throw e;
    }
    const deadline = Date.now() + (this.options.deleteTimeoutMs ?? 15 * 60_000);
    for (;;) {
      try {
        const app = await client.get<ApiApp>(path);
        if (app.status?.state === "DELETED") return;
      } catch (e) {
        if (e instanceof OvhApiError && e.status === 404) return;
        throw e;
      }
      if (Date.now() >= deadline) throw new Error(`AI Deploy app ${props.body.name} (${id}) was not DELETED in time`);
      await sleep(this.pollMs());
    }
  }
}

function outputsOf(inputs: AppInputs, app: ApiApp): AppOutputs {
  const url = app.status?.url ?? "";
  return {
    serviceName: inputs.serviceName,
    body: inputs.body, // our body (no secrets), never the API's spec, which echoes HF_TOKEN
    ...(inputs.hfToken !== undefined ? { hfToken: inputs.hfToken } : {}),
    readyTimeoutMinutes: inputs.readyTimeoutMinutes,
    appId: app.id,
    url,
    host: hostOf(url),
    state: app.status?.state ?? "UNKNOWN",
    availableReplicas: app.status?.availableReplicas ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Token
// ---------------------------------------------------------------------------------------------------------------

export interface TokenInputs {
  serviceName: string;
  body: TokenInput;
  /** Bump to renew the value. */
  renewalCounter: number;
}

export interface TokenOutputs extends TokenInputs {
  tokenId: string;
  /** Bearer value (secret: `additionalSecretOutputs`). Shown by the API only on create and renew. */
  value: string;
  version: number;
}

export class TokenProvider extends OvhDynamicProvider implements pulumi.dynamic.ResourceProvider<TokenInputs, TokenOutputs> {
  async check(_olds: TokenInputs, news: TokenInputs): Promise<pulumi.dynamic.CheckResult<TokenInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!/^[^=\s]+=[^=\s]+$/.test(news.body?.labelSelector ?? ""))
      failures.push({ property: "body.labelSelector", reason: "must be name=value: a token without selector reaches every app of the project" });
    return { inputs: news, failures };
  }

  async create(inputs: TokenInputs): Promise<{ id: string; outs: TokenOutputs }> {
    if (!/^[^=\s]+=[^=\s]+$/.test(inputs.body.labelSelector ?? "")) throw new Error("refusing to create an AI token without a label selector (it would reach every app of the project)");
    const client = this.client();
    const path = tokensPath(inputs.serviceName);
    // A token with our name and selector but not in state (lost answer of an earlier run): its value was shown once
    // and is lost, so renew it to get a fresh one instead of creating a second token.
    let token = await this.findByName(client, inputs);
    if (token) token = await client.post<ApiToken>(`${path}/${token.id}/renew`);
    for (let attempt = 1; !token; attempt++) {
      try {
        token = await client.post<ApiToken>(path, inputs.body);
      } catch (e) {
        if (!(e instanceof OvhApiError) || !e.ambiguous || attempt >= 3) throw e;
        const found = await this.findByName(client, inputs);
        if (found) token = await client.post<ApiToken>(`${path}/${found.id}/renew`);
        else await sleep(this.pollMs());
      }
    }
    return { id: token.id, outs: tokenOutputs(inputs, token) };
  }

  private async findByName(client: OvhClient, inputs: TokenInputs): Promise<ApiToken | undefined> {
    const tokens = await client.get<ApiToken[]>(tokensPath(inputs.serviceName));
    const found = tokens.find((t) => t.spec?.name === inputs.body.name);
    if (found && found.spec.labelSelector !== inputs.body.labelSelector)
      throw new Error(`An AI token named ${inputs.body.name} exists (id ${found.id}) with another label selector (${found.spec.labelSelector ?? "none"}): delete it`);
    return found;
  }

  async diff(_id: string, olds: TokenOutputs, news: TokenInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = ["name", "region", "role", "labelSelector"].filter((k) => olds.body[k as keyof TokenInput] !== news.body[k as keyof TokenInput]).map((k) => `body.${k}`);
    if (olds.serviceName !== news.serviceName) replaces.push("serviceName");
    const changes = replaces.length > 0 || olds.renewalCounter !== news.renewalCounter;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.body.name === news.body.name };
  }

  /** Only `renewalCounter` updates in place: renew, which returns a new value (the old one stops working). */
  async update(id: string, olds: TokenOutputs, news: TokenInputs): Promise<{ outs: TokenOutputs }> {
    if (olds.renewalCounter === news.renewalCounter) return { outs: { ...olds, ...news } };
    const token = await this.client().post<ApiToken>(`${tokensPath(news.serviceName)}/${id}/renew`);
    return { outs: tokenOutputs(news, token) };
  }

  async read(id: string, props?: TokenOutputs): Promise<pulumi.dynamic.ReadResult<TokenOutputs>> {
    if (!props) throw new Error("aideploy:Token cannot be imported (its value is shown only once)");
    try {
      const token = await this.client().get<ApiToken>(`${tokensPath(props.serviceName)}/${id}`);
      // The API does not show the value again: keep the one captured at create/renew.
      return { id, props: { ...props, version: token.status?.version ?? props.version } };
    } catch (e) {
      if (e instanceof OvhApiError && e.status === 404) return {};
      throw e;
    }
  }

  async delete(id: string, props: TokenOutputs): Promise<void> {
    try {
      await this.client().delete(`${tokensPath(props.serviceName)}/${id}`);
    } catch (e) {
      if (!(e instanceof OvhApiError && e.status === 404)) throw e;
    }
  }
}

function tokenOutputs(inputs: TokenInputs, token: ApiToken): TokenOutputs {
  if (!token.status?.value) throw new Error(`AI token ${token.id}: the API returned no value`);
  return { ...inputs, tokenId: token.id, value: token.status.value, version: token.status.version ?? 1 };
}

// ---------------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------------

export interface AiDeployAppResourceArgs {
  serviceName: pulumi.Input<string>;
  body: pulumi.Input<AppSpecInput>;
  hfToken?: pulumi.Input<string>;
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
      { ...args, appId: undefined, url: undefined, host: undefined, state: undefined, availableReplicas: undefined },
      { ...opts, additionalSecretOutputs: ["hfToken", ...(opts?.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      "App",
    );
  }
}

export interface AiDeployTokenResourceArgs {
  serviceName: pulumi.Input<string>;
  body: pulumi.Input<TokenInput>;
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
