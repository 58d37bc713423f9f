/**
 * The Objecter (Ceph's `osdc/Objecter`): sends object ops to the OSD that is
 * primary for their PG under the current OSDMap, and keeps them going until
 * they complete — across map changes, OSD restarts and connection resets.
 *
 * An op's life:
 *
 *   submit → BUDGET (objecter_inflight_ops / _op_bytes) → CALC_TARGET
 *     ├─ pool unknown → homeless, MAP_CHECK (ask the mon for the latest map;
 *     │                  still unknown at the newest epoch → ENOENT)
 *     ├─ paused (PAUSERD/PAUSEWR/full) or no primary → homeless until a map fixes it
 *     └─ primary osd.N → session N → SEND (held while a backoff covers the object)
 *   MOSDOpReply(tid) ─ stale attempt → ignored
 *                    ├─ -EAGAIN → CALC_TARGET again (and resend)
 *                    ├─ redirect → retarget to the given locator, resend
 *                    └─ otherwise → complete (result, per-op rval/outdata)
 *   new map → recompute every target; moved or new interval → resend (tid order)
 *   connection reset → reconnect the session, resend all its ops (tid order)
 *   rados_osd_op_timeout → ETIMEDOUT;  shutDown → ESHUTDOWN
 *
 * Linger ops (watch, notify) ride the same path but re-register instead of
 * resending: a watch reconnects with a new generation and is pinged every
 * objecter_tick_interval; errors are surfaced to the watcher.
 */
import { CephError, errnoName } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import { formatLogStamp, logger } from '../../common/log.js';
import type { Formatter } from '../../common/formatter.js';
import {
  CEPH_NOSNAP,
  formatPgId,
  type HObject,
  type ObjectLocator,
  type PgId,
  type SpgId,
} from '../../encoding/osd-types.js';
import { EntityType, formatEntityAddrVec, type UTime } from '../../encoding/types.js';
import { encode } from '../../encoding/encoder.js';
import type { Connection } from '../../msg/connection.js';
import { systemClock, type Clock, type TimerHandle } from '../../msg/clock.js';
import type { Dispatcher } from '../../msg/dispatch-queue.js';
import type { Message } from '../../msg/message.js';
import type { Messenger } from '../../msg/messenger.js';
import { Throttle } from '../../msg/throttle.js';
import { MOSDMap } from '../../msg/messages/mon-osd-map.js';
import { MOSDOpReply } from '../../msg/messages/osd-op-reply.js';
import { MOSDBackoff } from '../../msg/messages/osd-backoff.js';
import { MWatchNotify } from '../../msg/messages/watch-notify.js';
import { OSDOp } from '../../msg/messages/osd-op.js';
import {
  BackoffOp,
  OsdFlag,
  OsdOp,
  OsdOpMode,
  WatchEvent,
  WatchOp,
} from '../../msg/messages/osd-op-codes.js';
import { OsdMessageType } from '../../msg/messages/osd-message-types.js';
import { MonMessageType } from '../../msg/messages/mon-message-types.js';
import '../../msg/messages/index-osd.js';
import type { MonClient } from '../../mon/mon-client.js';
import { OSDMap, decodeOSDMapIncremental, OsdMapFlag } from '../../osdmap/index.js';
import { LingerOp, type NotifyCompletion, type WatchHandler } from './linger-op.js';
import { calcTarget, newOpTarget, TargetChange, type OpTarget } from './op-target.js';
import type { ObjecterOp, OpReply, SnapContext } from './objecter-op.js';
import { prepareOsdOp } from './prepare-op.js';
import { containedBy, OsdSession, type Backoff } from './osd-session.js';
import { MonOps } from './mon-ops.js';

const log = logger('objecter', 'client.objecter ');

/** `CEPH_SUBSCRIBE_ONETIME`. */
const SUBSCRIBE_ONETIME = 1;

/** What a caller asks the Objecter to do with one object (or one PG, for listings). */
export interface OpRequest {
  oid: string;
  oloc: ObjectLocator;
  ops: OSDOp[];
  /** CEPH_OSD_FLAG_READ and/or WRITE, plus any extra flags. */
  flags: number;
  /** Read at this snap (default: head). */
  snapId?: bigint;
  /** Write snap context (default: none). */
  snapc?: SnapContext;
  mtime?: UTime;
  /** Address this PG instead of hashing `oid` (PG ops such as PGNLS). */
  pgid?: PgId;
  /** Overrides rados_osd_op_timeout for this op (ms, 0 = none). */
  timeoutMs?: number;
}

export interface ObjecterOptions {
  messenger: Messenger;
  monc: MonClient;
  config: Config;
  clock?: Clock;
}

export class Objecter implements Dispatcher {
  private readonly messenger: Messenger;
  private readonly monc: MonClient;
  private readonly config: Config;
  private readonly clock: Clock;
  private map: OSDMap | undefined;
  private readonly sessions = new Map<number, OsdSession>();
  private readonly homeless = new OsdSession(-1, undefined);
  private readonly lingers = new Map<bigint, LingerOp>();
  private lastTid = 0n;
  private lastLingerId = 0n;
  private readonly opThrottle: Throttle;
  private readonly byteThrottle: Throttle;
  private mapWaiters: { minEpoch: number; resolve: () => void }[] = [];
  private tickTimer: TimerHandle | undefined;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  /** Sum of budgets of ops in flight, for `objecter_requests`. */
  private inflight = new Map<bigint, ObjecterOp>();
  /** `epoch_barrier`: ops wait for at least this map epoch (set after a blocklist). */
  private epochBarrier = 0;
  /** Pool ops, pool stats and statfs requests to the monitors. */
  readonly monOps: MonOps;

