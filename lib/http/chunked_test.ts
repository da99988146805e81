import assert from "node:assert/strict";
import { ChunkedDecoder } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "./limits.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Decodes `text` fed in pieces of `step` bytes; returns body, trailers and leftover. */
function decode(text: string, step = text.length, limits: ParserLimits = DEFAULT_LIMITS) {
  const bytes = enc(text);
  const decoder = new ChunkedDecoder(limits);
  let body = "";
  let start = 0;
  for (let end = Math.min(step, bytes.length);; end = Math.min(end + step, bytes.length)) {
    for (;;) {
      const s = decoder.next(bytes, start, end);
      start += s.consumed;
      if (s.kind === "data") body += dec(s.data);
      else if (s.kind === "end") return { body, trailers: s.trailers, rest: dec(bytes.subarray(start)) };
      else break;
    }
    assert.ok(end < bytes.length, "ran out of input before the last chunk");
  }
}

const BODY = '4\r\nWiki\r\n5;name=value;quoted="a \\"b\\" c"\r\npedia\r\nE ; flag\r\n in\r\n\r\nchunks.\r\n' +
  "0\r\nExpires: never\r\nX-Sum: 1\r\n\r\nGET /next";

Deno.test("decodes chunks, extensions and trailers, and stops at the end", () => {
  const r = decode(BODY);
  assert.equal(r.body, "Wikipedia in\r\n\r\nchunks.");
  assert.deepEqual(r.trailers, [["expires", "never"], ["x-sum", "1"]]);
  assert.equal(r.rest, "GET /next");
});

Deno.test("every split point decodes the same", () => {
  const whole = decode(BODY);
  for (let step = 1; step < 20; step++) assert.deepEqual(decode(BODY, step), whole, `step ${step}`);
});

const BAD: [string, string, number][] = [
  ["a non-hex size", "g\r\n", 400],
  ["a signed size", "-1\r\n", 400],
  ["a size with 0x", "0x5\r\n", 400],
  ["a size overflow", "fffffffffffffffff\r\n", 400],
  ["a size over the body limit", "ffffffff\r\n", 413],
  ["whitespace after the size", "5 \r\nhello\r\n", 400],
  ["whitespace before the size", " 5\r\nhello\r\n", 400],
  ["data longer than its size", "2\r\nabc\r\n0\r\n\r\n", 400],
  ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n", 400],
  ["an unterminated quoted extension", '5;a="b\r\nhello\r\n', 400],
  ["an extension without a name", "5;=b\r\nhello\r\n", 400],
  ["a control byte in an extension", "5;a=\x01\r\nhello\r\n", 400],
  ["a bad trailer", "0\r\nBad Name: x\r\n\r\n", 400],
];

for (const [name, text, status] of BAD) {
  Deno.test(`refuses ${name} with ${status}`, () => {
    assert.throws(
      () => decode(text + "0\r\n\r\n"),
      (e) => e instanceof HttpParseError && e.status === status,
    );
  });
}

Deno.test("the line limits give the same answer at every split: chunk lines and trailer lines", () => {
  const limits = { ...DEFAULT_LIMITS, maxChunkLine: 16, maxHeaderSize: 40 };
  const outcome = (text: string, step: number) => {
    try {
      decode(text, step, limits);
      return "ok";
    } catch (e) {
      if (e instanceof HttpParseError) return e.status;
      throw e;
    }
  };
  const cases: [string, "ok" | number][] = [
    [`5;a=${"b".repeat(10)}\r\nhello\r\n0\r\n\r\n`, "ok"], // a chunk line of 16 bytes, CRLF included
    [`5;a=${"b".repeat(11)}\r\nhello\r\n0\r\n\r\n`, 400], // 17
    [`0\r\nX-A: ${"v".repeat(31)}\r\n\r\n`, "ok"], // a trailer section of 40 bytes, its last CRLF included
    [`0\r\nX-A: ${"v".repeat(32)}\r\n\r\n`, 431], // 41
  ];
  for (const [text, expected] of cases) {
    for (let step = 1; step <= text.length; step++) {
      assert.equal(outcome(text, step), expected, `${JSON.stringify(text)} in pieces of ${step}`);
    }
  }
});
