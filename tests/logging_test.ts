// The access log and the counters see every response weft sends, and nothing a client writes can forge a line.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { exchange, startDeno, weftArgs } from "./_helpers.ts";

const CONTRACT = new URL("./testdata/contract_app.ts", import.meta.url).pathname;
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** The JSON log lines printed so far. */
function logged(
  text: string,
): {
  status: number;
  method: string | null;
  target: string | null;
  bytes: number;
  userAgent: string | null;
}[] {
  return text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

Deno.test("CLI: requests the parser refuses are logged and counted like any other response", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/a.txt`, "a");
  const weft = await startDeno(
    weftArgs(
      "--port",
      "0",
      "--root",
      root,
      "--log-format",
      "json",
      "--metrics",
      "/metrics",
      "--max-request-line",
      "100",
      "--max-header-size",
      "512",
      "--header-timeout",
      "0.5",
    ),
  );
  try {
    const refused: [string, number][] = [
      ["GET /a.txt HTTP/1.1\r\n\r\n", 400], // no Host
      ["G(T /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400], // not a method token
      [`GET /${"a".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(600)}\r\n\r\n`, 431],
      ["GET /a.txt HTTP/1.1\r\nHost : x\r\n\r\n", 400], // whitespace before the colon
      ["GET /a.txt HTTP/1.1\r\nHost: x\r\n", 408], // a head that never ends
    ];
    for (const [request] of refused) await exchange(weft.port, request, 3000);
    await eventually(() => logged(weft.stdout).length >= refused.length);
    const statuses = logged(weft.stdout).map((line) => line.status).sort();
    assert.deepEqual(statuses, refused.map(([, status]) => status).sort());
    const noHost = logged(weft.stdout).find((line) => line.target === "/a.txt");
    assert.equal(noHost?.method, "GET", "a request refused after its head was read names it");
    const page = await (await fetch(`http://127.0.0.1:${weft.port}/metrics`)).text();
    assert.match(page, /^weft_responses_total\{code="400"\} 3$/m);
    for (const code of [408, 414, 431]) {
      assert.match(page, new RegExp(`^weft_responses_total\\{code="${code}"\\} 1$`, "m"));
    }
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CLI: a streamed body's bytes are all counted; control characters, C1 too, are escaped", async () => {
  for (const format of ["combined", "json"]) {
    const weft = await startDeno(weftArgs("--port", "0", "--app", CONTRACT, "--log-format", format));
    try {
      await exchange(weft.port, "GET /slow-stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
      // U+0085 (NEL) splits lines for some readers: a client must not be able to start one.
      const agent = latin1(
        "GET /info HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x85forged\r\nConnection: close\r\n\r\n",
      );
      await exchange(weft.port, agent, 3000);
      await eventually(() => weft.stdout.trim().split("\n").length >= 2);
      // deno-lint-ignore no-control-regex -- looking for control characters is the point
      assert.doesNotMatch(weft.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, format);
      if (format === "json") {
        const [stream, info] = logged(weft.stdout);
        assert.equal(stream.bytes, "first second".length);
        assert.equal(info.userAgent, "a\x85forged");
      } else {
        assert.match(weft.stdout, /"GET \/slow-stream HTTP\/1\.1" 200 12 /);
        assert.match(weft.stdout, /a\\x85forged/);
      }
    } finally {
      await weft.stop();
    }
  }
});
