import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { CephError } from '../common/errors.js';
import {
  AddrType,
  formatEntityAddrVec,
  formatEntityNameT,
  makeAddr,
  parseEntityAddr,
  type EntityAddr,
  type EntityAddrVec,
  type EntityNameT,
} from '../encoding/types.js';
import { AuthNoneClient, AuthNoneServer, defaultAuthName } from '../auth/none.js';
import type { AuthClient, AuthServer } from '../auth/types.js';
import { sleepOn, systemClock, type Clock } from './clock.js';
import { Connection, ProtocolState } from './connection.js';
import { DispatchQueue, type Dispatcher } from './dispatch-queue.js';
import { FaultInjector } from './fault-injection.js';
import { dout, quietLogger, type MsgLogger } from './logger.js';
import { resolveMessengerOptions, type MessengerOptions } from './options.js';
import { Policy } from './policy.js';
import { Session, type SessionOwner } from './session.js';
import { Throttle } from './throttle.js';

export interface MessengerCreateOptions {
  /** Our entity name (type and number; a client uses -1 until it learns its global id). */
  name: EntityNameT;
  /** Distinguishes this incarnation; random when omitted. */
  nonce?: number;
  options?: Partial<MessengerOptions>;
  clock?: Clock;
  logger?: MsgLogger;
  /** Randomness for fault injection (seed it to replay a test). */
  random?: () => number;
}

/** Sockets accepted before any dispatcher exists wait here, up to this many. */
const MAX_PENDING_ACCEPTS = 128;

/**
 * The msgr2 messenger (Ceph's AsyncMessenger): owns the listening socket,
 * the connections keyed by peer address, the dispatcher chain, per-peer-type
 * policies, the dispatch throttle and the messenger-wide global_seq.
 *
 *   create → [bind] → start → addDispatcherTail (first one: accept incoming)
 *          → connectTo / incoming sessions … → shutdown (idempotent: stop
 *            listening, mark every connection down, drain dispatch) → wait()
 */
export class Messenger {
  readonly options: MessengerOptions;
  readonly clock: Clock;
  readonly log: MsgLogger;
  readonly injector: FaultInjector;
  readonly dispatchQueue: DispatchQueue;
  /** ms_dispatch_throttle_bytes: received message bytes not yet dispatched. */
  readonly dispatchThrottle: Throttle;
  readonly nonce: number;
  /** Our entity name; a client sets the number once it knows its global id. */
  myName: EntityNameT;
  authClient: AuthClient;
  authServer: AuthServer;

  private addrs: EntityAddrVec = [];
  private needAddr = true;
  private didBind = false;
  private dispatchers: Dispatcher[] = [];
  private policies = new Map<number, Policy>();
  private defaultPolicy: Policy = Policy.statelessServer();
  private conns = new Map<string, Connection>();
  private accepting = new Set<Connection>();
  private server?: Server;
  private pendingSockets: Socket[] = [];
  private globalSeq = 0;
  private started = false;
  private shutdownPromise?: Promise<void>;
  private waiters: (() => void)[] = [];
  private shutDown = false;

  private constructor(o: MessengerCreateOptions) {
    this.options = resolveMessengerOptions(o.options);
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? quietLogger;
    this.injector = new FaultInjector(this.options, o.random ?? Math.random);
    this.myName = o.name;
    this.nonce = o.nonce ?? randomBytes(4).readUInt32LE(0);
    this.dispatchThrottle = new Throttle('msgr_dispatch_throttler', this.options.ms_dispatch_throttle_bytes);
    this.dispatchQueue = new DispatchQueue(() => this.dispatchers, this.log);
    this.authClient = new AuthNoneClient({ name: defaultAuthName(o.name.type, o.name.num) });
    this.authServer = new AuthNoneServer();
  }

  static create(opts: MessengerCreateOptions): Messenger {
    return new Messenger(opts);
  }

  /** The addresses we are reachable at (after bind), or learned from peers (clients). */
  get myAddrs(): EntityAddrVec {
    return this.addrs;
  }

  toString(): string {
    return `msgr(${formatEntityNameT(this.myName)} ${formatEntityAddrVec(this.addrs)})`;
  }

  // ------------------------------------------------------------------ policies and dispatchers

  setPolicy(peerType: number, policy: Policy): void {
    this.policies.set(peerType, policy);
  }

  setDefaultPolicy(policy: Policy): void {
    this.defaultPolicy = policy;
  }

  getPolicy(peerType: number): Policy {
    return this.policies.get(peerType) ?? this.defaultPolicy;
  }

