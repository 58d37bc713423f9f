/**
 * `OSDMap::Incremental`: the difference between epoch N-1 and N of the OSD
 * map, as monitors send it in MOSDMap. Decodes every modern form (wrapper
 * v7/v8, client part up to v9, OSD part up to v12) and encodes what Pacific
 * writes (client v8, OSD v9, v10 with a stretch-mode change, v11 with range
 * blocklist changes). Applying one to a map lives in osdmap.ts.
 */
import { CephError } from '../common/errors.js';
import { cephCrc32c } from '../common/crc32c.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import type { PgId } from '../encoding/osd-types.js';
import {
  decodeEntityAddrVec,
  decodeUTime,
  decodeUuid,
  encodeEntityAddrVec,
  encodeUTime,
  encodeUuid,
  type EntityAddr,
  type EntityAddrVec,
  type UTime,
} from '../encoding/types.js';
import { CephRelease, cephReleaseName } from './constants.js';
import { decodePoolSnapSets, encodePoolSnapSets, type SnapIntervalSet } from './interval-set.js';
import {
  decodeAddrList,
  decodeBlocklist,
  decodeFloat,
  decodeI32Map,
  decodeI32PairVector,
  decodeI32Vector,
  decodeOsdXInfo,
  decodePgMap,
  decodePgSet,
  decodeProfiles,
  encodeAddrList,
  encodeBlocklist,
  encodeFloat,
  encodeI32Map,
  encodeI32PairVector,
  encodeI32Vector,
  encodeOsdXInfo,
  encodePgMap,
  encodePgSet,
  encodeProfiles,
  PgMap,
  type BlocklistEntry,
  type OsdXInfo,
} from './osd-types.js';
import { PgPool } from './pg-pool.js';

/** `OSDMap::Incremental`. Fields keep Ceph's names in camelCase; "no change" sentinels are Ceph's. */
export class OSDMapIncremental {
  // -- client-usable part
  /** `uuid_d fsid`. */
  fsid = '00000000-0000-0000-0000-000000000000';
  /** `epoch_t epoch`: the epoch this incremental produces. */
  epoch = 0;
  /** `utime_t modified`. */
  modified: UTime = { sec: 0, nsec: 0 };
  /** `int64_t new_pool_max`: -1 for no change. */
  newPoolMax = -1;
  /** `int32_t new_flags`: -1 for no change. */
  newFlags = -1;
  /** `bufferlist fullmap`: a whole encoded OSDMap replacing the old one (empty when incremental). */
  fullMap?: Buffer;
  /** `bufferlist crush`: a whole new encoded CRUSH map (empty when unchanged). */
  crush?: Buffer;
  /** `int32_t new_max_osd`: -1 for no change. */
  newMaxOsd = -1;
  /** `map<int64_t, pg_pool_t> new_pools`: pools created or changed. */
  newPools = new Map<number, PgPool>();
  /** `map<int64_t, string> new_pool_names`. */
  newPoolNames = new Map<number, string>();
  /** `set<int64_t> old_pools`: pools deleted. */
  oldPools: number[] = [];
  /** `map<int32_t, entity_addrvec_t> new_up_client`: OSDs that booted, with their public addrs. */
  newUpClient = new Map<number, EntityAddrVec>();
  /** `map<int32_t, uint32_t> new_state`: state bits to XOR (0 means UP, i.e. marked down). */
  newState = new Map<number, number>();
  /** `map<int32_t, uint32_t> new_weight`: new reweights (16.16). */
  newWeight = new Map<number, number>();
  /** `map<pg_t, vector<int32_t>> new_pg_temp`: empty vector removes the entry. */
  newPgTemp = new PgMap<number[]>();
  /** `map<pg_t, int32_t> new_primary_temp`: -1 removes the entry. */
  newPrimaryTemp = new PgMap<number>();
  /** `map<int32_t, uint32_t> new_primary_affinity`. */
  newPrimaryAffinity = new Map<number, number>();
  /** `map<string, map<string,string>> new_erasure_code_profiles`. */
  newErasureCodeProfiles = new Map<string, Map<string, string>>();
  /** `vector<string> old_erasure_code_profiles`. */
  oldErasureCodeProfiles: string[] = [];
  /** `map<pg_t, vector<int32_t>> new_pg_upmap`. */
  newPgUpmap = new PgMap<number[]>();
  /** `set<pg_t> old_pg_upmap`. */
  oldPgUpmap: PgId[] = [];
  /** `map<pg_t, vector<pair<int32_t,int32_t>>> new_pg_upmap_items`. */
  newPgUpmapItems = new PgMap<[number, number][]>();
  /** `set<pg_t> old_pg_upmap_items`. */
  oldPgUpmapItems: PgId[] = [];
  /** `map<int64_t, snap_interval_set_t> new_removed_snaps`: snaps deleted this epoch, per pool. */
  newRemovedSnaps = new Map<number, SnapIntervalSet>();
  /** `map<int64_t, snap_interval_set_t> new_purged_snaps`: snaps whose trimming finished. */
  newPurgedSnaps = new Map<number, SnapIntervalSet>();
  /** `utime_t new_last_up_change`: zero for no change. */
  newLastUpChange: UTime = { sec: 0, nsec: 0 };
  /** `utime_t new_last_in_change`: zero for no change. */
  newLastInChange: UTime = { sec: 0, nsec: 0 };

