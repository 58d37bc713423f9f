/**
 * An in-memory stand-in for the OSD side of an image header, shared by
 * several simulated librbd clients: watch/notify (notifications delivered to
 * every watcher, acks collected, the notify's timeout on the manual clock),
 * the `lock` class as cls_lock implements it (lock, unlock, set_cookie,
 * get_info, break_lock), list_watchers, and the monitor's blocklist.
 *
 * Faults: `kill(client)` freezes a client (no acks, no ops; its watches stay
 * until the OSD's watch timeout passes); `disconnectWatches(client)` drops
 * its watches as an OSD reset would; blocklisting disconnects a client's
 * watches and fails its later ops with EBLOCKLISTED.
 *
 * Every op completes on a later macrotask (like a network round trip), so
 * `settle()` (a number of macrotask turns) lets the system run between clock advances.
 */
import { CephError } from '../../../src/common/errors.js';
import type { ManualClock, TimerHandle } from '../../../src/common/clock.js';
import { ClsLockType, type LockInfo } from '../../../src/cls/lock/index.js';
import { EntityType, makeAddr, AddrType, type EntityNameT } from '../../../src/encoding/types.js';
import type { WatchHandler } from '../../../src/rados/objecter/linger-op.js';
import type { NotifyResult } from '../../../src/rados/notify-reply.js';
import {
  legacyAddrString,
  type HeaderIo,
  type LockRequestArgs,
  type WatcherInfo,
} from '../../../src/rbd/watcher/header-io.js';

