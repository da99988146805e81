import assert from "node:assert/strict";
import { startDeno, weftArgs } from "./_helpers.ts";

/** Sends requests with these proxy fields to a fresh weft, then returns the `remote` of each JSON log line. */
async function loggedRemotes(flags: string[], requests: Record<string, string>[]): Promise<string[]> {
  const weft = await startDeno(weftArgs("--port", "0", "--log-format", "json", ...flags));
  try {
    for (const headers of requests) {
      const res = await fetch(`http://127.0.0.1:${weft.port}/`, { headers });
      await res.body?.cancel();
    }
  } finally {
    await weft.stop();
  }
  return weft.text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line).remote);
}

const REQUESTS: Record<string, string>[] = [
  { "x-forwarded-for": "198.51.100.7, 203.0.113.5" },
  { "forwarded": 'for=192.0.2.1, for="[2001:db8::5]:8080";proto=https' },
  { "x-forwarded-for": "<script>alert(1)</script>" },
  {},
];

Deno.test("--trust-proxy logs the address the proxy added (the last entry); bogus values fall back to the peer", async () => {
  assert.deepEqual(await loggedRemotes(["--trust-proxy"], REQUESTS), [
    "203.0.113.5",
    "2001:db8::5",
    "127.0.0.1",
    "127.0.0.1",
  ]);
});

Deno.test("without --trust-proxy, forwarded fields are ignored: the peer is logged", async () => {
  assert.deepEqual(await loggedRemotes([], REQUESTS), ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"]);
});
