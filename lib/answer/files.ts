/**
 * Rule: the files answer everything that reaches them (a 404 where there is
 * no file, and for `/weft.json`, the root's rules file). The file server, and the node:fs, node:zlib and node:path it
 * brings (~6 MiB a thread), is loaded only where there is a root: an app
 * alone never pays for it.
 *
 * @module
 */

import type { FileServerOptions } from "../config/options.ts";
import type { FileServer } from "../files/file_server.ts";
import type { Handler } from "../handler.ts";
import { fieldMap } from "../http/request_head.ts";
import { textReply } from "../reply.ts";

/**
 * The files of `root` (a real path), served as `options` say; `cacheDropped` hears of each body the cache lets go.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { filesHandler } from "./files.ts";
 * const root = Deno.realPathSync(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${root}/a.txt`, "a file");
 * const handle = filesHandler(root);
 * assert.equal((await call(handle, "/a.txt")).text, "a file");
 * assert.equal((await call(handle, "/b.txt")).status, 404);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function filesHandler(
  root: string,
  options?: FileServerOptions,
  cacheDropped?: (body: Uint8Array) => void,
): Handler {
  let fileServer: FileServer | null = null;
  const loading = import("../files/file_server.ts").then(({ FileServer }) =>
    fileServer = new FileServer(root, options, cacheDropped)
  );
  return async (request) => {
    // The root's rules file is weft's, not the site's (it may hold what a visitor should not read).
    if (request.target.path === "/weft.json") return textReply(404, "Not found");
    const reply = await (fileServer ?? await loading).respond({
      method: request.head.method,
      target: request.target,
      headers: fieldMap(request.head.headers),
    });
    reply.answeredBy = "file";
    return reply;
  };
}
