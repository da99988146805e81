// An app that loads only while the file `state.txt` beside it says "ok" (tests copy it to a folder of
// their own), and whose worker can be crashed on demand.
const state = Deno.readTextFileSync(new URL("./state.txt", import.meta.url));
if (state !== "ok") throw new Error(`cannot start now (state: ${state})`);

export default {
  fetch(request: Request): Response {
    if (new URL(request.url).pathname === "/crash") {
      setTimeout(() => {
        throw new Error("crash in the worker");
      }, 0);
    }
    return new Response("ok");
  },
};
