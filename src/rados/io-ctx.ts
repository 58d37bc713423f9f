/**
 * `IoCtx`: object I/O within one pool and namespace (librados `IoCtx`),
 * with the read snap and write snap context a caller sets on it.
 *
 * Every method is one Objecter op (or one compound operation); errors come
 * back as CephError with the OSD's errno (ENOENT, EEXIST, ECANCELED,
 * EBLOCKLISTED, …).
 */
import { CephError } from '../common/errors.js';
import { encode } from '../encoding/encoder.js';
import { CEPH_NOSNAP, CEPH_SNAPDIR, type ObjectLocator } from '../encoding/osd-types.js';
import { OsdFlag, PoolOp } from '../msg/messages/osd-op-codes.js';
import { utimeToMs, type UTime } from '../encoding/types.js';
import type { OpReply, SnapContext } from './objecter/objecter-op.js';
import type { Objecter } from './objecter/objecter.js';
import type { NotifyCompletion, WatchHandler } from './objecter/linger-op.js';
import {
  ObjectReadOperation,
  ObjectWriteOperation,
  type ObjectStat,
  type SnapSet,
  type SparseReadResult,
  type WatcherInfo,
} from './operation.js';
import { listObjects, type ListedObject, type ListOptions } from './list-objects.js';
import { decodeNotifyReply, type NotifyResult } from './notify-reply.js';

/** librados `LIBRADOS_ALL_NSPACES`: list objects of every namespace. */
export const ALL_NSPACES = '\u0001';

export interface OperateOptions {
  /** Extra CEPH_OSD_FLAG_* bits. */
  flags?: number;
  /** The op's mtime (default: now). */
  mtime?: UTime;
  /** Override rados_osd_op_timeout (ms). */
  timeoutMs?: number;
}

/** Write options: the snap context may be chosen per operation (librbd's copyup sends an empty one). */
export interface WriteOptions extends OperateOptions {
  snapContext?: SnapContext;
}

export class IoCtx {
  /** The namespace objects are addressed in ('' is the default). */
  namespace = '';
  /** The locator key ('' hashes the object name). */
  locatorKey = '';
  /** Snap reads are served from (CEPH_NOSNAP = the head). */
  readSnap: bigint = CEPH_NOSNAP;
  /** Write snap context for self-managed snapshots (empty: pool snaps, or none). */
  snapContext: SnapContext = { seq: 0n, snaps: [] };
  /** `user_version` of the last completed op (`get_last_version`). */
  lastVersion = 0n;

  constructor(
    readonly objecter: Objecter,
    readonly poolId: number,
    readonly poolName: string,
  ) {}

  /** A new IoCtx for the same pool with the same namespace and snap settings. */
  dup(): IoCtx {
    const c = new IoCtx(this.objecter, this.poolId, this.poolName);
    c.namespace = this.namespace;
    c.locatorKey = this.locatorKey;
    c.readSnap = this.readSnap;
    c.snapContext = { seq: this.snapContext.seq, snaps: [...this.snapContext.snaps] };
    return c;
  }

  setNamespace(nspace: string): void {
    this.namespace = nspace;
  }

  /** Read at a snap id (pool or self-managed); CEPH_NOSNAP returns to the head. */
  setReadSnap(snapId: bigint): void {
    this.readSnap = snapId;
  }

  /** Self-managed snapshots: the snap context writes carry (`selfmanaged_snap_set_write_ctx`). */
  setSnapContext(seq: bigint, snaps: bigint[]): void {
    for (let i = 1; i < snaps.length; i++) {
      if (snaps[i]! >= snaps[i - 1]!) throw new CephError('EINVAL', 'snap context snaps must be descending');
    }
    if (snaps.length > 0 && seq < snaps[0]!)
      throw new CephError('EINVAL', 'snap context seq below newest snap');
    this.snapContext = { seq, snaps: [...snaps] };
  }

  get locator(): ObjectLocator {
    return { pool: this.poolId, key: this.locatorKey, nspace: this.namespace, hash: -1 };
  }

  // ------------------------------------------------------------------ compound operations

  /** Execute a write operation atomically; throws the first failing op's error. */
  async operate(oid: string, op: ObjectWriteOperation, opts: WriteOptions = {}): Promise<OpReply> {
    if (this.readSnap !== CEPH_NOSNAP) throw new CephError('EROFS', 'IoCtx is reading at a snapshot');
    const reply = await this.objecter.submit({
      oid,
      oloc: this.locator,
      ops: op.ops,
      flags: OsdFlag.WRITE | op.flags | (opts.flags ?? 0),
      snapc: opts.snapContext ?? this.snapContext,
      timeoutMs: opts.timeoutMs,
      mtime: opts.mtime,
    });
    return this.finish(oid, op, reply);
  }

