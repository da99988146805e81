import assert from "node:assert/strict";
import { isGivenBack, isOnlyFrame, readFrames } from "./frames.ts";
import { ToSocket, ToWorker } from "./frame_types.ts";
import { Outbox } from "./outbox.ts";
import { SOLO_PAYLOAD } from "./flow.ts";

Deno.test("a large payload's buffer, given back, carries the next large payload: no new buffer (flow rule 8)", async () => {
  const main: ArrayBuffer[] = [];
  const worker: ArrayBuffer[] = [];
  const workerOutbox = new Outbox((buffer) => main.push(buffer));
  const mainOutbox = new Outbox((buffer) => worker.push(buffer));
  const big = new Uint8Array(SOLO_PAYLOAD * 4).fill(7);
  workerOutbox.push(ToSocket.WriteAck, 1, big);
  const first = main.shift()!;
  let written: Uint8Array | null = null;
  readFrames(first, (_type, _id, payload) => (written = payload));
  assert.ok(written !== null && isOnlyFrame(written));

  mainOutbox.push(ToWorker.Written, 1, new Uint8Array(4));
  mainOutbox.giveBack(first);
  await Promise.resolve();
  assert.equal(worker.length, 2, "this turn's frames, then the buffer given back");
  assert.equal(isGivenBack(worker[0]), false);
  assert.equal(isGivenBack(worker[1]), true);
  assert.equal(mainOutbox.posted, 2);
  workerOutbox.reuse(worker[1]);

  const next = new Uint8Array(SOLO_PAYLOAD * 3).fill(9);
  workerOutbox.push(ToSocket.WriteAck, 2, next);
  const second = main.shift()!;
  assert.equal(second, worker[1], "the same buffer came back with the next payload");
  readFrames(second, (type, id, payload) => {
    assert.deepEqual([type, id, payload.length], [ToSocket.WriteAck, 2, next.length]);
    assert.ok(payload.every((b) => b === 9), "no byte of the last payload is left in it");
  });
});

Deno.test("a small frame never takes a given-back buffer", () => {
  const posted: ArrayBuffer[] = [];
  const outbox = new Outbox((buffer) => posted.push(buffer));
  const spare = new ArrayBuffer(SOLO_PAYLOAD * 4);
  outbox.reuse(spare);
  outbox.push(ToSocket.Write, 1, new Uint8Array(100));
  outbox.flush();
  assert.notEqual(posted[0], spare);
});
