/**
 * Rule: a file's bytes and metadata are taken only from a file that was
 * found under the root after it was opened. A check made before the open
 * (a real path, trusted for a while) can be defeated by swapping the file
 * for a symlink between the check and the open; so the path is opened first,
 * and the opened file's own name is checked. On Linux that name is the
 * kernel's (`/proc/self/fd/N`), and everything after the check (stat, read,
 * list) goes through it, so it reaches the file that was checked whatever the
 * path has become since. Where `/proc` cannot be read (another system, or
 * Deno may not: it asks for `--allow-all` to read `/proc/self/fd` for a
 * regular file, so this is the common case), the check is the path's real
 * path taken after the open, and the opened file must be the one found there
 * (same device and inode). Bytes are read from the checked descriptor
 * itself (`readAll`, `readAt`, `streamOf`), never by a path resolved again;
 * only metadata and folder listings go through `via`.
 *
 * Both threads use it: the worker's file server, and the main thread when it
 * reads a file region (flow rule 10).
 *
 * @module
 */

import { closeSync, constants, fstatSync, openSync, read, readFileSync, readlinkSync } from "node:fs";

/** A file opened and found under the root: use it, then `close`. */
export interface Opened {
  /** The file's canonical path. */
  real: string;
  /** The path that reaches the opened file itself (`/proc/self/fd/N`), or `real` where there is none. */
  via: string;
  /** Whether the opened file is a regular file (not a folder, a named pipe, a device). */
  isRegularFile(): boolean;
  /** The whole of the opened file, read from its descriptor. */
  readAll(): Uint8Array;
  /** Reads into `buffer` from `position` of the opened file; 0 at its end. */
  readAt(buffer: Uint8Array, position: number): Promise<number>;
  /** The opened file's version: its size and mtime (ms). */
  version(): { size: number; mtime: number };
  /** Closes the descriptor. */
  close(): void;
}

/** False once Deno has refused to read `/proc/self/fd` (it does not change its mind). */
let procFds = true;

/**
 * Opens `path` and checks that the file opened lies under `root` (a real
 * path); with `root` null, anywhere will do (symlinks may leave the root).
 * Returns `"outside"` when it does not, `null` when nothing is there (no such
 * file, a file where a folder was expected, a symlink loop, a name too long).
 * Throws `PermissionDenied` (or Deno's `NotCapable`) for a file that may not
 * be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openInside } from "./open_inside.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.writeTextFileSync(`${root}/a.txt`, "a");
 * Deno.symlinkSync("/etc/hostname", `${root}/out`);
 * const opened = openInside(`${root}/a.txt`, root);
 * assert.ok(opened !== null && opened !== "outside");
 * assert.equal(new TextDecoder().decode(opened.readAll()), "a");
 * opened.close();
 * assert.equal(openInside(`${root}/out`, root), "outside");
 * assert.equal(openInside(`${root}/missing`, root), null);
 * ```
 */
export function openInside(path: string, root: string | null): Opened | "outside" | null {
  let fd: number;
  try {
    // Non-blocking: opening a named pipe for reading would wait for a writer (a stat did not). It changes
    // nothing for a file or a folder.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return missingOrThrow(e);
  }
  let checked: { real: string; via: string } | null;
  try {
    checked = (procFds ? viaProc(fd) : null) ?? viaRealPath(path, fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const inside = (real: string) => root === null || real === root || real.startsWith(root + "/");
  if (checked === null || !inside(checked.real)) {
    closeSync(fd);
    return checked === null ? null : "outside";
  }
  return descriptor(fd, checked);
}

/** What can be done with the checked descriptor `fd`: every byte is read from it. */
function descriptor(fd: number, checked: { real: string; via: string }): Opened {
  return {
    ...checked,
    isRegularFile: () => fstatSync(fd).isFile(),
    readAll: () => readFileSync(fd),
    readAt: (buffer, position) =>
      new Promise((resolve, reject) =>
        read(fd, buffer, 0, buffer.length, position, (e, n) => e ? reject(e) : resolve(n))
      ),
    version: () => {
      const stat = fstatSync(fd);
      return { size: stat.size, mtime: Math.trunc(stat.mtimeMs) };
    },
    close: () => closeSync(fd),
  };
}

/** The kernel's name of the open file, or null (and never again) where it cannot be read. */
function viaProc(fd: number): { real: string; via: string } | null {
  const via = `/proc/self/fd/${fd}`;
  try {
    return { real: readlinkSync(via), via };
  } catch {
    // Not Linux, or Deno's permissions: it refuses a regular file's link without --allow-all, and may allow
    // a named pipe's, so one success proves nothing; one refusal ends the tries.
    procFds = false;
    return null;
  }
}

/** The path's real path now, if the open file is the one there; null when the path no longer leads to it. */
function viaRealPath(path: string, fd: number): { real: string; via: string } | null {
  let real: string;
  let there: Deno.FileInfo;
  try {
    real = Deno.realPathSync(path);
    there = Deno.lstatSync(real);
  } catch (e) {
    return missingOrThrow(e);
  }
  const opened = fstatSync(fd);
  return there.dev === opened.dev && there.ino === opened.ino ? { real, via: real } : null;
}

/**
 * `opened`, once it is found to be a regular file: a named pipe or a device swapped in since it was looked
 * up would block a read. Throws `PermissionDenied` (a 403) otherwise.
 */
export function regularFile(opened: Opened): Opened {
  if (!opened.isRegularFile()) throw new Deno.errors.PermissionDenied(`${opened.real} is not a regular file`);
  return opened;
}

/**
 * The opened file's bytes as a stream, read from its descriptor in 64 KiB chunks; the descriptor closes when
 * the stream ends, fails or is cancelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openInside, streamOf } from "./open_inside.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.writeFileSync(`${root}/a.bin`, new Uint8Array(100_000).fill(7));
 * const opened = openInside(`${root}/a.bin`, root);
 * assert.ok(opened !== null && opened !== "outside");
 * const bytes = await new Response(streamOf(opened)).bytes();
 * assert.equal(bytes.length, 100_000);
 * ```
 */
export function streamOf(opened: Opened): ReadableStream<Uint8Array<ArrayBuffer>> {
  let position = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      const buffer = new Uint8Array(64 * 1024);
      let n: number;
      try {
        n = await opened.readAt(buffer, position);
      } catch (e) {
        opened.close();
        throw e;
      }
      if (n === 0) {
        opened.close();
        return controller.close();
      }
      position += n;
      controller.enqueue(buffer.subarray(0, n));
    },
    cancel: () => opened.close(),
  }, { highWaterMark: 0 });
}

/** Null for the errors that mean "nothing is there" for a URL; a permission error as Deno's, for a 403. */
function missingOrThrow(e: unknown): null {
  if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
  if (e instanceof Deno.errors.FilesystemLoop) return null;
  const code = (e as { code?: string })?.code;
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG") return null;
  if (code === "EACCES" || code === "EPERM") throw new Deno.errors.PermissionDenied((e as Error).message);
  throw e;
}
