import assert from "node:assert/strict";
import { latin1, startServer } from "./_helpers.ts";

const enc = new TextEncoder();
const BIG = new Uint8Array(20 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 12)) % 256);

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return latin1(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

Deno.test("shutdown: a slow 20 MB download completes, idle connections close, new ones are refused", async () => {
  const t = await startServer({ "big.bin": BIG });
  const download = await Deno.connect({ port: t.port });
  const idle = await Deno.connect({ port: t.port });
  try {
    await idle.write(enc.encode("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(64 * 1024);
    assert.ok((await idle.read(buf))! > 0, "idle connection got no first response");

    await download.write(enc.encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    const received: Uint8Array[] = [];
    let total = 0;
    // Read slowly for a while so the download is surely in flight.
    for (let i = 0; i < 5; i++) {
      const n = await download.read(buf.subarray(0, 16 * 1024));
      assert.ok(n !== null);
      received.push(buf.slice(0, n));
      total += n;
      await new Promise((r) => setTimeout(r, 20));
    }
    let finished = false;
    t.server.finished.then(() => (finished = true));
    const closing = t.close();

    // The idle keep-alive connection is closed by the server.
    assert.equal(await idle.read(buf), null);
    await assert.rejects(() => Deno.connect({ port: t.port }), Deno.errors.ConnectionRefused);
    assert.equal(finished, false, "finished before the download completed");

    for (;;) {
      const n = await download.read(buf);
      if (n === null) break;
      received.push(buf.slice(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const r of received) {
      all.set(r, at);
      at += r.length;
    }
    const text = latin1(all.subarray(0, 400));
    const headEnd = text.indexOf("\r\n\r\n") + 4;
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, new RegExp(`Content-Length: ${BIG.length}\r\n`));
    assert.equal(total - headEnd, BIG.length, "download truncated");
    assert.equal(await sha256(all.subarray(headEnd)), await sha256(BIG));
    await closing;
    assert.ok(finished);
  } finally {
    download.close();
    idle.close();
  }
});

Deno.test("shutdown: past the drain timeout, a client that stopped reading is cut off", async () => {
  const t = await startServer({ "big.bin": BIG }, { drainTimeout: 300 });
  const stalled = await Deno.connect({ port: t.port });
  try {
    await stalled.write(enc.encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The download is under way once its first byte arrives.
    assert.ok(await stalled.read(new Uint8Array(1)));
    const started = Date.now();
    await t.close();
    const took = Date.now() - started;
    assert.ok(took >= 250, `finished after ${took} ms, before the drain timeout`);
    // The server closed its side: reading drains what was buffered, then ends.
    const buf = new Uint8Array(1024 * 1024);
    let n: number | null = 0;
    let got = 0;
    while ((n = await stalled.read(buf).catch(() => null)) !== null) got += n;
    assert.ok(got < BIG.length, "the whole file was delivered to a client that never read");
  } finally {
    stalled.close();
  }
});

Deno.test("shutdown: with nothing in flight, finished resolves at once; shutdown() is idempotent", async () => {
  const t = await startServer();
  const res = await fetch(t.url("/"));
  await res.body?.cancel();
  const first = t.server.shutdown();
  assert.equal(t.server.shutdown(), first);
  const started = Date.now();
  await first;
  assert.ok(Date.now() - started < 2000);
  await t.close();
});
