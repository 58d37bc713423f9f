/**
 * A fake OSD for simulation tests: a real msgr2 endpoint (our Messenger on
 * loopback) that answers MOSDOp with MOSDOpReply from the shared FakeStore,
 * runs the watch/notify protocol (MWatchNotify NOTIFY to watchers,
 * NOTIFY_COMPLETE to the notifier) and sends MOSDBackoff, with knobs to
 * misbehave: hold, drop or delay replies, answer -EAGAIN, forge a reply for
 * an old attempt, crash (close every connection and stop listening) and
 * restart on a new address.
 *
 *   MOSDOp → [onOp hook: process | hold | drop | reply(result)]
 *          → backoff covers the object → dropped (the client resends on UNBLOCK)
 *          → not primary under the cluster's map → dropped (misdirected)
 *          → execute on the store → [delay] → MOSDOpReply(tid, retry_attempt)
 */
import { EntityType, type EntityAddrVec } from '../../src/encoding/types.js';
import { Decoder } from '../../src/encoding/decoder.js';
import { encode } from '../../src/encoding/encoder.js';
import {
  CEPH_NOSNAP,
  decodeHObject,
  encodeHObject,
  maxHObject,
  type HObject,
  type SpgId,
} from '../../src/encoding/osd-types.js';
import { systemClock, type Clock, type TimerHandle } from '../../src/msg/clock.js';
import { ProtocolState, type Connection } from '../../src/msg/connection.js';
import type { Dispatcher } from '../../src/msg/dispatch-queue.js';
import type { Message } from '../../src/msg/message.js';
import { Messenger } from '../../src/msg/messenger.js';
import type { MessengerOptions } from '../../src/msg/options.js';
import { Policy } from '../../src/msg/policy.js';
import '../../src/msg/messages/index-osd.js';
import { MOSDOp } from '../../src/msg/messages/osd-op-message.js';
import { MOSDOpReply } from '../../src/msg/messages/osd-op-reply.js';
import { MOSDBackoff } from '../../src/msg/messages/osd-backoff.js';
import { MWatchNotify } from '../../src/msg/messages/watch-notify.js';
import type { OSDOp } from '../../src/msg/messages/osd-op.js';
import {
  BackoffOp,
  OsdFlag,
  OsdMessageType,
  OsdOp,
  OsdOpType,
  WatchEvent,
  WatchOp,
  osdOpTypeIs,
} from '../../src/msg/messages/index-osd.js';
import { compareHObjects, reverseBits32 } from '../../src/rados/objecter/hobject-order.js';
import { ALL_NSPACES } from '../../src/rados/io-ctx.js';
import { encodeNotifyReply } from '../../src/rados/notify-reply.js';
import {
  EAGAIN,
  ENOTCONN,
  EOPNOTSUPP,
  ETIMEDOUT,
  formatReqId,
  objectKey,
  opsWrite,
  type Effect,
  type FakeStore,
  type FakeWatch,
  type ObjectName,
  type PendingNotify,
} from './fake-store.js';

/** An MOSDOp as the fake OSD received it. */
export interface ReceivedOp {
  osd: number;
  msg: MOSDOp;
  con: Connection;
  /** `client.N:tid`. */
  reqid: string;
  name: ObjectName;
}

/** What the `onOp` hook decides for one incoming op. */
export type OpAction =
  /** Run the normal path (backoff, misdirection, execute, reply). */
  | 'process'
  /** Keep it unanswered in `held` until `release()`. */
  | 'hold'
  /** Forget it (the client must resend). */
  | 'drop'
  /** Reply with this result without executing. */
  | { reply: number };

/** Who the OSD asks whether it is the primary for a PG (the cluster's current map). */
export interface PrimaryOracle {
  primaryOf(pgid: SpgId): number;
  epoch(): number;
  /** The pool's pg_num (0 when the pool is gone). */
  pgNum(pool: number): number;
  /** An object's raw placement hash and the (folded) pg it lives in. */
  place(name: ObjectName): { hash: number; pgSeed: number };
}

interface ActiveBackoff {
  pgid: SpgId;
  id: bigint;
  begin: HObject;
  end: HObject;
}

