import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';
import { guardDecode } from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';

/** What `new MPoolOp(...)` takes. */
export interface MPoolOpInit {
  tid?: bigint;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `__u32 pool`: the pool id. */
  pool: number;
  /** `std::string name`: the snap name (pool snaps) or pool name (create/delete). */
  name?: string;
  /** `__u32 op`: PoolOp. */
  op: number;
  /** `snapid_t snapid`: the self-managed snap to delete. */
  snapid?: bigint;
  /** `__s16 crush_rule`: for the (legacy) pool create. */
  crushRule?: number;
  /** `uint64_t auid`: always 0 since Nautilus. */
  auid?: bigint;
  /** PaxosServiceMessage fields; `version` is the client's osdmap epoch. */
  paxos?: PaxosHeader;
}

/**
 * `MPoolOp` (CEPH_MSG_POOLOP): a pool operation for the monitor — what the
 * Objecter sends for pool snapshots (`rados mksnap`/`rmsnap`) and
 * self-managed snaps (`rbd snap create` allocates ids this way). Pacific's
 * v4 layout after the paxos header: fsid, u32 pool, u32 op, u64 auid (always
 * 0), u64 snapid, string name, u8 pad, i16 crush_rule. Answered by
 * MPoolOpReply with the same tid.
 */
export class MPoolOp extends Message {
  static readonly HEAD_VERSION = 4;
  static readonly COMPAT_VERSION = 2;
  readonly type = OsdMessageType.CEPH_MSG_POOLOP;
  override version = MPoolOp.HEAD_VERSION;
  override compatVersion = MPoolOp.COMPAT_VERSION;
  /** PaxosServiceMessage fields. */
  paxos: PaxosHeader;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `__u32 pool`. */
  pool: number;
  /** `std::string name`. */
  name: string;
  /** `__u32 op`. */
  op: number;
  /** `uint64_t auid`: removed in Nautilus, always sent as 0 (kept for a byte-exact round trip). */
  auid: bigint;
  /** `snapid_t snapid`. */
  snapid: bigint;
  /** `__s16 crush_rule`. */
  crushRule: number;

  constructor(init: MPoolOpInit) {
    super();
    this.paxos = init.paxos ?? defaultPaxosHeader();
    this.fsid = init.fsid;
    this.pool = init.pool;
    this.name = init.name ?? '';
    this.op = init.op;
    this.auid = init.auid ?? 0n;
    this.snapid = init.snapid ?? 0n;
    this.crushRule = init.crushRule ?? 0;
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MPoolOp {
    return guardDecode('pool_op', () => {
      checkCompat(header, MPoolOp.HEAD_VERSION, 'pool_op');
      const d = new Decoder(payload.front);
      const paxos = decodePaxosHeader(d);
      const fsid = decodeUuid(d);
      const pool = d.u32();
      let name = header.version < 2 ? d.string() : '';
      const op = d.u32();
      const auid = d.u64();
      const snapid = d.u64();
      if (header.version >= 2) name = d.string();
      let crushRule = -1;
      if (header.version >= 3) {
        const pad = d.u8();
        crushRule = header.version >= 4 ? d.i16() : pad;
      }
      return new MPoolOp({ tid: header.tid, paxos, fsid, pool, name, op, auid, snapid, crushRule });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      e.u32(this.pool).u32(this.op).u64(this.auid).u64(this.snapid).string(this.name);
      e.u8(0).i16(this.crushRule);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'poolop';
  }
}

/** What `new MPoolOpReply(...)` takes. */
export interface MPoolOpReplyInit {
  tid?: bigint;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `__u32 replyCode`: 0 or a negative errno. */
  replyCode: number;
  /** `epoch_t epoch`: the osdmap epoch that carries the change (wait for it before using the snap). */
  epoch: number;
  /** `bufferlist response_data`: CREATE_UNMANAGED_SNAP returns the new snap id encoded as a u64. */
  responseData?: Buffer;
  paxos?: PaxosHeader;
}

/**
 * `MPoolOpReply` (CEPH_MSG_POOLOP_REPLY): the monitor's answer to MPoolOp.
 * Layout after the paxos header: fsid, u32 replyCode, u32 epoch, bool
 * has_response_data [+ bufferlist response_data].
 */
export class MPoolOpReply extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.CEPH_MSG_POOLOP_REPLY;
  override version = MPoolOpReply.HEAD_VERSION;
  override compatVersion = MPoolOpReply.COMPAT_VERSION;
  /** PaxosServiceMessage fields (version: the epoch). */
  paxos: PaxosHeader;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `__u32 replyCode`, read as signed. */
  replyCode: number;
  /** `epoch_t epoch`. */
  epoch: number;
  /** `bufferlist response_data` (empty: not sent). */
  responseData: Buffer;

  constructor(init: MPoolOpReplyInit) {
    super();
    this.paxos = init.paxos ?? defaultPaxosHeader(init.epoch);
    this.fsid = init.fsid;
    this.replyCode = init.replyCode;
    this.epoch = init.epoch;
    this.responseData = init.responseData ?? Buffer.alloc(0);
    if (init.tid !== undefined) this.tid = init.tid;
  }

  /** The snap id a CREATE_UNMANAGED_SNAP reply carries (u64 in `response_data`), undefined when absent. */
  get snapid(): bigint | undefined {
    return this.responseData.length >= 8 ? this.responseData.readBigUInt64LE(0) : undefined;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MPoolOpReply {
    return guardDecode('poolopreply', () => {
      checkCompat(header, MPoolOpReply.HEAD_VERSION, 'poolopreply');
      const d = new Decoder(payload.front);
      const paxos = decodePaxosHeader(d);
      const fsid = decodeUuid(d);
      const replyCode = d.i32();
      const epoch = d.u32();
      const responseData = d.bool() ? d.buffer() : Buffer.alloc(0);
      return new MPoolOpReply({ tid: header.tid, paxos, fsid, replyCode, epoch, responseData });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      e.i32(this.replyCode).u32(this.epoch);
      e.bool(this.responseData.length > 0);
      if (this.responseData.length > 0) e.buffer(this.responseData);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'poolopreply';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_POOLOP, (header, payload) => MPoolOp.decode(header, payload));
registerMessage(OsdMessageType.CEPH_MSG_POOLOP_REPLY, (header, payload) =>
  MPoolOpReply.decode(header, payload),
);
