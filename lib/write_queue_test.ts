import assert from "node:assert/strict";
import { REGION_CHUNK_FIRST, REGION_CHUNK_MOST } from "./pool/flow.ts";
import { WriteQueue } from "./write_queue.ts";

/** A file of `size` bytes that say where they are, and its version as a worker would name it. */
async function numberedFile(size: number) {
  const path = await Deno.makeTempFile();
  await Deno.writeFile(path, new Uint8Array(size).map((_, i) => (i * 7 + (i >> 16)) % 251));
  const info = await Deno.stat(path);
  return { path, size, mtime: info.mtime!.getTime(), bytes: await Deno.readFile(path) };
}

Deno.test("write queue: a file region is read as it is written, in chunks that grow while the socket keeps up", async () => {
  const file = await numberedFile(5 * 1024 * 1024 + 123);
  const written: Uint8Array[] = [];
  const queue = new WriteQueue({
    write: (p) => Promise.resolve(written.push(p.slice())).then(() => p.length),
  });
  queue.push(new TextEncoder().encode("head"), "write");
  queue.pushRegion({ path: file.path, start: 10, end: file.size - 5, size: file.size, mtime: file.mtime });
  assert.equal(queue.bytes, 4 + file.size - 15);
  assert.equal((await queue.writeNext()).fileWritten, false);
  assert.deepEqual(await queue.writeNext(), { fromWorker: 0, acked: false, freed: [], fileWritten: true });
  assert.equal(queue.bytes, 0);
  const sizes = written.slice(1).map((chunk) => chunk.length);
  assert.equal(sizes[0], REGION_CHUNK_FIRST);
  assert.ok(
    sizes.every((size) => size <= REGION_CHUNK_MOST) && sizes.includes(REGION_CHUNK_MOST),
    `${sizes}`,
  );
  const body = new Uint8Array(sizes.reduce((a, b) => a + b));
  written.slice(1).reduce((at, chunk) => (body.set(chunk, at), at + chunk.length), 0);
  assert.ok(body.every((b, i) => b === file.bytes[i + 10]), "the region's bytes, in order");
  await Deno.remove(file.path);
});

Deno.test("write queue: a slow socket keeps a region's chunks small; a file of another version fails the write", async () => {
  const file = await numberedFile(2 * 1024 * 1024);
  const sizes: number[] = [];
  // A socket that takes 16 KiB per write, as one with a reader behind it does.
  const queue = new WriteQueue({ write: (p) => Promise.resolve(Math.min(p.length, 16 * 1024)) });
  const slow = new WriteQueue({
    write: (p) => {
      sizes.push(p.length);
      return Promise.resolve(Math.min(p.length, 16 * 1024));
    },
  });
  slow.pushRegion({ path: file.path, start: 0, end: file.size, size: file.size, mtime: file.mtime });
  await slow.writeNext();
  assert.ok(Math.max(...sizes) <= REGION_CHUNK_FIRST, "the chunk never grew");
  queue.pushRegion({ path: file.path, start: 0, end: file.size, size: file.size + 1, mtime: file.mtime });
  await assert.rejects(queue.writeNext(), /changed/);
  await Deno.remove(file.path);
});
