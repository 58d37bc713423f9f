/**
 * MonClient: the client side of a monitor session. It hunts across the
 * monmap for a monitor, authenticates in the msgr2 handshake (the messenger's
 * auth client hands us the global id), keeps the session alive with
 * keepalives, subscribes to maps and delivers them, and runs monitor commands
 * and version queries — resending them on a new session.
 *
 *   init() → [idle] --authenticate()--> HUNTING: connect to ≤ mon_client_hunt_parallel
 *                                          random mons; each sends MMonGetMap (queued
 *                                          until its handshake completes)
 *   HUNTING --first AUTH_DONE--> HAVE_SESSION: drop the other candidates, flush queued
 *                                          messages, send subscriptions, resend commands
 *   HAVE_SESSION --monmap received--> AUTHENTICATED (authenticate() resolves)
 *   HUNTING --hunt interval × backoff elapses--> HUNTING (next batch of mons)
 *   HAVE_SESSION --connection reset | no keepalive ack in mon_client_ping_timeout
 *                 | our mon left the monmap--> HUNTING
 *   any --shutDown()--> [stopped]: pending commands fail ECANCELED
 */
import { EventEmitter } from 'node:events';
import { CephError } from '../common/errors.js';
import {
  AddrType,
  EntityType,
  formatEntityName,
  type EntityAddrVec,
  type EntityName,
} from '../encoding/types.js';
import type { AuthClient, AuthConnection } from '../auth/types.js';
import type { Connection, Messenger } from '../msg/index.js';
import type { Dispatcher } from '../msg/dispatch-queue.js';
import type { Message } from '../msg/message.js';
import { systemClock, type Clock, type TimerHandle } from '../msg/clock.js';
import { MonMessageType as MessageType } from '../msg/messages/mon-message-types.js';
import { MMonGetMap } from '../msg/messages/mon-get-map.js';
import type { MMonMap } from '../msg/messages/mon-map.js';
import { MMonSubscribe } from '../msg/messages/mon-subscribe.js';
import { MMonCommand } from '../msg/messages/mon-command.js';
import type { MMonCommandAck } from '../msg/messages/mon-command-ack.js';
import { MMonGetVersion } from '../msg/messages/mon-get-version.js';
import type { MMonGetVersionReply } from '../msg/messages/mon-get-version-reply.js';
import type { MConfig } from '../msg/messages/config.js';
import { MonSub } from './mon-sub.js';
import { decodeMonMapFromBuffer, type MonMap } from './monmap.js';

export interface MonClientOptions {
  messenger: Messenger;
  /** Who we authenticate as (client.admin). */
  entityName: EntityName;
  /** The initial monmap (from mon_host or a monmap file). */
  initialMonMap: MonMap;
  /** mon_client_hunt_interval (s → ms), default 3 s. */
  huntIntervalMs?: number;
  /** mon_client_hunt_parallel, default 3. */
  huntParallel?: number;
  /** mon_client_hunt_interval_backoff, default 1.5. */
  huntIntervalBackoff?: number;
  /** mon_client_hunt_interval_min_multiple, default 1.0. */
  huntIntervalMinMultiple?: number;
  /** mon_client_hunt_interval_max_multiple, default 10.0. */
  huntIntervalMaxMultiple?: number;
  /** mon_client_ping_interval, default 10 s. */
  pingIntervalMs?: number;
  /** mon_client_ping_timeout, default 30 s. */
  pingTimeoutMs?: number;
  /** rados_mon_op_timeout: 0 = wait forever. */
  monOpTimeoutMs?: number;
  clock?: Clock;
  /** Short hostname sent with subscriptions. */
  hostname?: string;
}

/** The result of a monitor command: return code, status string and output buffer, as MMonCommandAck carries them. */
export interface MonCommandResult {
  r: number;
  rs: string;
  outbuf: Buffer;
}

interface PendingCommand {
  tid: bigint;
  cmd: string[];
  inbuf: Buffer;
  resolve(result: MonCommandResult): void;
  reject(err: Error): void;
  timer?: TimerHandle;
}

interface PendingVersion {
  resolve(v: { version: number; oldestVersion: number }): void;
  reject(err: Error): void;
}

