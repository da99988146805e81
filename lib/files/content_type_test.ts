import assert from "node:assert/strict";
import { contentType } from "./content_type.ts";

Deno.test("types by extension, charset on text, octet-stream when unknown", () => {
  assert.equal(contentType("a.html"), "text/html; charset=utf-8");
  assert.equal(contentType("a.CSS"), "text/css; charset=utf-8");
  assert.equal(contentType("x.min.js"), "text/javascript; charset=utf-8");
  assert.equal(contentType("data.json"), "application/json; charset=utf-8");
  assert.equal(contentType("logo.svg"), "image/svg+xml; charset=utf-8");
  assert.equal(contentType("movie.mp4"), "video/mp4");
  assert.equal(contentType("font.woff2"), "font/woff2");
  assert.equal(contentType("Makefile"), "application/octet-stream");
  assert.equal(contentType("archive.unknownext"), "application/octet-stream");
});
