/**
 * `OSDMap`: the cluster's map of OSDs, pools and placement overrides, bit-
 * exact with Ceph Pacific 16.2.15 — decode of every modern encoding (wrapper
 * v7/v8, client part ≤ v10, OSD part ≤ v12), encode as Pacific writes it
 * (client v9, OSD v9/v10/v11, crc), incremental application, and the
 * placement pipeline the Objecter and `osdmaptool` use:
 *
 *   object name ─hash_key─▶ raw pg (seed = full 32-bit hash)
 *     ─raw_pg_to_pps─▶ placement seed ─CRUSH rule─▶ raw OSDs
 *     ─drop nonexistent─▶ ─pg_upmap / pg_upmap_items─▶ ─drop down─▶ up
 *     ─primary affinity─▶ up primary ─pg_temp / primary_temp─▶ acting
 *
 * Replicated pools close gaps in OSD lists; erasure pools keep positions and
 * fill holes with CRUSH_ITEM_NONE.
 */
import { CephError } from '../common/errors.js';
import { cephCrc32c } from '../common/crc32c.js';
import {
  CRUSH_HASH_RJENKINS1,
  crushDoRule,
  crushHash32_2,
  crushRuleExists,
  decodeCrushMap,
  emptyCrushMap,
  encodeCrushMap,
  type CrushMap,
} from '../crush/index.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import type { ObjectLocator, PgId } from '../encoding/osd-types.js';
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
import {
  CEPH_OSD_DEFAULT_PRIMARY_AFFINITY,
  CEPH_OSD_IN,
  CEPH_OSD_MAX_PRIMARY_AFFINITY,
  CEPH_OSD_OUT,
  CEPH_OSDMAP_LEGACY_REQUIRE_FLAGS,
  CRUSH_ITEM_NONE,
  CephRelease,
  OsdMapFlag,
  OsdState,
} from './constants.js';
import type { OSDMapIncremental } from './incremental.js';
import { decodePoolSnapSets, encodePoolSnapSets, SnapIntervalSet } from './interval-set.js';
import {
  addrsEqual,
  compareAddrs,
  decodeBlocklist,
  decodeFloat,
  decodeI32Map,
  decodeI32PairVector,
  decodeI32Vector,
  decodeOsdInfo,
  decodeOsdXInfo,
  decodePgMap,
  decodeProfiles,
  emptyOsdInfo,
  emptyOsdXInfo,
  encodeBlocklist,
  encodeFloat,
  encodeI32Map,
  encodeI32PairVector,
  encodeI32Vector,
  encodeOsdInfo,
  encodeOsdXInfo,
  encodePgMap,
  encodeProfiles,
  PgMap,
  type BlocklistEntry,
  type OsdInfo,
  type OsdXInfo,
} from './osd-types.js';
import { PgPool } from './pg-pool.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The up set, acting set and their primaries of one PG. */
export interface UpActing {
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
}

/** `OSDMap`. Fields keep Ceph's names in camelCase; per-OSD arrays have `maxOsd` entries. */
export class OSDMap {
  // -- client-usable part
  /** `uuid_d fsid`. */
  fsid = ZERO_UUID;
  /** `epoch_t epoch`. */
  epoch = 0;
  /** `utime_t created`. */
  created: UTime = { sec: 0, nsec: 0 };
  /** `utime_t modified`. */
  modified: UTime = { sec: 0, nsec: 0 };
  /** `map<int64_t, pg_pool_t> pools`. */
  pools = new Map<number, PgPool>();
  /** `map<int64_t, string> pool_name`. */
  poolNames = new Map<number, string>();
  /** `int32_t pool_max`: the highest pool id ever used. */
  poolMax = 0;
  /** `uint32_t flags`: OsdMapFlag bits. */
  flags = 0;
  /** `int32_t max_osd`: one past the highest OSD id. */
  maxOsd = 0;
  /** `vector<uint32_t> osd_state`: OsdState bits per OSD. */
  osdState: number[] = [];
  /** `vector<uint32_t> osd_weight`: reweight per OSD, 16.16 (0x10000 in, 0 out). */
  osdWeight: number[] = [];
  /** `client_addrs`: each OSD's public (client-facing) addresses. */
  clientAddrs: EntityAddrVec[] = [];
  /** `PGTempMap pg_temp`: acting-set overrides while a PG backfills. */
  pgTemp = new PgMap<number[]>();
  /** `map<pg_t, int32_t> primary_temp`: acting-primary overrides. */
  primaryTemp = new PgMap<number>();
  /** `vector<uint32_t> osd_primary_affinity` (16.16), or undefined when every OSD has the default. */
  osdPrimaryAffinity: number[] | undefined;
  /** The CRUSH map, decoded (an empty map in a fresh OSDMap). */
  crush: CrushMap = emptyCrushMap();
  /** The CRUSH map as encoded in the map (re-encoded only when replaced). */
  crushBuf: Buffer = encodeCrushMap(this.crush);
  /** `map<string, map<string,string>> erasure_code_profiles`. */
  erasureCodeProfiles = new Map<string, Map<string, string>>();
  /** `map<pg_t, vector<int32_t>> pg_upmap`: explicit raw mappings. */
  pgUpmap = new PgMap<number[]>();
  /** `map<pg_t, vector<pair<int32_t,int32_t>>> pg_upmap_items`: from → to OSD replacements. */
  pgUpmapItems = new PgMap<[number, number][]>();
  /** `uint32_t crush_version`. */
  crushVersion = 1;
  /** `map<int64_t, snap_interval_set_t> new_removed_snaps`: removed in this epoch. */
  newRemovedSnaps = new Map<number, SnapIntervalSet>();
  /** `map<int64_t, snap_interval_set_t> new_purged_snaps`: purged in this epoch. */
  newPurgedSnaps = new Map<number, SnapIntervalSet>();
  /** `utime_t last_up_change`. */
  lastUpChange: UTime = { sec: 0, nsec: 0 };
  /** `utime_t last_in_change`. */
  lastInChange: UTime = { sec: 0, nsec: 0 };

