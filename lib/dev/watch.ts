/**
 * `--dev` on the main thread, which does the I/O: it watches the root, the
 * app's folder and a rules file named by `--config`, lets a burst of events settle (an editor saves in
 * several steps), and says what changed: files under the root (only
 * stylesheets, or more), or the app (anything else in its folder), which
 * the server answers with a reload of its workers.
 *
 * Rule: it watches only folders of its own. Each folder is watched by itself,
 * found by a walk that follows no symlink (a recursive watch followed them: a
 * link to /usr cost 15,777 watches, for files weft refuses to serve), skips
 * what no page or app is made of, and stops at {@linkcode MOST_FOLDERS} with
 * one warning. A burst that created, removed or renamed something walks again.
 *
 * @module
 */

/** What one settled burst of changes touched. */
export interface DevChange {
  /** Something outside the root, in the app's folder (the app's code), or the rules (`weft.json`, `--config`): new workers are needed. */
  app: boolean;
  /** Only stylesheets changed: pages swap them without reloading. */
  cssOnly: boolean;
}

/** How long events must stop before a change is told (ms). */
const SETTLE = 50;
/** Paths no page or app is made of: version control, dependencies, editors' swap and backup files. */
const IGNORED = /(^|\/)(\.git|node_modules)(\/|$)|~$|\.sw[a-p]x?$|(^|\/)\.#/;
/** Folders watched at most (each costs the system a watch); changes in the others are not seen. */
export const MOST_FOLDERS = 4096;

/**
 * The folders under `tops` (themselves included), breadth first, to `most`
 * of them: a symlink is never followed, and ignored folders are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldersUnder } from "./watch.ts";
 * const top = Deno.realPathSync(Deno.makeTempDirSync());
 * Deno.mkdirSync(`${top}/a/b`, { recursive: true });
 * Deno.mkdirSync(`${top}/node_modules/x`, { recursive: true });
 * Deno.symlinkSync("/usr", `${top}/usr`);
 * assert.deepEqual(foldersUnder([top], 10), { folders: [top, `${top}/a`, `${top}/a/b`], capped: false });
 * assert.deepEqual(foldersUnder([top], 2), { folders: [top, `${top}/a`], capped: true });
 * ```
 */
export function foldersUnder(tops: string[], most: number): { folders: string[]; capped: boolean } {
  const folders: string[] = [];
  const pending = [...tops];
  for (let at = 0; at < pending.length; at++) {
    if (folders.length === most) return { folders, capped: true };
    folders.push(pending[at]);
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(pending[at])].sort((a, b) => a.name < b.name ? -1 : 1);
    } catch {
      continue; // gone since, or not readable: nothing of it is served either
    }
    for (const entry of entries) {
      const path = `${pending[at]}/${entry.name}`;
      if (entry.isDirectory && !entry.isSymlink && !IGNORED.test(path)) pending.push(path);
    }
  }
  return { folders, capped: false };
}

/**
 * Watches for `--dev`; `close` stops it.
 *
 * @example
 * ```ts ignore
 * import { DevWatcher } from "./watch.ts";
 * const watcher = new DevWatcher("/srv/site", null, (change) => console.log(change));
 * watcher.close();
 * ```
 */
export class DevWatcher {
  readonly #root: string | null;
  readonly #tops: string[];
  /** The `--config` file, or null; its folder is watched for it alone (an editor may replace the file). */
  readonly #rulesFile: string | null;
  readonly #rulesFolder: string | null;
  readonly #onChange: (change: DevChange) => void;
  #watcher: Deno.FsWatcher | null = null;
  /** The folders watched now, one per line, to tell whether a walk found others. */
  #watched = "";
  #warned = false;
  #changed = new Set<string>();
  /** The burst created, removed or renamed something: the folders may be others now. */
  #moved = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Watches `root`, `appFolder` and `rulesFile` (an absolute path; any may be `null`) and calls `onChange`
   * once a burst settles.
   */
  constructor(
    root: string | null,
    appFolder: string | null,
    onChange: (change: DevChange) => void,
    rulesFile: string | null = null,
  ) {
    this.#root = root;
    this.#onChange = onChange;
    const folders = [root, appFolder].filter((folder) => folder !== null);
    // A folder inside another is walked once, through the outer one.
    this.#tops = [...new Set(folders.filter((f) => !folders.some((o) => o !== f && f.startsWith(`${o}/`))))];
    this.#rulesFile = rulesFile;
    const rulesFolder = rulesFile?.slice(0, rulesFile.lastIndexOf("/")) || null;
    this.#rulesFolder = rulesFolder !== null && !this.#walked(rulesFolder) ? rulesFolder : null;
    this.#watchFolders();
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#timer);
    this.#stopWatcher();
  }

