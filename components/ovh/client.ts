/**
 * The one OVH API client of the program: application-key signing (`$1$` + sha1, server time from `GET /auth/time`)
 * or OAuth2 client credentials, a per-request timeout, and bounded retries with exponential backoff.
 *
 * Retries are idempotent-safe: GET/PUT/DELETE are retried on 429, 5xx, network errors and timeouts; POST only on 429
 * (the API refused it before doing anything). A POST that fails with 5xx/network/timeout may or may not have been
 * applied: it throws an `OvhApiError` with `ambiguous: true` and the caller reconciles (looks the object up first).
 * `Retry-After` is obeyed up to `maxRetryAfterMs` (60 s), and no wait runs past a call's `deadline`. Lists are read
 * whole with OVH's paging headers (`getAll`). A 403 names the IAM action and the access rule the call needs.
 *
 * Dynamic providers serialize this code with its closure: no module-level clients or imported modules are used by
 * the methods (`crypto` is required inside), only globals (`fetch`, `setTimeout`, `AbortController`).
 */

/** Application keys (https://eu.api.ovh.com/createToken) or an OAuth2 service account. */
export type OvhCredentials =
  | { kind: "application"; applicationKey: string; applicationSecret: string; consumerKey: string }
  | { kind: "oauth2"; clientId: string; clientSecret: string };

export interface OvhSettings {
  /** `ovh-eu`, `ovh-ca`, `ovh-us`, or a base URL such as `http://127.0.0.1:8080/1.0` (tests, proxies). */
  endpoint: string;
  credentials: OvhCredentials;
}

/** Known endpoints, as the OVH SDKs and the Pulumi/Terraform OVH provider name them. */
export const OVH_ENDPOINTS: Readonly<Record<string, { api: string; oauth2: string }>> = {
  "ovh-eu": { api: "https://eu.api.ovh.com/1.0", oauth2: "https://www.ovh.com/auth/oauth2/token" },
  "ovh-ca": { api: "https://ca.api.ovh.com/1.0", oauth2: "https://ca.ovh.com/auth/oauth2/token" },
  "ovh-us": { api: "https://api.us.ovhcloud.com/1.0", oauth2: "https://us.ovhcloud.com/auth/oauth2/token" },
};

/** API base URL and OAuth2 token URL of an endpoint name or URL (a URL's token endpoint is `<origin>/auth/oauth2/token`). */
export function resolveEndpoint(endpoint: string): { api: string; oauth2: string } {
  const known = OVH_ENDPOINTS[endpoint];
  if (known) return known;
  if (/^https?:\/\//.test(endpoint)) {
    const api = endpoint.replace(/\/+$/, "");
    return { api, oauth2: `${new URL(api).origin}/auth/oauth2/token` };
  }
  throw new Error(`Unknown OVH endpoint "${endpoint}": use ${Object.keys(OVH_ENDPOINTS).join(", ")} or an http(s) URL`);
}

/**
 * Reads OVH settings the way the Pulumi OVH provider does: stack config `ovh:endpoint`, `ovh:applicationKey`,
 * `ovh:applicationSecret`, `ovh:consumerKey` (or `ovh:clientId`/`ovh:clientSecret`), else the `OVH_ENDPOINT`,
 * `OVH_APPLICATION_KEY`, ... environment variables. `get` is the stack config lookup (a dynamic provider's
 * `configure` request, or nothing).
 */
export function ovhSettingsFrom(get: (key: string) => string | undefined, env: Record<string, string | undefined> = process.env): OvhSettings {
  const read = (key: string, envName: string): string | undefined => {
    const v = get(`ovh:${key}`) ?? env[envName];
    return v === undefined || v === "" ? undefined : v;
  };
  const endpoint = read("endpoint", "OVH_ENDPOINT") ?? "ovh-eu";
  const applicationKey = read("applicationKey", "OVH_APPLICATION_KEY");
  const applicationSecret = read("applicationSecret", "OVH_APPLICATION_SECRET");
  const consumerKey = read("consumerKey", "OVH_CONSUMER_KEY");
  const clientId = read("clientId", "OVH_CLIENT_ID");
  const clientSecret = read("clientSecret", "OVH_CLIENT_SECRET");
  if (applicationKey && applicationSecret && consumerKey) return { endpoint, credentials: { kind: "application", applicationKey, applicationSecret, consumerKey } };
  if (clientId && clientSecret) return { endpoint, credentials: { kind: "oauth2", clientId, clientSecret } };
  throw new Error(
    "No OVH API credentials: set ovh:applicationKey, ovh:applicationSecret (secret) and ovh:consumerKey (secret), " +
      "or ovh:clientId and ovh:clientSecret (secret), in the stack config or as OVH_APPLICATION_KEY/OVH_APPLICATION_SECRET/" +
      "OVH_CONSUMER_KEY or OVH_CLIENT_ID/OVH_CLIENT_SECRET environment variables (see docs/ai-deploy.md)",
  );
}

