import type { Connection } from './connection.js';
import { Deque } from './deque.js';
import { dout, type MsgLogger } from './logger.js';
import type { Message } from './message.js';

/**
 * Receives messages and connection events (Ceph's `Dispatcher`). Dispatchers
 * form a chain: a message goes to each in turn until one returns true.
 */
export interface Dispatcher {
  /** Handle a message; true = consumed, false = offer it to the next dispatcher. */
  msDispatch(msg: Message, con: Connection): boolean;
  /** An outgoing connection finished its handshake (also after a reconnect). */
  msHandleConnect?(con: Connection): void;
  /** An incoming connection finished its handshake. */
  msHandleAccept?(con: Connection): void;
  /** A lossy connection failed (its queued messages are gone); true stops the chain. */
  msHandleReset?(con: Connection): boolean | void;
  /** The peer lost our session (it restarted); queued messages were discarded. */
  msHandleRemoteReset?(con: Connection): void;
  /** Connecting was refused (ECONNREFUSED); true stops the chain. */
  msHandleRefused?(con: Connection): boolean | void;
}

type Item =
  | { kind: 'message'; con: Connection; msg: Message; release: () => void }
  | { kind: 'connect' | 'accept' | 'reset' | 'remote_reset' | 'refused'; con: Connection };

/** How many items one turn dispatches before yielding to socket I/O. */
const DISPATCH_BATCH = 256;

/**
 * Ceph's `DispatchQueue`, simplified to one FIFO per messenger: messages and
 * connection events are delivered in arrival order from a macrotask (never
 * from inside a socket callback, so dispatchers may send, mark down or shut
 * down freely). Each message's throttle reservation is returned when its
 * dispatch completes.
 */
export class DispatchQueue {
  private items = new Deque<Item>();
  private scheduled = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly dispatchers: () => readonly Dispatcher[],
    private readonly log: MsgLogger,
  ) {}

  get length(): number {
    return this.items.length;
  }

  enqueueMessage(con: Connection, msg: Message, release: () => void): void {
    if (this.stopped) {
      release();
      return;
    }
    this.items.push({ kind: 'message', con, msg, release });
    this.schedule();
  }

  enqueueEvent(kind: 'connect' | 'accept' | 'reset' | 'remote_reset' | 'refused', con: Connection): void {
    if (this.stopped) return;
    this.items.push({ kind, con });
    this.schedule();
  }

  /** Drop queued messages of `con` (its session was reset), returning their throttle reservations. */
  discardConnection(con: Connection): void {
    const kept = new Deque<Item>();
    for (const item of this.items.clear()) {
      if (item.kind === 'message' && item.con === con) item.release();
      else kept.push(item);
    }
    this.items = kept;
  }

  /** Resolves once nothing is queued or being dispatched. */
  drain(): Promise<void> {
    if (this.items.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Deliver what is queued, then refuse new work (messenger shutdown). */
  async stop(): Promise<void> {
    await this.drain();
    this.stopped = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    this.running = true;
    try {
      for (let n = 0; n < DISPATCH_BATCH; n++) {
        const item = this.items.shift();
        if (!item) break;
        this.deliver(item);
      }
    } finally {
      this.running = false;
    }
    if (this.items.length > 0) {
      this.schedule();
    } else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private deliver(item: Item): void {
    const chain = this.dispatchers();
    try {
      switch (item.kind) {
        case 'message': {
          let handled = false;
          for (const d of chain) {
            if (d.msDispatch(item.msg, item.con)) {
              handled = true;
              break;
            }
          }
          if (!handled)
            dout(this.log, 0, () => `ms_deliver_dispatch: unhandled message ${item.msg.typeName}`);
          break;
        }
        case 'connect':
          for (const d of chain) d.msHandleConnect?.(item.con);
          break;
        case 'accept':
          for (const d of chain) d.msHandleAccept?.(item.con);
          break;
        case 'reset':
          for (const d of chain) if (d.msHandleReset?.(item.con) === true) break;
          break;
        case 'remote_reset':
          for (const d of chain) d.msHandleRemoteReset?.(item.con);
          break;
        case 'refused':
          for (const d of chain) if (d.msHandleRefused?.(item.con) === true) break;
          break;
      }
    } catch (err) {
      // A dispatcher bug must not take the messenger down with it; report it loudly.
      dout(this.log, 0, () => `dispatcher threw on ${item.kind}: ${(err as Error).stack ?? String(err)}`);
    } finally {
      if (item.kind === 'message') item.release();
    }
  }
}
