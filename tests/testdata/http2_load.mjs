// HTTP/2 load for the shutdown and reload tests, run by Node: CONNECTIONS sessions, each with STREAMS requests
// always in flight (a page and a file by turns). A session that gets GOAWAY is replaced by a new one; a stream the
// server refused (past GOAWAY's last stream id) is counted, not failed, and sent again. It stops when stdin closes or when a new
// connection is refused (the server is gone). It prints "completed N" every 200 answers, then one JSON line:
// completed, refused, failures, and `inFlightAtGoaway` (streams under way when their session got GOAWAY).
import http2 from "node:http2";

const [url, connections, streams] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const expected = JSON.parse(process.argv[5]);
const paths = Object.keys(expected);
let completed = 0;
let refused = 0;
let inFlightAtGoaway = 0;
const failures = [];
let stopping = false;
process.stdin.on("end", () => stopping = true).resume();

/** A session and whether it is still fit for new streams. */
function open() {
  const session = http2.connect(url);
  const state = { session, usable: true, connected: false, inFlight: 0 };
  session.on("connect", () => state.connected = true);
  session.on("goaway", () => {
    state.usable = false;
    inFlightAtGoaway += state.inFlight;
  });
  session.on("close", () => state.usable = false);
  session.on("error", (e) => {
    state.usable = false;
    if (e.code === "ECONNREFUSED") stopping = true;
  });
  return state;
}

function get(state, path) {
  return new Promise((resolve) => {
    let bytes = 0;
    let stream;
    try {
      stream = state.session.request({ ":path": path });
    } catch (e) {
      // The session got GOAWAY (or closed) between the check and the request: not sent at all.
      state.usable = false;
      return resolve({ refused: true, code: e.code });
    }
    state.inFlight++;
    stream.on("data", (chunk) => bytes += chunk.length);
    stream.on("close", () => {
      state.inFlight--;
      // Refused past GOAWAY's last stream id, or on a connection that never opened: the request was not taken.
      if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM || !state.connected) {
        return resolve({ refused: true });
      }
      if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
        return resolve({ error: `${path}: reset ${stream.rstCode} after ${bytes} bytes` });
      }
      resolve(
        bytes === expected[path] ? { ok: true } : { error: `${path}: ${bytes} of ${expected[path]} bytes` },
      );
    });
    stream.on("error", () => {});
  });
}

async function loop(group, n) {
  while (!stopping) {
    if (!group.state.usable) group.state = open();
    // A refused request is sent again (on a new connection, once this one has had GOAWAY).
    const result = await get(group.state, paths[n % paths.length]);
    if (!result.refused) n++;
    if (result.ok) {
      if (++completed % 200 === 0) console.log(`completed ${completed}`);
    } else if (result.refused) refused++;
    else failures.push(result.error);
  }
}

const groups = Array.from({ length: connections }, () => ({ state: open() }));
await Promise.all(
  groups.flatMap((group, g) => Array.from({ length: streams }, (_, s) => loop(group, g + s))),
);
for (const { state } of groups) state.session.destroy();
console.log(
  JSON.stringify({
    completed,
    refused,
    failures: failures.slice(0, 5),
    failed: failures.length,
    inFlightAtGoaway,
  }),
);
