/**
 * Replays the llhttp-derived request corpus in ../shared/conformance against a
 * live server with its checker, and pins the cases where weft deliberately
 * answers differently from llhttp, each with its reason.
 */
import assert from "node:assert/strict";
import { hasTool, startServer } from "./_helpers.ts";

const CHECKER = new URL("../../shared/conformance/check.py", import.meta.url).pathname;
const hasChecker = await Deno.stat(CHECKER).then(() => true, () => false);
const hasPython = hasChecker && await hasTool("python3");
if (!hasChecker) console.warn(`conformance corpus skipped: ${CHECKER} not found`);

/** nginx 1.22.1's figure on the same corpus (from the corpus README). */
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

Deno.test({
  name: "conformance: the llhttp corpus passes but for the pinned, deliberate differences",
  ignore: !hasChecker || !hasPython,
  async fn() {
    const t = await startServer({ "index.html": "<h1>home</h1>" });
    const report = await Deno.makeTempFile({ suffix: ".json" });
    try {
      const run = await new Deno.Command("python3", {
        args: [CHECKER, "--port", String(t.port), "--json", report],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(run.stdout);
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
      assert.ok(summary, `no summary from the checker:\n${out}\n${new TextDecoder().decode(run.stderr)}`);
      const { results } = JSON.parse(await Deno.readTextFile(report)) as {
        results: { id: string; category: string; result: string; reason: string }[];
      };
      const failed = results.filter((r) => r.result === "fail");
      for (const r of failed) {
        assert.ok(r.id in DELIBERATE, `unexpected failure: ${r.id}: ${r.reason}`);
      }
      for (const id of Object.keys(DELIBERATE)) {
        assert.ok(failed.some((r) => r.id === id), `${id} now passes: take it off the list of differences`);
      }
      for (const category of ["content-length", "transfer-encoding", "invalid"]) {
        assert.deepEqual(failed.filter((r) => r.category === category).map((r) => r.id), [], category);
      }
      assert.ok(Number(summary[1]) >= NGINX_PASSED, `${summary[0]}; nginx passes ${NGINX_PASSED}`);
      console.log(`conformance: ${summary[0]} (nginx: ${NGINX_PASSED} passed)`);
    } finally {
      await Deno.remove(report);
      await t.close();
    }
  },
});
