/**
 * Replays the llhttp-derived request corpus (tests/testdata/conformance/) against a live server and pins
 * the cases where weft deliberately answers differently from llhttp, each with its reason.
 */
import assert from "node:assert/strict";
import { type CorpusRecord, judge, readAnswers, replayCorpus } from "./_conformance.ts";
import { startServer } from "./_helpers.ts";

const CORPUS = new URL("./testdata/conformance/llhttp-requests.json", import.meta.url);

/** nginx 1.22.1's figure on the same corpus and rules (from the corpus README). */
const NGINX_PASSED = 113;

/** Cases where weft differs from llhttp on purpose. */
const DELIBERATE: Record<string, string> = {
  "request/method.md#M-SEARCH request":
    "RFC 9112 §3.2.4: the asterisk form is only for OPTIONS; `M-SEARCH *` is SSDP, not HTTP/1.1 (400)",
  "request/method.md#SOURCE request with ICE":
    "ICE/1.0 is not HTTP: a version other than HTTP/1.x is refused (400)",
  "request/method.md#OPTIONS request with RTSP": "RTSP/1.0 is not HTTP (400)",
  "request/method.md#ANNOUNCE request with RTSP": "RTSP/1.0 is not HTTP (400)",
  "request/sample.md#No HTTP version": "HTTP/0.9 (a request line without a version) is not supported (400)",
  "request/uri.md#`host:port` and basic auth":
    "RFC 9110 §4.2.4: userinfo in an http(s) URI received from an untrusted source is treated as an error (400)",
};

Deno.test("conformance: the llhttp corpus passes but for the pinned, deliberate differences", async () => {
  const { records } = JSON.parse(await Deno.readTextFile(CORPUS)) as { records: CorpusRecord[] };
  assert.equal(records.length, 136);
  const t = await startServer({ "index.html": "<h1>home</h1>" });
  try {
    const results = await replayCorpus(records, t.port);
    const failed = results.filter((r) => !r.passed);
    for (const r of failed) {
      assert.ok(r.id in DELIBERATE, `unexpected failure: ${r.id}: ${r.reason} ${JSON.stringify(r.statuses)}`);
    }
    for (const id of Object.keys(DELIBERATE)) {
      assert.ok(failed.some((r) => r.id === id), `${id} now passes: take it off the list of differences`);
    }
    for (const category of ["content-length", "transfer-encoding", "invalid"]) {
      assert.deepEqual(failed.filter((r) => r.category === category).map((r) => r.id), [], category);
    }
    const passed = results.length - failed.length;
    assert.ok(passed >= NGINX_PASSED, `${passed} passed; nginx passes ${NGINX_PASSED}`);
    console.log(`conformance: ${passed} passed, ${failed.length} failed (nginx: ${NGINX_PASSED} passed)`);
  } finally {
    await t.close();
  }
});

Deno.test("conformance replay: the pass rules judge answers as the corpus README states", () => {
  const record = (
    expect: "ok" | "error",
    messages: number,
    extra: Partial<CorpusRecord> = {},
  ): CorpusRecord => ({
    id: "case",
    category: "test",
    raw_b64: "",
    expect,
    messages,
    requests: [{ method: "GET" }, { method: "GET" }],
    incomplete: false,
    upgrade: false,
    expect_close: false,
    eof_after_send: false,
    error_phase: "head",
    ambiguous: [],
    ...extra,
  });
  const answered = (text: string, closed: boolean, probedEof = false) => ({
    ...readAnswers(text, closed, ["GET", "GET"]),
    closed,
    probedEof,
  });
  const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  const bad = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad";
  const notFound = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n";
  assert.equal(judge(record("ok", 1), answered(ok, false)).passed, true);
  assert.equal(judge(record("ok", 1), answered(bad, true)).passed, false, "a valid message refused");
  assert.equal(judge(record("ok", 1), answered(ok + notFound, false)).passed, false, "two answers to one");
  assert.equal(judge(record("error", 1), answered(notFound + bad, true)).passed, true);
  assert.equal(
    judge(record("error", 1), answered(ok + notFound, false)).passed,
    false,
    "the broken one routed",
  );
  assert.equal(
    judge(record("error", 0), answered("", true, true)).passed,
    true,
    "closed at the client's EOF",
  );
  assert.equal(judge(record("error", 0), answered("", false, true)).passed, false, "silent and open");
  const body = record("error", 0, { error_phase: "body" });
  assert.equal(judge(body, answered(ok, true)).passed, true, "answered early, then closed");
  assert.equal(judge(body, answered(ok, false)).passed, false, "answered early, kept open");
  assert.equal(judge(record("error", 0), answered(bad + ok, true)).passed, false, "a desync after a 400");
});
