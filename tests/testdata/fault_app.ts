// An app that fails in the ways a worker pool must survive.
let cancelled = 0;

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
      case "/deno-exit":
        // In a worker, Deno.exit() ends the worker, not the process.
        Deno.exit(3);
        return new Promise(() => {});
      case "/never":
        // A handler that never settles.
        return new Promise(() => {});
      case "/stalled-stream":
        // One chunk, then nothing more for ever; counts its cancellations.
        return new Response(
          new ReadableStream({
            start: (controller) => controller.enqueue(new TextEncoder().encode("first")),
            cancel: () => void cancelled++,
          }),
        );
      case "/cancelled":
        return new Response(String(cancelled));
      case "/string-chunk":
        // Bytes, then a string: not what a body stream may yield.
        return new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode("fine"));
              await new Promise((resolve) => setTimeout(resolve, 5));
              controller.enqueue("not bytes" as unknown as Uint8Array);
              controller.close();
            },
          }),
        );
      case "/ok":
        return new Response("ok");
      default:
        return new Response("no such fault", { status: 404 });
    }
  },
};
