/**
 * Answers requests from a folder: the static file server that runs in each
 * worker. It decides status, fields and body; framing is the connection's job.
 *
 * The order of decisions: method → path safety → dotfiles → find the file
 * (symlinks checked against the root) → preconditions (304/412) → range
 * (206/416) → content coding → body.
 *
 * @module
 */

import { join } from "node:path/posix";
import type { RequestTarget } from "../http/request_target.ts";
import { type Reply, textReply } from "../reply.ts";
import { entityTag, evaluatePreconditions, ifRangeHolds, type Validators } from "./conditional.ts";
import { type Coding, compress, COMPRESS_MIN_SIZE, isCompressible, negotiateCoding } from "./compression.ts";
import { contentType } from "./content_type.ts";
import { type ListingEntry, renderListing } from "./directory_listing.ts";
import {
  type FileServerOptions,
  fileServerOptions,
  type ResolvedFileServerOptions,
} from "../config/options.ts";
import { multipartBody, parseRange } from "./range.ts";
import { resolvePath } from "./resolve_path.ts";

/** A request as the file server sees it. */
export interface FileRequest {
  method: string;
  target: RequestTarget;
  /** Request fields by lower-case name, repeated fields joined with `, `. */
  headers: ReadonlyMap<string, string>;
}

/** Files up to this size are read in one go and cached; larger ones stream from disk. */
const SMALL_FILE = 1024 * 1024;
/** Compressible files up to this size are compressed once and the result cached. */
const COMPRESS_CACHE_LIMIT = 1024 * 1024;
/** Bytes kept in memory per worker, originals and compressed copies together. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** How long where a path leads (through symlinks) is trusted, and how many such paths are kept. */
const REAL_PATH_TTL = 1000;
const REAL_PATH_ENTRIES = 10_000;
/** How long a file's metadata is trusted: an edit shows within this many milliseconds. */
const STAT_TTL = 100;
const ALLOW = "GET, HEAD, OPTIONS";
const KNOWN_METHODS = new Set(["POST", "PUT", "DELETE", "PATCH", "CONNECT", "TRACE"]);
const CODINGS: readonly Coding[] = ["br", "gzip", "deflate"];
const STREAM_CODINGS: readonly Coding[] = ["gzip", "deflate"];
const PRECOMPRESSED: readonly [Coding, string][] = [["br", ".br"], ["gzip", ".gz"]];
const encoder = new TextEncoder();

