/**
 * An in-memory stand-in for the IoCtx the object map talks to: the object-map
 * methods of cls_rbd (with the state rules from rules.ts, which the real OSD
 * agrees with — see test/interop/rbd-object-map.test.ts), cls_rbd set_flags,
 * the cls lock calls librbd makes on the head map, whole-object reads and
 * writes, and list-snaps from a table. Failures can be injected per
 * (object, method) and every call is recorded.
 */
import { CephError } from '../../../../src/common/errors.js';
import { Decoder } from '../../../../src/encoding/decoder.js';
import { CEPH_NOSNAP } from '../../../../src/encoding/osd-types.js';
import type { IoCtx } from '../../../../src/rados/io-ctx.js';
import { OsdOp } from '../../../../src/msg/messages/osd-op-codes.js';
import type { ObjectReadOperation, ObjectWriteOperation, SnapSet } from '../../../../src/rados/operation.js';
import { BitVector } from '../../../../src/rbd/object-map/bit-vector.js';
import {
  applyUpdate,
  markSnapshotTaken,
  mergeRemovedSnapshot,
  resizeStoredMap,
} from '../../../../src/rbd/object-map/rules.js';

export interface Call {
  oid: string;
  /** `cls.method`, or the op name (`writefull`, `read`, …). */
  what: string;
}

export class FakeObjectMapIoCtx {
  readonly objects = new Map<string, Buffer>();
  /** RBD_FLAG_* by snap id, as set_flags left them. */
  readonly flags = new Map<bigint, bigint>();
  readonly snapSets = new Map<string, SnapSet>();
  readonly calls: Call[] = [];
  /** Map objects whose `rbd_lock` we hold / another client holds. */
  readonly locked = new Set<string>();
  readonly lockedByOther = new Set<string>();
  private readonly failures: { oid?: string; what: string; code: string }[] = [];
  /** Resolved before each operation: lets a test hold an op in flight. */
  gate: (oid: string, what: string[]) => Promise<void> = async () => {};

  get ioCtx(): IoCtx {
    return this as unknown as IoCtx;
  }

  /** Fail the next call of `what` (`cls.method` or op name), on `oid` when given, with `code`. */
  failNext(what: string, code: string, oid?: string): void {
    this.failures.push({ oid, what, code });
  }

  count(what: string, oid?: string): number {
    return this.calls.filter((c) => c.what === what && (oid === undefined || c.oid === oid)).length;
  }

  async operate(oid: string, op: ObjectWriteOperation): Promise<void> {
    await this.run(oid, op);
  }

  async operateRead(oid: string, op: ObjectReadOperation): Promise<void> {
    await this.run(oid, op);
  }

  async read(oid: string): Promise<Buffer> {
    const b = this.objects.get(oid);
    if (!b) throw new CephError('ENOENT', oid);
    return b;
  }

  async stat(oid: string): Promise<{ size: number }> {
    return { size: (await this.read(oid)).length };
  }

  async listSnaps(oid: string): Promise<SnapSet> {
    this.calls.push({ oid, what: 'list_snaps' });
    this.maybeFail(oid, 'list_snaps');
    const s = this.snapSets.get(oid);
    if (!s) throw new CephError('ENOENT', oid);
    return s;
  }

  private maybeFail(oid: string, what: string): void {
    const i = this.failures.findIndex((f) => f.what === what && (f.oid === undefined || f.oid === oid));
    if (i < 0) return;
    const [f] = this.failures.splice(i, 1);
    throw new CephError(f!.code as never, `injected ${what} on ${oid}`);
  }

  private async run(oid: string, op: ObjectReadOperation | ObjectWriteOperation): Promise<void> {
    const names = op.ops.map((o) => this.opName(o));
    await this.gate(oid, names);
    // All or nothing, like a RADOS transaction.
    const objects = new Map(this.objects);
    const locked = new Set(this.locked);
    const flags = new Map(this.flags);
    const replies: { rval: number; outdata: Buffer }[] = op.ops.map((o) => ({
      ...o,
      rval: 0,
      outdata: Buffer.alloc(0),
    }));
    op.ops.forEach((o, i) => {
      const what = names[i]!;
      this.calls.push({ oid, what });
      this.maybeFail(oid, what);
      const out = this.apply(
        oid,
        what,
        o.op === OsdOp.CALL ? this.callInput(o.indata) : o.indata,
        objects,
        locked,
        flags,
      );
      replies[i]!.outdata = out;
    });
    this.objects.clear();
    for (const [k, v] of objects) this.objects.set(k, v);
    this.locked.clear();
    for (const k of locked) this.locked.add(k);
    this.flags.clear();
    for (const [k, v] of flags) this.flags.set(k, v);
    op.complete(replies as never);
  }

