// Load-aware dispatch (lib/pool/balance.ts) over TCP: a keep-alive connection leaves a worker a slow handler
// holds, before its next request, and no request is lost or reordered when it moves.
import assert from "node:assert/strict";
import { SLOW_ANSWERS } from "../lib/pool/balance.ts";
import { readResponses, serverTest, writeAll } from "./_helpers.ts";

const APP = new URL("testdata/balance_app.ts", import.meta.url);
const enc = new TextEncoder();
/** Longer than any wait the test allows a request on a free worker. */
const STUCK_MS = 3000;
/** What a request on a free worker may take here, with another process loading the CPU. */
const ANSWERED_WITHIN_MS = 1500;

interface Answer {
  worker: string;
  path: string;
}

/** Sends `paths` pipelined in one write on `conn` and reads their answers, in order. */
async function ask(conn: Deno.Conn, ...paths: string[]): Promise<Answer[]> {
  await writeAll(conn, enc.encode(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("")));
  const responses = await readResponses(conn, paths.length);
  return responses.map((r) => {
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as Answer;
  });
}

/** Opens connections until two are held by the same worker; returns them, that worker, and the rest. */
async function twoOnOneWorker(
  port: number,
): Promise<{ pair: [Deno.Conn, Deno.Conn]; worker: string; rest: Deno.Conn[] }> {
  const conns: Deno.Conn[] = [];
  const byWorker = new Map<string, Deno.Conn[]>();
  for (;;) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conns.push(conn);
    const [{ worker }] = await ask(conn, "/who");
    const same = byWorker.get(worker) ?? [];
    same.push(conn);
    byWorker.set(worker, same);
    if (same.length === 2) {
      return { pair: [same[0], same[1]], worker, rest: conns.filter((c) => !same.includes(c)) };
    }
  }
}

/** Resolves with `promise`, or rejects once `ms` pass first. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not answered within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

serverTest(
  "a keep-alive connection leaves the worker a slow handler holds, and is answered by the other",
  async (t) => {
    await t.server.ready; // Both workers: a connection moves only to one that is ready.
    const { pair: [slow, fast], worker, rest } = await twoOnOneWorker(t.port);
    try {
      // Two answers whose handlers held the thread (SLOW_HANDLER ms or more) mark the connection slow.
      for (let i = 0; i < SLOW_ANSWERS; i++) {
        assert.equal((await ask(slow, "/spin?ms=200"))[0].worker, worker);
      }
      const stuck = ask(slow, `/spin?ms=${STUCK_MS}`);
      stuck.catch(() => {}); // Awaited below, unless the test fails first.
      const started = performance.now();
      const [moved] = await within(ask(fast, "/who"), ANSWERED_WITHIN_MS, "a request beside a stuck handler");
      assert.notEqual(moved.worker, worker, "answered by the worker the handler holds");
      const [held] = await stuck;
      assert.equal(held.worker, worker, "the slow connection stays where it was");
      assert.ok(performance.now() - started >= STUCK_MS - 100);
    } finally {
      for (const conn of [slow, fast, ...rest]) conn.close();
    }
  },
  { options: { app: APP, workers: 2 } },
);

serverTest("pipelined requests on a connection that moves are answered in order, none lost", async (t) => {
  await t.server.ready; // Both workers: a connection moves only to one that is ready.
  const { pair: [slow, fast], worker, rest } = await twoOnOneWorker(t.port);
  try {
    for (let i = 0; i < SLOW_ANSWERS; i++) assert.equal((await ask(slow, "/spin?ms=200"))[0].worker, worker);
    const paths = Array.from({ length: 8 }, (_, i) => `/who?n=${i}`);
    const answers = await ask(fast, ...paths);
    assert.deepEqual(answers.map((a) => a.path), paths);
    // It moved before the first of them, and all were answered where it went.
    assert.equal(new Set(answers.map((a) => a.worker)).size, 1);
    assert.notEqual(answers[0].worker, worker);
    // Both connections go on being served.
    assert.equal((await ask(slow, "/who"))[0].worker, worker);
    assert.deepEqual((await ask(fast, "/who?again")).map((a) => a.path), ["/who?again"]);
  } finally {
    for (const conn of [slow, fast, ...rest]) conn.close();
  }
}, { options: { app: APP, workers: 2 } });
