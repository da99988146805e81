/**
 * Finding a path on disk, through symlinks, never outside the root unless
 * told to. Where a path leads (or that it leads nowhere) is trusted for a
 * second: a `realpath` costs about twice a `stat`, and a missing path costs an
 * exception. A found file's `stat` is trusted for 100 ms, which under load
 * saves a system call per request (hello: about +15% req/s) while an edit
 * still shows at once to a person; a new file shows within a second.
 *
 * @module
 */

/** How long where a path leads is trusted (ms), and how many such paths are kept. */
const REAL_PATH_TTL = 1000;
const REAL_PATH_ENTRIES = 10_000;
/** How long a file's metadata is trusted (ms): an edit shows within this time. */
const STAT_TTL = 100;

/** A file or folder found on disk: its canonical path and metadata. */
export interface Found {
  path: string;
  info: Deno.FileInfo;
}

/** Where a requested path leads, and that file's metadata, each with the time it is trusted until. */
interface RealPath {
  path: string | null;
  until: number;
  info: Deno.FileInfo | null;
  infoUntil: number;
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
  readonly #root: string;
  readonly #followSymlinks: boolean;
  readonly #realPaths = new Map<string, RealPath>();

  /** Looks under `root` (a real path); `followSymlinks` lets links lead out of it. */
  constructor(root: string, followSymlinks: boolean) {
    this.#root = root;
    this.#followSymlinks = followSymlinks;
  }

  /**
   * Finds `path` through symlinks; `"outside"` when it resolves out of the
   * root and that is refused. A path that may not be read throws
   * (`PermissionDenied`, or `NotCapable` under Deno's permissions).
   */
  find(path: string): Found | "outside" | null {
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
    if (!this.#followSymlinks && real.path !== this.#root && !real.path.startsWith(this.#root + "/")) {
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

  /** Like `find`, for a regular file only. */
  file(path: string): Found | null {
    const found = this.find(path);
    return found !== null && found !== "outside" && found.info.isFile ? found : null;
  }
}

/**
 * Errors that mean "nothing is there" for a URL: no such file, a file where a
 * folder was expected, a symlink loop, a name the file system refuses as too
 * long. A permission error is not one: the file server answers it with 403.
 */
function isMissing(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
    e instanceof Deno.errors.FilesystemLoop || (e as { code?: string })?.code === "ENAMETOOLONG";
}