  // -- OSD-only part
  /** `hb_back_addrs`: heartbeat addresses on the cluster network. */
  hbBackAddrs: EntityAddrVec[] = [];
  /** `vector<osd_info_t> osd_info`. */
  osdInfo: OsdInfo[] = [];
  /** `blocklist`: client addresses refused by the OSDs, in the encoded (memcmp) order. */
  blocklist: BlocklistEntry[] = [];
  /** `cluster_addrs`: each OSD's cluster-network addresses. */
  clusterAddrs: EntityAddrVec[] = [];
  /** `epoch_t cluster_snapshot_epoch`. */
  clusterSnapshotEpoch = 0;
  /** `string cluster_snapshot`. */
  clusterSnapshot = '';
  /** `vector<uuid_d> osd_uuid`. */
  osdUuid: string[] = [];
  /** `vector<osd_xinfo_t> osd_xinfo`. */
  osdXinfo: OsdXInfo[] = [];
  /** `hb_front_addrs`: heartbeat addresses on the public network. */
  hbFrontAddrs: EntityAddrVec[] = [];
  /** `float nearfull_ratio`. */
  nearfullRatio = 0;
  /** `float full_ratio`. */
  fullRatio = 0;
  /** `float backfillfull_ratio`. */
  backfillfullRatio = 0;
  /** `ceph_release_t require_min_compat_client`. */
  requireMinCompatClient = 0;
  /** `ceph_release_t require_osd_release`. */
  requireOsdRelease = 0;
  /** `map<int64_t, snap_interval_set_t> removed_snaps_queue`: removed snaps not yet purged. */
  removedSnapsQueue = new Map<number, SnapIntervalSet>();
  /** `map<int32_t, uint32_t> crush_node_flags`: OsdState flags on CRUSH subtrees. */
  crushNodeFlags = new Map<number, number>();
  /** `map<int32_t, uint32_t> device_class_flags`: OsdState flags on device classes. */
  deviceClassFlags = new Map<number, number>();
  /** `bool stretch_mode_enabled`. */
  stretchModeEnabled = false;
  /** `uint32_t stretch_bucket_count`. */
  stretchBucketCount = 0;
  /** `uint32_t degraded_stretch_mode`. */
  degradedStretchMode = 0;
  /** `uint32_t recovering_stretch_mode`. */
  recoveringStretchMode = 0;
  /** `int32_t stretch_mode_bucket`. */
  stretchModeBucket = 0;
  /** `map<entity_addr_t, utime_t> range_blocklist`: CIDR blocklist entries. */
  rangeBlocklist: BlocklistEntry[] = [];
  /** `bool allow_crimson` (post-Pacific; kept if present). */
  allowCrimson = false;
  /** `uint32_t crc` of the encoding this map was decoded from (or last encoded to). */
  crc = 0;
  /** Whether `crc` is defined (wrapper v8+). */
  crcDefined = false;

  // ------------------------------------------------------------------------
  // decode / encode

  /** Decode a full map (`ceph osd getmap`, `osdmaptool` files, MOSDMap full maps). Throws CephError on bad input. */
  static decode(buf: Buffer): OSDMap {
    const m = new OSDMap();
    m.decodeFrom(buf);
    return m;
  }

  private decodeFrom(buf: Buffer): void {
    const wrapperV = buf[0];
    if (wrapperV === undefined || wrapperV < 7) {
      throw new CephError(
        'EINVAL',
        `decode OSDMap: classic (pre-Luminous) encoding v${wrapperV} is not supported`,
      );
    }
    const d = new Decoder(buf);
    let crcAt = -1;
    let tailStart = -1;
    let end = -1;
    d.struct('OSDMap', 7, (w, wrapperStructV) => {
      w.struct('OSDMap client data', 10, (b, v) => this.decodeClientPart(b, v));
      w.struct('OSDMap osd data', 12, (b, v) => this.decodeOsdPart(b, v));
      if (wrapperStructV >= 8) {
        crcAt = w.offset;
        this.crc = w.u32();
        tailStart = w.offset;
        this.crcDefined = true;
      }
      end = w.end;
    });
    if (this.crcDefined) {
      let actual = cephCrc32c(0xffffffff, buf.subarray(0, crcAt));
      if (tailStart < end) actual = cephCrc32c(actual, buf.subarray(tailStart, end));
      if (actual !== this.crc)
        throw new CephError('EBADMSG', `bad crc, actual ${actual} != expected ${this.crc}`);
    }
  }

  private decodeClientPart(b: Decoder, v: number): void {
    this.fsid = decodeUuid(b);
    this.epoch = b.u32();
    this.created = decodeUTime(b);
    this.modified = decodeUTime(b);
    this.pools = b.map(
      (x) => x.i64Number(),
      (x) => PgPool.decode(x),
    );
    this.poolNames = b.map(
      (x) => x.i64Number(),
      (x) => x.string(),
    );
    this.poolMax = b.i32();
    this.flags = b.u32();
    this.maxOsd = b.i32();
    this.osdState = v >= 5 ? b.list((x) => x.u32()) : b.list((x) => x.u8());
    this.osdWeight = b.list((x) => x.u32());
    this.clientAddrs = b.list(decodeEntityAddrVec);
    this.pgTemp = decodePgMap(b, decodeI32Vector);
    this.primaryTemp = decodePgMap(b, (x) => x.i32());
    if (v >= 2) {
      const pa = b.list((x) => x.u32());
      this.osdPrimaryAffinity = pa.length ? pa : undefined;
    }
    this.crushBuf = Buffer.from(b.buffer());
    this.crush = decodeCrushMap(this.crushBuf);
    if (v >= 3) this.erasureCodeProfiles = decodeProfiles(b);
    if (v >= 4) {
      this.pgUpmap = decodePgMap(b, decodeI32Vector);
      this.pgUpmapItems = decodePgMap(b, decodeI32PairVector);
    }
    if (v >= 6) this.crushVersion = b.u32();
    if (v >= 7) {
      this.newRemovedSnaps = decodePoolSnapSets(b);
      this.newPurgedSnaps = decodePoolSnapSets(b);
    }
    if (v >= 9) {
      this.lastUpChange = decodeUTime(b);
      this.lastInChange = decodeUTime(b);
    }
    // v10 (Reef) adds pg_upmap_primaries, which Pacific does not know
  }

