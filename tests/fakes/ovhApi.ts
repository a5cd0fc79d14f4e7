/**
 * A local fake of the OVH API (AI Deploy apps, tokens, capabilities; MKS flavors) on 127.0.0.1. What it accepts is
 * derived from the generated OVH API types (`./ovhSchema.ts`, npm `@datatr-ux/ovhcloud-types`): a body field the schema
 * does not describe, a missing required one, a wrong kind or an unknown enum value is a 400
 * `{"class": "Client::BadRequest", "message": ...}` as OVH API v1 answers (wording of "Received not described
 * parameters: (...)" and "Body parameter X isn't formated correctly" from real answers quoted in ovh/php-ovh#63 and
 * ovh/python-ovh#121; the missing-field and enum wordings are not documented and are ours).
 *
 * Behaviour that is not in the schema, and where it comes from:
 * - which body type each route takes: ovh/manager `packages/manager/apps/pci-ai-tools/src/data/api/ai/**`
 *   (`app.api.ts`: POST AppSpecInput, PUT UpdateInput, start/stop; `label/label.api.ts`: Label;
 *   `scaling-strategy/scaling-strategy.api.ts`: ScalingStrategyInput; `token/token.api.ts`: TokenSpec, renew).
 * - the states and what they mean: AppStateEnum, and OVH docs "AI Deploy - App concept" (QUEUED → INITIALIZING →
 *   RUNNING; SCALING still serves; STOPPING → STOPPED; FAILED/ERROR; DELETING → DELETED).
 * - delete only from STOPPED, FAILED or ERROR, stop only from QUEUED/INITIALIZING/RUNNING/SCALING: ovh/manager
 *   `pci-ai-tools/src/lib/statusHelper.tsx` (`isStoppedApp`, `isRunningApp`) and the delete button guards in
 *   `pages/apps/_components/AppsListColumns.component.tsx`; the API's `force` flag on DELETE (kill a running app)
 *   exists because a plain DELETE of a running app is refused. The status code of that refusal is not documented
 *   (409 here).
 * - rollout after PUT: DeploymentStrategy.d.ts (maxSurge, maxUnavailable, progressDeadlineSeconds: a rolling
 *   update); the exact state sequence is not documented: the fake serves the old spec for `rolloutDelayReads` reads,
 *   then the new spec in SCALING (INITIALIZING when the app was not serving), then RUNNING or FAILED.
 * - env vars of UpdateInput are patched, an empty value removes one; `command: []` resets: UpdateInput.d.ts comments.
 * - labels `ovh/id`, `ovh/type` set by the platform and overriding the caller's: AppSpecInput.d.ts comment and OVH
 *   docs "AI Deploy - Accessing your app with tokens"; label keys and values 1–15 characters: the Control Panel's
 *   rule (`pci-ai-tools/src/components/labels/useLabelForm.hook.tsx`), the API's own limit is not documented.
 * - paging: `X-Pagination-Mode: CachedObjectList-Pages` with `X-Pagination-Size`/`-Number`, total in
 *   `X-Pagination-Elements`, cached unless `Pragma: no-cache`: ovh/manager `packages/manager/core/api/src/iceberg.ts`
 *   and `ai/app/app.api.ts` (which sends `Pragma: no-cache`). A plain GET answers one default-sized page (the size is
 *   not documented: `plainPageSize`, small on purpose).
 * - app names: uniqueness is not documented (the CLI calls the name "only informative"), so names may repeat;
 *   `uniqueNames` makes a repeated name a 409 to test both.
 * - 403 without the right: `{"class":"Client::Forbidden","errorCode":"NOT_GRANTED_CALL","message":"This call has not
 *   been granted"}` (the message python-ovh maps to NotGrantedCall); quota refusals: status and wording are not
 *   documented (403 with a message naming the quota here).
 * - OAuth2: client id and secret only as HTTP Basic auth, form `grant_type=client_credentials&scope=all` (what
 *   ovh/go-ovh sends through golang.org/x/oauth2 v0.18.0); the answer's fields as in go-ovh's tests.
 * - application keys: `X-Ovh-Signature` recomputed, timestamps checked against `GET /auth/time` (skewed clock).
 */