  /** Execute a read operation; result slots are filled in; throws the first failing op's error. */
  async operateRead(
    oid: string,
    op: ObjectReadOperation,
    opts: OperateOptions & { snapId?: bigint } = {},
  ): Promise<OpReply> {
    const reply = await this.objecter.submit({
      oid,
      oloc: this.locator,
      ops: op.ops,
      flags: OsdFlag.READ | op.flags | (opts.flags ?? 0),
      snapId: opts.snapId ?? this.readSnap,
      timeoutMs: opts.timeoutMs,
    });
    return this.finish(oid, op, reply);
  }

  private finish(oid: string, op: ObjectReadOperation | ObjectWriteOperation, reply: OpReply): OpReply {
    this.lastVersion = reply.version;
    op.complete(reply.ops);
    if (reply.result < 0) throw new CephError(reply.result, oid);
    return reply;
  }

  // ------------------------------------------------------------------ data

  async read(oid: string, length: number, offset = 0): Promise<Buffer> {
    const op = new ObjectReadOperation();
    const slot = op.read(offset, length);
    await this.operateRead(oid, op);
    return slot.get();
  }

  async sparseRead(oid: string, length: number, offset = 0): Promise<SparseReadResult> {
    const op = new ObjectReadOperation();
    const slot = op.sparseRead(offset, length);
    await this.operateRead(oid, op);
    return slot.get();
  }

