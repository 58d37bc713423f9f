/**
 * Compound object operations (librados `ObjectWriteOperation` /
 * `ObjectReadOperation`, Objecter's `ObjectOperation`): a list of OSDOps the
 * OSD executes atomically on one object, in order, stopping at the first
 * failure (unless an op carries FAILOK).
 *
 * Read ops return a result slot that is filled in when the operation
 * completes: `slot.value` holds the decoded output, `slot.rval` the op's own
 * return code.
 */
import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { encode, type Encoder } from '../encoding/encoder.js';
import {
  decodeEntityAddr,
  decodeEntityNameT,
  decodeUTime,
  type EntityAddr,
  type EntityNameT,
  type UTime,
} from '../encoding/types.js';
import { OSDOp } from '../msg/messages/osd-op.js';
import { CmpXattrMode, OsdOp, OsdOpFlag } from '../msg/messages/osd-op-codes.js';
import { compareBytes } from '../osdmap/index.js';

/** Filled in when the operation completes. */
export class OpResult<T> {
  /** The op's own return code (0, or a negative errno). */
  rval = 0;
  /** The decoded output, once the op succeeded. */
  value: T | undefined;

  /** The value, or the op's error. */
  get(): T {
    if (this.rval < 0) throw new CephError(this.rval, 'object operation failed');
    if (this.value === undefined) throw new CephError('EINVAL', 'operation result not available');
    return this.value;
  }
}

/** `CEPH_OSD_CMPXATTR_OP_*` by name, for `cmpxattr`. */
export type CmpXattrOpName = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

/** An object's size and modification time (`stat`). */
export interface ObjectStat {
  size: number;
  mtime: UTime;
}

/** One clone of an object (`clone_info`), as list-snaps returns it. */
export interface CloneInfo {
  /** `cloneid`: the snap id of the clone, or CEPH_NOSNAP for the head. */
  cloneId: bigint;
  /** `snaps`: the snaps this clone serves, ascending. */
  snaps: bigint[];
  /** `overlap`: extents (offset, length) shared with the next newer clone. */
  overlap: [bigint, bigint][];
  /** `size`. */
  size: bigint;
}

/** `obj_list_snap_response_t`. */
export interface SnapSet {
  clones: CloneInfo[];
  /** `seq`: the snap seq of the object's snapset. */
  seq: bigint;
}

/** One watcher (`watch_item_t`), as list-watchers returns it. */
export interface WatcherInfo {
  name: EntityNameT;
  cookie: bigint;
  timeoutSeconds: number;
  addr: EntityAddr;
}

/** A sparse read's output: the extents that hold data and their bytes back to back. */
export interface SparseReadResult {
  extents: { offset: number; length: number }[];
  data: Buffer;
}

type OutputDecoder = (op: OSDOp) => void;

/** Ops shared by read and write operations. */
abstract class ObjectOperation {
  readonly ops: OSDOp[] = [];
  /** Decoders run over each op's output after completion (indexed like `ops`). */
  readonly outputs: (OutputDecoder | undefined)[] = [];
  /** Extra CEPH_OSD_FLAG_* for the whole operation. */
  flags = 0;

  /**
   * librados `set_op_flags2`: the `CEPH_OSD_OP_FLAG_*` bits (fadvise hints,
   * FAILOK, EXCL…) of the op added last. EINVAL when there is none.
   */
  setOpFlags(flags: number): this {
    const last = this.ops[this.ops.length - 1];
    if (!last) throw new CephError('EINVAL', 'set_op_flags2 before any op');
    last.flags = flags;
    return this;
  }

  protected add(op: OSDOp, out?: OutputDecoder): OSDOp {
    this.ops.push(op);
    this.outputs.push(out);
    return op;
  }

