/**
 * The client address a proxy reports, from `Forwarded` (RFC 7239) or
 * `X-Forwarded-For`.
 *
 * Only the last entry is taken: it is the one the proxy in front of us
 * added, the address it saw. Entries before it were sent by the client or by
 * proxies further out, and anyone can write those.
 *
 * @module
 */

/**
 * The client address from `Forwarded` (preferred) or `X-Forwarded-For`, or
 * `null` when neither gives one. Ports, quotes and IPv6 brackets are
 * stripped; an obfuscated or `unknown` node is no address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forwardedClient } from "./forwarded.ts";
 * assert.equal(forwardedClient([["forwarded", 'for="[2001:db8::1]:4711"']]), "2001:db8::1");
 * assert.equal(forwardedClient([["x-forwarded-for", "203.0.113.9, 198.51.100.2"]]), "198.51.100.2");
 * ```
 */
export function forwardedClient(headers: readonly (readonly [string, string])[]): string | null {
  const forwarded = headers.filter(([name]) => name === "forwarded").map(([, value]) => value);
  if (forwarded.length > 0) {
    const elements = forwarded.join(",").split(",");
    return nodeAddress(forParameter(elements[elements.length - 1]));
  }
  const xff = headers.filter(([name]) => name === "x-forwarded-for").map(([, value]) => value);
  if (xff.length === 0) return null;
  const entries = xff.join(",").split(",");
  return nodeAddress(entries[entries.length - 1].trim());
}

/** The `for=` value of one `Forwarded` element, unquoted. */
function forParameter(element: string): string {
  for (const pair of element.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== "for") continue;
    const value = pair.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return "";
}

/** An IP address from a node (`1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80`, `::1`), or `null`. */
function nodeAddress(node: string): string | null {
  let address = node;
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end === -1) return null;
    address = address.slice(1, end);
  } else if (/^[0-9.]+:[0-9]+$/.test(address)) {
    address = address.slice(0, address.indexOf(":"));
  }
  const ipv4 = /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$/.test(address);
  const ipv6 = address.includes(":") && /^[0-9a-fA-F:.]+$/.test(address);
  return ipv4 || ipv6 ? address : null;
}
