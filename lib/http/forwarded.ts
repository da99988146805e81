/**
 * The client address a proxy reports, from the one field it sets:
 * `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`, HAProxy's
 * `option forwardfor`) or `Forwarded` (RFC 7239). Only that field is read:
 * were the other one read too, a client could write it and choose the
 * address that is logged.
 *
 * Only the last entry is taken: it is the one the proxy in front of us
 * added, the address it saw. Entries before it were sent by the client or by
 * proxies further out, and anyone can write those.
 *
 * @module
 */

/** The field a proxy reports the client's address in. */
export type ProxyHeader = "x-forwarded-for" | "forwarded";

/**
 * The client address from the last entry of `field`, or `null` when it
 * gives none. Ports, quotes and IPv6 brackets are stripped; an obfuscated or
 * `unknown` node is no address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forwardedClient } from "./forwarded.ts";
 * const headers: [string, string][] = [["x-forwarded-for", "203.0.113.9, 198.51.100.2"], ["forwarded", "for=192.0.2.1"]];
 * assert.equal(forwardedClient(headers, "x-forwarded-for"), "198.51.100.2");
 * assert.equal(forwardedClient(headers, "forwarded"), "192.0.2.1");
 * assert.equal(forwardedClient([["forwarded", 'for="[2001:db8::1]:4711"']], "forwarded"), "2001:db8::1");
 * ```
 */
export function forwardedClient(
  headers: readonly (readonly [string, string])[],
  field: ProxyHeader,
): string | null {
  const values = headers.filter(([name]) => name === field).map(([, value]) => value);
  if (values.length === 0) return null;
  const last = values.join(",").split(",").at(-1)!;
  return nodeAddress(field === "forwarded" ? parameter(last, "for") : last.trim());
}

/**
 * The scheme the client used, as the proxy reports it: `X-Forwarded-Proto` beside `x-forwarded-for`, the
 * last element's `proto=` beside `forwarded` (RFC 7239 §5.4); lower case, or `null` when it says nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forwardedProto } from "./forwarded.ts";
 * assert.equal(forwardedProto([["x-forwarded-proto", "HTTP"]], "x-forwarded-for"), "http");
 * assert.equal(forwardedProto([["forwarded", "for=192.0.2.1;proto=https"]], "forwarded"), "https");
 * assert.equal(forwardedProto([], "forwarded"), null);
 * ```
 */
export function forwardedProto(
  headers: readonly (readonly [string, string])[],
  field: ProxyHeader,
): string | null {
  const name = field === "forwarded" ? "forwarded" : "x-forwarded-proto";
  const values = headers.filter(([n]) => n === name).map(([, value]) => value);
  if (values.length === 0) return null;
  const last = values.join(",").split(",").at(-1)!;
  const proto = field === "forwarded" ? parameter(last, "proto") : last.trim();
  return proto === "" ? null : proto.toLowerCase();
}

/** Whether a proxy at `peer` is believed: with `trusted` empty, any peer is. */
export function trustedProxy(peer: string, trusted: readonly string[]): boolean {
  return trusted.length === 0 || trusted.includes(peer);
}

/** One parameter's value in a `Forwarded` element, unquoted; `""` if it has none. */
function parameter(element: string, wanted: string): string {
  for (const pair of element.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== wanted) continue;
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