  constructor(opts: ObjecterOptions) {
    this.messenger = opts.messenger;
    this.monc = opts.monc;
    this.config = opts.config;
    this.clock = opts.clock ?? systemClock;
    this.opThrottle = new Throttle('objecter_ops', Number(this.config.getValue('objecter_inflight_ops')));
    this.byteThrottle = new Throttle(
      'objecter_bytes',
      Number(this.config.getValue('objecter_inflight_op_bytes')),
    );
    this.monOps = new MonOps(
      this.monc,
      this.clock,
      () => Math.round(Number(this.config.getValue('rados_mon_op_timeout')) * 1000),
      () => this.map?.epoch ?? 0,
      (epoch) => this.waitForMap(epoch),
    );
  }

  /** The current OSDMap (after `init` resolved). */
  get osdmap(): OSDMap {
    if (!this.map) throw new CephError('ENOTCONN', 'objecter: no osdmap yet');
    return this.map;
  }

  get hasMap(): boolean {
    return this.map !== undefined;
  }

  /** Start: register with the messenger, subscribe to the OSDMap, begin ticking. */
  init(): Promise<void> {
    if (this.state !== 'idle') return Promise.resolve();
    this.state = 'running';
    this.messenger.addDispatcherTail(this);
    this.monc.on('session', this.onMonSession);
    this.maybeRequestMap(true);
    this.scheduleTick();
    return Promise.resolve();
  }

  /** Resolve once we hold a map of at least `minEpoch` (any map when 0). */
  waitForMap(minEpoch = 0): Promise<void> {
    if (this.map && this.map.epoch >= minEpoch) return Promise.resolve();
    if (minEpoch > 0) this.maybeRequestMap(true);
    return new Promise((resolve) => this.mapWaiters.push({ minEpoch, resolve }));
  }

  /** `wait_for_latest_osdmap`: ask the mon for its newest epoch and wait until we have it. */
  async waitForLatestMap(): Promise<void> {
    const { version } = await this.monc.getVersion('osdmap');
    await this.waitForMap(version);
  }

  /** Stop: fail everything in flight with ESHUTDOWN, close OSD sessions. */
  shutDown(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    this.state = 'stopped';
    this.monc.off('session', this.onMonSession);
    if (this.tickTimer) this.clock.cancelTimer(this.tickTimer);
    const err = new CephError('ESHUTDOWN', 'objecter shut down');
    this.monOps.shutDown();
    for (const w of this.mapWaiters) w.resolve();
    this.mapWaiters = [];
    for (const op of [...this.inflight.values()]) this.finishOp(op, err);
    for (const l of this.lingers.values()) {
      l.canceled = true;
      l.onRegistered?.(err);
    }
    this.lingers.clear();
    for (const s of this.sessions.values()) s.con?.markDown();
    this.sessions.clear();
    return Promise.resolve();
  }

  // ------------------------------------------------------------------ ops

  /** Submit an op; resolves with the OSD's reply (also when result < 0), rejects on ETIMEDOUT/ENOENT(pool)/ESHUTDOWN. */
  submit(req: OpRequest): Promise<OpReply> {
    if (this.state !== 'running') return Promise.reject(new CephError('ESHUTDOWN', 'objecter not running'));
    const target = newOpTarget(req.oid, req.oloc, req.flags, req.pgid);
    return new Promise<OpReply>((resolve, reject) => {
      const op: ObjecterOp = {
        tid: 0n,
        target,
        ops: req.ops,
        snapId: req.snapId ?? CEPH_NOSNAP,
        snapc: req.snapc ?? { seq: 0n, snaps: [] },
        mtime: req.mtime ?? nowUTime(this.clock),
        attempts: 0,
        session: undefined,
        budgetBytes: opBudget(req.ops),
        budgeted: true,
        sentAtMs: 0,
        shouldResend: true,
        mapCheckPending: false,
        priority: Number(this.config.getValue('osd_client_op_priority')),
        resolve,
        reject,
      };
      const timeoutMs =
        req.timeoutMs ?? Math.round(Number(this.config.getValue('rados_osd_op_timeout')) * 1000);
      this.takeBudget(op, () => {
        if (timeoutMs > 0) {
          op.timeout = this.clock.setTimer(
            () => this.finishOp(op, new CephError('ETIMEDOUT', `osd op tid ${op.tid} timed out`)),
            timeoutMs,
          );
        }
        this.opSubmit(op);
      });
    });
  }

  private takeBudget(op: ObjecterOp, then: () => void): void {
    this.opThrottle.get(1, () => {
      this.byteThrottle.get(op.budgetBytes, then);
    });
  }

  private putBudget(op: ObjecterOp): void {
    this.opThrottle.put(1);
    this.byteThrottle.put(op.budgetBytes);
  }

  /** `_op_submit`: assign a tid, compute the target, send or park. */
  private opSubmit(op: ObjecterOp): void {
    if (this.state !== 'running') {
      this.finishOp(op, new CephError('ESHUTDOWN', 'objecter shut down'));
      return;
    }
    if (op.tid === 0n) op.tid = ++this.lastTid;
    this.inflight.set(op.tid, op);
    if (!this.map) {
      this.assignSession(op, this.homeless);
      return;
    }
    const change = calcTarget(this.map, op.target, false, this.epochBarrier);
    if (change === TargetChange.POOL_DNE) {
      this.assignSession(op, this.homeless);
      this.checkPoolDne(op);
      return;
    }
    const session = this.sessionFor(op.target);
    this.assignSession(op, session);
    if (!session.isHomeless && !op.target.paused) this.sendOp(op);
    else if (session.isHomeless) this.maybeRequestMap();
  }

