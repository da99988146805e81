// An app that calls Deno.exit() while loading (in a worker it ends the worker, not the process).
Deno.exit(3);

export default { fetch: () => new Response("never") };
