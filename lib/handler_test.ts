import assert from "node:assert/strict";
import { call, handlerWith } from "./_test_utils.ts";
import type { App } from "./app/app.ts";

const app: App = {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/hello") return new Response(`hello ${url.host}`);
    return new Response("app 404", { status: 404 });
  },
};

Deno.test("health and metrics are answered before the app; other methods get 405 with Allow", async () => {
  const handler = handlerWith({ app, health: "/healthz", metrics: "/metrics" });
  const health = await call(handler, "/healthz");
  assert.equal(health.status, 200);
  assert.equal(health.text, "ok\n");
  assert.equal(health.headers.get("cache-control"), "no-store");
  const metrics = await call(handler, "/metrics", { metricsPage: "weft_workers 2\n" });
  assert.equal(metrics.text, "weft_workers 2\n");
  assert.match(metrics.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  assert.equal((await call(handler, "/metrics")).status, 503, "no page: 503");
  const busy = await call(handler, "/healthz", { unavailable: "The server is at capacity" });
  assert.equal(busy.status, 503);
  assert.match(busy.text, /^503 Service Unavailable: The server is at capacity/);
  assert.equal(busy.headers.get("retry-after"), "1");
  const post = await call(handler, "/healthz", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});

Deno.test("an app answers first; where it answers 404 a file may, else its own 404 stands", async () => {
  const root = await Deno.makeTempDir({ prefix: "weft-handler-" });
  try {
    await Deno.writeTextFile(`${root}/page.txt`, "from files");
    const handler = handlerWith({ app, root: Deno.realPathSync(root) });
    assert.equal((await call(handler, "/hello")).text, "hello x");
    assert.equal((await call(handler, "/page.txt")).text, "from files");
    const missing = await call(handler, "/nothing");
    assert.equal(missing.status, 404);
    assert.equal(missing.text, "app 404");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("what cannot be a Request is refused with a status, not a 500: TRACE 405, a bad Host 400", async () => {
  const handler = handlerWith({ app });
  const trace = await call(handler, "/hello", { method: "TRACE" });
  assert.equal(trace.status, 405);
  assert.match(trace.text, /TRACE requests are not passed to apps/);
  const badHost = await call(handler, "/hello", { headers: { host: "example.com:99999" } });
  assert.equal(badHost.status, 400);
  assert.match(badHost.text, /Host/);
});

Deno.test("an app that answers no Response, or a 101, is an error naming what it did", async () => {
  const odd = handlerWith({ app: { fetch: () => "text" as unknown as Response } });
  await assert.rejects(call(odd, "/"), /returned \[object String\], not a Response/);
  const upgrade = handlerWith({ app: { fetch: () => new Response(null, { status: 101 }) } });
  await assert.rejects(call(upgrade, "/"), /answered 101, which only Deno.upgradeWebSocket's response may/);
});

Deno.test("an app body whose first chunk is not bytes is an error before anything is sent (a 500)", async () => {
  const stream = () => new ReadableStream({ start: (c) => (c.enqueue("text"), c.close()) });
  const handler = handlerWith({ app: { fetch: () => new Response(stream()) } });
  await assert.rejects(call(handler, "/"), /the body stream yielded a string, not bytes/);
});
