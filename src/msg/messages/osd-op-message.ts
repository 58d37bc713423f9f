import { CephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import {
  CEPH_NOSNAP,
  decodeObjectLocator,
  decodeOsdReqId,
  decodeSpgId,
  encodeObjectLocator,
  encodeOsdReqId,
  encodeSpgId,
  type ObjectLocator,
  type OsdReqId,
  type SpgId,
} from '../../encoding/osd-types.js';
import { decodeUTime, encodeUTime, type UTime } from '../../encoding/types.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import {
  decodeSnapList,
  decodeTrace,
  emptyTrace,
  encodeSnapList,
  encodeTrace,
  guardDecode,
  sliceData,
  type BlkinTraceInfo,
} from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';
import { OsdFlag, osdFlagString } from './osd-op-codes.js';
import { CEPH_OSD_OP_SIZE, decodeOsdOpHead, encodeOsdOpHead, type OSDOp } from './osd-op.js';

/** What `new MOSDOp(...)` takes. Defaults are what Pacific's Objecter sends for a plain op. */
export interface MOSDOpInit {
  /** The op's tid (header). */
  tid?: bigint;
  /** `spg_t pgid`: the PG the op is for (folded by pg_num; shard -1 on replicated pools). */
  pgid: SpgId;
  /** `uint32_t hash`: the object's raw placement hash (`ceph_str_hash_rjenkins` of the name or key). */
  hash: number;
  /** `epoch_t osdmap_epoch`: the map the client targeted with. */
  osdmapEpoch: number;
  /** `CEPH_OSD_FLAG_*` bits (RETRY is kept in step with `retryAttempt` by the encoder). */
  flags: number;
  /** `osd_reqid_t reqid`: default blank name, tid 0, inc = clientInc (the OSD then uses the message's source and tid). */
  reqid?: OsdReqId;
  /** Blkin trace ids (all zero unless traced). */
  trace?: BlkinTraceInfo;
  /** `uint32_t client_inc`: client incarnation (0 for librados). */
  clientInc?: number;
  /** `utime_t mtime`: modification time for writes (zero for reads). */
  mtime?: UTime;
  /** `object_locator_t`: pool, key, nspace; hash -1 unless the oid is empty (PG ops). */
  oloc: ObjectLocator;
  /** `object_t oid`: the object name (empty for PG ops). */
  oid: string;
  /** The ops, executed in order as one transaction. */
  ops: OSDOp[];
  /** `snapid_t snapid` (hobj.snap): the snap to read, CEPH_NOSNAP for the head. */
  snapid?: bigint;
  /** `snapid_t snap_seq`: the writer's snap context seq. */
  snapSeq?: bigint;
  /** `vector<snapid_t> snaps`: the writer's snap context snaps, newest first. */
  snaps?: bigint[];
  /** `int32_t retry_attempt`: 0 first, then 1, 2… on resends. */
  retryAttempt?: number;
  /** `uint64_t features`: the client's features (the OSD uses them for reply encodings). */
  features: bigint;
  /** Message priority (Objecter: `osd_client_op_priority`, 63). */
  priority?: number;
  /** Header `data_off` hint. */
  dataOff?: number;
}

/**
 * `MOSDOp` (CEPH_MSG_OSD_OP): a client's ops on one object (or a PG op such as
 * a listing), sent to the PG's primary. This is Pacific's v8 layout — the one
 * every Pacific client and OSD speaks (RESEND_ON_SPLIT era):
 *
 *   spg_t pgid, u32 hash, u32 osdmap_epoch, u32 flags, osd_reqid_t reqid, blkin trace,
 *   | u32 client_inc, utime_t mtime, object_locator_t, object_t oid,
 *   u16 num_ops + ceph_osd_op each, snapid, snap_seq, snaps, i32 retry_attempt, u64 features
 *
 * (the `|` is where Ceph's OSD splits its partial decode from the final one;
 * we decode everything at once). The ops' indata is concatenated, in op order,
 * in the data segment; each op's `payload_len` says how much is its own.
 */
export class MOSDOp extends Message {
  static readonly HEAD_VERSION = 8;
  static readonly COMPAT_VERSION = 3;
  readonly type = OsdMessageType.CEPH_MSG_OSD_OP;
  override version = MOSDOp.HEAD_VERSION;
  override compatVersion = MOSDOp.COMPAT_VERSION;
  /** `spg_t pgid`. */
  pgid: SpgId;
  /** `uint32_t hash`: hobj hash. */
  hash: number;
  /** `epoch_t osdmap_epoch`. */
  osdmapEpoch: number;
  /** `uint32_t flags`: CEPH_OSD_FLAG_*. */
  flags: number;
  /** `osd_reqid_t reqid`. */
  reqid: OsdReqId;
  /** Blkin trace. */
  trace: BlkinTraceInfo;
  /** `uint32_t client_inc`. */
  clientInc: number;
  /** `utime_t mtime`. */
  mtime: UTime;
  /** `object_locator_t`. */
  oloc: ObjectLocator;
  /** `object_t oid`. */
  oid: string;
  /** The ops with their indata. */
  ops: OSDOp[];
  /** `snapid_t snapid`. */
  snapid: bigint;
  /** `snapid_t snap_seq`. */
  snapSeq: bigint;
  /** `vector<snapid_t> snaps`. */
  snaps: bigint[];
  /** `int32_t retry_attempt`. */
  retryAttempt: number;
  /** `uint64_t features`. */
  features: bigint;

