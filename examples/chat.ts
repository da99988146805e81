/**
 * A chat room: GET / is the page, /chat the WebSocket. A message from one
 * client reaches every client, whichever worker (or `--parallel` isolate)
 * holds its socket: each worker keeps its own sockets and they meet on a
 * BroadcastChannel, which reaches every worker of the process.
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/chat.ts
 *   deno serve --parallel examples/chat.ts
 *
 * @module
 */

const sockets = new Set<WebSocket>();
const room = new BroadcastChannel("weft-chat");
room.onmessage = (event: MessageEvent<string>) => deliver(event.data);

function deliver(line: string): void {
  for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send(line);
}

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>chat</title>
<ul id="log"></ul>
<form id="say"><input id="text" autocomplete="off" autofocus><button>send</button></form>
<script type="module">
  const socket = new WebSocket(new URL("/chat", location.href.replace(/^http/, "ws")));
  const log = document.getElementById("log");
  socket.onmessage = (event) => log.append(Object.assign(document.createElement("li"), { textContent: event.data }));
  socket.onopen = () => document.body.dataset.ready = "yes";
  document.getElementById("say").onsubmit = (event) => {
    event.preventDefault();
    socket.send(document.getElementById("text").value);
    document.getElementById("text").value = "";
  };
</script>`;

export default {
  fetch(request: Request): Response {
    const { pathname } = new URL(request.url);
    if (pathname === "/") {
      return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (pathname !== "/chat") return new Response("not found", { status: 404 });
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => sockets.add(socket);
    socket.onclose = () => sockets.delete(socket);
    socket.onmessage = (event) => {
      const line = String(event.data).slice(0, 500);
      // The channel does not echo to its sender: deliver here, and it delivers everywhere else.
      deliver(line);
      room.postMessage(line);
    };
    return response;
  },
} satisfies Deno.ServeDefaultExport;
