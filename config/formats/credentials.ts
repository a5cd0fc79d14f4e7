/**
 * Recognising secrets where they must not be: values that look like credentials, and environment variable or CLI
 * flag names that say they hold one. The value patterns are gitleaks' default rules (github.com/gitleaks/gitleaks,
 * config/gitleaks.toml; rule ids in the comments), some widened (shorter minimum lengths, digits allowed) because a
 * false alarm costs one config edit and a miss costs a rotated token. Names are split into words (`HF_TOKEN`,
 * `--hf-token`, `apiKey` → hf/token, api/key) and matched word by word, so `--tokenizer-mode` or
 * `--max-num-batched-tokens` are not taken for secrets.
 */

/** The program's secret keys this module points to (a test checks they are keys of SECRET_KEYS). */
export const HF_TOKEN_KEY = "hfToken";
export const GPU_API_KEY_KEY = "gpuApiKey";
export const SLACK_WEBHOOK_KEY = "alertSlackWebhookUrl";
export const REMOTE_WRITE_PASSWORD_KEY = "remoteWritePassword";

interface CredentialPattern {
  what: string;
  pattern: RegExp;
  /** The secret key that holds this kind of credential, if the program has one. */
  secretKey?: string;
}

const CREDENTIAL_PATTERNS: CredentialPattern[] = [
  // huggingface-access-token: hf_[a-zA-Z]{34}
  { what: "a Hugging Face token", pattern: /\bhf_[A-Za-z0-9]{30,}/, secretKey: HF_TOKEN_KEY },
  // openai-api-key (sk-…T3BlbkFJ…, sk-proj-…, sk-svcacct-…, sk-admin-…) and the OpenAI-compatible keys vLLM clients use
  { what: "an API key (sk-…)", pattern: /\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}/ },
  // github-pat, github-oauth, github-app-token, github-refresh-token, github-fine-grained-pat
  { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{82})/ },
  // gitlab-pat
  { what: "a GitLab token", pattern: /\bglpat-[\w-]{20}/ },
  // slack-bot-token, slack-user-token, slack-app-token, ...
  { what: "a Slack token", pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{10,}/ },
  // slack-webhook-url
  { what: "a Slack webhook URL", pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{8,}/i, secretKey: SLACK_WEBHOOK_KEY },
  // aws-access-token
  { what: "an AWS access key", pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ },
  // private-key
  { what: "a private key", pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY/ },
  // jwt
  { what: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  // npm-access-token, pypi-upload-token, stripe-access-token
  { what: "an npm token", pattern: /\bnpm_[A-Za-z0-9]{36}/ },
  { what: "a PyPI token", pattern: /pypi-AgEIcHlwaS5vcmc[\w-]{50,}/ },
  { what: "a Stripe key", pattern: /\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,}/ },
  // generic: an Authorization header value, and user:password in a URL (curl-auth-user, url-with-credentials)
  { what: "a bearer token", pattern: /\bBearer\s{1,8}[A-Za-z0-9._~+/-]{16,}/i },
  { what: "a URL with a password", pattern: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/@:]{0,256}:[^\s/@]{1,256}@/i, secretKey: REMOTE_WRITE_PASSWORD_KEY },
];

export interface CredentialMatch {
  what: string;
  secretKey?: string;
}

/** Longer strings are refused for their length; only their start is ever printed. */
const SCANNED_LENGTH = 65_536;

/**
 * What kind of credential `value` contains, if any. Every pattern starts at a fixed prefix or has bounded
 * repetitions before its first distinctive character, so a scan is linear in the (bounded) length.
 */
export function findCredential(value: string): CredentialMatch | undefined {
  const text = value.length > SCANNED_LENGTH ? value.slice(0, SCANNED_LENGTH) : value;
  for (const p of CREDENTIAL_PATTERNS) if (p.pattern.test(text)) return { what: p.what, secretKey: p.secretKey };
  return undefined;
}

/** Whether any string inside `value` (objects and arrays searched, at most `budget` nodes) looks like a credential. */
export function containsCredential(value: unknown, budget = { nodes: 2_000 }): boolean {
  if (budget.nodes-- <= 0) return false;
  if (typeof value === "string") return findCredential(value) !== undefined;
  if (Array.isArray(value)) return value.some((v) => containsCredential(v, budget));
  if (value !== null && typeof value === "object") return Object.keys(value).some((k) => containsCredential((value as Record<string, unknown>)[k], budget));
  return false;
}

/** `HF_TOKEN`, `--hf-token`, `apiKey`, `x.api_key` → lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const SECRET_WORDS = new Set(["token", "secret", "secrets", "password", "passwd", "pwd", "passphrase", "credential", "credentials", "apikey", "authorization", "bearer"]);
/** Word pairs that name a secret (`api key`, `access key`, ...); a trailing `key` alone also does (`ENCRYPTION_KEY`). */
const SECRET_PAIRS = new Set(["api key", "access key", "private key", "secret key", "auth token", "session key", "signing key"]);

/** Whether a variable, flag or config key name says it holds a secret. */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  if (words.slice(1).some((w, i) => SECRET_PAIRS.has(`${words[i]} ${w}`))) return true;
  return words.length > 1 && words[words.length - 1] === "key";
}

/** Env values that are switches, not secrets (`HF_HUB_DISABLE_IMPLICIT_TOKEN: "1"`). */
export const isSwitchValue = (value: string): boolean => /^(?:0|1|true|false|yes|no|on|off)$/i.test(value);

/** Where a secret named `name` belongs instead, said so a user can act on it. */
export function secretHome(name: string): string {
  const words = nameWords(name);
  if (words.some((w) => w === "hf" || w.startsWith("hugging"))) return `the Hugging Face token is the secret ${HF_TOKEN_KEY}: pulumi config set --secret ${HF_TOKEN_KEY} <token>`;
  if (words.includes("vllm") || (words.length === 2 && words[0] === "api" && words[1] === "key"))
    return `the program sets vLLM's API key itself (AI Deploy: the app's scoped token; GPU cluster: the secret ${GPU_API_KEY_KEY}, generated when unset)`;
  return `this program takes secrets only as its secret keys (pulumi config set --secret <key>, see README); it has no place for this one in plain config`;
}

/** Where the credential found in a value belongs. */
export function credentialHome(match: CredentialMatch): string {
  return match.secretKey
    ? `no credential in plain config (this looks like ${match.what}): pulumi config set --secret ${match.secretKey} <value>`
    : `no credential in plain config (this looks like ${match.what}): secrets are set with pulumi config set --secret <key>, and only the program's secret keys (README) are read`;
}
