/**
 * End to end in headless Chromium (Debian's `chromium`): the hello page's
 * title and heading from the DOM, a screenshot kept in tests/artifacts/, and
 * a page that proves in the browser that it arrived compressed and that a
 * range request gets its bytes. `.ci/run` installs Chromium; elsewhere these
 * tests are skipped with a note when it is missing.
 */
import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { serverTest } from "./_helpers.ts";

const chromium = await new Deno.Command("chromium", { args: ["--version"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);
if (!chromium) {
  console.warn("chromium is not installed: browser tests are skipped (apt-get install chromium)");
}

const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

/** Runs headless Chromium on `url` with `extra` flags; returns stdout. */
async function headless(url: string, ...extra: string[]): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "weft-chromium-" });
  try {
    const out = await new Deno.Command("chromium", {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        ...extra,
        url,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

Deno.test({
  name: "browser: the hello page's title and heading, and a screenshot",
  ignore: !chromium,
  async fn() {
    const controller = new AbortController();
    const server = serve({ port: 0, workers: 2, signal: controller.signal });
    try {
      const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
      const dom = await headless(url, "--dump-dom");
      assert.match(dom, /<title>Hello!<\/title>/);
      assert.match(dom, /<h1>Hello!<\/h1>/);
      assert.match(dom, /Hi from weft/);
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await headless(url, `--screenshot=${ARTIFACTS}hello.png`, "--window-size=800,600");
      const png = await Deno.readFile(`${ARTIFACTS}hello.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "not a PNG");
      assert.ok(png.length > 1000);
    } finally {
      controller.abort();
      await server.finished;
    }
  },
});

const PARAGRAPH = "<p>weft serves this paragraph many times over, compressed on the way.</p>\n";
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>checks</title></head>
<body>
<h1>Checks</h1>
<div id="compression">pending</div>
<div id="range">pending</div>
${PARAGRAPH.repeat(400)}
<script>
  const nav = performance.getEntriesByType("navigation")[0];
  document.getElementById("compression").textContent =
    "encoded " + nav.encodedBodySize + " decoded " + nav.decodedBodySize;
  fetch("/data.txt", { headers: { Range: "bytes=10-19" } })
    .then(async (res) => {
      document.getElementById("range").textContent =
        res.status + " " + res.headers.get("content-range") + " " + (await res.text());
    })
    .catch((e) => { document.getElementById("range").textContent = "failed " + e; });
</script>
</body></html>
`;

serverTest("browser: a compressed page and a range request, seen from inside Chromium", async (t) => {
  const dom = await headless(t.url("/page.html"), "--dump-dom", "--virtual-time-budget=5000");
  const sizes = /encoded (\d+) decoded (\d+)/.exec(dom);
  assert.ok(sizes, `no sizes in the DOM: ${dom.slice(0, 300)}`);
  const [encoded, decoded] = [Number(sizes[1]), Number(sizes[2])];
  assert.equal(decoded, new TextEncoder().encode(PAGE).length);
  assert.ok(encoded < decoded / 5, `the page arrived as ${encoded} bytes for ${decoded}`);
  assert.equal(dom.match(/weft serves this paragraph/g)?.length, 400);
  assert.match(dom, /<div id="range">206 bytes 10-19\/36 klmnopqrst<\/div>/);
}, { files: { "page.html": PAGE, "data.txt": "abcdefghijklmnopqrstuvwxyz0123456789" }, ignore: !chromium });