  private sessionFor(t: OpTarget): OsdSession {
    if (t.osd < 0 || t.paused || !this.map?.isUp(t.osd)) return this.homeless;
    let s = this.sessions.get(t.osd);
    if (!s) {
      s = new OsdSession(t.osd, this.connectOsd(t.osd));
      this.sessions.set(t.osd, s);
    }
    return s;
  }

  private connectOsd(osd: number): Connection {
    const addrs = this.osdmap.getAddrs(osd);
    log.debug(10, () => `opening session to osd.${osd} at ${formatEntityAddrVec(addrs)}`);
    return this.messenger.connectTo(EntityType.OSD, addrs);
  }

  private assignSession(op: ObjecterOp, s: OsdSession): void {
    if (op.session === s) return;
    op.session?.ops.delete(op.tid);
    op.session = s;
    s.ops.set(op.tid, op);
  }

  /** `_send_op`: build the MOSDOp and put it on the session's connection, unless a backoff holds it. */
  private sendOp(op: ObjecterOp): void {
    const s = op.session;
    const t = op.target;
    if (!s?.con || !t.actualPgid || !t.pgid) return;
    const hobj = targetHObject(t);
    if (s.backoffFor(t.actualPgid, hobj)) {
      log.debug(
        10,
        () => `tid ${op.tid} held by a backoff on ${t.actualPgid!.pgid.pool}.${t.actualPgid!.pgid.seed}`,
      );
      return;
    }
    const m = prepareOsdOp(op, this.osdmap.epoch);
    op.attempts++;
    op.sentAtMs = this.clock.now();
    log.debug(
      10,
      () =>
        `_send_op tid ${op.tid} ${t.targetOid} ${op.ops.map((o) => o.toString()).join(',')} to osd.${s.osd} attempt ${op.attempts}`,
    );
    s.con.sendMessage(m);
  }

  /** Complete an op with a reply or an error, returning its budget. */
  private finishOp(op: ObjecterOp, outcome: OpReply | Error): void {
    if (!this.inflight.has(op.tid) && op.tid !== 0n) return;
    this.inflight.delete(op.tid);
    op.session?.ops.delete(op.tid);
    op.session = undefined;
    if (op.timeout) this.clock.cancelTimer(op.timeout);
    if (op.budgeted) this.putBudget(op);
    if (outcome instanceof Error) op.reject(outcome);
    else op.resolve(outcome);
  }

  /** `_send_op_map_check` / `_check_op_pool_dne`: the pool is not in our map — is it really gone? */
  private checkPoolDne(op: ObjecterOp): void {
    if (op.mapCheckPending) return;
    op.mapCheckPending = true;
    this.monc
      .getVersion('osdmap')
      .then(({ version }) => {
        op.mapCheckPending = false;
        if (!this.inflight.has(op.tid) || !this.map) return;
        if (this.map.epoch >= version) {
          if (!this.map.getPool(op.target.baseOloc.pool)) {
            this.finishOp(op, new CephError('ENOENT', `pool ${op.target.baseOloc.pool} does not exist`));
          }
          return;
        }
        this.maybeRequestMap(true);
        void this.waitForMap(version).then(() => {
          if (this.inflight.has(op.tid) && this.map && !this.map.getPool(op.target.baseOloc.pool)) {
            this.finishOp(op, new CephError('ENOENT', `pool ${op.target.baseOloc.pool} does not exist`));
          }
        });
      })
      .catch((err: unknown) => {
        op.mapCheckPending = false;
        log.debug(1, () => `pool existence check failed: ${String(err)}`);
      });
  }

  // ------------------------------------------------------------------ dispatch

  msDispatch(msg: Message, con: Connection): boolean {
    switch (msg.type) {
      case MonMessageType.CEPH_MSG_OSD_MAP:
        this.handleOsdMap(msg as MOSDMap);
        return true;
      case OsdMessageType.CEPH_MSG_OSD_OPREPLY:
        this.handleOpReply(msg as MOSDOpReply, con);
        return true;
      case OsdMessageType.CEPH_MSG_WATCH_NOTIFY:
        this.handleWatchNotify(msg as MWatchNotify);
        return true;
      case OsdMessageType.CEPH_MSG_OSD_BACKOFF:
        this.handleBackoff(msg as MOSDBackoff, con);
        return true;
      default:
        return this.monOps.handle(msg);
    }
  }

  msHandleConnect(): void {}

  /** A lossy OSD connection failed: reopen it and resend everything it carried. */
  msHandleReset(con: Connection): boolean {
    if (con.peerType !== EntityType.OSD) return false;
    const s = [...this.sessions.values()].find((x) => x.con === con);
    if (!s) return false;
    log.debug(1, () => `ms_handle_reset osd.${s.osd}, reopening session`);
    this.reopenSession(s);
    this.maybeRequestMap();
    return true;
  }

  msHandleRemoteReset(con: Connection): void {
    this.msHandleReset(con);
  }

  private reopenSession(s: OsdSession): void {
    s.con?.markDown();
    s.backoffs.clear();
    s.incarnation++;
    if (!this.map || !this.map.isUp(s.osd)) {
      s.con = undefined;
      for (const op of s.opsInOrder()) this.assignSession(op, this.homeless);
      for (const l of [...s.lingers.values()]) this.moveLinger(l, this.homeless);
      this.sessions.delete(s.osd);
      return;
    }
    s.con = this.connectOsd(s.osd);
    for (const op of s.opsInOrder()) {
      if (op.shouldResend) this.sendOp(op);
      else this.cancelRegistrationOp(op);
    }
    for (const l of [...s.lingers.values()]) this.sendLinger(l);
  }

  // ------------------------------------------------------------------ maps

