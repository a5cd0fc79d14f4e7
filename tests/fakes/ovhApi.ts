/**
 * A local fake of the OVH API (AI Deploy apps and tokens) on 127.0.0.1, strict like the real one where it matters:
 * it recomputes `X-Ovh-Signature` (or checks the OAuth2 bearer), serves `GET /auth/time` with a clock skew so a
 * client that does not use the server time fails, rejects (400) bodies with unknown fields or enum values, and moves
 * apps QUEUED → INITIALIZING → RUNNING after a number of reads. Faults can be injected per route: an HTTP status,
 * a request that hangs, a connection dropped before or after the server applied the request.
 */
import { createHash, randomBytes, randomUUID } from "crypto";
import * as http from "http";
import type { AddressInfo, Socket } from "net";

export const FAKE_CREDENTIALS = { applicationKey: "fake-ak", applicationSecret: "fake-as", consumerKey: "fake-ck" } as const;
export const FAKE_OAUTH2 = { clientId: "fake-client", clientSecret: "fake-client-secret" } as const;

export type Fault = { status: number; message?: string } | "hang" | "drop-before" | "drop-after";

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
  status: { state: string; url: string; availableReplicas: number; info: { code: string; message: string }; history: unknown[] };
  reads: number;
  failWith?: string;
}

export interface FakeToken {
  id: string;
  spec: { name: string; region: string; role: string; labelSelector?: string };
  value: string;
  version: number;
}

const APP_KEYS = ["name", "image", "region", "resources", "command", "defaultHttpPort", "envVars", "labels", "probe", "livenessProbe", "scalingStrategy", "deploymentStrategy", "unsecureHttp", "volumes", "partnerId", "grpcPort"];
const UPDATE_KEYS = ["image", "resources", "command", "defaultHttpPort", "envVars", "probe", "livenessProbe", "deploymentStrategy"];
const PROBE_KEYS = ["path", "port", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"];
const AUTOMATIC_KEYS = ["replicasMin", "replicasMax", "resourceType", "averageUsageTarget", "customMetrics", "scaleUpStabilizationWindowSeconds", "scaleDownStabilizationWindowSeconds", "cooldownPeriodSeconds"];
const CUSTOM_METRICS_KEYS = ["apiUrl", "format", "valueLocation", "targetValue", "aggregationType"];
const TOKEN_KEYS = ["name", "region", "role", "labelSelector"];
const REGIONS = ["GRA", "BHS"];
const ROLES = ["ai_training_read", "ai_training_operator"];

class BadRequest extends Error {}

function only(obj: unknown, keys: string[], where: string): Record<string, any> {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new BadRequest(`${where}: expected an object`);
  for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new BadRequest(`${where}: unknown field "${k}"`);
  return obj as Record<string, any>;
}
function oneOf(v: unknown, allowed: string[], where: string): void {
  if (!allowed.includes(v as string)) throw new BadRequest(`${where}: invalid value ${JSON.stringify(v)} (allowed: ${allowed.join(", ")})`);
}
function num(v: unknown, where: string, min = 0, max = Infinity): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new BadRequest(`${where}: expected a number from ${min} to ${max}`);
}

function validateProbe(p: unknown, where: string): void {
  const probe = only(p, PROBE_KEYS, where);
  if (typeof probe.path !== "string") throw new BadRequest(`${where}.path: expected a string`);
  for (const k of PROBE_KEYS.slice(1)) if (probe[k] !== undefined) num(probe[k], `${where}.${k}`);
}

