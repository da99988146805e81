/**
 * Opens the listening socket the options ask for: plain TCP, TLS over TCP
 * (offering HTTP/2 by ALPN unless `http2` is false), or a unix socket; with `reusePort`, a TCP port shared with other processes.
 * An option that cannot be used as given is a {@linkcode ListenOptionError}
 * naming it; the runtime's own errors (address in use, no permission) pass
 * through as they are.
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

/** A listen option cannot be used as given; `option` names it. */
export class ListenOptionError extends TypeError {
  /** The option at fault. */
  readonly option: keyof ListenOptions;

  /** Creates the error. */
  constructor(option: keyof ListenOptions, message: string) {
    super(message);
    this.name = "ListenOptionError";
    this.option = option;
  }
}

/**
 * Opens the listener.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen, ListenOptionError } from "./listen.ts";
 * const { listener, secure } = listen({ port: 0 });
 * assert.equal(secure, false);
 * listener.close();
 * assert.throws(() => listen({ key: "k" }), ListenOptionError);
 * ```
 */
export function listen(options: ListenOptions & { http2?: boolean }): Listening {
  const { hostname = DEFAULTS.hostname, port = DEFAULTS.port, unix, cert, key, reusePort = false } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw cert === undefined
      ? new ListenOptionError("key", "key was given without cert")
      : new ListenOptionError("cert", "cert was given without key");
  }
  if (unix !== undefined) {
    if (cert !== undefined) {
      throw new ListenOptionError("cert", "cert and key apply to TCP; a unix socket is served as plain HTTP");
    }
    if (reusePort) {
      throw new ListenOptionError("reusePort", "reusePort applies to TCP ports, not to a unix socket");
    }
    const listener = Deno.listen({ transport: "unix", path: unix });
    // Connecting takes write permission: the owner's and the group's, so a proxy run in weft's group can.
    Deno.chmodSync(unix, 0o660);
    return { listener, secure: false };
  }
  // Without the flag, Deno exits the process on the unstable option instead of throwing.
  if (reusePort && typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
    throw new ListenOptionError(
      "reusePort",
      'reusePort needs Deno\'s --unstable-net flag (deno run --unstable-net …) or "unstable": ["net"] in deno.json',
    );
  }
  if (cert === undefined || key === undefined) {
    return { listener: Deno.listen({ hostname, port, reusePort }), secure: false };
  }
  try {
    // RFC 7301: h2 first, so a client that speaks both picks HTTP/2 (RFC 9113 §3.2).
    const alpnProtocols = options.http2 ?? DEFAULTS.http2 ? ["h2", "http/1.1"] : ["http/1.1"];
    return {
      listener: Deno.listenTls({ hostname, port, cert, key, reusePort, alpnProtocols }),
      secure: true,
    };
  } catch (e) {
    // What is not about the address or a permission is about the certificate and key
    // (no certificate or key in the PEM: InvalidData; a key that does not match: Error).
    if (e instanceof Deno.errors.InvalidData || e?.constructor === Error) {
      throw new ListenOptionError("cert", `cannot use the certificate or key: ${(e as Error).message}`);
    }
    throw e;
  }
}
