import assert from "node:assert/strict";

// Whether `Drop` follows the garbage collector needs a collection on demand: a child Deno with `--expose-gc`.
const CHILD = `
import { FrameType } from "${new URL("../lib/pool/frames.ts", import.meta.url)}";
import { KeptBodies } from "${new URL("./kept_bodies.ts", import.meta.url)}";
const frames = [];
const kept = new KeptBodies({ push: (type, id) => frames.push([type, id]) });
let body = new Uint8Array(100_000);
const key = kept.keyOf(body);
const other = new Uint8Array(50_000);
kept.keyOf(other);
body = null;
for (let deadline = Date.now() + 10_000; !frames.some(([type]) => type === FrameType.Drop) && Date.now() < deadline;) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({ key, frames, bytes: kept.bytes, other: other.length }));
`;

Deno.test("kept bodies: a body the worker let go of is dropped once collected, and only that one", async () => {
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", CHILD],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(child.code, 0);
  const { key, frames, bytes } = JSON.parse(new TextDecoder().decode(child.stdout));
  const { FrameType } = await import("../lib/pool/frames.ts");
  assert.deepEqual(frames, [[FrameType.Keep, key], [FrameType.Keep, key + 1], [FrameType.Drop, key]]);
  assert.equal(bytes, 50_000, "what is still held is still counted");
});