export function validateScaling(s: unknown): void {
  const strategy = only(s, ["fixed", "automatic"], "scalingStrategy");
  if (strategy.fixed && strategy.automatic) throw new BadRequest("scalingStrategy: fixed conflicts with automatic");
  if (strategy.fixed) num(only(strategy.fixed, ["replicas"], "scalingStrategy.fixed").replicas, "scalingStrategy.fixed.replicas", 1, 10);
  if (strategy.automatic) {
    const a = only(strategy.automatic, AUTOMATIC_KEYS, "scalingStrategy.automatic");
    num(a.replicasMin, "replicasMin", 0, 10);
    num(a.replicasMax, "replicasMax", 1, 10);
    if (a.replicasMax < a.replicasMin) throw new BadRequest("replicasMax < replicasMin");
    for (const k of ["scaleUpStabilizationWindowSeconds", "scaleDownStabilizationWindowSeconds"]) if (a[k] !== undefined) num(a[k], k, 0, 3600);
    if (a.cooldownPeriodSeconds !== undefined) {
      if (a.replicasMin !== 0) throw new BadRequest("cooldownPeriodSeconds is only allowed when replicasMin is 0");
      num(a.cooldownPeriodSeconds, "cooldownPeriodSeconds", 60);
    }
    if (a.customMetrics) {
      if (a.resourceType !== undefined || a.averageUsageTarget !== undefined) throw new BadRequest("customMetrics conflicts with resourceType/averageUsageTarget");
      const m = only(a.customMetrics, CUSTOM_METRICS_KEYS, "customMetrics");
      if (typeof m.apiUrl !== "string" || !/^https?:\/\//.test(m.apiUrl)) throw new BadRequest("customMetrics.apiUrl: expected a URL");
      oneOf(m.format, ["JSON", "PROMETHEUS", "XML", "YAML"], "customMetrics.format");
      oneOf(m.aggregationType, ["AVERAGE", "MAX", "MIN", "SUM"], "customMetrics.aggregationType");
      if (typeof m.valueLocation !== "string" || !m.valueLocation) throw new BadRequest("customMetrics.valueLocation: required");
      num(m.targetValue, "customMetrics.targetValue");
    } else {
      oneOf(a.resourceType, ["CPU", "RAM"], "automatic.resourceType");
      num(a.averageUsageTarget, "averageUsageTarget", 1, 100);
    }
  }
}

function validateResources(r: unknown): void {
  const res = only(r, ["flavor", "gpu", "cpu"], "resources");
  if (typeof res.flavor !== "string") throw new BadRequest("resources.flavor: required");
  if (res.flavor.endsWith("-gpu")) num(res.gpu, "resources.gpu", 1, 4);
}

function validateEnv(e: unknown): void {
  if (!Array.isArray(e)) throw new BadRequest("envVars: expected a list");
  e.forEach((v, i) => {
    const env = only(v, ["name", "value"], `envVars[${i}]`);
    if (typeof env.name !== "string" || typeof env.value !== "string") throw new BadRequest(`envVars[${i}]: name and value must be strings`);
  });
}

export function validateAppSpec(body: unknown): Record<string, any> {
  const spec = only(body, APP_KEYS, "AppSpecInput");
  for (const k of ["name", "image", "region", "resources"]) if (spec[k] === undefined) throw new BadRequest(`AppSpecInput.${k}: required`);
  oneOf(spec.region, REGIONS, "region");
  validateResources(spec.resources);
  if (spec.command !== undefined && (!Array.isArray(spec.command) || spec.command.some((c: unknown) => typeof c !== "string"))) throw new BadRequest("command: expected a list of strings");
  if (spec.defaultHttpPort !== undefined) num(spec.defaultHttpPort, "defaultHttpPort", 1, 65535);
  if (spec.envVars !== undefined) validateEnv(spec.envVars);
  if (spec.labels !== undefined) {
    for (const [k, v] of Object.entries(only(spec.labels, Object.keys(spec.labels), "labels"))) {
      if (k.startsWith("ovh/")) throw new BadRequest(`labels.${k}: the ovh/ prefix is reserved`);
      if (typeof v !== "string") throw new BadRequest(`labels.${k}: expected a string`);
    }
  }
  if (spec.probe !== undefined) validateProbe(spec.probe, "probe");
  if (spec.livenessProbe !== undefined) validateProbe(spec.livenessProbe, "livenessProbe");
  if (spec.scalingStrategy !== undefined) validateScaling(spec.scalingStrategy);
  if (spec.unsecureHttp !== undefined && typeof spec.unsecureHttp !== "boolean") throw new BadRequest("unsecureHttp: expected a boolean");
  if (spec.volumes !== undefined) {
    if (!Array.isArray(spec.volumes)) throw new BadRequest("volumes: expected a list");
    spec.volumes.forEach((v: unknown, i: number) => {
      const vol = only(v, ["mountPath", "permission", "cache", "volumeSource"], `volumes[${i}]`);
      oneOf(vol.permission, ["RO", "RW", "RWD"], `volumes[${i}].permission`);
      const src = only(vol.volumeSource, ["dataStore", "publicGit", "standalone"], `volumes[${i}].volumeSource`);
      if (src.standalone) only(src.standalone, ["name"], `volumes[${i}].volumeSource.standalone`);
    });
  }
  return spec;
}

export class FakeOvhApi {
  readonly apps = new Map<string, FakeApp>();
  readonly tokens = new Map<string, FakeToken>();
  /** Every request that reached a handler or a fault: method and path (without the /1.0 prefix). */
  readonly calls: { method: string; path: string }[] = [];
  /** Reads of an app before it is RUNNING (QUEUED on the first, INITIALIZING until then). */
  pollsToRunning = 3;
  /** Reads of a deleted app before it disappears (404). */
  pollsToDeleted = 1;
  /** Server clock minus real clock, in seconds: clients must use GET /auth/time. */
  clockSkewSeconds = 7200;
  private readonly injections: Injection[] = [];
  private readonly failures = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private readonly oauthTokens = new Set<string>();
  private server?: http.Server;
  baseUrl = "";

  /** Starts listening on a random port; `baseUrl` is then `http://127.0.0.1:<port>/1.0`. */
  async start(): Promise<this> {
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

  /** The app created with this name goes FAILED with `message` instead of RUNNING. */
  failAppNamed(name: string, message: string): void {
    this.failures.set(name, message);
  }

  /** Apps that exist for the user (not DELETING/DELETED). */
  liveApps(): FakeApp[] {
    return [...this.apps.values()].filter((a) => !["DELETING", "DELETED", "GONE"].includes(a.status.state));
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
    this.calls.push({ method, path });

    const injection = this.injections.find((i) => i.times > 0 && i.method === method && i.path.test(path));
    if (injection) injection.times--;
    const fault = injection?.fault;
    if (fault === "hang") return; // never answers; the client must time out
    if (fault === "drop-before") return void req.socket.destroy();
    if (fault && typeof fault === "object") return this.send(res, fault.status, { class: "Server::InternalServerError", message: fault.message ?? `injected ${fault.status}` });

    let status = 200;
    let payload: unknown;
    try {
      [status, payload] = this.route(method, path, url, req.headers, bodyText);
    } catch (e) {
      [status, payload] = e instanceof BadRequest ? [400, { class: "Client::BadRequest", message: e.message }] : [500, { message: String(e) }];
    }
    if (fault === "drop-after") return void req.socket.destroy(); // applied, but the client never hears back
    this.send(res, status, payload);
  }

  private send(res: http.ServerResponse, status: number, payload: unknown): void {
    const text = payload === undefined ? "" : JSON.stringify(payload);
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(text);
  }

  private now(): number {
    return Math.round(Date.now() / 1000) + this.clockSkewSeconds;
  }

  private authenticate(method: string, path: string, url: URL, headers: http.IncomingHttpHeaders, body: string): [number, unknown] | undefined {
    const bearer = headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (bearer) return this.oauthTokens.has(bearer) ? undefined : [401, { message: "Invalid access token" }];
    const ak = headers["x-ovh-application"];
    const ck = headers["x-ovh-consumer"];
    const ts = Number(headers["x-ovh-timestamp"]);
    const sig = headers["x-ovh-signature"];
    if (ak !== FAKE_CREDENTIALS.applicationKey) return [403, { message: "Invalid application key" }];
    if (ck !== FAKE_CREDENTIALS.consumerKey) return [403, { message: "Invalid credential" }];
    if (!Number.isFinite(ts) || Math.abs(ts - this.now()) > 300) return [400, { message: "Invalid timestamp (use GET /auth/time)" }];
    const fullUrl = `${this.baseUrl}${path}${url.search}`;
    const expected = "$1$" + createHash("sha1").update([FAKE_CREDENTIALS.applicationSecret, ck, method, fullUrl, body, String(ts)].join("+")).digest("hex");
    return sig === expected ? undefined : [400, { message: "Invalid signature" }];
  }

  private route(method: string, path: string, url: URL, headers: http.IncomingHttpHeaders, bodyText: string): [number, unknown] {
    if (method === "GET" && path === "/auth/time") return [200, this.now()];
    if (method === "POST" && url.pathname === "/auth/oauth2/token") {
      const form = new URLSearchParams(bodyText);
      if (form.get("grant_type") !== "client_credentials" || form.get("client_id") !== FAKE_OAUTH2.clientId || form.get("client_secret") !== FAKE_OAUTH2.clientSecret)
        return [401, { error: "invalid_client" }];
      const token = randomBytes(16).toString("hex");
      this.oauthTokens.add(token);
      return [200, { access_token: token, token_type: "Bearer", expires_in: 3600, scope: "all" }];
    }
    const denied = this.authenticate(method, path, url, headers, bodyText);
    if (denied) return denied;
    const body = bodyText ? JSON.parse(bodyText) : undefined;

    const m = path.match(/^\/cloud\/project\/([^/]+)\/ai\/(app|token)(?:\/([^/]+))?(?:\/([^/]+))?$/);
    if (!m) return [404, { message: `no route ${method} ${path}` }];
    const [, , kind, id, action] = m;
    if (kind === "app") return this.appRoute(method, id, action, body);
    return this.tokenRoute(method, id, action, body);
  }

  private appRoute(method: string, id: string | undefined, action: string | undefined, body: any): [number, unknown] {
    if (!id) {
      if (method === "GET") return [200, [...this.apps.values()].map((a) => this.view(a))];
      if (method === "POST") {
        const spec = validateAppSpec(body);
        if ([...this.apps.values()].some((a) => a.spec.name === spec.name)) return [409, { message: `An app named ${spec.name} already exists` }];
        const appId = randomUUID();
        const now = new Date().toISOString();
        const app: FakeApp = {
          id: appId,
          createdAt: now,
          updatedAt: now,
          user: "user-fake",
          spec,
          status: { state: "QUEUED", url: `https://${appId}.app.${String(spec.region).toLowerCase()}.ai.cloud.ovh.net`, availableReplicas: 0, info: { code: "APP_QUEUED", message: "" }, history: [] },
          reads: 0,
          failWith: this.failures.get(spec.name),
        };
        this.apps.set(appId, app);
        return [200, this.view(app)];
      }
      return [405, { message: "method not allowed" }];
    }
    const app = this.apps.get(id);
    if (!app) return [404, { message: `The requested object (id = ${id}) does not exist` }];
    if (!action) {
      if (method === "GET") {
        this.advance(app);
        if (app.status.state === "GONE") {
          this.apps.delete(id);
          return [404, { message: `The requested object (id = ${id}) does not exist` }];
        }
        return [200, this.view(app)];
      }
      if (method === "PUT") {
        const update = only(body, UPDATE_KEYS, "UpdateInput");
        if (update.resources) validateResources(update.resources);
        if (update.envVars) validateEnv(update.envVars);
        if (update.probe) validateProbe(update.probe, "probe");
        if (update.livenessProbe) validateProbe(update.livenessProbe, "livenessProbe");
        Object.assign(app.spec, update);
        this.restart(app);
        return [200, this.view(app)];
      }
      if (method === "DELETE") {
        app.status.state = "DELETING";
        app.reads = 0;
        return [200, null];
      }
    }
    if (method === "PUT" && action === "scalingstrategy") {
      validateScaling(body);
      app.spec.scalingStrategy = body;
      return [200, null];
    }
    if (method === "PUT" && action === "label") {
      const label = only(body, ["name", "value"], "label");
      if (typeof label.name !== "string" || label.name.startsWith("ovh/")) throw new BadRequest("label.name: invalid");
      app.spec.labels = { ...(app.spec.labels ?? {}) };
      if (label.value === undefined || label.value === null) delete app.spec.labels[label.name];
      else app.spec.labels[label.name] = String(label.value);
      return [200, null];
    }
    return [404, { message: `no route ${method} app/${action}` }];
  }

  private tokenRoute(method: string, id: string | undefined, action: string | undefined, body: any): [number, unknown] {
    if (!id) {
      if (method === "GET") return [200, [...this.tokens.values()].map((t) => this.tokenView(t, false))];
      if (method === "POST") {
        const spec = only(body, TOKEN_KEYS, "token");
        if (typeof spec.name !== "string" || !spec.name) throw new BadRequest("token.name: required");
        oneOf(spec.region, REGIONS, "token.region");
        oneOf(spec.role, ROLES, "token.role");
        if (spec.labelSelector !== undefined && !/^[^=\s]+=[^=\s]*$/.test(spec.labelSelector)) throw new BadRequest("token.labelSelector: expected name=value");
        const token: FakeToken = { id: randomUUID(), spec: spec as FakeToken["spec"], value: randomBytes(24).toString("base64url"), version: 1 };
        this.tokens.set(token.id, token);
        return [200, this.tokenView(token, true)];
      }
      return [405, { message: "method not allowed" }];
    }
    const token = this.tokens.get(id);
    if (!token) return [404, { message: `The requested object (id = ${id}) does not exist` }];
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
    return [404, { message: `no route ${method} token/${action}` }];
  }

  /** One read of an app moves it along its state machine. */
  private advance(app: FakeApp): void {
    app.reads++;
    const s = app.status;
    if (s.state === "DELETING" || s.state === "DELETED") {
      if (s.state === "DELETED") s.state = "GONE";
      else if (app.reads >= this.pollsToDeleted) s.state = "DELETED";
      return;
    }
    if (s.state !== "QUEUED" && s.state !== "INITIALIZING") return; // RUNNING, SCALING, FAILED, ... stay
    if (app.reads >= this.pollsToRunning) {
      if (app.failWith) {
        s.state = "FAILED";
        s.info = { code: "APP_FAILED", message: app.failWith };
      } else {
        s.state = "RUNNING";
        s.availableReplicas = 1;
        s.info = { code: "APP_RUNNING", message: "" };
      }
    } else s.state = app.reads === 1 ? "QUEUED" : "INITIALIZING";
  }

  private restart(app: FakeApp): void {
    app.reads = 0;
    app.status.state = "INITIALIZING";
    app.failWith = this.failures.get(app.spec.name);
  }

  private view(app: FakeApp): unknown {
    const { reads: _r, failWith: _f, ...rest } = app;
    return JSON.parse(JSON.stringify(rest));
  }

  private tokenView(t: FakeToken, withValue: boolean): unknown {
    return { id: t.id, createdAt: "", updatedAt: "", spec: t.spec, status: { version: t.version, ...(withValue ? { value: t.value } : {}) } };
  }
}
