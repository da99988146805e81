/**
 * What the file server can be asked to do. The same shape is a `serve()`
 * option, a set of CLI flags and part of each worker's init message.
 *
 * @module
 */

/** How paths with a segment starting with `.` are treated. */
export type DotfilesPolicy = "allow" | "deny" | "ignore";

/** File server behaviour. */
export interface FileServerOptions {
  /**
   * `Cache-Control: public, max-age=N` with N seconds; `0` sends `no-cache`,
   * so browsers revalidate every time (and get cheap 304s).
   * @default {0}
   */
  cacheSeconds?: number;
  /**
   * Compress compressible types on the fly (gzip, deflate, brotli), and serve
   * precompressed `.br` / `.gz` siblings.
   * @default {true}
   */
  compress?: boolean;
  /** Answer a folder without `index.html` with a listing of its entries. @default {false} */
  list?: boolean;
  /** Serve the root's `index.html` for unknown paths without an extension. @default {false} */
  spa?: boolean;
  /** Map `/about` to `about.html` when there is no `about`. @default {false} */
  cleanUrls?: boolean;
  /**
   * Dotfiles: `ignore` answers 404 as if absent, `deny` answers 403, `allow`
   * serves them. `/.well-known/` is always served (RFC 8615).
   * @default {"ignore"}
   */
  dotfiles?: DotfilesPolicy;
  /** Serve symlinks that resolve outside the root. @default {false} */
  followSymlinks?: boolean;
  /** Add `Access-Control-Allow-Origin: *` and answer CORS preflight requests. @default {false} */
  cors?: boolean;
}

/** The options with every default filled in. */
export type ResolvedFileServerOptions = Required<FileServerOptions>;

/**
 * Fills in the defaults.
 *
 * @example
 * ```ts
 * import { withDefaults } from "./options.ts";
 * console.log(withDefaults({ cors: true }).dotfiles); // "ignore"
 * ```
 */
export function withDefaults(options: FileServerOptions = {}): ResolvedFileServerOptions {
  return {
    cacheSeconds: options.cacheSeconds ?? 0,
    compress: options.compress ?? true,
    list: options.list ?? false,
    spa: options.spa ?? false,
    cleanUrls: options.cleanUrls ?? false,
    dotfiles: options.dotfiles ?? "ignore",
    followSymlinks: options.followSymlinks ?? false,
    cors: options.cors ?? false,
  };
}