  addDispatcherHead(d: Dispatcher): void {
    this.dispatchers = [d, ...this.dispatchers];
    this.becomeReady();
  }

  addDispatcherTail(d: Dispatcher): void {
    this.dispatchers = [...this.dispatchers, d];
    this.becomeReady();
  }

  /** The first dispatcher makes the messenger ready: incoming sockets are served from now on. */
  private becomeReady(): void {
    const pending = this.pendingSockets;
    this.pendingSockets = [];
    for (const s of pending) this.accept(s);
  }

  // ------------------------------------------------------------------ bind / start / shutdown

  /**
   * Listen on `addr` (text like `127.0.0.1`, `v2:127.0.0.1:6800` or an
   * EntityAddr). Port 0 means the first free port of `portRange`
   * (default ms_bind_port_min..ms_bind_port_max), tried in order as Ceph does;
   * a range of {min: 0, max: 0} lets the kernel pick any free port.
   */
  async bind(addr: string | EntityAddr, portRange?: { min: number; max: number }): Promise<EntityAddrVec> {
    if (this.server) throw new CephError('EINVAL', 'messenger already bound');
    const a = typeof addr === 'string' ? parseEntityAddr(addr, AddrType.MSGR2) : addr;
    const host = a.ip === '' ? '0.0.0.0' : a.ip;
    const ports: number[] = [];
    if (a.port !== 0) {
      ports.push(a.port);
    } else if (portRange && portRange.min === 0 && portRange.max === 0) {
      ports.push(0); // let the kernel choose (tests, tools)
    } else {
      const min = portRange?.min ?? this.options.ms_bind_port_min;
      const max = portRange?.max ?? this.options.ms_bind_port_max;
      for (let p = min; p <= max; p++) ports.push(p);
    }
    let lastErr: unknown;
    for (const port of ports) {
      const server = createServer({ noDelay: this.options.ms_tcp_nodelay });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        lastErr = err;
        server.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new CephError('EINVAL', `bind ${host}:${port}: ${(err as Error).message}`, { cause: err });
      }
      this.server = server;
      server.on('connection', (s) => this.onIncoming(s));
      server.on('error', (err) => dout(this.log, 0, () => `${this} listener error: ${err.message}`));
      const actualPort = (server.address() as { port: number }).port;
      const bound = makeAddr(AddrType.MSGR2, a.ip === '' ? '0.0.0.0' : a.ip, actualPort, this.nonce);
      this.didBind = true;
      this.addrs = [bound];
      this.needAddr = bound.ip === '0.0.0.0' || bound.ip === '::';
      dout(this.log, 1, () => `${this} bound to ${formatEntityAddrVec(this.addrs)}`);
      return this.addrs;
    }
    throw new CephError('EADDRINUSE', `bind ${host}: no free port in range`, { cause: lastErr });
  }

  /** Mark the messenger started (connections may be made before, as in Ceph). Idempotent. */
  async start(): Promise<void> {
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Stop listening, mark every connection down and deliver what is already queued. Idempotent. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.shutDown = true;
      dout(this.log, 1, () => `${this} shutdown`);
      const server = this.server;
      this.server = undefined;
      for (const s of this.pendingSockets.splice(0)) s.destroy();
      this.markDownAll();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      await this.dispatchQueue.stop();
      for (const w of this.waiters.splice(0)) w();
    })();
    return this.shutdownPromise;
  }

  /** Resolves once shutdown has completed. */
  wait(): Promise<void> {
    if (this.shutDown && this.shutdownPromise) return this.shutdownPromise;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Mark every connection down (Ceph's mark_down_all). */
  markDownAll(): void {
    for (const con of [...this.conns.values(), ...this.accepting]) con.stop();
    this.conns.clear();
    this.accepting.clear();
  }

  /** Mark down the connection to `addrs`, if any. */
  markDown(addrs: EntityAddrVec): void {
    this.lookupConnection(addrs)?.stop();
  }

  /** Live connections (registered ones and those still being accepted). */
  get connections(): Connection[] {
    return [...this.conns.values(), ...this.accepting].filter((c) => c.state !== ProtocolState.CLOSED);
  }

  // ------------------------------------------------------------------ connections

  /**
   * The connection to the peer at `addrs`, created (and connecting) if there
   * is none. Messages may be sent right away; they go out once it is ready.
   */
  connectTo(peerType: number, addrs: EntityAddrVec): Connection {
    if (this.shutDown) throw new CephError('ESHUTDOWN', 'messenger is shut down');
    const existing = this.lookupConnection(addrs);
    if (existing) return existing;
    const target = addrs.find((a) => a.type === AddrType.MSGR2 || a.type === AddrType.ANY);
    if (!target) throw new CephError('EINVAL', `no msgr2 address in ${formatEntityAddrVec(addrs)}`);
    const con = new Connection(this, {
      peerType,
      peerAddrs: addrs,
      targetAddr: target,
      policy: this.getPolicy(peerType),
      outgoing: true,
    });
    this.conns.set(addrKey(addrs), con);
    con.startConnect();
    return con;
  }

  private onIncoming(socket: Socket): void {
    if (this.shutDown) {
      socket.destroy();
      return;
    }
    if (this.dispatchers.length === 0) {
      if (this.pendingSockets.length >= MAX_PENDING_ACCEPTS) socket.destroy();
      else this.pendingSockets.push(socket);
      return;
    }
    this.accept(socket);
  }

  private accept(socket: Socket): void {
    if (socket.destroyed) return;
    socket.setNoDelay(this.options.ms_tcp_nodelay);
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const peer = makeAddr(AddrType.MSGR2, ip, socket.remotePort ?? 0, 0);
    const con = new Connection(this, {
      peerType: -1,
      peerAddrs: [peer],
      targetAddr: peer,
      policy: this.defaultPolicy,
      outgoing: false,
    });
    this.accepting.add(con);
    dout(this.log, 1, () => `${this} accepted ${ip}:${socket.remotePort}`);
    con.startAccept(this.newSession(socket, con));
  }

  /** Wrap a socket in a msgr2 session owned by `owner`. */
  newSession(socket: Socket, owner: SessionOwner): Session {
    return new Session(socket, owner, this.injector, this.log, () => this.clock.now());
  }

  /** The registered connection to `addrs` (closed ones are ignored). */
  lookupConnection(addrs: EntityAddrVec): Connection | undefined {
    const con = this.conns.get(addrKey(addrs));
    return con && con.state !== ProtocolState.CLOSED ? con : undefined;
  }

  /** Register an accepted connection under its peer's addresses (AsyncMessenger::accept_conn). */
  acceptConnection(con: Connection): boolean {
    if (this.shutDown) return false;
    const key = addrKey(con.peerAddrs);
    const existing = this.conns.get(key);
    if (existing && existing !== con && existing.state !== ProtocolState.CLOSED) return false;
    this.conns.set(key, con);
    this.accepting.delete(con);
    return true;
  }

  unregisterConnection(con: Connection): void {
    this.accepting.delete(con);
    for (const [key, c] of this.conns) if (c === con) this.conns.delete(key);
  }

  /** Ceph's get_global_seq: a messenger-wide counter, raised to at least `old`. */
  getGlobalSeq(old = 0): number {
    if (old > this.globalSeq) this.globalSeq = old;
    return ++this.globalSeq;
  }

  /** True while we do not know our own IP (unbound client, or bound to 0.0.0.0). */
  needsAddress(): boolean {
    return this.needAddr;
  }

  /**
   * AsyncMessenger::learned_addr: fill in our IP from what a peer sees
   * (ms_learn_addr_from_peer) or from the socket. An unbound messenger
   * becomes `any:IP:0/nonce`, which is what Ceph clients present.
   */
  learnedAddr(peerAddrForMe: EntityAddr, socketIp: string): void {
    if (!this.needAddr) return;
    const ip = this.options.ms_learn_addr_from_peer ? peerAddrForMe.ip : socketIp.replace(/^::ffff:/, '');
    const family = ip.includes(':') ? 10 : 2;
    if (this.addrs.length === 0) {
      this.addrs = [{ type: AddrType.ANY, nonce: this.nonce, family, ip, port: 0 }];
    } else {
      this.addrs = this.addrs.map((a) =>
        a.ip === '' || a.ip === '0.0.0.0' || a.ip === '::'
          ? {
              type: this.didBind ? a.type : AddrType.ANY,
              nonce: a.nonce,
              family,
              ip,
              port: this.didBind ? a.port : 0,
            }
          : a,
      );
    }
    this.needAddr = false;
    dout(this.log, 1, () => `${this} learned my addr ${formatEntityAddrVec(this.addrs)}`);
  }

  /** A pause on this messenger's clock (injected delays). */
  sleep(ms: number): Promise<void> {
    return sleepOn(this.clock, ms);
  }
}

/** Map key of an addrvec (entity_addrvec_t identity). */
function addrKey(addrs: EntityAddrVec): string {
  return formatEntityAddrVec(addrs);
}
