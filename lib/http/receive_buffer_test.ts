import assert from "node:assert/strict";
import { ReceiveBuffer } from "./receive_buffer.ts";

Deno.test("bytes handed out are never written over, whichever way more bytes arrive", () => {
  const input = new ReceiveBuffer();
  input.append(new Uint8Array([1, 2, 3, 4]));
  const borrowed = input.take(2);
  input.settle();
  input.append(new Uint8Array([5, 6]));
  const copied = input.take(3);
  input.append(new Uint8Array(70_000).fill(9));
  input.append(new Uint8Array([7]));
  input.take(10);
  input.append(new Uint8Array(10).fill(8));
  assert.deepEqual([...borrowed], [1, 2]);
  assert.deepEqual([...copied], [3, 4, 5]);
  assert.equal(input.length, 70_002);
});

Deno.test("consumed counts every parsed byte, modulo 2^32", () => {
  const input = new ReceiveBuffer();
  input.append(new Uint8Array(10));
  input.take(4);
  assert.equal(input.consumed, 4);
});
