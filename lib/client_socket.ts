/**
 * One client's socket on the main thread: its read loop, its write queue, and the rules for closing it.
 * Bytes read go to the connection's worker as frames; the frames the worker sends back are applied here.
 * HTTP is never parsed on this side: a socket knows of its requests only whether one waits for its answer.
 *
 * Close rules:
 * - `Close` from the worker: close once everything queued before it is written;
 * - a read or write fails, or a write makes no progress for the send timeout (a client that stopped
 *   reading): the socket is lost: `Gone` to the worker, and close at once;
 * - the client half-closes: `Eof` to the worker, which decides;
 * - the worker is lost: a request waiting for its answer gets a 503 and a close; a connection between
 *   requests moves to another worker; one whose response was under way, or upgraded, is lost.
 *
 * @module
 */

import { closeQuietly, unavailable } from "./refuse.ts";
import { READ_SIZE_FIRST, READ_SIZE_MAX, readAllowed, TAKEN_FROM, WrittenReport } from "./pool/flow.ts";
import { decodeCount, decodeRegion, encodeCount, encodeRemoteAddr } from "./pool/frame_payloads.ts";
import type { FileRegion } from "./pool/frame_payloads.ts";
import { FrameRouter, ToSocket, ToWorker } from "./pool/frame_types.ts";
import type { WorkerLoad } from "./pool/balance.ts";
import { SocketState } from "./socket_state.ts";
import { type Origin, type WriteDone, WriteQueue } from "./write_queue.ts";

/** What a socket needs from the server that owns it. */
export interface SocketOwner {
  /** Queues a frame for the socket's worker. */
  toWorker(type: ToWorker, id: number, payload?: Uint8Array): void;
  /** Gives a written buffer back to the worker of connection `id` (flow rule 8). */
  giveBack(id: number, buffer: ArrayBuffer): void;
  /** Keeps a promise that shutdown must wait for. */
  track(task: Promise<void>): void;
  /** The socket has closed: forget it. */
  closed(socket: ClientSocket): void;
  /** Fields added to every response, the main thread's own 503s too. */
  readonly addedFields: readonly [string, string][];
  /** The folder file regions must lie in once opened; null where links may lead out of it. */
  readonly regionsWithin: string | null;
  /** What balancing knows of the load of connection `id`'s worker, if it has one. */
  loadOf(id: number): WorkerLoad | undefined;
  /** As connection `id`'s next request begins: how to move it to a less burdened worker, or null to stay. */
  moveAway(id: number): (() => boolean) | null;
}

/**
 * A client's socket, pinned to one worker by its `id`.
 *
 * @example
 * ```ts ignore
 * import { ClientSocket } from "./client_socket.ts";
 * const socket = new ClientSocket(7, conn, owner);
 * socket.start(); // Open goes to the worker, reading begins
 * ```
 */
export class ClientSocket {
  /** The connection's id in every frame. */
  readonly id: number;
  readonly #conn: Deno.Conn;
  readonly #owner: SocketOwner;
  readonly #writes: WriteQueue;
  /** The worker sent `Pause` and no `Resume` since. */
  pausedByWorker = false;
  /** Large reads not yet answered by `Taken`. */
  untaken = 0;
  /** Its requests: none read, one waits for its answer, an answer is being written, or not HTTP (pinned). */
  readonly #state: SocketState;
  /** Bytes read and sent to the worker, ever. */
  #sent = 0;
  /** What its worker is told of its bytes written (flow rules 4, 5); a move starts a new report. */
  #report = new WrittenReport();
  #writing = false;
  #writeScheduled = false;
  #closing = false;
  #closed = false;
  #wake: (() => void) | null = null;
  /** A reload asked to move the connection to another worker once it is between requests. */
  #moveWhenIdle: (() => boolean) | null = null;

  /** Wraps an accepted connection. */
  constructor(id: number, conn: Deno.Conn, owner: SocketOwner) {
    this.id = id;
    this.#conn = conn;
    this.#owner = owner;
    this.#writes = new WriteQueue(conn, owner.regionsWithin);
    this.#state = new SocketState(id, () => owner.loadOf(id));
    // Responses leave whole in one write: Nagle's delay would only add latency.
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
  }

  /** Response bytes queued and not yet written. */
  get queuedBytes(): number {
    return this.#writes.bytes + this.#writes.fileBytes;
  }

