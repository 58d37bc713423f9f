import { CephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import { encode, type Encoder } from '../../encoding/encoder.js';
import {
  decodeEVersion,
  decodeObjectLocator,
  decodePgId,
  encodeEVersion,
  encodeObjectLocator,
  encodePgId,
  type EVersion,
  type ObjectLocator,
  type PgId,
} from '../../encoding/osd-types.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import {
  decodeTrace,
  emptyTrace,
  encodeTrace,
  guardDecode,
  sliceData,
  type BlkinTraceInfo,
} from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';
import { OsdFlag } from './osd-op-codes.js';
import { CEPH_OSD_OP_SIZE, decodeOsdOpHead, encodeOsdOpHead, type OSDOp } from './osd-op.js';

/**
 * `request_redirect_t`: "send this op there instead" — a cache tier or the
 * OSD pointing the client at another pool/object. Empty locator and object
 * mean no redirect.
 */
export interface RequestRedirect {
  /** `object_locator_t redirect_locator`: where to resend. */
  locator: ObjectLocator;
  /** `object_t redirect_object`: the object name to use there (empty: keep the original). */
  object: string;
}

/** `request_redirect_t::encode`: ENCODE_START(1, 1), locator, object, u32 0 (the removed osd_instructions). */
export function encodeRequestRedirect(e: Encoder, r: RequestRedirect): void {
  e.struct(1, 1, (b) => {
    encodeObjectLocator(b, r.locator);
    b.string(r.object);
    b.u32(0);
  });
}

export function decodeRequestRedirect(d: Decoder): RequestRedirect {
  return d.struct('request_redirect_t', 1, (b) => {
    const locator = decodeObjectLocator(b);
    const object = b.string();
    const legacyLen = b.u32();
    b.skip(legacyLen);
    return { locator, object };
  });
}

/** What `new MOSDOpReply(...)` takes. */
export interface MOSDOpReplyInit {
  /** The request's tid (header). */
  tid?: bigint;
  /** `object_t oid`: the object the request named. */
  oid: string;
  /** `pg_t pgid`: the PG (as the request's spg_t.pgid). */
  pgid: PgId;
  /** `int64_t flags`: the request's flags with ACK/ONDISK/ONNVRAM replaced by the reply kind. */
  flags: number;
  /** `errorcode32_t result`: 0 or a negative errno for the whole request. */
  result: number;
  /** `eversion_t bad_replay_version`: legacy version field (user version in `.version` when known). */
  badReplayVersion?: EVersion;
  /** `epoch_t osdmap_epoch`: the OSD's map epoch. */
  osdmapEpoch: number;
  /** The ops, each with its `rval` and `outdata`. */
  ops: OSDOp[];
  /** `int32_t retry_attempt`: echoes the request's. */
  retryAttempt?: number;
  /** `eversion_t replay_version`: the PG log version of a write. */
  replayVersion?: EVersion;
  /** `version_t user_version`: the object's user-visible version after the op. */
  userVersion?: bigint;
  /** `request_redirect_t redirect`, present when `do_redirect` is set. */
  redirect?: RequestRedirect;
  /** Blkin trace. */
  trace?: BlkinTraceInfo;
}

const ZERO_VERSION: EVersion = { version: 0n, epoch: 0 };

/**
 * `MOSDOpReply` (CEPH_MSG_OSD_OPREPLY): the OSD's answer to MOSDOp, Pacific's
 * v8 layout:
 *
 *   object_t oid, pg_t pgid, i64 flags, i32 result, eversion_t bad_replay_version,
 *   u32 osdmap_epoch, u32 num_ops + ceph_osd_op each, i32 retry_attempt,
 *   i32 rval per op, eversion_t replay_version, u64 user_version,
 *   bool do_redirect [+ request_redirect_t], blkin trace
 *
 * Each op's `payload_len` is the length of its outdata; the outdata of all
 * ops is concatenated, in op order, in the data segment.
 */
export class MOSDOpReply extends Message {
  static readonly HEAD_VERSION = 8;
  static readonly COMPAT_VERSION = 2;
  readonly type = OsdMessageType.CEPH_MSG_OSD_OPREPLY;
  override version = MOSDOpReply.HEAD_VERSION;
  override compatVersion = MOSDOpReply.COMPAT_VERSION;
  /** `object_t oid`. */
  oid: string;
  /** `pg_t pgid`. */
  pgid: PgId;
  /** `int64_t flags`. */
  flags: number;
  /** `errorcode32_t result`. */
  result: number;
  /** `eversion_t bad_replay_version`. */
  badReplayVersion: EVersion;
  /** `epoch_t osdmap_epoch`. */
  osdmapEpoch: number;
  /** The ops with rval and outdata. */
  ops: OSDOp[];
  /** `int32_t retry_attempt`. */
  retryAttempt: number;
  /** `eversion_t replay_version`. */
  replayVersion: EVersion;
  /** `version_t user_version`. */
  userVersion: bigint;
  /** `request_redirect_t` (undefined: `do_redirect` false). */
  redirect: RequestRedirect | undefined;
  /** Blkin trace. */
  trace: BlkinTraceInfo;

