import assert from "node:assert/strict";
import { FileCache } from "../lib/files/file_cache.ts";
import { type FrameType, ToPool } from "../lib/pool/frame_types.ts";
import { KeptBodies } from "./kept_bodies.ts";

Deno.test("kept bodies: dropped when the file cache lets go of them (a newer version, or room), not at a collection", async () => {
  const frames: [FrameType, number][] = [];
  const kept = new KeptBodies({ push: (type, id) => frames.push([type, id]) });
  const cache = new FileCache(Deno.readFileSync, (body) => kept.release(body));
  const dir = await Deno.makeTempDir();
  try {
    // A newer version: the old body's copy is dropped at once, and the old body is never kept again.
    await Deno.writeFile(`${dir}/a.bin`, new Uint8Array(100_000));
    const first = cache.bytes(`${dir}/a.bin`, await Deno.stat(`${dir}/a.bin`));
    const key = kept.keyOf(first);
    await Deno.writeFile(`${dir}/a.bin`, new Uint8Array(200_000));
    cache.bytes(`${dir}/a.bin`, await Deno.stat(`${dir}/a.bin`));
    assert.deepEqual(frames, [[ToPool.Keep, key], [ToPool.Drop, key]]);
    assert.equal(kept.keyOf(first), null, "a response still holding it sends its bytes");
    assert.equal(kept.bytes, 0);
    // Room: 40 files of 1 MiB in a 32 MiB cache, each kept as it is sent; what is kept stays under the cache's size.
    for (let i = 0; i < 40; i++) {
      await Deno.writeFile(`${dir}/${i}.bin`, new Uint8Array(1024 * 1024));
      kept.keyOf(cache.bytes(`${dir}/${i}.bin`, await Deno.stat(`${dir}/${i}.bin`)));
      assert.ok(kept.bytes <= 32 * 1024 * 1024, `${kept.bytes} bytes kept after ${i + 1} files`);
    }
    assert.ok(frames.filter(([type]) => type === ToPool.Drop).length >= 8, "the oldest were dropped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