  #watchFolders(): void {
    const { folders, capped } = foldersUnder(this.#tops, MOST_FOLDERS);
    if (capped && !this.#warned) {
      this.#warned = true;
      console.error(
        `weft: --dev watches ${MOST_FOLDERS} folders at most; changes in the others are not seen`,
      );
    }
    if (this.#rulesFolder !== null) folders.push(this.#rulesFolder);
    const watched = folders.join("\n");
    if (watched === this.#watched || folders.length === 0) return;
    this.#watched = watched;
    this.#stopWatcher();
    const watcher = this.#watcher = Deno.watchFs(folders, { recursive: false });
    void this.#listen(watcher);
  }

  #stopWatcher(): void {
    try {
      this.#watcher?.close();
    } catch {
      // Closed already.
    }
  }

  async #listen(watcher: Deno.FsWatcher): Promise<void> {
    for await (const event of watcher) {
      if (event.kind === "access") continue;
      const paths = event.paths.filter((path) =>
        !IGNORED.test(path) && (this.#walked(path) || this.#isRules(path))
      );
      if (paths.length === 0) continue;
      for (const path of paths) this.#changed.add(path);
      if (event.kind === "create" || event.kind === "remove" || event.kind === "rename") this.#moved = true;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#tell(), SETTLE);
    }
  }

  #tell(): void {
    const paths = [...this.#changed];
    this.#changed = new Set();
    // Walked again before telling: what a page asks for next may be in a folder made just now.
    if (this.#moved) this.#watchFolders();
    this.#moved = false;
    const app = paths.some((path) => !this.#underRoot(path) || this.#isRules(path));
    this.#onChange({ app, cssOnly: !app && paths.every((path) => path.endsWith(".css")) });
  }

  #underRoot(path: string): boolean {
    return this.#root !== null && within(path, this.#root);
  }

  /** Whether `path` is in a folder walked (the root, the app's folder, or below). */
  #walked(path: string): boolean {
    return this.#tops.some((top) => within(path, top));
  }

  #isRules(path: string): boolean {
    return path === this.#rulesFile || path === `${this.#root}/weft.json`;
  }
}

/** `path` from the working folder, without `.` or `..` steps (no node:path here: see tests/layout_test.ts). */
function absolute(path: string): string {
  const steps: string[] = [];
  for (const step of (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`).split("/")) {
    if (step === "..") steps.pop();
    else if (step !== "." && step !== "") steps.push(step);
  }
  return `/${steps.join("/")}`;
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/**
 * The watcher for a server's root, app (a local module's folder; an app
 * from a remote URL is not watched) and `--config` file.
 *
 * @example
 * ```ts ignore
 * import { devWatcher } from "./watch.ts";
 * const served = { worker: { root: "/srv/site", app: "file:///srv/app.ts" }, rulesFrom: { file: "weft.json" } };
 * const watcher = devWatcher(served, onChange);
 * ```
 */
export function devWatcher(
  { worker, rulesFrom }: {
    worker: { root: string | null; app: string | null };
    rulesFrom: { file: string | null };
  },
  onChange: (change: DevChange) => void,
): DevWatcher {
  const app = worker.app === null ? null : new URL(worker.app);
  const appFolder = app?.protocol === "file:"
    ? decodeURIComponent(new URL(".", app).pathname).replace(/\/$/, "")
    : null;
  const rulesFile = rulesFrom.file === null ? null : absolute(rulesFrom.file);
  return new DevWatcher(worker.root, appFolder, onChange, rulesFile);
}
