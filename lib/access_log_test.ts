import assert from "node:assert/strict";
import { formatAccessLine } from "./access_log.ts";

const record = {
  remote: "127.0.0.1",
  method: "GET",
  target: "/\x85x",
  version: "HTTP/1.1",
  status: 200,
  bytes: 5,
  referer: "\x1b[31m",
  userAgent: "a\x85\x9fb",
  start: 0,
  duration: 1,
};

Deno.test("no control character, C0 or C1, reaches a log line unescaped, in any format", () => {
  for (const format of ["common", "combined", "json"] as const) {
    const line = formatAccessLine(format, record);
    // deno-lint-ignore no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f]/, format);
  }
  assert.match(
    formatAccessLine("combined", record),
    /"GET \/\\x85x HTTP\/1\.1" .* "\\x1b\[31m" "a\\x85\\x9fb"$/,
  );
  assert.equal(JSON.parse(formatAccessLine("json", record)).userAgent, "a\x85\x9fb");
});

Deno.test("a request refused before its head was read is logged with - for its request line", () => {
  const { method: _m, target: _t, version: _v, ...bare } = record;
  assert.match(formatAccessLine("common", { ...bare, status: 431 }), / "-" 431 5$/);
  assert.equal(JSON.parse(formatAccessLine("json", { ...bare, status: 431 })).method, null);
});
