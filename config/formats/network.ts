/**
 * IP ranges and host names. Addresses are parsed by Node's own `net.isIPv4` (dotted quad, each part 0-255, no
 * leading zeros), not by a pattern of ours; host names follow RFC 1123 through the Kubernetes validators.
 */
import * as net from "net";
import { DNS1123_LABEL_MAX, isDns1123Subdomain } from "./k8s";

export interface Ipv4Range {
  /** First and last address of the range, as unsigned 32-bit integers. */
  first: number;
  last: number;
  prefix: number;
}

const toInt = (address: string): number => address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const toAddress = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

/**
 * Parses `a.b.c.d/p`. A CIDR with host bits set (`203.0.113.5/24`) is refused with the network it probably meant:
 * it is either a typo for a /32 or for the network, and guessing either way opens the wrong range.
 */
export function parseIpv4Cidr(value: string): { range: Ipv4Range } | { problem: string } {
  const parts = value.split("/");
  if (parts.length !== 2 || !net.isIPv4(parts[0]) || !/^(?:\d|[12]\d|3[0-2])$/.test(parts[1])) return { problem: "an IPv4 CIDR such as 203.0.113.0/24" };
  const prefix = Number(parts[1]);
  const size = 2 ** (32 - prefix);
  const address = toInt(parts[0]);
  const first = address - (address % size);
  if (first !== address) return { problem: `an IPv4 CIDR without host bits (the network of ${value} is ${toAddress(first)}/${prefix}; for one address use ${parts[0]}/32)` };
  return { range: { first, last: first + size - 1, prefix } };
}

/**
 * A public DNS name: an RFC 1123 subdomain (IsDNS1123Subdomain) of at least two labels, each at most 63 characters
 * (RFC 1035 2.3.4; the Kubernetes check only bounds the total), whose top-level label is not all digits (so an IP
 * address is not taken for a name).
 */
export function isFqdn(value: string): boolean {
  const labels = value.split(".");
  return (
    isDns1123Subdomain(value) && labels.length >= 2 && labels.every((l) => l.length <= DNS1123_LABEL_MAX) && !/^\d+$/.test(labels[labels.length - 1]) && net.isIP(value) === 0
  );
}

/** `host:port` with a DNS name or IPv4 address and a port from 1 to 65535. */
export function isHostPort(value: string): boolean {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 && (net.isIPv4(m[1]) || isDns1123Subdomain(m[1]));
}

/**
 * An https URL to send data or credentials to: parsed by the WHATWG URL parser, https only, with a host, without
 * user:password (credentials belong in the secret keys) and without a fragment.
 */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "an https URL such as https://example.com/path";
  }
  if (url.protocol !== "https:") return "an https URL (not http: the traffic leaves the cluster)";
  if (url.username || url.password) return "an https URL without user:password (credentials are secrets: pulumi config set --secret)";
  if (url.hash) return "an https URL without #fragment";
  if (!url.hostname) return "an https URL with a host";
  return undefined;
}

/**
 * An HTTP request path as a probe sends it: starts with `/`, and the WHATWG URL parser leaves it unchanged (already
 * percent-encoded, no spaces, no `..` or `.` segments, no backslashes, not `//host`), at most 1024 characters.
 */
export function isHttpPath(value: string): boolean {
  if (!value.startsWith("/") || value.length > 1024) return false;
  try {
    const url = new URL(value, "http://probe.invalid");
    return url.host === "probe.invalid" && url.pathname + url.search === value;
  } catch {
    return false;
  }
}
