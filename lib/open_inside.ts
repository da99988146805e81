/**
 * Rule: a file's bytes and metadata are taken only from a file that was
 * found under the root after it was opened. A check made before the open
 * (a real path, trusted for a while) can be defeated by swapping the file
 * for a symlink between the check and the open; so the path is opened first,
 * and the opened file's own name is checked. On Linux that name is the
 * kernel's (`/proc/self/fd/N`), and everything after the check (stat, read,
 * list) goes through it, so it reaches the file that was checked whatever the
 * path has become since. Where `/proc` cannot be read (another system, or
 * Deno may not read it), the check is the path's real path taken after the
 * open, and the opened file must be the one found there (same device and
 * inode); the reads then use that real path.
 *
 * Both threads use it: the worker's file server, and the main thread when it
 * reads a file region (flow rule 10).
 *
 * @module
 */

import { closeSync, fstatSync, openSync, readlinkSync } from "node:fs";

/** A file opened and found under the root: use `via` with Deno's file APIs, then `close`. */
export interface Opened {
  /** The file's canonical path. */
  real: string;
  /** The path that reaches the opened file itself (`/proc/self/fd/N`, or `real` where there is none). */
  via: string;
  /** Closes the descriptor `via` names. */
  close(): void;
}

/** Whether the kernel's names of open files can be read here; found out at the first open. */
let procFds: boolean | null = null;

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
 * assert.equal(Deno.readTextFileSync(opened.via), "a");
 * opened.close();
 * assert.equal(openInside(`${root}/out`, root), "outside");
 * assert.equal(openInside(`${root}/missing`, root), null);
 * ```
 */
export function openInside(path: string, root: string | null): Opened | "outside" | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return missingOrThrow(e);
  }
  try {
    const opened = procFds !== false ? viaProc(fd) : null;
    const checked = opened ?? viaRealPath(path, fd);
    if (checked === null) {
      closeSync(fd);
      return null;
    }
    if (root !== null && checked.real !== root && !checked.real.startsWith(root + "/")) {
      closeSync(fd);
      return "outside";
    }
    return { ...checked, close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The kernel's name of the open file, or null (and never again) where it cannot be read. */
function viaProc(fd: number): { real: string; via: string } | null {
  const via = `/proc/self/fd/${fd}`;
  try {
    const real = readlinkSync(via);
    procFds = true;
    return { real, via };
  } catch (e) {
    if (procFds === true) throw e;
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

/** Null for the errors that mean "nothing is there" for a URL; a permission error as Deno's, for a 403. */
function missingOrThrow(e: unknown): null {
  if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
  if (e instanceof Deno.errors.FilesystemLoop) return null;
  const code = (e as { code?: string })?.code;
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG") return null;
  if (code === "EACCES" || code === "EPERM") throw new Deno.errors.PermissionDenied((e as Error).message);
  throw e;
}
