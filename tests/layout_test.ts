// The import rules docs/design.md states, checked on the source: the protocol core is sans-I/O
// and self-contained, the frame format depends on nothing, and the main thread never reaches a parser.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path/posix";

const top = new URL("..", import.meta.url).pathname;

/** Every source file (tests, test helpers and generated files left out), relative to the top. */
async function sources(): Promise<string[]> {
  const found: string[] = ["mod.ts"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(join(top, dir))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.ts$/.test(entry.name) && !/(_test|_test_utils)\.ts$/.test(entry.name)) found.push(path);
    }
  };
  await walk("lib");
  await walk("workers");
  return found.sort();
}

/** How a module is reached: `loaded` follows only static imports, what evaluates when the file is loaded. */
type Reach = "any" | "loaded";

/** The specifiers a file imports (statically, or also by a literal dynamic import). */
async function specifiersOf(file: string, reach: Reach): Promise<string[]> {
  // Doc comments' examples import too, and `import type` loads nothing at run time: neither is an import here.
  const text = (await Deno.readTextFile(join(top, file)))
    .replace(/\/\*\*[\s\S]*?\*\//g, "")
    .replace(/^import type [^;]*;/gm, "");
  const pattern = reach === "any" ? /(?:from|import)\s*\(?\s*"([^"]+)"/g : /from\s*"([^"]+)"/g;
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

/** The modules of ours a file imports, relative to the top. */
async function importsOf(file: string, reach: Reach = "any"): Promise<string[]> {
  return (await specifiersOf(file, reach)).filter((s) => /^\.{1,2}\//.test(s))
    .map((s) => relative(top, join(top, dirname(file), s)));
}

/** `from` and everything it imports, transitively. */
async function closure(from: string, reach: Reach = "any"): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [from];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...await importsOf(file, reach));
  }
  return seen;
}

Deno.test("the protocol cores (lib/http, lib/websocket, lib/http2) import only themselves, and no Deno API", async () => {
  // HTTP/2's core shares the byte helpers of HTTP/1's.
  const shared = ["lib/http/bytes.ts", "lib/http/receive_buffer.ts"];
  for (const file of (await sources()).filter((f) => /^lib\/(http|websocket|http2)\//.test(f))) {
    const core = file.split("/").slice(0, 2).join("/") + "/";
    for (const imported of await importsOf(file)) {
      const allowed = imported.startsWith(core) || core === "lib/http2/" && shared.includes(imported);
      assert.ok(allowed, `${file} imports ${imported}`);
    }
    const code = (await Deno.readTextFile(join(top, file))).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\bDeno\./, `${file} uses a Deno API`);
  }
});

Deno.test("the frame format imports nothing of ours; nothing in lib/ imports workers/", async () => {
  for (
    const leaf of [
      "lib/pool/frames.ts",
      "lib/pool/frame_types.ts",
      "lib/pool/frame_payloads.ts",
      "lib/pool/spares.ts",
    ]
  ) {
    assert.deepEqual(await importsOf(leaf), [], leaf);
  }
  for (const file of (await sources()).filter((f) => f.startsWith("lib/"))) {
    for (const imported of await importsOf(file)) {
      assert.ok(!imported.startsWith("workers/"), `${file} imports ${imported}`);
    }
  }
});

Deno.test("the main thread reaches no parser, file server, app runner or worker code", async () => {
  const forbidden = [
    /^lib\/http\/(request_head|request_target|chunked|framing|connection|forwarded)\.ts$/,
    /^lib\/websocket\//,
    /^lib\/files\//,
    /^lib\/handler\.ts$/,
    /^lib\/app\/(request|response_reply)\.ts$/,
    /^workers\//,
  ];
  for (const entry of ["lib/server.ts", "lib/cli/main.ts"]) {
    for (const file of await closure(entry)) {
      assert.ok(!forbidden.some((rule) => rule.test(file)), `${entry} reaches ${file}`);
    }
  }
});

Deno.test("a server without files loads no node: module: the file server comes with a root", async () => {
  // Each of node:fs, node:zlib and node:path brings Node's compatibility layer into the thread (6–9 MiB of
  // RSS an isolate, measured): an app alone must not pay for it.
  for (const entry of ["workers/http_worker.ts", "lib/server.ts", "lib/cli/main.ts"]) {
    for (const file of await closure(entry, "loaded")) {
      const node = (await specifiersOf(file, "loaded")).filter((s) => s.startsWith("node:"));
      assert.deepEqual(node, [], `${entry} loads ${file}, which imports ${node.join(", ")}`);
    }
  }
  // The rule can fail: the file server is reached once loading follows dynamic imports, and it needs node:.
  assert.ok((await closure("workers/http_worker.ts")).has("lib/open_inside.ts"));
});

Deno.test("the rules above would see a violation: the worker does reach the parser", async () => {
  assert.ok((await closure("workers/http_worker.ts")).has("lib/http/request_head.ts"));
});

Deno.test("docs/design.md's layout names every source folder and file", async () => {
  const design = await Deno.readTextFile(join(top, "docs/design.md"));
  const block = /```\n(mod\.ts[\s\S]*?)```/.exec(design)?.[1];
  assert.ok(block !== undefined, "docs/design.md has no layout block starting with mod.ts");
  const named = (file: string) => {
    const base = file.split("/").at(-1)!.replace(/\.ts$/, "");
    // A file is named by its path, or by its name on its folder's lines; access_log*.ts names a family.
    return block.includes(file) || new RegExp(`\\b${base}\\b`).test(block) ||
      [...block.matchAll(/(\S+)\*\.ts/g)].some(([, prefix]) => file.startsWith(prefix));
  };
  for (const file of await sources()) {
    const folder = dirname(file);
    if (folder !== "." && folder !== "lib") {
      assert.ok(block.includes(`${folder}/`), `the layout has no ${folder}/`);
    }
    assert.ok(named(file), `the layout does not name ${file}`);
  }
  for (const folder of ["workers", "examples", "tests", "bench", "docs"]) {
    assert.ok(block.includes(`${folder}/`), `the layout has no ${folder}/`);
  }
});
