// An Exchange against a stand-in response stream, with no socket or frame: what it sends, in what order, and
// what it counts, for a plain answer, HEAD, a streamed body, and a handler that fails before or after the head.
import assert from "node:assert/strict";
import { resolveConfig } from "../lib/config/resolve.ts";
import type { Handler } from "../lib/handler.ts";
import { ServerConnection } from "../lib/http/connection.ts";
import type { RequestEvent } from "../lib/http/events.ts";
import { textReply } from "../lib/reply.ts";
import { Exchange, type ExchangeHost } from "./exchange.ts";
import type { ResponseStream } from "./stream.ts";

const enc = new TextEncoder();

/** Records each call as a line. */
class FakeStream implements ResponseStream {
  readonly calls: string[] = [];
  readonly id = 7;
  readonly remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 40000 };
  isGone = false;
  readonly dataSentAt = Date.now();
  readonly dataReceivedAt = Date.now();
  ended = Promise.withResolvers<void>();
  constructor(readonly method: string) {}
  head(init: { status: number }): void {
    this.calls.push(`head ${init.status}`);
  }
  bytes(part: Uint8Array): void {
    this.calls.push(`bytes ${new TextDecoder().decode(part)}`);
  }
  kept(part: Uint8Array): void {
    this.calls.push(`kept ${part.length}`);
  }
  flush(): void {
    this.calls.push("flush");
  }
  produced(part: Uint8Array): Promise<void> {
    this.calls.push(`produced ${new TextDecoder().decode(part)}`);
    return Promise.resolve();
  }
  region(): Promise<void> {
    this.calls.push("region");
    return Promise.resolve();
  }
  end(): void {
    this.calls.push("end");
  }
  cutOff(): void {
    this.calls.push("cut off");
  }
  upgrade(): void {
    this.calls.push("upgrade");
  }
  bodyPulled(): void {}
  exchangeEnded(): void {
    this.calls.push("exchange ended");
    this.ended.resolve();
  }
}

function request(method: string): RequestEvent {
  const parser = new ServerConnection();
  parser.receive(enc.encode(`${method} /x HTTP/1.1\r\nHost: a\r\n\r\n`));
  const event = parser.nextEvent();
  assert.equal(event.type, "request");
  return event as RequestEvent;
}

/** A host for `handler` that writes what it is told into `counted`. */
function countingHost(handler: Handler, counted: string[]): ExchangeHost {
  return {
    init: { ...resolveConfig({ app: "file:///app.ts" }).worker, secure: false },
    handler,
    shuttingDown: false,
    began: () => counted.push("began"),
    parked: (waiting) => counted.push(waiting ? "parked" : "unparked"),
    ended: (status, bytes) => counted.push(`ended ${status} ${bytes}`),
    metricsPage: () => Promise.resolve(null),
    unavailable: () => null,
  };
}

/** Runs one exchange of `handler` for `method`: the stream's calls and what the host counted. */
async function exchange(handler: Handler, method = "GET"): Promise<{ calls: string[]; counted: string[] }> {
  const counted: string[] = [];
  const host = countingHost(handler, counted);
  const stream = new FakeStream(method);
  const originalError = console.error;
  console.error = () => {};
  try {
    await new Exchange(stream, request(method), host).run();
  } finally {
    console.error = originalError;
  }
  return { calls: stream.calls, counted };
}

Deno.test("exchange: a reply's head, bytes and end go to its stream, and it is counted once", async () => {
  const { calls, counted } = await exchange(() => Promise.resolve(textReply(200, "hello")));
  assert.deepEqual(calls, ["head 200", "bytes 200 OK: hello\n", "end", "exchange ended"]);
  assert.deepEqual(counted, ["began", "ended 200 14"]);
});

Deno.test("exchange: HEAD sends the head alone; a streamed body is flushed, then sent chunk by chunk", async () => {
  const head = await exchange(() => Promise.resolve(textReply(200, "hello")), "HEAD");
  assert.deepEqual(head.calls, ["head 200", "end", "exchange ended"]);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode("a"));
      controller.enqueue(enc.encode("b"));
      controller.close();
    },
  });
  const streamed = await exchange(() =>
    Promise.resolve({ status: 200, headers: [], body: [enc.encode("<"), body], files: [] })
  );
  assert.deepEqual(streamed.calls, [
    "head 200",
    "bytes <",
    "flush",
    "produced a",
    "produced b",
    "end",
    "exchange ended",
  ]);
});

Deno.test("exchange: a handler that throws gets a 500 before the head, a cut-off after it", async () => {
  const before = await exchange(() => Promise.reject(new Error("boom")));
  assert.deepEqual(before.calls.slice(0, 1), ["head 500"]);
  assert.deepEqual(before.counted, ["began", "ended 500 55"]);
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("mid-stream"));
    },
  });
  const after = await exchange(() =>
    Promise.resolve({ status: 200, headers: [], body: [failing], files: [] })
  );
  assert.deepEqual(after.calls, ["head 200", "flush", "cut off", "exchange ended"]);
  assert.deepEqual(after.counted, ["began", "ended 200 0"]);
});

Deno.test("exchange: parked, its place is given back once; abandoned while parked, it is taken again before it ends", () => {
  const counted: string[] = [];
  const parked = new Exchange(
    new FakeStream("GET"),
    request("GET"),
    countingHost(() => new Promise(() => {}), counted),
  );
  parked.park(true);
  parked.park(true);
  parked.park(false);
  parked.park(true);
  parked.abandon("the client went away");
  parked.park(false);
  assert.deepEqual(counted, ["began", "parked", "unparked", "parked", "unparked", "ended 499 0"]);
});
