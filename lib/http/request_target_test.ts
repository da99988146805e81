import assert from "node:assert/strict";
import { HttpParseError } from "./errors.ts";
import { parseRequestTarget } from "./request_target.ts";

Deno.test("splits origin-form targets into path and query", () => {
  assert.deepEqual(parseRequestTarget("GET", "/a/b?c=d?e"), {
    path: "/a/b",
    query: "c=d?e",
    authority: null,
  });
  assert.deepEqual(parseRequestTarget("GET", "/"), { path: "/", query: "", authority: null });
});

Deno.test("absolute-form targets give their path and authority (RFC 9112 §3.2.2)", () => {
  assert.deepEqual(parseRequestTarget("GET", "http://example.com:80/x?y"), {
    path: "/x",
    query: "y",
    authority: "example.com:80",
  });
  assert.deepEqual(parseRequestTarget("GET", "http://hypnotoad.org?hail=all"), {
    path: "/",
    query: "hail=all",
    authority: "hypnotoad.org",
  });
});

Deno.test("asterisk-form only for OPTIONS, authority-form only for CONNECT", () => {
  assert.equal(parseRequestTarget("OPTIONS", "*").path, "*");
  assert.equal(parseRequestTarget("CONNECT", "example.com:443").authority, "example.com:443");
  for (
    const [method, target] of [["GET", "*"], ["GET", "example.com:443"], ["CONNECT", "/"], [
      "GET",
      "http://u@h/",
    ]]
  ) {
    assert.throws(() => parseRequestTarget(method, target), HttpParseError, `${method} ${target}`);
  }
});

Deno.test("a fragment is dropped from any form", () => {
  assert.deepEqual(parseRequestTarget("GET", "/a?b#c?d"), { path: "/a", query: "b", authority: null });
  assert.deepEqual(parseRequestTarget("GET", "/a#b"), { path: "/a", query: "", authority: null });
  assert.equal(parseRequestTarget("GET", "http://h/x#y").path, "/x");
});