  // -- OSD-only part
  /** `map<int32_t, entity_addrvec_t> new_hb_back_up`. */
  newHbBackUp = new Map<number, EntityAddrVec>();
  /** `map<int32_t, epoch_t> new_up_thru`. */
  newUpThru = new Map<number, number>();
  /** `map<int32_t, pair<epoch_t,epoch_t>> new_last_clean_interval`. */
  newLastCleanInterval = new Map<number, [number, number]>();
  /** `map<int32_t, epoch_t> new_lost`. */
  newLost = new Map<number, number>();
  /** `map<entity_addr_t, utime_t> new_blocklist`. */
  newBlocklist: BlocklistEntry[] = [];
  /** `vector<entity_addr_t> old_blocklist`. */
  oldBlocklist: EntityAddr[] = [];
  /** `map<int32_t, entity_addrvec_t> new_up_cluster`. */
  newUpCluster = new Map<number, EntityAddrVec>();
  /** `string cluster_snapshot`. */
  clusterSnapshot = '';
  /** `map<int32_t, uuid_d> new_uuid`. */
  newUuid = new Map<number, string>();
  /** `map<int32_t, osd_xinfo_t> new_xinfo`. */
  newXinfo = new Map<number, OsdXInfo>();
  /** `map<int32_t, entity_addrvec_t> new_hb_front_up`. */
  newHbFrontUp = new Map<number, EntityAddrVec>();
  /** `uint64_t encode_features`: the features the sender encoded the incremental with. */
  encodeFeatures = 0n;
  /** `float new_nearfull_ratio`: -1 for no change. */
  newNearfullRatio = -1;
  /** `float new_full_ratio`: -1 for no change. */
  newFullRatio = -1;
  /** `float new_backfillfull_ratio`: -1 for no change. */
  newBackfillfullRatio = -1;
  /** `ceph_release_t new_require_min_compat_client`: 0 (unknown) for no change. */
  newRequireMinCompatClient = 0;
  /** `ceph_release_t new_require_osd_release`: 255 for no change. */
  newRequireOsdRelease = 255;
  /** `map<int32_t, uint32_t> new_crush_node_flags`. */
  newCrushNodeFlags = new Map<number, number>();
  /** `map<int32_t, uint32_t> new_device_class_flags`. */
  newDeviceClassFlags = new Map<number, number>();
  /** `bool change_stretch_mode`. */
  changeStretchMode = false;
  /** `uint32_t new_stretch_bucket_count`. */
  newStretchBucketCount = 0;
  /** `uint32_t new_degraded_stretch_mode`. */
  newDegradedStretchMode = 0;
  /** `uint32_t new_recovering_stretch_mode`. */
  newRecoveringStretchMode = 0;
  /** `int32_t new_stretch_mode_bucket`. */
  newStretchModeBucket = 0;
  /** `bool stretch_mode_enabled`. */
  stretchModeEnabled = false;
  /** `map<entity_addr_t, utime_t> new_range_blocklist`. */
  newRangeBlocklist: BlocklistEntry[] = [];
  /** `vector<entity_addr_t> old_range_blocklist`. */
  oldRangeBlocklist: EntityAddr[] = [];
  /** `uint8_t mutate_allow_crimson` (post-Pacific; kept if present). */
  mutateAllowCrimson = 0;