export interface FakeOsdOptions {
  id: number;
  store: FakeStore;
  oracle: PrimaryOracle;
  /** Clock for reply delays and notify timeouts (default: real time). */
  clock?: Clock;
  /** Messenger options (fault injection, backoffs…). */
  msgrOptions?: Partial<MessengerOptions>;
}

export class FakeOsd implements Dispatcher {
  readonly id: number;
  readonly store: FakeStore;
  private readonly oracle: PrimaryOracle;
  private readonly clock: Clock;
  private readonly msgrOptions: Partial<MessengerOptions> | undefined;
  messenger!: Messenger;
  /** Listening and answering. */
  up = false;
  /** How many times this OSD was started. */
  incarnation = 0;

  /** Every MOSDOp received, in arrival order. */
  readonly received: ReceivedOp[] = [];
  /** Ops held by `onOp` returning 'hold' (or `holdAll`). */
  held: ReceivedOp[] = [];
  /** Ops dropped: by the hook, a backoff, or because this OSD is not the primary. */
  readonly dropped: { op: ReceivedOp; why: 'hook' | 'backoff' | 'misdirected' | 'down' }[] = [];
  /** Replies sent (tid, retry attempt, result). */
  readonly replies: { tid: bigint; retryAttempt: number; result: number; reqid: string }[] = [];
  /** MOSDBackoff ACK_BLOCKs received. */
  readonly backoffAcks: MOSDBackoff[] = [];
  /** Decide per op; undefined = 'process'. */
  onOp: ((op: ReceivedOp) => OpAction | undefined) | undefined;
  /** Hold every op (a stalled OSD). */
  holdAll = false;
  /** Delay each reply this long on `clock` (replies keep their order). */
  replyDelayMs = 0;
  /** Answer the next N ops with -EAGAIN without executing them. */
  eagainNext = 0;
  /** Drop ops for PGs this OSD is not primary of (Ceph's misdirected-op handling). */
  dropMisdirected = true;
  /** Ops in flight: received, not yet answered or dropped. */
  outstanding = 0;
  /** Highest `outstanding` seen. */
  maxOutstanding = 0;

  private backoffs: ActiveBackoff[] = [];
  private lastBackoffId = 0n;

  constructor(opts: FakeOsdOptions) {
    this.id = opts.id;
    this.store = opts.store;
    this.oracle = opts.oracle;
    this.clock = opts.clock ?? systemClock;
    this.msgrOptions = opts.msgrOptions;
  }

  /** Start (or restart after `crash`) on a fresh loopback port with a new nonce. */
  async start(): Promise<EntityAddrVec> {
    const msgr = Messenger.create({
      name: { type: EntityType.OSD, num: BigInt(this.id) },
      options: this.msgrOptions,
    });
    msgr.setPolicy(EntityType.CLIENT, Policy.statelessServer());
    msgr.setDefaultPolicy(Policy.statelessServer());
    await msgr.bind('v2:127.0.0.1:0', { min: 0, max: 0 });
    await msgr.start();
    msgr.addDispatcherTail(this);
    this.messenger = msgr;
    this.up = true;
    this.incarnation++;
    return msgr.myAddrs;
  }

  get addrs(): EntityAddrVec {
    return this.messenger.myAddrs;
  }

  /** Die: stop listening and drop every connection; held ops and pending notifies are lost. */
  async crash(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    for (const op of this.held) this.dropped.push({ op, why: 'down' });
    this.outstanding -= this.held.length;
    this.held = [];
    for (const [id, n] of this.store.notifies) {
      if (n.osd !== this.id) continue;
      this.store.notifies.delete(id);
      n.complete = () => {};
    }
    this.backoffs = [];
    await this.messenger.shutdown();
  }

  /** Start again after a crash (new port and nonce). */
  async restart(): Promise<EntityAddrVec> {
    if (this.up) await this.crash();
    return this.start();
  }

  async shutdown(): Promise<void> {
    await this.crash();
  }

  /** Client connections currently open. */
  get clientConnections(): Connection[] {
    return this.messenger.connections.filter((c) => c.peerType === EntityType.CLIENT);
  }

