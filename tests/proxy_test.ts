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
  return weft.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line).remote
  );
}

const REQUESTS: Record<string, string>[] = [
  { "x-forwarded-for": "198.51.100.7, 203.0.113.5" },
  { "forwarded": 'for=192.0.2.1, for="[2001:db8::5]:8080";proto=https' },
  // A client writes Forwarded itself in front of a proxy that sets X-Forwarded-For: it must not choose.
  { "forwarded": "for=6.6.6.6", "x-forwarded-for": "203.0.113.9" },
  { "x-forwarded-for": "<script>alert(1)</script>" },
  {},
];

Deno.test("--trust-proxy logs the last entry of X-Forwarded-For, the field the proxy sets, and reads no other", async () => {
  assert.deepEqual(await loggedRemotes(["--trust-proxy"], REQUESTS), [
    "203.0.113.5",
    "127.0.0.1",
    "203.0.113.9",
    "127.0.0.1",
    "127.0.0.1",
  ]);
});

Deno.test("--proxy-header forwarded reads Forwarded (RFC 7239) alone", async () => {
  assert.deepEqual(await loggedRemotes(["--trust-proxy", "--proxy-header", "forwarded"], REQUESTS), [
    "127.0.0.1",
    "2001:db8::5",
    "6.6.6.6",
    "127.0.0.1",
    "127.0.0.1",
  ]);
});

Deno.test("--trusted-proxies: a peer not listed is logged as itself, whatever it sends", async () => {
  const remotes = await loggedRemotes(["--trust-proxy", "--trusted-proxies", "10.0.0.2"], REQUESTS);
  assert.deepEqual(remotes, REQUESTS.map(() => "127.0.0.1"));
  assert.deepEqual(
    await loggedRemotes(["--trust-proxy", "--trusted-proxies", "10.0.0.2,127.0.0.1"], REQUESTS.slice(0, 1)),
    [
      "203.0.113.5",
    ],
  );
});

Deno.test("without --trust-proxy, forwarded fields are ignored: the peer is logged", async () => {
  assert.deepEqual(await loggedRemotes([], REQUESTS), REQUESTS.map(() => "127.0.0.1"));
});
