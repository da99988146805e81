import assert from "node:assert/strict";
import { fuzz } from "./_fuzz.ts";
import { http2Fuzz } from "./_fuzz_http2.ts";
import { websocketFuzz } from "./_fuzz_websocket.ts";

Deno.test("fuzz: 10,000 seeded inputs give events or typed errors, the same at any split", () => {
  const { inputs, errors } = fuzz(20261124, 10_000);
  assert.equal(inputs, 10_000);
  // Sanity: the mutations reach both outcomes.
  assert.ok(errors > inputs / 10 && errors < inputs * 0.99, `${errors} errors`);
});

Deno.test("fuzz: 10,000 seeded client frame streams give events or a close code, the same at any split", () => {
  const { inputs, errors } = websocketFuzz(20261201, 10_000);
  assert.equal(inputs, 10_000);
  assert.ok(errors > inputs / 10 && errors < inputs * 0.99, `${errors} errors`);
});

Deno.test("fuzz: 10,000 seeded HTTP/2 client sessions give events or GOAWAY, the same at any split", () => {
  const { inputs, errors } = http2Fuzz(20261203, 10_000);
  assert.equal(inputs, 10_000);
  assert.ok(errors > inputs / 10 && errors < inputs * 0.99, `${errors} errors`);
});
