/**
 * One file as a reply, decided in the order RFC 9110 asks: which
 * representation (a content coding, §12.5.3, unless a range is asked for,
 * §14.2), then the preconditions against that representation's validators
 * (§13.2.2: 412 or 304), then a range (206 or 416, §14), then the body —
 * from the cache when small, from disk when large, compressed as it streams
 * when large and without a precompressed `.br`/`.gz` sibling.
 *
 * @module
 */

import type { ResolvedFileServerOptions } from "../config/options.ts";
import type { FileRegion } from "../pool/frame_payloads.ts";
import { type Reply, textReply } from "../reply.ts";
import { entityTag, evaluatePreconditions, ifRangeHolds, type Validators } from "./conditional.ts";
import { type Coding, COMPRESS_MIN_SIZE, isCompressible, negotiateCoding } from "./compression.ts";
import { contentType } from "./content_type.ts";
import { COMPRESS_CACHE_LIMIT, FileCache, SMALL_FILE } from "./file_cache.ts";
import type { FileLookup, Found } from "./file_lookup.ts";
import { type ByteRange, multipartBody, parseRange } from "./range.ts";

/** A request as the file server sees it. */
export interface FileRequest {
  method: string;
  target: { path: string; query: string };
  /** Request fields by lower-case name, repeated fields joined with `, `. */
  headers: ReadonlyMap<string, string>;
}

/** What a file's path and metadata say about its replies, worked out once per `stat`. */
interface FileFacts {
  type: string;
  mtime: number;
  validators: Validators;
  lastModifiedText: string;
  /** The body depends on `Accept-Encoding`. */
  varies: boolean;
}

const CODINGS: readonly Coding[] = ["br", "gzip", "deflate"];
/** The codings a stream can be compressed with here. */
const STREAM_CODINGS: readonly Coding[] = ["gzip", "deflate"];
const SIBLINGS: Readonly<Partial<Record<Coding, string>>> = { br: ".br", gzip: ".gz" };

/**
 * Makes replies from files found under the root.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileServerOptions } from "../config/options.ts";
 * import { FileLookup } from "./file_lookup.ts";
 * import { FileReplies } from "./file_reply.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.writeTextFileSync(`${root}/a.txt`, "hello");
 * const lookup = new FileLookup(root, false);
 * const replies = new FileReplies(fileServerOptions(), lookup);
 * const request = { method: "GET", target: { path: "/a.txt", query: "" }, headers: new Map([["range", "bytes=1-"]]) };
 * const reply = await replies.reply(200, lookup.file(`${root}/a.txt`)!, request);
 * assert.equal(reply.status, 206);
 * for (const file of reply.files) file.close();
 * ```
 */
export class FileReplies {
  readonly #options: ResolvedFileServerOptions;
  readonly #lookup: FileLookup;
  readonly #cache: FileCache;
  readonly #cacheControl: string;
  readonly #facts = new WeakMap<Deno.FileInfo, FileFacts>();

  /** Replies with `options`, finding files and siblings with `lookup`; `cacheDropped` as for the cache. */
  constructor(
    options: ResolvedFileServerOptions,
    lookup: FileLookup,
    cacheDropped: (body: Uint8Array) => void = () => {},
  ) {
    this.#options = options;
    this.#lookup = lookup;
    this.#cache = new FileCache((path) => lookup.read(path), cacheDropped);
    this.#cacheControl = options.cacheSeconds > 0 ? `public, max-age=${options.cacheSeconds}` : "no-cache";
  }

