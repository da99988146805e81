/**
 * How long requests took, as a Prometheus histogram by what answered them:
 * a worker counts each response into fixed buckets, the counts travel with
 * its other counters (plain JSON), the main thread adds the workers' up, and
 * the metrics page prints `weft_request_duration_seconds`. A request's time
 * runs from the main thread handing its head over to its response ending.
 * Like the other counters' module, this one imports nothing of weft's.
 *
 * @module
 */

/** Upper bounds of the buckets, in seconds (`+Inf` is implied). */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/**
 * What answered a request: the file server (its 404s too), the app, weft's
 * own pages (health, metrics), or an error weft made (a 500 for a handler
 * that threw, a refusal before any handler ran).
 */
export type AnsweredBy = "file" | "app" | "weft" | "error";

/** One label's histogram: a count per bucket (not cumulative; the last is `+Inf`), their sum and count. */
export interface DurationCounts {
  buckets: number[];
  sum: number;
  count: number;
}

/** Histograms by {@linkcode AnsweredBy}. */
export type Durations = Partial<Record<AnsweredBy, DurationCounts>>;

/**
 * Counts one request of `seconds` answered by `by`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Durations, observeDuration } from "./durations.ts";
 * const durations: Durations = {};
 * observeDuration(durations, "file", 0.0007);
 * observeDuration(durations, "file", 60);
 * assert.deepEqual(durations.file?.buckets, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
 * assert.equal(durations.file?.count, 2);
 * ```
 */
export function observeDuration(durations: Durations, by: AnsweredBy, seconds: number): void {
  const counts = durations[by] ??= {
    buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
    sum: 0,
    count: 0,
  };
  let bucket = 0;
  while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]) bucket++;
  counts.buckets[bucket]++;
  counts.sum += seconds;
  counts.count++;
}

/**
 * Adds `more` into `total` (the workers' histograms into one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addDurations, type Durations, observeDuration } from "./durations.ts";
 * const [a, b]: Durations[] = [{}, {}];
 * observeDuration(a, "app", 0.01);
 * observeDuration(b, "app", 0.02);
 * addDurations(a, b);
 * assert.equal(a.app?.count, 2);
 * ```
 */
export function addDurations(total: Durations, more: Durations): void {
  for (const [by, counts] of Object.entries(more) as [AnsweredBy, DurationCounts][]) {
    const into = total[by] ??= { buckets: new Array(counts.buckets.length).fill(0), sum: 0, count: 0 };
    counts.buckets.forEach((n, i) => (into.buckets[i] += n));
    into.sum += counts.sum;
    into.count += counts.count;
  }
}

/**
 * The histogram's sample lines in Prometheus text: cumulative `_bucket`
 * lines with `le`, then `_sum` and `_count`, per label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { durationSamples, type Durations, observeDuration } from "./durations.ts";
 * const durations: Durations = {};
 * observeDuration(durations, "error", 0.003);
 * const lines = durationSamples("d", durations);
 * assert.ok(lines.includes('d_bucket{answered_by="error",le="0.0025"} 0'));
 * assert.ok(lines.includes('d_bucket{answered_by="error",le="+Inf"} 1'));
 * assert.ok(lines.includes('d_count{answered_by="error"} 1'));
 * ```
 */
export function durationSamples(name: string, durations: Durations): string[] {
  const lines: string[] = [];
  for (const by of (Object.keys(durations) as AnsweredBy[]).sort()) {
    const { buckets, sum, count } = durations[by]!;
    let below = 0;
    buckets.forEach((n, i) => {
      below += n;
      const le = i < DURATION_BUCKETS.length ? String(DURATION_BUCKETS[i]) : "+Inf";
      lines.push(`${name}_bucket{answered_by="${by}",le="${le}"} ${below}`);
    });
    lines.push(`${name}_sum{answered_by="${by}"} ${sum}`, `${name}_count{answered_by="${by}"} ${count}`);
  }
  return lines;
}
