import assert from "node:assert/strict";
import { resolvePath } from "./resolve_path.ts";

Deno.test("decodes once and joins under the root", () => {
  assert.deepEqual(resolvePath("/srv", "/"), { ok: true, path: "/srv", trailingSlash: true });
  assert.deepEqual(resolvePath("/srv", "/a%20b/%C3%A9.txt"), {
    ok: true,
    path: "/srv/a b/é.txt",
    trailingSlash: false,
  });
  assert.deepEqual(resolvePath("/srv", "/100%25.txt"), {
    ok: true,
    path: "/srv/100%.txt",
    trailingSlash: false,
  });
  assert.deepEqual(resolvePath("/srv", "/%252e%252e/x"), {
    ok: true,
    path: "/srv/%2e%2e/x",
    trailingSlash: false,
  });
  assert.deepEqual(resolvePath("/srv", "//etc/passwd"), {
    ok: true,
    path: "/srv/etc/passwd",
    trailingSlash: false,
  });
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
  "/a/./b",
  "/%2e/b",
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
