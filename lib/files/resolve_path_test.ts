import assert from "node:assert/strict";
import { resolvePath } from "./resolve_path.ts";

Deno.test("decodes once and joins under the root", () => {
  const path = (p: string) => {
    const r = resolvePath("/srv", p);
    return r.ok ? [r.path, r.decoded, r.trailingSlash] : r.reason;
  };
  assert.deepEqual(path("/"), ["/srv", "/", true]);
  assert.deepEqual(path("/a%20b/%C3%A9.txt"), ["/srv/a b/é.txt", "/a b/é.txt", false]);
  assert.deepEqual(path("/100%25.txt"), ["/srv/100%.txt", "/100%.txt", false]);
  assert.deepEqual(path("/%252e%252e/x"), ["/srv/%2e%2e/x", "/%2e%2e/x", false]);
  assert.deepEqual(path("//etc/passwd"), ["/srv/etc/passwd", "/etc/passwd", false]);
  assert.deepEqual(path("/dir/"), ["/srv/dir", "/dir/", true]);
});

Deno.test("removes dot segments after decoding once, merging empty ones first (RFC 3986 §5.2.4, as nginx)", () => {
  const path = (p: string) => {
    const r = resolvePath("/srv", p);
    return r.ok ? [r.path, r.decoded, r.trailingSlash] : r.reason;
  };
  assert.deepEqual(path("/./a.txt"), ["/srv/a.txt", "/a.txt", false]);
  assert.deepEqual(path("/d/../a.txt"), ["/srv/a.txt", "/a.txt", false]);
  assert.deepEqual(path("/d/%2e%2e/a.txt"), ["/srv/a.txt", "/a.txt", false]);
  assert.deepEqual(path("/d//../a.txt"), ["/srv/a.txt", "/a.txt", false]);
  assert.deepEqual(path("/d/."), ["/srv/d", "/d/", true]);
  assert.deepEqual(path("/d/e/.."), ["/srv/d", "/d/", true]);
  assert.deepEqual(path("/d/.."), ["/srv", "/", true]);
  assert.deepEqual(path("/.hidden/../a.txt"), ["/srv/a.txt", "/a.txt", false]);
  assert.deepEqual(path("/..."), ["/srv/...", "/...", false]);
});

const HOSTILE = [
  "/..",
  "/../etc/passwd",
  "/a/../../etc/passwd",
  "/%2e%2e/etc/passwd",
  "/%2E%2E/etc/passwd",
  "/.%2e/etc/passwd",
  "/%2e./etc/passwd",
  "/a/%2e%2e%2f%2e%2e%2fetc/passwd",
  "/..%2fetc%2fpasswd",
  "/..\\etc\\passwd",
  "/%5c..%5cetc%5cpasswd",
  "/a%00.html",
  "/%00",
  "/%c0%ae%c0%ae/etc/passwd",
  "/%e0%80%ae%e0%80%ae/etc/passwd",
  "/%ff",
  "/%",
  "/%2",
  "/%zz",
];

for (const path of HOSTILE) {
  Deno.test(`refuses ${path}`, () => {
    const r = resolvePath("/srv", path);
    assert.equal(r.ok, false);
  });
}
