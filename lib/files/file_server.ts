/**
 * Answers requests from a folder: the static file server that runs in each
 * worker. It decides status, fields and body; framing is the connection's.
 *
 * The order of decisions: method (RFC 9110 §9.1: 405 for a method it knows
 * and does not allow here, 501 for one it does not know) → path safety →
 * dotfiles → find the file (symlinks checked against the root) → the file's
 * reply (`file_reply.ts`: preconditions, range, coding, body). A folder
 * without a trailing slash redirects to one, so relative links in its page
 * resolve.
 *
 * @module
 */

import { join } from "node:path/posix";
import {
  type FileServerOptions,
  fileServerOptions,
  type ResolvedFileServerOptions,
} from "../config/options.ts";
import { redirectReply, type Reply, textReply } from "../reply.ts";
import { type ListingEntry, renderListing } from "./directory_listing.ts";
import { FileLookup, type Found } from "./file_lookup.ts";
import { FileReplies, type FileRequest } from "./file_reply.ts";
import { resolvePath } from "./resolve_path.ts";

export type { FileRequest } from "./file_reply.ts";

const ALLOW = "GET, HEAD, OPTIONS";
/** Methods of RFC 9110 §9.3 this server does not allow: 405, not 501. */
const KNOWN_METHODS = new Set(["POST", "PUT", "DELETE", "PATCH", "CONNECT", "TRACE"]);
const encoder = new TextEncoder();