import { createHash, randomBytes, randomUUID } from "crypto";
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import { ovhSchema, validate, type SchemaName } from "./ovhSchema";

export const FAKE_CREDENTIALS = { applicationKey: "fake-ak", applicationSecret: "fake-as", consumerKey: "fake-ck" } as const;
export const FAKE_OAUTH2 = { clientId: "fake-client", clientSecret: "fake-client-secret" } as const;

export type Fault =
  | { status: number; message?: string; retryAfter?: number; class?: string; /** applied, then answered with `status` */ apply?: boolean }
  | "hang"
  | "drop-before"
  | "drop-after";

interface Injection {
  method: string;
  path: RegExp;
  fault: Fault;
  times: number;
}

export interface FakeApp {
  id: string;
  createdAt: string;
  updatedAt: string;
  user: string;
  spec: Record<string, any>;
  status: { state: string; url: string; availableReplicas: number; info: { code: string; message: string }; history: { date: string; state: string }[]; lastTransitionDate: string; dataSync: unknown[] };
  /** Reads since the last transition. */
  reads: number;
  /** A rollout in progress: the spec that replaces the served one, and how it ends. */
  pending?: { spec: Record<string, any>; failWith?: string; wasServing: boolean };
  failWith?: string;
  /** List reads before a new app shows in lists (eventual consistency). */
  hiddenFromLists: number;
}

export interface FakeToken {
  id: string;
  spec: { name: string; region: string; role: string; labelSelector?: string };
  value: string;
  version: number;
}

/** The catalogue the fake serves (AI Deploy capabilities and MKS flavors), shaped like the schema's Region/Flavor. */
export const FAKE_CATALOGUE = {
  ai: {
    GRA: [
      { id: "l4-1-gpu", type: "gpu", max: 4 },
      { id: "l40s-1-gpu", type: "gpu", max: 4 },
      { id: "h100-1-gpu", type: "gpu", max: 4 },
      { id: "ai1-1-cpu", type: "cpu", max: 12 },
    ],
    BHS: [
      { id: "l4-1-gpu", type: "gpu", max: 4 },
      { id: "ai1-1-cpu", type: "cpu", max: 12 },
    ],
  } as Record<string, { id: string; type: string; max: number }[]>,
  kube: {
    GRA11: ["b2-15", "b3-16", "b3-32", "l4-90", "l40s-90", "h100-380"],
    GRA9: ["b2-15", "b3-16"],
    BHS5: ["b2-15", "b3-16", "l4-90"],
  } as Record<string, string[]>,
};

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly errorClass = "Client::BadRequest",
  ) {
    super(message);
  }
}

const SERVING = ["RUNNING", "SCALING"];
const RUNNING_LIKE = ["QUEUED", "INITIALIZING", "RUNNING", "SCALING"];
const STOPPED_LIKE = ["STOPPED", "FAILED", "ERROR"];

/** Checks `body` against a schema type like OVH does; throws the 400 OVH would answer. */
export function checkBody(type: SchemaName, body: unknown): void {
  const problems = validate(ovhSchema()[type], body);
  if (problems.undescribed.length) throw new BadRequest(`Received not described parameters: (${problems.undescribed.join(", ")})`);
  if (problems.missing.length) throw new BadRequest(`Missing parameter(s) of ${type}: (${problems.missing.join(", ")})`);
  const bad = problems.invalid[0];
  if (bad) throw new BadRequest(`Body parameter ${bad.path || type} isn't formated correctly: ${JSON.stringify(bad.value)} (expected ${bad.expected})`);
}

