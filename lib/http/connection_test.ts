import assert from "node:assert/strict";
import { ServerConnection } from "./connection.ts";
import { CLOSED, NEED_DATA, PAUSED } from "./events.ts";
import { HttpParseError } from "./errors.ts";
import { http2Required } from "./http2_required.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Feeds `input` in pieces of `step` bytes, answers each request with a
 * 200 whose body names the request, and returns a transcript of events and
 * everything written, with Date fields blanked.
 */
function converse(input: string, step = input.length, eof = true) {
  const conn = new ServerConnection();
  const bytes = enc(input);
  const events: string[] = [];
  let output = "";
  let body = "";
  for (let at = 0; at < bytes.length || eof; at += step) {
    if (at < bytes.length) conn.receive(bytes.slice(at, at + step));
    else {
      conn.receiveEof();
      eof = false;
    }
    for (;;) {
      let event;
      try {
        event = conn.nextEvent();
      } catch (e) {
        assert.ok(e instanceof HttpParseError);
        events.push(`error ${e.status}`);
        output += dec(conn.respondToError(e.status, e.message));
        return { events, output: output.replace(/Date: [^\r]+/g, "Date: -"), conn };
      }
      if (event === NEED_DATA || event === PAUSED) break;
      if (event === CLOSED) {
        events.push("closed");
        return { events, output: output.replace(/Date: [^\r]+/g, "Date: -"), conn };
      }
      if (event.type === "request") {
        events.push(`request ${event.head.method} ${event.head.target}`);
        body = "";
      } else if (event.type === "data") {
        body += dec(event.data);
      } else {
        events.push(`end ${JSON.stringify(body)}`);
        const reply = enc(`you sent ${events.length}`);
        output += dec(conn.respond({ status: 200, contentLength: reply.length }));
        output += dec(conn.sendBody(reply));
        output += dec(conn.endResponse());
        if (conn.mustClose) {
          events.push("must close");
          return { events, output: output.replace(/Date: [^\r]+/g, "Date: -"), conn };
        }
      }
    }
  }
  return { events, output: output.replace(/Date: [^\r]+/g, "Date: -"), conn };
}

const PIPELINE = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
  "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
  "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n" +
  "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" +
  "GET /never HTTP/1.1\r\nHost: a\r\n\r\n";

Deno.test("pipelined requests are answered in order, bodies framed both ways", () => {
  const { events, output } = converse(PIPELINE);
  assert.deepEqual(events, [
    "request GET /1",
    'end ""',
    "request POST /2",
    'end "hello"',
    "request POST /3",
    'end "abcde"',
    "request GET /4",
    'end ""',
    "must close",
  ]);
  assert.equal(output.match(/HTTP\/1\.1 200 OK/g)?.length, 4);
  assert.ok(output.endsWith("Connection: close\r\n\r\nyou sent 8"));
});

Deno.test("any split of a pipeline gives the same events and bytes", () => {
  const whole = converse(PIPELINE);
  for (let step = 1; step <= 40; step++) {
    const split = converse(PIPELINE, step);
    assert.deepEqual(split.events, whole.events, `step ${step}`);
    assert.equal(split.output, whole.output, `step ${step}`);
  }
});

Deno.test("a response carries Date, Server and Content-Length", () => {
  const { output } = converse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(output, "HTTP/1.1 200 OK\r\nDate: -\r\nServer: weft\r\nContent-Length: 10\r\n\r\nyou sent 2");
});

Deno.test("HTTP/1.0 closes by default and keeps alive on request", () => {
  const plain = converse("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
  assert.deepEqual(plain.events.at(-1), "must close");
  assert.match(plain.output, /Connection: close/);
  const kept = converse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
  assert.deepEqual(kept.events, ["request GET /", 'end ""', "request GET /b", 'end ""', "must close"]);
  assert.match(kept.output, /Connection: keep-alive/);
});

Deno.test("a malformed request gets its status and the connection closes", () => {
  const { events, output, conn } = converse(
    "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
  );
  assert.deepEqual(events, ["request GET /", 'end ""', "error 400"]);
  assert.match(output, /HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n400 Bad Request: /);
  assert.equal(conn.mustClose, true);
});

Deno.test("a peer that leaves mid-request is a TRUNCATED error", () => {
  const conn = new ServerConnection();
  conn.receive(enc("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc"));
  assert.equal(conn.nextEvent().type, "request");
  assert.equal(conn.nextEvent().type, "data");
  conn.receiveEof();
  assert.throws(() => conn.nextEvent(), (e) => e instanceof HttpParseError && e.code === "TRUNCATED");
});

Deno.test("a peer that closes between requests ends cleanly", () => {
  assert.deepEqual(converse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").events, [
    "request GET /",
    'end ""',
    "closed",
  ]);
});

/** A connection that has taken `request` and read its first `events` events. */
function reading(request: string, events = 2): ServerConnection {
  const conn = new ServerConnection();
  conn.receive(enc(request));
  for (let i = 0; i < events; i++) conn.nextEvent();
  return conn;
}

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

function respondNow(conn: ServerConnection, init: { status: number; contentLength?: number }, body = "") {
  let out = dec(conn.respond(init));
  out += dec(conn.sendBody(enc(body)));
  out += dec(conn.endResponse());
  return out;
}

