/**
 * Opens the listening socket the options ask for: plain TCP, TLS over TCP,
 * or a unix socket; with `reusePort`, a TCP port shared with other processes.
 *
 * @module
 */

import { DEFAULTS, type ListenOptions } from "./config/options.ts";

/** An open listener and whether it speaks TLS. */
export interface Listening {
  /** The open listener: TCP, TLS or unix. */
  listener: Deno.Listener;
  /** Whether its connections speak TLS. */
  secure: boolean;
}

/**
 * Opens the listener. Throws a `TypeError` naming the option for options
 * that do not fit together; the runtime's errors (address in use, bad
 * certificate) pass through.
 *
 * @example
 * ```ts
 * import { listen } from "./listen.ts";
 * const { listener, secure } = listen({ port: 0 });
 * console.log(secure); // false
 * listener.close();
 * ```
 */
export function listen(options: ListenOptions): Listening {
  const { hostname = DEFAULTS.hostname, port = DEFAULTS.port, unix, cert, key, reusePort = false } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError(cert === undefined ? "key was given without cert" : "cert was given without key");
  }
  if (unix !== undefined) {
    if (cert !== undefined) {
      throw new TypeError("cert and key apply to TCP; a unix socket is served as plain HTTP");
    }
    if (reusePort) throw new TypeError("reusePort applies to TCP ports, not to a unix socket");
    const listener = Deno.listen({ transport: "unix", path: unix });
    // Connecting takes write permission: the owner's and the group's, so a proxy run in weft's group can.
    Deno.chmodSync(unix, 0o660);
    return { listener, secure: false };
  }
  // Without the flag, Deno exits the process on the unstable option instead of throwing.
  if (reusePort && typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
    throw new TypeError(
      'reusePort needs Deno\'s --unstable-net flag (deno run --unstable-net …) or "unstable": ["net"] in deno.json',
    );
  }
  if (cert !== undefined && key !== undefined) {
    return { listener: Deno.listenTls({ hostname, port, cert, key, reusePort }), secure: true };
  }
  return { listener: Deno.listen({ hostname, port, reusePort }), secure: false };
}