  private decodeOsdPart(b: Decoder, v: number): void {
    this.hbBackAddrs = b.list(decodeEntityAddrVec);
    this.osdInfo = b.list(decodeOsdInfo);
    this.blocklist = decodeBlocklist(b);
    this.clusterAddrs = b.list(decodeEntityAddrVec);
    this.clusterSnapshotEpoch = b.u32();
    this.clusterSnapshot = b.string();
    this.osdUuid = b.list(decodeUuid);
    this.osdXinfo = b.list(decodeOsdXInfo);
    this.hbFrontAddrs = b.list(decodeEntityAddrVec);
    if (v >= 2) {
      this.nearfullRatio = decodeFloat(b);
      this.fullRatio = decodeFloat(b);
    }
    if (v >= 3) this.backfillfullRatio = decodeFloat(b);
    if (v === 4) b.string(); // string-based require_min_compat_client of 12.1.x
    if (v >= 5) {
      this.requireMinCompatClient = b.u8();
      this.requireOsdRelease = b.u8();
      if (this.requireOsdRelease >= CephRelease.NAUTILUS) this.flags |= OsdMapFlag.PGLOG_HARDLIMIT;
      if (this.requireOsdRelease >= CephRelease.LUMINOUS) {
        this.flags &= ~CEPH_OSDMAP_LEGACY_REQUIRE_FLAGS;
        this.flags |= OsdMapFlag.RECOVERY_DELETES;
      }
    }
    if (v >= 6) this.removedSnapsQueue = decodePoolSnapSets(b);
    if (v >= 8) this.crushNodeFlags = decodeI32Map(b, (x) => x.u32());
    if (v >= 9) this.deviceClassFlags = decodeI32Map(b, (x) => x.u32());
    if (v >= 10) {
      this.stretchModeEnabled = b.bool();
      this.stretchBucketCount = b.u32();
      this.degradedStretchMode = b.u32();
      this.recoveringStretchMode = b.u32();
      this.stretchModeBucket = b.i32();
    }
    if (v >= 11) this.rangeBlocklist = decodeBlocklist(b);
    if (v >= 12) this.allowCrimson = b.bool();
  }

  /**
   * Encode as Pacific does with its default feature set (`osdmaptool`, the
   * monitor's canonical form): pools v29/v30, client part v9, OSD part v9
   * (v10 in stretch mode, v11 with range blocklist entries), and the crc.
   * Other feature sets are not supported (`features` is accepted for API
   * symmetry and must be omitted).
   */
  encode(features?: bigint): Buffer {
    if (features !== undefined) {
      throw new CephError('EOPNOTSUPP', 'OSDMap.encode: only the default Pacific feature set is supported');
    }
    const e = new Encoder(4096 + this.crushBuf.length);
    let crcAt = 0;
    e.struct(8, 7, (w) => {
      w.struct(9, 1, (b) => this.encodeClientPart(b));
      let v = 9;
      if (this.stretchModeEnabled) v = 10;
      if (this.rangeBlocklist.length) v = 11;
      if (this.allowCrimson) v = 12;
      w.struct(v, 1, (b) => this.encodeOsdPart(b, v));
      crcAt = w.length;
      w.u32(0);
    });
    const out = e.finish();
    const crc = cephCrc32c(0xffffffff, out.subarray(0, crcAt));
    out.writeUInt32LE(crc, crcAt);
    this.crc = crc;
    this.crcDefined = true;
    return out;
  }

  private encodeClientPart(b: Encoder): void {
    encodeUuid(b, this.fsid);
    b.u32(this.epoch);
    encodeUTime(b, this.created);
    encodeUTime(b, this.modified);
    const poolIds = [...this.pools.keys()].sort((x, y) => x - y);
    b.u32(poolIds.length);
    for (const id of poolIds) {
      b.i64(id);
      this.pools.get(id)!.encode(b);
    }
    const nameIds = [...this.poolNames.keys()].sort((x, y) => x - y);
    b.u32(nameIds.length);
    for (const id of nameIds) b.i64(id).string(this.poolNames.get(id)!);
    b.i32(this.poolMax);
    b.u32(this.flags);
    b.i32(this.maxOsd);
    b.list(this.osdState, (x, s) => x.u32(s));
    b.list(this.osdWeight, (x, w) => x.u32(w));
    b.list(this.clientAddrs, encodeEntityAddrVec);
    encodePgMap(b, this.pgTemp, encodeI32Vector);
    encodePgMap(b, this.primaryTemp, (x, o) => x.i32(o));
    b.list(this.osdPrimaryAffinity ?? [], (x, a) => x.u32(a));
    b.buffer(this.crushBuf);
    encodeProfiles(b, this.erasureCodeProfiles);
    encodePgMap(b, this.pgUpmap, encodeI32Vector);
    encodePgMap(b, this.pgUpmapItems, encodeI32PairVector);
    b.u32(this.crushVersion);
    encodePoolSnapSets(b, this.newRemovedSnaps);
    encodePoolSnapSets(b, this.newPurgedSnaps);
    encodeUTime(b, this.lastUpChange);
    encodeUTime(b, this.lastInChange);
  }

  private encodeOsdPart(b: Encoder, v: number): void {
    b.list(this.hbBackAddrs, encodeEntityAddrVec);
    b.list(this.osdInfo, encodeOsdInfo);
    encodeBlocklist(b, this.blocklist);
    b.list(this.clusterAddrs, encodeEntityAddrVec);
    b.u32(this.clusterSnapshotEpoch);
    b.string(this.clusterSnapshot);
    b.list(this.osdUuid, encodeUuid);
    b.list(this.osdXinfo, encodeOsdXInfo);
    b.list(this.hbFrontAddrs, encodeEntityAddrVec);
    encodeFloat(b, this.nearfullRatio);
    encodeFloat(b, this.fullRatio);
    encodeFloat(b, this.backfillfullRatio);
    b.u8(this.requireMinCompatClient).u8(this.requireOsdRelease);
    encodePoolSnapSets(b, this.removedSnapsQueue);
    encodeI32Map(b, this.crushNodeFlags, (x, f) => x.u32(f));
    encodeI32Map(b, this.deviceClassFlags, (x, f) => x.u32(f));
    if (v >= 10) {
      b.bool(this.stretchModeEnabled).u32(this.stretchBucketCount).u32(this.degradedStretchMode);
      b.u32(this.recoveringStretchMode).i32(this.stretchModeBucket);
    }
    if (v >= 11) encodeBlocklist(b, this.rangeBlocklist);
    if (v >= 12) b.bool(this.allowCrimson);
  }

