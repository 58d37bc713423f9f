import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat, decodeStringList, encodeStringList, sortedByKey } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';
import { guardDecode } from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';
import { decodePoolStat, encodePoolStat, type PoolStat } from './pool-stat.js';

/**
 * `MGetPoolStats` (MSG_GETPOOLSTATS): ask the monitor for the stats of some
 * pools, by name (`rados df`, `rados_ioctx_pool_stat`). Layout after the paxos
 * header: fsid, vector<string> pools.
 */
export class MGetPoolStats extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.MSG_GETPOOLSTATS;
  override version = MGetPoolStats.HEAD_VERSION;
  override compatVersion = MGetPoolStats.COMPAT_VERSION;
  /** PaxosServiceMessage fields (version: the client's osdmap epoch). */
  paxos: PaxosHeader;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `vector<string> pools`: pool names. */
  pools: string[];

  constructor(init: { fsid: string; pools: string[]; tid?: bigint; paxos?: PaxosHeader }) {
    super();
    this.paxos = init.paxos ?? defaultPaxosHeader();
    this.fsid = init.fsid;
    this.pools = init.pools;
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MGetPoolStats {
    return guardDecode('getpoolstats', () => {
      checkCompat(header, MGetPoolStats.HEAD_VERSION, 'getpoolstats');
      const d = new Decoder(payload.front);
      const paxos = decodePaxosHeader(d);
      const fsid = decodeUuid(d);
      const pools = decodeStringList(d);
      return new MGetPoolStats({ tid: header.tid, paxos, fsid, pools });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      encodeStringList(e, this.pools);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'getpoolstats';
  }
}

/**
 * `MGetPoolStatsReply` (MSG_GETPOOLSTATSREPLY): pool name → pool_stat_t, and
 * (v2+) whether the cluster keeps per-pool store stats (every OSD is Nautilus
 * or newer), which decides how `rados df` computes USED and STORED.
 */
export class MGetPoolStatsReply extends Message {
  static readonly HEAD_VERSION = 2;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.MSG_GETPOOLSTATSREPLY;
  override version = MGetPoolStatsReply.HEAD_VERSION;
  override compatVersion = MGetPoolStatsReply.COMPAT_VERSION;
  /** PaxosServiceMessage fields (version: the mon's osdmap epoch). */
  paxos: PaxosHeader;
  /** `uuid_d fsid`. */
  fsid: string;
  /** `flat_map<string, pool_stat_t> pool_stats`. */
  poolStats: Map<string, PoolStat>;
  /** `bool per_pool` (v2+). */
  perPool: boolean;

  constructor(init: {
    fsid: string;
    poolStats: ReadonlyMap<string, PoolStat>;
    perPool?: boolean;
    tid?: bigint;
    paxos?: PaxosHeader;
  }) {
    super();
    this.paxos = init.paxos ?? defaultPaxosHeader();
    this.fsid = init.fsid;
    this.poolStats = new Map(init.poolStats);
    this.perPool = init.perPool ?? false;
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MGetPoolStatsReply {
    return guardDecode('getpoolstatsreply', () => {
      checkCompat(header, MGetPoolStatsReply.HEAD_VERSION, 'getpoolstatsreply');
      const d = new Decoder(payload.front);
      const paxos = decodePaxosHeader(d);
      const fsid = decodeUuid(d);
      const poolStats = d.map(
        (x) => x.string(),
        (x) => decodePoolStat(x),
      );
      const perPool = header.version >= 2 ? d.bool() : false;
      return new MGetPoolStatsReply({ tid: header.tid, paxos, fsid, poolStats, perPool });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      const entries = sortedByKey(this.poolStats);
      e.u32(entries.length);
      for (const [name, stat] of entries) {
        e.string(name);
        encodePoolStat(e, stat);
      }
      e.bool(this.perPool);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'getpoolstatsreply';
  }
}

registerMessage(OsdMessageType.MSG_GETPOOLSTATS, (header, payload) => MGetPoolStats.decode(header, payload));
registerMessage(OsdMessageType.MSG_GETPOOLSTATSREPLY, (header, payload) =>
  MGetPoolStatsReply.decode(header, payload),
);
