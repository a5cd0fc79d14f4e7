/**
 * Redaction of the bearer token from anything the load tester prints or writes. A server, proxy or gateway may
 * echo the Authorization header back in an error body — whole, base64-encoded (inside a Basic credential or a
 * debug dump), URL-encoded, or cut short (`sk-abc123…`). Each form is replaced by `[secret]`.
 */

export const REDACTED = "[secret]";

/** Prefixes shorter than this are not treated as the token (they would match ordinary words). */
const MIN_PREFIX = 8;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The base64 text that encodes `token` wherever it sits in a longer string: for each of the three byte alignments,
 * the characters that depend only on the token's bytes (the first and last characters of each encoding also carry
 * bits of the neighbouring bytes and are dropped). Standard and URL-safe alphabets.
 */
function base64Cores(token: string): string[] {
  const bytes = Buffer.from(token, "utf8");
  const cores = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const b64 = padded.toString("base64").replace(/=+$/, "");
    // Characters fully determined by token bytes: skip the ones covering the leading pad bytes (and the one they
    // share with the token), and the last group, which may share bits with what follows.
    const start = offset === 0 ? 0 : Math.ceil((offset * 8) / 6);
    const fullGroups = Math.floor(padded.length / 3);
    const end = fullGroups * 4;
    const core = b64.slice(start, end);
    if (core.length >= MIN_PREFIX) {
      cores.add(core);
      cores.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...cores];
}

/** Returns a function that replaces every echo of `token` (exact, URL/JSON-escaped, base64, long prefix). */
export function tokenRedactor(token: string | undefined): (text: string) => string {
  if (!token) return (text) => text;
  const forms = new Set<string>([token, encodeURIComponent(token), JSON.stringify(token).slice(1, -1), ...base64Cores(token)]);
  const exact = [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length).map(escapeRegExp);
  // A prefix of the token of at least MIN_PREFIX characters (all of it when the token is shorter), e.g. a
  // gateway logging `Bearer sk-live-4f9a…`.
  const minPrefix = Math.min(MIN_PREFIX, token.length);
  const chars = [...token];
  let prefix = "";
  for (let i = chars.length - 1; i >= minPrefix; i--) prefix = `(?:${escapeRegExp(chars[i])}${prefix})?`;
  const prefixPattern = escapeRegExp(chars.slice(0, minPrefix).join("")) + prefix;
  const pattern = new RegExp([...exact, prefixPattern].join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}
