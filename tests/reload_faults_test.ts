// Reload under faults: a runaway handler stays watched through a reload, a load that hangs ends its
// reload with one line, and a SIGHUP during a reload gets a reload of its own.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { startDeno, type StartedProcess, weftArgs } from "./_helpers.ts";
import { within } from "./_websocket.ts";

/** An app that answers `version` (and spins for ever on /spin); `load` runs first, as the module loads. */
const appSource = (version: string, load = "") =>
  `${load}
export default {
  fetch(request: Request): Response {
    if (new URL(request.url).pathname === "/spin") for (;;) { /* a runaway handler */ }
    return new Response(${JSON.stringify(version)});
  },
};
`;

/** Runs `test` against weft serving an app in a folder of its own, then stops weft and removes the folder. */
async function withApp(
  flags: string[],
  test: (weft: StartedProcess, app: string, get: () => Promise<string>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const app = `${dir}/app.ts`;
  await Deno.writeTextFile(app, appSource("v1"));
  const weft = await startDeno(weftArgs("--port", "0", "--app", app, "--workers", "1", ...flags));
  const get = () => fetch(`http://127.0.0.1:${weft.port}/`).then((r) => r.text());
  try {
    await test(weft, app, get);
  } finally {
    await weft.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("reload: a worker stuck in a handler stays watched after a reload replaces it: weft exits 1", async () => {
  await withApp(["--handler-timeout", "0.5"], async (weft) => {
    // The spinning worker leaves its slot at once; it used to leave the health check with it, and a core
    // spun for ever after "reloaded".
    const spin = fetch(`http://127.0.0.1:${weft.port}/spin`).then((r) => r.body?.cancel(), () => {});
    weft.child.kill("SIGHUP");
    const status = await within(weft.child.status, "weft exits", 20_000);
    await spin;
    await weft.rest();
    assert.equal(status.code, 1);
    assert.match(weft.stderr, /weft: worker 1 has answered nothing for .*weft must be restarted/);
  });
});

Deno.test("reload: an app that hangs while loading ends its reload at --load-timeout; the next SIGHUP loads the fix", async () => {
  await withApp(["--load-timeout", "3"], async (weft, app, get) => {
    await Deno.writeTextFile(app, appSource("v2", "await new Promise(() => {});"));
    weft.child.kill("SIGHUP");
    await eventually(() => weft.stderr.includes("reload failed"), 15_000);
    assert.match(
      weft.stderr,
      /weft: reload failed, the old workers serve on: .*the app did not load within 3 s \(--load-timeout\)\n/,
    );
    assert.equal(await get(), "v1");
    await Deno.writeTextFile(app, appSource("v3"));
    weft.child.kill("SIGHUP");
    await eventually(async () => await get() === "v3", 15_000);
    assert.match(weft.stderr, /weft: reloaded\n/);
  });
});

Deno.test("reload: a SIGHUP during a reload starts another after it, which loads the newer edit", async () => {
  await withApp([], async (weft, app, get) => {
    await Deno.writeTextFile(
      app,
      appSource("v2", 'console.error("v2 loading");\nawait new Promise((r) => setTimeout(r, 1000));'),
    );
    weft.child.kill("SIGHUP");
    // The reload under way has read v2; the edit to v3 comes after, and must not be lost.
    await eventually(() => weft.stderr.includes("v2 loading"), 15_000);
    await Deno.writeTextFile(app, appSource("v3"));
    weft.child.kill("SIGHUP");
    await eventually(async () => await get() === "v3", 20_000);
    await eventually(() => weft.stderr.split("weft: reloaded\n").length === 3, 5_000);
  });
});

Deno.test("reload: a download that outlasts --drain-timeout is finished by the main thread, not cut", async () => {
  const root = await Deno.makeTempDir();
  const size = 24 * 1024 * 1024;
  await Deno.writeFile(`${root}/big.bin`, new Uint8Array(size).map((_, i) => i % 251));
  const weft = await startDeno(
    weftArgs("--port", "0", "--root", root, "--workers", "1", "--drain-timeout", "0.2"),
  );
  const conn = await Deno.connect({ port: weft.port });
  try {
    await conn.write(new TextEncoder().encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(1024 * 1024);
    let read = 0;
    let head = "";
    // Read the head and a little, then nothing until the old worker is gone (nginx's old workers finish theirs).
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      assert.notEqual(n, null);
      head += new TextDecoder("latin1").decode(buf.subarray(0, n!));
      read += n!;
    }
    let got = read - (head.indexOf("\r\n\r\n") + 4);
    weft.child.kill("SIGHUP");
    await eventually(() => weft.stderr.includes("weft: reloaded\n"), 15_000);
    for (let n: number | null = 0; got < size && n !== null; got += n ?? 0) n = await conn.read(buf);
    assert.equal(got, size, "the whole file arrived");
  } finally {
    conn.close();
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("reload: an app that loops in its top level ends the reload at --load-timeout, and weft exits 1", async () => {
  await withApp(["--handler-timeout", "0.5", "--load-timeout", "3"], async (weft, app) => {
    // A loading worker may answer nothing for a while (its modules are fetched): the load timeout decides, and
    // one that also answered nothing that long is stuck. A thread Deno cannot stop must not spin on.
    await Deno.writeTextFile(app, appSource("v2", "for (;;) { /* never loads */ }"));
    weft.child.kill("SIGHUP");
    const status = await within(weft.child.status, "weft exits", 20_000);
    await weft.rest();
    assert.equal(status.code, 1);
    assert.match(
      weft.stderr,
      /weft: worker 1 has answered nothing for .* while loading: .*weft must be restarted/,
    );
  });
});
