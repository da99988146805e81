/**
 * In `--dev` only, an app that throws gets a page that shows the error and
 * its stack, the app's own frames first and weft's and Deno's folded away,
 * as dev servers do (vite, Next.js), and reloads once the app is fixed; without `--dev` a 500 says
 * only that the server failed (RFC 9110 §15.6.1), as stacks can tell an
 * attacker how the app is built.
 *
 * @module
 */

import { escapeHtml } from "../html_page.ts";
import type { Reply } from "../reply.ts";
import { withLiveReload } from "./live_reload.ts";

/**
 * A 500 page that shows `error` and its stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { devErrorReply } from "./error_page.ts";
 * const reply = devErrorReply(new TypeError("x is <undefined>"));
 * const page = new TextDecoder().decode(reply.body[0] as Uint8Array);
 * assert.equal(reply.status, 500);
 * assert.match(page, /TypeError: x is &lt;undefined&gt;/);
 * ```
 */
export function devErrorReply(error: unknown): Reply {
  const text = error instanceof Error ? error.stack ?? `${error.name}: ${error.message}` : String(error);
  const { shown, folded } = appFramesFirst(text);
  const more = folded.length === 0
    ? ""
    : `<details><summary>${folded.length} more frames, in weft and Deno</summary>
<pre>${escapeHtml(folded.join("\n"))}</pre></details>`;
  // With the live-reload script: the page loads again once the app is fixed.
  const body = withLiveReload(new TextEncoder().encode(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>500: the app threw</title>
<style>body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem; } pre { background: #fff3f3; padding: 1rem;
overflow: auto; border-left: 4px solid #c00; }</style></head>
<body>
<h1>The app threw while answering</h1>
<pre>${escapeHtml(shown.join("\n"))}</pre>${more}
<p>weft shows this because it runs with <code>--dev</code>; without it, a 500 says only that the server failed.</p>
</body>
</html>
`));
  return {
    status: 500,
    headers: [["Content-Type", "text/html; charset=utf-8"], ["Cache-Control", "no-store"]],
    body: [body],
    contentLength: body.length,
    files: [],
  };
}

/** weft's own modules (not its examples): frames in them say how weft called the app, not where it went wrong. */
const WEFT = [new URL("../", import.meta.url).href, new URL("../../workers/", import.meta.url).href];

/**
 * A stack's message and the app's frames, then (folded) the frames in weft's modules and Deno's (`ext:`,
 * `node:`, `<anonymous>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appFramesFirst } from "./error_page.ts";
 * const weft = new URL("../../lib/handler.ts", import.meta.url).href;
 * const stack = `Error: boom\n    at fetch (file:///srv/app.ts:3:9)\n    at run (${weft}:1:1)\n    at ext:core/01_core.js:1:1`;
 * const { shown, folded } = appFramesFirst(stack);
 * assert.deepEqual(shown, ["Error: boom", "    at fetch (file:///srv/app.ts:3:9)"]);
 * assert.equal(folded.length, 2);
 * ```
 */
export function appFramesFirst(stack: string): { shown: string[]; folded: string[] } {
  const shown: string[] = [];
  const folded: string[] = [];
  for (const line of stack.split("\n")) {
    const frame = /^\s+at /.test(line);
    const ours = frame &&
      (WEFT.some((folder) => line.includes(folder)) ||
        /\((ext|node):|\bat (ext|node):|<anonymous>/.test(line));
    (ours ? folded : shown).push(line);
  }
  return { shown, folded };
}