  // ------------------------------------------------------------------ dispatch

  msDispatch(msg: Message, con: Connection): boolean {
    if (!this.up) return true;
    switch (msg.type) {
      case OsdMessageType.CEPH_MSG_OSD_OP:
        this.handleOp(msg as MOSDOp, con);
        return true;
      case OsdMessageType.CEPH_MSG_OSD_BACKOFF: {
        const m = msg as MOSDBackoff;
        if (m.op === BackoffOp.ACK_BLOCK) this.backoffAcks.push(m);
        return true;
      }
      default:
        return false;
    }
  }

  msHandleAccept(): void {}

  msHandleReset(con: Connection): boolean {
    this.forgetConnection(con);
    return true;
  }

  msHandleRemoteReset(con: Connection): void {
    this.forgetConnection(con);
  }

  /** A client connection went away: its watches are disconnected (they stay registered). */
  private forgetConnection(con: Connection): void {
    for (const ws of this.store.watchers.values()) {
      for (const w of ws.values()) if (w.con === con) w.con = undefined;
    }
  }

  private handleOp(msg: MOSDOp, con: Connection): void {
    const op: ReceivedOp = {
      osd: this.id,
      msg,
      con,
      reqid: formatReqId(msg.source, msg.tid),
      name: { pool: msg.oloc.pool, nspace: msg.oloc.nspace, key: msg.oloc.key, oid: msg.oid },
    };
    this.received.push(op);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    const action = this.holdAll ? 'hold' : (this.onOp?.(op) ?? 'process');
    if (action === 'hold') {
      this.held.push(op);
      return;
    }
    if (action === 'drop') {
      this.drop(op, 'hook');
      return;
    }
    if (typeof action === 'object') {
      this.reply(
        op,
        action.reply,
        op.msg.ops.map((o) => o.clone()),
        0n,
      );
      return;
    }
    this.process(op);
  }

  /** Answer held ops now (all, or those `pick` selects), in arrival order, through the normal path. */
  release(pick: (op: ReceivedOp) => boolean = () => true): number {
    const now = this.held.filter(pick);
    this.held = this.held.filter((o) => !pick(o));
    for (const op of now) this.process(op);
    return now.length;
  }

  private drop(op: ReceivedOp, why: 'hook' | 'backoff' | 'misdirected'): void {
    this.outstanding--;
    this.dropped.push({ op, why });
  }

  /** The normal path: backoff, misdirection, -EAGAIN knob, execute, effects, reply. */
  process(op: ReceivedOp): void {
    if (!this.up) return;
    const msg = op.msg;
    if (this.backoffFor(msg)) {
      this.drop(op, 'backoff');
      return;
    }
    if (this.dropMisdirected && this.oracle.primaryOf(msg.pgid) !== this.id) {
      this.drop(op, 'misdirected');
      return;
    }
    if (this.eagainNext > 0) {
      this.eagainNext--;
      this.reply(
        op,
        EAGAIN,
        msg.ops.map((o) => o.clone()),
        0n,
      );
      return;
    }
    // A PG op is told by its op type (Pacific clients do not set CEPH_OSD_FLAG_PGOP).
    if (msg.ops.some((o) => osdOpTypeIs(o.op, OsdOpType.PG))) {
      this.processPgOp(op);
      return;
    }
    const isWrite = (msg.flags & OsdFlag.WRITE) !== 0 || opsWrite(msg.ops);
    const r = this.store.execute(op.name, op.reqid, msg.ops, isWrite, msg.mtime);
    this.store.log.push({
      osd: this.id,
      reqid: op.reqid,
      tid: msg.tid,
      retryAttempt: msg.retryAttempt,
      objectKey: objectKey(op.name),
      opNames: msg.ops.map((o) => o.toString()),
      isWrite,
      applied: r.applied,
      dup: r.dup,
      result: r.result,
    });
    let result = r.result;
    for (const e of r.effects) {
      const rv = this.runEffect(op, e);
      if (rv < 0) {
        result = rv;
        const watchOp = r.ops.find((o) => o.op === msg.ops[0]?.op);
        if (watchOp) watchOp.rval = rv;
      }
    }
    this.reply(op, result, r.ops, r.version);
  }