/** `X-Ovh-Signature` of a request: `$1$` + sha1_hex(AS+CK+METHOD+URL+BODY+TIMESTAMP joined by `+`). */
export function ovhSignature(applicationSecret: string, consumerKey: string, method: string, url: string, body: string, timestamp: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require("crypto") as typeof import("crypto");
  return "$1$" + crypto.createHash("sha1").update([applicationSecret, consumerKey, method, url, body, String(timestamp)].join("+")).digest("hex");
}

export class OvhApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 for a network error or timeout. */
    public readonly status: number,
    public readonly method: string,
    public readonly path: string,
    /** The API's own message (`{"message": ...}`), when it sent one. */
    public readonly apiMessage: string | undefined,
    /** True when the request may have been applied (non-idempotent call that failed with 5xx, network error or timeout). */
    public readonly ambiguous: boolean,
    /** How many attempts were made. */
    public readonly attempts: number,
    /** The API's error class (`{"class": "Client::Forbidden"}`), when it sent one. */
    public readonly errorClass?: string,
  ) {
    super(message);
    this.name = "OvhApiError";
  }
}

/**
 * The IAM action of a call, in OVH's naming (`publicCloudProject:apiovh:<route without ids>/<verb>`: the read actions
 * are listed in ovh/docs' IAM permissions groups guide, e.g. `ai/app/get`, `ai/capabilities/region/flavor/get`,
 * `capabilities/kube/flavors/get`; write verbs follow the same pattern: create, edit, delete, or the action's own
 * name such as start, stop, renew).
 */
export function iamActionOf(method: string, path: string): string {
  const segments = path.split("?")[0].replace(/^\/cloud\/project\/[^/]+\/?/, "").split("/").filter(Boolean);
  const route = segments.filter((s, i) => !(["app", "token", "region"].includes(segments[i - 1]) && s !== "command"));
  const last = route[route.length - 1];
  if (["start", "stop", "renew"].includes(last)) return `publicCloudProject:apiovh:${route.join("/")}`;
  const verb = ({ GET: "get", POST: "create", PUT: "edit", DELETE: "delete" } as Record<string, string>)[method] ?? method.toLowerCase();
  return `publicCloudProject:apiovh:${[...route, verb].join("/")}`;
}

/** What to do about a 403: the right the call needs, for application keys and for OAuth2/IAM. */
export function forbiddenHint(method: string, path: string): string {
  const project = path.match(/^\/cloud\/project\/([^/]+)/)?.[1];
  const rule = project ? `${method} /cloud/project/${project}/*` : `${method} ${path.split("?")[0]}`;
  return (
    `the credentials lack the right for this call: IAM action ${iamActionOf(method, path)} (OAuth2 service account: add it to the ` +
    `account's IAM policy on the project) or the access rule "${rule}" (application key: create a consumer key with it); see docs/ai-deploy.md#ovh-api-credentials`
  );
}

export interface OvhClientOptions extends OvhSettings {
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call, the first included (default 5). */
  maxAttempts?: number;
  /** First backoff delay, doubled each retry with jitter (default 500 ms). */
  backoffMs?: number;
  /** Upper bound of one backoff delay (default 10 s). */
  maxBackoffMs?: number;
  /** Upper bound of a `Retry-After` wait (default 60 s): one 429 never parks a deployment for hours. */
  maxRetryAfterMs?: number;
}

/** Per call: a deadline (epoch ms) no retry wait may pass, and extra request headers. */
export interface RequestOptions {
  deadline?: number;
  headers?: Record<string, string>;
}

/** Page size of `getAll` (OVH's paging headers; the Control Panel asks up to 50000 in one page). */
export const PAGE_SIZE = 1000;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

