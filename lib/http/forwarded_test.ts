import assert from "node:assert/strict";
import { forwardedClient } from "./forwarded.ts";

Deno.test("Forwarded: the last element's for=, unquoted, without port or brackets", () => {
  const cases: [string[], string | null][] = [
    [["for=192.0.2.60;proto=http;by=203.0.113.43"], "192.0.2.60"],
    [['for="[2001:db8:cafe::17]:4711"'], "2001:db8:cafe::17"],
    [["for=192.0.2.43, for=198.51.100.17"], "198.51.100.17"],
    [["for=192.0.2.43", 'For="198.51.100.17:8080"'], "198.51.100.17"],
    [["proto=https;for=10.0.0.1"], "10.0.0.1"],
    [["for=_hidden"], null],
    [["for=unknown"], null],
    [["by=10.0.0.1"], null],
    [['for="[::1"'], null],
  ];
  for (const [values, expected] of cases) {
    assert.equal(
      forwardedClient(values.map((v) => ["forwarded", v]), "forwarded"),
      expected,
      values.join(" | "),
    );
  }
});

Deno.test("X-Forwarded-For: the last entry; only the field the proxy sets is read", () => {
  const xff = (headers: [string, string][]) => forwardedClient(headers, "x-forwarded-for");
  assert.equal(xff([["x-forwarded-for", "203.0.113.195"]]), "203.0.113.195");
  assert.equal(xff([["x-forwarded-for", "1.1.1.1, 2.2.2.2 "]]), "2.2.2.2");
  assert.equal(xff([["x-forwarded-for", "1.1.1.1"], ["x-forwarded-for", "3.3.3.3"]]), "3.3.3.3");
  assert.equal(xff([["x-forwarded-for", "2001:db8::2"]]), "2001:db8::2");
  assert.equal(xff([["x-forwarded-for", "<script>"]]), null);
  assert.equal(xff([["x-forwarded-for", ""]]), null);
  assert.equal(xff([["host", "x"]]), null);
  // A client's own Forwarded cannot override what the proxy put in X-Forwarded-For, nor the other way round.
  const both: [string, string][] = [["x-forwarded-for", "9.9.9.9"], ["forwarded", "for=8.8.8.8"]];
  assert.equal(xff(both), "9.9.9.9");
  assert.equal(forwardedClient(both, "forwarded"), "8.8.8.8");
});
