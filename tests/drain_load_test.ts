import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { startDeno, weftArgs } from "./_helpers.ts";

const BODY = 200_000;
/** Complete responses so far, over every client. */
let served = 0;

/**
 * One keep-alive client: requests the file again and again until the server
 * closes. Counts complete responses, and responses that began but were cut.
 */
async function client(port: number): Promise<{ complete: number; truncated: number }> {
  const conn = await Deno.connect({ port });
  const request = new TextEncoder().encode("GET /file.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  const buf = new Uint8Array(256 * 1024);
  let complete = 0;
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      if ((await conn.write(request).catch(() => null)) === null) return { complete, truncated: 0 };
      // Read one response: head, then Content-Length bytes.
      let need = -1;
      for (;;) {
        if (need === -1) {
          const text = String.fromCharCode(...pending.subarray(0, Math.min(pending.length, 1024)));
          const end = text.indexOf("\r\n\r\n");
          if (end !== -1) {
            const length = Number(/Content-Length: (\d+)/.exec(text)?.[1]);
            need = end + 4 + length;
          }
        }
        if (need !== -1 && pending.length >= need) {
          pending = pending.slice(need);
          complete++;
          served++;
          break;
        }
        const n = await conn.read(buf).catch(() => null);
        if (n === null) return { complete, truncated: pending.length > 0 ? 1 : 0 };
        const grown = new Uint8Array(pending.length + n);
        grown.set(pending);
        grown.set(buf.subarray(0, n), pending.length);
        pending = grown;
      }
    }
  } finally {
    conn.close();
  }
}

Deno.test("under load, SIGTERM: every response that began completes, and the process exits in time", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeFile(`${root}/file.bin`, new Uint8Array(BODY).fill(7));
  const weft = await startDeno(
    weftArgs("--port", "0", "--root", root, "--drain-timeout", "5"),
  );
  try {
    const port = weft.port;
    const clients = Array.from({ length: 32 }, () => client(port));
    // Under load: every client has had answers, and more are on their way.
    await eventually(() => served >= 320, 20_000);
    const signalled = Date.now();
    const stopping = weft.stop();
    const results = await Promise.all(clients);
    const status = await stopping;
    const took = Date.now() - signalled;
    const complete = results.reduce((n, r) => n + r.complete, 0);
    const truncated = results.reduce((n, r) => n + r.truncated, 0);
    console.log(
      `drain under load: ${complete} complete responses, ${truncated} truncated, exit after ${took} ms`,
    );
    assert.equal(truncated, 0);
    assert.ok(complete > 32, `only ${complete} responses`);
    assert.equal(status.code, 0);
    assert.ok(took < 5000 + 2000, `exit took ${took} ms`);
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});