  private opName(o: { op: number; indata: Buffer; cls: { classLen: number; methodLen: number } }): string {
    switch (o.op) {
      case OsdOp.CALL: {
        const { classLen, methodLen } = o.cls;
        return `${o.indata.subarray(0, classLen).toString()}.${o.indata.subarray(classLen, classLen + methodLen).toString()}`;
      }
      case OsdOp.READ:
        return 'read';
      case OsdOp.WRITEFULL:
        return 'writefull';
      case OsdOp.TRUNCATE:
        return 'truncate';
      case OsdOp.DELETE:
        return 'delete';
      default:
        return `op${o.op}`;
    }
  }

  private callInput(indata: Buffer): Buffer {
    return indata;
  }

  private apply(
    oid: string,
    what: string,
    raw: Buffer,
    objects: Map<string, Buffer>,
    locked: Set<string>,
    flags: Map<bigint, bigint>,
  ): Buffer {
    const none = Buffer.alloc(0);
    const [cls, method] = what.split('.');
    // strip "<cls><method>" from a CALL's indata
    const input = cls && method ? raw.subarray(cls.length + method.length) : raw;
    const load = (): BitVector => {
      const b = objects.get(oid);
      if (!b || b.length === 0) throw new CephError('ENOENT', oid);
      return BitVector.decode(b);
    };
    const store = (m: BitVector): void => void objects.set(oid, m.encode());
    switch (what) {
      case 'read': {
        const b = objects.get(oid);
        if (!b) throw new CephError('ENOENT', oid);
        return b;
      }
      case 'writefull':
        objects.set(oid, Buffer.from(input));
        return none;
      case 'truncate':
        objects.set(oid, Buffer.alloc(0));
        return none;
      case 'delete':
        if (!objects.delete(oid)) throw new CephError('ENOENT', oid);
        return none;
      case 'lock.lock':
        if (this.lockedByOther.has(oid)) throw new CephError('EBUSY', oid);
        if (locked.has(oid)) throw new CephError('EEXIST', oid);
        locked.add(oid);
        if (!objects.has(oid)) objects.set(oid, Buffer.alloc(0));
        return none;
      case 'lock.unlock':
        if (!locked.delete(oid)) throw new CephError('ENOENT', oid);
        return none;
      case 'lock.assert_locked':
        if (!locked.has(oid)) throw new CephError('EBUSY', oid);
        return none;
      case 'lock.get_info':
        throw new CephError('ENOENT', oid);
      case 'rbd.object_map_load':
        return load().encode({ crc: false });
      case 'rbd.object_map_save':
        store(decodeInput(input));
        return none;
      case 'rbd.object_map_resize': {
        const d = new Decoder(input);
        const count = d.u64Number();
        const state = d.u8();
        const b = objects.get(oid);
        const m = b && b.length > 0 ? BitVector.decode(b) : new BitVector(0);
        resizeStoredMap(m, count, state);
        store(m);
        return none;
      }
      case 'rbd.object_map_update': {
        const d = new Decoder(input);
        const start = d.u64Number();
        const end = d.u64Number();
        const state = d.u8();
        const expected = d.u8() ? d.u8() : undefined;
        const m = load();
        if (start >= end || end > m.size) throw new CephError('ERANGE', oid);
        if (applyUpdate(m, start, end, state, expected)) store(m);
        return none;
      }
      case 'rbd.object_map_snap_add': {
        const m = load();
        if (markSnapshotTaken(m)) store(m);
        return none;
      }
      case 'rbd.object_map_snap_remove': {
        const m = load();
        if (mergeRemovedSnapshot(m, decodeInput(input))) store(m);
        return none;
      }
      case 'rbd.set_flags': {
        const d = new Decoder(input);
        const value = d.u64();
        const mask = d.u64();
        const snapId = d.eof ? CEPH_NOSNAP : d.u64();
        flags.set(snapId, ((flags.get(snapId) ?? 0n) & ~mask) | (value & mask));
        return none;
      }
      default:
        throw new CephError('EOPNOTSUPP', what);
    }
  }
}

function decodeInput(input: Buffer): BitVector {
  try {
    return BitVector.decode(input);
  } catch {
    throw new CephError('EINVAL', 'bad bit vector');
  }
}
