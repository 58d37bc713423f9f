import type { Socket } from 'node:net';
import { CephError, isCephError } from '../common/errors.js';
import { encodeBanner, FrameTag, type Preamble } from './frames.js';
import { FrameReader, describeFrame, type ReceivedFrame } from './frame-reader.js';
import type { FaultInjector } from './fault-injection.js';
import { dout, type MsgLogger } from './logger.js';
import type { ReadSink } from './socket-reads.js';

/** Who owns a session: the connection it currently belongs to (it can move on reconnect/replace). */
export interface SessionOwner {
  /** The socket closed or broke (once per session, unless detached first). */
  onSessionClosed(session: Session, err: CephError): void;
  /** Ready mode: a frame arrived. */
  onReadyFrame(session: Session, frame: ReceivedFrame): void;
  /** Ready mode: a MESSAGE preamble wants throttle budget; false blocks reading until `resumeReading`. */
  gateMessage(session: Session, preamble: Preamble): boolean;
  /** Ready mode: the sender aborted a MESSAGE frame that passed the gate. */
  onAbortedMessage(session: Session, preamble: Preamble): void;
  /** The socket's write buffer drained. */
  onDrain(session: Session): void;
}

let nextSessionId = 1;

/**
 * One TCP socket speaking msgr2: the frame reader, writes (zero-copy, corked
 * while a batch is assembled), the pre-auth byte record used for
 * AUTH_SIGNATURE, and two ways of consuming frames — awaited one at a time
 * during the handshake, pushed to the owner once the session is ready.
 */
export class Session {
  readonly id = nextSessionId++;
  readonly reader: FrameReader;
  /** The peer's msgr2 banner features, once received. */
  peerSupported = 0n;
  peerRequired = 0n;
  /** Bytes exchanged before authentication finished (signed with the session key). */
  readonly preAuth = { enabled: true, rx: [] as Buffer[], tx: [] as Buffer[] };
  /** Set when the socket's buffer is full; writing waits for 'drain'. */
  needsDrain = false;
  /** Wall-clock ms of the last byte in or out. */
  lastActiveMs: number;
  closed = false;
  closeError?: CephError;

  private mode: 'handshake' | 'ready' = 'handshake';
  private queue: ReceivedFrame[] = [];
  private gatedPreamble?: Preamble;
  private waiter?: { resolve: (f: ReceivedFrame) => void; reject: (e: CephError) => void };
  private bannerWaiter?: { resolve: () => void; reject: (e: CephError) => void };
  private bannerSeen = false;
  private corked = false;