const BUILT_IN_404 = encoder.encode(
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1><p>Nothing lives at this address.</p></body>
</html>
`,
);

/**
 * Serves the files under one root folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileServer } from "./file_server.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.writeTextFileSync(`${root}/index.html`, "<h1>hi</h1>");
 * const files = new FileServer(root, { cors: true });
 * const reply = await files.respond({ method: "GET", target: { path: "/", query: "" }, headers: new Map() });
 * assert.equal(reply.status, 200);
 * assert.equal(reply.contentLength, 11);
 * ```
 */
export class FileServer {
  readonly #root: string;
  readonly #options: ResolvedFileServerOptions;
  readonly #lookup: FileLookup;
  readonly #replies: FileReplies;

  /**
   * Serves `root`, an absolute path without symlinks (as `Deno.realPath` gives); `cacheDropped` hears of
   * each body the file cache lets go of.
   */
  constructor(
    root: string,
    options: FileServerOptions = {},
    cacheDropped: (body: Uint8Array) => void = () => {},
  ) {
    this.#root = root;
    this.#options = fileServerOptions(options);
    this.#lookup = new FileLookup(root, this.#options.followSymlinks);
    this.#replies = new FileReplies(this.#options, this.#lookup, cacheDropped);
  }

  /** The response to a request. */
  async respond(req: FileRequest): Promise<Reply> {
    let res: Reply;
    try {
      res = await this.#respond(req);
    } catch (e) {
      // RFC 9110 §15.5.4: what weft may not read (the system's permissions, or Deno's) is forbidden, and
      // no fault of the server's: 403, and nothing on stderr.
      if (!(e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable)) throw e;
      res = textReply(403, "This file cannot be read");
    }
    if (this.#options.cors) res.headers.push(["Access-Control-Allow-Origin", "*"]);
    return res;
  }

  #respond(req: FileRequest): Reply | Promise<Reply> {
    const { method, target } = req;
    if (method !== "GET" && method !== "HEAD") {
      if (method === "OPTIONS") return this.#preflight(req);
      // RFC 9110 §15.5.6: 405 carries Allow; §15.6.2: 501 for a method not recognized.
      const status = KNOWN_METHODS.has(method) ? 405 : 501;
      return textReply(status, `${method} is not served here`, [["Allow", ALLOW]]);
    }
    // RFC 9112 §3.2.4: "*" names the server, not a file.
    if (target.path[0] !== "/") return textReply(400, "This target is not for GET");
    const resolved = resolvePath(this.#root, target.path);
    if (!resolved.ok) return textReply(resolved.status, resolved.reason);
    const segments = resolved.decoded.split("/");
    // RFC 8615: /.well-known/ is for everyone.
    const hidden = segments.some((s, i) => s.startsWith(".") && !(i === 1 && s === ".well-known"));
    // RFC 9110 §15.5.4 (403) when dotfiles are denied; else as if absent (§15.5.5, 404).
    if (hidden && this.#options.dotfiles !== "allow") {
      return this.#options.dotfiles === "deny"
        ? textReply(403, "Dotfiles are not served")
        : this.#notFound(req);
    }
    // Most folder requests end at index.html: look there before at the folder.
    const index = resolved.trailingSlash ? this.#lookup.file(resolved.path + "/index.html") : null;
    if (index !== null) return this.#replies.reply(200, index, req);
    const found = this.#lookup.find(resolved.path);
    // RFC 9110 §15.5.4: the file exists, and will not be served.
    if (found === "outside") return textReply(403, "This link leads outside the served folder");
    if (found?.info.isDirectory) {
      // RFC 9110 §15.4.2: 301 to the folder's own URL, so its page's relative links resolve. The
      // Location is the normalized path: never "//…", which a client reads as another host.
      if (!resolved.trailingSlash) {
        const location = `${encodePath(resolved.decoded)}/${target.query ? "?" + target.query : ""}`;
        return redirectReply(301, location);
      }
      if (this.#options.list) return this.#listing(found.path, resolved.decoded);
      return this.#notFound(req);
    }
    // A file is not a folder: "/a.txt/" names nothing (nginx agrees).
    if (found?.info.isFile) {
      return resolved.trailingSlash ? this.#notFound(req) : this.#replies.reply(200, found, req);
    }
    const page = found === null && !resolved.trailingSlash && !/\.[^/]*$/.test(resolved.path)
      ? this.#standIn(resolved.path)
      : null;
    return page === null ? this.#notFound(req) : this.#replies.reply(200, page, req);
  }

  /**
   * For a path without an extension: `about.html` (clean URLs) or the root's
   * index (a single-page app). The 404 page is never one: `/404` is not found.
   */
  #standIn(path: string): Found | null {
    const clean = this.#options.cleanUrls && path !== this.#root + "/404";
    const page = clean ? this.#lookup.file(path + ".html") : null;
    return page ?? (this.#options.spa ? this.#lookup.file(this.#root + "/index.html") : null);
  }

  /** `OPTIONS`: what is allowed, and a CORS preflight's answer when CORS is on. */
  #preflight(req: FileRequest): Reply {
    const headers: [string, string][] = [["Allow", ALLOW]];
    if (this.#options.cors && req.headers.has("access-control-request-method")) {
      headers.push(["Access-Control-Allow-Methods", ALLOW], ["Access-Control-Max-Age", "86400"]);
      const asked = req.headers.get("access-control-request-headers");
      if (asked) {
        headers.push(["Access-Control-Allow-Headers", asked], ["Vary", "Access-Control-Request-Headers"]);
      }
    }
    return { status: 204, headers, body: [], files: [] };
  }

  /** The root's 404.html with status 404, or a built-in page. */
  #notFound(req: FileRequest): Reply {
    const page = this.#lookup.file(this.#root + "/404.html");
    if (page !== null) return this.#replies.reply(404, page, req);
    return {
      status: 404,
      headers: [["Content-Type", "text/html; charset=utf-8"]],
      body: [BUILT_IN_404],
      contentLength: BUILT_IN_404.length,
      files: [],
    };
  }

  async #listing(dir: string, urlPath: string): Promise<Reply> {
    const entries: ListingEntry[] = [];
    for (const entry of await this.#lookup.list(dir)) {
      if (entry.name.startsWith(".") && this.#options.dotfiles !== "allow") continue;
      const found = this.#lookup.find(join(dir, entry.name));
      if (found === null || found === "outside") continue;
      entries.push({
        name: entry.name,
        isDirectory: found.info.isDirectory,
        size: found.info.size,
        mtime: found.info.mtime,
      });
    }
    const body = encoder.encode(renderListing(urlPath, entries));
    return {
      status: 200,
      headers: [["Content-Type", "text/html; charset=utf-8"], ["Cache-Control", "no-cache"]],
      body: [body],
      contentLength: body.length,
      files: [],
    };
  }
}

/** A decoded path percent-encoded again, segment by segment. */
function encodePath(decoded: string): string {
  return decoded.split("/").map(encodeURIComponent).join("/");
}
