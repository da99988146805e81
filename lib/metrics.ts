/**
 * The metrics page in Prometheus' text exposition format (version 0.0.4).
 *
 * @module
 */

import { durationSamples } from "./pool/durations.ts";
import type { WorkerCounters } from "./pool/worker_report.ts";

/** Everything the metrics page reports: the workers' counters, summed, and what the main thread knows. */
export interface MetricsSnapshot extends WorkerCounters {
  /** Requests read and not yet answered: waiting for a worker or being handled. */
  queueDepth: number;
  /** Open client connections. */
  connections: number;
  /** Response bytes held in memory, waiting to be written to clients. */
  writeQueueBytes: number;
  /** Bytes of file regions still to be read from disk and written to clients (flow rule 10). */
  fileRegionBytes: number;
  /** Workers running. */
  workers: number;
  /** Workers replaced after failing or hanging, since start. */
  restarts: number;
  /** Bytes of cached bodies the main thread keeps for the workers (flow rule 9). */
  keptBodyBytes: number;
}

/** The content type of the page, as Prometheus expects it. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Formats a snapshot as Prometheus text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMetrics } from "./metrics.ts";
 * const text = formatMetrics({
 *   responses: { "200": 3 }, bytes: 120, inFlight: 1, queueDepth: 1, websockets: 0,
 *   messagesReceived: 0, messagesSent: 0, postsFromMain: 5, postsToMain: 4, durations: {}, requests: {},
 *   http2Connections: 0,
 *   connections: 2, writeQueueBytes: 0, fileRegionBytes: 0, workers: 2, restarts: 0, keptBodyBytes: 0,
 * });
 * assert.equal(text.includes('weft_responses_total{code="200"} 3'), true);
 * ```
 */
export function formatMetrics(s: MetricsSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: "counter" | "gauge", help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const codes = Object.keys(s.responses).sort();
  metric(
    "weft_responses_total",
    "counter",
    "Responses sent, by status code.",
    codes.map((code) => [`{code="${code}"}`, s.responses[code]]),
  );
  metric("weft_response_body_bytes_total", "counter", "Response body bytes sent.", [["", s.bytes]]);
  metric(
    "weft_requests_total",
    "counter",
    "Requests answered, by protocol.",
    Object.keys(s.requests).sort().map((protocol) => [`{protocol="${protocol}"}`, s.requests[protocol]]),
  );
  metric("weft_http2_connections_open", "gauge", "Open HTTP/2 connections.", [["", s.http2Connections]]);
  metric("weft_requests_in_flight", "gauge", "Requests a handler is working on.", [["", s.inFlight]]);
  metric(
    "weft_queue_depth",
    "gauge",
    "Requests read and not yet answered, waiting for a worker or being handled.",
    [[
      "",
      s.queueDepth,
    ]],
  );
  metric("weft_connections_open", "gauge", "Open client connections.", [["", s.connections]]);
  metric(
    "weft_write_queue_bytes",
    "gauge",
    "Response bytes held in memory, waiting to be written to clients.",
    [[
      "",
      s.writeQueueBytes,
    ]],
  );
  metric(
    "weft_file_region_bytes",
    "gauge",
    "Bytes of files still to be read from disk and sent to clients.",
    [[
      "",
      s.fileRegionBytes,
    ]],
  );
  metric("weft_kept_body_bytes", "gauge", "Bytes of the workers' cached files kept on the main thread.", [[
    "",
    s.keptBodyBytes,
  ]]);
  metric("weft_websockets_open", "gauge", "Open WebSocket connections.", [["", s.websockets]]);
  metric("weft_websocket_messages_total", "counter", "WebSocket messages, by direction.", [
    ['{direction="received"}', s.messagesReceived],
    ['{direction="sent"}', s.messagesSent],
  ]);
  metric("weft_thread_messages_total", "counter", "Messages between the main thread and the workers.", [
    ['{direction="to_workers"}', s.postsFromMain],
    ['{direction="to_main"}', s.postsToMain],
  ]);
  lines.push(
    "# HELP weft_request_duration_seconds Time from a request's head reaching weft to its response's end, by what answered.",
    "# TYPE weft_request_duration_seconds histogram",
    ...durationSamples("weft_request_duration_seconds", s.durations),
  );
  metric("weft_workers", "gauge", "Workers running.", [["", s.workers]]);
  metric("weft_worker_restarts_total", "counter", "Workers replaced after failing or hanging.", [[
    "",
    s.restarts,
  ]]);
  return lines.join("\n") + "\n";
}