const BUILT_IN_404 = encoder.encode(
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1><p>Nothing lives at this address.</p></body>
</html>
`,
);

interface CacheEntry {
  mtime: number;
  size: number;
  bytes: Uint8Array | null;
  encoded: Map<Coding, Uint8Array>;
  cost: number;
}

/** Where a requested path leads, and that file's metadata, each with the time it is trusted until. */
interface RealPath {
  path: string | null;
  until: number;
  info: Deno.FileInfo | null;
  infoUntil: number;
}

/** What {@linkcode FileServer} derives from a file's path and metadata. */
interface FileFacts {
  type: string;
  mtime: number;
  validators: Validators;
  lastModifiedText: string;
  /** The body depends on `Accept-Encoding`. */
  varies: boolean;
}

/** A file found on disk: its canonical path and metadata. */
interface Found {
  path: string;
  info: Deno.FileInfo;
}

/**
 * Serves the files under one root folder.
 *
 * Small files, and compressed copies of compressible ones, are kept in memory
 * and checked against the disk with one `stat` per request, so an edited file
 * is served at once.
 *
 * @example
 * ```ts ignore
 * import { FileServer } from "./file_server.ts";
 * const files = new FileServer("/srv/www", { cors: true });
 * const res = await files.respond({
 *   method: "GET",
 *   target: { path: "/", query: "", authority: null },
 *   headers: new Map(),
 * });
 * console.log(res.status); // 200, with index.html
 * ```
 */
export class FileServer {
  readonly #root: string;
  readonly #options: ResolvedFileServerOptions;
  readonly #cacheControl: string;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #realPaths = new Map<string, RealPath>();
  readonly #facts = new WeakMap<Deno.FileInfo, FileFacts>();
  #cachedBytes = 0;

  /** Serves `root`, an absolute path without symlinks (as `Deno.realPath` gives). */
  constructor(root: string, options: FileServerOptions = {}) {
    this.#root = root;
    this.#options = fileServerOptions(options);
    this.#cacheControl = this.#options.cacheSeconds > 0
      ? `public, max-age=${this.#options.cacheSeconds}`
      : "no-cache";
  }

  /** The response to a request. */
  async respond(req: FileRequest): Promise<Reply> {
    const res = await this.#respond(req);
    if (this.#options.cors) res.headers.push(["Access-Control-Allow-Origin", "*"]);
    return res;
  }

  async #respond(req: FileRequest): Promise<Reply> {
    const { method, target } = req;
    if (method !== "GET" && method !== "HEAD") {
      if (method === "OPTIONS") return this.#preflight(req);
      const status = KNOWN_METHODS.has(method) ? 405 : 501;
      return textReply(status, `${method} is not served here`, [["Allow", ALLOW]]);
    }
    if (target.path[0] !== "/") return textReply(400, "This target is not for GET");
    const resolved = resolvePath(this.#root, target.path);
    if (!resolved.ok) return textReply(resolved.status, resolved.reason);
    const segments = resolved.decoded.split("/");
    const hidden = segments.some((s, i) => s.startsWith(".") && !(i === 1 && s === ".well-known"));
    if (hidden && this.#options.dotfiles !== "allow") {
      return this.#options.dotfiles === "deny"
        ? textReply(403, "Dotfiles are not served")
        : await this.#notFound(req);
    }
    if (resolved.trailingSlash) {
      // Most folder requests end at index.html: look there before at the folder.
      const index = this.#findFile(resolved.path + "/index.html");
      if (index !== null) return await this.#file(200, index, req);
    }
    const found = this.#find(resolved.path);
    if (found === "outside") return textReply(403, "This link leads outside the served folder");
    if (found?.info.isDirectory) {
      if (!resolved.trailingSlash) {
        const location = target.path + "/" + (target.query ? "?" + target.query : "");
        return textReply(301, `Moved to ${location}`, [["Location", location]]);
      }
      const index = this.#findFile(found.path + "/index.html");
      if (index !== null) return await this.#file(200, index, req);
      if (this.#options.list) return await this.#listing(found.path, resolved.decoded, req);
      return await this.#notFound(req);
    }
    if (found?.info.isFile) return await this.#file(200, found, req);
    if (found === null && !resolved.trailingSlash && !/\.[^/]*$/.test(resolved.path)) {
      if (this.#options.cleanUrls) {
        const page = this.#findFile(resolved.path + ".html");
        if (page !== null) return await this.#file(200, page, req);
      }
      if (this.#options.spa) {
        const index = this.#findFile(this.#root + "/index.html");
        if (index !== null) return await this.#file(200, index, req);
      }
    }
    return await this.#notFound(req);
  }

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

  /**
   * Finds `path` through symlinks; `"outside"` when it resolves out of the
   * root and that is refused. Where a path leads (or that it leads nowhere)
   * is remembered for a second: a `realpath` costs about twice a `stat`, and a
   * missing path costs an exception. The `stat` of a found path is
   * remembered for 100 ms, which under load saves one system call per request
   * (hello: about +15% req/s) while an edit still shows at once to a person;
   * a new file shows within a second.
   */
  #find(path: string): Found | "outside" | null {
    const now = Date.now();
    let real = this.#realPaths.get(path);
    if (real === undefined || real.until < now) {
      let resolved: string | null = null;
      try {
        resolved = Deno.realPathSync(path);
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
      if (this.#realPaths.size >= REAL_PATH_ENTRIES) this.#realPaths.clear();
      real = { path: resolved, until: now + REAL_PATH_TTL, info: null, infoUntil: 0 };
      this.#realPaths.set(path, real);
    }
    if (real.path === null) return null;
    if (
      !this.#options.followSymlinks && real.path !== this.#root && !real.path.startsWith(this.#root + "/")
    ) {
      return "outside";
    }
    try {
      if (real.info === null || real.infoUntil < now) {
        real.info = Deno.statSync(real.path);
        real.infoUntil = now + STAT_TTL;
      }
      return { path: real.path, info: real.info };
    } catch (e) {
      if (!isMissing(e)) throw e;
      this.#realPaths.delete(path);
      return null;
    }
  }

  /** Like `#find`, for a regular file only. */
  #findFile(path: string): Found | null {
    const found = this.#find(path);
    return found !== null && found !== "outside" && found.info.isFile ? found : null;
  }

  async #notFound(req: FileRequest): Promise<Reply> {
    const page = this.#findFile(this.#root + "/404.html");
    if (page !== null) {
      return await this.#file(404, page, req);
    }
    return {
      status: 404,
      headers: [["Content-Type", "text/html; charset=utf-8"]],
      body: req.method === "HEAD" ? [] : [BUILT_IN_404],
      contentLength: BUILT_IN_404.length,
      files: [],
    };
  }

  async #listing(dir: string, urlPath: string, req: FileRequest): Promise<Reply> {
    const entries: ListingEntry[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".") && this.#options.dotfiles !== "allow") continue;
      const found = this.#find(join(dir, entry.name));
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
      body: req.method === "HEAD" ? [] : [body],
      contentLength: body.length,
      files: [],
    };
  }

  /**
   * What a file's path and metadata say about its responses, worked out once
   * per `stat` (the same metadata object is reused while it is trusted).
   */
  #factsOf(path: string, info: Deno.FileInfo): FileFacts {
    let facts = this.#facts.get(info);
    if (facts === undefined) {
      const type = contentType(path);
      const mtime = info.mtime?.getTime() ?? 0;
      const lastModified = Math.floor(mtime / 1000);
      facts = {
        type,
        mtime,
        validators: { etag: entityTag(info.size, mtime), lastModified },
        lastModifiedText: new Date(lastModified * 1000).toUTCString(),
        varies: this.#options.compress && isCompressible(type) && info.size >= COMPRESS_MIN_SIZE,
      };
      this.#facts.set(info, facts);
    }
    return facts;
  }

  async #file(status: number, found: Found, req: FileRequest): Promise<Reply> {
    const { path, info } = found;
    const facts = this.#factsOf(path, info);
    const { type, mtime, validators, varies } = facts;
    // A 200 is the file itself; any other status uses the file as an error
    // page, which has no validators or ranges of its own and is not cached.
    const resource = status === 200;
    const headers: [string, string][] = [
      ["Content-Type", type],
      ["Cache-Control", resource ? this.#cacheControl : "no-cache"],
      ["X-Content-Type-Options", "nosniff"],
    ];
    if (resource) {
      headers.push(
        ["Last-Modified", facts.lastModifiedText],
        ["Accept-Ranges", "bytes"],
      );
    }
    if (varies) headers.push(["Vary", "Accept-Encoding"]);
    const head = req.method === "HEAD";

    const rangeHeader = resource ? req.headers.get("range") : undefined;
    const ifRange = req.headers.get("if-range");
    const range = rangeHeader !== undefined && (ifRange === undefined || ifRangeHolds(ifRange, validators))
      ? parseRange(rangeHeader, info.size)
      : { kind: "ignore" as const };

    // Ranges apply to the identity body; otherwise pick a coding. Large files
    // without a precompressed sibling are compressed as they stream, which
    // only gzip and deflate do here.
    const accept = req.headers.get("accept-encoding");
    let coding = varies && range.kind === "ignore" ? negotiateCoding(accept, CODINGS) : null;
    const sibling = coding === null ? null : this.#precompressed(path, coding);
    if (coding !== null && sibling === null && info.size > COMPRESS_CACHE_LIMIT) {
      coding = negotiateCoding(accept, STREAM_CODINGS);
    }
    const etag = coding ? entityTag(info.size, mtime, coding) : validators.etag;
    if (resource) {
      headers.push(["ETag", etag]);
      const precondition = evaluatePreconditions(req.method, req.headers, { ...validators, etag });
      if (precondition === "not-modified") return { status: 304, headers, body: [], files: [] };
      if (precondition === "failed") {
        return textReply(412, "The resource does not match the request's conditions");
      }
    }

    if (range.kind === "unsatisfiable") {
      const res = textReply(416, `The file has ${info.size} bytes`);
      res.headers.push(["Content-Range", `bytes */${info.size}`]);
      return res;
    }
    if (range.kind === "ranges") {
      const file = head ? null : await Deno.open(path);
      if (range.ranges.length === 1) {
        const { start, end } = range.ranges[0];
        headers.push(["Content-Range", `bytes ${start}-${end - 1}/${info.size}`]);
        return {
          status: 206,
          headers,
          body: file ? [{ file, start, end }] : [],
          contentLength: end - start,
          files: file ? [file] : [],
        };
      }
      const multipart = multipartBody(range.ranges, info.size, type, crypto.randomUUID().replaceAll("-", ""));
      headers[0] = ["Content-Type", multipart.contentType];
      return {
        status: 206,
        headers,
        body: file ? multipart.parts.map((p) => p instanceof Uint8Array ? p : { file, ...p }) : [],
        contentLength: multipart.length,
        files: file ? [file] : [],
      };
    }

    if (coding === null) return await this.#whole(status, headers, path, info, head);
    headers.push(["Content-Encoding", coding]);
    if (sibling !== null) return await this.#whole(status, headers, sibling.path, sibling.info, head);
    if (info.size <= COMPRESS_CACHE_LIMIT) {
      const bytes = this.#encoded(path, info, coding);
      return {
        status,
        headers,
        body: head ? [] : [bytes],
        contentLength: bytes.length,
        files: [],
        sharedBody: true,
      };
    }
    if (head) return { status, headers, body: [], files: [] };
    const file = await Deno.open(path);
    const stream = file.readable.pipeThrough(new CompressionStream(coding as "gzip" | "deflate"));
    return { status, headers, body: [stream], files: [] };
  }

  /** The whole of a file as the body: from the cache when small, streamed when large. */
  async #whole(
    status: number,
    headers: [string, string][],
    path: string,
    info: Deno.FileInfo,
    head: boolean,
  ): Promise<Reply> {
    if (head) return { status, headers, body: [], contentLength: info.size, files: [] };
    if (info.size > SMALL_FILE) {
      const file = await Deno.open(path);
      return {
        status,
        headers,
        body: [{ file, start: 0, end: info.size }],
        contentLength: info.size,
        files: [file],
      };
    }
    const bytes = this.#entry(path, info).bytes ??= Deno.readFileSync(path);
    return { status, headers, body: [bytes], contentLength: bytes.length, files: [], sharedBody: true };
  }

  /** A `.br` or `.gz` file beside `path`, if there is one as new as it. */
  #precompressed(path: string, coding: Coding): Found | null {
    const suffix = PRECOMPRESSED.find(([c]) => c === coding)?.[1];
    if (suffix === undefined) return null;
    return this.#findFile(path + suffix);
  }

  /** A file's body compressed with `coding`, from the cache or made now. */
  #encoded(path: string, info: Deno.FileInfo, coding: Coding): Uint8Array {
    const entry = this.#entry(path, info);
    let bytes = entry.encoded.get(coding);
    if (bytes === undefined) {
      bytes = compress(entry.bytes ?? Deno.readFileSync(path), coding);
      entry.encoded.set(coding, bytes);
      this.#charge(entry, bytes.length);
    }
    return bytes;
  }

  /** The cache entry for a file's current version, replacing a stale one. */
  #entry(path: string, info: Deno.FileInfo): CacheEntry {
    const mtime = info.mtime?.getTime() ?? 0;
    let entry = this.#cache.get(path);
    if (entry !== undefined && entry.mtime === mtime && entry.size === info.size) return entry;
    if (entry !== undefined) {
      this.#cache.delete(path);
      this.#cachedBytes -= entry.cost;
    }
    entry = { mtime, size: info.size, bytes: null, encoded: new Map(), cost: 0 };
    this.#cache.set(path, entry);
    if (info.size <= SMALL_FILE) {
      entry.bytes = Deno.readFileSync(path);
      this.#charge(entry, entry.bytes.length);
    }
    return entry;
  }

  #charge(entry: CacheEntry, bytes: number): void {
    entry.cost += bytes;
    this.#cachedBytes += bytes;
    for (const [path, oldest] of this.#cache) {
      if (this.#cachedBytes <= CACHE_BYTES || oldest === entry) break;
      this.#cache.delete(path);
      this.#cachedBytes -= oldest.cost;
    }
  }
}

function isMissing(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
    e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.FilesystemLoop;
}
