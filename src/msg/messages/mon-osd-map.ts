import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/** One `[start, start+length)` run of an `interval_set<snapid_t>`. */
export interface SnapInterval {
  /** First snap id in the run. */
  start: bigint;
  /** Number of snap ids in the run. */
  length: bigint;
}

/**
 * `MOSDMap`: OSD maps, as the monitor (or an OSD) sends them to subscribers of
 * "osdmap". Incrementals and full maps are kept as the encoded bufferlists
 * (the OSDMap codec reads them); `oldestMap`/`newestMap` say what the sender
 * holds so a receiver that fell behind knows to ask for a full map.
 */
export class MOSDMap extends Message {
  static readonly HEAD_VERSION = 4;
  static readonly COMPAT_VERSION = 3;
  readonly type = MonMessageType.CEPH_MSG_OSD_MAP;
  override version = MOSDMap.HEAD_VERSION;
  override compatVersion = MOSDMap.COMPAT_VERSION;
  /** `uuid_d fsid`: the cluster. */
  fsid: string;
  /** `map<epoch_t, bufferlist> incremental_maps`: encoded OSDMap::Incremental by epoch. */
  incrementalMaps: Map<number, Buffer>;
  /** `map<epoch_t, bufferlist> maps`: encoded full OSDMaps by epoch. */
  maps: Map<number, Buffer>;
  /** `epoch_t oldest_map` (v2+): the oldest epoch the sender still has. */
  oldestMap: number;
  /** `epoch_t newest_map` (v2+): the newest epoch the sender has. */
  newestMap: number;
  /** `map<int64_t, snap_interval_set_t> gap_removed_snaps` (v4+): snaps purged in epochs this message skips, by pool. */
  gapRemovedSnaps: Map<number, SnapInterval[]>;

  constructor(init: {
    fsid: string;
    incrementalMaps?: ReadonlyMap<number, Buffer>;
    maps?: ReadonlyMap<number, Buffer>;
    oldestMap?: number;
    newestMap?: number;
    gapRemovedSnaps?: ReadonlyMap<number, SnapInterval[]>;
  }) {
    super();
    this.fsid = init.fsid;
    this.incrementalMaps = new Map(init.incrementalMaps ?? []);
    this.maps = new Map(init.maps ?? []);
    this.oldestMap = init.oldestMap ?? 0;
    this.newestMap = init.newestMap ?? 0;
    this.gapRemovedSnaps = new Map(init.gapRemovedSnaps ?? []);
  }

  /** The lowest epoch carried (full or incremental), 0 when empty. */
  get first(): number {
    const epochs = [...this.maps.keys(), ...this.incrementalMaps.keys()];
    return epochs.length ? Math.min(...epochs) : 0;
  }

  /** The highest epoch carried (full or incremental), 0 when empty. */
  get last(): number {
    const epochs = [...this.maps.keys(), ...this.incrementalMaps.keys()];
    return epochs.length ? Math.max(...epochs) : 0;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MOSDMap {
    checkCompat(header, MOSDMap.HEAD_VERSION, 'osd_map');
    const d = new Decoder(payload.front);
    const fsid = decodeUuid(d);
    const epochMaps = (): Map<number, Buffer> =>
      d.map(
        (x) => x.u32(),
        (x) => x.buffer(),
      );
    const incrementalMaps = epochMaps();
    const maps = epochMaps();
    let oldestMap = 0;
    let newestMap = 0;
    if (header.version >= 2) {
      oldestMap = d.u32();
      newestMap = d.u32();
    }
    let gapRemovedSnaps = new Map<number, SnapInterval[]>();
    if (header.version >= 4) {
      gapRemovedSnaps = d.map(
        (x) => x.i64Number(),
        (x) => x.list((y) => ({ start: y.u64(), length: y.u64() })),
      );
    }
    return new MOSDMap({ fsid, incrementalMaps, maps, oldestMap, newestMap, gapRemovedSnaps });
  }

  encodePayload(): MessagePayload {
    const byEpoch = (m: Map<number, Buffer>): [number, Buffer][] =>
      [...m.entries()].sort(([a], [b]) => a - b);
    let size = 16 + 4 + 4 + 8 + 4;
    for (const b of [...this.incrementalMaps.values(), ...this.maps.values()]) size += 8 + b.length;
    const front = encode((e) => {
      encodeUuid(e, this.fsid);
      for (const m of [this.incrementalMaps, this.maps]) {
        const entries = byEpoch(m);
        e.u32(entries.length);
        for (const [epoch, bl] of entries) e.u32(epoch).buffer(bl);
      }
      e.u32(this.oldestMap).u32(this.newestMap);
      const pools = [...this.gapRemovedSnaps.entries()].sort(([a], [b]) => a - b);
      e.u32(pools.length);
      for (const [pool, runs] of pools) {
        e.i64(pool);
        e.list(runs, (x, r) => x.u64(r.start).u64(r.length));
      }
    }, size);
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'osd_map';
  }
}

registerMessage(MonMessageType.CEPH_MSG_OSD_MAP, (header, payload) => MOSDMap.decode(header, payload));
