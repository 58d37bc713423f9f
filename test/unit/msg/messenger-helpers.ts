import { connect, createServer, type Server, type Socket } from 'node:net';
import { EntityType } from '../../../src/encoding/types.js';
import type { Clock } from '../../../src/msg/clock.js';
import type { Connection } from '../../../src/msg/connection.js';
import type { Dispatcher } from '../../../src/msg/dispatch-queue.js';
import type { MsgLogger } from '../../../src/msg/logger.js';
import { RawMessage, type Message } from '../../../src/msg/message.js';
import { Messenger } from '../../../src/msg/messenger.js';
import type { MessengerOptions } from '../../../src/msg/options.js';
import type { Policy } from '../../../src/msg/policy.js';

/** A test message type outside Ceph's range; front = u32 index + filler. */
export const TEST_MSG_TYPE = 0x7e01;

export function testMessage(index: number, size = 16): RawMessage {
  const front = Buffer.alloc(Math.max(4, size));
  front.writeUInt32LE(index, 0);
  return new RawMessage(TEST_MSG_TYPE, { front, middle: Buffer.alloc(0), data: [] });
}

export function indexOf(msg: Message): number {
  return (msg as RawMessage).payload.front.readUInt32LE(0);
}

/** Records messages and events; resolves waiters when a predicate becomes true. */
export class Recorder implements Dispatcher {
  received: number[] = [];
  events: string[] = [];
  cons = new Set<Connection>();
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  onMessage?: (msg: Message, con: Connection) => void;

  msDispatch(msg: Message, con: Connection): boolean {
    if (msg.type !== TEST_MSG_TYPE) return false;
    this.received.push(indexOf(msg));
    this.cons.add(con);
    this.onMessage?.(msg, con);
    this.check();
    return true;
  }
  msHandleConnect(): void {
    this.event('connect');
  }
  msHandleAccept(con: Connection): void {
    this.cons.add(con);
    this.event('accept');
  }
  msHandleReset(): boolean {
    this.event('reset');
    return true;
  }
  msHandleRemoteReset(): void {
    this.event('remote_reset');
  }
  msHandleRefused(): boolean {
    this.event('refused');
    return true;
  }
  private event(e: string): void {
    this.events.push(e);
    this.check();
  }
  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
  /** Resolve when `pred` holds (checked after every message/event); reject after `timeoutMs` of real time. */
  until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }
}

/** Captures log lines (level ≤ 1) so tests can check the reason a socket was closed. */
export function captureLogger(): MsgLogger & { lines: string[] } {
  const lines: string[] = [];
  return { level: 1, lines, debug: (_l, m) => void lines.push(m) };
}

export interface Endpoint {
  msgr: Messenger;
  rec: Recorder;
}

export async function makeServer(
  policy: Policy,
  opts: {
    options?: Partial<MessengerOptions>;
    clock?: Clock;
    logger?: MsgLogger;
    random?: () => number;
  } = {},
): Promise<Endpoint> {
  const msgr = Messenger.create({ name: { type: EntityType.OSD, num: 7n }, ...opts });
  msgr.setDefaultPolicy(policy);
  await msgr.bind('v2:127.0.0.1:0', { min: 0, max: 0 });
  await msgr.start();
  const rec = new Recorder();
  msgr.addDispatcherTail(rec);
  return { msgr, rec };
}

export async function makeClient(
  policy: Policy,
  opts: {
    options?: Partial<MessengerOptions>;
    clock?: Clock;
    logger?: MsgLogger;
    random?: () => number;
    type?: number;
  } = {},
): Promise<Endpoint> {
  const msgr = Messenger.create({ name: { type: opts.type ?? EntityType.CLIENT, num: -1n }, ...opts });
  msgr.setDefaultPolicy(policy);
  await msgr.start();
  const rec = new Recorder();
  msgr.addDispatcherTail(rec);
  return { msgr, rec };
}

/** A raw TCP socket to a messenger, for garbage tests. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

export function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve();
    else s.once('close', () => resolve());
  });
}

/** A TCP server that accepts and never answers (a stuck peer). */
export async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.resume(); // read and ignore, so the peer's close is noticed
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** Let socket I/O and queued dispatches run (a macrotask hop, not a timed sleep). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Repeat `tick` until `pred` holds (bounded by count, not by wall time). */
export async function settle(pred: () => boolean, what: string, maxTicks = 20_000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (pred()) return;
    await tick();
  }
  throw new Error(`did not settle: ${what}`);
}
