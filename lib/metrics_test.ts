import assert from "node:assert/strict";
import { formatMetrics } from "./metrics.ts";
import { DURATION_BUCKETS, type Durations, observeDuration } from "./pool/durations.ts";

Deno.test("the metrics page lists every metric with HELP and TYPE, codes sorted", () => {
  const text = formatMetrics({
    responses: { "404": 2, "200": 5 },
    bytes: 1234,
    requests: { "HTTP/2": 4, "HTTP/1.1": 3 },
    http2Connections: 1,
    inFlight: 1,
    queueDepth: 3,
    connections: 4,
    writeQueueBytes: 10,
    fileRegionBytes: 20,
    keptBodyBytes: 30,
    workers: 2,
    restarts: 1,
    websockets: 6,
    messagesReceived: 7,
    messagesSent: 8,
    postsFromMain: 9,
    postsToMain: 10,
    durations: {},
  });
  const lines = text.trimEnd().split("\n");
  const samples = lines.filter((l) => !l.startsWith("#"));
  assert.deepEqual(samples, [
    'weft_responses_total{code="200"} 5',
    'weft_responses_total{code="404"} 2',
    "weft_response_body_bytes_total 1234",
    'weft_requests_total{protocol="HTTP/1.1"} 3',
    'weft_requests_total{protocol="HTTP/2"} 4',
    "weft_http2_connections_open 1",
    "weft_requests_in_flight 1",
    "weft_queue_depth 3",
    "weft_connections_open 4",
    "weft_write_queue_bytes 10",
    "weft_file_region_bytes 20",
    "weft_kept_body_bytes 30",
    "weft_websockets_open 6",
    'weft_websocket_messages_total{direction="received"} 7',
    'weft_websocket_messages_total{direction="sent"} 8',
    'weft_thread_messages_total{direction="to_workers"} 9',
    'weft_thread_messages_total{direction="to_main"} 10',
    "weft_workers 2",
    "weft_worker_restarts_total 1",
  ]);
  for (const name of new Set(samples.map((l) => l.split(/[{ ]/)[0]))) {
    assert.ok(lines.includes(`# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`), name);
    assert.ok(lines.some((l) => l.startsWith(`# HELP ${name} `)), name);
  }
  assert.ok(text.endsWith("\n"));
});

Deno.test("request durations are a Prometheus histogram by what answered: cumulative buckets, sum, count", () => {
  const durations: Durations = {};
  for (const seconds of [0.0004, 0.003, 0.003, 20]) observeDuration(durations, "file", seconds);
  observeDuration(durations, "app", 0.2);
  const text = formatMetrics({
    responses: {},
    bytes: 0,
    requests: {},
    http2Connections: 0,
    inFlight: 0,
    queueDepth: 0,
    connections: 0,
    writeQueueBytes: 0,
    fileRegionBytes: 0,
    keptBodyBytes: 0,
    workers: 1,
    restarts: 0,
    websockets: 0,
    messagesReceived: 0,
    messagesSent: 0,
    postsFromMain: 0,
    postsToMain: 0,
    durations,
  });
  const lines = text.split("\n");
  assert.ok(lines.includes("# TYPE weft_request_duration_seconds histogram"));
  const file = lines.filter((l) => l.startsWith('weft_request_duration_seconds_bucket{answered_by="file"'));
  assert.equal(file.length, DURATION_BUCKETS.length + 1);
  const count = (le: string) => Number(file.find((l) => l.includes(`le="${le}"`))!.split(" ")[1]);
  assert.deepEqual([count("0.0005"), count("0.0025"), count("0.005"), count("10"), count("+Inf")], [
    1,
    1,
    3,
    3,
    4,
  ]);
  assert.ok(lines.includes('weft_request_duration_seconds_count{answered_by="file"} 4'));
  assert.ok(lines.includes('weft_request_duration_seconds_bucket{answered_by="app",le="0.25"} 1'));
  const sum = Number(
    lines.find((l) => l.startsWith('weft_request_duration_seconds_sum{answered_by="file"}'))!.split(" ")[1],
  );
  assert.ok(Math.abs(sum - 20.0064) < 1e-9);
  assert.ok(lines.includes('weft_request_duration_seconds_count{answered_by="app"} 1'));
});
