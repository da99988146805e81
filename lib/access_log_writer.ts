/**
 * Writes access log lines to a stream without ever making a request wait:
 * lines are buffered and written in batches; past a bound, lines are dropped
 * and counted, and the count is logged once the writer catches up.
 *
 * @module
 */

/** Where bytes can be written: `Deno.stdout`, `Deno.stderr`, a file. */
export interface Writer {
  write(p: Uint8Array): Promise<number>;
}

/** Lines held unwritten before dropping starts. */
const MAX_BUFFERED = 1024 * 1024;

/**
 * Buffers log bytes for an async writer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AccessLogWriter } from "./access_log_writer.ts";
 * const written: string[] = [];
 * const log = new AccessLogWriter({ write: (p) => Promise.resolve(written.push(new TextDecoder().decode(p)) && p.length) });
 * log.add(new TextEncoder().encode("a line\n"));
 * await log.flushed();
 * assert.deepEqual(written, ["a line\n"]);
 * ```
 */
export class AccessLogWriter {
  readonly #out: Writer;
  readonly #notices: Writer;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #dropped = 0;
  #writing: Promise<void> | null = null;

  /**
   * Writes lines to `out` (e.g. `Deno.stdout`), and says that lines were
   * dropped on `notices` (e.g. `Deno.stderr`), so the log stays lines of its
   * own format only.
   */
  constructor(out: Writer, notices: Writer = out) {
    this.#out = out;
    this.#notices = notices;
  }

  /** Queues bytes (whole lines); drops them if too much is waiting. */
  add(bytes: Uint8Array): void {
    if (this.#size + bytes.length > MAX_BUFFERED) {
      this.#dropped++;
      return;
    }
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    this.#writing ??= this.#drain();
  }

  /** Resolves when everything queued so far has been written. */
  async flushed(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#chunks.length > 0) {
        const batch = new Uint8Array(this.#size);
        let at = 0;
        for (const chunk of this.#chunks) {
          batch.set(chunk, at);
          at += chunk.length;
        }
        this.#chunks = [];
        this.#size = 0;
        for (let done = 0; done < batch.length;) done += await this.#out.write(batch.subarray(done));
        if (this.#dropped > 0) {
          const note = new TextEncoder().encode(
            `weft: ${this.#dropped} access log line(s) dropped: output too slow\n`,
          );
          this.#dropped = 0;
          await this.#notices.write(note).catch(() => 0);
        }
      }
    } catch {
      // The log's stream is gone (a closed pipe): nothing more can be logged.
      this.#chunks = [];
      this.#size = 0;
    } finally {
      this.#writing = null;
    }
  }
}