  /** Send the reply for `op` (after `replyDelayMs`), echoing its tid and retry attempt. */
  reply(
    op: ReceivedOp,
    result: number,
    ops: OSDOp[],
    version: bigint,
    retryAttempt = op.msg.retryAttempt,
  ): void {
    this.outstanding--;
    const m = new MOSDOpReply({
      tid: op.msg.tid,
      oid: op.msg.oid,
      pgid: op.msg.pgid.pgid,
      flags: (op.msg.flags & ~(OsdFlag.ACK | OsdFlag.ONNVRAM | OsdFlag.ONDISK)) | OsdFlag.ONDISK,
      result,
      osdmapEpoch: this.oracle.epoch(),
      ops,
      retryAttempt,
      userVersion: version,
      replayVersion: { version, epoch: this.oracle.epoch() },
    });
    this.replies.push({ tid: op.msg.tid, retryAttempt, result, reqid: op.reqid });
    if (this.replyDelayMs > 0) this.clock.setTimer(() => op.con.sendMessage(m), this.replyDelayMs);
    else op.con.sendMessage(m);
  }

  /** Send an extra reply for `op` that claims to answer another attempt (a late duplicate). */
  forgeReply(op: ReceivedOp, retryAttempt: number, result: number, outdata?: Buffer): void {
    this.outstanding++;
    const ops = op.msg.ops.map((o) => {
      const c = o.clone();
      if (outdata) c.outdata = outdata;
      return c;
    });
    this.reply(op, result, ops, 0n, retryAttempt);
  }

  // ------------------------------------------------------------------ PG ops

  /** PGNLS, as PrimaryLogPG::do_pg_op: entries of this PG from the cursor on, in bitwise order. */
  private processPgOp(op: ReceivedOp): void {
    const msg = op.msg;
    const pool = msg.pgid.pgid.pool;
    const seed = msg.pgid.pgid.seed;
    const out = msg.ops.map((o) => o.clone());
    let result = 0;
    for (const o of out) {
      if (o.op !== OsdOp.PGNLS) {
        o.rval = EOPNOTSUPP;
        result = EOPNOTSUPP;
        break;
      }
      const count = Number(o.pgls.count);
      const cursor = decodeHObject(new Decoder(o.indata));
      const pgNum = this.oracle.pgNum(pool);
      const start: HObject = {
        key: '',
        oid: '',
        snap: 0n,
        hash: seed,
        max: false,
        nspace: '',
        pool: BigInt(pool),
      };
      const end = pgHObjectEnd(pool, seed, pgNum);
      const lower = compareHObjects(cursor, start) < 0 ? start : cursor;
      const all = msg.oloc.nspace === ALL_NSPACES;
      const candidates: HObject[] = [];
      for (const k of this.store.objects.keys()) {
        const [p, nspace, key, ...rest] = k.split('/');
        const name = { pool: Number(p), nspace: nspace!, key: key!, oid: rest.join('/') };
        if (name.pool !== pool || (!all && name.nspace !== msg.oloc.nspace)) continue;
        const place = this.oracle.place(name);
        if (place.pgSeed !== seed) continue;
        const h: HObject = { ...name, snap: CEPH_NOSNAP, hash: place.hash, max: false, pool: BigInt(pool) };
        if (compareHObjects(h, lower) >= 0) candidates.push(h);
      }
      candidates.sort(compareHObjects);
      const page = candidates.slice(0, count);
      const more = candidates.length > count;
      const handle = more ? candidates[count]! : end;
      if (!more) result = 1; // this PG is done; the handle is the next PG's start
      o.outdata = encode((e) =>
        e.struct(1, 1, (b) => {
          encodeHObject(b, handle);
          b.list(page, (x, h) => x.string(h.nspace).string(h.oid).string(h.key));
        }),
      );
    }
    this.reply(op, result, out, 0n);
  }

  // ------------------------------------------------------------------ watch / notify