  /** Add an op whose output fills `slot` (rval always; value only when the op succeeded). */
  protected addWithResult<T>(op: OSDOp, slot: OpResult<T>, decode: (op: OSDOp) => T): OpResult<T> {
    this.add(op, (reply) => {
      slot.rval = reply.rval;
      if (reply.rval < 0) return;
      try {
        slot.value = decode(reply);
      } catch (err) {
        if (err instanceof CephError) slot.rval = err.errno;
        throw err;
      }
    });
    return slot;
  }

  /** Mark the last op FAILOK: its failure does not stop or fail the operation. */
  failOk(): this {
    const last = this.ops[this.ops.length - 1];
    if (last) last.flags |= OsdOpFlag.FAILOK;
    return this;
  }

  /** Fail with ENOENT unless the object exists. */
  assertExists(): this {
    this.add(OSDOp.simple(OsdOp.STAT));
    return this;
  }

  /** Fail with ERANGE/EOVERFLOW unless the object's version is exactly `version`. */
  assertVersion(version: bigint): this {
    this.add(OSDOp.assertVersion(version));
    return this;
  }

  /** Compare an xattr (as a string, or as a u64 when `value` is a bigint); ECANCELED when false. */
  cmpXattr(name: string, op: CmpXattrOpName, value: Buffer | string | bigint): this {
    const cmpOp = { eq: 1, ne: 2, gt: 3, gte: 4, lt: 5, lte: 6 }[op];
    const isU64 = typeof value === 'bigint';
    const bytes = isU64 ? encode((e) => e.u64(value)) : Buffer.from(value as Buffer | string);
    this.add(
      OSDOp.xattr(OsdOp.CMPXATTR, name, bytes, {
        cmpOp,
        cmpMode: isU64 ? CmpXattrMode.U64 : CmpXattrMode.STRING,
      }),
    );
    return this;
  }

  /** Call an object-class method; the slot receives its output. */
  exec(cls: string, method: string, input: Buffer = Buffer.alloc(0)): OpResult<Buffer> {
    return this.addWithResult(OSDOp.call(cls, method, input), new OpResult(), (op) => op.outdata);
  }

  /** Copy rvals and decode outputs once the OSD replied. */
  complete(ops: readonly OSDOp[]): void {
    for (let i = 0; i < this.ops.length; i++) {
      const op = ops[i];
      if (!op) continue;
      const out = this.outputs[i];
      if (!out) continue;
      try {
        out(op);
      } catch (err) {
        // Output the OSD sent but we cannot parse: the op failed as far as the caller is concerned.
        if (err instanceof CephError) op.rval = err.errno;
        else throw err;
      }
    }
  }
}

/** Ops that only read (executed with CEPH_OSD_FLAG_READ). */
export class ObjectReadOperation extends ObjectOperation {
  /** Read `length` bytes at `offset` (0 length: to the end of the object). */
  read(offset: number, length: number): OpResult<Buffer> {
    return this.addWithResult(OSDOp.extent(OsdOp.READ, offset, length), new OpResult(), (op) => op.outdata);
  }

  sparseRead(offset: number, length: number): OpResult<SparseReadResult> {
    return this.addWithResult(OSDOp.extent(OsdOp.SPARSE_READ, offset, length), new OpResult(), (op) => {
      const d = new Decoder(op.outdata);
      const map = d.map(
        (x) => x.u64Number(),
        (x) => x.u64Number(),
      );
      const data = d.buffer();
      return { extents: [...map].map(([offset, length]) => ({ offset, length })), data };
    });
  }

  stat(): OpResult<ObjectStat> {
    return this.addWithResult(OSDOp.simple(OsdOp.STAT), new OpResult(), (op) => {
      const d = new Decoder(op.outdata);
      return { size: d.u64Number(), mtime: decodeUTime(d) };
    });
  }

  getXattr(name: string): OpResult<Buffer> {
    return this.addWithResult(OSDOp.xattr(OsdOp.GETXATTR, name), new OpResult(), (op) => op.outdata);
  }

  getXattrs(): OpResult<Map<string, Buffer>> {
    return this.addWithResult(OSDOp.simple(OsdOp.GETXATTRS), new OpResult(), (op) =>
      decodeStringBufferMap(new Decoder(op.outdata)),
    );
  }

