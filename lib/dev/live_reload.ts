/**
 * Live reload, for `--dev`: pages get a small script that listens on a
 * server-sent-event stream at {@linkcode LIVE_RELOAD_PATH}; a worker keeps
 * its streams in a {@linkcode LiveReload} and sends each change the main
 * thread saw (`ToWorker.Changed`) as one `data:` event. The script reloads
 * the page, or, when only stylesheets changed, swaps them in place.
 *
 * @module
 */

import type { Reply } from "../reply.ts";

/** Where pages listen for changes. */
export const LIVE_RELOAD_PATH = "/__weft/livereload";

/** What changed: only stylesheets (swapped in place), or anything else (the page reloads). */
export interface Change {
  cssOnly: boolean;
}

const encoder = new TextEncoder();

/** The script pages get: reload on a change, or swap stylesheets when only they changed. */
const SCRIPT = `<script>(() => {
  const events = new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});
  events.onmessage = (event) => {
    if (!JSON.parse(event.data).cssOnly) return location.reload();
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("__weft", Date.now());
      link.href = url.href;
    }
  };
})();</script>`;

/**
 * An HTML page with the live-reload script added before `</body>` (or at
 * the end when it has none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withLiveReload } from "./live_reload.ts";
 * const page = new TextDecoder().decode(withLiveReload(new TextEncoder().encode("<body><p>hi</p></body>")));
 * assert.match(page, /^<body><p>hi<\/p><script>.*EventSource.*<\/script><\/body>$/s);
 * ```
 */
export function withLiveReload(html: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(html);
  const at = text.toLowerCase().lastIndexOf("</body>");
  return encoder.encode(at === -1 ? text + SCRIPT : text.slice(0, at) + SCRIPT + text.slice(at));
}

/**
 * The live-reload streams of one worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LiveReload } from "./live_reload.ts";
 * const live = new LiveReload();
 * const reply = live.reply(new AbortController().signal);
 * const reader = (reply.body[0] as ReadableStream<Uint8Array>).getReader();
 * await reader.read(); // the opening comment
 * live.changed({ cssOnly: true });
 * const { value } = await reader.read();
 * assert.equal(new TextDecoder().decode(value), 'data: {"cssOnly":true}\n\n');
 * live.end({ cssOnly: false });
 * ```
 */
export class LiveReload {
  readonly #streams = new Set<ReadableStreamDefaultController<Uint8Array>>();

  /** The event-stream reply for one page; it ends when `signal` aborts (the client left). */
  reply(signal: AbortSignal): Reply {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const forget = () => void this.#streams.delete(controller);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        this.#streams.add(c);
        // A comment first, so the page's EventSource opens at once; `retry` for when the server restarts.
        c.enqueue(encoder.encode(": weft live reload\nretry: 500\n\n"));
      },
      cancel: forget,
    });
    signal.addEventListener("abort", forget, { once: true });
    return {
      status: 200,
      headers: [["Content-Type", "text/event-stream"], ["Cache-Control", "no-store"]],
      body: [body],
      files: [],
      answeredBy: "weft",
    };
  }

  /** Sends `change` to every page. */
  changed(change: Change): void {
    const event = encoder.encode(`data: ${JSON.stringify(change)}\n\n`);
    for (const stream of this.#streams) stream.enqueue(event);
  }

  /**
   * Ends every stream, so no connection is held open: after `change` when the
   * worker is leaving on a reload (its pages load again, from a new worker),
   * without an event when the server shuts down.
   */
  end(change?: Change): void {
    if (change !== undefined) this.changed(change);
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
  }
}