  private runEffect(op: ReceivedOp, e: Effect): number {
    const entity = op.msg.source!;
    const ws = this.store.watchersOf(op.name);
    switch (e.kind) {
      case 'watch': {
        const wkey = `${e.cookie}/client.${entity.num}`;
        const w = ws.get(wkey);
        if (e.op === WatchOp.WATCH || e.op === WatchOp.LEGACY_WATCH) {
          const nw = w ?? {
            cookie: e.cookie,
            entity,
            gid: entity.num,
            timeoutSeconds: e.timeoutSeconds,
            con: op.con,
            osd: this.id,
            history: [],
          };
          nw.con = op.con;
          nw.osd = this.id;
          nw.history.push({ op: e.op, gen: e.gen, osd: this.id });
          ws.set(wkey, nw);
          return 0;
        }
        if (e.op === WatchOp.RECONNECT) {
          if (!w) return ENOTCONN;
          w.con = op.con;
          w.osd = this.id;
          w.history.push({ op: e.op, gen: e.gen, osd: this.id });
          // Watch::connect: notifies still waiting for this watcher go out again on the new connection.
          for (const n of this.store.notifies.values()) {
            if (n.waiting.get(wkey) === w) this.sendNotify(w, n);
          }
          return 0;
        }
        if (e.op === WatchOp.PING) {
          if (!w) return ENOTCONN;
          w.history.push({ op: e.op, gen: e.gen, osd: this.id });
          if (!isLive(w.con)) return ETIMEDOUT;
          return 0;
        }
        if (e.op === WatchOp.UNWATCH) {
          ws.delete(wkey);
          return 0;
        }
        return 0;
      }
      case 'notify':
        this.startNotify(op, e);
        return 0;
      case 'notify-ack':
        this.ackNotify(e.notifyId, e.cookie, entity.num, e.payload);
        return 0;
    }
  }

  private startNotify(op: ReceivedOp, e: Extract<Effect, { kind: 'notify' }>): void {
    const gid = op.msg.source!.num;
    const store = this.store;
    const clock = this.clock;
    const timer: { handle?: TimerHandle } = {};
    const n: PendingNotify = {
      notifyId: e.notifyId,
      cookie: e.cookie,
      osd: this.id,
      notifierCon: op.con,
      notifierGid: gid,
      payload: e.payload,
      waiting: new Map(),
      acks: [],
      complete(result: number): void {
        if (store.notifies.get(n.notifyId) !== n) return;
        store.notifies.delete(n.notifyId);
        if (timer.handle) clock.cancelTimer(timer.handle);
        const timeouts = [...n.waiting.values()].map((w) => ({ gid: w.gid, cookie: w.cookie }));
        n.notifierCon.sendMessage(
          new MWatchNotify({
            cookie: n.cookie,
            notifyId: n.notifyId,
            opcode: WatchEvent.NOTIFY_COMPLETE,
            returnCode: result,
            notifierGid: n.notifierGid,
            data: encodeNotifyReply({ acks: n.acks, timeouts }),
          }),
        );
      },
    };
    store.notifies.set(n.notifyId, n);
    for (const [k, w] of store.watchersOf(op.name)) {
      n.waiting.set(k, w);
      this.sendNotify(w, n);
    }
    timer.handle = clock.setTimer(() => n.complete(ETIMEDOUT), (e.timeoutSeconds || 30) * 1000);
    // With no watchers the completion follows the notify's own reply, as on a real OSD.
    if (n.waiting.size === 0) queueMicrotask(() => n.complete(0));
  }

  private sendNotify(w: FakeWatch, n: PendingNotify): void {
    if (!isLive(w.con)) return;
    w.con!.sendMessage(
      new MWatchNotify({
        cookie: w.cookie,
        notifyId: n.notifyId,
        opcode: WatchEvent.NOTIFY,
        bl: n.payload,
        notifierGid: n.notifierGid,
      }),
    );
  }

