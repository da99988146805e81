/**
 * Rule: how a rule's `source` matches a request path, and how a
 * `destination` is filled from what it captured. A pattern is segments
 * between `/`: a literal matches itself, `:name` matches one segment and
 * captures it, `*` matches one segment, and `**` (last only) matches the rest
 * of the path, none included, captured as `*` for a destination to use.
 * Paths are matched as the request gave them after dot segments are
 * removed, without the query.
 *
 * @module
 */

/** A compiled `source` pattern. */
export interface PathPattern {
  /** The pattern as written, for messages. */
  readonly source: string;
  /** The captures of `path`, or `null` if it does not match. */
  match(path: string): Record<string, string> | null;
}

/**
 * Compiles `source`; throws a `SyntaxError` saying what is wrong with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePattern, fill } from "./path_pattern.ts";
 * const blog = compilePattern("/blog/:year/:slug");
 * assert.deepEqual(blog.match("/blog/2026/hello"), { year: "2026", slug: "hello" });
 * assert.equal(blog.match("/blog/2026"), null);
 * const assets = compilePattern("/assets/**");
 * assert.deepEqual(assets.match("/assets/css/site.css"), { "*": "css/site.css" });
 * assert.deepEqual(assets.match("/assets"), { "*": "" });
 * assert.equal(compilePattern("/*.html").match("/a.html"), null); // `*` is a whole segment, not a glob in one
 * assert.equal(fill("/posts/:slug?from=:year", { year: "2026", slug: "hello" }), "/posts/hello?from=2026");
 * assert.equal(fill("/static/*", { "*": "css/site.css" }), "/static/css/site.css");
 * assert.throws(() => compilePattern("blog"), /must start with \//);
 * assert.throws(() => compilePattern("/**\/x"), /only at the end/);
 * ```
 */
export function compilePattern(source: string): PathPattern {
  if (!source.startsWith("/")) throw new SyntaxError(`"${source}" must start with /`);
  const parts = source.split("/").slice(1);
  const rest = parts.indexOf("**");
  if (rest !== -1 && rest !== parts.length - 1) {
    throw new SyntaxError(`"${source}": ** may stand only at the end`);
  }
  for (const part of parts) {
    if (part.startsWith(":") && !/^:[A-Za-z_]\w*$/.test(part)) {
      throw new SyntaxError(`"${source}": ${part} is not a name (letters, digits, _)`);
    }
  }
  const fixed = rest === -1 ? parts : parts.slice(0, rest);
  return {
    source,
    match(path) {
      const segments = path.split("/").slice(1);
      if (rest === -1 ? segments.length !== fixed.length : segments.length < fixed.length) return null;
      const captured: Record<string, string> = {};
      for (let i = 0; i < fixed.length; i++) {
        const part = fixed[i];
        if (part.startsWith(":")) captured[part.slice(1)] = segments[i];
        else if (part !== "*" && part !== segments[i]) return null;
      }
      if (rest !== -1) captured["*"] = segments.slice(fixed.length).join("/");
      return captured;
    },
  };
}

/** `destination` with each `:name` (and `*`) replaced by what was captured under it. */
export function fill(destination: string, captured: Record<string, string>): string {
  return destination.replace(/:([A-Za-z_]\w*)|\*/g, (token, name?: string) => captured[name ?? "*"] ?? token);
}
