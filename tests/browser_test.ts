/**
 * End to end in headless Chromium (Debian's `chromium`): the hello page's
 * title and heading from the DOM, a screenshot kept in tests/artifacts/, and
 * a page that proves in the browser that it arrived compressed and that a
 * range request gets its bytes, and a media element that seeks by range
 * requests. `.ci/run` installs Chromium; elsewhere these
 * tests are skipped with a note when it is missing.
 */
import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { loadAndEvaluate } from "./_cdp.ts";
import { hasTool, serverTest } from "./_helpers.ts";
import { makeCertificate } from "./_tls.ts";
import { closeWebSocket, openWebSocket, within } from "./_websocket.ts";

const chromium = await hasTool("chromium");

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
  // The navigation's sizes are final only once the page has loaded.
  addEventListener("load", () => {
    const nav = performance.getEntriesByType("navigation")[0];
    document.getElementById("compression").textContent =
      "encoded " + nav.encodedBodySize + " decoded " + nav.decodedBodySize;
  });
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

/**
 * A WAV clip (no video codec or ffmpeg is at hand here; a `<video>` element
 * plays audio-only media the same way): 240 s of 16-bit mono at 22,050 Hz,
 * about 10 MB, a tone every other second.
 */
function wavClip(seconds: number, rate = 22_050): Uint8Array {
  const samples = seconds * rate;
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) =>
    [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const tone = Math.floor(i / rate) % 2 === 0 ? Math.sin((2 * Math.PI * 440 * i) / rate) : 0;
    view.setInt16(44 + i * 2, Math.round(tone * 8000), true);
  }
  return bytes;
}

const CLIP_SECONDS = 240;
const MEDIA_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>media</title></head>
<body>
<video id="clip" preload="metadata" muted src="/clip.wav"></video>
<script>
  const video = document.getElementById("clip");
  // Resolves once the element has seeked near the end, which a browser does by a range request.
  window.seekedNearEnd = new Promise((resolve) => {
    const seek = () => { video.currentTime = video.duration - 5; };
    if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek);
    video.addEventListener("seeked", () =>
      resolve({ currentTime: video.currentTime, duration: video.duration, readyState: video.readyState }));
    video.addEventListener("error", () => resolve({ error: video.error && video.error.code }));
  });
</script>
</body></html>
`;

serverTest("browser: a <video> element loads a clip and seeks to its end by a range request", async (t) => {
  const clip = wavClip(CLIP_SECONDS);
  await Deno.writeFile(`${t.root}/clip.wav`, clip);
  const { value, responses } = await loadAndEvaluate(t.url("/media.html"), "window.seekedNearEnd");
  const seen = value as { currentTime?: number; duration?: number; readyState?: number; error?: number };
  assert.equal(seen.error, undefined, `the media element failed: ${JSON.stringify(seen)}`);
  assert.equal(seen.duration, CLIP_SECONDS);
  assert.equal(seen.currentTime, CLIP_SECONDS - 5);
  assert.ok(seen.readyState! >= 2, "no data at the new position");
  const ranges = responses.filter((r) => r.url.endsWith("/clip.wav")).map((
    r,
  ) => [r.status, r.headers["content-range"]]);
  assert.ok(ranges.length >= 2, `one request for the clip: ${JSON.stringify(ranges)}`);
  for (const [status] of ranges) assert.equal(status, 206);
  const starts = ranges.map(([, range]) => Number(/^bytes (\d+)-\d+\/(\d+)$/.exec(String(range))?.[1]));
  assert.equal(starts[0], 0);
  assert.ok(
    starts.some((start) => start > clip.length / 2),
    `no request began past the middle of the clip: ${JSON.stringify(ranges)}`,
  );
}, { files: { "media.html": MEDIA_PAGE }, ignore: !chromium });

serverTest("browser: over HTTPS, Chromium speaks HTTP/2 (ALPN h2), and the video still seeks", async (t) => {
  const clip = wavClip(CLIP_SECONDS);
  await Deno.writeFile(`${t.root}/clip.wav`, clip);
  const tls = await makeCertificate();
  const controller = new AbortController();
  const server = serve({
    port: 0,
    root: t.root,
    cert: tls.cert,
    key: tls.key,
    workers: 2,
    signal: controller.signal,
  });
  try {
    const url = `https://localhost:${(server.addr as Deno.NetAddr).port}/media.html`;
    const expression = `window.seekedNearEnd.then((seen) =>
      ({ ...seen, protocol: performance.getEntriesByType("navigation")[0].nextHopProtocol }))`;
    // The test CA is not the browser's: its certificate errors are ignored, nothing else is changed.
    const { value, responses } = await loadAndEvaluate(url, expression, 30_000, undefined, [
      "--ignore-certificate-errors",
    ]);
    const seen = value as { currentTime?: number; duration?: number; protocol?: string; error?: number };
    assert.equal(seen.protocol, "h2");
    assert.equal(seen.error, undefined, JSON.stringify(seen));
    assert.equal(seen.currentTime, CLIP_SECONDS - 5);
    const ranges = responses.filter((r) => r.url.endsWith("/clip.wav"));
    assert.ok(ranges.length >= 2 && ranges.every((r) => r.status === 206), JSON.stringify(ranges));
  } finally {
    controller.abort();
    await server.finished;
    await Deno.remove(tls.dir, { recursive: true });
  }
}, { files: { "media.html": MEDIA_PAGE }, ignore: !chromium || !await hasTool("openssl", ["version"]) });

