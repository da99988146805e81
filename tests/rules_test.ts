// The rules file over TCP: headers, redirects and rewrites by path; a bad file refused at start with its
// file, line and key; a SIGHUP that picks up an edit while a client keeps asking, and one that refuses a bad
// edit while the old rules serve on.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { makeRoot, serverTest, startDeno, type StartedProcess, weftArgs } from "./_helpers.ts";

const RULES = {
  headers: [{ source: "/assets/**", headers: { "Cache-Control": "public, max-age=31536000, immutable" } }],
  redirects: [{ source: "/old/:slug", destination: "/new/:slug", status: 308 }],
  rewrites: [{ source: "/app/**", destination: "/index.html" }],
};

serverTest(
  "rules: headers by glob, a redirect with a capture, a rewrite; the rules file is not served",
  async (t) => {
    const css = await fetch(t.url("/assets/css/site.css"));
    assert.equal(await css.text(), "body{}");
    assert.equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const page = await fetch(t.url("/index.html"));
    await page.body?.cancel();
    assert.notEqual(page.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const moved = await fetch(t.url("/old/hello?x=1"), { redirect: "manual" });
    await moved.body?.cancel();
    assert.deepEqual([moved.status, moved.headers.get("location")], [308, "/new/hello?x=1"]);
    const app = await fetch(t.url("/app/deep/link"));
    assert.equal(await app.text(), "<h1>spa</h1>");
    const hidden = await fetch(t.url("/weft.json"));
    await hidden.body?.cancel();
    assert.equal(hidden.status, 404);
  },
  {
    files: {
      "index.html": "<h1>spa</h1>",
      "assets/css/site.css": "body{}",
      "weft.json": JSON.stringify(RULES),
    },
  },
);

Deno.test("rules: a bad rules file stops the start with one line naming the file, the line and the key", async () => {
  const root = await makeRoot({
    "index.html": "hi",
    "weft.json":
      '{\n  "redirects": [\n    { "source": "/a",\n      "destination": "/b", "status": 200 }\n  ]\n}\n',
  });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: weftArgs(root, "--port", "0"),
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 1, stderr);
    assert.equal(stderr, `weft: ${root}/weft.json:4: redirects[0].status: 301, 302, 307 or 308, not 200`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("rules: SIGHUP reads the file again; no request fails meanwhile; a bad edit leaves the old rules", async () => {
  const root = await makeRoot({
    "a.txt": "a",
    "weft.json": JSON.stringify({ headers: [{ source: "/a.txt", headers: { "X-Version": "1" } }] }),
  });
  const weft = await startDeno(weftArgs(root, "--port", "0"));
  const version = async () => {
    const res = await fetch(`http://127.0.0.1:${weft.port}/a.txt`);
    await res.body?.cancel();
    assert.equal(res.status, 200);
    return res.headers.get("x-version");
  };
  let asking = true;
  const failures: unknown[] = [];
  const client = (async () => {
    while (asking) await version().catch((e) => failures.push(e));
  })();
  try {
    assert.equal(await version(), "1");
    await Deno.writeTextFile(
      `${root}/weft.json`,
      JSON.stringify({ headers: [{ source: "/a.txt", headers: { "X-Version": "2" } }] }),
    );
    weft.child.kill("SIGHUP");
    // Every worker replaced: a request before that may still meet an old one.
    await eventually(() => /weft: reloaded\n/.test(weft.stderr), 10_000);
    assert.equal(await version(), "2");
    await Deno.writeTextFile(`${root}/weft.json`, '{ "headers": "not a list" }');
    weft.child.kill("SIGHUP");
    await eventually(
      () =>
        /reload failed, the old workers serve on: .*weft\.json:1: headers: must be a list/.test(weft.stderr),
      10_000,
    );
    assert.equal(await version(), "2");
    asking = false;
    await client;
    assert.deepEqual(failures, []);
  } finally {
    asking = false;
    await client;
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("rules: auth asks for a password where a rule covers the path; weft --hash-password makes the hash", async () => {
  const hashing = new Deno.Command(Deno.execPath(), {
    args: weftArgs("--hash-password"),
    stdin: "piped",
    stdout: "piped",
  })
    .spawn();
  const writer = hashing.stdin.getWriter();
  await writer.write(new TextEncoder().encode("s3cret\n"));
  await writer.close();
  const hash = new TextDecoder().decode((await hashing.output()).stdout).trim();
  assert.match(hash, /^pbkdf2-sha256\$600000\$/);
  const rules = { auth: [{ source: "/admin/**", realm: "staff", users: { alice: hash } }] };
  const root = await makeRoot({
    "index.html": "open",
    "admin/index.html": "secret page",
    "weft.json": JSON.stringify(rules),
  });
  const weft = await startDeno(weftArgs(root, "--port", "0"));
  const get = (path: string, credentials?: string) =>
    fetch(`http://127.0.0.1:${weft.port}${path}`, {
      headers: credentials === undefined ? {} : { authorization: `Basic ${btoa(credentials)}` },
    });
  try {
    assert.equal(await (await get("/")).text(), "open");
    const asked = await get("/admin/");
    await asked.body?.cancel();
    assert.equal(asked.status, 401);
    assert.equal(asked.headers.get("www-authenticate"), 'Basic realm="staff", charset="UTF-8"');
    for (const wrong of ["alice:nope", "bob:s3cret", "no colon"]) {
      const res = await get("/admin/", wrong);
      await res.body?.cancel();
      assert.equal(res.status, 401, wrong);
    }
    assert.equal(await (await get("/admin/", "alice:s3cret")).text(), "secret page");
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("rules: https redirects what a trusted proxy says came over plain HTTP; without --trust-proxy it is refused", async () => {
  const root = await makeRoot({ "index.html": "over tls", "weft.json": '{ "https": true }' });
  try {
    const refused = await new Deno.Command(Deno.execPath(), {
      args: weftArgs(root, "--port", "0"),
      stderr: "piped",
    })
      .output();
    assert.equal(refused.code, 1);
    assert.match(new TextDecoder().decode(refused.stderr), /weft\.json: https needs --trust-proxy/);
    const weft = await startDeno(weftArgs(root, "--port", "0", "--trust-proxy"));
    try {
      const url = `http://127.0.0.1:${weft.port}/index.html?x=1`;
      const plain = await fetch(url, {
        headers: { "x-forwarded-proto": "http" },
        redirect: "manual",
      });
      await plain.body?.cancel();
      assert.deepEqual([plain.status, plain.headers.get("location")], [
        308,
        `https://127.0.0.1:${weft.port}/index.html?x=1`,
      ]);
      const tls = await fetch(url, { headers: { "x-forwarded-proto": "https" } });
      assert.equal(await tls.text(), "over tls");
    } finally {
      await weft.stop();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("rules: under --dev an edit of weft.json, or of a --config file elsewhere, is picked up", async () => {
  const rules = (version: string) =>
    JSON.stringify({ headers: [{ source: "/**", headers: { "X-Version": version } }] });
  const root = await makeRoot({ "a.txt": "a", "weft.json": rules("1") });
  const elsewhere = await Deno.makeTempDir({ prefix: "weft-config-" });
  await Deno.writeTextFile(`${elsewhere}/site.json`, rules("3"));
  const inRoot = await startDeno(weftArgs(root, "--port", "0", "--dev"));
  const named = await startDeno(weftArgs(root, "--port", "0", "--dev", "--config", `${elsewhere}/site.json`));
  const version = async (weft: StartedProcess) => {
    const res = await fetch(`http://127.0.0.1:${weft.port}/a.txt`);
    await res.body?.cancel();
    return res.headers.get("x-version");
  };
  try {
    assert.equal(await version(inRoot), "1");
    await Deno.writeTextFile(`${root}/weft.json`, rules("2"));
    await eventually(async () => await version(inRoot) === "2", 10_000);
    assert.equal(await version(named), "3");
    // As editors save: a new file renamed over the old one.
    await Deno.writeTextFile(`${elsewhere}/.site.json.new`, rules("4"));
    await Deno.rename(`${elsewhere}/.site.json.new`, `${elsewhere}/site.json`);
    await eventually(async () => await version(named) === "4", 10_000);
  } finally {
    await inRoot.stop();
    await named.stop();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