  /** `_maybe_request_map`: ask the mon for newer maps (continuously while paused or full). */
  private maybeRequestMap(force = false): void {
    if (this.state !== 'running') return;
    const m = this.map;
    const continuous =
      m !== undefined &&
      (m.testFlag(OsdMapFlag.FULL) || m.testFlag(OsdMapFlag.PAUSERD) || m.testFlag(OsdMapFlag.PAUSEWR));
    const start = m ? m.epoch + 1 : 0;
    this.monc.subWant('osdmap', start, continuous ? 0 : SUBSCRIBE_ONETIME);
    if (force) this.monc.renewSubs();
  }

  /**
   * `handle_osd_map`: apply incrementals in order (or jump to a full map),
   * recomputing every target after each epoch, then resend what moved once.
   */
  private handleOsdMap(m: MOSDMap): void {
    if (this.state !== 'running') return;
    if (this.monc.fsid && m.fsid !== this.monc.fsid) {
      log.debug(0, () => `ignoring osd map with wrong fsid ${m.fsid}`);
      return;
    }
    const last = m.last;
    if (this.map && last <= this.map.epoch) return;
    let skippedMap = false;
    const resend: ResendSet = { ops: new Map(), lingers: new Set() };
    if (!this.map) {
      const newest = Math.max(0, ...m.maps.keys());
      if (newest === 0) {
        this.monc.subWant('osdmap', 0, SUBSCRIBE_ONETIME);
        this.monc.renewSubs();
        return;
      }
      this.map = OSDMap.decode(m.maps.get(newest)!);
      this.rescan(false, resend);
    }
    for (let e = this.map.epoch + 1; e <= last; e++) {
      const inc = m.incrementalMaps.get(e);
      const full = m.maps.get(e);
      if (inc) {
        this.map.applyIncremental(decodeOSDMapIncremental(inc));
      } else if (full) {
        this.map = OSDMap.decode(full);
      } else {
        // A gap: take the newest full map if there is one, else ask for the missing epochs.
        const newest = Math.max(0, ...[...m.maps.keys()].filter((k) => k > e));
        if (newest > 0) {
          this.map = OSDMap.decode(m.maps.get(newest)!);
          skippedMap = true;
          e = newest;
        } else {
          log.debug(1, () => `osd map gap at epoch ${e}, requesting`);
          this.monc.subWant('osdmap', this.map.epoch + 1, SUBSCRIBE_ONETIME);
          this.monc.renewSubs();
          break;
        }
      }
      this.rescan(skippedMap, resend);
      skippedMap = false;
    }
    // Like Ceph, resend once per map message, after every epoch in it was applied and scanned.
    this.sendCollected(resend);
    this.monc.subGot('osdmap', this.osdmap.epoch);
    log.debug(3, () => `handle_osd_map got epochs up to ${last}, now at ${this.osdmap.epoch}`);
    const ready = this.mapWaiters.filter((w) => this.osdmap.epoch >= w.minEpoch);
    this.mapWaiters = this.mapWaiters.filter((w) => this.osdmap.epoch < w.minEpoch);
    for (const w of ready) w.resolve();
    if (this.homeless.ops.size > 0 || this.homeless.lingers.size > 0) this.maybeRequestMap();
    else if (
      this.osdmap.testFlag(OsdMapFlag.FULL) ||
      this.osdmap.testFlag(OsdMapFlag.PAUSERD) ||
      this.osdmap.testFlag(OsdMapFlag.PAUSEWR)
    ) {
      this.maybeRequestMap();
    }
  }

  /** `_scan_requests` over every session after one map epoch; collects what must be resent. */
  private rescan(skippedMap: boolean, resend: ResendSet): void {
    const map = this.osdmap;
    // Sessions whose OSD went down or changed address are closed; their ops get new targets below.
    for (const s of [...this.sessions.values()]) {
      const addrs = map.isUp(s.osd) ? map.getAddrs(s.osd) : undefined;
      const same = addrs && s.con && formatEntityAddrVec(addrs) === formatEntityAddrVec(s.con.peerAddrs);
      if (!same) {
        s.con?.markDown();
        s.con = undefined;
        this.sessions.delete(s.osd);
        for (const op of s.opsInOrder()) this.assignSession(op, this.homeless);
        for (const l of [...s.lingers.values()]) this.moveLinger(l, this.homeless);
      }
    }
    // `inflight` is keyed by tid in insertion order and tids only grow: it already iterates in tid order.
    const allOps = [...this.inflight.values()];
    for (const op of allOps) {
      if (!op.session) continue;
      const wasHomeless = op.session.isHomeless;
      const change = calcTarget(map, op.target, false, this.epochBarrier);
      if (change === TargetChange.POOL_DNE) {
        this.assignSession(op, this.homeless);
        this.checkPoolDne(op);
        continue;
      }
      const needResend = change === TargetChange.NEED_RESEND || skippedMap || wasHomeless;
      if (!needResend) continue;
      const s = this.sessionFor(op.target);
      this.assignSession(op, s);
      if (!op.shouldResend) {
        this.cancelRegistrationOp(op);
        continue;
      }
      if (!s.isHomeless) resend.ops.set(op.tid, op);
    }
    for (const l of [...this.lingers.values()]) {
      if (l.canceled) continue;
      const wasHomeless = !l.session || l.session.isHomeless;
      const change = calcTarget(map, l.target, false, this.epochBarrier);
      if (change === TargetChange.POOL_DNE) {
        this.moveLinger(l, this.homeless);
        continue;
      }
      if (change === TargetChange.NEED_RESEND || skippedMap || wasHomeless) {
        const s = this.sessionFor(l.target);
        this.moveLinger(l, s);
        if (!s.isHomeless) resend.lingers.add(l);
      }
    }
  }

