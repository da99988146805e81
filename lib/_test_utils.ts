/**
 * Calling the socketless handler in tests: a request written as HTTP text is
 * parsed by the protocol core, as a worker would, handed to the handler, and
 * the reply is read whole (bytes, file slices and streams).
 *
 * @module
 */

import type { FileServerOptions } from "./config/options.ts";
import { createHandler, type Handler, type HandlerOptions } from "./handler.ts";
import { ServerConnection } from "./http/connection.ts";
import type { Reply } from "./reply.ts";

/** A reply read whole. */
export interface ReadReply {
  status: number;
  /** Fields by lower-case name; repeated ones joined with `, `. */
  headers: Map<string, string>;
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
}

/** A handler that serves `root` with `options` and has no app. */
export function fileHandler(root: string, options: FileServerOptions = {}): Handler {
  return createHandler({ root: Deno.realPathSync(root), files: options, app: null });
}

/** A handler with these options (no root and no app unless given). */
export function handlerWith(options: Partial<HandlerOptions>): Handler {
  return createHandler({ root: null, app: null, ...options });
}

/**
 * Sends `GET path` (or `method`) with `headers` through `handler` and reads
 * the reply. The head is parsed by `ServerConnection`, so a target the
 * parser refuses throws its `HttpParseError`.
 */
export async function call(
  handler: Handler,
  path: string,
  { method = "GET", headers = {}, metricsPage = null, unavailable = null }: {
    method?: string;
    headers?: Record<string, string>;
    metricsPage?: string | null;
    unavailable?: string | null;
  } = {},
): Promise<ReadReply> {
  const protocol = new ServerConnection();
  const fields = Object.entries({ host: "x", ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  protocol.receive(new TextEncoder().encode(`${method} ${path} HTTP/1.1\r\n${fields.join("")}\r\n`));
  const event = protocol.nextEvent();
  if (event.type !== "request") throw new Error(`not a request: ${event.type}`);
  const reply = await handler({ head: event.head, target: event.target, body: null }, {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
    signal: new AbortController().signal,
    completed: Promise.resolve(),
    metricsPage: () => Promise.resolve(metricsPage),
    unavailable,
  });
  return await readReply(reply);
}

/** Reads every part of a reply's body and closes its files. */
export async function readReply(reply: Reply): Promise<ReadReply> {
  const parts: Uint8Array[] = [];
  try {
    for (const part of reply.body) {
      if (part instanceof Uint8Array) parts.push(part);
      else if (part instanceof ReadableStream) {
        parts.push(new Uint8Array(await new Response(part).arrayBuffer()));
      } else {
        const bytes = new Uint8Array(part.end - part.start);
        using file = await Deno.open(part.path);
        await file.seek(part.start, Deno.SeekMode.Start);
        for (let at = 0; at < bytes.length;) at += (await file.read(bytes.subarray(at))) ?? bytes.length;
        parts.push(bytes);
      }
    }
  } finally {
    for (const file of reply.files) file.close();
  }
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (body.set(p, at), at + p.length), 0);
  const headers = new Map<string, string>();
  for (const [name, value] of reply.headers) {
    const key = name.toLowerCase();
    headers.set(key, headers.has(key) ? `${headers.get(key)}, ${value}` : value);
  }
  return { status: reply.status, headers, body, text: new TextDecoder().decode(body) };
}

/**
 * Polls `condition` until it holds; throws after `ms` (a deadline, never a
 * synchronization by sleeping).
 */
export async function eventually(condition: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
