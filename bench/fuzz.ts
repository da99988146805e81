/**
 * The long fuzz run: `deno task fuzz [--count 100000] [--seed N]`. The same
 * checks as tests/fuzz_test.ts (HTTP requests, WebSocket client frames, HTTP/2
 * client sessions), many more inputs. Prints the counts and times.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fuzz } from "../tests/_fuzz.ts";
import { http2Fuzz } from "../tests/_fuzz_http2.ts";
import { websocketFuzz } from "../tests/_fuzz_websocket.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: String(Date.now() % 1e9) },
  },
});
for (const [name, run] of [["http", fuzz], ["websocket", websocketFuzz], ["http2", http2Fuzz]] as const) {
  const started = performance.now();
  const { inputs, errors } = run(Number(values.seed), Number(values.count));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `fuzz ${name}: ${inputs} inputs (seed ${values.seed}), ${errors} refused with a typed error, ` +
      `all split-invariant, ${seconds.toFixed(1)} s`,
  );
}