  // -- trailer
  /** `uint32_t inc_crc` as decoded (0 when absent). */
  incCrc = 0;
  /** `uint32_t full_crc`: crc of the full map this incremental produces. */
  fullCrc = 0;
  /** Whether the decoded form carried crcs (wrapper v8+). */
  haveCrc = false;

  constructor(epoch = 0) {
    this.epoch = epoch;
  }

  /** Decode an incremental from its own buffer (as carried in MOSDMap's incremental_maps). */
  static decode(buf: Buffer): OSDMapIncremental {
    return decodeOSDMapIncremental(buf);
  }

  /** Encode as Pacific does with its full feature set (client v8; OSD part v9..v11). */
  encode(): Buffer {
    const e = new Encoder(1024);
    const start = e.length;
    let crcAt = 0;
    e.struct(8, 7, (w) => {
      w.struct(8, 1, (b) => {
        encodeUuid(b, this.fsid);
        b.u32(this.epoch);
        encodeUTime(b, this.modified);
        b.i64(this.newPoolMax);
        b.i32(this.newFlags);
        b.buffer(this.fullMap ?? Buffer.alloc(0));
        b.buffer(this.crush ?? Buffer.alloc(0));
        b.i32(this.newMaxOsd);
        const poolIds = [...this.newPools.keys()].sort((x, y) => x - y);
        b.u32(poolIds.length);
        for (const id of poolIds) {
          b.i64(id);
          this.newPools.get(id)!.encode(b);
        }
        const nameIds = [...this.newPoolNames.keys()].sort((x, y) => x - y);
        b.u32(nameIds.length);
        for (const id of nameIds) b.i64(id).string(this.newPoolNames.get(id)!);
        const old = [...this.oldPools].sort((x, y) => x - y);
        b.u32(old.length);
        for (const id of old) b.i64(id);
        encodeI32Map(b, this.newUpClient, encodeEntityAddrVec);
        encodeI32Map(b, this.newState, (x, v) => x.u32(v));
        encodeI32Map(b, this.newWeight, (x, v) => x.u32(v));
        encodePgMap(b, this.newPgTemp, encodeI32Vector);
        encodePgMap(b, this.newPrimaryTemp, (x, v) => x.i32(v));
        encodeI32Map(b, this.newPrimaryAffinity, (x, v) => x.u32(v));
        encodeProfiles(b, this.newErasureCodeProfiles);
        b.list(this.oldErasureCodeProfiles, (x, s) => x.string(s));
        encodePgMap(b, this.newPgUpmap, encodeI32Vector);
        encodePgSet(b, this.oldPgUpmap);
        encodePgMap(b, this.newPgUpmapItems, encodeI32PairVector);
        encodePgSet(b, this.oldPgUpmapItems);
        encodePoolSnapSets(b, this.newRemovedSnaps);
        encodePoolSnapSets(b, this.newPurgedSnaps);
        encodeUTime(b, this.newLastUpChange);
        encodeUTime(b, this.newLastInChange);
      });
      let v = 9;
      if (this.changeStretchMode) v = 10;
      if (this.newRangeBlocklist.length || this.oldRangeBlocklist.length) v = 11;
      if (this.mutateAllowCrimson) v = 12;
      w.struct(v, 1, (b) => {
        encodeI32Map(b, this.newHbBackUp, encodeEntityAddrVec);
        encodeI32Map(b, this.newUpThru, (x, n) => x.u32(n));
        encodeI32Map(b, this.newLastCleanInterval, (x, [a, c]) => x.u32(a).u32(c));
        encodeI32Map(b, this.newLost, (x, n) => x.u32(n));
        encodeBlocklist(b, this.newBlocklist);
        encodeAddrList(b, this.oldBlocklist);
        encodeI32Map(b, this.newUpCluster, encodeEntityAddrVec);
        b.string(this.clusterSnapshot);
        encodeI32Map(b, this.newUuid, encodeUuid);
        encodeI32Map(b, this.newXinfo, encodeOsdXInfo);
        encodeI32Map(b, this.newHbFrontUp, encodeEntityAddrVec);
        b.u64(this.encodeFeatures);
        encodeFloat(b, this.newNearfullRatio);
        encodeFloat(b, this.newFullRatio);
        encodeFloat(b, this.newBackfillfullRatio);
        b.u8(this.newRequireMinCompatClient).u8(this.newRequireOsdRelease);
        encodeI32Map(b, this.newCrushNodeFlags, (x, n) => x.u32(n));
        encodeI32Map(b, this.newDeviceClassFlags, (x, n) => x.u32(n));
        if (v >= 10) {
          b.bool(this.changeStretchMode).u32(this.newStretchBucketCount);
          b.u32(this.newDegradedStretchMode).u32(this.newRecoveringStretchMode);
          b.i32(this.newStretchModeBucket).bool(this.stretchModeEnabled);
        }
        if (v >= 11) {
          encodeBlocklist(b, this.newRangeBlocklist);
          encodeAddrList(b, this.oldRangeBlocklist);
        }
        if (v >= 12) b.u8(this.mutateAllowCrimson);
      });
      crcAt = w.length;
      w.u32(0); // inc_crc, filled below
      w.u32(this.fullCrc);
    });
    const out = e.finish();
    const front = out.subarray(start, crcAt);
    let crc = cephCrc32c(0xffffffff, front);
    crc = cephCrc32c(crc, out.subarray(crcAt + 4));
    out.writeUInt32LE(crc, crcAt);
    this.incCrc = crc;
    this.haveCrc = true;
    return out;
  }
}

