import { strict as assert } from "assert";
import { iamActionOf, OvhApiError, OvhClient, ovhSettingsFrom, ovhSignature, PAGE_SIZE, resolveEndpoint } from "../../components/ovh/client";
import { FAKE_CREDENTIALS, FAKE_OAUTH2, FakeOvhApi } from "../fakes/ovhApi";

const SN = "0123456789abcdef0123456789abcdef";
const TOKENS = `/cloud/project/${SN}/ai/token`;
const APPS = `/cloud/project/${SN}/ai/app`;
const TOKEN_BODY = { name: "t", region: "GRA", role: "ai_training_read", labelSelector: "ovh-llm-app=x" };

describe("OVH API client", () => {
  let fake: FakeOvhApi;
  const client = (extra: Partial<ConstructorParameters<typeof OvhClient>[0]> = {}) =>
    new OvhClient({ endpoint: fake.baseUrl, credentials: { kind: "application", ...FAKE_CREDENTIALS }, backoffMs: 1, maxBackoffMs: 5, timeoutMs: 2000, ...extra });

  beforeEach(async () => {
    fake = await new FakeOvhApi().start();
  });
  afterEach(() => fake.stop());

  it("signs like OVH: $1$ + sha1(AS+CK+METHOD+URL+BODY+TS)", () => {
    // sha1("as+ck+GET+https://eu.api.ovh.com/1.0/auth/time++1700000000")
    assert.equal(
      ovhSignature("as", "ck", "GET", "https://eu.api.ovh.com/1.0/auth/time", "", 1700000000),
      "$1$" + require("crypto").createHash("sha1").update("as+ck+GET+https://eu.api.ovh.com/1.0/auth/time++1700000000").digest("hex"),
    );
    assert.match(ovhSignature("a", "b", "POST", "u", "{}", 1), /^\$1\$[0-9a-f]{40}$/);
  });

  it("resolves endpoint names and URLs", () => {
    assert.equal(resolveEndpoint("ovh-eu").api, "https://eu.api.ovh.com/1.0");
    assert.equal(resolveEndpoint("ovh-us").api, "https://api.us.ovhcloud.com/1.0");
    assert.deepEqual(resolveEndpoint("http://127.0.0.1:9/1.0/"), { api: "http://127.0.0.1:9/1.0", oauth2: "http://127.0.0.1:9/auth/oauth2/token" });
    assert.throws(() => resolveEndpoint("ovh-mars"), /Unknown OVH endpoint/);
  });

  it("reads credentials from ovh: config first, then OVH_* env, and explains what is missing", () => {
    const config: Record<string, string> = { "ovh:endpoint": "ovh-ca", "ovh:applicationKey": "ak", "ovh:applicationSecret": "as", "ovh:consumerKey": "ck" };
    assert.deepEqual(ovhSettingsFrom((k) => config[k], { OVH_APPLICATION_KEY: "env-ak" }), {
      endpoint: "ovh-ca",
      credentials: { kind: "application", applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" },
    });
    assert.deepEqual(ovhSettingsFrom(() => undefined, { OVH_CLIENT_ID: "id", OVH_CLIENT_SECRET: "sec" }), {
      endpoint: "ovh-eu",
      credentials: { kind: "oauth2", clientId: "id", clientSecret: "sec" },
    });
    assert.throws(() => ovhSettingsFrom(() => undefined, { OVH_APPLICATION_KEY: "only-ak" }), /No OVH API credentials: set ovh:applicationKey/);
  });

  it("uses the server time of GET /auth/time (the fake's clock is 2 h ahead) and passes signature checks", async () => {
    const c = client();
    const created = await c.post<{ id: string; status: { value: string } }>(TOKENS, TOKEN_BODY);
    assert.ok(created.status.value);
    assert.equal((await c.get<unknown[]>(TOKENS)).length, 1);
    assert.equal(fake.count("GET", /^\/auth\/time$/), 1, "server time is fetched once per client");
  });

  it("a wrong application secret is rejected by the signature check (not retried)", async () => {
    const c = new OvhClient({ endpoint: fake.baseUrl, credentials: { kind: "application", ...FAKE_CREDENTIALS, applicationSecret: "wrong" }, backoffMs: 1 });
    await assert.rejects(c.get(TOKENS), (e: OvhApiError) => e.status === 400 && /Invalid signature/.test(e.message) && e.attempts === 1);
    assert.equal(fake.count("GET", /\/ai\/token$/), 1);
  });

  it("OAuth2 client credentials: fetches a bearer token once and uses it", async () => {
    const c = new OvhClient({ endpoint: fake.baseUrl, credentials: { kind: "oauth2", ...FAKE_OAUTH2 }, backoffMs: 1 });
    await c.post(TOKENS, TOKEN_BODY);
    await c.get(TOKENS);
    assert.equal(fake.count("POST", /^\/auth\/oauth2\/token$/), 1);
    assert.equal(fake.tokens.size, 1);
  });

  it("OAuth2 sends the client credentials as go-ovh does (HTTP Basic, form grant_type + scope only); the fake refuses them in the body", async () => {
    await new OvhClient({ endpoint: fake.baseUrl, credentials: { kind: "oauth2", ...FAKE_OAUTH2 }, backoffMs: 1 }).get(TOKENS);
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: FAKE_OAUTH2.clientId, client_secret: FAKE_OAUTH2.clientSecret, scope: "all" });
    const inBody = await fetch(`${new URL(fake.baseUrl).origin}/auth/oauth2/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form });
    assert.equal(inBody.status, 401);
    assert.deepEqual(await inBody.json(), { error: "invalid_client", error_description: "ovhcloud oauth2 client does not exists" });
  });

  it("reads a list whole through OVH's paging headers, fresh (a plain GET gets one default-sized page)", async () => {
    for (let i = 0; i < PAGE_SIZE + 5; i++) fake.tokens.set(`t${i}`, { id: `t${i}`, spec: { name: `t${i}`, region: "GRA", role: "ai_training_read" }, value: "v", version: 1 });
    assert.equal((await client().get<unknown[]>(TOKENS)).length, fake.plainPageSize);
    assert.equal((await client().getAll(TOKENS)).length, PAGE_SIZE + 5);
    fake.tokens.set("late", { id: "late", spec: { name: "late", region: "GRA", role: "ai_training_read" }, value: "v", version: 1 });
    assert.equal((await client().getAll(TOKENS)).length, PAGE_SIZE + 6, "Pragma: no-cache: not the cached list");
  });

  it("caps Retry-After (60 s by default) and never waits past the call's deadline", async () => {
    fake.inject("GET", /\/ai\/token$/, { status: 429, retryAfter: 86_400 });
    const started = Date.now();
    await client({ maxRetryAfterMs: 30 }).get(TOKENS);
    assert.ok(Date.now() - started < 1000);
    fake.inject("GET", /\/ai\/token$/, { status: 429, retryAfter: 3600 });
    await assert.rejects(client().get(TOKENS, { deadline: Date.now() + 200 }), (e: OvhApiError) => e.status === 429 && /no time left before the operation's deadline/.test(e.message));
  });

  it("a 403 names the IAM action and the access rule the call needs, with OVH's message", async () => {
    fake.deny("DELETE", /\/ai\/token\//);
    await assert.rejects(client().delete(`${TOKENS}/x`), (e: OvhApiError) =>
      e.status === 403 && e.attempts === 1 && /This call has not been granted; .*IAM action publicCloudProject:apiovh:ai\/token\/delete .*access rule "DELETE \/cloud\/project\/0123456789abcdef0123456789abcdef\/\*"/.test(e.message),
    );
    // Read actions as listed in OVH's IAM permissions groups; write verbs by the same pattern.
    assert.deepEqual(
      [
        iamActionOf("GET", `${APPS}/abc`),
        iamActionOf("PUT", `${APPS}/abc/scalingstrategy`),
        iamActionOf("PUT", `${APPS}/abc/stop`),
        iamActionOf("POST", `${TOKENS}/abc/renew`),
        iamActionOf("GET", `/cloud/project/${SN}/ai/capabilities/region/GRA/flavor`),
        iamActionOf("GET", `/cloud/project/${SN}/capabilities/kube/flavors?region=GRA11`),
      ],
      [
        "publicCloudProject:apiovh:ai/app/get",
        "publicCloudProject:apiovh:ai/app/scalingstrategy/edit",
        "publicCloudProject:apiovh:ai/app/stop",
        "publicCloudProject:apiovh:ai/token/renew",
        "publicCloudProject:apiovh:ai/capabilities/region/flavor/get",
        "publicCloudProject:apiovh:capabilities/kube/flavors/get",
      ],
    );
  });

  it("retries GET on 429 and 5xx with backoff, then succeeds (3 attempts)", async () => {
    fake.inject("GET", /\/ai\/token$/, { status: 429 });
    fake.inject("GET", /\/ai\/token$/, { status: 503 });
    const started = Date.now();
    assert.deepEqual(await client({ backoffMs: 20, maxBackoffMs: 100 }).get(TOKENS), []);
    assert.equal(fake.count("GET", /\/ai\/token$/), 3);
    assert.ok(Date.now() - started >= 20, "backed off between attempts"); // 10-20 ms then 20-40 ms of jittered backoff
  });

  it("gives up after maxAttempts with the API's message", async () => {
    fake.inject("GET", /\/ai\/app$/, { status: 500, message: "database on fire" }, 10);
    await assert.rejects(client({ maxAttempts: 4 }).get(APPS), (e: OvhApiError) => e.status === 500 && e.attempts === 4 && /database on fire/.test(e.message));
    assert.equal(fake.count("GET", /\/ai\/app$/), 4);
  });

  it("times out a hanging request and retries it (idempotent)", async () => {
    fake.inject("GET", /\/ai\/app$/, "hang");
    const started = Date.now();
    assert.deepEqual(await client({ timeoutMs: 150 }).get(APPS), []);
    assert.ok(Date.now() - started >= 150);
    assert.equal(fake.count("GET", /\/ai\/app$/), 2);
  });

  it("retries POST on 429 (not applied) but never on 5xx: that failure is ambiguous and left to the caller", async () => {
    fake.inject("POST", /\/ai\/token$/, { status: 429 });
    await client().post(TOKENS, TOKEN_BODY);
    assert.equal(fake.count("POST", /\/ai\/token$/), 2);
    assert.equal(fake.tokens.size, 1);

    fake.inject("POST", /\/ai\/token$/, { status: 502 });
    await assert.rejects(client().post(TOKENS, { ...TOKEN_BODY, name: "t2" }), (e: OvhApiError) => e.ambiguous && e.status === 502 && e.attempts === 1);
    assert.equal(fake.tokens.size, 1);
  });

  it("a POST whose connection drops after the server applied it is ambiguous, not retried (no duplicate)", async () => {
    fake.inject("POST", /\/ai\/token$/, "drop-after");
    await assert.rejects(client().post(TOKENS, TOKEN_BODY), (e: OvhApiError) => e.ambiguous && e.status === 0);
    assert.equal(fake.count("POST", /\/ai\/token$/), 1);
    assert.equal(fake.tokens.size, 1, "the server did create it");
  });

  it("the fake rejects unknown fields and bad enum values like the real API (400, not retried)", async () => {
    await assert.rejects(client().post(TOKENS, { ...TOKEN_BODY, role: "operator" }), (e: OvhApiError) => e.status === 400 && /Body parameter role isn't formated correctly/.test(e.message));
    await assert.rejects(client().post(TOKENS, { ...TOKEN_BODY, selector: "a=b" }), (e: OvhApiError) => e.status === 400 && /Received not described parameters: \(selector\)/.test(e.message));
    assert.equal(fake.tokens.size, 0);
  });
});
