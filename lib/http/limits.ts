/**
 * Size limits the parser enforces. The caller chooses them; the parser never
 * buffers more than they allow.
 *
 * @module
 */

/** Limits on what one request may contain. */
export interface ParserLimits {
  /**
   * Longest request line in bytes; longer → 414 URI Too Long.
   * @default {8192}
   */
  maxRequestLine: number;
  /**
   * Largest header section in bytes, request line included; larger → 431.
   * @default {16384}
   */
  maxHeaderSize: number;
  /**
   * Most field lines in one header section (or trailer section); more → 431.
   * @default {100}
   */
  maxHeaderCount: number;
  /**
   * Largest request body in bytes, by Content-Length or the sum of chunks;
   * larger → 413 Content Too Large.
   * @default {10485760}
   */
  maxBodySize: number;
  /**
   * Longest chunk-size line (size, extensions and CRLF) in bytes; longer → 400.
   * @default {4096}
   */
  maxChunkLine: number;
}

/**
 * The defaults: generous for browsers and API clients, small enough that a
 * hostile client cannot make a worker hold much.
 *
 * @example Raise one limit, keep the rest
 * ```ts
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const limits = { ...DEFAULT_LIMITS, maxBodySize: 100 * 1024 * 1024 };
 * ```
 */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLine: 8192,
  maxHeaderSize: 16384,
  maxHeaderCount: 100,
  maxBodySize: 10 * 1024 * 1024,
  maxChunkLine: 4096,
});
