/**
 * `Range: bytes=…` requests (RFC 9110 §14) and `multipart/byteranges` bodies.
 *
 * @module
 */

/** A byte range, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a Range header asks of a representation of `size` bytes. */
export type RangeRequest =
  | { kind: "ignore" }
  | { kind: "unsatisfiable" }
  | { kind: "ranges"; ranges: ByteRange[] };

/** More ranges than this in one request are not worth honouring: the whole body is sent. */
const MAX_RANGES = 64;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses a Range header against a size. A header with a syntax error or an
 * unknown unit is ignored, as §14.2 allows; overlapping or adjacent ranges are
 * merged (in ascending order), so a request cannot make the body larger
 * than the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./range.ts";
 * assert.deepEqual(parseRange("bytes=0-99", 1000), { kind: "ranges", ranges: [{ start: 0, end: 100 }] });
 * assert.deepEqual(parseRange("bytes=-100", 1000), { kind: "ranges", ranges: [{ start: 900, end: 1000 }] });
 * assert.deepEqual(parseRange("bytes=2000-", 1000), { kind: "unsatisfiable" });
 * ```
 */
export function parseRange(header: string, size: number): RangeRequest {
  const eq = header.indexOf("=");
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "ignore" };
  const specs = header.slice(eq + 1).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: "ignore" };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const m = RANGE_SPEC.exec(spec);
    if (m === null || (m[1] === "" && m[2] === "")) return { kind: "ignore" };
    if (m[1] === "") {
      const suffix = Number(m[2]);
      if (suffix > 0 && size > 0) ranges.push({ start: Math.max(0, size - suffix), end: size });
      continue;
    }
    const start = Number(m[1]);
    const last = m[2] === "" ? Infinity : Number(m[2]);
    if (last < start) return { kind: "ignore" };
    if (start < size) ranges.push({ start, end: Math.min(last + 1, size) });
  }
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  return { kind: "ranges", ranges: merge(ranges) };
}

function merge(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out = [{ ...sorted[0] }];
  for (const r of sorted.slice(1)) {
    const last = out[out.length - 1];
    if (r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** A `multipart/byteranges` body: part heads as bytes, ranges left for the caller to read. */
export interface MultipartBody {
  contentType: string;
  parts: (Uint8Array | ByteRange)[];
  length: number;
}

/**
 * Lays out a `multipart/byteranges` body (RFC 9110 §14.6) for `ranges` of a
 * representation of `size` bytes and type `type`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { multipartBody } from "./range.ts";
 * const body = multipartBody([{ start: 0, end: 2 }, { start: 5, end: 6 }], 10, "text/plain", "XYZ");
 * assert.equal(body.contentType, "multipart/byteranges; boundary=XYZ");
 * ```
 */
export function multipartBody(
  ranges: ByteRange[],
  size: number,
  type: string,
  boundary: string,
): MultipartBody {
  const enc = new TextEncoder();
  const parts: (Uint8Array | ByteRange)[] = [];
  let length = 0;
  for (const r of ranges) {
    const head = enc.encode(
      `\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${
        r.end - 1
      }/${size}\r\n\r\n`,
    );
    parts.push(head, r);
    length += head.length + r.end - r.start;
  }
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  parts.push(tail);
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, length };
}
