// A file or folder swapped for a symlink out of the root, right after it was served: the next requests get the
// old bytes (from the cache), or a refusal, never the bytes the link leads to (nginx's `disable_symlinks on`).
// Until weft checked the opened file, a real path was trusted for a second and the swap was followed.
import assert from "node:assert/strict";
import { serverTest, startDeno } from "./_helpers.ts";

const LARGE = 2 * 1024 * 1024;

/** Replaces `path` with a symlink to `target` in one rename, as an attacker with write access to the root would. */
async function swapForLink(path: string, target: string): Promise<void> {
  await Deno.symlink(target, `${path}.link`);
  const info = await Deno.lstat(path);
  if (info.isDirectory) await Deno.rename(path, `${path}.old`);
  await Deno.rename(`${path}.link`, path);
}

/** Undoes `swapForLink`. */
async function swapBack(path: string, content: string | Uint8Array): Promise<void> {
  await Deno.remove(path);
  if (await Deno.lstat(`${path}.old`).then(() => true, () => false)) {
    return await Deno.rename(`${path}.old`, path);
  }
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
}

/**
 * Waits until `url` serves `body`: a path found outside is trusted for a second, and a large file rewritten
 * within the 100 ms its metadata is trusted is cut off (the main thread finds another version than the head's).
 */
async function servedAgain(url: string, body: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (let text = ""; text !== body;) {
    assert.ok(Date.now() < deadline, `${url}: not served again 5 s after the swap back`);
    text = await fetch(url).then((response) => response.text()).catch(() => "");
  }
}

serverTest("a file or folder swapped for a symlink out of the root is never followed", async (t) => {
  const outside = await Deno.makeTempDir({ prefix: "weft-outside-" });
  try {
    await Deno.writeTextFile(`${outside}/small.txt`, "TOP SECRET");
    await Deno.writeFile(`${outside}/large.bin`, new Uint8Array(LARGE).fill(0x53)); // "S"
    await Deno.mkdir(`${outside}/sub`);
    await Deno.writeTextFile(`${outside}/sub/x.txt`, "TOP SECRET");
    const cases: [string, string, string | Uint8Array][] = [
      ["/small.txt", "small.txt", "inside"],
      ["/large.bin", "large.bin", new Uint8Array(LARGE).fill(0x49)], // "I"
      ["/sub/x.txt", "sub", "inside"],
    ];
    for (const [url, name, content] of cases) {
      const served = typeof content === "string" ? content : new TextDecoder().decode(content);
      for (let round = 0; round < 3; round++) {
        await servedAgain(t.url(url), served);
        await swapForLink(`${t.root}/${name}`, `${outside}/${name}`);
        // The first requests may still get the file from before the swap (its metadata is trusted for
        // 100 ms); then a refusal. Never the target's bytes.
        const deadline = Date.now() + 5000;
        for (let refused = false; !refused;) {
          assert.ok(Date.now() < deadline, `${url}: still served 5 s after the swap`);
          const response = await fetch(t.url(url)).catch((e) => e as Error);
          const body = response instanceof Error ? "" : await response.text().catch(() => "");
          assert.ok(
            !body.includes("TOP SECRET") && !body.includes("SSSS"),
            `${url}, round ${round}: the target's bytes`,
          );
          if (response instanceof Error) continue; // a large body cut off once its file led out
          refused = response.status === 403 || response.status === 404;
          if (!refused) assert.equal(body, served, `${url}: the file from before the swap`);
        }
        await swapBack(`${t.root}/${name}`, content);
      }
    }
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
}, {
  files: { "small.txt": "inside", "large.bin": new Uint8Array(LARGE).fill(0x49), "sub/x.txt": "inside" },
});

Deno.test("where Deno may not read /proc (--allow-read=ROOT), the check falls back to the real path and the file's identity", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  await Deno.writeTextFile(`${root}/a.txt`, "inside");
  await Deno.writeFile(`${root}/large.bin`, new Uint8Array(LARGE).fill(0x49));
  await Deno.symlink("/etc/hostname", `${root}/out.txt`);
  const repo = new URL("..", import.meta.url).pathname;
  const weft = await startDeno([
    "run",
    "--allow-net",
    `--allow-read=${root},${repo}`,
    `${repo}mod.ts`,
    "--port",
    "0",
    "--root",
    root,
  ]);
  try {
    const get = (path: string) => fetch(`http://127.0.0.1:${weft.port}${path}`);
    assert.equal(await (await get("/a.txt")).text(), "inside");
    const out = await get("/out.txt");
    await out.body?.cancel();
    assert.equal(out.status, 403);
    assert.equal((await (await get("/large.bin")).bytes()).filter((b) => b === 0x49).length, LARGE);
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

serverTest(
  "a named pipe in the root is 404 at once, and a file swapped for one is refused, never waited on",
  async (t) => {
    await new Deno.Command("mkfifo", { args: [`${t.root}/pipe`] }).output();
    // Opening a pipe for reading waits for a writer: a blocking open would hold the worker for good.
    const pipe = await fetch(t.url("/pipe"), { signal: AbortSignal.timeout(5000) });
    await pipe.body?.cancel();
    assert.equal(pipe.status, 404);
    assert.equal(await (await fetch(t.url("/small.txt"))).text(), "inside");
    // Swapped for a pipe: the bytes cached from before (its metadata is trusted for 100 ms), then a refusal;
    // no request waits on the pipe.
    await Deno.remove(`${t.root}/small.txt`);
    await new Deno.Command("mkfifo", { args: [`${t.root}/small.txt`] }).output();
    for (let status = 200, deadline = Date.now() + 5000; status === 200;) {
      assert.ok(Date.now() < deadline, "still served 5 s after the swap");
      const swapped = await fetch(t.url("/small.txt"), { signal: AbortSignal.timeout(5000) });
      const body = await swapped.text();
      status = swapped.status;
      assert.ok(status === 200 ? body === "inside" : [403, 404].includes(status), `${status} ${body}`);
    }
  },
  // One worker: the pipe and the file are looked up by the same one (Deno refuses /proc for one, not the other).
  { files: { "small.txt": "inside" }, options: { workers: 1 } },
);
