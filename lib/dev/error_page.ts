/**
 * In `--dev` only, an app that throws gets a page that shows the error and
 * its stack, as dev servers do (vite, Next.js), and reloads once the app is
 * fixed; without `--dev` a 500 says
 * only that the server failed (RFC 9110 §15.6.1), as stacks can tell an
 * attacker how the app is built.
 *
 * @module
 */

import { escapeHtml } from "../files/directory_listing.ts";
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
  // With the live-reload script: the page loads again once the app is fixed.
  const body = withLiveReload(new TextEncoder().encode(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>500: the app threw</title>
<style>body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem; } pre { background: #fff3f3; padding: 1rem;
overflow: auto; border-left: 4px solid #c00; }</style></head>
<body>
<h1>The app threw while answering</h1>
<pre>${escapeHtml(text)}</pre>
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