/** Decode an `OSDMap::Incremental` (throws EINVAL for pre-Luminous "classic" encodings, EBADMSG on a crc mismatch). */
export function decodeOSDMapIncremental(buf: Buffer): OSDMapIncremental {
  const d = new Decoder(buf);
  const inc = new OSDMapIncremental();
  const wrapperV = buf[0];
  if (wrapperV === undefined || wrapperV < 7) {
    throw new CephError(
      'EINVAL',
      `decode OSDMap::Incremental: classic encoding v${wrapperV} is not supported`,
    );
  }
  let crcAt = -1;
  let tailStart = -1;
  let end = -1;
  d.struct('OSDMap::Incremental', 7, (w, wrapperStructV) => {
    w.struct('OSDMap::Incremental client data', 9, (b, v) => decodeClientPart(inc, b, v));
    w.struct('OSDMap::Incremental osd data', 12, (b, v) => decodeOsdPart(inc, b, v));
    if (wrapperStructV >= 8) {
      crcAt = w.offset;
      inc.incCrc = w.u32();
      tailStart = w.offset;
      inc.fullCrc = w.u32();
      inc.haveCrc = true;
    }
    end = w.end;
  });
  if (inc.haveCrc) {
    let actual = cephCrc32c(0xffffffff, buf.subarray(0, crcAt));
    actual = cephCrc32c(actual, buf.subarray(tailStart, end));
    if (actual !== inc.incCrc) {
      throw new CephError('EBADMSG', `bad crc, actual ${actual} != expected ${inc.incCrc}`);
    }
  }
  return inc;
}