  /** Send what the scans of one map message collected: each op and linger once, ops in tid order. */
  private sendCollected(resend: ResendSet): void {
    // Several epochs' scans add to the set, so it is not in tid order: sort it.
    const ops = [...resend.ops.values()].sort((a, b) => (a.tid < b.tid ? -1 : 1));
    for (const op of ops) {
      if (this.inflight.get(op.tid) === op && op.session && !op.session.isHomeless && !op.target.paused) {
        this.sendOp(op);
      }
    }
    for (const l of resend.lingers) {
      if (!l.canceled && l.session && !l.session.isHomeless) this.sendLinger(l);
    }
  }

  // ------------------------------------------------------------------ replies

  /** `handle_osd_op_reply`. */
  private handleOpReply(m: MOSDOpReply, con: Connection): void {
    const op = this.inflight.get(m.tid);
    if (!op || !op.session || op.session.con !== con) {
      log.debug(7, () => `handle_osd_op_reply tid ${m.tid} from an old session or unknown, dropping`);
      return;
    }
    if (m.retryAttempt >= 0 && m.retryAttempt !== op.attempts - 1) {
      log.debug(
        7,
        () => `tid ${m.tid} reply for attempt ${m.retryAttempt}, expecting ${op.attempts - 1}; ignoring`,
      );
      return;
    }
    if (m.redirect) {
      log.debug(5, () => `tid ${m.tid} redirected to ${m.redirect!.object || op.target.baseOid}`);
      op.target.baseOloc = { ...m.redirect.locator };
      if (m.redirect.object) op.target.baseOid = m.redirect.object;
      op.target.flags |= OsdFlag.REDIRECTED;
      op.target.pgid = undefined;
      this.opSubmit(op);
      return;
    }
    if (m.result === -11 /* EAGAIN */) {
      log.debug(7, () => `tid ${m.tid} got EAGAIN, resubmitting`);
      op.target.flags &= ~(OsdFlag.BALANCE_READS | OsdFlag.LOCALIZE_READS);
      op.target.pgid = undefined;
      this.opSubmit(op);
      return;
    }
    // Out data is per op, in op order; copy rvals and payloads onto the caller's ops.
    const n = Math.min(op.ops.length, m.ops.length);
    for (let i = 0; i < n; i++) {
      op.ops[i]!.rval = m.ops[i]!.rval;
      op.ops[i]!.outdata = m.ops[i]!.outdata;
      op.ops[i]!.args.set(m.ops[i]!.args);
    }
    this.finishOp(op, {
      result: m.result,
      ops: op.ops,
      version: m.userVersion,
      replayVersion: m.replayVersion,
      epoch: m.osdmapEpoch,
    });
  }

  /** `handle_osd_backoff`: record or lift a block and acknowledge it. */
  private handleBackoff(m: MOSDBackoff, con: Connection): void {
    const s = [...this.sessions.values()].find((x) => x.con === con);
    if (!s) return;
    if (m.op === BackoffOp.BLOCK) {
      const b: Backoff = { pgid: m.pgid, id: m.id, begin: m.begin, end: m.end };
      s.addBackoff(b);
      log.debug(10, () => `backoff ${m.id} on pg ${formatPgId(m.pgid.pgid)}`);
      con.sendMessage(
        new MOSDBackoff({
          pgid: m.pgid,
          mapEpoch: this.osdmap.epoch,
          op: BackoffOp.ACK_BLOCK,
          id: m.id,
          begin: m.begin,
          end: m.end,
        }),
      );
    } else if (m.op === BackoffOp.UNBLOCK) {
      const b = s.removeBackoff(m.pgid, m.id);
      if (!b) return;
      // Only ops inside the lifted range were held; the rest are already at the OSD.
      for (const op of s.opsInOrder()) {
        const t = op.target;
        if (!t.actualPgid || !samePg(t.actualPgid, b.pgid)) continue;
        if (!containedBy(targetHObject(t), b.begin, b.end)) continue;
        this.sendOp(op);
      }
    }
  }

  // ------------------------------------------------------------------ linger (watch / notify)

  /**
   * Register a watch on an object. Resolves with the linger id (the watch
   * cookie) once the OSD accepted it; the handler then gets notifications,
   * and errors if the watch is lost.
   */
  async watch(
    oid: string,
    oloc: ObjectLocator,
    handler: WatchHandler,
    opts: { timeoutSeconds?: number; snapc?: SnapContext } = {},
  ): Promise<bigint> {
    const l = this.newLinger(oid, oloc, OsdFlag.WRITE, true, opts.snapc, handler);
    l.ops = [OSDOp.watch(l.cookie, WatchOp.WATCH, { timeout: opts.timeoutSeconds ?? 0 })];
    await this.registerLinger(l);
    return l.lingerId;
  }

  /** Unwatch: cancel the linger and tell the OSD (errors from the OSD are returned). */
  async unwatch(cookie: bigint): Promise<void> {
    const l = this.lingers.get(cookie);
    if (!l) throw new CephError('ENOENT', `no watch with cookie ${cookie}`);
    this.cancelLinger(l);
    const op = OSDOp.watch(cookie, WatchOp.UNWATCH);
    const reply = await this.submit({
      oid: l.target.baseOid,
      oloc: l.target.baseOloc,
      ops: [op],
      flags: OsdFlag.WRITE,
      snapc: l.snapc,
    });
    if (reply.result < 0) throw new CephError(reply.result, `unwatch ${l.target.baseOid}`);
  }

  /** `linger_check`: ms since the watch was last confirmed, or the error that ended it. */
  watchCheck(cookie: bigint): number {
    const l = this.lingers.get(cookie);
    if (!l) return -2; // ENOENT
    if (l.lastError) return l.lastError;
    if (!l.registered) return 0;
    return this.clock.now() - l.watchValidThruMs;
  }

