/**
 * A `Response` from an app, as a {@linkcode Reply} the worker can send.
 *
 * @module
 */

import type { Reply } from "../reply.ts";

const NO_CONTENT = new Set([204, 205, 304]);

/**
 * Turns a `Response` into a reply. A body that is complete after one chunk
 * (a string, bytes, a small blob) gets a `Content-Length`; any other body is
 * streamed (chunked) and each chunk is sent as soon as the app yields it.
 * `Set-Cookie` fields stay separate lines.
 *
 * @example
 * ```ts
 * import { replyFrom } from "./reply.ts";
 * const reply = await replyFrom(new Response("hi", { headers: { "x-a": "1" } }), "GET");
 * console.log(reply.status, reply.contentLength); // 200 2
 * ```
 */
export async function replyFrom(response: Response, method: string): Promise<Reply> {
  const headers: [string, string][] = [];
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers.push([name, value]);
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  const reply: Reply = {
    status: response.status,
    reason: response.statusText || undefined,
    headers,
    body: [],
    files: [],
  };
  if (method === "HEAD" || NO_CONTENT.has(response.status) || response.body === null) {
    await response.body?.cancel();
    const declared = Number(response.headers.get("content-length") ?? NaN);
    reply.contentLength = method === "HEAD" && Number.isSafeInteger(declared) ? declared : 0;
    return reply;
  }
  const reader = response.body.getReader();
  const first = await reader.read();
  if (first.done) {
    reply.contentLength = 0;
    return reply;
  }
  // If the next read is not ready within a turn, the app is still producing:
  // stream what follows rather than wait for it.
  const next = reader.read();
  const settled = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
  if (settled?.done) {
    reply.body = [first.value];
    reply.contentLength = first.value.length;
    return reply;
  }
  reply.body = [first.value, ReadableStream.from(rest(reader, next))];
  return reply;
}

async function* rest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pending: Promise<ReadableStreamReadResult<Uint8Array>>,
): AsyncGenerator<Uint8Array> {
  try {
    for (let step = await pending; !step.done; step = await reader.read()) yield step.value;
  } finally {
    await reader.cancel().catch(() => {});
  }
}