/** Let every pending microtask and the promise chains they start run. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

interface Watch {
  client: FakeHeaderClient;
  cookie: bigint;
  handler: WatchHandler;
}

interface PendingNotify {
  oid: string;
  waitingFor: Map<string, Watch>;
  acks: { gid: bigint; cookie: bigint; payload: Buffer }[];
  timer: TimerHandle;
  finish(timedOut: boolean): void;
}

interface StoredLock {
  type: number;
  tag: string;
  lockers: { entity: EntityNameT; cookie: string; client: FakeHeaderClient }[];
}

const watchKey = (gid: bigint, cookie: bigint) => `${gid}/${cookie}`;

export interface NotifyRecord {
  from: bigint;
  oid: string;
  payload: Buffer;
}

export class FakeHeaderCluster {
  readonly objects = new Set<string>();
  readonly watches = new Map<string, Map<string, Watch>>();
  readonly locks = new Map<string, StoredLock>();
  readonly blocklist = new Set<string>();
  /** Every notify sent, in order. */
  readonly notifyLog: NotifyRecord[] = [];
  private readonly notifies = new Map<bigint, PendingNotify>();
  private nextGid = 4100n;
  private nextNotifyId = 1n;
  private nextCookie = 1n;

  constructor(
    readonly clock: ManualClock,
    /** `osd_client_watch_timeout`: how long a dead client's watch outlives it. */
    readonly watchTimeoutMs = 30_000,
  ) {}

  createObject(oid: string): void {
    this.objects.add(oid);
  }

  client(): FakeHeaderClient {
    const gid = this.nextGid++;
    return new FakeHeaderClient(this, gid, Number(gid) * 7);
  }

  newCookie(): bigint {
    // Real librados cookies are pointers; any distinct non-zero value will do.
    return 0x7f0000000000n + this.nextCookie++ * 0x1000n;
  }

  watchersOf(oid: string): Map<string, Watch> {
    let m = this.watches.get(oid);
    if (!m) this.watches.set(oid, (m = new Map()));
    return m;
  }

  /** A client crashed: it answers nothing; the OSD forgets its watches after the watch timeout. */
  kill(c: FakeHeaderClient): void {
    c.alive = false;
    this.clock.setTimeout(() => this.dropWatches(c, undefined), this.watchTimeoutMs);
  }

  /** The OSD dropped the client's watches (connection reset, blocklist): it is told ENOTCONN. */
  disconnectWatches(c: FakeHeaderClient): void {
    this.dropWatches(c, new CephError('ENOTCONN', 'watch disconnected'));
  }

  private dropWatches(c: FakeHeaderClient, err: CephError | undefined): void {
    for (const [oid, m] of this.watches) {
      for (const [k, w] of m) {
        if (w.client !== c) continue;
        m.delete(k);
        // Notifies waiting for this watcher stop waiting for it.
        for (const n of this.notifies.values()) {
          if (n.oid === oid && n.waitingFor.delete(k) && n.waitingFor.size === 0) n.finish(false);
        }
        if (err && c.alive) queueMicrotask(() => w.handler.onError(err));
      }
    }
  }

  blocklistAdd(addr: string): void {
    this.blocklist.add(addr);
    for (const c of FakeHeaderClient.all) {
      if (c.cluster === this && legacyAddrString(c.addr) === addr) this.disconnectWatches(c);
    }
  }

  // ------------------------------------------------------------------ notify

  startNotify(
    from: FakeHeaderClient,
    oid: string,
    payload: Buffer,
    timeoutMs: number,
  ): Promise<NotifyResult> {
    this.notifyLog.push({ from: from.gid, oid, payload });
    const notifyId = this.nextNotifyId++;
    const targets = new Map(this.watchersOf(oid));
    return new Promise<NotifyResult>((resolve, reject) => {
      const n: PendingNotify = {
        oid,
        waitingFor: new Map(targets),
        acks: [],
        timer: { id: 0 },
        finish: (timedOut) => {
          if (!this.notifies.has(notifyId)) return;
          this.notifies.delete(notifyId);
          this.clock.clearTimeout(n.timer);
          const acks = [...n.acks].sort((a, b) =>
            a.gid !== b.gid
              ? a.gid < b.gid
                ? -1
                : 1
              : a.cookie < b.cookie
                ? -1
                : a.cookie > b.cookie
                  ? 1
                  : 0,
          );
          const timeouts = [...n.waitingFor.values()].map((w) => ({ gid: w.client.gid, cookie: w.cookie }));
          const result: NotifyResult = { acks, timeouts };
          queueMicrotask(() => {
            if (!from.alive) return;
            if (timedOut)
              reject(Object.assign(new CephError('ETIMEDOUT', 'notify'), { notifyResult: result }));
            else resolve(result);
          });
        },
      };
      this.notifies.set(notifyId, n);
      n.timer = this.clock.setTimeout(() => n.finish(true), timeoutMs);
      if (targets.size === 0) {
        n.finish(false);
        return;
      }
      for (const w of targets.values()) {
        if (!w.client.alive) continue;
        queueMicrotask(() => {
          if (!w.client.alive) return;
          w.handler.onNotify({
            notifyId,
            cookie: w.cookie,
            notifierGid: from.gid,
            payload: Buffer.from(payload),
          });
        });
      }
    });
  }

  ack(from: FakeHeaderClient, notifyId: bigint, cookie: bigint, reply: Buffer): void {
    const n = this.notifies.get(notifyId);
    if (!n) return;
    const k = watchKey(from.gid, cookie);
    if (!n.waitingFor.delete(k)) return;
    n.acks.push({ gid: from.gid, cookie, payload: Buffer.from(reply) });
    if (n.waitingFor.size === 0) n.finish(false);
  }

  // ------------------------------------------------------------------ cls_lock

  lock(c: FakeHeaderClient, oid: string, req: LockRequestArgs): void {
    this.mustExist(oid);
    const key = `${oid}/${req.name}`;
    const type = req.exclusive ? ClsLockType.EXCLUSIVE : ClsLockType.SHARED;
    const l = this.locks.get(key);
    const entity = { type: EntityType.CLIENT, num: c.gid };
    if (!l || l.lockers.length === 0) {
      this.locks.set(key, { type, tag: req.tag, lockers: [{ entity, cookie: req.cookie, client: c }] });
      return;
    }
    if (l.tag !== req.tag) throw new CephError('EBUSY', 'tag mismatch');
    if (l.lockers.some((x) => x.entity.num === c.gid && x.cookie === req.cookie)) {
      throw new CephError('EEXIST', 'already locked');
    }
    if (l.type === ClsLockType.EXCLUSIVE || type === ClsLockType.EXCLUSIVE)
      throw new CephError('EBUSY', 'locked');
    l.lockers.push({ entity, cookie: req.cookie, client: c });
  }

  unlock(c: FakeHeaderClient, oid: string, name: string, cookie: string, entity?: EntityNameT): void {
    this.mustExist(oid);
    const key = `${oid}/${name}`;
    const l = this.locks.get(key);
    const who = entity?.num ?? c.gid;
    const i = l?.lockers.findIndex((x) => x.entity.num === who && x.cookie === cookie) ?? -1;
    if (!l || i < 0) throw new CephError('ENOENT', 'not locked');
    l.lockers.splice(i, 1);
    if (l.lockers.length === 0) this.locks.delete(key);
  }

  setCookie(c: FakeHeaderClient, oid: string, req: LockRequestArgs & { newCookie: string }): void {
    this.mustExist(oid);
    const l = this.locks.get(`${oid}/${req.name}`);
    const held = l?.lockers.find((x) => x.entity.num === c.gid && x.cookie === req.cookie);
    if (!l || !held) throw new CephError('ENOENT', 'not locked');
    if (l.tag !== req.tag) throw new CephError('EBUSY', 'tag mismatch');
    if (l.lockers.some((x) => x.entity.num === c.gid && x.cookie === req.newCookie)) {
      throw new CephError('EBUSY', 'cookie in use');
    }
    held.cookie = req.newCookie;
  }

  lockInfo(oid: string, name: string): LockInfo {
    this.mustExist(oid);
    const l = this.locks.get(`${oid}/${name}`);
    if (!l) return { lockers: [], lockType: ClsLockType.NONE, tag: '' };
    return {
      lockType: l.type,
      tag: l.tag,
      lockers: l.lockers.map((x) => ({
        id: { locker: x.entity, cookie: x.cookie },
        info: { expiration: { sec: 0, nsec: 0 }, addr: x.client.addr, description: '' },
      })),
    };
  }

  /** The managed lock's holder (gid and cookie), if any. */
  holder(oid: string, name = 'rbd_lock'): { gid: bigint; cookie: string } | undefined {
    const l = this.locks.get(`${oid}/${name}`)?.lockers[0];
    return l && { gid: l.entity.num, cookie: l.cookie };
  }

  mustExist(oid: string): void {
    if (!this.objects.has(oid)) throw new CephError('ENOENT', `no object ${oid}`);
  }
}

