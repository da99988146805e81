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
  }, null);
  queue.push(new TextEncoder().encode("head"), "write");
  queue.pushRegion({ path: file.path, start: 10, end: file.size - 5, size: file.size, mtime: file.mtime });
  assert.deepEqual(
    [queue.bytes, queue.fileBytes],
    [4, file.size - 15],
    "the region is on disk, not in memory",
  );
  assert.equal((await queue.writeNext()).fileWritten, false);
  assert.deepEqual(await queue.writeNext(), { fromWorker: 0, acked: false, freed: [], fileWritten: true });
  assert.deepEqual([queue.bytes, queue.fileBytes], [0, 0]);
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
  const queue = new WriteQueue({ write: (p) => Promise.resolve(Math.min(p.length, 16 * 1024)) }, null);
  const slow = new WriteQueue({
    write: (p) => {
      sizes.push(p.length);
      return Promise.resolve(Math.min(p.length, 16 * 1024));
    },
  }, null);
  slow.pushRegion({ path: file.path, start: 0, end: file.size, size: file.size, mtime: file.mtime });
  await slow.writeNext();
  assert.ok(Math.max(...sizes) <= REGION_CHUNK_FIRST, "the chunk never grew");
  queue.pushRegion({ path: file.path, start: 0, end: file.size, size: file.size + 1, mtime: file.mtime });
  await assert.rejects(queue.writeNext(), /changed/);
  await Deno.remove(file.path);
});

Deno.test("write queue: a region whose path now leads out of the root is never read", async () => {
  const root = Deno.realPathSync(await Deno.makeTempDir());
  const outside = await numberedFile(100_000);
  const inside = await numberedFile(100_000);
  await Deno.rename(inside.path, `${root}/f`);
  const written: Uint8Array[] = [];
  const queue = new WriteQueue({
    write: (p) => Promise.resolve(written.push(p.slice())).then(() => p.length),
  }, root);
  const region = { path: `${root}/f`, start: 0, end: 100_000, size: 100_000, mtime: inside.mtime };
  queue.pushRegion(region);
  assert.equal((await queue.writeNext()).fileWritten, true);
  const chunks = written.length;
  // The file is swapped for a link to one of the same size and time: only where it lies tells them apart.
  await Deno.utime(outside.path, new Date(inside.mtime), new Date(inside.mtime));
  await Deno.remove(`${root}/f`);
  await Deno.symlink(outside.path, `${root}/f`);
  queue.pushRegion(region);
  await assert.rejects(queue.writeNext(), /leads outside/);
  assert.equal(written.length, chunks);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(outside.path);
});

Deno.test("write queue: a region whose file is now a named pipe is refused, not waited on", async () => {
  const dir = Deno.realPathSync(await Deno.makeTempDir());
  await new Deno.Command("mkfifo", { args: [`${dir}/f`] }).output();
  const queue = new WriteQueue({ write: (p) => Promise.resolve(p.length) }, dir);
  queue.pushRegion({ path: `${dir}/f`, start: 0, end: 10, size: 10, mtime: 0 });
  await assert.rejects(queue.writeNext(), /not a regular file/);
  await Deno.remove(dir, { recursive: true });
});
