import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { acceptValue, HandshakeError, readHandshake } from "./handshake.ts";
import { sha1 } from "./sha1.ts";

const GOOD: [string, string][] = [
  ["Upgrade", "WebSocket"],
  ["Connection", "keep-alive, upgrade"],
  ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
  ["Sec-WebSocket-Version", "13"],
];
const request = (headers: [string, string][], more: Partial<Parameters<typeof readHandshake>[0]> = {}) => ({
  method: "GET",
  minorVersion: 1,
  hasBody: false,
  headers,
  ...more,
});
const without = (name: string) => GOOD.filter(([n]) => n !== name);
const replaced = (name: string, value: string): [string, string][] => [...without(name), [name, value]];

Deno.test("SHA-1 agrees with node:crypto at every length around the block boundaries", () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
    assert.equal(
      Buffer.from(sha1(data)).toString("hex"),
      createHash("sha1").update(data).digest("hex"),
      `${length}`,
    );
  }
  assert.equal(acceptValue("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("a handshake is accepted with tokens in any case and lists; subprotocols keep the client's order", () => {
  const handshake = readHandshake(request([...GOOD, ["Sec-WebSocket-Protocol", "v2.chat, v1.chat"]]));
  assert.deepEqual(handshake.protocols, ["v2.chat", "v1.chat"]);
});

Deno.test("each missing or wrong part of a handshake is refused with 400 naming it, a version with 426", () => {
  const cases: [ReturnType<typeof request>, number, RegExp][] = [
    [request(without("Upgrade")), 400, /'upgrade' header must contain 'websocket'/],
    [request(replaced("Upgrade", "h2c")), 400, /'upgrade'/],
    [request(replaced("Connection", "keep-alive")), 400, /'connection' header must contain 'Upgrade'/],
    [request(GOOD, { method: "POST" }), 400, /opened with GET, not POST/],
    [request(GOOD, { minorVersion: 0 }), 400, /HTTP\/1\.1/],
    [request(GOOD, { hasBody: true }), 400, /no content/],
    [request(without("Sec-WebSocket-Key")), 400, /'sec-websocket-key' header must be set/],
    [request(replaced("Sec-WebSocket-Key", "c2hvcnQ=")), 400, /16 bytes in base64/],
    [request([...GOOD, ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="]]), 400, /16 bytes/],
    [request(replaced("Sec-WebSocket-Version", "8")), 426, /must be 13/],
    [request(without("Sec-WebSocket-Version")), 426, /must be 13/],
  ];
  for (const [input, status, message] of cases) {
    assert.throws(() => readHandshake(input), (e) => {
      assert.ok(e instanceof HandshakeError && e instanceof TypeError);
      assert.equal(e.status, status);
      assert.match(e.message, message);
      if (status === 426) assert.deepEqual(e.headers, [["Sec-WebSocket-Version", "13"]]);
      return true;
    });
  }
});
