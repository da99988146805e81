// A WebSocket app that answers questions about its socket, for the contract tests: what an app can do
// with the socket Deno.upgradeWebSocket gives it, under weft and under deno serve alike.
export default {
  fetch(request: Request): Response {
    const idle = new URL(request.url).searchParams.get("idle");
    const { socket, response } = Deno.upgradeWebSocket(request, {
      idleTimeout: idle === null ? undefined : Number(idle),
    });
    const events: string[] = [];
    socket.addEventListener("open", () => events.push(`open ${socket.readyState}`));
    socket.addEventListener("message", async (event) => {
      const data = event.data;
      if (typeof data !== "string") {
        return socket.send(data instanceof Blob ? `blob ${data.size}` : `arraybuffer ${data.byteLength}`);
      }
      switch (data) {
        case "state":
          return socket.send(JSON.stringify({
            events,
            readyState: socket.readyState,
            binaryType: socket.binaryType,
            bufferedAmount: socket.bufferedAmount,
            open: socket.OPEN,
          }));
        case "as-blob":
          socket.binaryType = "blob";
          return socket.send("ok");
        case "in-order":
          socket.send(new Blob(["1"]));
          socket.send("2");
          socket.send(new Uint8Array([51]));
          return;
        case "bad-close":
          try {
            socket.close(1005);
          } catch (e) {
            socket.send((e as DOMException).name);
          }
          return;
        case "close-me":
          socket.close(4000, "asked");
          socket.send("after close: never sent");
          return;
        case "watch": {
          // Reports from the other sockets (in any worker) come here; an open channel would keep deno serve
          // from exiting.
          const reports = new BroadcastChannel("ws-contract");
          reports.onmessage = (event) => socket.send(event.data);
          socket.addEventListener("close", () => reports.close());
          return socket.send("watching");
        }
        case "flood": {
          // 8 MiB to a client that is not reading: bufferedAmount counts what is not yet written.
          for (let i = 0; i < 128; i++) socket.send(new Uint8Array(65536));
          await new Promise((resolve) => setTimeout(resolve, 0));
          const report = new BroadcastChannel("ws-contract");
          report.postMessage(`buffered ${socket.bufferedAmount > 0}`);
          return report.close();
        }
      }
    });
    return response;
  },
} satisfies Deno.ServeDefaultExport;