Deno.test("HEAD gets the GET headers and no body", () => {
  const conn = reading("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
  const out = respondNow(conn, { status: 200, contentLength: 5 }, "hello");
  assert.match(out, /Content-Length: 5\r\n\r\n$/);
});

Deno.test("a body of unknown length is chunked for 1.1, close-delimited for 1.0", () => {
  const one = reading(GET);
  assert.match(
    respondNow(one, { status: 200 }, "hello"),
    /Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/,
  );
  assert.equal(one.mustClose, false);
  const zero = reading("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const out = respondNow(zero, { status: 200 }, "hello");
  assert.doesNotMatch(out, /Transfer-Encoding|Content-Length/);
  assert.match(out, /Connection: close\r\n\r\nhello$/);
  assert.equal(zero.mustClose, true);
});

Deno.test("204 and 304 carry no body and no framing", () => {
  for (const status of [204, 304]) {
    const conn = reading(GET);
    const out = respondNow(conn, { status }, "dropped");
    assert.doesNotMatch(out, /Content-Length|Transfer-Encoding|dropped/);
  }
});

Deno.test("100-continue: sent when asked for, and a final answer without it closes", () => {
  const request = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  const waiting = reading(request, 1);
  assert.equal(dec(waiting.continueBytes()!), "HTTP/1.1 100 Continue\r\n\r\n");
  assert.equal(waiting.continueBytes(), null);
  assert.equal(waiting.nextEvent(), NEED_DATA);
  waiting.receive(enc("abc"));
  assert.equal(waiting.nextEvent().type, "data");

  const refused = reading(request, 1);
  assert.match(respondNow(refused, { status: 405, contentLength: 0 }), /Connection: close/);
  assert.equal(refused.mustClose, true);
});

Deno.test("an early answer reads and drops the rest of the body, then goes on", () => {
  const conn = reading("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhe", 1);
  assert.doesNotMatch(respondNow(conn, { status: 405, contentLength: 0 }), /Connection: close/);
  assert.equal(conn.nextEvent().type, "data");
  conn.receive(enc("llo" + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"));
  assert.equal(conn.nextEvent().type, "data");
  assert.equal(conn.nextEvent().type, "end");
  const next = conn.nextEvent();
  assert.ok(next.type === "request" && next.head.target === "/next");
});

Deno.test("closeAfterResponse: idle closes now, in-flight ends with Connection: close", () => {
  const idle = new ServerConnection();
  assert.equal(idle.closeAfterResponse(), true);
  const busy = reading(GET, 1);
  assert.equal(busy.closeAfterResponse(), false);
  busy.nextEvent();
  assert.match(respondNow(busy, { status: 200, contentLength: 0 }), /Connection: close/);
  assert.equal(busy.mustClose, true);
});

Deno.test("a short fixed-length body marks the connection to close", () => {
  const conn = reading(GET);
  conn.respond({ status: 200, contentLength: 10 });
  conn.sendBody(enc("short"));
  assert.throws(() => conn.sendBody(enc("too long now")), /longer than its Content-Length/);
  conn.endResponse();
  assert.equal(conn.mustClose, true);
});

Deno.test("caller framing fields are replaced, and field injection is refused", () => {
  const conn = reading(GET, 1);
  const head = dec(conn.respond({
    status: 200,
    contentLength: 0,
    headers: [["Content-Length", "99"], ["Transfer-Encoding", "chunked"], ["X-A", "b"]],
  }));
  assert.doesNotMatch(head, /99|chunked/);
  assert.match(head, /X-A: b\r\n/);
  const other = reading(GET, 1);
  assert.throws(() => other.respond({ status: 200, headers: [["X", "a\r\nSet-Cookie: evil=1"]] }), TypeError);
});

Deno.test("phase follows the exchange: idle, head, body, response, idle", () => {
  const conn = new ServerConnection();
  assert.equal(conn.phase, "idle");
  conn.receive(enc("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"));
  assert.equal(conn.nextEvent(), NEED_DATA);
  assert.equal(conn.phase, "head");
  conn.receive(enc("\r\nx"));
  conn.nextEvent();
  conn.nextEvent();
  assert.equal(conn.phase, "body");
  conn.receive(enc("y"));
  conn.nextEvent();
  conn.nextEvent();
  assert.equal(conn.phase, "response");
  respondNow(conn, { status: 200, contentLength: 0 });
  assert.equal(conn.phase, "idle");
});

Deno.test("the HTTP/2 preface, whole or at any split, is answered in HTTP/2: SETTINGS, GOAWAY(HTTP_1_1_REQUIRED)", () => {
  // RFC 9113 §3.4, with a client SETTINGS frame after it, as prior-knowledge clients send.
  const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
  const answer = dec(http2Required("This server speaks HTTP/1.1 only"));
  for (let step = 1; step <= preface.length; step++) {
    const { events, output } = converse(preface, step);
    assert.deepEqual(events, ["error 505"], `step ${step}`);
    assert.equal(output, answer, `step ${step}`);
  }
  // Any other HTTP/2.0 request line is an HTTP/1 client's mistake: a 505 it can read.
  assert.match(converse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").output, /^HTTP\/1\.1 505 /);
});
