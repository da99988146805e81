/**
 * A WebSocket echo: every message comes back as it was sent, text as text,
 * binary as binary. The subprotocol `echo` is agreed when offered. Any other
 * request gets a line saying where the socket is. The same module runs under
 * both servers:
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/websocket_echo.ts
 *   deno serve examples/websocket_echo.ts
 *
 * @module
 */

export default {
  fetch(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("a WebSocket echo: connect with ws://\n");
    }
    const offered = request.headers.get("sec-websocket-protocol")?.split(",").map((p) => p.trim()) ?? [];
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: offered.includes("echo") ? "echo" : undefined,
    });
    socket.onmessage = (event) => socket.send(event.data);
    return response;
  },
} satisfies Deno.ServeDefaultExport;