export class FakeOvhApi {
  readonly apps = new Map<string, FakeApp>();
  readonly tokens = new Map<string, FakeToken>();
  /** Every request that reached a handler or a fault: method, path (without the /1.0 prefix) and JSON body. */
  readonly calls: { method: string; path: string; body?: any }[] = [];
  /** Reads of an app before it is RUNNING (QUEUED on the first, INITIALIZING until then). */
  pollsToRunning = 3;
  /** Reads of a stopping app before it is STOPPED. */
  pollsToStopped = 2;
  /** Reads of a deleted app before it disappears (404). */
  pollsToDeleted = 1;
  /** After a PUT, reads that still show the old spec in its old state; then reads of the rollout. */
  rolloutDelayReads = 2;
  rolloutReads = 2;
  /** Items of a list read without OVH's paging headers. */
  plainPageSize = 10;
  /** List reads before a newly created app shows in lists. */
  listLagReads = 0;
  /** A second live app with a name already in use is a 409 (uniqueness is not documented: off by default). */
  uniqueNames = false;
  /** Max flavor units (per replica × replicas) per flavor in the project; absent = unlimited. */
  quota: Record<string, number> = {};
  /** Server clock minus real clock, in seconds: clients must use GET /auth/time. */
  clockSkewSeconds = 7200;
  readonly serviceName = "0123456789abcdef0123456789abcdef";
  private readonly injections: Injection[] = [];
  private readonly denials: { method: string; path: RegExp }[] = [];
  private readonly failures = new Map<string, string>();
  private readonly rolloutFailures = new Map<string, string>();
  private readonly listCache = new Map<string, unknown[]>();
  private readonly sockets = new Set<Socket>();
  private readonly oauthTokens = new Set<string>();
  private lastStamp = 0;
  private server?: http.Server;
  baseUrl = "";