  /**
   * Notify the watchers of an object and wait for every ack (or the timeout).
   * Resolves with the completion payload; `result` is -ETIMEDOUT when some
   * watchers did not answer.
   */
  async notify(
    oid: string,
    oloc: ObjectLocator,
    payload: Buffer,
    timeoutSeconds: number,
    snapc?: SnapContext,
  ): Promise<NotifyCompletion> {
    const l = this.newLinger(oid, oloc, OsdFlag.READ, false, snapc, undefined);
    const op = new OSDOp({
      op: OsdOp.NOTIFY,
      indata: encode((e) => {
        e.u32(1); // prot_ver
        e.u32(timeoutSeconds);
        e.buffer(payload);
      }),
    });
    op.notifyCookie = l.cookie;
    l.ops = [op];
    const completion = new Promise<NotifyCompletion>((resolve) => {
      l.onNotifyComplete = resolve;
    });
    try {
      await this.registerLinger(l);
      return await completion;
    } finally {
      this.cancelLinger(l);
    }
  }

  /** Acknowledge a notification with an optional reply payload. */
  async notifyAck(
    oid: string,
    oloc: ObjectLocator,
    notifyId: bigint,
    cookie: bigint,
    reply: Buffer = Buffer.alloc(0),
  ): Promise<void> {
    const op = new OSDOp({
      op: OsdOp.NOTIFY_ACK,
      indata: encode((e) => {
        e.u64(notifyId);
        e.u64(cookie);
        e.buffer(reply);
      }),
    });
    const r = await this.submit({ oid, oloc, ops: [op], flags: OsdFlag.READ });
    if (r.result < 0) throw new CephError(r.result, `notify ack on ${oid}`);
  }

  private newLinger(
    oid: string,
    oloc: ObjectLocator,
    flags: number,
    isWatch: boolean,
    snapc: SnapContext | undefined,
    handler: WatchHandler | undefined,
  ): LingerOp {
    if (this.state !== 'running') throw new CephError('ESHUTDOWN', 'objecter not running');
    const id = ++this.lastLingerId;
    const l = new LingerOp(
      id,
      newOpTarget(oid, oloc, flags),
      isWatch,
      snapc ?? { seq: 0n, snaps: [] },
      nowUTime(this.clock),
      handler,
    );
    this.lingers.set(id, l);
    return l;
  }

