// --dev over TCP: the live-reload stream hears of changed files, a changed app is reloaded worker by worker,
// pages carry the script and nothing is cached, and an app that throws shows its stack.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { startDeno, weftArgs } from "./_helpers.ts";

const APP = (answer: string) =>
  `export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/answer") return new Response(${JSON.stringify(answer)});
    if (pathname === "/throw") throw new TypeError("the app broke on purpose");
    return new Response("not here", { status: 404 });
  },
};
`;

/** Reads a live-reload stream's events (`data:` lines) as they come. */
function events(body: ReadableStream<Uint8Array>) {
  const seen: string[] = [];
  let ended = false;
  void (async () => {
    let text = "";
    for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      for (let at = text.indexOf("\n\n"); at !== -1; at = text.indexOf("\n\n")) {
        const data = /^data: (.*)$/m.exec(text.slice(0, at))?.[1];
        if (data !== undefined) seen.push(data);
        text = text.slice(at + 2);
      }
    }
    ended = true;
  })();
  return {
    seen,
    get ended() {
      return ended;
    },
  };
}

Deno.test("--dev: a file change reaches the live-reload stream within a second; a changed app is reloaded", async () => {
  const project = await Deno.realPath(await Deno.makeTempDir());
  await Deno.mkdir(`${project}/public`);
  await Deno.writeTextFile(`${project}/public/index.html`, "<html><body><h1>one</h1></body></html>");
  await Deno.writeTextFile(`${project}/public/site.css`, "h1 { color: red }");
  await Deno.writeTextFile(`${project}/app.ts`, APP("v1"));
  const weft = await startDeno(
    weftArgs("--port", "0", "--dev", "--root", `${project}/public`, "--app", `${project}/app.ts`),
  );
  const base = `http://127.0.0.1:${weft.port}`;
  try {
    // Printed right after the address, which is what startDeno waits for.
    await eventually(() => /weft: dev mode/.test(weft.stderr));
    const page = await fetch(`${base}/`);
    const html = await page.text();
    assert.match(
      html,
      /<h1>one<\/h1><script>.*new EventSource\("\/__weft\/livereload"\).*<\/script><\/body>/s,
    );
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.equal(page.headers.get("etag"), null, "no validators: nothing is kept");
    assert.equal(page.headers.get("content-length"), String(new TextEncoder().encode(html).length));

    const stream = await fetch(`${base}/__weft/livereload`);
    assert.equal(stream.headers.get("content-type"), "text/event-stream");
    const live = events(stream.body!);
    // Stylesheets alone: swapped in place. Timed from the write to the event.
    let wrote = Date.now();
    await Deno.writeTextFile(`${project}/public/site.css`, "h1 { color: blue }");
    await eventually(() => live.seen.length === 1, 5000);
    const cssMs = Date.now() - wrote;
    assert.equal(live.seen[0], '{"cssOnly":true}');
    wrote = Date.now();
    await Deno.writeTextFile(`${project}/public/index.html`, "<html><body><h1>two</h1></body></html>");
    await eventually(() => live.seen.length === 2, 5000);
    const pageMs = Date.now() - wrote;
    assert.equal(live.seen[1], '{"cssOnly":false}');
    console.log(`--dev: a stylesheet's change reached the stream in ${cssMs} ms, a page's in ${pageMs} ms`);
    assert.ok(cssMs < 1000 && pageMs < 1000, `within a second: ${cssMs} ms, ${pageMs} ms`);

    // The app changes: the workers are replaced, and pages on the old ones are told to reload.
    assert.equal(await (await fetch(`${base}/answer`)).text(), "v1");
    await Deno.writeTextFile(`${project}/app.ts`, APP("v2"));
    await eventually(async () => (await (await fetch(`${base}/answer`)).text()) === "v2", 10_000);
    await eventually(() => live.ended, 10_000);
    assert.equal(live.seen.at(-1), '{"cssOnly":false}');

    const thrown = await fetch(`${base}/throw`);
    assert.equal(thrown.status, 500);
    const stackPage = await thrown.text();
    assert.match(
      stackPage,
      /<pre>TypeError: the app broke on purpose\n\s+at \S*fetch \(file:\/\/.*app\.ts:5:\d+\)(.|\n)*EventSource/,
    );
    // The app's frames are shown; weft's own are folded below them.
    const [shown, folded = ""] = stackPage.split("<details>");
    assert.doesNotMatch(shown, /\/lib\/handler\.ts|\/workers\//);
    assert.match(folded, /\d+ more frames, in weft and Deno(.|\n)*\/(lib|workers)\//);
  } finally {
    await weft.stop();
    await Deno.remove(project, { recursive: true });
  }
});

/** How many inotify watches a process holds, from /proc (through grep: reading /proc here needs --allow-all). */
async function inotifyWatches(pid: number): Promise<number> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/${pid}/fdinfo/* 2>/dev/null | grep -c '^inotify wd:'`],
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

Deno.test({
  name: "--dev: a link to a large folder out of the root costs no watch; a folder made later is watched",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const project = await Deno.realPath(await Deno.makeTempDir());
    const outside = await Deno.makeTempDir();
    for (let i = 0; i < 300; i++) await Deno.mkdir(`${outside}/d${i}`);
    await Deno.mkdir(`${project}/public/sub`, { recursive: true });
    await Deno.writeTextFile(`${project}/public/index.html`, "<h1>one</h1>");
    await Deno.symlink(outside, `${project}/public/linked`);
    const weft = await startDeno(weftArgs("--port", "0", "--dev", "--root", `${project}/public`));
    try {
      await eventually(() => /weft: dev mode/.test(weft.stderr));
      // The root and sub/: a recursive watch followed the link, 302 and more.
      const watches = await inotifyWatches(weft.child.pid);
      assert.ok(watches <= 4, `${watches} inotify watches`);
      const live = events((await fetch(`http://127.0.0.1:${weft.port}/__weft/livereload`)).body!);
      await Deno.mkdir(`${project}/public/new`);
      await eventually(() => live.seen.length === 1, 5000);
      await Deno.writeTextFile(`${project}/public/new/site.css`, "h1 { color: blue }");
      await eventually(() => live.seen.includes('{"cssOnly":true}'), 5000);
    } finally {
      await weft.stop();
      await Deno.remove(project, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  },
});
