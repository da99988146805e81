// weft's own errors over TCP: a page for a browser (Accept weighs text/html first), one line of text for
// everything else; the status and its fields stay, and HEAD still gets no body. (A missing file has its own
// page, the root's 404.html or weft's.)
import assert from "node:assert/strict";
import { serverTest } from "./_helpers.ts";

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

serverTest(
  "error pages: HTML for a browser, text for curl and fetch, fields kept, none for HEAD",
  async (t) => {
    const page = await fetch(t.url("/index.html"), { method: "POST", headers: { accept: BROWSER } });
    assert.equal(page.status, 405);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.match(
      await page.text(),
      /<title>405 Method Not Allowed<\/title>[\s\S]*<h1>405 Method Not Allowed<\/h1>/,
    );
    const text = await fetch(t.url("/index.html"), { method: "POST" });
    assert.match(await text.text(), /^405 Method Not Allowed: POST is not served here/);
    const plain = await fetch(t.url("/index.html"), {
      method: "POST",
      headers: { accept: "text/plain, text/html;q=0.5" },
    });
    assert.match(await plain.text(), /^405 Method Not Allowed: /);
    const denied = await fetch(t.url("/.env"), { headers: { accept: BROWSER } });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<h1>403 Forbidden<\/h1>/);
  },
  { files: { "index.html": "<h1>home</h1>", ".env": "SECRET=1" }, options: { dotfiles: "deny" } },
);
