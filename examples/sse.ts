/**
 * Server-sent events: GET /events streams a numbered tick every 100 ms, ten
 * of them, each flushed as it is produced. It stops early when the client
 * goes away (request.signal).
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/sse.ts
 *   deno serve examples/sse.ts
 *
 * @module
 */

export default {
  fetch(request: Request): Response {
    if (new URL(request.url).pathname !== "/events") return new Response("not found", { status: 404 });
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let tick = 0;
        timer = setInterval(() => {
          tick++;
          controller.enqueue(encoder.encode(`id: ${tick}\nevent: tick\ndata: {"tick":${tick}}\n\n`));
          if (tick === 10) {
            clearInterval(timer);
            controller.close();
          }
        }, 100);
        request.signal.addEventListener("abort", () => clearInterval(timer));
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    });
  },
} satisfies Deno.ServeDefaultExport;
