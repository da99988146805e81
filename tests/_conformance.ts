/**
 * Rule: replays the llhttp-derived request corpus (`tests/testdata/conformance/`) against a server on
 * loopback, one fresh connection per record, and judges each case by the pass rules its README states:
 * a valid message gets a non-400 answer and nothing more; a broken one gets a rejection (400, 408, 411,
 * 413, 414, 417, 431 or 5xx) or a close, never a 2xx–3xx, and nothing valid after it.
 *
 * @module
 */

/** One record of the corpus (the fields the replay reads; the README describes them all). */
export interface CorpusRecord {
  id: string;
  category: string;
  raw_b64: string;
  /** The same bytes with `Host: localhost` added where that cannot change what the case is about. */
  raw_host_b64?: string;
  expect: "ok" | "error";
  /** Complete messages before the end of the bytes or the error. */
  messages: number;
  requests: { method: string }[];
  incomplete: boolean;
  upgrade: boolean;
  expect_close: boolean;
  eof_after_send: boolean;
  error_phase?: "head" | "body" | "after-message" | "eof";
  ambiguous: string[];
}

/** One response as the replay read it; `status` is null where the bytes were not a response. */
interface Answer {
  status: number | null;
  close: boolean;
}

/** What followed the responses read: more to come, a tunnel (after 101 or a CONNECT's 2xx), or bytes that are not HTTP. */
type After = "more" | "tunnel" | "garbage";

/** How one case went on the wire. */
interface Outcome {
  answers: Answer[];
  after: After;
  closed: boolean;
  /** The server stayed silent, so the replay half-closed to see what it does at the client's end. */
  probedEof: boolean;
}

/** The verdict on one case. */
export interface CaseResult {
  id: string;
  category: string;
  passed: boolean;
  reason: string;
  statuses: (number | null)[];
}

const REJECTIONS = new Set([400, 408, 411, 413, 414, 417, 431]);
/** Records whose only defect is the method or the protocol: a 405 refuses them too. */
const METHOD_TAGS = ["method-registry", "h2-preface"];
const TIMEOUT_MS = 2000;
const GRACE_MS = 300;
const EOF_WAIT_MS = 1000;

function isRejection(status: number | null, record: CorpusRecord): boolean {
  if (status === null) return false;
  if (REJECTIONS.has(status) || (status >= 500 && status <= 599)) return true;
  return status === 405 && record.ambiguous.some((tag) => METHOD_TAGS.includes(tag));
}

/** Where a chunked body starting at `at` ends: its offset, null while incomplete, -1 when malformed. */
function chunkedEnd(text: string, at: number): number | null {
  for (;;) {
    const lineEnd = text.indexOf("\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(text.slice(at, lineEnd).split(";")[0].trim(), 16);
    if (Number.isNaN(size)) return -1;
    at = lineEnd + 1;
    if (size === 0) {
      // Trailer lines up to an empty one.
      for (;;) {
        const end = text.indexOf("\n", at);
        if (end < 0) return null;
        const line = text.slice(at, end).replace(/\r$/, "");
        at = end + 1;
        if (line === "") return at;
      }
    }
    if (text.length < at + size) return null;
    const after = text.indexOf("\n", at + size);
    if (after < 0) return null;
    at = after + 1;
  }
}

/** Where the body of a response whose head ends at `bodyStart` ends: null while incomplete, -1 when malformed. */
function bodyEnd(
  text: string,
  bodyStart: number,
  fields: Map<string, string>,
  eof: boolean,
): number | null {
  const coding = fields.get("transfer-encoding");
  if (coding !== undefined && coding.toLowerCase().split(",").at(-1)!.trim() === "chunked") {
    return chunkedEnd(text, bodyStart);
  }
  if (coding === undefined && fields.has("content-length")) {
    const length = Number(fields.get("content-length"));
    if (!Number.isInteger(length)) return -1;
    return text.length >= bodyStart + length ? bodyStart + length : null;
  }
  return eof ? text.length : null; // until the close
}

/** Reads the responses in `text` (latin1), each framed by the method of the request it answers. */
export function readAnswers(
  text: string,
  eof: boolean,
  methods: string[],
): { answers: Answer[]; after: After } {
  const answers: Answer[] = [];
  let at = 0;
  while (at < text.length) {
    if (!text.startsWith("HTTP/", at)) {
      const partial = !eof && "HTTP/".startsWith(text.slice(at));
      return { answers, after: partial ? "more" : "garbage" };
    }
    const headEnd = text.indexOf("\r\n\r\n", at);
    if (headEnd < 0) {
      if (eof) answers.push({ status: statusOf(text.slice(at).split("\n")[0]), close: true });
      return { answers, after: "more" };
    }
    const [statusLine, ...lines] = text.slice(at, headEnd).split("\r\n");
    const status = statusOf(statusLine);
    if (status === null) return { answers, after: "garbage" };
    const fields = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      fields.set(
        name,
        [fields.get(name), line.slice(colon + 1).trim()].filter((v) => v !== undefined).join(","),
      );
    }
    const answer = { status, close: /close/i.test(fields.get("connection") ?? "") };
    const method = methods[answers.length];
    if (status === 101) return { answers: [...answers, answer], after: "tunnel" };
    if (status >= 100 && status < 200) {
      at = headEnd + 4; // an interim response: the final one follows
      continue;
    }
    if (method === "CONNECT" && status < 300) return { answers: [...answers, answer], after: "tunnel" };
    const noBody = method === "HEAD" || status === 204 || status === 304;
    const end = noBody ? headEnd + 4 : bodyEnd(text, headEnd + 4, fields, eof);
    if (end === -1) return { answers: [...answers, answer], after: "garbage" };
    if (end === null) {
      if (eof) answers.push(answer); // cut short by the close
      return { answers, after: "more" };
    }
    answers.push(answer);
    at = end;
  }
  return { answers, after: "more" };
}