  /**
   * The reply with `found` as its content. A 200 is the file itself; any other
   * status uses the file as an error page, which has no validators or ranges
   * of its own and is not cached.
   */
  reply(status: number, found: Found, req: FileRequest): Reply {
    const { path, info } = found;
    const facts = this.#factsOf(path, info);
    const resource = status === 200;
    const headers: [string, string][] = [
      ["Content-Type", facts.type],
      ["Cache-Control", resource ? this.#cacheControl : "no-cache"],
      ["X-Content-Type-Options", "nosniff"],
    ];
    if (resource) headers.push(["Last-Modified", facts.lastModifiedText], ["Accept-Ranges", "bytes"]);
    if (facts.varies) headers.push(["Vary", "Accept-Encoding"]);
    const range = resource ? this.#range(req, facts.validators, info.size) : { kind: "ignore" as const };
    const coding = facts.varies && range.kind === "ignore" ? this.#coding(req, path, info.size) : null;
    if (resource) {
      const etag = coding === null ? facts.validators.etag : entityTag(info.size, facts.mtime, coding.coding);
      headers.push(["ETag", etag]);
      const precondition = evaluatePreconditions(req.method, req.headers, { ...facts.validators, etag });
      // RFC 9110 §15.4.5: 304 with the validators a 200 would have, and no content.
      if (precondition === "not-modified") return { status: 304, headers, body: [], files: [] };
      // RFC 9110 §15.5.13: 412 when If-Match or If-Unmodified-Since fails.
      if (precondition === "failed") {
        return textReply(412, "The resource does not match the request's conditions");
      }
    }
    // RFC 9110 §15.5.17: 416 with Content-Range giving the length.
    if (range.kind === "unsatisfiable") {
      return textReply(416, `The file has ${info.size} bytes`, [["Content-Range", `bytes */${info.size}`]]);
    }
    if (range.kind === "ranges") return this.#ranges(headers, found, range.ranges, facts.type);
    if (coding === null) return this.#whole(status, headers, found);
    headers.push(["Content-Encoding", coding.coding]);
    if (coding.sibling !== null) return this.#whole(status, headers, coding.sibling);
    if (info.size <= COMPRESS_CACHE_LIMIT) {
      const bytes = this.#cache.encoded(path, info, coding.coding);
      return {
        status,
        headers,
        body: [bytes],
        contentLength: bytes.length,
        files: [],
        sharedBody: true,
      };
    }
    const stream = this.#lookup.stream(path).pipeThrough(
      new CompressionStream(coding.coding as "gzip" | "deflate"),
    );
    return { status, headers, body: [stream], files: [] };
  }

  /** What a file's path and metadata say about its replies (the same metadata object is reused while trusted). */
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

  /** The range asked for, unless `If-Range` names another version (RFC 9110 §13.1.5). */
  #range(req: FileRequest, validators: Validators, size: number): ReturnType<typeof parseRange> {
    const range = req.headers.get("range");
    const ifRange = req.headers.get("if-range");
    if (range === undefined || (ifRange !== undefined && !ifRangeHolds(ifRange, validators))) {
      return { kind: "ignore" };
    }
    return parseRange(range, size);
  }

  /**
   * The coding to send, and a precompressed sibling that has it. Large files
   * without a sibling are compressed as they stream, which only gzip and
   * deflate do here.
   */
  #coding(req: FileRequest, path: string, size: number): { coding: Coding; sibling: Found | null } | null {
    const accept = req.headers.get("accept-encoding");
    const coding = negotiateCoding(accept, CODINGS);
    if (coding === null) return null;
    const suffix = SIBLINGS[coding];
    const sibling = suffix === undefined ? null : this.#lookup.file(path + suffix);
    if (sibling !== null || size <= COMPRESS_CACHE_LIMIT) return { coding, sibling };
    const streamed = negotiateCoding(accept, STREAM_CODINGS);
    return streamed === null ? null : { coding: streamed, sibling: null };
  }

  /** A 206 with one range, or several as multipart/byteranges (RFC 9110 §14.6). */
  #ranges(
    headers: [string, string][],
    { path, info }: Found,
    ranges: ByteRange[],
    type: string,
  ): Reply {
    this.#lookup.assertReadable(path);
    if (ranges.length === 1) {
      const { start, end } = ranges[0];
      headers.push(["Content-Range", `bytes ${start}-${end - 1}/${info.size}`]);
      return {
        status: 206,
        headers,
        body: [region(path, info, start, end)],
        contentLength: end - start,
        files: [],
      };
    }
    const multipart = multipartBody(ranges, info.size, type, crypto.randomUUID().replaceAll("-", ""));
    headers[0] = ["Content-Type", multipart.contentType];
    const body = multipart.parts.map((p) => p instanceof Uint8Array ? p : region(path, info, p.start, p.end));
    return { status: 206, headers, body, contentLength: multipart.length, files: [] };
  }

  /** The whole of a file as the body: from the cache when small, streamed from disk when large. */
  #whole(
    status: number,
    headers: [string, string][],
    { path, info }: Found,
  ): Reply {
    if (info.size > SMALL_FILE) {
      this.#lookup.assertReadable(path);
      return {
        status,
        headers,
        body: [region(path, info, 0, info.size)],
        contentLength: info.size,
        files: [],
      };
    }
    const bytes = this.#cache.bytes(path, info);
    return { status, headers, body: [bytes], contentLength: bytes.length, files: [], sharedBody: true };
  }
}

/** Bytes `start` to `end` of this version of the file, for the main thread to read and write (flow rule 10). */
function region(path: string, info: Deno.FileInfo, start: number, end: number): FileRegion {
  return { path, start, end, size: info.size, mtime: info.mtime?.getTime() ?? 0 };
}
