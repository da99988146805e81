/**
 * Rule: the rules file's rules (`config/rules.ts`), as one layer between
 * weft's own pages and the app: with `https`, a request a trusted proxy says
 * came over plain HTTP is redirected to HTTPS first; a path an `auth` rule covers needs a
 * user's password (401 with the challenge otherwise); then the first redirect whose source matches
 * answers (its query kept unless the destination has one); else the first
 * rewrite whose source matches changes the path the app and the files see
 * (the log keeps what the client asked); then every header rule whose source
 * matches sets its fields on the reply, in place of those of the same names.
 *
 * @module
 */

import type { Rules } from "../config/rules.ts";
import { redirectReply, textReply } from "../reply.ts";
import { fieldValue } from "../http/request_head.ts";
import type { Layer } from "./layer.ts";
import type { IncomingRequest } from "../handler.ts";
import { forwardedProto, type ProxyHeader, trustedProxy } from "../http/forwarded.ts";
import { BasicAuth } from "./basic_auth.ts";
import { compilePattern, fill, type PathPattern } from "./path_pattern.ts";

/**
 * The layer for `rules`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { chain } from "./layer.ts";
 * import { rulesLayer } from "./rules.ts";
 * const echo = chain([rulesLayer({
 *   https: false,
 *   auth: [],
 *   redirects: [{ source: "/old/:slug", destination: "/new/:slug", status: 308 }],
 *   rewrites: [{ source: "/app/**", destination: "/index.html" }],
 *   headers: [{ source: "/assets/**", headers: [["Cache-Control", "immutable"]] }],
 * })], (request) => Promise.resolve({ status: 200, headers: [["Cache-Control", "no-cache"]], body: [new TextEncoder().encode(request.target.path)], files: [] }));
 * const moved = await call(echo, "/old/post?x=1");
 * assert.deepEqual([moved.status, moved.headers.get("location")], [308, "/new/post?x=1"]);
 * assert.equal((await call(echo, "/app/deep/link")).text, "/index.html");
 * assert.equal((await call(echo, "/assets/site.css")).headers.get("cache-control"), "immutable");
 * assert.equal((await call(echo, "/other")).headers.get("cache-control"), "no-cache");
 * ```
 */
export function rulesLayer(rules: Rules, proxy: BehindProxy = NO_PROXY): Layer {
  const compiled = <R extends { source: string }>(list: R[]) =>
    list.map((rule) => ({ rule, pattern: compilePattern(rule.source) }));
  const redirects = compiled(rules.redirects);
  const rewrites = compiled(rules.rewrites);
  const headers = compiled(rules.headers);
  const auth = compiled(rules.auth).map((entry) => ({ ...entry, check: new BasicAuth(entry.rule.users) }));
  return async (request, info, next) => {
    const { path, query } = request.target;
    const insecure = rules.https && viaPlainHttp(request, info.remoteAddr, proxy);
    if (insecure) {
      // RFC 9110 §15.4.9: 308 keeps the method and the body; the client comes back over TLS.
      const host = fieldValue(request.head.headers, "host") ?? "localhost";
      return redirectReply(308, `https://${host}${path}${query === "" ? "" : `?${query}`}`);
    }
    const guard = auth.find(({ pattern }) => pattern.match(path) !== null);
    if (guard !== undefined) {
      const allowed = guard.check.allows(fieldValue(request.head.headers, "authorization") ?? null);
      if (!(allowed === true || allowed !== false && await allowed)) {
        // RFC 9110 §11.6.1, RFC 7617 §2: 401 with the challenge, naming the realm and UTF-8.
        const challenge = `Basic realm=${JSON.stringify(guard.rule.realm)}, charset="UTF-8"`;
        return textReply(401, "Sign in to see this", [["WWW-Authenticate", challenge]]);
      }
    }
    const moved = firstMatch(redirects, path);
    if (moved !== null) {
      const filled = fill(moved.rule.destination, moved.captured);
      return redirectReply(
        moved.rule.status,
        query === "" || filled.includes("?") ? filled : `${filled}?${query}`,
      );
    }
    const rewritten = firstMatch(rewrites, path);
    const reply = await next(
      rewritten === null ? request : {
        ...request,
        target: { ...request.target, path: fill(rewritten.rule.destination, rewritten.captured) },
      },
    );
    for (const { rule, pattern } of headers) {
      if (pattern.match(path) === null) continue;
      const names = new Set(rule.headers.map(([name]) => name.toLowerCase()));
      reply.headers = [...reply.headers.filter(([name]) => !names.has(name.toLowerCase())), ...rule.headers];
    }
    return reply;
  };
}

/** What the rules need to know of a proxy in front: where it is believed, and which field it reports in. */
export interface BehindProxy {
  /** Connections arrive over TLS: nothing is plain HTTP. */
  secure: boolean;
  /** `--trust-proxy`'s field, and the peers believed (empty: any). */
  proxyHeader: ProxyHeader;
  trustedProxies: readonly string[];
}

const NO_PROXY: BehindProxy = { secure: false, proxyHeader: "x-forwarded-for", trustedProxies: [] };

/** Whether a believed proxy says the client used plain HTTP (`X-Forwarded-Proto`, or `Forwarded`'s `proto=`). */
function viaPlainHttp(request: IncomingRequest, peer: Deno.Addr, proxy: BehindProxy): boolean {
  if (proxy.secure || !("hostname" in peer) || !trustedProxy(peer.hostname, proxy.trustedProxies)) {
    return false;
  }
  return forwardedProto(request.head.headers, proxy.proxyHeader) === "http";
}

/** The first of `list` whose pattern matches `path`, with what it captured, or null. */
function firstMatch<R>(
  list: readonly { rule: R; pattern: PathPattern }[],
  path: string,
): { rule: R; captured: Record<string, string> } | null {
  for (const { rule, pattern } of list) {
    const captured = pattern.match(path);
    if (captured !== null) return { rule, captured };
  }
  return null;
}
