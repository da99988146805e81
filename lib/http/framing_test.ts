import assert from "node:assert/strict";
import { HttpParseError } from "./errors.ts";
import { requestFraming } from "./framing.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

function framing(headers: [string, string][], minorVersion = 1, method = "POST") {
  return requestFraming({ method, target: "/", minorVersion, headers }, DEFAULT_LIMITS);
}

function status(headers: [string, string][], minorVersion = 1): number {
  try {
    framing(headers, minorVersion);
  } catch (e) {
    assert.ok(e instanceof HttpParseError);
    return e.status;
  }
  return 0;
}

const H: [string, string] = ["host", "a"];

Deno.test("body length comes from Content-Length or chunked, else none", () => {
  assert.equal(framing([H]).body, 0);
  assert.equal(framing([H, ["content-length", "42"]]).body, 42);
  assert.equal(framing([H, ["content-length", "007"]]).body, 7);
  assert.equal(framing([H, ["transfer-encoding", "chunked"]]).body, "chunked");
  assert.equal(framing([H, ["transfer-encoding", "Chunked"]]).body, "chunked");
  assert.equal(framing([H, ["content-length", "5"], ["content-length", "5"]]).body, 5);
  assert.equal(framing([H, ["content-length", "5, 5"]]).body, 5);
});

Deno.test("keep-alive: default in 1.1, opt-in in 1.0, close wins", () => {
  assert.equal(framing([H]).keepAlive, true);
  assert.equal(framing([H, ["connection", "close"]]).keepAlive, false);
  assert.equal(framing([H, ["connection", "Upgrade, Close"]]).keepAlive, false);
  assert.equal(framing([], 0).keepAlive, false);
  assert.equal(framing([["connection", "Keep-Alive"]], 0).keepAlive, true);
});

Deno.test("Expect: 100-continue is noted only when a body follows", () => {
  assert.equal(framing([H, ["expect", "100-Continue"], ["content-length", "3"]]).expectContinue, true);
  assert.equal(framing([H, ["expect", "100-continue"]]).expectContinue, false);
});

const REFUSED: [string, [string, string][], number, number?][] = [
  ["HTTP/1.1 without Host", [], 400],
  ["two Host fields", [H, H], 400],
  ["a Host with a space", [["host", "a b"]], 400],
  ["a Host with a path", [["host", "a/b"]], 400],
  [
    "Content-Length and Transfer-Encoding",
    [H, ["content-length", "3"], ["transfer-encoding", "chunked"]],
    400,
  ],
  ["conflicting Content-Length fields", [H, ["content-length", "3"], ["content-length", "4"]], 400],
  ["conflicting Content-Length list", [H, ["content-length", "3, 4"]], 400],
  ["a signed Content-Length", [H, ["content-length", "+3"]], 400],
  ["a negative Content-Length", [H, ["content-length", "-1"]], 400],
  ["a hex Content-Length", [H, ["content-length", "0x10"]], 400],
  ["an empty Content-Length", [H, ["content-length", ""]], 400],
  ["Content-Length with a space inside", [H, ["content-length", "1 2"]], 400],
  ["a Content-Length over the body limit", [H, ["content-length", "99999999999"]], 413],
  ["an absurd Content-Length", [H, ["content-length", "9".repeat(40)]], 413],
  ["Transfer-Encoding not ending in chunked", [H, ["transfer-encoding", "chunked, gzip"]], 400],
  ["Transfer-Encoding: identity", [H, ["transfer-encoding", "identity"]], 400],
  ["an empty Transfer-Encoding", [H, ["transfer-encoding", ""]], 400],
  ["chunked twice", [H, ["transfer-encoding", "chunked"], ["transfer-encoding", "chunked"]], 400],
  ["an unknown coding before chunked", [H, ["transfer-encoding", "gzip, chunked"]], 501],
  ["Transfer-Encoding in HTTP/1.0", [["transfer-encoding", "chunked"]], 400, 0],
  ["an expectation other than 100-continue", [H, ["expect", "teapot"]], 417],
];

for (const [name, headers, expected, minor] of REFUSED) {
  Deno.test(`refuses ${name} with ${expected}`, () => {
    assert.equal(status(headers, minor ?? 1), expected);
  });
}

Deno.test("accepts Host forms: name, port, IPv6, empty", () => {
  for (const host of ["example.com", "example.com:8080", "[::1]:7878", "", "127.0.0.1"]) {
    assert.equal(status([["host", host]]), 0, host);
  }
});
