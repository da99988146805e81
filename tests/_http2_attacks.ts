// What one connection sends for each known HTTP/2 attack, made with its own client (its HPACK state): shared by
// tests/http2_attacks_test.ts (does each end as it should) and bench/h2_attacks.ts (what each costs in RSS).
import { encodeFrame, ErrorCode, Flag, FrameType, Setting, words } from "../lib/http2/frame.ts";
import { join, requestFields, TestClient } from "../lib/http2/_test_utils.ts";
import { encodeSettings } from "../lib/http2/settings.ts";

/** Rapid reset (CVE-2023-44487): `count` streams, each opened and reset at once. */
export function rapidReset(client: TestClient, count: number): Uint8Array {
  const pairs = Array.from({ length: count }, (_, i) => [
    client.headers(2 * i + 1, requestFields("/")),
    encodeFrame(FrameType.RST_STREAM, 0, 2 * i + 1, words([ErrorCode.CANCEL])),
  ]);
  return join(client.preface(), ...pairs.flat());
}

/** CONTINUATION flood (CVE-2024-27316): a field block followed by `count` CONTINUATIONs, none ending it. */
export function continuationFlood(client: TestClient, count: number): Uint8Array {
  const flood = Array.from(
    { length: count },
    () => encodeFrame(FrameType.CONTINUATION, 0, 1, new Uint8Array(100)),
  );
  return join(
    client.preface(),
    encodeFrame(FrameType.HEADERS, 0, 1, client.block(requestFields("/"))),
    ...flood,
  );
}

/** Empty frames (CVE-2019-9518): a POST's stream, then `count` DATA frames that carry nothing and end nothing. */
export function emptyData(client: TestClient, count: number): Uint8Array {
  const empties = Array.from({ length: count }, () => encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(0)));
  return join(client.preface(), client.headers(1, requestFields("/", "POST"), Flag.END_HEADERS), ...empties);
}

/** Zero window (CVE-2019-9517): `count` GETs of `path` from a client whose windows start shut. */
export function shutWindow(client: TestClient, count: number, path: string): Uint8Array {
  const streams = Array.from({ length: count }, (_, i) => client.headers(2 * i + 1, requestFields(path)));
  return join(client.preface([[Setting.INITIAL_WINDOW_SIZE, 0]]), ...streams);
}

/** PING flood (CVE-2019-9512): about `size` bytes of PINGs, each asking for an answer. */
export function pingFlood(size: number): Uint8Array {
  return repeated(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)), size);
}

/** SETTINGS flood (CVE-2019-9515): about `size` bytes of SETTINGS, each asking for an ACK. */
export function settingsFlood(size: number): Uint8Array {
  return repeated(
    encodeFrame(FrameType.SETTINGS, 0, 0, encodeSettings([[Setting.HEADER_TABLE_SIZE, 4096]])),
    size,
  );
}

/** The preface, then `frame` over and over, about `size` bytes. */
function repeated(frame: Uint8Array, size: number): Uint8Array {
  const preface = new TestClient().preface();
  const bytes = new Uint8Array(preface.length + Math.ceil(size / frame.length) * frame.length);
  bytes.set(preface);
  for (let at = preface.length; at < bytes.length; at += frame.length) bytes.set(frame, at);
  return bytes;
}