  constructor(init: MOSDOpReplyInit) {
    super();
    this.oid = init.oid;
    this.pgid = init.pgid;
    this.flags = init.flags;
    this.result = init.result;
    this.badReplayVersion = init.badReplayVersion ?? ZERO_VERSION;
    this.osdmapEpoch = init.osdmapEpoch;
    this.ops = init.ops;
    this.retryAttempt = init.retryAttempt ?? -1;
    this.replayVersion = init.replayVersion ?? ZERO_VERSION;
    this.userVersion = init.userVersion ?? 0n;
    this.redirect = init.redirect;
    this.trace = init.trace ?? emptyTrace();
    if (init.tid !== undefined) this.tid = init.tid;
  }

  /** The reply is the commit ("ondisk") reply — the only kind Pacific OSDs send. */
  get isOndisk(): boolean {
    return (this.flags & OsdFlag.ONDISK) !== 0;
  }

  /** `do_redirect`. */
  get isRedirect(): boolean {
    return this.redirect !== undefined;
  }

  /**
   * Ceph's `set_reply_versions`: replay_version = v, user_version = uv, and the
   * legacy bad_replay_version = v with its version replaced by uv when set.
   */
  setReplyVersions(v: EVersion, uv: bigint): void {
    this.replayVersion = v;
    this.userVersion = uv;
    this.badReplayVersion = { version: uv !== 0n ? uv : v.version, epoch: v.epoch };
  }

  static decode(header: MessageHeader, payload: MessagePayload): MOSDOpReply {
    return guardDecode('osd_op_reply', () => {
      checkCompat(header, MOSDOpReply.HEAD_VERSION, 'osd_op_reply');
      if (header.version < 7) {
        throw new CephError('EBADMSG', `osd_op_reply: v${header.version} encoding is not supported`);
      }
      const d = new Decoder(payload.front);
      const oid = d.string();
      const pgid = decodePgId(d);
      const flags = d.i64Number();
      const result = d.i32();
      const badReplayVersion = decodeEVersion(d);
      const osdmapEpoch = d.u32();
      const numOps = d.u32();
      if (numOps * (CEPH_OSD_OP_SIZE + 4) > d.remaining) {
        throw new CephError('EBADMSG', `osd_op_reply: ${numOps} ops exceed the front segment`);
      }
      const ops: OSDOp[] = [];
      for (let i = 0; i < numOps; i++) ops.push(decodeOsdOpHead(d));
      const retryAttempt = d.i32();
      for (const op of ops) op.rval = d.i32();
      const data = dataBuffer(payload);
      let at = 0;
      for (const op of ops) {
        op.outdata = sliceData(data, at, op.payloadLen, 'osd_op_reply');
        at += op.payloadLen;
      }
      const replayVersion = decodeEVersion(d);
      const userVersion = d.u64();
      const redirect = d.bool() ? decodeRequestRedirect(d) : undefined;
      const trace = header.version >= 8 ? decodeTrace(d) : emptyTrace();
      return new MOSDOpReply({
        tid: header.tid,
        oid,
        pgid,
        flags,
        result,
        badReplayVersion,
        osdmapEpoch,
        ops,
        retryAttempt,
        replayVersion,
        userVersion,
        redirect,
        trace,
      });
    });
  }

  encodePayload(): MessagePayload {
    const size = 128 + Buffer.byteLength(this.oid, 'utf8') + this.ops.length * (CEPH_OSD_OP_SIZE + 4);
    const front = encode((e) => {
      e.string(this.oid);
      encodePgId(e, this.pgid);
      e.i64(this.flags).i32(this.result);
      encodeEVersion(e, this.badReplayVersion);
      e.u32(this.osdmapEpoch).u32(this.ops.length);
      for (const op of this.ops) encodeOsdOpHead(e, op, op.outdata.length);
      e.i32(this.retryAttempt);
      for (const op of this.ops) e.i32(op.rval);
      encodeEVersion(e, this.replayVersion);
      e.u64(this.userVersion);
      e.bool(this.redirect !== undefined);
      if (this.redirect !== undefined) encodeRequestRedirect(e, this.redirect);
      encodeTrace(e, this.trace);
    }, size);
    const data = this.ops.filter((op) => op.outdata.length > 0).map((op) => op.outdata);
    return { front, middle: Buffer.alloc(0), data };
  }

  override toString(): string {
    const ops = this.ops.map((o) => o.toString()).join(',');
    return `osd_op_reply(${this.tid} ${this.oid} [${ops}] v${this.replayVersion.epoch}'${this.replayVersion.version} uv${this.userVersion} = ${this.result})`;
  }

  get typeName(): string {
    return 'osd_op_reply';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_OSD_OPREPLY, (header, payload) =>
  MOSDOpReply.decode(header, payload),
);
