// An app that exercises the contract in the app tests.
let aborted = 0;

export default {
  fetch(
    request: Request,
    info: { remoteAddr: Deno.NetAddr; signal?: AbortSignal },
  ): Response | Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/info":
        return Response.json({
          url: request.url,
          method: request.method,
          host: request.headers.get("host"),
          custom: request.headers.get("x-custom"),
          remote: info.remoteAddr.hostname,
          hasSignal: info.signal instanceof AbortSignal,
        });
      case "/echo":
        return new Response(request.body, { headers: { "content-type": "application/octet-stream" } });
      case "/cookies": {
        const headers = new Headers();
        headers.append("set-cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2; Path=/; HttpOnly");
        return new Response("cookies", { headers });
      }
      case "/blob":
        return new Response(new Blob(["from ", "a blob"]));
      case "/big":
        return new Response("0123456789".repeat(300_000));
      case "/slow-stream": {
        const body = ReadableStream.from((async function* () {
          yield new TextEncoder().encode("first ");
          await new Promise((resolve) => setTimeout(resolve, 50));
          yield new TextEncoder().encode("second");
        })());
        return new Response(body);
      }
      case "/gappy-stream": {
        // 10 B, an empty chunk, a chunk larger than the first send window, 10 B: each after a pause.
        const chunks = [10, 0, 200 * 1024, 10].map((n, i) => new Uint8Array(n).fill(0x61 + i));
        const body = ReadableStream.from((async function* () {
          for (const chunk of chunks) {
            yield chunk;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })());
        return new Response(body);
      }
      case "/big-cookie":
        // A field too large to be indexed or sent in a small frame, different for each value of v.
        return new Response("ok", {
          headers: { "set-cookie": `v=${url.searchParams.get("v")!.repeat(3000)}` },
        });
      case "/reason":
        return new Response("fine", { status: 299, statusText: "Fine Indeed" });
      case "/empty":
        return new Response(null, { status: 204 });
      case "/teapot":
        return new Response("short and stout", { status: 418 });
      case "/wait-for-abort":
        // Answers only when the client has gone: counts the aborts it saw.
        return new Promise<Response>((resolve) => {
          request.signal.addEventListener("abort", () => {
            aborted++;
            resolve(new Response("gone"));
          });
        });
      case "/aborted":
        return new Response(String(aborted));
      case "/throw":
        throw new Error("boom: a secret detail");
      case "/not-a-response":
        return "plain string" as unknown as Response;
      default:
        return new Response("app 404", { status: 404 });
    }
  },
};