export interface MonClientEvents {
  monmap: [MonMap];
  config: [Map<string, string>];
  /** Any message the MonClient does not consume itself (MOSDMap, MMgrMap, MLog…). */
  message: [Message];
  /** A new session with a monitor was established. */
  session: [string];
}

/** Session states of the client as a whole. */
type State = 'idle' | 'hunting' | 'session' | 'stopped';

export class MonClient extends EventEmitter<MonClientEvents> implements Dispatcher {
  private readonly messenger: Messenger;
  private readonly clock: Clock;
  private readonly entityName: EntityName;
  private readonly huntIntervalMs: number;
  private readonly huntParallel: number;
  private readonly huntBackoff: number;
  private readonly huntMinMultiple: number;
  private readonly huntMaxMultiple: number;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly monOpTimeoutMs: number;
  private readonly hostname: string;

  monmap: MonMap;
  globalId = 0n;
  private state: State = 'idle';
  private readonly sub = new MonSub();
  /** Candidate connections while hunting. */
  private pending = new Set<Connection>();
  private active: Connection | undefined;
  private activeName = '';
  /** Ranks tried in this round of hunting. */
  private tried = new Set<number>();
  private huntMultiplier: number;
  private hadConnection = false;
  private haveMonMap = false;
  /** Messages queued until a session exists (discarded on a new hunt, as Ceph does). */
  private waitingForSession: Message[] = [];
  private readonly commands = new Map<bigint, PendingCommand>();
  private lastCommandTid = 0n;
  private readonly versionRequests = new Map<number, PendingVersion>();
  private lastVersionHandle = 0;
  private tickTimer: TimerHandle | undefined;
  private lastKeepaliveSentMs = 0;
  private authWaiters: { resolve(): void; reject(err: Error): void }[] = [];
  private initialized = false;
  /** When the current session started: the keepalive timeout counts from here until the first ack. */
  private sessionStartMs = 0;

  constructor(opts: MonClientOptions) {
    super();
    this.messenger = opts.messenger;
    this.clock = opts.clock ?? systemClock;
    this.entityName = opts.entityName;
    this.monmap = opts.initialMonMap;
    this.huntIntervalMs = opts.huntIntervalMs ?? 3000;
    this.huntParallel = opts.huntParallel ?? 3;
    this.huntBackoff = opts.huntIntervalBackoff ?? 1.5;
    this.huntMinMultiple = opts.huntIntervalMinMultiple ?? 1.0;
    this.huntMaxMultiple = opts.huntIntervalMaxMultiple ?? 10.0;
    this.pingIntervalMs = opts.pingIntervalMs ?? 10_000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 30_000;
    this.monOpTimeoutMs = opts.monOpTimeoutMs ?? 0;
    this.hostname = opts.hostname ?? 'tsceph';
    this.huntMultiplier = this.huntMinMultiple;
  }

  /** Register with the messenger. Idempotent. */
  async init(): Promise<void> {
    if (this.initialized) return;
    this.initialized = true;
    this.messenger.authClient = this.wrapAuthClient(this.messenger.authClient);
    this.messenger.addDispatcherHead(this);
    this.scheduleTick();
  }

  get isAuthenticated(): boolean {
    return this.state === 'session' && this.haveMonMap;
  }

  /** The fsid of the cluster, from the monmap. */
  get fsid(): string {
    return this.monmap.fsid;
  }

  /** Name of the mon we have a session with ('' while hunting). */
  get sessionMonName(): string {
    return this.activeName;
  }

