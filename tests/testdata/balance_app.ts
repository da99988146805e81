// An app that says which worker ran it, and can hold its worker's thread: what balancing is tested with.
const worker = crypto.randomUUID();

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (url.pathname === "/spin") {
      // CPU, not a timer: the worker's thread is held and nothing else runs on it.
      const until = performance.now() + Number(url.searchParams.get("ms"));
      while (performance.now() < until) { /* spin */ }
    }
    return Response.json({ worker, path: url.pathname + url.search });
  },
};
