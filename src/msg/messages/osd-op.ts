import { CephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';
import type { UTime } from '../../encoding/types.js';
import { OsdOp, osdOpFlagString, osdOpName } from './osd-op-codes.js';

/** Wire size of `struct ceph_osd_op`: u16 op, u32 flags, 28-byte union, u32 payload_len (packed). */
export const CEPH_OSD_OP_SIZE = 38;
/** Size of the argument union inside `ceph_osd_op` (its largest member, `extent`, is 8+8+8+4). */
export const CEPH_OSD_OP_ARGS_SIZE = 28;

/** `extent`: READ, WRITE, WRITEFULL, TRUNCATE, ZERO, APPEND, SPARSE_READ, CMPEXT… */
export interface OsdOpExtent {
  /** `__le64 offset`. */
  offset: bigint;
  /** `__le64 length`: bytes; the OSD rewrites it in a read reply to what it returned. */
  length: bigint;
  /** `__le64 truncate_size`: the file-layer truncate size (0 for librados). */
  truncateSize: bigint;
  /** `__le32 truncate_seq`: the file-layer truncate sequence (0 for librados). */
  truncateSeq: number;
}

/** `xattr`: GETXATTR, SETXATTR, CMPXATTR, RMXATTR; name then value travel in indata. */
export interface OsdOpXattr {
  /** `__le32 name_len`. */
  nameLen: number;
  /** `__le32 value_len`. */
  valueLen: number;
  /** `__u8 cmp_op`: CmpXattrOp for CMPXATTR, else 0. */
  cmpOp: number;
  /** `__u8 cmp_mode`: CmpXattrMode for CMPXATTR, else 0. */
  cmpMode: number;
}

/** `cls`: CALL; class name, method name and input travel in indata, in that order. */
export interface OsdOpCls {
  /** `__u8 class_len`. */
  classLen: number;
  /** `__u8 method_len`. */
  methodLen: number;
  /** `__u8 argc`: unused (0). */
  argc: number;
  /** `__le32 indata_len`: the method input's length. */
  indataLen: number;
}

/** `pgls`: PGLS/PGNLS (and their _FILTER forms). */
export interface OsdOpPgls {
  /** `__le64 count`: max entries to return. */
  count: bigint;
  /** `__le32 start_epoch`: the map epoch the listing started in. */
  startEpoch: number;
}

/** `watch`: WATCH (and the legacy NOTIFY_ACK-free forms). */
export interface OsdOpWatch {
  /** `__le64 cookie`: the client's watch handle. */
  cookie: bigint;
  /** `__le64 ver`: no longer used. */
  ver: bigint;
  /** `__u8 op`: WatchOp. */
  op: number;
  /** `__le32 gen`: registration generation (bumped on reconnect). */
  gen: number;
  /** `__le32 timeout`: seconds without a ping before the OSD drops the watch (0: OSD default). */
  timeout: number;
}

/** `copy_from`: COPY_FROM / COPY_FROM2; the source object and locator travel in indata. */
export interface OsdOpCopyFrom {
  /** `__le64 snapid`: source snap. */
  snapid: bigint;
  /** `__le64 src_version`: source user version to expect. */
  srcVersion: bigint;
  /** `__u8 flags`: CopyFromFlag. */
  flags: number;
  /** `__le32 src_fadvise_flags`: fadvise flags for the source object. */
  srcFadviseFlags: number;
}

/** `alloc_hint`: SETALLOCHINT. */
export interface OsdOpAllocHint {
  /** `__le64 expected_object_size`. */
  expectedObjectSize: bigint;
  /** `__le64 expected_write_size`. */
  expectedWriteSize: bigint;
  /** `__le32 flags`: AllocHintFlag bits. */
  flags: number;
}

/** `clonerange`: the historical CLONERANGE layout. */
export interface OsdOpCloneRange {
  /** `__le64 offset`. */
  offset: bigint;
  /** `__le64 length`. */
  length: bigint;
  /** `__le64 src_offset`. */
  srcOffset: bigint;
}

/** `writesame`: WRITESAME; the pattern (data_length bytes) travels in indata. */
export interface OsdOpWriteSame {
  /** `__le64 offset`. */
  offset: bigint;
  /** `__le64 length`: bytes to fill. */
  length: bigint;
  /** `__le64 data_length`: pattern length. */
  dataLength: bigint;
}

/** `checksum`: CHECKSUM; the init value travels in indata. */
export interface OsdOpChecksum {
  /** `__le64 offset`. */
  offset: bigint;
  /** `__le64 length`. */
  length: bigint;
  /** `__le32 chunk_size`: 0 for one checksum over the whole range. */
  chunkSize: number;
  /** `__u8 type`: ChecksumType. */
  type: number;
}

/** What `new OSDOp(...)` accepts; every field but `op` has a zero default. */
export interface OSDOpInit {
  /** `CEPH_OSD_OP_*` code. */
  op: number;
  /** `CEPH_OSD_OP_FLAG_*` bits. */
  flags?: number;
  /** The raw 28-byte argument union (copied); usually set through the typed views instead. */
  args?: Uint8Array;
  /** Input data (requests). */
  indata?: Buffer;
  /** Output data (replies). */
  outdata?: Buffer;
  /** Per-op return value (replies). */
  rval?: number;
  /** `payload_len` as it was on the wire (decoders set it; encoders recompute it). */
  payloadLen?: number;
}

type U64 = bigint | number;

/**
 * One object operation (Ceph's `OSDOp`): the fixed `ceph_osd_op` struct — op
 * code, per-op flags, an argument union read through typed views (`extent`,
 * `xattr`, `cls`, `watch`…) and `payload_len` — plus the variable parts that
 * travel in the message's data segment: `indata` in a request, `outdata` in a
 * reply, concatenated in op order. `rval` is the op's own result in a reply.
 *
 * The union is kept as its 28 raw bytes so a decoded op re-encodes exactly,
 * whatever member its op code uses.
 */
export class OSDOp {
  /** `__le16 op`: `CEPH_OSD_OP_*`. */
  op: number;
  /** `__le32 flags`: `CEPH_OSD_OP_FLAG_*`. */
  flags: number;
  /** The union's raw bytes (always CEPH_OSD_OP_ARGS_SIZE long). */
  readonly args: Buffer;
  /** `__le32 payload_len` as last decoded (the encoders write indata/outdata's length). */
  payloadLen: number;
  /** Request input carried in the data segment. */
  indata: Buffer;
  /** Reply output carried in the data segment. */
  outdata: Buffer;
  /** `errorcode32_t rval`: this op's result in a reply (0 or negative errno). */
  rval: number;

  constructor(init: OSDOpInit) {
    this.op = init.op;
    this.flags = init.flags ?? 0;
    this.args = Buffer.alloc(CEPH_OSD_OP_ARGS_SIZE);
    if (init.args) {
      if (init.args.length !== CEPH_OSD_OP_ARGS_SIZE) {
        throw new CephError(
          'EINVAL',
          `osd op args must be ${CEPH_OSD_OP_ARGS_SIZE} bytes, got ${init.args.length}`,
        );
      }
      this.args.set(init.args);
    }
    this.indata = init.indata ?? Buffer.alloc(0);
    this.outdata = init.outdata ?? Buffer.alloc(0);
    this.rval = init.rval ?? 0;
    this.payloadLen = init.payloadLen ?? this.indata.length;
  }

  /** A copy with the same op struct and buffers (the OSD builds its reply ops this way). */
  clone(): OSDOp {
    return new OSDOp({
      op: this.op,
      flags: this.flags,
      args: this.args,
      indata: this.indata,
      outdata: this.outdata,
      rval: this.rval,
      payloadLen: this.payloadLen,
    });
  }

  /** Ceph's `OSDOp` printing, reduced to name and flags (`read`, `write [fadvise_dontneed]`). */
  toString(): string {
    const name = osdOpName(this.op);
    return this.flags ? `${name} [${osdOpFlagString(this.flags)}]` : name;
  }

  // ---- typed views over the argument union ----

  get extent(): OsdOpExtent {
    const a = this.args;
    return {
      offset: a.readBigUInt64LE(0),
      length: a.readBigUInt64LE(8),
      truncateSize: a.readBigUInt64LE(16),
      truncateSeq: a.readUInt32LE(24),
    };
  }
  set extent(v: OsdOpExtent) {
    const a = this.args;
    a.writeBigUInt64LE(v.offset, 0);
    a.writeBigUInt64LE(v.length, 8);
    a.writeBigUInt64LE(v.truncateSize, 16);
    a.writeUInt32LE(v.truncateSeq, 24);
  }

  get xattr(): OsdOpXattr {
    const a = this.args;
    return { nameLen: a.readUInt32LE(0), valueLen: a.readUInt32LE(4), cmpOp: a[8]!, cmpMode: a[9]! };
  }
  set xattr(v: OsdOpXattr) {
    const a = this.args;
    a.writeUInt32LE(v.nameLen, 0);
    a.writeUInt32LE(v.valueLen, 4);
    a.writeUInt8(v.cmpOp, 8);
    a.writeUInt8(v.cmpMode, 9);
  }

  get cls(): OsdOpCls {
    const a = this.args;
    return { classLen: a[0]!, methodLen: a[1]!, argc: a[2]!, indataLen: a.readUInt32LE(3) };
  }
  set cls(v: OsdOpCls) {
    const a = this.args;
    a.writeUInt8(v.classLen, 0);
    a.writeUInt8(v.methodLen, 1);
    a.writeUInt8(v.argc, 2);
    a.writeUInt32LE(v.indataLen, 3);
  }

  get pgls(): OsdOpPgls {
    return { count: this.args.readBigUInt64LE(0), startEpoch: this.args.readUInt32LE(8) };
  }
  set pgls(v: OsdOpPgls) {
    this.args.writeBigUInt64LE(v.count, 0);
    this.args.writeUInt32LE(v.startEpoch, 8);
  }

  /** `snap.snapid`: ROLLBACK's target snap (also LIST_SNAPS-era uses). */
  get snapid(): bigint {
    return this.args.readBigUInt64LE(0);
  }
  set snapid(v: bigint) {
    this.args.writeBigUInt64LE(v, 0);
  }

  get watch(): OsdOpWatch {
    const a = this.args;
    return {
      cookie: a.readBigUInt64LE(0),
      ver: a.readBigUInt64LE(8),
      op: a[16]!,
      gen: a.readUInt32LE(17),
      timeout: a.readUInt32LE(21),
    };
  }
  set watch(v: OsdOpWatch) {
    const a = this.args;
    a.writeBigUInt64LE(v.cookie, 0);
    a.writeBigUInt64LE(v.ver, 8);
    a.writeUInt8(v.op, 16);
    a.writeUInt32LE(v.gen, 17);
    a.writeUInt32LE(v.timeout, 21);
  }

  /** `notify.cookie`: NOTIFY's linger cookie. */
  get notifyCookie(): bigint {
    return this.args.readBigUInt64LE(0);
  }
  set notifyCookie(v: bigint) {
    this.args.writeBigUInt64LE(v, 0);
  }

  /** `assert_ver.ver`: ASSERT_VER's expected user version (the `unused` u64 before it stays 0). */
  get assertVer(): bigint {
    return this.args.readBigUInt64LE(8);
  }
  set assertVer(v: bigint) {
    this.args.writeBigUInt64LE(0n, 0);
    this.args.writeBigUInt64LE(v, 8);
  }

  get cloneRange(): OsdOpCloneRange {
    const a = this.args;
    return { offset: a.readBigUInt64LE(0), length: a.readBigUInt64LE(8), srcOffset: a.readBigUInt64LE(16) };
  }
  set cloneRange(v: OsdOpCloneRange) {
    this.args.writeBigUInt64LE(v.offset, 0);
    this.args.writeBigUInt64LE(v.length, 8);
    this.args.writeBigUInt64LE(v.srcOffset, 16);
  }

  /** `copy_get.max`: COPY_GET's max bytes per reply. */
  get copyGetMax(): bigint {
    return this.args.readBigUInt64LE(0);
  }
  set copyGetMax(v: bigint) {
    this.args.writeBigUInt64LE(v, 0);
  }

  get copyFrom(): OsdOpCopyFrom {
    const a = this.args;
    return {
      snapid: a.readBigUInt64LE(0),
      srcVersion: a.readBigUInt64LE(8),
      flags: a[16]!,
      srcFadviseFlags: a.readUInt32LE(17),
    };
  }
  set copyFrom(v: OsdOpCopyFrom) {
    const a = this.args;
    a.writeBigUInt64LE(v.snapid, 0);
    a.writeBigUInt64LE(v.srcVersion, 8);
    a.writeUInt8(v.flags, 16);
    a.writeUInt32LE(v.srcFadviseFlags, 17);
  }

  /** `hit_set_get.stamp`: PG_HITSET_GET's hit set time. */
  get hitSetStamp(): UTime {
    return { sec: this.args.readUInt32LE(0), nsec: this.args.readUInt32LE(4) };
  }
  set hitSetStamp(v: UTime) {
    this.args.writeUInt32LE(v.sec, 0);
    this.args.writeUInt32LE(v.nsec, 4);
  }

  /** `tmap2omap.flags`: TMAP2OMAP_NULLOK. */
  get tmap2omapFlags(): number {
    return this.args[0]!;
  }
  set tmap2omapFlags(v: number) {
    this.args.writeUInt8(v, 0);
  }

  get allocHint(): OsdOpAllocHint {
    const a = this.args;
    return {
      expectedObjectSize: a.readBigUInt64LE(0),
      expectedWriteSize: a.readBigUInt64LE(8),
      flags: a.readUInt32LE(16),
    };
  }
  set allocHint(v: OsdOpAllocHint) {
    this.args.writeBigUInt64LE(v.expectedObjectSize, 0);
    this.args.writeBigUInt64LE(v.expectedWriteSize, 8);
    this.args.writeUInt32LE(v.flags, 16);
  }

  get writeSame(): OsdOpWriteSame {
    const a = this.args;
    return { offset: a.readBigUInt64LE(0), length: a.readBigUInt64LE(8), dataLength: a.readBigUInt64LE(16) };
  }
  set writeSame(v: OsdOpWriteSame) {
    this.args.writeBigUInt64LE(v.offset, 0);
    this.args.writeBigUInt64LE(v.length, 8);
    this.args.writeBigUInt64LE(v.dataLength, 16);
  }

  get checksum(): OsdOpChecksum {
    const a = this.args;
    return {
      offset: a.readBigUInt64LE(0),
      length: a.readBigUInt64LE(8),
      chunkSize: a.readUInt32LE(16),
      type: a[20]!,
    };
  }
  set checksum(v: OsdOpChecksum) {
    const a = this.args;
    a.writeBigUInt64LE(v.offset, 0);
    a.writeBigUInt64LE(v.length, 8);
    a.writeUInt32LE(v.chunkSize, 16);
    a.writeUInt8(v.type, 20);
  }

  // ---- builders for the common shapes (what Objecter's ObjectOperation adds) ----

  /** An op with no arguments (STAT, DELETE, CREATE, OMAPCLEAR, GETXATTRS…), optionally with input. */
  static simple(op: number, opts: { flags?: number; indata?: Buffer } = {}): OSDOp {
    return new OSDOp({ op, flags: opts.flags ?? 0, indata: opts.indata ?? Buffer.alloc(0) });
  }

  /** An extent op (READ, WRITE, WRITEFULL, ZERO, TRUNCATE, APPEND, SPARSE_READ, CMPEXT…). */
  static extent(
    op: number,
    offset: U64,
    length: U64,
    opts: { flags?: number; indata?: Buffer; truncateSize?: U64; truncateSeq?: number } = {},
  ): OSDOp {
    const o = OSDOp.simple(op, opts);
    o.extent = {
      offset: BigInt(offset),
      length: BigInt(length),
      truncateSize: BigInt(opts.truncateSize ?? 0),
      truncateSeq: opts.truncateSeq ?? 0,
    };
    return o;
  }

  /** An xattr op: indata is the name then the value (GETXATTR/RMXATTR send no value). */
  static xattr(
    op: number,
    name: string,
    value: Buffer = Buffer.alloc(0),
    opts: { cmpOp?: number; cmpMode?: number; flags?: number } = {},
  ): OSDOp {
    const nameBytes = Buffer.from(name, 'utf8');
    const o = OSDOp.simple(op, { flags: opts.flags ?? 0, indata: Buffer.concat([nameBytes, value]) });
    o.xattr = {
      nameLen: nameBytes.length,
      valueLen: value.length,
      cmpOp: opts.cmpOp ?? 0,
      cmpMode: opts.cmpMode ?? 0,
    };
    return o;
  }

  /** CALL: indata is the class name, the method name, then the method's input. */
  static call(cls: string, method: string, input: Buffer = Buffer.alloc(0), flags = 0): OSDOp {
    const c = Buffer.from(cls, 'utf8');
    const m = Buffer.from(method, 'utf8');
    if (c.length > 255 || m.length > 255)
      throw new CephError('EINVAL', 'class or method name longer than 255');
    const o = OSDOp.simple(OsdOp.CALL, { flags, indata: Buffer.concat([c, m, input]) });
    o.cls = { classLen: c.length, methodLen: m.length, argc: 0, indataLen: input.length };
    return o;
  }

  /** WATCH with a WatchOp (WATCH, RECONNECT, UNWATCH, PING). */
  static watch(
    cookie: bigint,
    op: number,
    opts: { gen?: number; timeout?: number; ver?: bigint } = {},
  ): OSDOp {
    const o = new OSDOp({ op: OsdOp.WATCH });
    o.watch = { cookie, ver: opts.ver ?? 0n, op, gen: opts.gen ?? 0, timeout: opts.timeout ?? 0 };
    return o;
  }

  /** NOTIFY: the cookie names the linger op; indata carries the encoded notify request. */
  static notify(cookie: bigint, indata: Buffer): OSDOp {
    const o = new OSDOp({ op: OsdOp.NOTIFY, indata });
    o.notifyCookie = cookie;
    return o;
  }

  /** PGLS/PGNLS(+_FILTER): indata carries the filter and the start cursor. */
  static pgls(op: number, count: U64, startEpoch: number, indata: Buffer): OSDOp {
    const o = new OSDOp({ op, indata });
    o.pgls = { count: BigInt(count), startEpoch };
    return o;
  }

  /** An op whose union holds one snap id (ROLLBACK). */
  static snap(op: number, snapid: bigint): OSDOp {
    const o = new OSDOp({ op });
    o.snapid = snapid;
    return o;
  }

  /** ASSERT_VER. */
  static assertVersion(ver: bigint): OSDOp {
    const o = new OSDOp({ op: OsdOp.ASSERT_VER });
    o.assertVer = ver;
    return o;
  }

  /** SETALLOCHINT. */
  static allocHintOp(expectedObjectSize: U64, expectedWriteSize: U64, flags = 0): OSDOp {
    const o = new OSDOp({ op: OsdOp.SETALLOCHINT });
    o.allocHint = {
      expectedObjectSize: BigInt(expectedObjectSize),
      expectedWriteSize: BigInt(expectedWriteSize),
      flags,
    };
    return o;
  }
}

/** Write one `ceph_osd_op` with the given payload_len. */
export function encodeOsdOpHead(e: Encoder, o: OSDOp, payloadLen: number): void {
  e.u16(o.op).u32(o.flags).bytes(o.args).u32(payloadLen);
}

/** Read one `ceph_osd_op` (no data yet: the caller slices indata/outdata by payloadLen). */
export function decodeOsdOpHead(d: Decoder): OSDOp {
  const op = d.u16();
  const flags = d.u32();
  const args = d.bytes(CEPH_OSD_OP_ARGS_SIZE);
  const payloadLen = d.u32();
  return new OSDOp({ op, flags, args, payloadLen });
}