  /** Up to `max` omap keys after `startAfter`; `more` says whether the listing was cut short. */
  omapGetKeys(startAfter: string, max: number): OpResult<{ keys: string[]; more: boolean }> {
    const indata = encode((e) => e.string(startAfter).u64(max));
    return this.addWithResult(dataOp(OsdOp.OMAPGETKEYS, indata), new OpResult(), (op) => {
      const d = new Decoder(op.outdata);
      const keys = d.list((x) => x.string());
      const more = d.remaining > 0 ? d.bool() : false;
      return { keys, more };
    });
  }

  omapGetVals(
    startAfter: string,
    filterPrefix: string,
    max: number,
  ): OpResult<{ vals: Map<string, Buffer>; more: boolean }> {
    const indata = encode((e) => e.string(startAfter).u64(max).string(filterPrefix));
    return this.addWithResult(dataOp(OsdOp.OMAPGETVALS, indata), new OpResult(), (op) => {
      const d = new Decoder(op.outdata);
      const vals = decodeStringBufferMap(d);
      const more = d.remaining > 0 ? d.bool() : false;
      return { vals, more };
    });
  }

  omapGetValsByKeys(keys: Iterable<string>): OpResult<Map<string, Buffer>> {
    const indata = encode((e) => encodeStringSet(e, keys));
    return this.addWithResult(dataOp(OsdOp.OMAPGETVALSBYKEYS, indata), new OpResult(), (op) =>
      decodeStringBufferMap(new Decoder(op.outdata)),
    );
  }

  omapGetHeader(): OpResult<Buffer> {
    return this.addWithResult(OSDOp.simple(OsdOp.OMAPGETHEADER), new OpResult(), (op) => op.outdata);
  }

  /** The object's clones (send with snap CEPH_SNAPDIR). */
  listSnaps(): OpResult<SnapSet> {
    return this.addWithResult(OSDOp.simple(OsdOp.LIST_SNAPS), new OpResult(), (op) =>
      decodeSnapSet(new Decoder(op.outdata)),
    );
  }

  listWatchers(): OpResult<WatcherInfo[]> {
    return this.addWithResult(OSDOp.simple(OsdOp.LIST_WATCHERS), new OpResult(), (op) =>
      decodeWatchers(new Decoder(op.outdata)),
    );
  }
}

/** Ops that modify (executed with CEPH_OSD_FLAG_WRITE). */
export class ObjectWriteOperation extends ObjectOperation {
  /** Create the object; `exclusive` fails with EEXIST when it exists. */
  create(exclusive: boolean): this {
    this.add(OSDOp.simple(OsdOp.CREATE, { flags: exclusive ? OsdOpFlag.EXCL : 0 }));
    return this;
  }

  write(offset: number, data: Buffer): this {
    this.add(OSDOp.extent(OsdOp.WRITE, offset, data.length, { indata: data }));
    return this;
  }

  writeFull(data: Buffer): this {
    this.add(OSDOp.extent(OsdOp.WRITEFULL, 0, data.length, { indata: data }));
    return this;
  }

  /** Fill `length` bytes at `offset` with repetitions of `pattern`. */
  writeSame(offset: number, length: number, pattern: Buffer): this {
    const o = OSDOp.simple(OsdOp.WRITESAME, { indata: pattern });
    o.writeSame = { offset: BigInt(offset), length: BigInt(length), dataLength: BigInt(pattern.length) };
    this.add(o);
    return this;
  }

  /**
   * Compare `cmp` with the object's bytes at `offset` before the ops that follow
   * (compare-and-write). A mismatch fails the operation with rval
   * -MAX_ERRNO - (offset of the first differing byte), as the OSD reports it.
   */
  cmpExt(offset: number, cmp: Buffer): this {
    this.add(OSDOp.extent(OsdOp.CMPEXT, offset, cmp.length, { indata: cmp }));
    return this;
  }