  constructor(
    readonly socket: Socket,
    private owner: SessionOwner,
    private readonly injector: FaultInjector,
    private readonly log: MsgLogger,
    private readonly now: () => number,
  ) {
    this.lastActiveMs = now();
    this.reader = new FrameReader({
      onBanner: (supported, required, raw) => {
        this.peerSupported = supported;
        this.peerRequired = required;
        this.bannerSeen = true;
        if (this.preAuth.enabled) this.preAuth.rx.push(...raw);
        this.bannerWaiter?.resolve();
        this.bannerWaiter = undefined;
      },
      onFrame: (frame) => this.onFrame(frame),
      gate: (p) => this.gate(p),
      onAborted: (p) => {
        if (this.mode === 'ready') this.owner.onAbortedMessage(this, p);
      },
    });
    this.reader.captureRaw = true;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.needsDrain = false;
      if (!this.closed) this.owner.onDrain(this);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.closeError ??= socketError(err);
    });
    socket.on('close', () =>
      this.close(this.closeError ?? new CephError('ECONNRESET', 'socket closed by peer')),
    );
  }

  /** Hand the session to another connection (reconnect/replace). */
  setOwner(owner: SessionOwner): void {
    this.owner = owner;
  }

  get isReady(): boolean {
    return this.mode === 'ready';
  }

  private onData(chunk: Buffer): void {
    if (!this.readArrived()) return;
    try {
      this.reader.feed(chunk);
    } catch (err) {
      this.close(asCephError(err));
    }
  }

  /** Bookkeeping of every read; false when the bytes must be dropped (closed, or an injected failure). */
  private readArrived(): boolean {
    if (this.closed) return false;
    if (this.injector.socketFailure()) {
      this.close(new CephError('ECONNRESET', 'injected socket failure (read)'));
      return false;
    }
    this.lastActiveMs = this.now();
    return true;
  }

  /** This session as the consumer of a client socket's `onread` reads (see SocketReads). */
  readSink(): ReadSink {
    return {
      directTarget: () => (this.closed ? undefined : this.reader.directTarget()),
      onDirectRead: (n) => {
        if (!this.readArrived()) return;
        try {
          this.reader.feedDirect(n);
        } catch (err) {
          this.close(asCephError(err));
        }
      },
      onChunk: (chunk) => this.onData(chunk),
    };
  }

  private onFrame(frame: ReceivedFrame): void {
    dout(this.log, 20, () => `session ${this.id} rx ${describeFrame(frame)}`);
    if (this.mode === 'ready') {
      this.owner.onReadyFrame(this, frame);
      return;
    }
    if (frame.tag === FrameTag.MESSAGE) {
      throw new CephError('EPROTO', 'msgr2: MESSAGE before the session is ready');
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.consumePreAuth(frame);
      w.resolve(frame);
    } else {
      this.queue.push(frame);
    }
  }

  private gate(p: Preamble): boolean {
    if (p.tag !== FrameTag.MESSAGE) return true;
    if (this.mode === 'ready') return this.owner.gateMessage(this, p);
    // A peer that finished its side of the handshake may already be sending
    // messages; hold them (and stop reading) until our side is ready too.
    this.gatedPreamble = p;
    this.socket.pause();
    return false;
  }

  private consumePreAuth(frame: ReceivedFrame): void {
    if (this.preAuth.enabled && frame.raw) this.preAuth.rx.push(...frame.raw);
  }

  /** Stop recording pre-auth bytes (after AUTH_DONE on the client, after sending it on the server). */
  endPreAuth(): void {
    this.preAuth.enabled = false;
    this.reader.captureRaw = false;
  }

  /** Wait for the peer's banner. */
  banner(): Promise<void> {
    if (this.closed) return Promise.reject(this.closeError!);
    if (this.bannerSeen) return Promise.resolve();
    return new Promise((resolve, reject) => (this.bannerWaiter = { resolve, reject }));
  }

  /** The next control frame of the handshake. Rejects when the session closes. */
  nextFrame(): Promise<ReceivedFrame> {
    if (this.closed) return Promise.reject(this.closeError!);
    const f = this.queue.shift();
    if (f) {
      this.consumePreAuth(f);
      return Promise.resolve(f);
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * The handshake is done: frames already queued, and any MESSAGE held at
   * the gate, go to the owner now, in order; later frames go straight to it.
   */
  becomeReady(): void {
    this.mode = 'ready';
    this.endPreAuth();
    while (!this.closed && this.mode === 'ready' && this.queue.length > 0) {
      this.owner.onReadyFrame(this, this.queue.shift()!);
    }
    const p = this.gatedPreamble;
    this.gatedPreamble = undefined;
    if (!this.closed && p && this.owner.gateMessage(this, p)) this.resumeReading();
  }

  /** Continue a frame held at the gate (throttle budget was granted). */
  resumeReading(): void {
    if (this.closed) return;
    this.socket.resume();
    try {
      this.reader.unblock();
    } catch (err) {
      this.close(asCephError(err));
    }
  }

  /** Stop reading from the socket while a frame waits at the gate. */
  pauseReading(): void {
    if (!this.closed) this.socket.pause();
  }

  /** Send the banner. */
  sendBanner(): void {
    this.write([encodeBanner()]);
  }

  /**
   * Queue buffers on the socket. Records pre-auth bytes. Outside a corked
   * batch each write is one socket operation for fault injection; a corked
   * batch counts once (at `cork`), like one _try_send in Ceph.
   */
  write(buffers: readonly Buffer[]): void {
    if (this.closed) return;
    if (!this.corked && this.injector.socketFailure()) {
      this.close(new CephError('ECONNRESET', 'injected socket failure (write)'));
      return;
    }
    this.lastActiveMs = this.now();
    if (this.preAuth.enabled) this.preAuth.tx.push(...buffers);
    for (const b of buffers) {
      if (!this.socket.write(b)) this.needsDrain = true;
    }
  }

  /** Gather subsequent writes into one writev until `uncork`. */
  cork(): void {
    if (this.corked || this.closed) return;
    if (this.injector.socketFailure()) {
      this.close(new CephError('ECONNRESET', 'injected socket failure (write)'));
      return;
    }
    this.corked = true;
    this.socket.cork();
  }

  uncork(): void {
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  /** Close the socket (idempotent); the owner hears about it once. */
  close(err: CephError = new CephError('ECONNABORTED', 'session closed')): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    this.reader.stop();
    this.queue = [];
    this.socket.destroy();
    dout(this.log, 1, () => `session ${this.id} closed: ${err.code} ${err.message}`);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
    this.bannerWaiter?.reject(err);
    this.bannerWaiter = undefined;
    this.owner.onSessionClosed(this, err);
  }

  /** Close without telling the owner (the session was replaced or its connection is going away). */
  discard(): void {
    this.owner = detachedOwner;
    this.close(new CephError('ECONNABORTED', 'session discarded'));
  }
}

const detachedOwner: SessionOwner = {
  onSessionClosed: () => {},
  onReadyFrame: () => {},
  gateMessage: () => false,
  onAbortedMessage: () => {},
  onDrain: () => {},
};

function socketError(err: NodeJS.ErrnoException): CephError {
  const code = err.code ?? '';
  const known = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ECONNABORTED',
  ];
  return new CephError(known.includes(code) ? (code as 'ECONNRESET') : 'EIO', `socket: ${err.message}`, {
    cause: err,
  });
}

/** Any error from decoding or handling input, as a CephError (a handler bug still only closes the socket). */
export function asCephError(err: unknown): CephError {
  if (isCephError(err)) return err;
  return new CephError('EPROTO', `msgr2: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
