import assert from "node:assert/strict";
import { HttpParseError } from "./errors.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "./limits.ts";
import { type RequestHead, RequestHeadParser } from "./request_head.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const BROWSER = "GET /index.html?q=1 HTTP/1.1\r\n" +
  "Host: localhost:7878\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
  "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n" +
  "Accept-Language: en-US,en;q=0.5\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: a=1; b=2\r\n" +
  "X-Empty:\r\n" +
  "X-Padded: \t spaced value \t \r\n" +
  "\r\n";

/** Feeds `bytes` in the given pieces, returning the head and bytes consumed. */
function parseInPieces(bytes: Uint8Array, cuts: number[], limits: ParserLimits = DEFAULT_LIMITS) {
  const parser = new RequestHeadParser(limits);
  let head: RequestHead | null = null;
  for (const cut of [...cuts, bytes.length]) {
    assert.equal(head, null, "head completed before its last byte");
    head = parser.parse(bytes, 0, cut);
  }
  return { head, consumed: parser.consumed };
}

function parseError(text: string, limits: ParserLimits = DEFAULT_LIMITS): HttpParseError {
  const parser = new RequestHeadParser(limits);
  try {
    parser.parse(enc(text), 0, text.length);
  } catch (e) {
    assert.ok(e instanceof HttpParseError, `not an HttpParseError: ${e}`);
    return e;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

Deno.test("parses a browser request whole", () => {
  const { head, consumed } = parseInPieces(enc(BROWSER), []);
  assert.equal(consumed, BROWSER.length);
  assert.equal(head?.method, "GET");
  assert.equal(head?.target, "/index.html?q=1");
  assert.equal(head?.minorVersion, 1);
  assert.deepEqual(head?.headers.slice(0, 1), [["host", "localhost:7878"]]);
  assert.deepEqual(head?.headers.at(-2), ["x-empty", ""]);
  assert.deepEqual(head?.headers.at(-1), ["x-padded", "spaced value"]);
});

Deno.test("byte-by-byte input parses the same as whole input", () => {
  const bytes = enc(BROWSER);
  const whole = parseInPieces(bytes, []);
  const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(parseInPieces(bytes, cuts), whole);
});

Deno.test("random splits parse the same as whole input (seeded)", () => {
  const bytes = enc(BROWSER);
  const whole = parseInPieces(bytes, []);
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 500; round++) {
    const cuts = [
      ...new Set(
        Array.from(
          { length: 1 + Math.floor(random() * 8) },
          () => 1 + Math.floor(random() * (bytes.length - 1)),
        ),
      ),
    ]
      .sort((a, b) => a - b);
    assert.deepEqual(parseInPieces(bytes, cuts), whole, `cuts ${cuts}`);
  }
});

Deno.test("stops at the end of the head and leaves the body", () => {
  const text = "POST /x HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc";
  const parser = new RequestHeadParser(DEFAULT_LIMITS);
  const head = parser.parse(enc(text), 0, text.length);
  assert.equal(head?.minorVersion, 0);
  assert.equal(parser.consumed, text.length - 3);
});

Deno.test("parses at an offset into a larger buffer", () => {
  const bytes = enc("xxxxGET / HTTP/1.1\r\nHost: a\r\n\r\nyyyy");
  const parser = new RequestHeadParser(DEFAULT_LIMITS);
  assert.equal(parser.parse(bytes, 4, bytes.length - 4)?.target, "/");
  assert.equal(parser.consumed, bytes.length - 8);
});

Deno.test("ignores empty lines before the request line (RFC 9112 §2.2)", () => {
  const text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  assert.equal(new RequestHeadParser(DEFAULT_LIMITS).parse(enc(text), 0, text.length)?.method, "GET");
});

Deno.test("later HTTP/1.x minor versions are read as 1.1's peers", () => {
  const text = "GET / HTTP/1.7\r\nHost: a\r\n\r\n";
  assert.equal(new RequestHeadParser(DEFAULT_LIMITS).parse(enc(text), 0, text.length)?.minorVersion, 7);
});

const MALFORMED: [string, string, number][] = [
  ["bare LF ending", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400],
  ["bare LF in fields", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400],
  ["bare CR in a field value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400],
  ["bare CR in the request line", "GET /\r HTTP/1.1\r\n\r\n", 400],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400],
  ["whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400],
  ["empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400],
  ["non-token name", "GET / HTTP/1.1\r\nFo@o: a\r\n\r\n", 400],
  ["no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400],
  ["NUL in value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400],
  ["DEL in value", "GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n", 400],
  ["space inside the method", "G ET / HTTP/1.1\r\n\r\n", 400],
  ["non-token method", "GE(T / HTTP/1.1\r\n\r\n", 400],
  ["two spaces", "GET  / HTTP/1.1\r\n\r\n", 400],
  ["space in target", "GET /a b HTTP/1.1\r\n\r\n", 400],
  ["non-ASCII target", "GET /\xe9 HTTP/1.1\r\n\r\n", 400],
  ["missing version", "GET /\r\n\r\n", 400],
  ["lower-case version", "GET / http/1.1\r\n\r\n", 400],
  ["version with extra digit", "GET / HTTP/1.10\r\n\r\n", 400],
  ["trailing space after version", "GET / HTTP/1.1 \r\n\r\n", 400],
  ["HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505],
  ["HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505],
];

for (const [name, text, status] of MALFORMED) {
  Deno.test(`refuses ${name} with ${status}`, () => {
    assert.equal(parseError(text).status, status);
  });
}

Deno.test("a request line over the limit is 414, even before it ends", () => {
  const limits = { ...DEFAULT_LIMITS, maxRequestLine: 64 };
  assert.equal(parseError(`GET /${"a".repeat(100)}`, limits).status, 414);
  assert.equal(parseError(`GET /${"a".repeat(100)} HTTP/1.1\r\n\r\n`, limits).status, 414);
});

Deno.test("a header section over the size or count limit is 431", () => {
  assert.equal(parseError(`GET / HTTP/1.1\r\nX: ${"a".repeat(20000)}`).status, 431);
  const many = "GET / HTTP/1.1\r\n" + "X: 1\r\n".repeat(101) + "\r\n";
  assert.equal(parseError(many).status, 431);
});

Deno.test("incomplete input is not an error", () => {
  const parser = new RequestHeadParser(DEFAULT_LIMITS);
  const bytes = enc("GET / HTTP/1.1\r\nHost: a\r\n\r");
  for (let end = 0; end <= bytes.length; end++) assert.equal(parser.parse(bytes, 0, end), null);
});

Deno.test("the reason tells whitespace before a colon from a bad name", () => {
  assert.equal(
    parseError("GET / HTTP/1.1\r\nHost : a\r\n\r\n").message,
    "Whitespace between field name and colon",
  );
  assert.equal(parseError("GET / HTTP/1.1\r\nBad Name: a\r\n\r\n").message, "Invalid field name");
});
