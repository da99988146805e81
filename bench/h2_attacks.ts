/**
 * RSS under the known HTTP/2 attacks: weft (the CLI, 2 workers) serves a
 * page and a 2 MiB file; each attack runs from many connections at once, held
 * open while the server's RSS is read and another client is answered, then
 * closed. Prints RSS at the start, under each attack and after it.
 *
 *   deno task bench:h2-attacks [--connections 50]
 *
 * Only 127.0.0.1 is targeted; every attack is bounded in bytes and time.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TestClient } from "../lib/http2/_test_utils.ts";
import {
  continuationFlood,
  emptyData,
  pingFlood,
  rapidReset,
  settingsFlood,
  shutWindow,
} from "../tests/_http2_attacks.ts";
import { rssMiB, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { connections: { type: "string", default: "50" } },
});
const CONNECTIONS = Number(values.connections);
const PORT = 9320;
/** The bytes one attacking connection sends (`tests/_http2_attacks.ts`). */
const ATTACKS: Record<string, () => Uint8Array> = {
  "rapid reset, 300 streams": () => rapidReset(new TestClient(), 300),
  "CONTINUATION flood, 200 frames": () => continuationFlood(new TestClient(), 200),
  "empty DATA, 150 frames": () => emptyData(new TestClient(), 150),
  "zero window, 100 streams of 2 MiB": () => shutWindow(new TestClient(), 100, "/big.bin"),
  "PING flood, 8 MB unread": () => pingFlood(8_000_000),
  "SETTINGS flood, 8 MB unread": () => settingsFlood(8_000_000),
};

/** Sends `bytes` on a new connection, never reading: what it sends may stall, as a flood's should. */
async function attacker(bytes: Uint8Array): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
  (async () => {
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at, at + 65536));
  })().catch(() => {});
  return conn;
}

const root = await Deno.makeTempDir({ prefix: "weft-h2-attacks-" });
await Deno.writeTextFile(`${root}/index.html`, "<h1>home</h1>");
await Deno.writeFile(`${root}/big.bin`, new Uint8Array(2 << 20).fill(120));
const top = new URL("..", import.meta.url).pathname;
const weft = spawn(Deno.execPath(), [
  ...["run", WEFT_V8_FLAGS, "--allow-net", "--allow-read", `${top}mod.ts`, root],
  ...["--port", String(PORT), "--quiet", "--workers", "2"],
]);
try {
  await waitForPort(PORT);
  await (await fetch(`http://127.0.0.1:${PORT}/`)).text();
  console.log(`${CONNECTIONS} connections an attack (floods: ${Math.ceil(CONNECTIONS / 5)})\n`);
  console.log("| attack | RSS under it, MiB | RSS after, MiB | another client answered |");
  console.log("| --- | --- | --- | --- |");
  console.log(`| (start) | ${(await rssMiB(weft.pid)).toFixed(0)} | | |`);
  for (const [name, bytes] of Object.entries(ATTACKS)) {
    const count = name.includes("flood, 8") ? Math.ceil(CONNECTIONS / 5) : CONNECTIONS;
    const conns = await Promise.all(Array.from({ length: count }, () => attacker(bytes())));
    // Let the server take what it will of them.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const under = await rssMiB(weft.pid);
    const res = await fetch(`http://127.0.0.1:${PORT}/`);
    const answered = res.status === 200 ? "yes" : `${res.status}: ${(await res.text()).trim()}`;
    for (const conn of conns) conn.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    console.log(`| ${name} | ${under.toFixed(0)} | ${(await rssMiB(weft.pid)).toFixed(0)} | ${answered} |`);
  }
} finally {
  await stop(weft);
  await Deno.remove(root, { recursive: true });
}
