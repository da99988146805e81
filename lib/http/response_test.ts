import assert from "node:assert/strict";
import { currentHttpDate, hasNoContent, httpDate, serializeResponseHead } from "./response.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("serializes a status line, fields in order, and the empty line", () => {
  const bytes = serializeResponseHead({
    status: 404,
    headers: [["A", "1"], ["a", "2"], ["Set-Cookie", "x=1; Path=/"]],
  });
  assert.equal(dec(bytes), "HTTP/1.1 404 Not Found\r\nA: 1\r\na: 2\r\nSet-Cookie: x=1; Path=/\r\n\r\n");
});

Deno.test("a custom reason, and an empty one for an unknown status", () => {
  assert.match(
    dec(serializeResponseHead({ status: 200, reason: "Fine", headers: [] })),
    /^HTTP\/1\.1 200 Fine\r\n/,
  );
  assert.match(dec(serializeResponseHead({ status: 599, headers: [] })), /^HTTP\/1\.1 599 \r\n/);
});

Deno.test("keeps obs-text in values byte for byte", () => {
  const bytes = serializeResponseHead({ status: 200, headers: [["X", "caf\u00e9"]] });
  assert.ok(bytes.includes(0xe9));
});

Deno.test("refuses what would split the response", () => {
  for (
    const bad of [
      { status: 200, headers: [["X", "a\r\nY: b"]] },
      { status: 200, headers: [["X", "a\nb"]] },
      { status: 200, headers: [["Bad Name", "a"]] },
      { status: 200, headers: [["", "a"]] },
      { status: 200, headers: [["X", "snow\u2603"]] },
      { status: 200, reason: "OK\r\nX: y", headers: [] },
      { status: 99, headers: [] },
      { status: 200.5, headers: [] },
    ] as const
  ) {
    assert.throws(
      () => serializeResponseHead({ ...bad, headers: [...bad.headers] as [string, string][] }),
      TypeError,
    );
  }
});

Deno.test("Date is an IMF-fixdate", () => {
  assert.equal(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37)), "Sun, 06 Nov 1994 08:49:37 GMT");
  assert.match(currentHttpDate(), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
});

Deno.test("no content for HEAD, 1xx, 204 and 304", () => {
  assert.deepEqual(
    [hasNoContent("HEAD", 200), hasNoContent("GET", 101), hasNoContent("GET", 204), hasNoContent("GET", 304)],
    [true, true, true, true],
  );
  assert.equal(hasNoContent("GET", 200), false);
});

Deno.test("every registered status is sent with its reason phrase", () => {
  const missing = [
    203,
    205,
    207,
    300,
    402,
    407,
    418,
    421,
    423,
    424,
    425,
    426,
    428,
    451,
    506,
    507,
    508,
    510,
    511,
  ]
    .filter((status) =>
      !/^HTTP\/1\.1 \d{3} \S/.test(new TextDecoder().decode(serializeResponseHead({ status, headers: [] })))
    );
  assert.deepEqual(missing, []);
  assert.match(
    new TextDecoder().decode(serializeResponseHead({ status: 418, headers: [] })),
    /^HTTP\/1\.1 418 I'm a teapot\r\n/,
  );
});
