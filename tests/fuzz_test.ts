import assert from "node:assert/strict";
import { fuzz } from "./_fuzz.ts";

Deno.test("fuzz: 10,000 seeded inputs give events or typed errors, the same at any split", () => {
  const { inputs, errors } = fuzz(20261124, 10_000);
  assert.equal(inputs, 10_000);
  // Sanity: the mutations reach both outcomes.
  assert.ok(errors > inputs / 10 && errors < inputs * 0.99, `${errors} errors`);
});