  constructor(init: MOSDOpInit) {
    super();
    this.pgid = init.pgid;
    this.hash = init.hash;
    this.osdmapEpoch = init.osdmapEpoch;
    this.flags = init.flags;
    this.clientInc = init.clientInc ?? 0;
    this.reqid = init.reqid ?? { name: { type: 0, num: 0n }, tid: 0n, inc: this.clientInc };
    this.trace = init.trace ?? emptyTrace();
    this.mtime = init.mtime ?? { sec: 0, nsec: 0 };
    this.oloc = init.oloc;
    this.oid = init.oid;
    this.ops = init.ops;
    this.snapid = init.snapid ?? CEPH_NOSNAP;
    this.snapSeq = init.snapSeq ?? 0n;
    this.snaps = init.snaps ?? [];
    this.retryAttempt = init.retryAttempt ?? 0;
    this.features = init.features;
    if (init.tid !== undefined) this.tid = init.tid;
    if (init.priority !== undefined) this.priority = init.priority;
    if (init.dataOff !== undefined) this.dataOff = init.dataOff;
  }

  /** Ceph's `set_retry_attempt`: the attempt number, with the RETRY flag set on resends. */
  setRetryAttempt(attempt: number): void {
    this.retryAttempt = attempt;
    this.flags = attempt ? this.flags | OsdFlag.RETRY : this.flags & ~OsdFlag.RETRY;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MOSDOp {
    return guardDecode('osd_op', () => {
      checkCompat(header, MOSDOp.HEAD_VERSION, 'osd_op');
      if (header.version !== MOSDOp.HEAD_VERSION) {
        throw new CephError(
          'EBADMSG',
          `osd_op: v${header.version} encoding (pre-Nautilus client) is not supported`,
        );
      }
      const d = new Decoder(payload.front);
      const pgid = decodeSpgId(d);
      const hash = d.u32();
      const osdmapEpoch = d.u32();
      const flags = d.u32();
      const reqid = decodeOsdReqId(d);
      const trace = decodeTrace(d);
      const clientInc = d.u32();
      const mtime = decodeUTime(d);
      const oloc = decodeObjectLocator(d);
      const oid = d.string();
      const numOps = d.u16();
      if (numOps * CEPH_OSD_OP_SIZE > d.remaining) {
        throw new CephError('EBADMSG', `osd_op: ${numOps} ops exceed the front segment`);
      }
      const ops: OSDOp[] = [];
      for (let i = 0; i < numOps; i++) ops.push(decodeOsdOpHead(d));
      const snapid = d.u64();
      const snapSeq = d.u64();
      const snaps = decodeSnapList(d);
      const retryAttempt = d.i32();
      const features = d.u64();
      const data = dataBuffer(payload);
      let at = 0;
      for (const op of ops) {
        op.indata = sliceData(data, at, op.payloadLen, 'osd_op');
        at += op.payloadLen;
      }
      return new MOSDOp({
        tid: header.tid,
        pgid,
        hash,
        osdmapEpoch,
        flags,
        reqid,
        trace,
        clientInc,
        mtime,
        oloc,
        oid,
        ops,
        snapid,
        snapSeq,
        snaps,
        retryAttempt,
        features,
      });
    });
  }

  encodePayload(): MessagePayload {
    const oidLen = Buffer.byteLength(this.oid, 'utf8');
    const size = 160 + oidLen + this.oloc.key.length + this.oloc.nspace.length + this.ops.length * 38;
    const front = encode(
      (e) => {
        encodeSpgId(e, this.pgid);
        e.u32(this.hash).u32(this.osdmapEpoch).u32(this.flags);
        encodeOsdReqId(e, this.reqid);
        encodeTrace(e, this.trace);
        e.u32(this.clientInc);
        encodeUTime(e, this.mtime);
        encodeObjectLocator(e, this.oloc);
        e.string(this.oid);
        e.u16(this.ops.length);
        for (const op of this.ops) encodeOsdOpHead(e, op, op.indata.length);
        e.u64(this.snapid).u64(this.snapSeq);
        encodeSnapList(e, this.snaps);
        e.i32(this.retryAttempt).u64(this.features);
      },
      size + this.snaps.length * 8,
    );
    const data = this.ops.filter((op) => op.indata.length > 0).map((op) => op.indata);
    return { front, middle: Buffer.alloc(0), data };
  }

  /** Ceph's log form, reduced: `osd_op(3.1f oid [write,setxattr] ondisk+write+known_if_redirected e12)`. */
  override toString(): string {
    const pg = `${this.pgid.pgid.pool}.${this.pgid.pgid.seed.toString(16)}`;
    const ops = this.ops.map((o) => o.toString()).join(',');
    return `osd_op(${pg} ${this.oid} [${ops}] ${osdFlagString(this.flags)} e${this.osdmapEpoch})`;
  }

  get typeName(): string {
    return 'osd_op';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_OSD_OP, (header, payload) => MOSDOp.decode(header, payload));
