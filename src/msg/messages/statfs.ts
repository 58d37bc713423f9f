import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';
import { guardDecode } from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';

/**
 * `MStatfs` (CEPH_MSG_STATFS): ask the monitor for the cluster's total and
 * used space (`rados df`'s totals, `rados_cluster_stat`), optionally for one
 * data pool (CephFS). Layout after the paxos header: fsid, optional<i64> data_pool.
 */
export class MStatfs extends Message {
  static readonly HEAD_VERSION = 2;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.CEPH_MSG_STATFS;
  override version = MStatfs.HEAD_VERSION;
  override compatVersion = MStatfs.COMPAT_VERSION;
  /** PaxosServiceMessage fields (version: the client's osdmap epoch). */
  paxos: PaxosHeader;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `boost::optional<int64_t> data_pool` (v2+): restrict to this pool. */
  dataPool: number | undefined;

  constructor(init: { fsid: string; dataPool?: number; tid?: bigint; paxos?: PaxosHeader }) {
    super();
    this.paxos = init.paxos ?? defaultPaxosHeader();
    this.fsid = init.fsid;
    this.dataPool = init.dataPool;
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MStatfs {
    return guardDecode('statfs', () => {
      checkCompat(header, MStatfs.HEAD_VERSION, 'statfs');
      const d = new Decoder(payload.front);
      const paxos = decodePaxosHeader(d);
      const fsid = decodeUuid(d);
      const dataPool = header.version >= 2 ? d.optional((x) => x.i64Number()) : undefined;
      return new MStatfs({ tid: header.tid, paxos, fsid, dataPool });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      e.optional(this.dataPool, (x, v) => x.i64(v));
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'statfs';
  }
}

/** `struct ceph_statfs`: cluster space in KiB and the object count. */
export interface CephStatfs {
  /** `__le64 kb`: total. */
  kb: bigint;
  /** `__le64 kb_used`. */
  kbUsed: bigint;
  /** `__le64 kb_avail`. */
  kbAvail: bigint;
  /** `__le64 num_objects`. */
  numObjects: bigint;
}

/**
 * `MStatfsReply` (CEPH_MSG_STATFS_REPLY): the packed `ceph_mon_statfs_reply`
 * — fsid, u64 version (the map epoch), then ceph_statfs. Not a paxos message.
 */
export class MStatfsReply extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.CEPH_MSG_STATFS_REPLY;
  override version = MStatfsReply.HEAD_VERSION;
  override compatVersion = MStatfsReply.COMPAT_VERSION;
  /** `ceph_fsid fsid`. */
  fsid: string;
  /** `__le64 version`: the epoch the numbers come from. */
  statfsVersion: bigint;
  /** `ceph_statfs st`. */
  st: CephStatfs;

  constructor(init: { fsid: string; statfsVersion?: bigint; st: CephStatfs; tid?: bigint }) {
    super();
    this.fsid = init.fsid;
    this.statfsVersion = init.statfsVersion ?? 0n;
    this.st = init.st;
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MStatfsReply {
    return guardDecode('statfs_reply', () => {
      checkCompat(header, MStatfsReply.HEAD_VERSION, 'statfs_reply');
      const d = new Decoder(payload.front);
      const fsid = decodeUuid(d);
      const statfsVersion = d.u64();
      const st = { kb: d.u64(), kbUsed: d.u64(), kbAvail: d.u64(), numObjects: d.u64() };
      return new MStatfsReply({ tid: header.tid, fsid, statfsVersion, st });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodeUuid(e, this.fsid);
      e.u64(this.statfsVersion)
        .u64(this.st.kb)
        .u64(this.st.kbUsed)
        .u64(this.st.kbAvail)
        .u64(this.st.numObjects);
    }, 56);
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'statfs_reply';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_STATFS, (header, payload) => MStatfs.decode(header, payload));
registerMessage(OsdMessageType.CEPH_MSG_STATFS_REPLY, (header, payload) =>
  MStatfsReply.decode(header, payload),
);