  /** The part of them held in memory (`bytes`), and the part still on disk (`fileBytes`, flow rule 10). */
  get queued(): Readonly<Pick<WriteQueue, "bytes" | "fileBytes">> {
    return this.#writes;
  }

  /** Whether a request has been read and its answer has not started. */
  get isUnanswered(): boolean {
    return this.#state.phase === "waiting";
  }

  /** Tells the worker (just assigned) about the connection and starts reading. */
  start(): void {
    this.#owner.toWorker(ToWorker.Open, this.id, encodeRemoteAddr(this.#conn.remoteAddr));
    this.#owner.track(this.#readLoop());
  }

  /** Applies a frame from the worker. */
  receive(type: ToSocket, payload: Uint8Array): void {
    ClientSocket.#fromWorker.route(this, type, this.id, payload);
  }

  /** Each frame a worker sends about a connection, as its socket applies it. */
  static readonly #fromWorker: FrameRouter<ClientSocket> = FrameRouter.of(ToSocket, {
    Write: (s, _id, payload) => s.#answer(payload, "write"),
    WriteAck: (s, _id, payload) => s.#answer(payload, "ack"),
    WriteKept: (s, _id, payload) => s.#answer(payload, "kept"),
    WriteFile: (s, _id, payload) => s.#answer(decodeRegion(payload)),
    Slow: (s, _id, payload) => s.#state.slow(decodeCount(payload)),
    Upgraded: (s) => s.#state.pin(),
    End: (s, _id, payload) => {
      // The worker has read this much: anything sent past it is a request not yet answered.
      s.#state.ended(((s.#sent >>> 0) - decodeCount(payload)) >>> 0 !== 0);
      // After the rest of the batch: a `Close` that follows `End` must still be the old worker's to give.
      if (s.#moveWhenIdle !== null) queueMicrotask(() => s.#moveWhenIdle && s.moveWhenIdle(s.#moveWhenIdle));
    },
    Close: (s) => s.closeWhenWritten(),
    Pause: (s) => void (s.pausedByWorker = true),
    Resume: (s) => {
      s.pausedByWorker = false;
      s.#wake?.();
    },
    Taken: (s) => {
      s.untaken--;
      s.#wake?.();
    },
  });

  /** Queues part of an answer: bytes (from where), or a file region this thread reads itself. */
  #answer(part: Uint8Array | FileRegion, from?: Origin): void {
    this.#state.answering();
    if (part instanceof Uint8Array) this.#queueBytes(part, from!);
    else this.#writes.pushRegion(part);
    this.#writeSoon();
  }

  /** Its worker ended or went silent; `reassign` (false: no live worker) is called only between requests. */
  workerLost(reassign: () => boolean): void {
    // RFC 9110 §15.6.4: 503 and Retry-After; the request may be sent again.
    const phase = this.#state.phase;
    if (phase === "waiting") {
      const refusal = unavailable("The worker handling this request failed", this.#owner.addedFields);
      this.#writes.push(refusal, "own");
      this.#writeSoon();
      this.closeWhenWritten();
    } else if (phase === "idle" && !this.#closing) {
      this.#move(reassign);
    } else if (phase === "answering") {
      // What it queued is still written (a file region, which this thread reads itself, to its end: a reload
      // does not cut a long download), then the connection closes: no more of the answer will come.
      this.closeWhenWritten();
    } else {
      this.lost();
    }
  }

  /**
   * A reload replaces its worker: the connection moves to another once it is between requests (at once if it
   * is now), so no request is dropped. One that is no longer HTTP (a WebSocket) stays, and ends with it.
   */
  moveWhenIdle(reassign: () => boolean): void {
    if (this.#state.phase === "pinned" || this.#closing) return;
    if (this.#state.phase === "idle") return this.#move(reassign);
    this.#moveWhenIdle = reassign;
  }

  /** Pins the connection, between requests, to the worker `reassign` picks (counting afresh), or closes it. */
  #move(reassign: () => boolean): void {
    this.#moveWhenIdle = null;
    // The worker it leaves (if it still runs) forgets it; what it still sends of it is dropped.
    this.#owner.toWorker(ToWorker.Gone, this.id);
    this.#state.left();
    if (!reassign()) return this.closeWhenWritten();
    this.untaken = this.#sent = 0;
    this.pausedByWorker = false;
    // What the old worker queued is still written, but no longer reported: the new worker never counted it.
    this.#report = new WrittenReport();
    this.#writes.disown();
    this.#owner.toWorker(ToWorker.Open, this.id, encodeRemoteAddr(this.#conn.remoteAddr));
    this.#wake?.();
  }

  /** Whether a write has made no progress for `timeout` ms. */
  isStalled(now: number, timeout: number): boolean {
    return this.#writing && now - this.#writes.lastProgress > timeout;
  }

  /** Closes the socket once everything queued for it is written. */
  closeWhenWritten(): void {
    this.#closing = true;
    if (!this.#writing && !this.#writeScheduled) this.close();
  }

  /** The socket failed or stalled: tell the worker, then close. */
  lost(): void {
    if (this.#closed) return;
    this.#owner.toWorker(ToWorker.Gone, this.id);
    this.close();
  }

  /** Closes the socket now, dropping what is queued. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state.left();
    this.#writes.clear();
    this.#wake?.();
    closeQuietly(this.#conn);
    this.#owner.closed(this);
  }

  async #readLoop(): Promise<void> {
    let buf = new Uint8Array(READ_SIZE_FIRST);
    try {
      // Over TLS, the protocol agreed in the handshake (which the first read waits for anyway).
      const tls = "handshake" in this.#conn ? await (this.#conn as Deno.TlsConn).handshake() : null;
      if (tls?.alpnProtocol === "h2") this.#owner.toWorker(ToWorker.Http2, this.id);
      for (;;) {
        while (!this.#closed && !readAllowed(this)) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = null;
        }
        if (this.#closed) return;
        const n = await this.#conn.read(buf);
        if (this.#closed) return;
        if (n === null) return this.#owner.toWorker(ToWorker.Eof, this.id);
        // A request begins: on a less burdened worker, if there is one (`pool/balance.ts`).
        const away = this.#state.phase === "idle" && !this.#closing && this.#owner.moveAway(this.id);
        if (away) this.#move(away);
        this.#state.read();
        this.#sent += n;
        if (n >= TAKEN_FROM) this.untaken++;
        this.#owner.toWorker(ToWorker.Data, this.id, buf.subarray(0, n));
        if (n === buf.length && buf.length < READ_SIZE_MAX) buf = new Uint8Array(buf.length * 2);
      }
    } catch {
      this.lost();
    }
  }

  /**
   * Queues the worker's bytes to write. A payload is a view of the worker's batch: one that waits behind a
   * write under way (a slow client) is copied out if small, so it does not pin the batch. A kept body (flow
   * rule 9) is the main thread's own copy: never copied again, nor given back.
   */
  #queueBytes(payload: Uint8Array, from: Origin): void {
    this.#report.received(payload.length);
    const copy = from !== "kept" && this.#writing && payload.length * 2 < payload.buffer.byteLength;
    this.#writes.push(copy ? payload.slice() : payload, from);
  }

  #writeSoon(): void {
    // Once this batch of frames is read: a head and its body, and pipelined responses, leave in one write.
    if (this.#writing || this.#writeScheduled) return;
    this.#writeScheduled = true;
    queueMicrotask(() => {
      this.#writeScheduled = false;
      if (!this.#writing && !this.#closed) this.#owner.track(this.#writeQueued());
    });
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true;
    try {
      while (!this.#writes.isEmpty && !this.#closed) {
        const report = this.#report;
        const done = await this.#writes.writeNext();
        if (report === this.#report) this.#reportWritten(done);
        this.#wake?.();
      }
    } catch {
      this.lost();
    } finally {
      this.#writing = false;
    }
    if (this.#closing) this.close();
  }

  /** Tells the worker its bytes were written (rules 4, 5): at once after `WriteAck` bytes, else once it cares. */
  #reportWritten({ fromWorker, acked, freed, fileWritten }: WriteDone): void {
    for (const buffer of freed) this.#owner.giveBack(this.id, buffer);
    if (fileWritten) this.#owner.toWorker(ToWorker.FileWritten, this.id);
    const count = this.#report.written(fromWorker, acked);
    if (count > 0) this.#owner.toWorker(ToWorker.Written, this.id, encodeCount(count));
  }
}
