/**
 * `Deno.upgradeWebSocket` for apps under weft: the same call and the same
 * result (`{ socket, response }`), so an app written for `deno serve` runs
 * unchanged. The rule it owns: only a request weft received can be
 * upgraded, and only by answering it with the response this returned.
 *
 * @module
 */

import { acceptFields, type Handshake, readHandshake } from "../websocket/handshake.ts";
import { ServerWebSocket, type SocketControl } from "./websocket.ts";

/** Options of `Deno.upgradeWebSocket`. */
export interface UpgradeOptions {
  /** The subprotocol to agree on; it must be one the client offered. */
  protocol?: string;
  /**
   * Seconds of silence after which the client is pinged; as long again
   * without an answer closes the connection (1001). `0`: never. As in Deno,
   * each half is half of this. @default {30}
   */
  idleTimeout?: number;
}

/** An upgrade the app asked for: the socket, and what its connection needs. */
export interface WebSocketUpgrade {
  socket: ServerWebSocket;
  control: SocketControl;
  /** The 101's fields. */
  fields: [string, string][];
  /** Milliseconds; 0 for none. */
  idleTimeout: number;
}

/** What the handler knows of a request that the `Request` does not say. */
export interface UpgradeFacts {
  minorVersion: number;
  hasBody: boolean;
}

const received = new WeakMap<Request, UpgradeFacts>();
const asked = new WeakMap<Request, { response: Response; upgrade: WebSocketUpgrade }>();

/**
 * Marks `request` as one weft received, which an app may upgrade.
 *
 * @example
 * ```ts
 * import { allowUpgrade } from "./upgrade.ts";
 * allowUpgrade(new Request("http://localhost/chat"), { minorVersion: 1, hasBody: false });
 * ```
 */
export function allowUpgrade(request: Request, facts: UpgradeFacts): void {
  received.set(request, facts);
}

/**
 * Upgrades a request to a WebSocket: the app answers with `response`, and
 * `socket` opens once it is sent. Throws a `TypeError` (a
 * `HandshakeError`, answered 400 or 426 if the app lets it through) when
 * the request is not a WebSocket handshake, or `protocol` was not offered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allowUpgrade, upgradeWebSocket } from "./upgrade.ts";
 * const request = new Request("http://localhost/chat", {
 *   headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" },
 * });
 * allowUpgrade(request, { minorVersion: 1, hasBody: false });
 * const { socket, response } = upgradeWebSocket(request);
 * assert.deepEqual([socket.readyState, response.status], [0, 101]);
 * ```
 */
export function upgradeWebSocket(
  request: Request,
  options: UpgradeOptions = {},
): { socket: ServerWebSocket; response: Response } {
  const facts = received.get(request);
  if (facts === undefined) throw new TypeError("Only a request the server received can be upgraded");
  if (asked.has(request)) throw new TypeError("This request has been upgraded already");
  const handshake: Handshake = readHandshake({ method: request.method, headers: request.headers, ...facts });
  const protocol = options.protocol ?? "";
  if (protocol !== "" && !handshake.protocols.includes(protocol)) {
    throw new TypeError(`Protocol '${protocol}' not in the request's protocol list (non negotiable)`);
  }
  const url = new URL(request.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const { socket, control } = ServerWebSocket.create(url.href, protocol);
  const response = new Response(null, { status: 101, statusText: "Switching Protocols" });
  const idleTimeout = (options.idleTimeout ?? 30) * 1000;
  asked.set(request, {
    response,
    upgrade: { socket, control, fields: acceptFields(handshake, protocol), idleTimeout },
  });
  return { socket, response };
}

/**
 * The upgrade `response` answers, if the app upgraded `request` and answered
 * with what it was given. A socket the app asked for and then did not
 * answer with closes (1006).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upgradeFor } from "./upgrade.ts";
 * assert.equal(upgradeFor(new Request("http://localhost/"), new Response("hi")), null);
 * ```
 */
export function upgradeFor(request: Request, response: Response): WebSocketUpgrade | null {
  const entry = asked.get(request);
  if (entry === undefined) return null;
  if (entry.response === response) return entry.upgrade;
  entry.upgrade.control.closed(1006, "The app answered without upgrading", false);
  return null;
}
