import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { exchange, parseResponses, serverTest, startDeno, weftArgs } from "./_helpers.ts";

const FAULTY = new URL("./testdata/fault_app.ts", import.meta.url);
const enc = new TextEncoder();

serverTest(
  "--health answers 503 while the in-flight limit turns requests away, and 200 once there is room",
  async (t) => {
    const busy = await Deno.connect({ port: t.port });
    try {
      await busy.write(enc.encode("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
      // The slow request holds the only place once other requests are turned away.
      await eventually(async () => {
        const [res] = parseResponses((await exchange(t.port, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")).text);
        return res?.status === 503;
      });
      const [health] = parseResponses(
        (await exchange(t.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).text,
      );
      assert.equal(health.status, 503);
      assert.match(health.body, /at capacity/);
      assert.equal(health.headers.get("retry-after"), "1");
      assert.equal(health.headers.get("cache-control"), "no-store");
    } finally {
      busy.close();
    }
    // The client that left gives its place back (its handler's signal aborts).
    await eventually(async () =>
      (await exchange(t.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).text.startsWith("HTTP/1.1 200")
    );
    const head = await exchange(t.port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(head.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(head.text.endsWith("\r\n\r\n"));
    const post = await fetch(t.url("/healthz"), { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
  },
  { options: { app: FAULTY, workers: 1, maxInFlight: 1, health: "/healthz" } },
);

/** The samples of a Prometheus page, by name with labels. */
function samples(page: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

serverTest(
  "--metrics counts responses by status, bytes, connections, in-flight, thread messages and worker restarts",
  async (t) => {
    for (let i = 0; i < 3; i++) await (await fetch(t.url("/ok"))).text();
    for (let i = 0; i < 2; i++) await (await fetch(t.url("/missing.txt"))).text();
    const res = await fetch(t.url("/metrics"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const before = samples(await res.text());
    assert.equal(before.get('weft_responses_total{code="200"}'), 3);
    assert.equal(before.get('weft_responses_total{code="404"}'), 2);
    assert.ok(before.get("weft_response_body_bytes_total")! >= 3 * "ok".length);
    assert.equal(before.get("weft_requests_in_flight"), 1, "the metrics request itself");
    assert.equal(before.get("weft_queue_depth"), 1, "the metrics request itself");
    assert.ok(before.get("weft_connections_open")! >= 1);
    assert.equal(before.get("weft_workers"), 2);
    assert.equal(before.get("weft_worker_restarts_total"), 0);
    // Six requests came and went, each in at least one message each way (pings too).
    assert.ok(before.get('weft_thread_messages_total{direction="to_workers"}')! >= 6);
    assert.ok(before.get('weft_thread_messages_total{direction="to_main"}')! >= 5);

    // A worker dies: the restart is counted and the totals do not go back.
    const crashed = await fetch(t.url("/crash"));
    assert.equal(crashed.status, 503);
    await crashed.body?.cancel();
    const after = samples(await (await fetch(t.url("/metrics"))).text());
    assert.equal(after.get("weft_worker_restarts_total"), 1);
    // A dead worker's counts are kept as of its last heartbeat (at most 0.5 s old).
    assert.equal(after.get('weft_responses_total{code="404"}'), 2);
    assert.ok(after.get('weft_responses_total{code="200"}')! >= 3);
  },
  { options: { app: FAULTY, metrics: "/metrics", handlerTimeout: 300 } },
);

Deno.test("--server-timing: each response says where its time went, the JSON log too; /metrics has the histogram", async () => {
  const weft = await startDeno(
    weftArgs(
      "--port",
      "0",
      "--server-timing",
      "--log-format",
      "json",
      "--metrics",
      "/metrics",
      "--workers",
      "1",
    ),
  );
  try {
    const base = `http://127.0.0.1:${weft.port}`;
    const page = await fetch(`${base}/`);
    await page.body?.cancel();
    const timing = page.headers.get("server-timing") ?? "";
    const parts =
      /^queued;dur=(\d+\.\d{3}), worker;dur=(\d+\.\d{3}), fs;dur=(\d+\.\d{3}), total;dur=(\d+\.\d{3})$/
        .exec(timing);
    assert.ok(parts, `Server-Timing: ${timing}`);
    const [queued, worker, fs, total] = parts.slice(1).map(Number);
    assert.ok(total + 0.002 >= queued + worker + fs, `the parts add up to at most the total: ${timing}`);
    const missing = await fetch(`${base}/missing`);
    await missing.body?.cancel();
    assert.match(missing.headers.get("server-timing") ?? "", /, fs;dur=/, "the file server answered the 404");
    const refused = await fetch(`${base}/metrics`, { method: "POST" });
    await refused.body?.cancel();
    assert.match(refused.headers.get("server-timing") ?? "", /, error;dur=/, "weft refused it (405)");
    // The histogram counts every response an exchange ended, by what answered it; this scrape counts next time.
    await (await fetch(`${base}/metrics`)).text();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1]);
    assert.equal(sample('weft_request_duration_seconds_count\\{answered_by="file"\\}'), 2);
    assert.equal(sample('weft_request_duration_seconds_count\\{answered_by="error"\\}'), 1);
    assert.equal(sample('weft_request_duration_seconds_count\\{answered_by="weft"\\}'), 1);
    assert.equal(sample('weft_request_duration_seconds_bucket\\{answered_by="file",le="\\+Inf"\\}'), 2);
    assert.ok(sample('weft_request_duration_seconds_sum\\{answered_by="file"\\}') > 0);
  } finally {
    await weft.stop();
  }
  const lines = weft.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(Object.keys(lines[0].timing), ["queued", "worker", "fs", "total"]);
  assert.ok(lines.every((line) => line.timing.total >= 0), weft.stdout);
});