  append(data: Buffer): this {
    this.add(OSDOp.extent(OsdOp.APPEND, 0, data.length, { indata: data }));
    return this;
  }

  zero(offset: number, length: number): this {
    this.add(OSDOp.extent(OsdOp.ZERO, offset, length));
    return this;
  }

  truncate(size: number): this {
    this.add(OSDOp.extent(OsdOp.TRUNCATE, size, 0));
    return this;
  }

  remove(): this {
    this.add(OSDOp.simple(OsdOp.DELETE));
    return this;
  }

  setXattr(name: string, value: Buffer): this {
    this.add(OSDOp.xattr(OsdOp.SETXATTR, name, value));
    return this;
  }

  rmXattr(name: string): this {
    this.add(OSDOp.xattr(OsdOp.RMXATTR, name));
    return this;
  }

  omapSet(values: ReadonlyMap<string, Buffer>): this {
    const indata = encode((e) => encodeStringBufferMap(e, values));
    this.add(dataOp(OsdOp.OMAPSETVALS, indata));
    return this;
  }

  omapRmKeys(keys: Iterable<string>): this {
    const indata = encode((e) => encodeStringSet(e, keys));
    this.add(dataOp(OsdOp.OMAPRMKEYS, indata));
    return this;
  }

  omapClear(): this {
    this.add(OSDOp.simple(OsdOp.OMAPCLEAR));
    return this;
  }

  omapSetHeader(header: Buffer): this {
    this.add(dataOp(OsdOp.OMAPSETHEADER, header));
    return this;
  }

  /** Roll the object back to its state at `snapId`. */
  rollback(snapId: bigint): this {
    this.add(OSDOp.snap(OsdOp.ROLLBACK, snapId));
    return this;
  }

  setAllocHint(expectedObjectSize: number, expectedWriteSize: number, flags = 0): this {
    this.add(OSDOp.allocHintOp(expectedObjectSize, expectedWriteSize, flags));
    return this;
  }
}

/** Objecter's `add_data`: an op whose input length is also recorded in the extent (the omap ops). */
function dataOp(op: number, indata: Buffer): OSDOp {
  return OSDOp.extent(op, 0, indata.length, { indata });
}

/** `std::map<std::string, bufferlist>` with keys sorted as the OSD keeps them (byte order). */
export function encodeStringBufferMap(e: Encoder, values: ReadonlyMap<string, Buffer>): void {
  const keys = [...values.keys()].sort(compareBytes);
  e.u32(keys.length);
  for (const k of keys) e.string(k).buffer(values.get(k)!);
}

function encodeStringSet(e: Encoder, keys: Iterable<string>): void {
  const sorted = [...new Set(keys)].sort(compareBytes);
  e.list(sorted, (x, k) => x.string(k));
}

export function decodeStringBufferMap(d: Decoder): Map<string, Buffer> {
  return d.map(
    (x) => x.string(),
    (x) => x.buffer(),
  );
}

function decodeSnapSet(d: Decoder): SnapSet {
  return d.struct('obj_list_snap_response_t', 2, (b, v) => {
    const clones = b.list((x) =>
      x.struct('clone_info', 1, (c) => ({
        cloneId: c.u64(),
        snaps: c.list((y) => y.u64()),
        overlap: c.list((y) => [y.u64(), y.u64()] as [bigint, bigint]),
        size: c.u64(),
      })),
    );
    const seq = v >= 2 ? b.u64() : 0n;
    return { clones, seq };
  });
}

function decodeWatchers(d: Decoder): WatcherInfo[] {
  return d.struct('obj_list_watch_response_t', 1, (b) =>
    b.list((x) =>
      x.struct('watch_item_t', 2, (w, v) => {
        const name = decodeEntityNameT(w);
        const cookie = w.u64();
        const timeoutSeconds = w.u32();
        const addr = v >= 2 ? decodeEntityAddr(w) : ({} as EntityAddr);
        return { name, cookie, timeoutSeconds, addr };
      }),
    ),
  );
}
