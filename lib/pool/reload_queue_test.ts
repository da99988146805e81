import assert from "node:assert/strict";
import { ReloadQueue } from "./reload_queue.ts";

Deno.test("a reload asked for during one starts after it, failed or not; asks meanwhile join the waiting one", async () => {
  const queue = new ReloadQueue();
  const events: string[] = [];
  const gates: PromiseWithResolvers<void>[] = [];
  const reload = (name: string) =>
    queue.ask(async () => {
      events.push(`${name} starts`);
      const gate = Promise.withResolvers<void>();
      gates.push(gate);
      await gate.promise;
      events.push(`${name} ends`);
    });
  const first = reload("first");
  await Promise.resolve();
  const second = reload("second");
  assert.equal(reload("third"), second, "an ask while one waits joins it");
  assert.deepEqual(events, ["first starts"]);
  gates[0].reject(new Error("the app did not load"));
  await assert.rejects(first, /did not load/);
  while (gates.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.deepEqual(events, ["first starts", "second starts"]);
  const fourth = reload("fourth");
  assert.notEqual(fourth, second, "an ask while the second runs gets a reload of its own");
  gates[1].resolve();
  await second;
  while (gates.length < 3) await new Promise((resolve) => setTimeout(resolve, 1));
  gates[2].resolve();
  await fourth;
  assert.deepEqual(events, ["first starts", "second starts", "second ends", "fourth starts", "fourth ends"]);
});