// Arrays, not Sets: Pulumi's closure serializer does not rebuild Set/Map instances.
const IDEMPOTENT: readonly string[] = ["GET", "PUT", "DELETE"];

export class OvhClient {
  private readonly api: string;
  private readonly tokenUrl: string;
  private timeOffset: number | undefined;
  private accessToken: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: OvhClientOptions) {
    const { api, oauth2 } = resolveEndpoint(options.endpoint);
    this.api = api;
    this.tokenUrl = oauth2;
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, undefined, opts);
  }
  post<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, body, opts);
  }
  put<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>("PUT", path, body, opts);
  }
  delete<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>("DELETE", path, undefined, opts);
  }

  /**
   * A whole list, page by page, fresh: OVH's paging headers as the Control Panel sends them for `/ai/app`
   * (`X-Pagination-Mode: CachedObjectList-Pages`, `X-Pagination-Size`, 1-based `X-Pagination-Number`, total in the
   * answer's `X-Pagination-Elements`; ovh/manager `packages/manager/core/api/src/iceberg.ts` and
   * `pci-ai-tools/src/data/api/ai/app/app.api.ts`) with `Pragma: no-cache`, so an object created a moment ago is not
   * missing from a cached list.
   */
  async getAll<T>(path: string, opts: RequestOptions = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= 10_000; page++) {
      const headers = { ...opts.headers, "X-Pagination-Mode": "CachedObjectList-Pages", "X-Pagination-Size": String(PAGE_SIZE), "X-Pagination-Number": String(page), Pragma: "no-cache" };
      const { body, headers: answer } = await this.call<T[]>("GET", path, undefined, { ...opts, headers });
      const chunk = Array.isArray(body) ? body : [];
      items.push(...chunk);
      const total = Number(answer["x-pagination-elements"]);
      if (chunk.length === 0 || (Number.isFinite(total) ? items.length >= total : chunk.length < PAGE_SIZE)) return items;
    }
    throw new Error(`OVH API GET ${path}: more than 10000 pages`);
  }

  /** One API call with auth, timeout and bounded retries; resolves to the parsed JSON body (null when empty). */
  async request<T>(method: HttpMethod, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.call<T>(method, path, body, opts)).body;
  }

  private async call<T>(method: HttpMethod, path: string, body: unknown, opts: RequestOptions): Promise<{ body: T; headers: Record<string, string> }> {
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 5);
    const idempotent = IDEMPOTENT.includes(method);
    const bodyText = body === undefined ? "" : JSON.stringify(body);
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let text = "";
      let retryAfterMs: number | undefined;
      let failure: string;
      try {
        const headers = { ...opts.headers, ...(await this.authHeaders(method, this.api + path, bodyText)) };
        if (bodyText) headers["Content-Type"] = "application/json";
        const res = await this.fetchWithTimeout(this.api + path, { method, headers, body: bodyText || undefined });
        status = res.status;
        text = res.text;
        if (status >= 200 && status < 300) return { body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
        if (status === 401 && this.options.credentials.kind === "oauth2" && !refreshedToken) {
          // Expired or revoked access token: fetch a new one once, not counted as an attempt.
          this.accessToken = undefined;
          refreshedToken = true;
          attempt--;
          continue;
        }
        const seconds = Number(res.headers["retry-after"]);
        if (status === 429 && Number.isFinite(seconds) && seconds >= 0) retryAfterMs = Math.min(seconds * 1000, this.options.maxRetryAfterMs ?? 60_000);
        failure = `HTTP ${status}`;
      } catch (e) {
        if (e instanceof OvhApiError) throw e; // auth bootstrap failed for good
        failure = (e as Error).name === "AbortError" || (e as Error).name === "TimeoutError" ? "timeout" : `network error (${(e as Error).message})`;
      }
      const transient = status === 0 || status === 429 || status >= 500;
      const retryable = status === 429 || (transient && idempotent);
      const apiMessage = parseApiMessage(text);
      const wait = retryAfterMs ?? this.backoff(attempt);
      const pastDeadline = opts.deadline !== undefined && Date.now() + wait > opts.deadline;
      if (!retryable || attempt >= maxAttempts || pastDeadline) {
        const ambiguous = !idempotent && transient && status !== 429;
        const hint = status === 403 ? `; ${forbiddenHint(method, path)}` : "";
        throw new OvhApiError(
          `OVH API ${method} ${path} failed: ${failure}${apiMessage ? `: ${apiMessage}` : ""}${attempt > 1 ? ` (after ${attempt} attempts)` : ""}${pastDeadline && retryable ? " (no time left before the operation's deadline)" : ""}${hint}`,
          status,
          method,
          path,
          apiMessage,
          ambiguous,
          attempt,
          parseApiClass(text),
        );
      }
      await sleep(wait);
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 500;
    const capped = Math.min(this.options.maxBackoffMs ?? 10_000, base * 2 ** (attempt - 1));
    return capped / 2 + Math.random() * (capped / 2);
  }

  private async fetchWithTimeout(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string; headers: Record<string, string> }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 30_000);
    try {
      const res = await fetch(url, { ...init, signal: controller.signal });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
      // The body is read under the same timeout: a server that sends headers then stalls is a timeout too.
      return { status: res.status, text: await res.text(), headers };
    } finally {
      clearTimeout(timer);
    }
  }

  private async authHeaders(method: string, url: string, body: string): Promise<Record<string, string>> {
    const creds = this.options.credentials;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (creds.kind === "oauth2") {
      headers.Authorization = `Bearer ${await this.oauth2Token(creds)}`;
      return headers;
    }
    const timestamp = Math.round(Date.now() / 1000) + (await this.serverTimeOffset());
    headers["X-Ovh-Application"] = creds.applicationKey;
    headers["X-Ovh-Consumer"] = creds.consumerKey;
    headers["X-Ovh-Timestamp"] = String(timestamp);
    headers["X-Ovh-Signature"] = ovhSignature(creds.applicationSecret, creds.consumerKey, method, url, body, timestamp);
    return headers;
  }

  /** Server time minus local time, from the unauthenticated `GET /auth/time` (once per client, retried). */
  private async serverTimeOffset(): Promise<number> {
    if (this.timeOffset !== undefined) return this.timeOffset;
    const serverTime = await this.unauthenticated<number>("/auth/time", this.api + "/auth/time", { method: "GET", headers: { Accept: "application/json" } });
    this.timeOffset = Number(serverTime) - Math.round(Date.now() / 1000);
    return this.timeOffset;
  }

  /**
   * OAuth2 client credentials as OVH's Go client sends them (ovh/go-ovh `configuration.go`: golang.org/x/oauth2
   * `clientcredentials` with scope `all`; x/oauth2 v0.18.0 `internal/token.go` sends the client id and secret as HTTP
   * Basic auth, each URL-encoded, and only `grant_type` and `scope` in the form body).
   */
  private async oauth2Token(creds: { clientId: string; clientSecret: string }): Promise<string> {
    if (this.accessToken && this.accessToken.expiresAt > Date.now() + 30_000) return this.accessToken.value;
    const basic = Buffer.from(`${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`).toString("base64");
    const res = await this.unauthenticated<{ access_token: string; expires_in?: number }>("/auth/oauth2/token", this.tokenUrl, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: "all" }).toString(),
    });
    this.accessToken = { value: res.access_token, expiresAt: Date.now() + (res.expires_in ?? 3600) * 1000 };
    return this.accessToken.value;
  }

  /** Auth bootstrap calls: idempotent in effect (time, or a new short-lived token), so retried like GETs. */
  private async unauthenticated<T>(label: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<T> {
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 5);
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let text = "";
      try {
        const res = await this.fetchWithTimeout(url, init);
        status = res.status;
        text = res.text;
        if (status >= 200 && status < 300) return JSON.parse(text) as T;
      } catch {
        status = 0;
      }
      const transient = status === 0 || status === 429 || status >= 500;
      if (!transient || attempt >= maxAttempts) {
        const apiMessage = parseApiMessage(text);
        throw new OvhApiError(`OVH ${label} failed: ${status ? `HTTP ${status}` : "network error or timeout"}${apiMessage ? `: ${apiMessage}` : ""}`, status, init.method, label, apiMessage, false, attempt);
      }
      await sleep(this.backoff(attempt));
    }
  }
}

function parseApiClass(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { class?: unknown };
    return typeof parsed?.class === "string" ? parsed.class : undefined;
  } catch {
    return undefined;
  }
}

function parseApiMessage(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed?.message === "string" ? parsed.message : undefined;
  } catch {
    return text.length > 200 ? `${text.slice(0, 197)}...` : text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