  /** A NOTIFY_ACK from a watcher (the notify may have started on another fake OSD: they share the store). */
  private ackNotify(notifyId: bigint, cookie: bigint, entityNum: bigint, payload: Buffer): void {
    const n = this.store.notifies.get(notifyId);
    if (!n) return;
    const w = n.waiting.get(`${cookie}/client.${entityNum}`);
    if (!w) return;
    n.waiting.delete(`${cookie}/client.${entityNum}`);
    n.acks.push({ gid: w.gid, cookie, payload });
    if (n.waiting.size === 0) n.complete(0);
  }

  /** Tell a watcher its watch is gone (`CEPH_WATCH_EVENT_DISCONNECT`) and forget it. */
  disconnectWatch(name: ObjectName, cookie: bigint, returnCode = ENOTCONN): boolean {
    const ws = this.store.watchersOf(name);
    for (const [k, w] of ws) {
      if (w.cookie !== cookie) continue;
      ws.delete(k);
      if (isLive(w.con)) {
        w.con!.sendMessage(
          new MWatchNotify({ cookie, notifyId: 0n, opcode: WatchEvent.DISCONNECT, returnCode }),
        );
      }
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ backoff

  /**
   * Block `[begin, end)` of a PG for every connected client (`MOSDBackoff
   * BLOCK`); begin == end blocks that one object. Returns the backoff id.
   */
  block(pgid: SpgId, begin: HObject, end: HObject): bigint {
    const id = ++this.lastBackoffId;
    this.backoffs.push({ pgid, id, begin, end });
    for (const con of this.clientConnections) {
      con.sendMessage(
        new MOSDBackoff({ pgid, mapEpoch: this.oracle.epoch(), op: BackoffOp.BLOCK, id, begin, end }),
      );
    }
    return id;
  }

  /** Lift a backoff (`MOSDBackoff UNBLOCK`). */
  unblock(id: bigint): void {
    const b = this.backoffs.find((x) => x.id === id);
    if (!b) return;
    this.backoffs = this.backoffs.filter((x) => x !== b);
    for (const con of this.clientConnections) {
      con.sendMessage(
        new MOSDBackoff({
          pgid: b.pgid,
          mapEpoch: this.oracle.epoch(),
          op: BackoffOp.UNBLOCK,
          id,
          begin: b.begin,
          end: b.end,
        }),
      );
    }
  }

  private backoffFor(msg: MOSDOp): ActiveBackoff | undefined {
    const h = opHObject(msg);
    return this.backoffs.find((b) => {
      if (b.pgid.pgid.pool !== msg.pgid.pgid.pool || b.pgid.pgid.seed !== msg.pgid.pgid.seed) return false;
      const r = compareHObjects(h, b.begin);
      return r === 0 || (r > 0 && compareHObjects(h, b.end) < 0);
    });
  }
}

/** `pg_t::get_hobj_end(pg_num)`: the first hobject past a PG in bitwise order (max after the last). */
export function pgHObjectEnd(pool: number, seed: number, pgNum: number): HObject {
  const bits = splitBits(seed, pgNum);
  const revStart = reverseBits32(seed);
  const revEnd = ((revStart | (bits >= 32 ? 0 : 0xffffffff >>> bits)) >>> 0) + 1;
  if (revEnd >= 2 ** 32) return maxHObject();
  return {
    key: '',
    oid: '',
    snap: CEPH_NOSNAP,
    hash: reverseBits32(revEnd),
    max: false,
    nspace: '',
    pool: BigInt(pool),
  };
}

/** `pg_t::get_split_bits`. */
function splitBits(seed: number, pgNum: number): number {
  if (pgNum <= 1) return 0;
  let p = 0;
  for (let v = pgNum; v > 0; v >>>= 1) p++;
  const half = 2 ** (p - 1);
  return seed % half < pgNum % half ? p : p - 1;
}

/** The hobject an MOSDOp addresses (`MOSDOp::get_hobj`). */
export function opHObject(msg: MOSDOp): HObject {
  return {
    key: msg.oloc.key,
    oid: msg.oid,
    snap: CEPH_NOSNAP,
    hash: msg.hash,
    max: false,
    nspace: msg.oloc.nspace,
    pool: BigInt(msg.oloc.pool),
  };
}

function isLive(con: Connection | undefined): boolean {
  return con !== undefined && con.state !== ProtocolState.CLOSED;
}
