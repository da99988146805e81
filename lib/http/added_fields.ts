/**
 * Fields the operator adds to every response (`--header "Name: value"`): a
 * field line is checked once, at start-up, against RFC 9110's grammar
 * (§5.1 a token for the name, §5.5 no CR, LF or NUL in the value), and the
 * fields that frame a message (§6.1, RFC 9112 §6, §7.6.1) are refused, as
 * weft frames every response itself. An added field replaces the handler's
 * fields of the same name, so `Cache-Control: no-store` means what it says.
 *
 * @module
 */

import { FIELD_VALUE, TOKEN } from "./bytes.ts";

/** Names an operator may not add: weft writes them from the message's framing. */
const FRAMING = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
]);

/**
 * Reads one `Name: value` line (optional whitespace around the value is
 * dropped, RFC 9110 §5.5). Throws a `TypeError` that says what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFieldLine } from "./added_fields.ts";
 * assert.deepEqual(parseFieldLine("X-Frame-Options:  DENY "), ["X-Frame-Options", "DENY"]);
 * assert.throws(() => parseFieldLine("Content-Length: 5"), /weft frames responses itself/);
 * assert.throws(() => parseFieldLine("no colon"), /Name: value/);
 * ```
 */
export function parseFieldLine(line: string): [string, string] {
  const colon = line.indexOf(":");
  if (colon === -1) throw new TypeError(`a header is written "Name: value", got ${JSON.stringify(line)}`);
  return checkField(line.slice(0, colon), line.slice(colon + 1).trim());
}

/**
 * Checks a field to add: a token for a name, a value without controls, and
 * not a framing field. Returns it as given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkField } from "./added_fields.ts";
 * assert.deepEqual(checkField("X-Robots-Tag", "noindex"), ["X-Robots-Tag", "noindex"]);
 * assert.throws(() => checkField("Bad Name", "x"), /not a valid field name/);
 * assert.throws(() => checkField("X-Split", "a\r\nb"), /CR, LF or another control/);
 * ```
 */
export function checkField(name: string, value: string): [string, string] {
  if (name === "" || ![...name].every((c) => c.charCodeAt(0) < 256 && TOKEN[c.charCodeAt(0)])) {
    throw new TypeError(`${JSON.stringify(name)} is not a valid field name (RFC 9110 §5.1)`);
  }
  if (![...value].every((c) => c.charCodeAt(0) < 256 && FIELD_VALUE[c.charCodeAt(0)])) {
    throw new TypeError(`the value of ${name} has CR, LF or another control character (RFC 9110 §5.5)`);
  }
  if (FRAMING.has(name.toLowerCase())) {
    throw new TypeError(`${name} cannot be added: weft frames responses itself (RFC 9112 §6)`);
  }
  return [name, value];
}

/**
 * A response's fields with `added` in place of the handler's fields of the
 * same names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withAddedFields } from "./added_fields.ts";
 * const fields = withAddedFields([["cache-control", "no-cache"], ["ETag", '"1"']], [["Cache-Control", "no-store"]]);
 * assert.deepEqual(fields, [["ETag", '"1"'], ["Cache-Control", "no-store"]]);
 * ```
 */
export function withAddedFields(
  headers: [string, string][],
  added: readonly [string, string][],
): [string, string][] {
  if (added.length === 0) return headers;
  const replaced = new Set(added.map(([name]) => name.toLowerCase()));
  const fields = headers.filter(([name]) => !replaced.has(name.toLowerCase()));
  fields.push(...added);
  return fields;
}