  async write(oid: string, data: Buffer, offset = 0): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().write(offset, data));
  }

  async writeFull(oid: string, data: Buffer): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().writeFull(data));
  }

  async append(oid: string, data: Buffer): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().append(data));
  }

  async zero(oid: string, offset: number, length: number): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().zero(offset, length));
  }

  async truncate(oid: string, size: number): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().truncate(size));
  }

  async remove(oid: string): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().remove());
  }

  async create(oid: string, exclusive: boolean): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().create(exclusive));
  }

  async stat(oid: string): Promise<ObjectStat> {
    const op = new ObjectReadOperation();
    const slot = op.stat();
    await this.operateRead(oid, op);
    return slot.get();
  }

  // ------------------------------------------------------------------ xattrs

  async getXattr(oid: string, name: string): Promise<Buffer> {
    const op = new ObjectReadOperation();
    const slot = op.getXattr(name);
    await this.operateRead(oid, op);
    return slot.get();
  }

  async getXattrs(oid: string): Promise<Map<string, Buffer>> {
    const op = new ObjectReadOperation();
    const slot = op.getXattrs();
    await this.operateRead(oid, op);
    return slot.get();
  }

  async setXattr(oid: string, name: string, value: Buffer): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().setXattr(name, value));
  }

  async rmXattr(oid: string, name: string): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().rmXattr(name));
  }

  // ------------------------------------------------------------------ omap

  async omapGetKeys(oid: string, startAfter = '', max = 512): Promise<{ keys: string[]; more: boolean }> {
    const op = new ObjectReadOperation();
    const slot = op.omapGetKeys(startAfter, max);
    await this.operateRead(oid, op);
    return slot.get();
  }

  async omapGetVals(
    oid: string,
    startAfter = '',
    filterPrefix = '',
    max = 512,
  ): Promise<{ vals: Map<string, Buffer>; more: boolean }> {
    const op = new ObjectReadOperation();
    const slot = op.omapGetVals(startAfter, filterPrefix, max);
    await this.operateRead(oid, op);
    return slot.get();
  }

  /** Every omap key/value, paging `max` at a time. */
  async omapGetAll(oid: string, max = 512): Promise<Map<string, Buffer>> {
    const all = new Map<string, Buffer>();
    let after = '';
    for (;;) {
      const { vals, more } = await this.omapGetVals(oid, after, '', max);
      for (const [k, v] of vals) all.set(k, v);
      if (!more || vals.size === 0) return all;
      after = [...vals.keys()].pop()!;
    }
  }

  async omapGetValsByKeys(oid: string, keys: Iterable<string>): Promise<Map<string, Buffer>> {
    const op = new ObjectReadOperation();
    const slot = op.omapGetValsByKeys(keys);
    await this.operateRead(oid, op);
    return slot.get();
  }

  async omapSet(oid: string, values: ReadonlyMap<string, Buffer>): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().omapSet(values));
  }

  async omapRmKeys(oid: string, keys: Iterable<string>): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().omapRmKeys(keys));
  }

  async omapClear(oid: string): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().omapClear());
  }

  async omapGetHeader(oid: string): Promise<Buffer> {
    const op = new ObjectReadOperation();
    const slot = op.omapGetHeader();
    await this.operateRead(oid, op);
    return slot.get();
  }

  async omapSetHeader(oid: string, header: Buffer): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().omapSetHeader(header));
  }

  // ------------------------------------------------------------------ classes, snaps

  /**
   * Call `cls.method(input)` on the object and return the method's output.
   * Sent as a read, as librados does: the OSD takes read/write semantics from
   * the method's own registration. Compound writes use `ObjectWriteOperation.exec`.
   */
  async exec(oid: string, cls: string, method: string, input: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const op = new ObjectReadOperation();
    const slot = op.exec(cls, method, input);
    await this.operateRead(oid, op);
    return slot.value ?? Buffer.alloc(0);
  }

  async listSnaps(oid: string): Promise<SnapSet> {
    const op = new ObjectReadOperation();
    const slot = op.listSnaps();
    await this.operateRead(oid, op, { snapId: CEPH_SNAPDIR });
    return slot.get();
  }

  async rollback(oid: string, snapId: bigint): Promise<void> {
    await this.operate(oid, new ObjectWriteOperation().rollback(snapId));
  }

  /** Allocate a self-managed snap id in this pool (`selfmanaged_snap_create`). */
  async selfManagedSnapCreate(): Promise<bigint> {
    const reply = await this.objecter.monOps.poolOp(this.poolId, PoolOp.CREATE_UNMANAGED_SNAP);
    const id = reply.snapid;
    if (id === undefined) throw new CephError('EBADMSG', 'pool op reply carries no snap id');
    return id;
  }

  /** Release a self-managed snap id; the OSDs trim its clones. */
  async selfManagedSnapRemove(snapId: bigint): Promise<void> {
    await this.objecter.monOps.poolOp(this.poolId, PoolOp.DELETE_UNMANAGED_SNAP, { snapid: snapId });
  }

  /** Pool snapshots (name → id) in the current map. */
  poolSnaps(): { id: bigint; name: string; stampMs: number }[] {
    const pool = this.objecter.osdmap.getPool(this.poolId);
    if (!pool) return [];
    return [...pool.snaps.values()].map((s) => ({ id: s.snapid, name: s.name, stampMs: utimeToMs(s.stamp) }));
  }

  // ------------------------------------------------------------------ watch / notify

  /** Watch an object; returns the cookie `unwatch` and `notifyAck` take. */
  watch(oid: string, handler: WatchHandler, timeoutSeconds = 0): Promise<bigint> {
    return this.objecter.watch(oid, this.locator, handler, { timeoutSeconds, snapc: this.snapContext });
  }

  unwatch(cookie: bigint): Promise<void> {
    return this.objecter.unwatch(cookie);
  }

  /** ms since the watch was last confirmed, or its negative errno. */
  watchCheck(cookie: bigint): number {
    return this.objecter.watchCheck(cookie);
  }

  notifyAck(oid: string, notifyId: bigint, cookie: bigint, reply?: Buffer): Promise<void> {
    return this.objecter.notifyAck(oid, this.locator, notifyId, cookie, reply);
  }

  /**
   * Notify the object's watchers; resolves with every ack and the watchers
   * that timed out. Throws ETIMEDOUT (with the result attached) when some
   * did not answer, as librados returns -ETIMEDOUT with the reply filled in.
   */
  async notify(oid: string, payload: Buffer, timeoutMs = 0): Promise<NotifyResult> {
    const timeoutSeconds = Math.ceil(timeoutMs / 1000);
    const c: NotifyCompletion = await this.objecter.notify(oid, this.locator, payload, timeoutSeconds);
    const result = c.payload.length > 0 ? decodeNotifyReply(c.payload) : { acks: [], timeouts: [] };
    if (c.result < 0) throw Object.assign(new CephError(c.result, `notify ${oid}`), { notifyResult: result });
    return result;
  }

  async listWatchers(oid: string): Promise<WatcherInfo[]> {
    const op = new ObjectReadOperation();
    const slot = op.listWatchers();
    await this.operateRead(oid, op);
    return slot.get();
  }

  // ------------------------------------------------------------------ listing

  /** Every object of the pool in this IoCtx's namespace (or all namespaces with ALL_NSPACES). */
  listObjects(opts: ListOptions = {}): AsyncIterable<ListedObject> {
    return listObjects(this.objecter, this.poolId, opts.nspace ?? this.namespace, opts);
  }

  /** Encode a u64 as Ceph does (helper for callers building class inputs). */
  static u64(v: bigint | number): Buffer {
    return encode((e) => e.u64(v));
  }
}
