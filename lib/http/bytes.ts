/**
 * Byte classes and ASCII helpers for the HTTP/1.1 grammar (RFC 9110 §5.6, RFC 9112).
 *
 * Each class is a 256-entry lookup table, so a scan is one indexed load per byte.
 *
 * @module
 */

/** Carriage return. */
export const CR = 0x0d;
/** Line feed. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** Colon, the field name terminator. */
export const COLON = 0x3a;

function table(accepts: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accepts(b) ? 1 : 0;
  return t;
}

const isAlphaNum = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x61 && b <= 0x7a);

/** `tchar` (RFC 9110 §5.6.2): the bytes of methods and field names. */
export const TOKEN: Uint8Array = table((b) =>
  isAlphaNum(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b))
);

/**
 * `field-vchar / SP / HTAB` (RFC 9110 §5.5): VCHAR, obs-text, space and tab.
 * CR, LF, NUL and the other controls are refused.
 */
export const FIELD_VALUE: Uint8Array = table((b) => b === SP || b === HTAB || (b > 0x20 && b !== 0x7f));

/**
 * Bytes allowed in a request target: visible ASCII. The URI grammar is
 * stricter, but browsers send `|`, `^`, `{` and `}` unescaped, and a `#`
 * fragment, which a client should not send, is dropped later rather than
 * refused (as llhttp, nginx and Node do).
 */
export const TARGET: Uint8Array = table((b) => b > 0x20 && b < 0x7f);

/** Hex digit values, or 255 for a byte that is not a hex digit. */
export const HEX_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) t[0x41 + i] = t[0x61 + i] = 10 + i;
  return t;
})();

const SHORT_STRING = 24;

/**
 * Decodes bytes as ISO-8859-1, which is how HTTP field bytes map to JS
 * strings one to one (obs-text survives a round trip).
 */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  // Most field names and values are short: a plain loop beats making a view to spread.
  if (end - start <= SHORT_STRING) {
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/**
 * Writes a string of code units below 256 into `out` at `offset`, one byte
 * each, and returns the offset after it.
 */
export function writeLatin1(out: Uint8Array, offset: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[offset++] = s.charCodeAt(i);
  return offset;
}

/** The arrays one after another in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
