import assert from "node:assert/strict";
import { fuzzInput, prng } from "./_fuzz.ts";
import { serverTest } from "./_helpers.ts";

serverTest(
  "TCP fuzz: 400 mutated requests on live connections, then a normal request still works",
  async (t) => {
    const random = prng(424242);
    const inputs = Array.from({ length: 400 }, () => fuzzInput(random));
    let answered = 0;
    // 20 connections at a time, each sending one input and half-closing.
    for (let i = 0; i < inputs.length; i += 20) {
      await Promise.all(
        inputs.slice(i, i + 20).map(async (input) => {
          const conn = await Deno.connect({ port: t.port });
          try {
            await conn.write(input).catch(() => 0);
            await conn.closeWrite().catch(() => {});
            let text = "";
            const buf = new Uint8Array(65536);
            for (let n; (n = await conn.read(buf).catch(() => null)) !== null;) {
              text += String.fromCharCode(...buf.subarray(0, n));
            }
            // Whatever came back is well-formed HTTP: a status line per response.
            if (text.length > 0) {
              assert.match(text, /^HTTP\/1\.1 \d{3} /);
              answered++;
            }
          } finally {
            conn.close();
          }
        }),
      );
    }
    assert.ok(answered > 100, `only ${answered} inputs got a response`);
    const res = await fetch(t.url("/"));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "<h1>home</h1>");
  },
  { files: { "index.html": "<h1>home</h1>" } },
);
