/**
 * The opening handshake (RFC 6455 §4.2): whether a request asks for a
 * WebSocket in a way the server can accept, and the fields of the `101`
 * that accepts it. A request that does not is answered with the status the
 * error carries: 426 with the version spoken for another version (§4.2.2),
 * 400 for the rest (§4.2.1).
 *
 * @module
 */

import { sha1 } from "./sha1.ts";

/** The key's suffix that proves the server read the handshake (RFC 6455 §1.3). */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** A key is 16 random bytes in base64 (RFC 6455 §4.1): 22 characters and `==`. */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** What the handshake needs of a request. */
export interface HandshakeRequest {
  method: string;
  /** The HTTP minor version. */
  minorVersion: number;
  /** Its fields, names in any case; a field given twice may come twice. */
  headers: Iterable<[string, string]>;
  /** Whether it has content. */
  hasBody: boolean;
}

/** An acceptable handshake: the key to answer, and the subprotocols the client offers, in its order. */
export interface Handshake {
  key: string;
  protocols: string[];
}

/**
 * A request that cannot be upgraded, and the status to answer it with. A
 * `TypeError`, as `Deno.upgradeWebSocket` throws one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HandshakeError } from "./handshake.ts";
 * const e = new HandshakeError(426, "Sec-WebSocket-Version must be 13");
 * assert.ok(e instanceof TypeError);
 * assert.deepEqual(e.headers, [["Sec-WebSocket-Version", "13"]]);
 * ```
 */
export class HandshakeError extends TypeError {
  /** 400, or 426 for a version the server does not speak. */
  readonly status: 400 | 426;
  /** Fields the answer carries: the version spoken, with 426 (RFC 6455 §4.4). */
  readonly headers: [string, string][];

  /** An error with its status and a reason that names the field. */
  constructor(status: 400 | 426, message: string) {
    super(message);
    this.name = "HandshakeError";
    this.status = status;
    this.headers = status === 426 ? [["Sec-WebSocket-Version", "13"]] : [];
  }
}

/**
 * Checks a request's opening handshake (RFC 6455 §4.2.1): an HTTP/1.1 `GET`
 * without content, `Upgrade: websocket`, `Connection: Upgrade`, a
 * `Sec-WebSocket-Key` of 16 bytes in base64, and `Sec-WebSocket-Version:
 * 13`. Throws {@linkcode HandshakeError} naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHandshake } from "./handshake.ts";
 * const handshake = readHandshake({
 *   method: "GET",
 *   minorVersion: 1,
 *   hasBody: false,
 *   headers: [
 *     ["upgrade", "websocket"],
 *     ["connection", "keep-alive, Upgrade"],
 *     ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="],
 *     ["sec-websocket-version", "13"],
 *     ["sec-websocket-protocol", "chat, superchat"],
 *   ],
 * });
 * assert.deepEqual(handshake, { key: "dGhlIHNhbXBsZSBub25jZQ==", protocols: ["chat", "superchat"] });
 * ```
 */
export function readHandshake(request: HandshakeRequest): Handshake {
  const values = new Map<string, string[]>();
  for (const [name, value] of request.headers) {
    const key = name.toLowerCase();
    values.set(key, [...values.get(key) ?? [], value]);
  }
  const tokens = (name: string) => (values.get(name) ?? []).flatMap(splitList);
  if (!tokens("upgrade").some((t) => t.toLowerCase().split("/")[0] === "websocket")) {
    throw new HandshakeError(400, "Invalid Header: 'upgrade' header must contain 'websocket'");
  }
  if (!tokens("connection").some((t) => t.toLowerCase() === "upgrade")) {
    throw new HandshakeError(400, "Invalid Header: 'connection' header must contain 'Upgrade'");
  }
  if (request.method !== "GET") {
    throw new HandshakeError(400, `A WebSocket is opened with GET, not ${request.method}`);
  }
  if (request.minorVersion < 1) throw new HandshakeError(400, "A WebSocket needs HTTP/1.1");
  if (request.hasBody) throw new HandshakeError(400, "A WebSocket handshake has no content");
  const keys = values.get("sec-websocket-key") ?? [];
  if (keys.length === 0) {
    throw new HandshakeError(400, "Invalid Header: 'sec-websocket-key' header must be set");
  }
  if (keys.length > 1 || !KEY.test(keys[0].trim())) {
    throw new HandshakeError(400, "Invalid Header: 'sec-websocket-key' must be 16 bytes in base64");
  }
  const versions = tokens("sec-websocket-version");
  if (versions.length !== 1 || versions[0] !== "13") {
    throw new HandshakeError(426, "Sec-WebSocket-Version must be 13");
  }
  return { key: keys[0].trim(), protocols: tokens("sec-websocket-protocol") };
}

/**
 * The `Sec-WebSocket-Accept` value for a key (RFC 6455 §4.2.2): the base64
 * SHA-1 of the key and the protocol's GUID.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptValue } from "./handshake.ts";
 * // RFC 6455 §1.3's example.
 * assert.equal(acceptValue("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
 * ```
 */
export function acceptValue(key: string): string {
  return btoa(String.fromCharCode(...sha1(new TextEncoder().encode(key + GUID))));
}

/**
 * The fields of the `101 Switching Protocols` that accepts `handshake`
 * (RFC 6455 §4.2.2), with the subprotocol chosen, if any. No extension is
 * agreed: `permessage-deflate` is declined by not naming it (RFC 7692 §5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptFields } from "./handshake.ts";
 * const fields = acceptFields({ key: "dGhlIHNhbXBsZSBub25jZQ==", protocols: ["chat"] }, "chat");
 * assert.deepEqual(fields.map(([name]) => name), ["Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol"]);
 * ```
 */
export function acceptFields(handshake: Handshake, protocol?: string): [string, string][] {
  const fields: [string, string][] = [
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", acceptValue(handshake.key)],
  ];
  if (protocol) fields.push(["Sec-WebSocket-Protocol", protocol]);
  return fields;
}

/** A comma-separated list's items (RFC 9110 §5.6.1), trimmed, empty ones left out. */
function splitList(value: string): string[] {
  return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
}