  /**
   * Hunt for a monitor and wait until we have a session and a monmap.
   * Rejects ETIMEDOUT after `timeoutMs` (client_mount_timeout); 0 waits forever.
   */
  authenticate(timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') return Promise.reject(new CephError('ESHUTDOWN', 'monclient is shut down'));
    if (this.isAuthenticated) return Promise.resolve();
    this.sub.want('monmap', this.monmap.epoch ? this.monmap.epoch + 1 : 0, 0);
    this.sub.want('config', 0, 0);
    if (this.state === 'idle') this.reopenSession();
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const waiter = {
        resolve: () => {
          if (timer) this.clock.cancelTimer(timer);
          resolve();
        },
        reject: (err: Error) => {
          if (timer) this.clock.cancelTimer(timer);
          reject(err);
        },
      };
      if (timeoutMs > 0) {
        timer = this.clock.setTimer(() => {
          this.authWaiters = this.authWaiters.filter((w) => w !== waiter);
          reject(new CephError('ETIMEDOUT', `monclient: authenticate timed out after ${timeoutMs / 1000} s`));
        }, timeoutMs);
      }
      this.authWaiters.push(waiter);
    });
  }

  /** Subscribe to a map ("osdmap", "mgrmap", "log-info", …) from epoch `start`. */
  subWant(what: string, start: number, flags = 0): void {
    if (this.sub.want(what, start, flags)) this.renewSubs();
  }

  subUnwant(what: string): void {
    this.sub.unwant(what);
  }

  /** Report that a subscribed map arrived at `epoch` (the layer decoding it calls this). */
  subGot(what: string, epoch: number): void {
    this.sub.got(what, epoch);
  }

  renewSubs(): void {
    if (!this.sub.haveNew()) return;
    if (this.state === 'idle' || this.state === 'stopped') return;
    this.sendMonMessage(new MMonSubscribe({ what: this.sub.getSubs(), hostname: this.hostname }));
    this.sub.renewed();
  }

  /**
   * Run a monitor command. Resolves with the mon's (r, rs, outbuf) even when r < 0
   * (callers print rs, as Ceph's CLI does); rejects only when no answer comes
   * (ETIMEDOUT after rados_mon_op_timeout, ECANCELED at shutdown).
   */
  command(
    cmd: string[],
    inbuf: Buffer = Buffer.alloc(0),
    timeoutMs = this.monOpTimeoutMs,
  ): Promise<MonCommandResult> {
    if (this.state === 'stopped') return Promise.reject(new CephError('ESHUTDOWN', 'monclient is shut down'));
    const tid = ++this.lastCommandTid;
    return new Promise<MonCommandResult>((resolve, reject) => {
      const pending: PendingCommand = { tid, cmd, inbuf, resolve, reject };
      if (timeoutMs > 0) {
        pending.timer = this.clock.setTimer(() => {
          this.commands.delete(tid);
          reject(new CephError('ETIMEDOUT', 'timed out'));
        }, timeoutMs);
      }
      this.commands.set(tid, pending);
      if (this.state === 'idle') this.reopenSession();
      this.sendCommand(pending);
    });
  }

  /** `get_version(what)`: the newest and oldest epochs the mon has of a map. */
  getVersion(what: string): Promise<{ version: number; oldestVersion: number }> {
    const handle = ++this.lastVersionHandle;
    return new Promise((resolve, reject) => {
      this.versionRequests.set(handle, { resolve, reject });
      this.sendMonMessage(new MMonGetVersion({ handle, what }));
    });
  }

  /** Stop: fail pending work with ECANCELED, close connections. Idempotent. */
  async shutDown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.tickTimer) this.clock.cancelTimer(this.tickTimer);
    this.tickTimer = undefined;
    for (const cmd of this.commands.values()) {
      if (cmd.timer) this.clock.cancelTimer(cmd.timer);
      cmd.reject(new CephError('ECANCELED', 'monclient shutting down'));
    }
    this.commands.clear();
    for (const v of this.versionRequests.values())
      v.reject(new CephError('ECANCELED', 'monclient shutting down'));
    this.versionRequests.clear();
    for (const w of this.authWaiters) w.reject(new CephError('ECANCELED', 'monclient shutting down'));
    this.authWaiters = [];
    for (const con of this.pending) con.markDown();
    this.pending.clear();
    this.active?.markDown();
    this.active = undefined;
  }

  // ---- hunting -------------------------------------------------------------

  private reopenSession(): void {
    this.active?.markDown();
    this.active = undefined;
    this.activeName = '';
    for (const con of this.pending) con.markDown();
    this.pending.clear();
    if (this.hadConnection) {
      this.huntMultiplier = Math.min(this.huntMultiplier * this.huntBackoff, this.huntMaxMultiple);
    }
    this.state = 'hunting';
    for (const rank of this.nextHuntBatch()) this.addConnection(rank);
    // a new session re-sends every subscription and drops queued messages (Ceph does the same)
    this.waitingForSession = [];
    for (const v of this.versionRequests.values())
      v.reject(new CephError('EAGAIN', 'monitor session was reset'));
    this.versionRequests.clear();
    if (this.sub.reload()) this.renewSubs();
  }

  /** Pick the next ranks to try: untried mons of the lowest priority, shuffled, at most huntParallel. */
  private nextHuntBatch(): number[] {
    // we speak msgr2 only: monitors reachable solely over v1 are not candidates
    const ranks = this.monmap.ranks
      .map((_, rank) => rank)
      .filter((rank) => this.monmap.getAddrs(rank).some((a) => a.type === AddrType.MSGR2));
    if (ranks.length === 0) return [];
    let candidates = ranks.filter((r) => !this.tried.has(r));
    if (candidates.length === 0) {
      this.tried.clear();
      candidates = ranks;
    }
    const lowest = Math.min(...candidates.map((r) => this.monmap.get(this.monmap.getName(r)).priority));
    const batch = candidates.filter((r) => this.monmap.get(this.monmap.getName(r)).priority === lowest);
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    const n = this.huntParallel === 0 ? batch.length : Math.min(this.huntParallel, batch.length);
    const chosen = batch.slice(0, n);
    for (const r of chosen) this.tried.add(r);
    return chosen;
  }

  private addConnection(rank: number): void {
    const addrs: EntityAddrVec = this.monmap.getAddrs(rank).filter((a) => a.type === AddrType.MSGR2);
    const con = this.messenger.connectTo(EntityType.MON, addrs);
    this.pending.add(con);
    // msgr2: the handshake authenticates; the first message asks for the monmap
    con.sendMessage(new MMonGetMap());
  }

  // ---- messenger callbacks -------------------------------------------------

  /**
   * Wrap the messenger's auth client so that a monitor's AUTH_DONE (the msgr2
   * handshake authenticates the session) reaches us with our global id.
   */
  private wrapAuthClient(inner: AuthClient): AuthClient {
    return {
      getAuthRequest: (con) => inner.getAuthRequest(con),
      handleAuthReplyMore: (con, payload) => inner.handleAuthReplyMore(con, payload),
      handleAuthBadMethod: (con, method, result, methods, modes) =>
        inner.handleAuthBadMethod(con, method, result, methods, modes),
      handleAuthDone: (con: AuthConnection, globalId, conMode, payload) => {
        const result = inner.handleAuthDone(con, globalId, conMode, payload);
        if (con.peerType === EntityType.MON) this.handleMonAuthDone(con as Connection, globalId);
        return result;
      },
    };
  }

  /** A mon connection finished AUTH_DONE. */
  handleMonAuthDone(con: Connection, globalId: bigint): void {
    if (!this.pending.has(con)) return;
    this.pending.delete(con);
    if (this.state !== 'hunting') {
      con.markDown();
      return;
    }
    for (const other of this.pending) other.markDown();
    this.pending.clear();
    this.active = con;
    this.activeName = this.monNameOf(con.peerAddrs) ?? '';
    this.state = 'session';
    this.globalId = globalId;
    this.hadConnection = true;
    this.huntMultiplier = Math.max(this.huntMinMultiple, this.huntMultiplier / this.huntBackoff);
    this.lastKeepaliveSentMs = this.clock.now();
    this.sessionStartMs = this.lastKeepaliveSentMs;
    const queued = this.waitingForSession;
    this.waitingForSession = [];
    for (const m of queued) con.sendMessage(m);
    this.renewSubs();
    for (const cmd of this.commands.values()) this.sendCommand(cmd);
    this.emit('session', this.activeName);
    if (this.haveMonMap) this.finishAuth();
    this.scheduleTick();
  }

  msDispatch(msg: Message, con: Connection): boolean {
    switch (msg.type) {
      case MessageType.CEPH_MSG_MON_MAP:
      case MessageType.CEPH_MSG_MON_SUBSCRIBE_ACK:
      case MessageType.CEPH_MSG_MON_GET_VERSION_REPLY:
      case MessageType.MSG_MON_COMMAND_ACK:
      case MessageType.MSG_CONFIG:
        break;
      default:
        if (con.peerType === EntityType.MON && con !== this.active) return false;
        this.emit('message', msg);
        return false;
    }
    if (con !== this.active) return true; // stray message from a candidate we dropped
    switch (msg.type) {
      case MessageType.CEPH_MSG_MON_MAP:
        this.handleMonMap(msg as MMonMap);
        break;
      case MessageType.CEPH_MSG_MON_GET_VERSION_REPLY: {
        const reply = msg as MMonGetVersionReply;
        const req = this.versionRequests.get(reply.handle);
        if (req) {
          this.versionRequests.delete(reply.handle);
          req.resolve({ version: reply.mapVersion, oldestVersion: reply.oldestVersion });
        }
        break;
      }
      case MessageType.MSG_MON_COMMAND_ACK: {
        const ack = msg as MMonCommandAck;
        const tid = ack.tid === 0n && this.commands.size ? this.commands.keys().next().value! : ack.tid;
        const cmd = this.commands.get(tid);
        if (cmd) {
          this.commands.delete(tid);
          if (cmd.timer) this.clock.cancelTimer(cmd.timer);
          cmd.resolve({ r: ack.r, rs: ack.rs, outbuf: ack.outbuf });
        }
        break;
      }
      case MessageType.MSG_CONFIG:
        this.emit('config', (msg as MConfig).config);
        break;
      default:
        break; // subscribe ack: stateful subscriptions need no renewal
    }
    return true;
  }

  msHandleReset(con: Connection): void {
    if (con.peerType !== EntityType.MON) return;
    if (this.pending.has(con)) {
      this.pending.delete(con);
      return;
    }
    if (con === this.active && this.state === 'session') this.reopenSession();
  }

  msHandleRemoteReset(con: Connection): void {
    this.msHandleReset(con);
  }

  msHandleRefused(con: Connection): void {
    this.msHandleReset(con);
  }

  private handleMonMap(m: MMonMap): void {
    const map = decodeMonMapFromBuffer(m.monmapBuf);
    const oldEpoch = this.monmap.epoch;
    if (oldEpoch === 0 || map.epoch > oldEpoch) this.monmap = map;
    this.sub.got('monmap', this.monmap.epoch);
    const active = this.active;
    if (active && this.monNameOf(active.peerAddrs) === undefined) {
      this.reopenSession(); // our mon left the map
      return;
    }
    if (active) this.activeName = this.monNameOf(active.peerAddrs) ?? this.activeName;
    this.haveMonMap = true;
    this.emit('monmap', this.monmap);
    if (this.state === 'session') this.finishAuth();
  }

  private monNameOf(addrs: EntityAddrVec): string | undefined {
    const rank = this.monmap.getRankOfAddrs(addrs);
    return rank < 0 ? undefined : this.monmap.getName(rank);
  }

  private finishAuth(): void {
    const waiters = this.authWaiters;
    this.authWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private sendCommand(cmd: PendingCommand): void {
    this.sendMonMessage(
      new MMonCommand({ tid: cmd.tid, fsid: this.monmap.fsid, cmd: cmd.cmd, inbuf: cmd.inbuf }),
    );
  }

  /** Send on the session, or queue until one exists. */
  sendMonMessage(m: Message): void {
    if (this.active && this.state === 'session') this.active.sendMessage(m);
    else this.waitingForSession.push(m);
  }

  // ---- timers --------------------------------------------------------------

  private scheduleTick(): void {
    if (this.state === 'stopped') return;
    if (this.tickTimer) this.clock.cancelTimer(this.tickTimer);
    const delay = this.state === 'session' ? this.pingIntervalMs : this.huntIntervalMs * this.huntMultiplier;
    this.tickTimer = this.clock.setTimer(() => {
      this.tickTimer = undefined;
      this.tick();
    }, delay);
  }

  private tick(): void {
    if (this.state === 'stopped') return;
    if (this.state === 'hunting') {
      this.reopenSession(); // continue the hunt with the next batch
    } else if (this.state === 'session' && this.active) {
      const now = this.clock.now();
      if (now - this.lastKeepaliveSentMs >= this.pingIntervalMs) {
        this.active.sendKeepalive();
        this.lastKeepaliveSentMs = now;
        const lastAck = Math.max(this.active.lastKeepaliveAckMs, this.sessionStartMs);
        if (this.pingTimeoutMs > 0 && now - lastAck > this.pingTimeoutMs) {
          this.reopenSession(); // mon stopped answering keepalives
        }
      }
    }
    this.scheduleTick();
  }

  override toString(): string {
    return `monclient(${formatEntityName(this.entityName)})`;
  }
}