  private registerLinger(l: LingerOp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      l.onRegistered = (err) => {
        l.onRegistered = undefined;
        if (err) {
          this.cancelLinger(l);
          reject(err);
        } else resolve();
      };
      // The registration is an op like any other: homeless until a map places it, and
      // failed with ENOENT when its pool does not exist even in the newest map.
      const change = this.map
        ? calcTarget(this.map, l.target, false, this.epochBarrier)
        : TargetChange.NO_ACTION;
      const s = !this.map || change === TargetChange.POOL_DNE ? this.homeless : this.sessionFor(l.target);
      this.moveLinger(l, s);
      this.sendLinger(l);
      if (s.isHomeless) this.maybeRequestMap();
    });
  }

  private moveLinger(l: LingerOp, s: OsdSession): void {
    if (l.session === s) return;
    l.session?.lingers.delete(l.lingerId);
    l.session = s;
    s.lingers.set(l.lingerId, l);
  }

  /** `_send_linger`: register (first time, and for notifies) or reconnect a registered watch. */
  private sendLinger(l: LingerOp): void {
    if (l.canceled) return;
    let ops: OSDOp[];
    const reconnect = l.registered && l.isWatch;
    if (reconnect) {
      ops = [OSDOp.watch(l.cookie, WatchOp.RECONNECT, { gen: ++l.registerGen })];
    } else {
      ops = l.ops.map((o) => o.clone());
      if (!l.isWatch) l.notifyId = 0n;
    }
    // A new registration supersedes one still in flight.
    const previous = this.inflight.get(l.registerTid);
    if (previous) this.finishOp(previous, new CephError('ECANCELED', 'linger resent'));
    // Registrations go out with the linger's own flags (WRITE for a watch, READ for a notify), as Pacific sends them.
    const target = { ...l.target };
    const op = this.internalOp(
      target,
      ops,
      l.snapc,
      l.mtime,
      (reply) => this.lingerCommitted(l, reply, reconnect),
      (err) => {
        if (!isCanceled(err)) this.lingerFailed(l, err, reconnect);
      },
    );
    l.registerTid = op.tid;
    // Registrations (not pings) honour rados_osd_op_timeout like any op Ceph submits.
    const timeoutMs = Math.round(Number(this.config.getValue('rados_osd_op_timeout')) * 1000);
    if (timeoutMs > 0) {
      op.timeout = this.clock.setTimer(
        () => this.finishOp(op, new CephError('ETIMEDOUT', `linger ${l.lingerId} registration timed out`)),
        timeoutMs,
      );
    }
    this.submitInternal(op);
  }

  /**
   * Put an op the Objecter itself generates (linger registration, ping) in
   * flight: no budget (Ceph's `ctx_budgeted`; a watch must never wait behind
   * stuck data I/O or the OSD times it out), no timeout, never resent as is.
   */
  private submitInternal(op: ObjecterOp): void {
    this.inflight.set(op.tid, op);
    const s = this.map ? this.sessionFor(op.target) : this.homeless;
    this.assignSession(op, s);
    if (!s.isHomeless) this.sendOp(op);
    else if (this.map && !this.map.getPool(op.target.baseOloc.pool)) this.checkPoolDne(op);
  }

  private internalOp(
    target: OpTarget,
    ops: OSDOp[],
    snapc: SnapContext,
    mtime: UTime,
    resolve: (reply: OpReply) => void,
    reject: (err: Error) => void,
  ): ObjecterOp {
    return {
      tid: ++this.lastTid,
      target,
      ops,
      snapId: CEPH_NOSNAP,
      snapc,
      mtime,
      attempts: 0,
      session: undefined,
      budgetBytes: 0,
      budgeted: false,
      sentAtMs: 0,
      shouldResend: false,
      mapCheckPending: false,
      priority: Number(this.config.getValue('osd_client_op_priority')),
      resolve,
      reject,
    };
  }

  /** A registration op finished: first registration → resolve; reconnect failure → watch error. */
  private lingerCommitted(l: LingerOp, reply: OpReply, reconnect: boolean): void {
    if (l.canceled) return;
    if (reply.result < 0) {
      this.lingerFailed(
        l,
        new CephError(reply.result, `linger ${l.lingerId} on ${l.target.baseOid}`),
        reconnect,
      );
      return;
    }
    l.watchValidThruMs = this.clock.now();
    if (!l.registered) {
      l.registered = true;
      if (!l.isWatch) {
        const out = reply.ops[0]?.outdata;
        if (out && out.length >= 8) l.notifyId = out.readBigUInt64LE(0);
        if (l.earlyCompletion) {
          const c = l.earlyCompletion;
          l.earlyCompletion = undefined;
          queueMicrotask(() => l.onNotifyComplete?.(c));
        }
      }
      l.onRegistered?.(undefined);
    }
  }

  private lingerFailed(l: LingerOp, err: Error, reconnect: boolean): void {
    if (l.canceled) return;
    if (!l.registered || !reconnect) {
      l.onRegistered?.(err);
      if (!l.isWatch)
        l.onNotifyComplete?.({ result: (err as CephError).errno ?? -5, payload: Buffer.alloc(0) });
      return;
    }
    this.watchError(l, err);
  }

  /** Surface a lost watch once (`CB_DoWatchError`); the owner decides whether to re-watch. */
  private watchError(l: LingerOp, err: Error): void {
    if (l.lastError) return;
    const ce = err instanceof CephError ? err : new CephError('ENOTCONN', String(err));
    // `_normalize_watch_error`: a RECONNECT that raced the object's deletion (ENOENT) looks
    // like the deletion's own disconnect; every other error reaches the watcher as it is.
    const normalized = ce.code === 'ENOENT' ? new CephError('ENOTCONN', ce.message) : ce;
    l.lastError = normalized.errno;
    log.debug(1, () => `watch ${l.lingerId} on ${l.target.baseOid} lost: ${errnoName(normalized.errno)}`);
    const handler = l.handler;
    if (handler) queueMicrotask(() => handler.onError(normalized));
  }

  private cancelLinger(l: LingerOp): void {
    if (l.canceled) return;
    l.canceled = true;
    const reg = this.inflight.get(l.registerTid);
    if (reg) this.finishOp(reg, new CephError('ECANCELED', 'linger canceled'));
    l.session?.lingers.delete(l.lingerId);
    l.session = undefined;
    this.lingers.delete(l.lingerId);
  }

  /** A registration op whose session moved is not resent as is: the linger re-registers. */
  private cancelRegistrationOp(op: ObjecterOp): void {
    this.finishOp(op, new CephError('ECANCELED', 'linger registration superseded'));
  }

  /** `handle_watch_notify`. */
  private handleWatchNotify(m: MWatchNotify): void {
    const l = this.lingers.get(m.cookie);
    if (!l || l.canceled) {
      log.debug(7, () => `watch_notify for unknown cookie ${m.cookie}`);
      return;
    }
    if (m.opcode === WatchEvent.DISCONNECT) {
      this.watchError(l, new CephError('ENOTCONN', `watch ${m.cookie} disconnected by the OSD`));
      return;
    }
    if (!l.isWatch) {
      if (m.opcode !== WatchEvent.NOTIFY_COMPLETE) return;
      // The completion's acks travel in the message's data segment, the notify payload in `bl`.
      const c: NotifyCompletion = { result: m.returnCode, payload: m.data };
      if (!l.registered || l.notifyId === 0n) l.earlyCompletion = c;
      else if (m.notifyId === l.notifyId) l.onNotifyComplete?.(c);
      return;
    }
    if (m.opcode === WatchEvent.NOTIFY && l.handler) {
      l.handler.onNotify({
        notifyId: m.notifyId,
        cookie: m.cookie,
        notifierGid: m.notifierGid,
        payload: m.bl,
      });
    }
  }

  // ------------------------------------------------------------------ tick

  private scheduleTick(): void {
    const ms = Number(this.config.getValue('objecter_tick_interval')) * 1000;
    this.tickTimer = this.clock.setTimer(() => this.tick(), ms);
  }

  /** `tick`: ping watches, keepalive sessions with laggy ops, ask for maps when ops are stuck. */
  private tick(): void {
    if (this.state !== 'running') return;
    const now = this.clock.now();
    const laggyMs = Number(this.config.getValue('objecter_timeout')) * 1000;
    const toPing = new Set<OsdSession>();
    let laggy = false;
    for (const op of this.inflight.values()) {
      if (op.session && !op.session.isHomeless && op.sentAtMs > 0 && now - op.sentAtMs > laggyMs) {
        laggy = true;
        toPing.add(op.session);
      }
    }
    for (const l of this.lingers.values()) {
      if (l.isWatch && l.registered && !l.lastError && l.session && !l.session.isHomeless) {
        toPing.add(l.session);
        if (!this.config.getValue('objecter_inject_no_watch_ping')) this.sendLingerPing(l);
      }
    }
    if (laggy || this.homeless.ops.size > 0 || this.homeless.lingers.size > 0) this.maybeRequestMap(true);
    for (const s of toPing) s.con?.sendKeepalive();
    this.scheduleTick();
  }

  /** `_send_linger_ping`: confirm the watch is still registered under the current generation. */
  private sendLingerPing(l: LingerOp): void {
    const gen = l.registerGen;
    const sentAt = this.clock.now();
    const ping = OSDOp.watch(l.cookie, WatchOp.PING, { gen });
    // Sent straight to the watch's session: a lost ping is replaced by the next tick's.
    const op = this.internalOp(
      { ...l.target, flags: l.target.flags | OsdFlag.READ },
      [ping],
      l.snapc,
      nowUTime(this.clock),
      (reply) => {
        if (l.canceled || l.registerGen !== gen) return;
        if (reply.result === 0) l.watchValidThruMs = sentAt;
        else this.watchError(l, new CephError(reply.result, `watch ping on ${l.target.baseOid}`));
      },
      () => {},
    );
    this.submitInternal(op);
  }

  private readonly onMonSession = (): void => {
    // A new mon session: make sure the osdmap subscription is alive, and resend unanswered mon ops.
    this.maybeRequestMap(true);
    this.monOps.resendAll();
  };

  // ------------------------------------------------------------------ introspection

  /** `objecter_requests` (admin socket): in-flight ops and lingers, as Ceph's `dump_requests` lays them out. */
  dumpRequests(f: Formatter): void {
    f.object('requests', () => {
      f.array('ops', () => {
        for (const op of [...this.inflight.values()].filter((o) => o.shouldResend)) {
          f.object('op', () => {
            f.dumpUnsigned('tid', op.tid);
            dumpTarget(f, op.target);
            f.dumpString('last_sent', op.sentAtMs ? formatStamp(op.sentAtMs) : '0.000000');
            f.dumpFloat('age', op.sentAtMs ? (this.clock.now() - op.sentAtMs) / 1000 : 0);
            f.dumpInt('attempts', op.attempts);
            f.dumpString('snapid', formatSnap(op.snapId));
            f.dumpString(
              'snap_context',
              `${op.snapc.seq.toString(16)}=[${op.snapc.snaps.map((x) => x.toString(16)).join(',')}]`,
            );
            f.dumpString('mtime', formatStamp(op.mtime.sec * 1000 + op.mtime.nsec / 1e6));
            f.array('osd_ops', () => {
              for (const o of op.ops) f.dumpString('osd_op', o.toString());
            });
          });
        }
      });
      f.array('linger_ops', () => {
        for (const l of this.lingers.values()) {
          f.object('linger_op', () => {
            f.dumpUnsigned('linger_id', l.lingerId);
            dumpTarget(f, l.target);
            f.dumpString('snapid', 'head');
            f.dumpUnsigned('registered', l.registered ? 1 : 0);
          });
        }
      });
      for (const name of ['pool_ops', 'pool_stat_ops', 'statfs_ops', 'command_ops']) f.array(name, () => {});
    });
  }
}