const CHAT = new URL("../examples/chat.ts", import.meta.url).pathname;
const CHAT_IN_PAGE = `(async () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
  while (document.body.dataset.ready !== "yes") await tick();
  document.getElementById("text").value = "from chromium";
  document.getElementById("say").requestSubmit();
  const lines = () => [...document.querySelectorAll("#log li")].map((li) => li.textContent);
  while (!lines().includes("from deno")) await tick();
  return lines();
})()`;

serverTest("browser: the chat example carries lines between Chromium's WebSocket and Deno's", async (t) => {
  // Four Deno clients, so some sit on the other worker than the page's socket.
  const clients = await Promise.all([1, 2, 3, 4].map(() => openWebSocket(`ws://127.0.0.1:${t.port}/chat`)));
  const heard = clients.map((ws, i) =>
    new Promise<string>((resolve) => {
      ws.onmessage = (e) => {
        if (e.data !== "from chromium") return;
        if (i === 0) ws.send("from deno");
        resolve(e.data);
      };
    })
  );
  const { value } = await loadAndEvaluate(t.url("/"), CHAT_IN_PAGE);
  assert.deepEqual(value, ["from chromium", "from deno"]);
  assert.deepEqual(await within(Promise.all(heard), "every Deno client hears the page"), [
    "from chromium",
    "from chromium",
    "from chromium",
    "from chromium",
  ]);
  await Promise.all(clients.map((ws) => closeWebSocket(ws)));
}, { options: { app: CHAT }, ignore: !chromium });

serverTest("browser: with dev, an edited page reloads itself in Chromium (live reload)", async (t) => {
  const page = (heading: string) =>
    `<!doctype html><html><head><title>dev</title></head><body><h1>${heading}</h1></body></html>`;
  await Deno.writeTextFile(`${t.root}/dev.html`, page("before"));
  let edits = 0;
  const { value, responses } = await loadAndEvaluate(
    t.url("/dev.html"),
    "document.querySelector('h1').textContent",
    30_000,
    async (reloaded) => {
      // The page's EventSource connects after its load event: edit until the page reloads.
      let done = false;
      reloaded.then(() => (done = true));
      for (const deadline = Date.now() + 20_000; !done && Date.now() < deadline;) {
        await Deno.writeTextFile(`${t.root}/dev.html`, page(`after ${++edits}`));
        await Promise.race([reloaded, new Promise((resolve) => setTimeout(resolve, 300))]);
      }
    },
  );
  assert.match(String(value), /^after \d+$/, "the page shows the edited file");
  const loads = responses.filter((r) => r.url.endsWith("/dev.html"));
  assert.equal(loads.length, 2, "loaded, then reloaded once");
  assert.ok(loads.every((r) => r.headers["cache-control"] === "no-store"));
  assert.ok(responses.some((r) => r.url.endsWith("/__weft/livereload") && r.status === 200));
  console.log(`live reload: ${edits} edit(s) until the page reloaded`);
}, { options: { dev: true }, ignore: !chromium });
