/**
 * `--dev` on the main thread, which does the I/O: it watches the root and
 * the app's folder, lets a burst of events settle (an editor saves in
 * several steps), and says what changed: files under the root (only
 * stylesheets, or more), or the app (anything else in its folder), which
 * the server answers with a reload of its workers.
 *
 * @module
 */

/** What one settled burst of changes touched. */
export interface DevChange {
  /** Something outside the root, in the app's folder: the app's code. */
  app: boolean;
  /** Only stylesheets changed: pages swap them without reloading. */
  cssOnly: boolean;
}

/** How long events must stop before a change is told (ms). */
const SETTLE = 50;
/** Paths no page or app is made of: version control, dependencies, editors' swap and backup files. */
const IGNORED = /(^|\/)(\.git|node_modules)(\/|$)|~$|\.sw[a-p]x?$|(^|\/)\.#/;

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
  readonly #watcher: Deno.FsWatcher;
  readonly #root: string | null;

  /** Watches `root` and `appFolder` (either may be `null`) and calls `onChange` once a burst settles. */
  constructor(root: string | null, appFolder: string | null, onChange: (change: DevChange) => void) {
    this.#root = root;
    const folders = [root, appFolder].filter((folder) => folder !== null);
    // A folder inside another is watched once, through the outer one.
    const watched = folders.filter((f) => !folders.some((other) => other !== f && f.startsWith(`${other}/`)));
    this.#watcher = Deno.watchFs([...new Set(watched)], { recursive: true });
    void this.#watch(onChange);
  }

  /** Stops watching. */
  close(): void {
    try {
      this.#watcher.close();
    } catch {
      // Closed already.
    }
  }

  async #watch(onChange: (change: DevChange) => void): Promise<void> {
    let changed = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tell = () => {
      const paths = [...changed];
      changed = new Set();
      const app = paths.some((path) => !this.#underRoot(path));
      onChange({ app, cssOnly: !app && paths.every((path) => path.endsWith(".css")) });
    };
    try {
      for await (const event of this.#watcher) {
        if (event.kind === "access") continue;
        const paths = event.paths.filter((path) => !IGNORED.test(path));
        if (paths.length === 0) continue;
        for (const path of paths) changed.add(path);
        clearTimeout(timer);
        timer = setTimeout(tell, SETTLE);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #underRoot(path: string): boolean {
    return this.#root !== null && (path === this.#root || path.startsWith(`${this.#root}/`));
  }
}

/**
 * The watcher for a server's root and app (a local module's folder; an app
 * from a remote URL is not watched).
 *
 * @example
 * ```ts ignore
 * import { devWatcher } from "./watch.ts";
 * const watcher = devWatcher({ root: "/srv/site", app: "file:///srv/app.ts" }, onChange);
 * ```
 */
export function devWatcher(
  served: { root: string | null; app: string | null },
  onChange: (change: DevChange) => void,
): DevWatcher {
  const app = served.app === null ? null : new URL(served.app);
  const appFolder = app?.protocol === "file:"
    ? decodeURIComponent(new URL(".", app).pathname).replace(/\/$/, "")
    : null;
  return new DevWatcher(served.root, appFolder, onChange);
}
