import assert from "node:assert/strict";
import { formatMetrics } from "./metrics.ts";

Deno.test("the metrics page lists every metric with HELP and TYPE, codes sorted", () => {
  const text = formatMetrics({
    responses: { "404": 2, "200": 5 },
    bytes: 1234,
    inFlight: 1,
    queueDepth: 3,
    connections: 4,
    writeQueueBytes: 10,
    workers: 2,
    restarts: 1,
    websockets: 6,
    messagesReceived: 7,
    messagesSent: 8,
    postsFromMain: 9,
    postsToMain: 10,
  });
  const lines = text.trimEnd().split("\n");
  const samples = lines.filter((l) => !l.startsWith("#"));
  assert.deepEqual(samples, [
    'weft_responses_total{code="200"} 5',
    'weft_responses_total{code="404"} 2',
    "weft_response_body_bytes_total 1234",
    "weft_requests_in_flight 1",
    "weft_queue_depth 3",
    "weft_connections_open 4",
    "weft_write_queue_bytes 10",
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