/** `op_target_t::dump`. */
function dumpTarget(f: Formatter, t: OpTarget): void {
  f.dumpString('pg', formatPgId(t.pgid ?? { pool: 0, seed: 0 }));
  f.dumpInt('osd', t.osd);
  f.dumpString('object_id', t.baseOid);
  f.dumpString('object_locator', formatLocator(t.baseOloc));
  f.dumpString('target_object_id', t.targetOid);
  f.dumpString('target_object_locator', formatLocator(t.targetOloc));
  f.dumpInt('paused', t.paused ? 1 : 0);
  f.dumpInt('used_replica', 0);
  f.dumpInt('precalc_pgid', t.basePgid ? 1 : 0);
}

/** `object_locator_t` as Ceph prints it: `@pool[;nspace][:key]`. */
function formatLocator(l: ObjectLocator): string {
  return `@${l.pool}${l.nspace ? `;${l.nspace}` : ''}${l.key ? `:${l.key}` : ''}`;
}

function formatSnap(s: bigint): string {
  if (s === CEPH_NOSNAP) return 'head';
  if (s === CEPH_NOSNAP + 1n) return 'snapdir';
  return s.toString(16);
}

/** A timestamp as Ceph streams `utime_t`: local `YYYY-MM-DDTHH:MM:SS.uuuuuu+ZZZZ`. */
function formatStamp(ms: number): string {
  return formatLogStamp(ms, false);
}

/** Ops and lingers the scans of one map message found must go out again. */
interface ResendSet {
  ops: Map<bigint, ObjecterOp>;
  lingers: Set<LingerOp>;
}

function nowUTime(clock: Clock): UTime {
  const ms = clock.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

/** `calc_op_budget`: bytes an op moves (write payloads, read extents). */
function opBudget(ops: readonly OSDOp[]): number {
  let bytes = 0;
  for (const o of ops) {
    if (o.op & OsdOpMode.WR) bytes += o.indata.length;
    else if (o.op === OsdOp.READ || o.op === OsdOp.SPARSE_READ) {
      const len = Number(o.extent.length);
      if (len > 0) bytes += len;
    } else bytes += o.indata.length;
  }
  return bytes;
}

function targetHObject(t: OpTarget): HObject {
  return {
    key: t.targetOloc.key,
    oid: t.targetOid,
    snap: CEPH_NOSNAP,
    hash: t.pgid?.seed ?? 0,
    max: false,
    nspace: t.targetOloc.nspace,
    pool: BigInt(t.targetOloc.pool),
  };
}

function samePg(a: SpgId, b: SpgId): boolean {
  return a.pgid.pool === b.pgid.pool && a.pgid.seed === b.pgid.seed && a.shard === b.shard;
}

function isCanceled(err: Error): boolean {
  return err instanceof CephError && err.code === 'ECANCELED';
}