/** One simulated librados client: a HeaderIo with its own gid and address. */
export class FakeHeaderClient implements HeaderIo {
  static readonly all = new Set<FakeHeaderClient>();
  alive = true;
  readonly addr;
  /** Ops this client issued, in order (`lock`, `unlock`, `break_lock`, `blocklist`…). */
  readonly ops: string[] = [];

  constructor(
    readonly cluster: FakeHeaderCluster,
    readonly gid: bigint,
    nonce: number,
  ) {
    this.addr = makeAddr(AddrType.ANY, '127.0.0.1', 0, nonce);
    FakeHeaderClient.all.add(this);
  }

  get blocklisted(): boolean {
    return this.cluster.blocklist.has(legacyAddrString(this.addr));
  }

  /** Run `fn` as an OSD op: later, never for a dead client, EBLOCKLISTED once fenced. */
  private op<T>(name: string, fn: () => T): Promise<T> {
    this.ops.push(name);
    // A macrotask per op: a retry loop between clients yields like network round trips do.
    return new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        if (!this.alive) return;
        if (this.blocklisted) {
          reject(new CephError('EBLOCKLISTED', name));
          return;
        }
        try {
          resolve(fn());
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  instanceId(): bigint {
    return this.gid;
  }

  watch(oid: string, handler: WatchHandler): Promise<bigint> {
    return this.op('watch', () => {
      this.cluster.mustExist(oid);
      const cookie = this.cluster.newCookie();
      this.cluster.watchersOf(oid).set(watchKey(this.gid, cookie), { client: this, cookie, handler });
      return cookie;
    });
  }

  unwatch(cookie: bigint): Promise<void> {
    return this.op('unwatch', () => {
      for (const m of this.cluster.watches.values()) m.delete(watchKey(this.gid, cookie));
    });
  }

  notify(oid: string, payload: Buffer, timeoutMs: number): Promise<NotifyResult> {
    return this.op('notify', () => this.cluster.mustExist(oid)).then(() =>
      this.cluster.startNotify(this, oid, payload, timeoutMs),
    );
  }

  notifyAck(_oid: string, notifyId: bigint, cookie: bigint, reply: Buffer): Promise<void> {
    return this.op('notify_ack', () => this.cluster.ack(this, notifyId, cookie, reply));
  }

  listWatchers(oid: string): Promise<WatcherInfo[]> {
    return this.op('list_watchers', () => {
      this.cluster.mustExist(oid);
      return [...this.cluster.watchersOf(oid).values()].map((w) => ({
        name: { type: EntityType.CLIENT, num: w.client.gid },
        cookie: w.cookie,
        timeoutSeconds: 30,
        addr: w.client.addr,
      }));
    });
  }

  lock(oid: string, req: LockRequestArgs): Promise<void> {
    return this.op('lock', () => this.cluster.lock(this, oid, req));
  }

  unlock(oid: string, name: string, cookie: string): Promise<void> {
    return this.op('unlock', () => this.cluster.unlock(this, oid, name, cookie));
  }

  setCookie(oid: string, req: LockRequestArgs & { newCookie: string }): Promise<void> {
    return this.op('set_cookie', () => this.cluster.setCookie(this, oid, req));
  }

  getLockInfo(oid: string, name: string): Promise<LockInfo> {
    return this.op('get_info', () => this.cluster.lockInfo(oid, name));
  }

  breakLock(oid: string, name: string, cookie: string, locker: EntityNameT): Promise<void> {
    return this.op('break_lock', () => this.cluster.unlock(this, oid, name, cookie, locker));
  }

  blocklistAdd(addr: string, _expireSeconds: number): Promise<void> {
    return this.op(`blocklist ${addr}`, () => this.cluster.blocklistAdd(addr));
  }
}

/**
 * Advance simulated time in `stepMs` steps, letting the system settle after
 * each, until `done()` holds; fails after `maxMs` of simulated time.
 */
export async function drive(
  clock: ManualClock,
  done: () => boolean,
  what: string,
  o: { stepMs?: number; maxMs?: number } = {},
): Promise<void> {
  const step = o.stepMs ?? 250;
  const max = o.maxMs ?? 120_000;
  await settle();
  for (let t = 0; !done(); t += step) {
    if (t > max) throw new Error(`simulation: ${what} did not happen within ${max} ms`);
    clock.advance(step);
    await settle();
  }
}

/** Track a promise's outcome without awaiting it (for driving the clock meanwhile). */
export function watchOutcome<T>(p: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const o: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (v) => {
      o.done = true;
      o.value = v;
    },
    (e: unknown) => {
      o.done = true;
      o.error = e;
    },
  );
  return o;
}
