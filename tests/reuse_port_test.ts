import assert from "node:assert/strict";
import { makeRoot, weftArgs } from "./_helpers.ts";

Deno.test("--reuse-port: two weft processes share one port and both take connections", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const roots = [await makeRoot({ "who.txt": "A" }), await makeRoot({ "who.txt": "B" })];
  const processes = [];
  try {
    for (const root of roots) {
      const [command, ...rest] = weftArgs("--port", String(port), "--root", root, "--reuse-port", "--quiet");
      // --quiet prints no banner for startDeno to wait on: wait for the port instead.
      processes.push(
        new Deno.Command(Deno.execPath(), { args: [command, "--unstable-net", ...rest], stdout: "null" })
          .spawn(),
      );
    }
    const seen = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (seen.size < 2 && Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/who.txt`, { headers: { connection: "close" } });
        seen.add(await res.text());
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.deepEqual([...seen].sort(), ["A", "B"]);
  } finally {
    for (const child of processes) {
      child.kill("SIGTERM");
      await child.status;
    }
    for (const root of roots) await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--reuse-port without Deno's --unstable-net says how to run it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: weftArgs("--port", "0", "--reuse-port"),
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /^weft: --reuse-port needs Deno's --unstable-net flag: deno run --unstable-net/,
  );
});
