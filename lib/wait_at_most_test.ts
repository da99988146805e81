import assert from "node:assert/strict";
import { waitAtMost } from "./wait_at_most.ts";

Deno.test("waitAtMost returns when the promise settles, or gives up at the time limit", async () => {
  let t = performance.now();
  await waitAtMost(Promise.resolve(), 5_000);
  assert.ok(performance.now() - t < 1_000);
  await waitAtMost(Promise.reject(new Error("no matter")), 5_000);
  t = performance.now();
  await waitAtMost(new Promise(() => {}), 30);
  assert.ok(performance.now() - t >= 25);
});