function statusOf(line: string): number | null {
  const status = /^HTTP\/\d\.\d (\d{3})(?: [^\r\n]*)?$/.exec(line.replace(/\r$/, ""))?.[1];
  return status === undefined ? null : Number(status);
}

const latin1 = new TextDecoder("latin1");

/** Sends one record's bytes on a fresh connection and reads until a verdict is possible. */
export async function replay(record: CorpusRecord, port: number): Promise<Outcome> {
  const bytes = Uint8Array.from(atob(record.raw_host_b64 ?? record.raw_b64), (c) => c.charCodeAt(0));
  const methods = record.requests.map((r) => r.method);
  const wanted = record.expect === "ok"
    ? record.messages
    : record.expect_close
    ? Infinity
    : record.messages + 1;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let text = "";
  let closed = false;
  let probedEof = false;
  let halfClosed = false;
  const halfClose = () => (halfClosed = true, conn.closeWrite().catch(() => {}));
  try {
    await conn.write(bytes).catch(() => (closed = true));
    if (record.eof_after_send) await halfClose();
    const buffer = new Uint8Array(65536);
    let deadline = Date.now() + TIMEOUT_MS;
    let graceUntil: number | null = null;
    // One read at a time: one still pending when time runs out is the next turn's read.
    let pending: Promise<number | null> | null = null;
    for (;;) {
      const { answers, after } = readAnswers(text, closed, methods);
      if (closed || after !== "more") break;
      if (graceUntil === null && answers.length >= wanted && !answeredBeforeBadBody(record, answers)) {
        graceUntil = Date.now() + GRACE_MS;
      }
      pending ??= conn.read(buffer).catch(() => null);
      const n = await before(pending, graceUntil ?? deadline);
      if (n === "late") {
        if (graceUntil !== null) break;
        if (
          record.expect === "error" && !halfClosed && !record.expect_close &&
          answers.length <= record.messages
        ) {
          // No verdict yet: say the client is done sending, and see what the server does then.
          await halfClose();
          probedEof = true;
          deadline = Date.now() + EOF_WAIT_MS;
          continue;
        }
        break;
      }
      pending = null;
      if (n === null) closed = true;
      else text += latin1.decode(buffer.subarray(0, n));
    }
  } finally {
    conn.close();
  }
  return { ...readAnswers(text, closed, methods), closed, probedEof };
}

/** A broken body answered early with a non-rejection: the replay waits to see whether the server closes. */
function answeredBeforeBadBody(record: CorpusRecord, answers: Answer[]): boolean {
  return record.expect === "error" && record.error_phase === "body" &&
    !isRejection(answers[record.messages]?.status ?? null, record);
}

