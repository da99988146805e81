// An app that fails in the ways a worker pool must survive.
export default {
  fetch(request: Request): Response | Promise<Response> {
    switch (new URL(request.url).pathname) {
      case "/slow":
        // Slow but well-behaved: it gives up when its signal aborts.
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve(new Response("late")), 10_000);
          request.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve(new Response("aborted"));
          });
        });
      case "/hang":
        // Blocks the worker's event loop for good.
        for (;;) { /* spin */ }
      case "/crash":
        // An uncaught error in the worker, outside any request.
        setTimeout(() => {
          throw new Error("crash in the worker");
        }, 0);
        return new Promise(() => {});
      case "/exit":
        // The worker ends itself.
        self.close();
        return new Promise(() => {});
      case "/ok":
        return new Response("ok");
      default:
        return new Response("no such fault", { status: 404 });
    }
  },
};