function decodeClientPart(inc: OSDMapIncremental, b: Decoder, v: number): void {
  inc.fsid = decodeUuid(b);
  inc.epoch = b.u32();
  inc.modified = decodeUTime(b);
  inc.newPoolMax = b.i64Number();
  inc.newFlags = b.i32();
  const full = b.buffer();
  if (full.length) inc.fullMap = full;
  const crush = b.buffer();
  if (crush.length) inc.crush = crush;
  inc.newMaxOsd = b.i32();
  inc.newPools = b.map(
    (x) => x.i64Number(),
    (x) => PgPool.decode(x),
  );
  inc.newPoolNames = b.map(
    (x) => x.i64Number(),
    (x) => x.string(),
  );
  inc.oldPools = b.list((x) => x.i64Number());
  inc.newUpClient = decodeI32Map(b, decodeEntityAddrVec);
  if (v >= 5) inc.newState = decodeI32Map(b, (x) => x.u32());
  else inc.newState = decodeI32Map(b, (x) => x.u8());
  inc.newWeight = decodeI32Map(b, (x) => x.u32());
  inc.newPgTemp = decodePgMap(b, decodeI32Vector);
  inc.newPrimaryTemp = decodePgMap(b, (x) => x.i32());
  if (v >= 2) inc.newPrimaryAffinity = decodeI32Map(b, (x) => x.u32());
  if (v >= 3) {
    inc.newErasureCodeProfiles = decodeProfiles(b);
    inc.oldErasureCodeProfiles = b.list((x) => x.string());
  }
  if (v >= 4) {
    inc.newPgUpmap = decodePgMap(b, decodeI32Vector);
    inc.oldPgUpmap = decodePgSet(b);
    inc.newPgUpmapItems = decodePgMap(b, decodeI32PairVector);
    inc.oldPgUpmapItems = decodePgSet(b);
  }
  if (v >= 6) {
    inc.newRemovedSnaps = decodePoolSnapSets(b);
    inc.newPurgedSnaps = decodePoolSnapSets(b);
  }
  if (v >= 8) {
    inc.newLastUpChange = decodeUTime(b);
    inc.newLastInChange = decodeUTime(b);
  }
  // v9 (Reef) adds pg_upmap_primary; Pacific ignores it and so do we
}

function decodeOsdPart(inc: OSDMapIncremental, b: Decoder, v: number): void {
  inc.newHbBackUp = decodeI32Map(b, decodeEntityAddrVec);
  inc.newUpThru = decodeI32Map(b, (x) => x.u32());
  inc.newLastCleanInterval = decodeI32Map(b, (x) => [x.u32(), x.u32()] as [number, number]);
  inc.newLost = decodeI32Map(b, (x) => x.u32());
  inc.newBlocklist = decodeBlocklist(b);
  inc.oldBlocklist = decodeAddrList(b);
  inc.newUpCluster = decodeI32Map(b, decodeEntityAddrVec);
  inc.clusterSnapshot = b.string();
  inc.newUuid = decodeI32Map(b, decodeUuid);
  inc.newXinfo = decodeI32Map(b, decodeOsdXInfo);
  inc.newHbFrontUp = decodeI32Map(b, decodeEntityAddrVec);
  if (v >= 2) inc.encodeFeatures = b.u64();
  if (v >= 3) {
    inc.newNearfullRatio = decodeFloat(b);
    inc.newFullRatio = decodeFloat(b);
  }
  if (v >= 4) inc.newBackfillfullRatio = decodeFloat(b);
  if (v === 5) {
    const name = b.string();
    if (name.length) inc.newRequireMinCompatClient = releaseFromName(name);
  }
  if (v >= 6) {
    inc.newRequireMinCompatClient = b.u8();
    inc.newRequireOsdRelease = b.u8();
  }
  if (v >= 8) inc.newCrushNodeFlags = decodeI32Map(b, (x) => x.u32());
  if (v >= 9) inc.newDeviceClassFlags = decodeI32Map(b, (x) => x.u32());
  if (v >= 10) {
    inc.changeStretchMode = b.bool();
    inc.newStretchBucketCount = b.u32();
    inc.newDegradedStretchMode = b.u32();
    inc.newRecoveringStretchMode = b.u32();
    inc.newStretchModeBucket = b.i32();
    inc.stretchModeEnabled = b.bool();
  }
  if (v >= 11) {
    inc.newRangeBlocklist = decodeBlocklist(b);
    inc.oldRangeBlocklist = decodeAddrList(b);
  }
  if (v >= 12) inc.mutateAllowCrimson = b.u8();
}

/** `ceph_release_from_name` for the string form of require_min_compat_client (struct v5). */
function releaseFromName(name: string): number {
  for (let r = 1; r <= CephRelease.PACIFIC; r++) if (cephReleaseName(r) === name) return r;
  return CephRelease.UNKNOWN;
}