/** What `work` gives, unless `until` (a time) passes first. */
async function before<T>(work: Promise<T>, until: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(() => resolve("late"), until - Date.now())
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Judges one case by the corpus's pass rules. */
export function judge(record: CorpusRecord, outcome: Outcome): { passed: boolean; reason: string } {
  const k = record.messages;
  const { answers, after, closed } = outcome;
  const pass = (reason: string) => ({ passed: true, reason });
  const fail = (reason: string) => ({ passed: false, reason });
  const first400 = answers.slice(0, k).findIndex((a) => a.status === 400 || a.status === null);
  if (first400 >= 0) {
    return fail(`complete valid message #${first400 + 1} answered ${answers[first400].status}`);
  }
  if (answers.length < k) {
    // A server may close after any response it marked `Connection: close`.
    if (answers.at(-1)?.close && closed) {
      return pass(`answered ${answers.length} of ${k}, then closed as announced`);
    }
    return fail(`${closed ? "closed" : "timed out"} after ${answers.length} of ${k} responses`);
  }
  if (record.expect === "ok") return judgeValid(record, outcome);
  if (record.expect_close) {
    if (answers.length > k) return fail(`answered data sent after Connection: close (${answers[k].status})`);
    return closed ? pass("closed after answering") : fail("open after a connection-closing message");
  }
  const afterEof = outcome.probedEof ? " (after the client's EOF)" : "";
  if (answers.length > k) {
    const status = answers[k].status;
    const later = answers.slice(k + 1).find((a) => a.status !== null && a.status < 400);
    if (isRejection(status, record)) {
      return later
        ? fail(`rejected with ${status}, then answered ${later.status}`)
        : pass(`rejected${afterEof}`);
    }
    if (record.error_phase !== "body") return fail(`accepted: ${status}${afterEof}`);
    // Answered before reading the body: the broken body must then make the server close.
    if (later) return fail(`answered ${status} early, then ${later.status} after the broken body`);
    if (closed && !outcome.probedEof) return pass(`answered ${status} early, then closed on the broken body`);
    return fail(`answered ${status} and kept the connection open after a broken body`);
  }
  if (after === "garbage") return fail("a response that does not parse");
  return closed
    ? pass(`closed without a response${afterEof}`)
    : fail("no response, and the connection left open");
}

/** A record whose bytes are all valid: its messages answered, and nothing more. */
function judgeValid(
  record: CorpusRecord,
  { answers, after, closed }: Outcome,
): { passed: boolean; reason: string } {
  const k = record.messages;
  const extra = answers.slice(k);
  if (record.upgrade) return { passed: true, reason: "what follows the upgrade or CONNECT is not HTTP" };
  if (after === "garbage") return { passed: false, reason: "bytes that do not parse after the responses" };
  if (record.incomplete) {
    // The unfinished message may be answered early, once, and not with 400; nor may the server give up on it.
    if (extra.length > 1) {
      return { passed: false, reason: `${answers.length} responses for ${k} message(s) + 1` };
    }
    if (extra[0]?.status === 400) {
      return { passed: false, reason: "a valid, unfinished message answered 400" };
    }
    if (k === 0 && extra.length === 0 && closed) {
      return { passed: false, reason: "closed on a valid, unfinished message" };
    }
    return { passed: true, reason: "ok" };
  }
  if (extra.length > 0) return { passed: false, reason: `${answers.length} responses for ${k} message(s)` };
  return { passed: true, reason: "ok" };
}

/** Replays every record, `parallel` at a time; a last result says so if the server then fails a plain GET. */
export async function replayCorpus(
  records: CorpusRecord[],
  port: number,
  parallel = 8,
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(records.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < records.length; i = next++) {
      const outcome = await replay(records[i], port);
      const { id, category } = records[i];
      results[i] = {
        id,
        category,
        ...judge(records[i], outcome),
        statuses: outcome.answers.map((a) => a.status),
      };
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  const probe: CorpusRecord = {
    id: "(liveness probe)",
    category: "liveness",
    raw_b64: btoa("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    expect: "ok",
    messages: 1,
    requests: [{ method: "GET" }],
    incomplete: false,
    upgrade: false,
    expect_close: false,
    eof_after_send: false,
    ambiguous: [],
  };
  const outcome = await replay(probe, port);
  const alive = judge(probe, outcome);
  if (alive.passed) return results;
  return [...results, { id: probe.id, category: probe.category, ...alive, statuses: [] }];
}