  /** Replace the CRUSH map with an encoded one (what `inc.crush` and `--import-crush` do). */
  setCrushBuffer(buf: Buffer): void {
    this.crush = decodeCrushMap(buf);
    this.crushBuf = Buffer.from(buf);
  }

  /** Replace the CRUSH map with a decoded one; it is encoded now so the map's bytes follow it. */
  setCrush(map: CrushMap): void {
    this.crush = map;
    this.crushBuf = Buffer.from(encodeCrushMap(map));
  }

  // ------------------------------------------------------------------------
  // per-OSD state

  /** `set_max_osd`: grow or shrink every per-OSD vector; new OSDs do not exist and are out. */
  setMaxOsd(m: number): void {
    const grow = <T>(arr: T[], fill: () => T): T[] => {
      const out = arr.slice(0, m);
      while (out.length < m) out.push(fill());
      return out;
    };
    this.maxOsd = m;
    this.osdState = grow(this.osdState, () => 0);
    this.osdWeight = grow(this.osdWeight, () => CEPH_OSD_OUT);
    this.osdInfo = grow(this.osdInfo, emptyOsdInfo);
    this.osdXinfo = grow(this.osdXinfo, emptyOsdXInfo);
    this.clientAddrs = grow(this.clientAddrs, () => []);
    this.clusterAddrs = grow(this.clusterAddrs, () => []);
    this.hbBackAddrs = grow(this.hbBackAddrs, () => []);
    this.hbFrontAddrs = grow(this.hbFrontAddrs, () => []);
    this.osdUuid = grow(this.osdUuid, () => ZERO_UUID);
    if (this.osdPrimaryAffinity) {
      this.osdPrimaryAffinity = grow(this.osdPrimaryAffinity, () => CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
    }
  }

  exists(osd: number): boolean {
    return osd >= 0 && osd < this.maxOsd && (this.osdState[osd]! & OsdState.EXISTS) !== 0;
  }

  isUp(osd: number): boolean {
    return this.exists(osd) && (this.osdState[osd]! & OsdState.UP) !== 0;
  }

  /** `is_down`: not up (including OSDs that do not exist). */
  isDown(osd: number): boolean {
    return !this.isUp(osd);
  }

  isDestroyed(osd: number): boolean {
    return this.exists(osd) && (this.osdState[osd]! & OsdState.DESTROYED) !== 0;
  }

  /** `is_out`: nonexistent, or weight 0. */
  isOut(osd: number): boolean {
    return !this.exists(osd) || this.getWeight(osd) === CEPH_OSD_OUT;
  }

  isIn(osd: number): boolean {
    return !this.isOut(osd);
  }

  getState(osd: number): number {
    return this.osdState[osd] ?? 0;
  }

  setState(osd: number, state: number): void {
    this.osdState[osd] = state >>> 0;
  }

  /** `get_weight`: the 16.16 reweight. */
  getWeight(osd: number): number {
    return this.osdWeight[osd] ?? CEPH_OSD_OUT;
  }

  /** `get_weightf`: the reweight as the float Ceph computes. */
  getWeightf(osd: number): number {
    return Math.fround(this.getWeight(osd) / CEPH_OSD_IN);
  }

  /** `set_weight`: a nonzero weight also marks the OSD as existing. */
  setWeight(osd: number, w: number): void {
    this.osdWeight[osd] = w >>> 0;
    if (w) this.osdState[osd] = (this.osdState[osd]! | OsdState.EXISTS) >>> 0;
  }

  getPrimaryAffinity(osd: number): number {
    return this.osdPrimaryAffinity?.[osd] ?? CEPH_OSD_DEFAULT_PRIMARY_AFFINITY;
  }

  getPrimaryAffinityf(osd: number): number {
    return Math.fround(this.getPrimaryAffinity(osd) / CEPH_OSD_MAX_PRIMARY_AFFINITY);
  }

  /** `set_primary_affinity`: the vector appears on the first non-default value. */
  setPrimaryAffinity(osd: number, a: number): void {
    if (!this.osdPrimaryAffinity) {
      this.osdPrimaryAffinity = new Array<number>(this.maxOsd).fill(CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
    }
    this.osdPrimaryAffinity[osd] = a >>> 0;
  }

  /** `get_addrs`: the OSD's public addresses (empty when unknown). */
  getAddrs(osd: number): EntityAddrVec {
    return this.clientAddrs[osd] ?? [];
  }

  getClusterAddrs(osd: number): EntityAddrVec {
    return this.clusterAddrs[osd] ?? [];
  }

  getInfo(osd: number): OsdInfo {
    return this.osdInfo[osd] ?? emptyOsdInfo();
  }

  getUuid(osd: number): string {
    return this.osdUuid[osd] ?? ZERO_UUID;
  }

  /** Number of OSDs that exist / are up / are in (`calc_num_osds`). */
  get numOsds(): number {
    let n = 0;
    for (let i = 0; i < this.maxOsd; i++) if (this.exists(i)) n++;
    return n;
  }

  get numUpOsds(): number {
    let n = 0;
    for (let i = 0; i < this.maxOsd; i++) if (this.exists(i) && this.isUp(i)) n++;
    return n;
  }

  get numInOsds(): number {
    let n = 0;
    for (let i = 0; i < this.maxOsd; i++) if (this.exists(i) && this.getWeight(i) !== CEPH_OSD_OUT) n++;
    return n;
  }

  testFlag(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** `get_cluster_snapshot`: the snapshot name, only in the epoch it was taken. */
  getClusterSnapshot(): string {
    return this.clusterSnapshotEpoch === this.epoch ? this.clusterSnapshot : '';
  }

  // ------------------------------------------------------------------------
  // pools

  getPool(id: number): PgPool | undefined {
    return this.pools.get(id);
  }

  /** Alias of getPool with Ceph's name. */
  getPgPool(id: number): PgPool | undefined {
    return this.pools.get(id);
  }

  havePgPool(id: number): boolean {
    return this.pools.has(id);
  }

  /** `lookup_pg_pool_name`: the pool id, or -1 (Ceph's -ENOENT is reported as -1 here). */
  lookupPool(name: string): number {
    for (const [id, n] of this.poolNames) if (n === name) return id;
    return -1;
  }

  getPoolName(id: number): string | undefined {
    return this.poolNames.get(id);
  }

  // ------------------------------------------------------------------------
  // blocklist

  /**
   * `is_blocklisted(addr)`: the exact instance (as type ANY, or LEGACY before
   * Nautilus), the whole IP (port and nonce 0), or a range entry matches.
   */
  isBlocklisted(addr: EntityAddr | EntityAddrVec): boolean {
    if (Array.isArray(addr)) return addr.some((a) => this.isBlocklisted(a));
    if (this.blocklist.length === 0 && this.rangeBlocklist.length === 0) return false;
    const a: EntityAddr = { ...(addr as EntityAddr) };
    a.type = this.requireOsdRelease < CephRelease.NAUTILUS ? 1 : 3; // TYPE_LEGACY : TYPE_ANY
    if (this.blocklist.some((b) => addrsEqual(b.addr, a))) return true;
    if (a.family === 2 || a.family === 10) {
      const ipOnly = { ...a, port: 0, nonce: 0 };
      if (this.blocklist.some((b) => addrsEqual(b.addr, ipOnly))) return true;
    }
    return this.rangeBlocklist.some((r) => rangeMatches(r.addr, a));
  }

  // ------------------------------------------------------------------------
  // placement

  /**
   * `object_locator_to_pg`: the raw pg of an object (seed = the full hash).
   * Throws ENOENT when the pool does not exist.
   */
  objectLocatorToPg(oid: string | Uint8Array, loc: ObjectLocator): PgId {
    const pool = this.pools.get(loc.pool);
    if (!pool) throw new CephError('ENOENT', `pool ${loc.pool} does not exist`);
    if (loc.hash >= 0) return { pool: loc.pool, seed: loc.hash >>> 0 };
    const key = loc.key.length ? loc.key : oid;
    return { pool: loc.pool, seed: pool.hashKey(key, loc.nspace) };
  }

  /** `raw_pg_to_pg`: fold a raw pg by its pool's pg_num (unchanged if the pool is gone). */
  rawPgToPg(pg: PgId): PgId {
    const pool = this.pools.get(pg.pool);
    return pool ? pool.rawPgToPg(pg) : { ...pg };
  }

  /** `_pg_to_raw_osds`: CRUSH's answer for the pg, nonexistent OSDs removed; also the placement seed. */
  private pgToRawOsdsWithPps(pool: PgPool, pg: PgId): { raw: number[]; pps: number } {
    const pps = pool.rawPgToPps(pg);
    let raw: number[] = [];
    const rule = pool.crushRule;
    if (rule >= 0 && crushRuleExists(this.crush, rule)) {
      raw = crushDoRule(this.crush, rule, pps, pool.size, this.osdWeight, pg.pool);
    }
    return { raw: this.removeNonexistentOsds(pool, raw), pps };
  }

  private removeNonexistentOsds(pool: PgPool, osds: number[]): number[] {
    if (pool.canShiftOsds()) return osds.filter((o) => this.exists(o));
    return osds.map((o) => (this.exists(o) ? o : CRUSH_ITEM_NONE));
  }

  /** `pg_to_raw_osds`: CRUSH output (nonexistent OSDs removed) and its first OSD. */
  pgToRawOsds(pg: PgId): { raw: number[]; primary: number } {
    const pool = this.pools.get(pg.pool);
    if (!pool) return { raw: [], primary: -1 };
    const { raw } = this.pgToRawOsdsWithPps(pool, pg);
    return { raw, primary: pickPrimary(raw) };
  }

  /** `_apply_upmap`: pg_upmap replaces the raw set (unless a target is out); pg_upmap_items swap single OSDs. */
  private applyUpmap(pool: PgPool, rawPg: PgId, raw: number[]): number[] {
    const pg = pool.rawPgToPg(rawPg);
    let out = raw;
    const explicit = this.pgUpmap.get(pg);
    if (explicit) {
      // a target marked out voids the explicit mapping and the items too
      const rejected = explicit.some(
        (o) => o !== CRUSH_ITEM_NONE && o >= 0 && o < this.maxOsd && this.osdWeight[o] === 0,
      );
      if (rejected) return raw;
      out = [...explicit];
    }
    const items = this.pgUpmapItems.get(pg);
    if (items) {
      out = [...out];
      for (const [from, to] of items) {
        let exists = false;
        let pos = -1;
        const targetOut = to !== CRUSH_ITEM_NONE && to >= 0 && to < this.maxOsd && this.osdWeight[to] === 0;
        for (let i = 0; i < out.length; i++) {
          const o = out[i]!;
          if (o === to) {
            exists = true;
            break;
          }
          if (o === from && pos < 0 && !targetOut) pos = i;
        }
        if (!exists && pos >= 0) out[pos] = to;
      }
    }
    return out;
  }

  /** `_raw_to_up_osds`: drop down OSDs (replicated) or blank them (erasure). */
  private rawToUpOsds(pool: PgPool, raw: number[]): number[] {
    if (pool.canShiftOsds()) return raw.filter((o) => this.exists(o) && !this.isDown(o));
    return raw.map((o) => (this.exists(o) && !this.isDown(o) ? o : CRUSH_ITEM_NONE));
  }

  /**
   * `_apply_primary_affinity`: an OSD with affinity a < 1 stays primary for
   * about a of its PGs; a replicated pool moves the chosen primary to the front.
   */
  private applyPrimaryAffinity(seed: number, pool: PgPool, osds: number[], primary: number): number {
    const aff = this.osdPrimaryAffinity;
    if (!aff) return primary;
    if (!osds.some((o) => o !== CRUSH_ITEM_NONE && aff[o] !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY))
      return primary;
    let pos = -1;
    for (let i = 0; i < osds.length; i++) {
      const o = osds[i]!;
      if (o === CRUSH_ITEM_NONE) continue;
      const a = aff[o]!;
      if (a < CEPH_OSD_MAX_PRIMARY_AFFINITY && crushHash32_2(CRUSH_HASH_RJENKINS1, seed, o) >>> 16 >= a) {
        if (pos < 0) pos = i; // rejected, but remember it as the fallback
      } else {
        pos = i;
        break;
      }
    }
    if (pos < 0) return primary;
    const chosen = osds[pos]!;
    if (pool.canShiftOsds() && pos > 0) {
      for (let i = pos; i > 0; i--) osds[i] = osds[i - 1]!;
      osds[0] = chosen;
    }
    return chosen;
  }

  /** `_get_temp_osds`: the pg_temp acting set (down/nonexistent removed or blanked) and its primary. */
  private getTempOsds(pool: PgPool, rawPg: PgId): { temp: number[]; tempPrimary: number } {
    const pg = pool.rawPgToPg(rawPg);
    const temp: number[] = [];
    const entry = this.pgTemp.get(pg);
    if (entry) {
      for (const o of entry) {
        if (!this.exists(o) || this.isDown(o)) {
          if (!pool.canShiftOsds()) temp.push(CRUSH_ITEM_NONE);
        } else {
          temp.push(o);
        }
      }
    }
    let tempPrimary = -1;
    const pt = this.primaryTemp.get(pg);
    if (pt !== undefined) tempPrimary = pt;
    else tempPrimary = temp.find((o) => o !== CRUSH_ITEM_NONE) ?? -1;
    return { temp, tempPrimary };
  }

  /** `pg_to_raw_upmap`: raw OSDs with upmaps applied. */
  pgToRawUpmap(pg: PgId): { raw: number[]; rawUpmap: number[] } {
    const pool = this.pools.get(pg.pool);
    if (!pool) return { raw: [], rawUpmap: [] };
    const { raw } = this.pgToRawOsdsWithPps(pool, pg);
    return { raw, rawUpmap: this.applyUpmap(pool, pg, raw) };
  }

  /** `pg_to_raw_up`: the up set without pg_temp, and its primary (primary affinity applied). */
  pgToRawUp(pg: PgId): { up: number[]; primary: number } {
    const pool = this.pools.get(pg.pool);
    if (!pool) return { up: [], primary: -1 };
    const { raw: crushRaw, pps } = this.pgToRawOsdsWithPps(pool, pg);
    const raw = this.applyUpmap(pool, pg, crushRaw);
    const up = this.rawToUpOsds(pool, raw);
    const primary = this.applyPrimaryAffinity(pps, pool, up, pickPrimary(raw));
    return { up, primary };
  }

  /**
   * `pg_to_up_acting_osds`: the up and acting sets of a pg (raw or folded;
   * it is folded by pg_num here). An unknown pool gives empty sets and -1.
   */
  pgToUpActing(pg: PgId): UpActing {
    const pool = this.pools.get(pg.pool);
    if (!pool) return { up: [], upPrimary: -1, acting: [], actingPrimary: -1 };
    const { temp, tempPrimary } = this.getTempOsds(pool, pg);
    const { raw: crushRaw, pps } = this.pgToRawOsdsWithPps(pool, pg);
    const raw = this.applyUpmap(pool, pg, crushRaw);
    const up = this.rawToUpOsds(pool, raw);
    const upPrimary = this.applyPrimaryAffinity(pps, pool, up, pickPrimary(up));
    let acting = temp;
    let actingPrimary = tempPrimary;
    if (acting.length === 0) {
      acting = [...up];
      if (actingPrimary === -1) actingPrimary = upPrimary;
    }
    return { up, upPrimary, acting, actingPrimary };
  }

  /** `pg_to_acting_osds`. */
  pgToActingOsds(pg: PgId): { acting: number[]; primary: number } {
    const r = this.pgToUpActing(pg);
    return { acting: r.acting, primary: r.actingPrimary };
  }

  /**
   * `get_primary_shard`: the acting primary of `pg` and the spg_t to address
   * it with — the pg as given and NO_SHARD (-1) for a replicated pool, the
   * primary's position in the acting set for an EC pool. Undefined when the
   * pool does not exist, or (EC) when no acting OSD is the primary.
   */
  getPrimaryShard(pg: PgId): { primary: number; pgid: PgId; shard: number } | undefined {
    const pool = this.pools.get(pg.pool);
    if (!pool) return undefined;
    const { acting, actingPrimary } = this.pgToUpActing(pg);
    if (!pool.isErasure()) return { primary: actingPrimary, pgid: { ...pg }, shard: -1 };
    const shard = acting.indexOf(actingPrimary);
    return shard < 0 ? undefined : { primary: actingPrimary, pgid: { ...pg }, shard };
  }

  // ------------------------------------------------------------------------
  // incrementals

  /**
   * `apply_incremental`: advance this map to `inc.epoch` (which must be
   * epoch+1; epoch 1 adopts the incremental's fsid). Throws EINVAL on an fsid
   * or epoch mismatch. A full map inside the incremental replaces everything.
   */
  applyIncremental(inc: OSDMapIncremental): void {
    if (inc.epoch === 1) this.fsid = inc.fsid;
    else if (inc.fsid !== this.fsid)
      throw new CephError('EINVAL', `incremental fsid ${inc.fsid} != ${this.fsid}`);
    if (inc.epoch !== this.epoch + 1) {
      throw new CephError('EINVAL', `incremental epoch ${inc.epoch} does not follow ${this.epoch}`);
    }
    this.epoch++;
    this.modified = { ...inc.modified };

    if (inc.fullMap && inc.fullMap.length) {
      const fresh = OSDMap.decode(inc.fullMap);
      Object.assign(this, fresh);
      return;
    }

    if (inc.newFlags >= 0) {
      this.flags = inc.newFlags >>> 0;
      if (this.flags & OsdMapFlag.REQUIRE_KRAKEN) {
        if (this.requireOsdRelease < CephRelease.KRAKEN) this.requireOsdRelease = CephRelease.KRAKEN;
      } else if (this.flags & OsdMapFlag.REQUIRE_JEWEL) {
        if (this.requireOsdRelease < CephRelease.JEWEL) this.requireOsdRelease = CephRelease.JEWEL;
      }
    }
    if (inc.newMaxOsd >= 0) this.setMaxOsd(inc.newMaxOsd);
    if (inc.newPoolMax !== -1) this.poolMax = inc.newPoolMax;

    for (const [id, pool] of inc.newPools) {
      const p = pool.clone();
      p.lastChange = this.epoch;
      this.pools.set(id, p);
    }

    this.newRemovedSnaps = cloneSnapSets(inc.newRemovedSnaps);
    this.newPurgedSnaps = cloneSnapSets(inc.newPurgedSnaps);
    for (const [pool, set] of this.newRemovedSnaps) {
      const q = this.removedSnapsQueue.get(pool) ?? new SnapIntervalSet();
      q.unionOf(set);
      this.removedSnapsQueue.set(pool, q);
    }
    for (const [pool, set] of this.newPurgedSnaps) {
      const q = this.removedSnapsQueue.get(pool);
      if (!q) throw new CephError('EINVAL', `purged snaps for pool ${pool} that has no removed_snaps_queue`);
      q.subtract(set);
      if (q.empty) this.removedSnapsQueue.delete(pool);
    }

    if (!isZeroTime(inc.newLastUpChange)) this.lastUpChange = { ...inc.newLastUpChange };
    if (!isZeroTime(inc.newLastInChange)) this.lastInChange = { ...inc.newLastInChange };

    for (const [id, name] of inc.newPoolNames) this.poolNames.set(id, name);
    for (const id of inc.oldPools) {
      this.pools.delete(id);
      this.poolNames.delete(id);
    }

    for (const [osd, w] of inc.newWeight) {
      this.setWeight(osd, w);
      // marking in clears AUTOOUT and NEW and forgets the pre-out weight
      if (w) {
        this.osdState[osd] = (this.osdState[osd]! & ~(OsdState.AUTOOUT | OsdState.NEW)) >>> 0;
        this.osdXinfo[osd]!.oldWeight = 0;
      }
    }

    for (const [osd, a] of inc.newPrimaryAffinity) this.setPrimaryAffinity(osd, a);

    for (const name of inc.oldErasureCodeProfiles) this.erasureCodeProfiles.delete(name);
    for (const [name, profile] of inc.newErasureCodeProfiles) {
      this.erasureCodeProfiles.set(name, new Map(profile));
    }

    for (const [osd, bits] of inc.newState) {
      const s = bits ? bits : OsdState.UP;
      const cur = this.osdState[osd]!;
      if (cur & OsdState.UP && s & OsdState.UP) {
        this.osdInfo[osd]!.downAt = this.epoch;
        this.osdXinfo[osd]!.downStamp = { ...this.modified };
      }
      if (cur & OsdState.EXISTS && s & OsdState.EXISTS) {
        // the OSD is destroyed: forget everything about it
        this.osdUuid[osd] = ZERO_UUID;
        this.osdInfo[osd] = emptyOsdInfo();
        this.osdXinfo[osd] = emptyOsdXInfo();
        this.setPrimaryAffinity(osd, CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
        this.clientAddrs[osd] = [];
        this.clusterAddrs[osd] = [];
        this.hbFrontAddrs[osd] = [];
        this.hbBackAddrs[osd] = [];
        this.osdState[osd] = 0;
      } else {
        this.osdState[osd] = (cur ^ s) >>> 0;
      }
    }

    for (const [osd, addrs] of inc.newUpClient) {
      this.osdState[osd] = ((this.osdState[osd]! | OsdState.EXISTS | OsdState.UP) & ~OsdState.STOP) >>> 0;
      this.clientAddrs[osd] = addrs.map((a) => ({ ...a }));
      this.hbBackAddrs[osd] = (inc.newHbBackUp.get(osd) ?? []).map((a) => ({ ...a }));
      this.hbFrontAddrs[osd] = (inc.newHbFrontUp.get(osd) ?? []).map((a) => ({ ...a }));
      this.osdInfo[osd]!.upFrom = this.epoch;
    }
    for (const [osd, addrs] of inc.newUpCluster) this.clusterAddrs[osd] = addrs.map((a) => ({ ...a }));

    for (const [osd, e] of inc.newUpThru) this.osdInfo[osd]!.upThru = e;
    for (const [osd, [b, e]] of inc.newLastCleanInterval) {
      this.osdInfo[osd]!.lastCleanBegin = b;
      this.osdInfo[osd]!.lastCleanEnd = e;
    }
    for (const [osd, e] of inc.newLost) this.osdInfo[osd]!.lostAt = e;
    for (const [osd, x] of inc.newXinfo) this.osdXinfo[osd] = { ...x };
    for (const [osd, u] of inc.newUuid) this.osdUuid[osd] = u;

    for (const [pg, osds] of inc.newPgTemp.entries()) {
      if (osds.length === 0) this.pgTemp.delete(pg);
      else this.pgTemp.set(pg, [...osds]);
    }
    for (const [pg, osd] of inc.newPrimaryTemp.entries()) {
      if (osd === -1) this.primaryTemp.delete(pg);
      else this.primaryTemp.set(pg, osd);
    }
    for (const [pg, osds] of inc.newPgUpmap.entries()) this.pgUpmap.set(pg, [...osds]);
    for (const pg of inc.oldPgUpmap) this.pgUpmap.delete(pg);
    for (const [pg, items] of inc.newPgUpmapItems.entries()) {
      this.pgUpmapItems.set(
        pg,
        items.map(([a, b]) => [a, b]),
      );
    }
    for (const pg of inc.oldPgUpmapItems) this.pgUpmapItems.delete(pg);

    for (const entry of inc.newBlocklist) {
      // std::unordered_map::insert keeps an existing entry
      if (!this.blocklist.some((b) => addrsEqual(b.addr, entry.addr))) {
        this.blocklist.push({ addr: { ...entry.addr }, expires: { ...entry.expires } });
      }
    }
    for (const addr of inc.oldBlocklist)
      this.blocklist = this.blocklist.filter((b) => !addrsEqual(b.addr, addr));
    this.blocklist.sort((a, b) => compareAddrs(a.addr, b.addr));
    for (const entry of inc.newRangeBlocklist) {
      if (!this.rangeBlocklist.some((b) => addrsEqual(b.addr, entry.addr))) {
        this.rangeBlocklist.push({ addr: { ...entry.addr }, expires: { ...entry.expires } });
      }
    }
    for (const addr of inc.oldRangeBlocklist) {
      this.rangeBlocklist = this.rangeBlocklist.filter((b) => !addrsEqual(b.addr, addr));
    }
    this.rangeBlocklist.sort((a, b) => compareAddrs(a.addr, b.addr));

    for (const [id, f] of inc.newCrushNodeFlags) {
      if (f) this.crushNodeFlags.set(id, f);
      else this.crushNodeFlags.delete(id);
    }
    for (const [id, f] of inc.newDeviceClassFlags) {
      if (f) this.deviceClassFlags.set(id, f);
      else this.deviceClassFlags.delete(id);
    }

    if (inc.clusterSnapshot.length) {
      this.clusterSnapshot = inc.clusterSnapshot;
      this.clusterSnapshotEpoch = inc.epoch;
    } else {
      this.clusterSnapshot = '';
      this.clusterSnapshotEpoch = 0;
    }

    // the ratios are C floats
    if (inc.newNearfullRatio >= 0) this.nearfullRatio = Math.fround(inc.newNearfullRatio);
    if (inc.newBackfillfullRatio >= 0) this.backfillfullRatio = Math.fround(inc.newBackfillfullRatio);
    if (inc.newFullRatio >= 0) this.fullRatio = Math.fround(inc.newFullRatio);
    // 0xff is "no change" for both release fields
    if (inc.newRequireMinCompatClient > CephRelease.UNKNOWN && inc.newRequireMinCompatClient !== 0xff) {
      this.requireMinCompatClient = inc.newRequireMinCompatClient;
    }
    if (inc.newRequireOsdRelease !== 0xff) {
      this.requireOsdRelease = inc.newRequireOsdRelease;
      if (this.requireOsdRelease >= CephRelease.LUMINOUS) {
        this.flags = ((this.flags & ~CEPH_OSDMAP_LEGACY_REQUIRE_FLAGS) | OsdMapFlag.RECOVERY_DELETES) >>> 0;
      }
      if (this.requireOsdRelease >= CephRelease.NAUTILUS)
        this.flags = (this.flags | OsdMapFlag.PGLOG_HARDLIMIT) >>> 0;
    }

    // the new CRUSH map comes last, after the up/down changes
    if (inc.crush && inc.crush.length) {
      this.setCrushBuffer(inc.crush);
      // only Luminous+ encodings count crush versions (else mon and OSDs would diverge)
      if (this.requireOsdRelease >= CephRelease.LUMINOUS) this.crushVersion++;
      for (const id of [...this.deviceClassFlags.keys()]) {
        if (!this.crush.classNames.has(id)) this.deviceClassFlags.delete(id);
      }
    }

    if (inc.changeStretchMode) {
      this.stretchModeEnabled = inc.stretchModeEnabled;
      this.stretchBucketCount = inc.newStretchBucketCount;
      this.degradedStretchMode = inc.newDegradedStretchMode;
      this.recoveringStretchMode = inc.newRecoveringStretchMode;
      this.stretchModeBucket = inc.newStretchModeBucket;
    }
    if (inc.mutateAllowCrimson === 1) this.allowCrimson = true;
    else if (inc.mutateAllowCrimson === 2) this.allowCrimson = false;
  }

  /** A deep copy (pools, per-OSD vectors, overrides; the CRUSH map is shared, as Ceph's deepish_copy_from). */
  clone(): OSDMap {
    const buf = this.encode();
    const copy = OSDMap.decode(buf);
    copy.crush = this.crush;
    return copy;
  }
}

/** `_pick_primary`: the first OSD that is not CRUSH_ITEM_NONE, or -1. */
function pickPrimary(osds: readonly number[]): number {
  for (const o of osds) if (o !== CRUSH_ITEM_NONE) return o;
  return -1;
}

function isZeroTime(t: UTime): boolean {
  return t.sec === 0 && t.nsec === 0;
}

function cloneSnapSets(m: Map<number, SnapIntervalSet>): Map<number, SnapIntervalSet> {
  return new Map([...m].map(([k, v]) => [k, v.clone()]));
}

/** `range_bits::matches`: a CIDR entry (prefix length in the nonce) covers the address's IP. */
function rangeMatches(range: EntityAddr, a: EntityAddr): boolean {
  if (range.family === 2 && a.family === 2) {
    const ip = (s: string) => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
    const bits = range.nonce;
    if (bits <= 0) return true;
    const shift = 32 - Math.min(bits, 32);
    return Math.floor(ip(range.ip) / 2 ** shift) === Math.floor(ip(a.ip) / 2 ** shift);
  }
  if (range.family === 10 && a.family === 10) {
    const big = (s: string) => {
      const [head, tail] = s.split('::') as [string, string | undefined];
      const h = head ? head.split(':') : [];
      const t = tail ? tail.split(':') : [];
      const groups =
        tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
      return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
    };
    const bits = BigInt(Math.min(range.nonce, 128));
    const shift = 128n - bits;
    return big(range.ip) >> shift === big(a.ip) >> shift;
  }
  return false;
}
