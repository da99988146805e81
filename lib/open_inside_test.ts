import assert from "node:assert/strict";
import { openInside, regularFile, streamOf } from "./open_inside.ts";

Deno.test("open_inside: once checked, the bytes come from the file opened, whatever its path has become", async () => {
  const root = Deno.realPathSync(await Deno.makeTempDir());
  const outside = Deno.realPathSync(await Deno.makeTempFile());
  try {
    await Deno.writeFile(`${root}/f`, new Uint8Array(200_000).fill(0x49)); // "I"
    await Deno.writeFile(outside, new Uint8Array(200_000).fill(0x53)); // "S"
    const opened = openInside(`${root}/f`, root);
    assert.ok(opened !== null && opened !== "outside");
    // Swapped for a link out of the root after the check (a path resolved again would follow it).
    await Deno.remove(`${root}/f`);
    await Deno.symlink(outside, `${root}/f`);
    assert.deepEqual(opened.version().size, 200_000);
    const head = new Uint8Array(4);
    assert.equal(await opened.readAt(head, 100), 4);
    assert.deepEqual([...head], [0x49, 0x49, 0x49, 0x49]);
    assert.ok(opened.readAll().every((b) => b === 0x49), "readAll");
    const streamed = await new Response(streamOf(regularFile(opened))).bytes();
    assert.ok(streamed.length === 200_000 && streamed.every((b) => b === 0x49), "streamOf");
    assert.equal(openInside(`${root}/f`, root), "outside", "opened afresh, the link is refused");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside);
  }
});
