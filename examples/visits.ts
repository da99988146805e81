/**
 * State every worker shares: a visit counter in Deno KV. Each worker loads
 * this module, so a module-level `let visits = 0` would count per worker;
 * one KV file at one path is the same database in every worker (a KV opened
 * without a path is not: each worker gets its own).
 *
 *   deno run --unstable-kv --allow-net --allow-read --allow-write=. mod.ts --app examples/visits.ts
 *   deno serve --unstable-kv --allow-read --allow-write=. examples/visits.ts
 *
 * GET / counts a visit and answers with the count so far.
 *
 * @module
 */

const kv = await Deno.openKv("./visits.kv");

export default {
  async fetch(): Promise<Response> {
    // An atomic sum: concurrent visits in different workers are all counted.
    await kv.atomic().sum(["visits"], 1n).commit();
    const visits = (await kv.get<Deno.KvU64>(["visits"])).value?.value ?? 0n;
    return new Response(`visit ${visits}\n`);
  },
} satisfies Deno.ServeDefaultExport;