  /** Starts listening on a random port; `baseUrl` is then `http://127.0.0.1:<port>/1.0`. */
  async start(): Promise<this> {
    ovhSchema(); // derive (and cache) the schema before the first request
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/1.0`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next `times` requests matching method and path get `fault`. */
  inject(method: string, path: RegExp, fault: Fault, times = 1): void {
    this.injections.push({ method, path, fault, times });
  }

  /** Calls matching method and path are refused with 403 (the credentials lack that right). */
  deny(method: string, path: RegExp): void {
    this.denials.push({ method, path });
  }

  /** The app created with this name goes FAILED with `message` instead of RUNNING. */
  failAppNamed(name: string, message: string): void {
    this.failures.set(name, message);
  }

  /** The next rollout (after PUT) of the app with this id ends FAILED with `message`. */
  failNextRollout(id: string, message: string): void {
    this.rolloutFailures.set(id, message);
  }

  /** Puts an app on the server as if someone else made it (another stack, by hand): it starts RUNNING. */
  seedApp(spec: Record<string, any>, state = "RUNNING"): FakeApp {
    const app = this.newApp(structuredClone(spec));
    app.status.state = state;
    app.hiddenFromLists = 0;
    return app;
  }

  /** Apps that exist for the user (not DELETING/DELETED). */
  liveApps(): FakeApp[] {
    return [...this.apps.values()].filter((a) => !["DELETING", "DELETED"].includes(a.status.state));
  }

  /** How many requests matched method and path (faulted ones included). */
  count(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path)).length;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/^\/1\.0/, "");
    let parsed: unknown;
    try {
      parsed = bodyText && req.headers["content-type"]?.includes("json") ? JSON.parse(bodyText) : undefined;
    } catch {
      parsed = undefined;
    }
    this.calls.push({ method, path, body: parsed });

    const injection = this.injections.find((i) => i.times > 0 && i.method === method && i.path.test(path));
    if (injection) injection.times--;
    const fault = injection?.fault;
    if (fault === "hang") return; // never answers; the client must time out
    if (fault === "drop-before") return void req.socket.destroy();
    if (fault && typeof fault === "object" && !fault.apply) return this.sendFault(res, fault);

    let status = 200;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      [status, payload, headers = {}] = this.route(method, path, url, req.headers, bodyText);
    } catch (e) {
      [status, payload] = e instanceof BadRequest ? [e.status, { class: e.errorClass, message: e.message }] : [500, { class: "Server::InternalServerError", message: String(e) }];
    }
    if (fault === "drop-after") return void req.socket.destroy(); // applied, but the client never hears back
    if (fault && typeof fault === "object") return this.sendFault(res, fault); // applied, then an error answer
    this.send(res, status, payload, headers);
  }

  private sendFault(res: http.ServerResponse, fault: { status: number; message?: string; retryAfter?: number; class?: string }): void {
    const cls = fault.class ?? (fault.status === 429 ? "Client::TooManyRequests" : fault.status >= 500 ? "Server::InternalServerError" : "Client::BadRequest");
    this.send(res, fault.status, { class: cls, message: fault.message ?? `injected ${fault.status}` }, fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {});
  }

  private send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const text = payload === undefined ? "" : JSON.stringify(payload);
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(text);
  }

  private now(): number {
    return Math.round(Date.now() / 1000) + this.clockSkewSeconds;
  }

  /** Server-clock ISO date, strictly increasing (transition dates are compared by clients). */
  private stamp(): string {
    this.lastStamp = Math.max(Date.now() + this.clockSkewSeconds * 1000, this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  private authenticate(method: string, path: string, url: URL, headers: http.IncomingHttpHeaders, body: string): [number, unknown] | undefined {
    const bearer = headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (bearer) return this.oauthTokens.has(bearer) ? undefined : [401, { class: "Client::Unauthorized", message: "Invalid access token" }];
    const ak = headers["x-ovh-application"];
    const ck = headers["x-ovh-consumer"];
    const ts = Number(headers["x-ovh-timestamp"]);
    const sig = headers["x-ovh-signature"];
    if (ak !== FAKE_CREDENTIALS.applicationKey) return [403, { class: "Client::Forbidden", errorCode: "INVALID_KEY", message: "Invalid application key" }];
    if (ck !== FAKE_CREDENTIALS.consumerKey) return [403, { class: "Client::Forbidden", errorCode: "INVALID_CREDENTIAL", message: "Invalid credential" }];
    if (!Number.isFinite(ts) || Math.abs(ts - this.now()) > 300) return [400, { class: "Client::BadRequest", message: "Invalid timestamp (use GET /auth/time)" }];
    const fullUrl = `${this.baseUrl}${path}${url.search}`;
    const expected = "$1$" + createHash("sha1").update([FAKE_CREDENTIALS.applicationSecret, ck, method, fullUrl, body, String(ts)].join("+")).digest("hex");
    return sig === expected ? undefined : [400, { class: "Client::BadRequest", errorCode: "INVALID_SIGNATURE", message: "Invalid signature" }];
  }

  /** Client credentials only as HTTP Basic auth (RFC 6749 §2.3.1; what go-ovh's x/oauth2 sends). */
  private oauth2(headers: http.IncomingHttpHeaders, bodyText: string): [number, unknown] {
    const form = new URLSearchParams(bodyText);
    const basic = headers.authorization?.match(/^Basic (.+)$/)?.[1];
    const [id, secret] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":").map(decodeURIComponent) : [];
    const ok =
      headers["content-type"]?.startsWith("application/x-www-form-urlencoded") &&
      form.get("grant_type") === "client_credentials" &&
      form.get("scope") === "all" &&
      !form.has("client_id") &&
      !form.has("client_secret") &&
      id === FAKE_OAUTH2.clientId &&
      secret === FAKE_OAUTH2.clientSecret;
    if (!ok) return [401, { error: "invalid_client", error_description: "ovhcloud oauth2 client does not exists" }];
    const token = randomBytes(16).toString("hex");
    this.oauthTokens.add(token);
    return [200, { access_token: token, token_type: "Bearer", expires_in: 3600, scope: "all" }];
  }

  private route(method: string, path: string, url: URL, headers: http.IncomingHttpHeaders, bodyText: string): [number, unknown, Record<string, string>?] {
    if (method === "GET" && path === "/auth/time") return [200, this.now()];
    if (method === "POST" && url.pathname === "/auth/oauth2/token") return this.oauth2(headers, bodyText);
    const denied = this.authenticate(method, path, url, headers, bodyText);
    if (denied) return denied;
    if (this.denials.some((d) => d.method === method && d.path.test(path)))
      return [403, { class: "Client::Forbidden", errorCode: "NOT_GRANTED_CALL", httpCode: "403 Forbidden", message: "This call has not been granted" }];
    const body = bodyText ? JSON.parse(bodyText) : undefined;

    const project = path.match(/^\/cloud\/project\/([^/]+)(\/.*)$/);
    if (!project) return [404, { class: "Client::NotFound", message: `no route ${method} ${path}` }];
    const [, , rest] = project;
    if (method === "GET" && rest === "/capabilities/kube/regions") return [200, Object.keys(FAKE_CATALOGUE.kube)];
    if (method === "GET" && rest === "/capabilities/kube/flavors") {
      const region = url.searchParams.get("region") ?? "";
      const names = FAKE_CATALOGUE.kube[region];
      if (!names) throw new BadRequest(`Invalid region ${region}`);
      return [200, names.map((name) => ({ name, category: name[0], state: "available", gpus: /^(l4|l40s|h100)-/.test(name) ? 1 : 0, ram: 16, vCPUs: 4 }))];
    }
    if (method === "GET" && rest === "/ai/capabilities/region") return this.list(path, headers, Object.keys(FAKE_CATALOGUE.ai).map((id) => ({ id, version: "1", cliInstallUrl: "", documentationUrl: "", registryUrl: "" })));
    const flavors = rest.match(/^\/ai\/capabilities\/region\/([^/]+)\/flavor$/);
    if (method === "GET" && flavors) {
      const list = FAKE_CATALOGUE.ai[decodeURIComponent(flavors[1])];
      if (!list) return [404, { class: "Client::NotFound", message: `Region ${flavors[1]} does not exist` }];
      return this.list(path, headers, list.map((f) => ({ ...f, default: false, description: f.id, resourcesPerUnit: {} })));
    }
    if (method === "GET" && rest === "/ai/capabilities/quota") return [200, { resources: { ...this.quota }, storage: 0 }];
    const m = rest.match(/^\/ai\/(app|token)(?:\/([^/]+))?(?:\/([^/]+))?$/);
    if (!m) return [404, { class: "Client::NotFound", message: `no route ${method} ${path}` }];
    const [, kind, id, action] = m;
    if (kind === "app") return this.appRoute(method, path, headers, id, action, body);
    return this.tokenRoute(method, path, headers, id, action, body);
  }

  /** A list answer: OVH's paging when asked for, cached unless `Pragma: no-cache`; else one default-sized page. */
  private list(path: string, headers: http.IncomingHttpHeaders, items: unknown[]): [number, unknown, Record<string, string>] {
    if (headers["x-pagination-mode"] !== "CachedObjectList-Pages") return [200, items.slice(0, this.plainPageSize), {}];
    let all = items;
    if (headers.pragma !== "no-cache" && this.listCache.has(path)) all = this.listCache.get(path)!;
    else this.listCache.set(path, items);
    const size = Math.max(1, Number(headers["x-pagination-size"]) || 5000);
    const page = Math.max(1, Number(headers["x-pagination-number"]) || 1);
    return [200, all.slice((page - 1) * size, page * size), { "X-Pagination-Elements": String(all.length), "X-Pagination-Number": String(page), "X-Pagination-Size": String(size) }];
  }

  private newApp(spec: Record<string, any>): FakeApp {
    const id = randomUUID();
    const now = this.stamp();
    const app: FakeApp = {
      id,
      createdAt: now,
      updatedAt: now,
      user: "user-fake",
      spec: { ...spec, labels: { ...(spec.labels ?? {}), "ovh/id": id, "ovh/type": "app" } },
      status: { state: "QUEUED", url: `https://${id}.app.${String(spec.region).toLowerCase()}.ai.cloud.ovh.net`, availableReplicas: 0, info: { code: "APP_QUEUED", message: "" }, history: [{ date: now, state: "QUEUED" }], lastTransitionDate: now, dataSync: [] },
      reads: 0,
      failWith: this.failures.get(spec.name),
      hiddenFromLists: this.listLagReads,
    };
    this.apps.set(id, app);
    return app;
  }

  private checkCatalogue(region: string, resources: Record<string, any>): void {
    const flavors = FAKE_CATALOGUE.ai[region];
    if (!flavors) throw new BadRequest(`Region ${region} is not available (available: ${Object.keys(FAKE_CATALOGUE.ai).join(", ")})`);
    const flavor = flavors.find((f) => f.id === resources.flavor);
    if (!flavor) throw new BadRequest(`Flavor ${resources.flavor} is not available in ${region}`);
    const units = Number(resources[flavor.type] ?? 1);
    if (units < 1 || units > flavor.max) throw new BadRequest(`Flavor ${flavor.id} takes 1 to ${flavor.max} ${flavor.type} per replica, not ${units}`);
  }

  /** Refuses an app whose flavor units × replicas pass the project's quota of that flavor. */
  private checkQuota(spec: Record<string, any>, except?: string): void {
    const flavor = spec.resources?.flavor;
    const limit = this.quota[flavor];
    if (limit === undefined) return;
    const need = (s: Record<string, any>) => Number(s.resources?.gpu ?? s.resources?.cpu ?? 1) * Number(s.scalingStrategy?.automatic?.replicasMax ?? s.scalingStrategy?.fixed?.replicas ?? 1);
    const used = this.liveApps().filter((a) => a.id !== except && a.spec.resources?.flavor === flavor).reduce((n, a) => n + need(a.spec), 0);
    if (used + need(spec) > limit)
      throw new BadRequest(`Quota exceeded for resource ${flavor}: ${used} used, ${need(spec)} requested, quota ${limit}`, 403, "Client::Forbidden");
  }

  private checkLabels(labels: Record<string, string>): void {
    for (const [k, v] of Object.entries(labels)) {
      if (k.startsWith("ovh/")) continue; // overridden by the platform
      if (k.length < 1 || k.length > 15 || String(v).length < 1 || String(v).length > 15) throw new BadRequest(`Invalid label ${k}=${v}: name and value must be 1 to 15 characters`);
    }
  }

  private appRoute(method: string, path: string, headers: http.IncomingHttpHeaders, id: string | undefined, action: string | undefined, body: any): [number, unknown, Record<string, string>?] {
    if (!id) {
      if (method === "GET") {
        const visible = [...this.apps.values()].filter((a) => a.hiddenFromLists-- <= 0);
        return this.list(path, headers, visible.map((a) => this.view(a)));
      }
      if (method === "POST") {
        checkBody("AppSpecInput", body);
        this.checkCatalogue(body.region, body.resources);
        this.checkLabels(body.labels ?? {});
        if (body.scalingStrategy) this.checkScaling(body.scalingStrategy);
        this.checkQuota(body);
        if (this.uniqueNames && this.liveApps().some((a) => a.spec.name === body.name)) throw new BadRequest(`An app named ${body.name} already exists`, 409, "Client::Conflict");
        return [200, this.view(this.newApp(body))];
      }
      return [405, { class: "Client::MethodNotAllowed", message: "method not allowed" }];
    }
    const app = this.apps.get(id);
    if (!app) return [404, { class: "Client::NotFound", message: `The requested object (id = ${id}) does not exist` }];
    if (!action) {
      if (method === "GET") {
        this.advance(app);
        if (app.status.state === "GONE") {
          this.apps.delete(id);
          return [404, { class: "Client::NotFound", message: `The requested object (id = ${id}) does not exist` }];
        }
        return [200, this.view(app)];
      }
      if (method === "PUT") {
        checkBody("UpdateInput", body);
        if (["DELETING", "DELETED", "STOPPING"].includes(app.status.state)) throw new BadRequest(`App is ${app.status.state}`, 409, "Client::Conflict");
        const next = this.applyUpdate(app.pending?.spec ?? app.spec, body);
        this.checkCatalogue(next.region, next.resources);
        this.checkQuota(next, app.id);
        app.updatedAt = this.stamp();
        if (app.status.state === "STOPPED") app.spec = next; // a stopped app takes the spec and stays stopped
        else app.pending = { spec: next, failWith: this.rolloutFailures.get(app.id), wasServing: SERVING.includes(app.status.state) };
        this.rolloutFailures.delete(app.id);
        app.reads = 0;
        return [200, this.view(app)];
      }
      if (method === "DELETE") {
        if (!STOPPED_LIKE.includes(app.status.state)) throw new BadRequest(`App ${id} is ${app.status.state}: stop it before deleting it`, 409, "Client::Conflict");
        this.transition(app, "DELETING", "APP_STOPPED");
        return [200, null];
      }
    }
    if (method === "PUT" && action === "scalingstrategy") {
      checkBody("ScalingStrategyInput", body);
      this.checkScaling(body);
      this.checkQuota({ ...app.spec, scalingStrategy: body }, app.id);
      app.spec.scalingStrategy = body;
      return [200, this.view(app)];
    }
    if (method === "PUT" && action === "label") {
      checkBody("Label", body);
      if (body.name.startsWith("ovh/")) throw new BadRequest(`Label ${body.name}: the ovh/ prefix is reserved`);
      app.spec.labels = { ...(app.spec.labels ?? {}) };
      if (body.value === undefined || body.value === null) delete app.spec.labels[body.name];
      else {
        this.checkLabels({ [body.name]: body.value });
        app.spec.labels[body.name] = body.value;
      }
      return [200, null];
    }
    if (method === "PUT" && action === "stop") {
      if (!RUNNING_LIKE.includes(app.status.state)) throw new BadRequest(`App ${id} is ${app.status.state}: it cannot be stopped`, 409, "Client::Conflict");
      if (app.pending) (app.spec = app.pending.spec), (app.pending = undefined);
      this.transition(app, "STOPPING", "APP_STOPPING");
      return [200, this.view(app)];
    }
    if (method === "PUT" && action === "start") {
      if (!STOPPED_LIKE.includes(app.status.state)) throw new BadRequest(`App ${id} is ${app.status.state}: it cannot be started`, 409, "Client::Conflict");
      app.failWith = this.failures.get(app.spec.name);
      this.transition(app, "QUEUED", "APP_QUEUED");
      return [200, this.view(app)];
    }
    return [404, { class: "Client::NotFound", message: `no route ${method} app/${action}` }];
  }

  /** Not in the schema: fixed conflicts with automatic (ScalingStrategyInput.d.ts comment); customMetrics replaces resourceType/averageUsageTarget (OVH docs, scaling strategies). */
  private checkScaling(s: Record<string, any>): void {
    if (s.fixed && s.automatic) throw new BadRequest("scalingStrategy: 'fixed' conflicts with 'automatic'");
    const a = s.automatic;
    if (a && a.replicasMax < a.replicasMin) throw new BadRequest("scalingStrategy.automatic: replicasMax is below replicasMin");
    if (a?.customMetrics && (a.resourceType !== undefined || a.averageUsageTarget !== undefined)) throw new BadRequest("scalingStrategy.automatic: customMetrics conflicts with resourceType/averageUsageTarget");
  }

  /** UpdateInput applied to a spec: flat fields, env vars patched (empty or null value removes), `command: []` resets. */
  private applyUpdate(spec: Record<string, any>, u: Record<string, any>): Record<string, any> {
    const next = structuredClone(spec);
    if (u.url !== undefined) next.image = u.url;
    next.resources = { ...next.resources };
    if (u.flavor !== undefined) next.resources.flavor = u.flavor;
    if (u.gpu !== undefined) next.resources.gpu = u.gpu;
    if (u.cpu !== undefined) next.resources.cpu = u.cpu;
    for (const k of ["command", "defaultHttpPort", "grpcPort", "probe", "livenessProbe", "deploymentStrategy"]) if (u[k] !== undefined) next[k] = u[k];
    if (u.envVars) {
      const env = new Map<string, string>((next.envVars ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
      for (const e of u.envVars as { name: string; value?: string | null }[]) {
        if (e.value === undefined || e.value === null || e.value === "") env.delete(e.name);
        else env.set(e.name, e.value);
      }
      next.envVars = [...env].map(([name, value]) => ({ name, value }));
    }
    return next;
  }

  private tokenRoute(method: string, path: string, headers: http.IncomingHttpHeaders, id: string | undefined, action: string | undefined, body: any): [number, unknown, Record<string, string>?] {
    if (!id) {
      if (method === "GET") return this.list(path, headers, [...this.tokens.values()].map((t) => this.tokenView(t, false)));
      if (method === "POST") {
        checkBody("TokenSpec", body);
        if (body.labelSelector !== undefined && !/^[^=\s]+=[^=\s]*$/.test(body.labelSelector)) throw new BadRequest("Body parameter labelSelector isn't formated correctly");
        const token: FakeToken = { id: randomUUID(), spec: body, value: randomBytes(24).toString("base64url"), version: 1 };
        this.tokens.set(token.id, token);
        return [200, this.tokenView(token, true)];
      }
      return [405, { class: "Client::MethodNotAllowed", message: "method not allowed" }];
    }
    const token = this.tokens.get(id);
    if (!token) return [404, { class: "Client::NotFound", message: `The requested object (id = ${id}) does not exist` }];
    if (!action && method === "GET") return [200, this.tokenView(token, false)];
    if (!action && method === "DELETE") {
      this.tokens.delete(id);
      return [200, null];
    }
    if (action === "renew" && method === "POST") {
      token.value = randomBytes(24).toString("base64url");
      token.version++;
      return [200, this.tokenView(token, true)];
    }
    return [404, { class: "Client::NotFound", message: `no route ${method} token/${action}` }];
  }

  private transition(app: FakeApp, state: string, code: string, message = ""): void {
    const date = this.stamp();
    app.status.state = state;
    app.status.info = { code, message };
    app.status.history.push({ date, state });
    app.status.lastTransitionDate = date;
    app.reads = 0;
  }

  /** One read of an app moves it along its state machine. */
  private advance(app: FakeApp): void {
    app.reads++;
    const s = app.status;
    switch (s.state) {
      case "DELETING":
        if (app.reads >= this.pollsToDeleted) this.transition(app, "DELETED", "APP_STOPPED");
        return;
      case "DELETED":
        s.state = "GONE";
        return;
      case "STOPPING":
        if (app.reads >= this.pollsToStopped) {
          this.transition(app, "STOPPED", "APP_STOPPED");
          s.availableReplicas = 0;
        }
        return;
      case "QUEUED":
      case "INITIALIZING":
        if (app.pending && app.reads >= this.rolloutReads) return this.finishRollout(app);
        if (!app.pending && app.reads >= this.pollsToRunning) {
          if (app.failWith) this.transition(app, "FAILED", "APP_FAILED", app.failWith);
          else {
            this.transition(app, "RUNNING", "APP_RUNNING");
            s.availableReplicas = 1;
          }
        } else if (!app.pending && s.state === "QUEUED" && app.reads >= 1) this.transition(app, "INITIALIZING", "APP_INITIALIZING");
        return;
      default:
        if (!app.pending) return;
        // Rollout: the old spec keeps being served for a while, then the new one rolls out.
        if (s.state !== "SCALING" && app.reads > this.rolloutDelayReads) {
          app.spec = { ...app.pending.spec, labels: app.spec.labels };
          this.transition(app, app.pending.wasServing ? "SCALING" : "INITIALIZING", app.pending.wasServing ? "APP_SCALING" : "APP_INITIALIZING");
        } else if (s.state === "SCALING" && app.reads >= this.rolloutReads) this.finishRollout(app);
    }
  }

  private finishRollout(app: FakeApp): void {
    const failWith = app.pending?.failWith || this.failures.get(app.spec.name);
    app.spec = { ...app.pending!.spec, labels: app.spec.labels };
    app.pending = undefined;
    if (failWith) this.transition(app, "FAILED", "APP_FAILED", failWith);
    else {
      this.transition(app, "RUNNING", "APP_RUNNING");
      app.status.availableReplicas = 1;
    }
  }

  private view(app: FakeApp): unknown {
    const { reads: _r, failWith: _f, pending: _p, hiddenFromLists: _h, ...rest } = app;
    return JSON.parse(JSON.stringify(rest));
  }

  private tokenView(t: FakeToken, withValue: boolean): unknown {
    return { id: t.id, createdAt: "", updatedAt: "", spec: t.spec, status: { version: t.version, ...(withValue ? { value: t.value } : {}) } };
  }
}
