/**
 * Answers requests from a folder: the static file server that runs in each
 * worker. It decides status, fields and body; framing is the connection's job.
 *
 * @module
 */

import type { RequestTarget } from "../http/request_target.ts";
import { STATUS_TEXT } from "../http/response.ts";
import { contentType } from "./content_type.ts";
import { resolvePath } from "./resolve_path.ts";

/** An open file to stream; the receiver reads it to `size` and closes it. */
export interface FileStream {
  file: Deno.FsFile;
  size: number;
}

/** What the file server answers. */
export interface FileResponse {
  status: number;
  headers: [string, string][];
  /** The content: bytes in memory, a file to stream, or nothing. */
  body: Uint8Array | FileStream | null;
  /** The content's length, also for HEAD, where `body` is `null`. */
  contentLength: number;
}

/** Files up to this size are read in one go and cached; larger ones stream. */
const SMALL_FILE = 64 * 1024;
/** Bytes of small files kept in memory per worker. */
const CACHE_BYTES = 16 * 1024 * 1024;
const ALLOW = "GET, HEAD, OPTIONS";
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

interface CachedFile {
  bytes: Uint8Array;
  mtime: number;
}

/**
 * Serves the files under one root folder.
 *
 * Small files are kept in memory and checked against the disk with one
 * `stat` per request, so an edited file is served at once; a `stat` costs a
 * few microseconds where an open, read and close cost several async steps.
 *
 * @example
 * ```ts ignore
 * import { FileServer } from "./file_server.ts";
 * const files = new FileServer("/srv/www");
 * const res = await files.respond("GET", { path: "/", query: "", authority: null });
 * console.log(res.status); // 200, with index.html
 * ```
 */
export class FileServer {
  readonly #root: string;
  readonly #notFoundPage: string;
  readonly #cache = new Map<string, CachedFile>();
  #cachedBytes = 0;

  /** Serves `root`, an absolute path. */
  constructor(root: string) {
    this.#root = root;
    this.#notFoundPage = root.replace(/\/?$/, "/404.html");
  }

  /** The response to `method` on `target`. */
  async respond(method: string, target: RequestTarget): Promise<FileResponse> {
    if (method !== "GET" && method !== "HEAD") {
      if (method === "OPTIONS") {
        return { status: 204, headers: [["Allow", ALLOW]], body: null, contentLength: 0 };
      }
      const status = KNOWN_METHODS.has(method) ? 405 : 501;
      return text(status, `${status} ${STATUS_TEXT[status]}: ${method} is not served here\n`, [[
        "Allow",
        ALLOW,
      ]]);
    }
    if (target.path[0] !== "/") return text(400, "400 Bad Request: This target is not for GET\n");
    const resolved = resolvePath(this.#root, target.path);
    if (!resolved.ok) {
      return text(
        resolved.status,
        `${resolved.status} ${STATUS_TEXT[resolved.status]}: ${resolved.reason}\n`,
      );
    }
    let path = resolved.path;
    let info = statOrNull(path);
    if (info?.isDirectory) {
      if (!resolved.trailingSlash) {
        const location = target.path + "/" + (target.query ? "?" + target.query : "");
        return text(301, `301 Moved Permanently: ${location}\n`, [["Location", location]]);
      }
      path += "/index.html";
      info = statOrNull(path);
    }
    if (info?.isFile) return await this.#file(200, path, info, method);
    const page = statOrNull(this.#notFoundPage);
    if (page?.isFile) return await this.#file(404, this.#notFoundPage, page, method);
    return {
      status: 404,
      headers: [["Content-Type", "text/html; charset=utf-8"]],
      body: method === "HEAD" ? null : BUILT_IN_404,
      contentLength: BUILT_IN_404.length,
    };
  }

  async #file(status: number, path: string, info: Deno.FileInfo, method: string): Promise<FileResponse> {
    const type = contentType(path);
    const headers: [string, string][] = [["Content-Type", type], ["X-Content-Type-Options", "nosniff"]];
    if (method === "HEAD") return { status, headers, body: null, contentLength: info.size };
    if (info.size > SMALL_FILE) {
      const file = await Deno.open(path);
      return { status, headers, body: { file, size: info.size }, contentLength: info.size };
    }
    const bytes = this.#cached(path, info);
    return { status, headers, body: bytes, contentLength: bytes.length };
  }

  #cached(path: string, info: Deno.FileInfo): Uint8Array {
    const mtime = info.mtime?.getTime() ?? 0;
    const hit = this.#cache.get(path);
    if (hit !== undefined && hit.mtime === mtime && hit.bytes.length === info.size) return hit.bytes;
    const bytes = Deno.readFileSync(path);
    if (hit !== undefined) {
      this.#cache.delete(path);
      this.#cachedBytes -= hit.bytes.length;
    }
    this.#cache.set(path, { bytes, mtime });
    this.#cachedBytes += bytes.length;
    for (const [oldest, entry] of this.#cache) {
      if (this.#cachedBytes <= CACHE_BYTES) break;
      this.#cache.delete(oldest);
      this.#cachedBytes -= entry.bytes.length;
    }
    return bytes;
  }
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (e) {
    if (
      e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
      e instanceof Deno.errors.PermissionDenied
    ) return null;
    throw e;
  }
}

function text(status: number, message: string, headers: [string, string][] = []): FileResponse {
  const body = encoder.encode(message);
  return {
    status,
    headers: [["Content-Type", "text/plain; charset=utf-8"], ...headers],
    body,
    contentLength: body.length,
  };
}
