/**
 * `pg_pool_t`: one pool of the OSD map — its type, replication, PG counts,
 * snapshots, tiering and options — with the encoding Pacific writes (v29, v30
 * for stretch pools), every version it reads back to v5, its one-line text
 * form (`OSDMap::print`, `ceph osd pool ls detail`) and the object → PG math
 * that depends on it.
 */
import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import {
  decodeEVersion,
  decodePgId,
  encodeEVersion,
  encodePgId,
  type EVersion,
  type PgId,
} from '../encoding/osd-types.js';
import { decodeUTime, encodeUTime, type UTime } from '../encoding/types.js';
import { CRUSH_HASH_RJENKINS1, crushHash32_2, formatGeneral } from '../crush/index.js';
import { cbits, cephStableMod, cephStrHash, cephStrHashName } from './hash.js';
import { decodeSnapIntervalSet, encodeSnapIntervalSet, SnapIntervalSet } from './interval-set.js';
import { compareBytes } from './constants.js';
import { formatUTimeLocal } from './format.js';

/** `pg_pool_t::TYPE_*`. */
export const PoolType = {
  REPLICATED: 1,
  ERASURE: 3,
} as const;

/** `pg_pool_t::FLAG_*`. */
export const PoolFlag = {
  /** Hash the pool id into the placement seed so pools' PGs do not overlap. */
  HASHPSPOOL: 1 << 0,
  FULL: 1 << 1,
  EC_OVERWRITES: 1 << 2,
  INCOMPLETE_CLONES: 1 << 3,
  NODELETE: 1 << 4,
  NOPGCHANGE: 1 << 5,
  NOSIZECHANGE: 1 << 6,
  WRITE_FADVISE_DONTNEED: 1 << 7,
  NOSCRUB: 1 << 8,
  NODEEP_SCRUB: 1 << 9,
  /** Out of quota; FULL is set with it. */
  FULL_QUOTA: 1 << 10,
  NEARFULL: 1 << 11,
  BACKFILLFULL: 1 << 12,
  SELFMANAGED_SNAPS: 1 << 13,
  POOL_SNAPS: 1 << 14,
  CREATING: 1 << 15,
  EIO: 1 << 16,
  BULK: 1 << 17,
} as const;

export const FLAG_HASHPSPOOL = PoolFlag.HASHPSPOOL;
export const FLAG_FULL = PoolFlag.FULL;
export const FLAG_FULL_QUOTA = PoolFlag.FULL_QUOTA;

const POOL_FLAG_NAMES: Record<number, string> = {
  [PoolFlag.HASHPSPOOL]: 'hashpspool',
  [PoolFlag.FULL]: 'full',
  [PoolFlag.EC_OVERWRITES]: 'ec_overwrites',
  [PoolFlag.INCOMPLETE_CLONES]: 'incomplete_clones',
  [PoolFlag.NODELETE]: 'nodelete',
  [PoolFlag.NOPGCHANGE]: 'nopgchange',
  [PoolFlag.NOSIZECHANGE]: 'nosizechange',
  [PoolFlag.WRITE_FADVISE_DONTNEED]: 'write_fadvise_dontneed',
  [PoolFlag.NOSCRUB]: 'noscrub',
  [PoolFlag.NODEEP_SCRUB]: 'nodeep-scrub',
  [PoolFlag.FULL_QUOTA]: 'full_quota',
  [PoolFlag.NEARFULL]: 'nearfull',
  [PoolFlag.BACKFILLFULL]: 'backfillfull',
  [PoolFlag.SELFMANAGED_SNAPS]: 'selfmanaged_snaps',
  [PoolFlag.POOL_SNAPS]: 'pool_snaps',
  [PoolFlag.CREATING]: 'creating',
  [PoolFlag.EIO]: 'eio',
  [PoolFlag.BULK]: 'bulk',
};

/** `pg_pool_t::get_flags_string`: set flags from bit 0 up, comma-joined, `???` for unnamed bits. */
export function poolFlagsString(flags: number): string {
  const names: string[] = [];
  for (let n = 0; n < 53; n++) {
    const bit = 2 ** n;
    if (Math.floor(flags / bit) % 2 === 1) names.push(POOL_FLAG_NAMES[bit] ?? '???');
  }
  return names.join(',');
}

/** `pg_pool_t::cache_mode_t`. */
export const CacheMode = {
  NONE: 0,
  WRITEBACK: 1,
  FORWARD: 2,
  READONLY: 3,
  READFORWARD: 4,
  READPROXY: 5,
  PROXY: 6,
} as const;

const CACHE_MODE_NAMES = ['none', 'writeback', 'forward', 'readonly', 'readforward', 'readproxy', 'proxy'];

export function cacheModeName(m: number): string {
  return CACHE_MODE_NAMES[m] ?? 'unknown';
}

/** `pg_pool_t::pg_autoscale_mode_t`. */
export const PgAutoscaleMode = {
  OFF: 0,
  WARN: 1,
  ON: 2,
  UNKNOWN: 255,
} as const;

export function pgAutoscaleModeName(m: number): string {
  return m === 0 ? 'off' : m === 1 ? 'warn' : m === 2 ? 'on' : '???';
}

/** `pool_snap_info_t`: one pool snapshot. */
export interface PoolSnapInfo {
  /** `snapid_t snapid`. */
  snapid: bigint;
  /** `utime_t stamp`: when it was taken. */
  stamp: UTime;
  /** `std::string name`. */
  name: string;
}

/** `pool_snap_info_t::encode`: ENCODE_START(2, 2), snapid, stamp, name. */
function encodePoolSnapInfo(e: Encoder, s: PoolSnapInfo): void {
  e.struct(2, 2, (b) => {
    b.u64(s.snapid);
    encodeUTime(b, s.stamp);
    b.string(s.name);
  });
}

function decodePoolSnapInfo(d: Decoder): PoolSnapInfo {
  const v = d.u8();
  d.offset -= 1;
  if (v < 2) {
    d.u8();
    return { snapid: d.u64(), stamp: decodeUTime(d), name: d.string() };
  }
  return d.struct('pool_snap_info_t', 2, (b) => ({
    snapid: b.u64(),
    stamp: decodeUTime(b),
    name: b.string(),
  }));
}

/** `HitSet::impl_type_t`. */
export const HitSetType = {
  NONE: 0,
  EXPLICIT_HASH: 1,
  EXPLICIT_OBJECT: 2,
  BLOOM: 3,
} as const;

/** `HitSet::Params`: the hit set a cache tier keeps, kept as its encoded bytes for an exact round trip. */
export interface HitSetParams {
  /** `impl_type_t`. */
  type: number;
  /** The whole encoded `HitSet::Params` struct (envelope included). */
  raw: Buffer;
  /** Bloom parameters when `type` is BLOOM: `fpp_micro`, `target_size`, `seed`. */
  bloom?: { fppMicro: number; targetSize: bigint; seed: bigint };
}

/** `HitSet::Params()` encoded: v1, no implementation. */
export function noHitSetParams(): HitSetParams {
  const e = new Encoder(8);
  e.struct(1, 1, (b) => b.u8(HitSetType.NONE));
  return { type: HitSetType.NONE, raw: Buffer.from(e.finish()) };
}

function decodeHitSetParams(d: Decoder): HitSetParams {
  const start = d.offset;
  const parsed = d.struct('HitSet::Params', 1, (b) => {
    const type = b.u8();
    if (type === HitSetType.BLOOM) {
      const bloom = b.struct('BloomHitSet::Params', 1, (p) => ({
        fppMicro: p.u32(),
        targetSize: p.u64(),
        seed: p.u64(),
      }));
      return { type, bloom };
    }
    return { type };
  });
  return { ...parsed, raw: Buffer.from(d.buf.subarray(start, d.offset)) };
}

/** `operator<<(HitSet::Params)`: `bloom{false_positive_probability: 0.05, target_size: 0, seed: 0}`. */
function formatHitSetParams(p: HitSetParams): string {
  switch (p.type) {
    case HitSetType.BLOOM: {
      const b = p.bloom!;
      const fpp = formatGeneral(b.fppMicro / 1000000.0);
      return `bloom{false_positive_probability: ${fpp}, target_size: ${b.targetSize}, seed: ${b.seed}}`;
    }
    case HitSetType.EXPLICIT_HASH:
      return 'explicit_hash{}';
    case HitSetType.EXPLICIT_OBJECT:
      return 'explicit_object{}';
    default:
      return 'none{}';
  }
}

/** `pool_opts_t::type_t`: how an option value is encoded. */
export const PoolOptType = {
  STR: 0,
  INT: 1,
  DOUBLE: 2,
} as const;

/** `pool_opts_t::key_t` with the option's name and value type. */
const POOL_OPTS: readonly { key: number; name: string; type: number }[] = [
  { key: 0, name: 'scrub_min_interval', type: PoolOptType.DOUBLE },
  { key: 1, name: 'scrub_max_interval', type: PoolOptType.DOUBLE },
  { key: 2, name: 'deep_scrub_interval', type: PoolOptType.DOUBLE },
  { key: 3, name: 'recovery_priority', type: PoolOptType.INT },
  { key: 4, name: 'recovery_op_priority', type: PoolOptType.INT },
  { key: 5, name: 'scrub_priority', type: PoolOptType.INT },
  { key: 6, name: 'compression_mode', type: PoolOptType.STR },
  { key: 7, name: 'compression_algorithm', type: PoolOptType.STR },
  { key: 8, name: 'compression_required_ratio', type: PoolOptType.DOUBLE },
  { key: 9, name: 'compression_max_blob_size', type: PoolOptType.INT },
  { key: 10, name: 'compression_min_blob_size', type: PoolOptType.INT },
  { key: 11, name: 'csum_type', type: PoolOptType.INT },
  { key: 12, name: 'csum_max_block', type: PoolOptType.INT },
  { key: 13, name: 'csum_min_block', type: PoolOptType.INT },
  { key: 14, name: 'fingerprint_algorithm', type: PoolOptType.STR },
  { key: 15, name: 'pg_num_min', type: PoolOptType.INT },
  { key: 16, name: 'target_size_bytes', type: PoolOptType.INT },
  { key: 17, name: 'target_size_ratio', type: PoolOptType.DOUBLE },
  { key: 18, name: 'pg_autoscale_bias', type: PoolOptType.DOUBLE },
  { key: 19, name: 'read_lease_interval', type: PoolOptType.DOUBLE },
  { key: 20, name: 'dedup_tier', type: PoolOptType.INT },
  { key: 21, name: 'dedup_chunk_algorithm', type: PoolOptType.STR },
  { key: 22, name: 'dedup_cdc_chunk_size', type: PoolOptType.INT },
  { key: 23, name: 'pg_num_max', type: PoolOptType.INT },
];

/** The name of a pool option key (`pool_opts_t::opt_mapping`), or undefined for keys Pacific does not know. */
export function poolOptName(key: number): string | undefined {
  return POOL_OPTS.find((o) => o.key === key)?.name;
}

/** One `pool_opts_t` entry: the value keeps the type it was encoded with. */
export type PoolOptValue = string | bigint | number;

function poolOptType(v: PoolOptValue): number {
  return typeof v === 'string'
    ? PoolOptType.STR
    : typeof v === 'bigint'
      ? PoolOptType.INT
      : PoolOptType.DOUBLE;
}

/** `pool_opts_t::encode` (v2: ints are 64-bit): map of key → (type, value), in key order. */
function encodePoolOpts(e: Encoder, opts: Map<number, PoolOptValue>): void {
  e.struct(2, 1, (b) => {
    const keys = [...opts.keys()].sort((x, y) => x - y);
    b.u32(keys.length);
    for (const k of keys) {
      const v = opts.get(k)!;
      b.i32(k).i32(poolOptType(v));
      if (typeof v === 'string') b.string(v);
      else if (typeof v === 'bigint') b.i64(v);
      else b.f64(v);
    }
  });
}

function decodePoolOpts(d: Decoder): Map<number, PoolOptValue> {
  return d.struct('pool_opts_t', 2, (b, v) => {
    const n = b.u32();
    const out = new Map<number, PoolOptValue>();
    for (let i = 0; i < n; i++) {
      const k = b.i32();
      const t = b.i32();
      if (t === PoolOptType.STR) out.set(k, b.string());
      else if (t === PoolOptType.INT) out.set(k, v >= 2 ? b.i64() : BigInt(b.i32()));
      else if (t === PoolOptType.DOUBLE) out.set(k, b.f64());
      else throw new CephError('EBADMSG', `pool_opts_t: invalid value type ${t}`);
    }
    return out;
  });
}

/** `operator<<(pool_opts_t)`: ` name value` for each set option, in name order. */
function formatPoolOpts(opts: Map<number, PoolOptValue>): string {
  const named = POOL_OPTS.filter((o) => opts.has(o.key)).sort((a, b) => compareBytes(a.name, b.name));
  return named
    .map((o) => {
      const v = opts.get(o.key)!;
      return ` ${o.name} ${typeof v === 'number' ? formatGeneral(v) : String(v)}`;
    })
    .join('');
}

/** `pg_merge_meta_t`: what the last PG merge of the pool looked like. */
export interface PgMergeMeta {
  sourcePgid: PgId;
  readyEpoch: number;
  lastEpochStarted: number;
  lastEpochClean: number;
  sourceVersion: EVersion;
  targetVersion: EVersion;
}

function emptyMergeMeta(): PgMergeMeta {
  return {
    sourcePgid: { pool: 0, seed: 0 },
    readyEpoch: 0,
    lastEpochStarted: 0,
    lastEpochClean: 0,
    sourceVersion: { version: 0n, epoch: 0 },
    targetVersion: { version: 0n, epoch: 0 },
  };
}

function encodeMergeMeta(e: Encoder, m: PgMergeMeta): void {
  e.struct(1, 1, (b) => {
    encodePgId(b, m.sourcePgid);
    b.u32(m.readyEpoch).u32(m.lastEpochStarted).u32(m.lastEpochClean);
    encodeEVersion(b, m.sourceVersion);
    encodeEVersion(b, m.targetVersion);
  });
}

function decodeMergeMeta(d: Decoder): PgMergeMeta {
  return d.struct('pg_merge_meta_t', 1, (b) => ({
    sourcePgid: decodePgId(b),
    readyEpoch: b.u32(),
    lastEpochStarted: b.u32(),
    lastEpochClean: b.u32(),
    sourceVersion: decodeEVersion(b),
    targetVersion: decodeEVersion(b),
  }));
}

/** Sorted (std::map<string,...>) encoding of a string → string map. */
export function encodeStringMap(e: Encoder, m: Map<string, string>): void {
  const keys = [...m.keys()].sort(compareBytes);
  e.u32(keys.length);
  for (const k of keys) e.string(k).string(m.get(k)!);
}

export function decodeStringMap(d: Decoder): Map<string, string> {
  return d.map(
    (x) => x.string(),
    (x) => x.string(),
  );
}

/** The newest `pg_pool_t` struct version Pacific reads. */
const POOL_MAX_VERSION = 30;

/** A pool (`pg_pool_t`). Fields keep Ceph's names in camelCase; all wire fields are kept for an exact re-encode. */
export class PgPool {
  /** `utime_t create_time`. */
  createTime: UTime = { sec: 0, nsec: 0 };
  /** `uint64_t flags`: PoolFlag bits (a number: Ceph uses bits 0..17). */
  flags = 0;
  /** `__u8 type`: PoolType (1 replicated, 3 erasure). */
  type = 0;
  /** `__u8 size`: copies (replicated) or k+m (erasure). */
  size = 0;
  /** `__u8 min_size`: fewest copies that still take writes. */
  minSize = 0;
  /** `__u8 crush_rule`. */
  crushRule = 0;
  /** `__u8 object_hash`: CephStrHash type for object names. */
  objectHash = 0;
  /** `pg_autoscale_mode_t`. */
  pgAutoscaleMode: number = PgAutoscaleMode.UNKNOWN;
  /** `__u32 pg_num`. */
  pgNum = 0;
  /** `__u32 pgp_num`: PGs used for placement (≤ pg_num). */
  pgpNum = 0;
  /** `__u32 pg_num_pending`: the pg_num a merge is heading to. */
  pgNumPending = 0;
  /** `__u32 pg_num_target`. */
  pgNumTarget = 0;
  /** `__u32 pgp_num_target`. */
  pgpNumTarget = 0;
  /** `map<string,string> properties`: obsolete, kept for the encoding. */
  properties = new Map<string, string>();
  /** `string erasure_code_profile`. */
  erasureCodeProfile = '';
  /** `epoch_t last_change`. */
  lastChange = 0;
  /** `epoch_t last_force_op_resend`: clients must resend ops sent before this epoch. */
  lastForceOpResend = 0;
  /** `epoch_t last_force_op_resend_prenautilus`: the same, for pre-Nautilus clients. */
  lastForceOpResendPrenautilus = 0;
  /** `epoch_t last_force_op_resend_preluminous`: the same, for pre-Luminous clients. */
  lastForceOpResendPreluminous = 0;
  /** `pg_merge_meta_t last_pg_merge_meta`. */
  lastPgMergeMeta: PgMergeMeta = emptyMergeMeta();
  /** `snapid_t snap_seq`. */
  snapSeq = 0n;
  /** `epoch_t snap_epoch`. */
  snapEpoch = 0;
  /** `uint64_t auid`: obsolete owner. */
  auid = 0n;
  /** `uint64_t quota_max_bytes`. */
  quotaMaxBytes = 0n;
  /** `uint64_t quota_max_objects`. */
  quotaMaxObjects = 0n;
  /** `map<snapid_t, pool_snap_info_t> snaps`: pool snapshots. */
  snaps = new Map<bigint, PoolSnapInfo>();
  /** `interval_set<snapid_t> removed_snaps`: pre-Octopus record of removed self-managed snaps. */
  removedSnaps = new SnapIntervalSet();
  /** `set<uint64_t> tiers`: pools that are tiers of this one (sorted). */
  tiers: number[] = [];
  /** `int64_t tier_of`: the base pool of this tier, -1 if none. */
  tierOf = -1;
  /** `int64_t read_tier`: where the Objecter sends reads, -1 if none. */
  readTier = -1;
  /** `int64_t write_tier`: where the Objecter sends writes, -1 if none. */
  writeTier = -1;
  /** `cache_mode_t cache_mode`. */
  cacheMode = 0;
  /** `uint64_t target_max_bytes`. */
  targetMaxBytes = 0n;
  /** `uint64_t target_max_objects`. */
  targetMaxObjects = 0n;
  /** `uint32_t cache_target_dirty_ratio_micro`. */
  cacheTargetDirtyRatioMicro = 0;
  /** `uint32_t cache_target_dirty_high_ratio_micro`. */
  cacheTargetDirtyHighRatioMicro = 0;
  /** `uint32_t cache_target_full_ratio_micro`. */
  cacheTargetFullRatioMicro = 0;
  /** `uint32_t cache_min_flush_age` (seconds). */
  cacheMinFlushAge = 0;
  /** `uint32_t cache_min_evict_age` (seconds). */
  cacheMinEvictAge = 0;
  /** `HitSet::Params hit_set_params`. */
  hitSetParams: HitSetParams = noHitSetParams();
  /** `uint32_t hit_set_period` (seconds). */
  hitSetPeriod = 0;
  /** `uint32_t hit_set_count`. */
  hitSetCount = 0;
  /** `bool use_gmt_hitset`. */
  useGmtHitset = true;
  /** `uint32_t min_read_recency_for_promote`. */
  minReadRecencyForPromote = 0;
  /** `uint32_t min_write_recency_for_promote`. */
  minWriteRecencyForPromote = 0;
  /** `uint32_t hit_set_grade_decay_rate`. */
  hitSetGradeDecayRate = 0;
  /** `uint32_t hit_set_search_last_n`. */
  hitSetSearchLastN = 0;
  /** `uint32_t stripe_width`: bytes in one EC stripe (0 for replicated). */
  stripeWidth = 0;
  /** `uint64_t expected_num_objects`. */
  expectedNumObjects = 0n;
  /** `bool fast_read`. */
  fastRead = false;
  /** `pool_opts_t opts`: key → value. */
  opts = new Map<number, PoolOptValue>();
  /** `map<string, map<string,string>> application_metadata`: enabled applications and their keys. */
  applicationMetadata = new Map<string, Map<string, string>>();
  /** `uint32_t peering_crush_bucket_count`: stretch pools only (0 otherwise). */
  peeringCrushBucketCount = 0;
  /** `uint32_t peering_crush_bucket_target`. */
  peeringCrushBucketTarget = 0;
  /** `uint32_t peering_crush_bucket_barrier`. */
  peeringCrushBucketBarrier = 0;
  /** `int32_t peering_crush_mandatory_member`: CRUSH_ITEM_NONE when unset. */
  peeringCrushMandatoryMember = 0x7fffffff;
  /** `pg_num_mask`: next power of two above pg_num, minus one (derived). */
  pgNumMask = 0;
  /** `pgp_num_mask` (derived). */
  pgpNumMask = 0;

  clone(): PgPool {
    const p = new PgPool();
    Object.assign(p, this);
    p.createTime = { ...this.createTime };
    p.properties = new Map(this.properties);
    p.lastPgMergeMeta = structuredClone(this.lastPgMergeMeta);
    p.snaps = new Map([...this.snaps].map(([k, v]) => [k, { ...v, stamp: { ...v.stamp } }]));
    p.removedSnaps = this.removedSnaps.clone();
    p.tiers = [...this.tiers];
    p.hitSetParams = { ...this.hitSetParams };
    p.opts = new Map(this.opts);
    p.applicationMetadata = new Map([...this.applicationMetadata].map(([k, v]) => [k, new Map(v)]));
    return p;
  }

  // -- type and flags

  isReplicated(): boolean {
    return this.type === PoolType.REPLICATED;
  }

  isErasure(): boolean {
    return this.type === PoolType.ERASURE;
  }

  /** `can_shift_osds`: replicated PGs close gaps in their OSD lists; EC PGs keep shard positions (CRUSH_ITEM_NONE). */
  canShiftOsds(): boolean {
    return this.isReplicated();
  }

  /** `requires_aligned_append`: EC pools without overwrites take only stripe-aligned appends. */
  requiresAlignedAppend(): boolean {
    return this.isErasure() && !this.hasFlag(PoolFlag.EC_OVERWRITES);
  }

  /** True when the single-bit `flag` is set. */
  hasFlag(flag: number): boolean {
    return Math.floor(this.flags / flag) % 2 === 1;
  }

  setFlag(flag: number): void {
    if (!this.hasFlag(flag)) this.flags += flag;
  }

  unsetFlag(flag: number): void {
    if (this.hasFlag(flag)) this.flags -= flag;
  }

  /** `get_type_name`. */
  typeName(): string {
    return this.type === PoolType.REPLICATED
      ? 'replicated'
      : this.type === PoolType.ERASURE
        ? 'erasure'
        : '???';
  }

  // -- snapshots

  /** Pool snapshots (`ceph osd pool mksnap`) define the snap context. */
  isPoolSnapsMode(): boolean {
    return this.hasFlag(PoolFlag.POOL_SNAPS);
  }

  /** Self-managed snapshots (librbd, CephFS): clients bring their own snap context. */
  isUnmanagedSnapsMode(): boolean {
    return this.hasFlag(PoolFlag.SELFMANAGED_SNAPS);
  }

  /** `is_removed_snap`. */
  isRemovedSnap(s: bigint): boolean {
    if (this.isPoolSnapsMode()) return s <= this.snapSeq && !this.snaps.has(s);
    return this.removedSnaps.contains(s);
  }

  /** `get_snap_context`: seq and the pool snaps, newest first. */
  getSnapContext(): { seq: bigint; snaps: bigint[] } {
    const snaps = [...this.snaps.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    return { seq: this.snapSeq, snaps };
  }

  /** `snap_exists(name)`: the snap id of the pool snapshot called `name`, or 0n. */
  snapExists(name: string): bigint {
    for (const s of this.snaps.values()) if (s.name === name) return s.snapid;
    return 0n;
  }

  // -- tiering

  isTier(): boolean {
    return this.tierOf >= 0;
  }

  hasTiers(): boolean {
    return this.tiers.length > 0;
  }

  hasReadTier(): boolean {
    return this.readTier >= 0;
  }

  hasWriteTier(): boolean {
    return this.writeTier >= 0;
  }

  isStretchPool(): boolean {
    return this.peeringCrushBucketCount !== 0;
  }

  // -- placement

  /** `calc_pg_masks`: recompute the masks after pg_num/pgp_num change. */
  calcPgMasks(): void {
    // `(1 << cbits(n - 1)) - 1` in C int arithmetic: a shift by 32 is a shift by 0 on x86,
    // and JavaScript's << masks the count the same way, so a pg_num above 2^31 gets mask 0 as in Ceph
    this.pgNumMask = ((1 << cbits((this.pgNum - 1) >>> 0)) - 1) >>> 0;
    this.pgpNumMask = ((1 << cbits((this.pgpNum - 1) >>> 0)) - 1) >>> 0;
  }

  setPgNum(n: number): void {
    this.pgNum = n >>> 0;
    this.pgNumPending = this.pgNum;
    this.calcPgMasks();
  }

  setPgpNum(n: number): void {
    this.pgpNum = n >>> 0;
    this.calcPgMasks();
  }

  /** `hash_key(key, ns)`: the object hash; a namespace is prefixed with a 0x1f separator. */
  hashKey(key: string | Uint8Array, nspace: string | Uint8Array = ''): number {
    const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    const ns = typeof nspace === 'string' ? Buffer.from(nspace, 'utf8') : nspace;
    if (ns.length === 0) return cephStrHash(this.objectHash, k);
    const buf = Buffer.allocUnsafe(ns.length + 1 + k.length);
    buf.set(ns, 0);
    buf[ns.length] = 0x1f;
    buf.set(k, ns.length + 1);
    return cephStrHash(this.objectHash, buf);
  }

  /** `raw_hash_to_pg`: fold a full hash into this pool's pg_num. */
  rawHashToPg(v: number): number {
    return cephStableMod(v, this.pgNum, this.pgNumMask);
  }

  /** `raw_pg_to_pg`: a raw pg (seed = full hash) → the actual pg. */
  rawPgToPg(pg: PgId): PgId {
    return { pool: pg.pool, seed: cephStableMod(pg.seed, this.pgNum, this.pgNumMask) };
  }

  /** `raw_pg_to_pps`: the placement seed CRUSH gets, folded by pgp_num and mixed with the pool id. */
  rawPgToPps(pg: PgId): number {
    const ps = cephStableMod(pg.seed, this.pgpNum, this.pgpNumMask);
    if (this.hasFlag(PoolFlag.HASHPSPOOL)) return crushHash32_2(CRUSH_HASH_RJENKINS1, ps, pg.pool >>> 0);
    // legacy: pools' PGs overlap (0.5 == 1.4 == 2.3 ...)
    return (ps + pg.pool) >>> 0;
  }

  /** `get_pg_num_divisor`: how many PGs share this one's hash bucket during a non-power-of-two split. */
  getPgNumDivisor(pg: PgId): number {
    if (this.pgNum === this.pgNumMask + 1) return this.pgNum;
    const mask = this.pgNumMask >>> 1;
    if ((pg.seed & mask) >>> 0 < (this.pgNum & mask) >>> 0) return this.pgNumMask + 1;
    return (this.pgNumMask + 1) >>> 1;
  }

  // -- text

  /** `operator<<(pg_pool_t)`: the pool line of `OSDMap::print` after `pool N 'name' `. */
  format(): string {
    let out = this.typeName();
    if (this.typeName() === 'erasure') out += ` profile ${this.erasureCodeProfile}`;
    out +=
      ` size ${this.size} min_size ${this.minSize} crush_rule ${this.crushRule}` +
      ` object_hash ${cephStrHashName(this.objectHash)} pg_num ${this.pgNum} pgp_num ${this.pgpNum}`;
    if (this.pgNumTarget !== this.pgNum) out += ` pg_num_target ${this.pgNumTarget}`;
    if (this.pgpNumTarget !== this.pgpNum) out += ` pgp_num_target ${this.pgpNumTarget}`;
    if (this.pgNumPending !== this.pgNum) out += ` pg_num_pending ${this.pgNumPending}`;
    if (this.pgAutoscaleMode !== PgAutoscaleMode.UNKNOWN)
      out += ` autoscale_mode ${pgAutoscaleModeName(this.pgAutoscaleMode)}`;
    out += ` last_change ${this.lastChange}`;
    if (this.lastForceOpResend || this.lastForceOpResendPrenautilus || this.lastForceOpResendPreluminous) {
      out += ` lfor ${this.lastForceOpResend}/${this.lastForceOpResendPrenautilus}/${this.lastForceOpResendPreluminous}`;
    }
    if (this.auid) out += ` owner ${this.auid}`;
    if (this.flags) out += ` flags ${poolFlagsString(this.flags)}`;
    if (this.quotaMaxBytes) out += ` max_bytes ${this.quotaMaxBytes}`;
    if (this.quotaMaxObjects) out += ` max_objects ${this.quotaMaxObjects}`;
    if (this.tiers.length) out += ` tiers ${this.tiers.join(',')}`;
    if (this.isTier()) out += ` tier_of ${this.tierOf}`;
    if (this.hasReadTier()) out += ` read_tier ${this.readTier}`;
    if (this.hasWriteTier()) out += ` write_tier ${this.writeTier}`;
    if (this.cacheMode) out += ` cache_mode ${cacheModeName(this.cacheMode)}`;
    if (this.targetMaxBytes) out += ` target_bytes ${this.targetMaxBytes}`;
    if (this.targetMaxObjects) out += ` target_objects ${this.targetMaxObjects}`;
    if (this.hitSetParams.type !== HitSetType.NONE) {
      out +=
        ` hit_set ${formatHitSetParams(this.hitSetParams)} ${this.hitSetPeriod}s x${this.hitSetCount}` +
        ` decay_rate ${this.hitSetGradeDecayRate} search_last_n ${this.hitSetSearchLastN}`;
    }
    if (this.minReadRecencyForPromote)
      out += ` min_read_recency_for_promote ${this.minReadRecencyForPromote}`;
    if (this.minWriteRecencyForPromote)
      out += ` min_write_recency_for_promote ${this.minWriteRecencyForPromote}`;
    out += ` stripe_width ${this.stripeWidth}`;
    if (this.expectedNumObjects) out += ` expected_num_objects ${this.expectedNumObjects}`;
    if (this.fastRead) out += ` fast_read 1`;
    out += formatPoolOpts(this.opts);
    if (this.applicationMetadata.size) {
      out += ` application ${[...this.applicationMetadata.keys()].sort(compareBytes).join(',')}`;
    }
    return out;
  }

  // -- encoding

  /** `pg_pool_t::encode` with Nautilus+ features: v29, or v30 for a stretch pool. */
  encode(e: Encoder): void {
    const v = this.isStretchPool() ? 30 : 29;
    e.struct(v, 5, (b) => {
      b.u8(this.type).u8(this.size).u8(this.crushRule).u8(this.objectHash);
      b.u32(this.pgNum).u32(this.pgpNum);
      b.u32(0).u32(0); // lpg_num, lpgp_num: localized PGs are long gone
      b.u32(this.lastChange);
      b.u64(this.snapSeq).u32(this.snapEpoch);
      const snapIds = [...this.snaps.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      b.u32(snapIds.length);
      for (const id of snapIds) {
        b.u64(id);
        encodePoolSnapInfo(b, this.snaps.get(id)!);
      }
      encodeSnapIntervalSet(b, this.removedSnaps);
      b.u64(this.auid);
      b.u64(this.flags);
      b.u32(0); // crash_replay_interval
      b.u8(this.minSize);
      b.u64(this.quotaMaxBytes).u64(this.quotaMaxObjects);
      b.u32(this.tiers.length);
      for (const t of [...this.tiers].sort((x, y) => x - y)) b.u64(t);
      b.i64(this.tierOf);
      b.u8(this.cacheMode);
      b.i64(this.readTier).i64(this.writeTier);
      encodeStringMap(b, this.properties);
      b.bytes(this.hitSetParams.raw);
      b.u32(this.hitSetPeriod).u32(this.hitSetCount);
      b.u32(this.stripeWidth);
      b.u64(this.targetMaxBytes).u64(this.targetMaxObjects);
      b.u32(this.cacheTargetDirtyRatioMicro).u32(this.cacheTargetFullRatioMicro);
      b.u32(this.cacheMinFlushAge).u32(this.cacheMinEvictAge);
      b.string(this.erasureCodeProfile);
      b.u32(this.lastForceOpResendPreluminous);
      b.u32(this.minReadRecencyForPromote);
      b.u64(this.expectedNumObjects);
      b.u32(this.cacheTargetDirtyHighRatioMicro);
      b.u32(this.minWriteRecencyForPromote);
      b.bool(this.useGmtHitset);
      b.bool(this.fastRead);
      b.u32(this.hitSetGradeDecayRate).u32(this.hitSetSearchLastN);
      encodePoolOpts(b, this.opts);
      b.u32(this.lastForceOpResendPrenautilus);
      const apps = [...this.applicationMetadata.keys()].sort(compareBytes);
      b.u32(apps.length);
      for (const a of apps) {
        b.string(a);
        encodeStringMap(b, this.applicationMetadata.get(a)!);
      }
      encodeUTime(b, this.createTime);
      b.u32(this.pgNumTarget).u32(this.pgpNumTarget).u32(this.pgNumPending);
      b.u32(0).u32(0); // pg_num_dec_last_epoch_started/clean of 14.1.[01]
      b.u32(this.lastForceOpResend);
      b.u8(this.pgAutoscaleMode);
      encodeMergeMeta(b, this.lastPgMergeMeta);
      if (v >= 30) {
        b.u32(this.peeringCrushBucketCount).u32(this.peeringCrushBucketTarget);
        b.u32(this.peeringCrushBucketBarrier).i32(this.peeringCrushMandatoryMember);
      }
    });
  }

  static decode(d: Decoder): PgPool {
    const v0 = d.buf[d.offset];
    if (v0 === undefined || v0 < 5) {
      throw new CephError('EINVAL', `decode pg_pool_t: pre-Firefly encoding v${v0} is not supported`);
    }
    return d.struct('pg_pool_t', POOL_MAX_VERSION, (b, v) => decodePoolBody(b, v));
  }
}

function decodePoolBody(b: Decoder, v: number): PgPool {
  const p = new PgPool();
  p.type = b.u8();
  p.size = b.u8();
  p.crushRule = b.u8();
  p.objectHash = b.u8();
  p.pgNum = b.u32();
  p.pgpNum = b.u32();
  b.u32(); // lpg_num
  b.u32(); // lpgp_num
  p.lastChange = b.u32();
  p.snapSeq = b.u64();
  p.snapEpoch = b.u32();
  p.snaps = b.map(
    (x) => x.u64(),
    (x) => decodePoolSnapInfo(x),
  );
  p.removedSnaps = decodeSnapIntervalSet(b);
  p.auid = b.u64();
  p.flags = b.u64Number();
  b.u32(); // crash_replay_interval
  // pre-Mimic pools did not flag their snap mode; infer it as Ceph does
  if (p.snapSeq > 0n && !p.hasFlag(PoolFlag.SELFMANAGED_SNAPS) && !p.hasFlag(PoolFlag.POOL_SNAPS)) {
    p.setFlag(p.removedSnaps.empty ? PoolFlag.POOL_SNAPS : PoolFlag.SELFMANAGED_SNAPS);
  }
  if (v >= 7) p.minSize = b.u8();
  else p.minSize = p.size - Math.floor(p.size / 2);
  if (v >= 8) {
    p.quotaMaxBytes = b.u64();
    p.quotaMaxObjects = b.u64();
  }
  if (v >= 9) {
    p.tiers = b.list((x) => x.u64Number());
    p.tierOf = b.i64Number();
    p.cacheMode = b.u8();
    p.readTier = b.i64Number();
    p.writeTier = b.i64Number();
  }
  if (v >= 10) p.properties = decodeStringMap(b);
  if (v >= 11) {
    p.hitSetParams = decodeHitSetParams(b);
    p.hitSetPeriod = b.u32();
    p.hitSetCount = b.u32();
  }
  if (v >= 12) p.stripeWidth = b.u32();
  if (v >= 13) {
    p.targetMaxBytes = b.u64();
    p.targetMaxObjects = b.u64();
    p.cacheTargetDirtyRatioMicro = b.u32();
    p.cacheTargetFullRatioMicro = b.u32();
    p.cacheMinFlushAge = b.u32();
    p.cacheMinEvictAge = b.u32();
  }
  if (v >= 14) p.erasureCodeProfile = b.string();
  if (v >= 15) p.lastForceOpResendPreluminous = b.u32();
  p.minReadRecencyForPromote = v >= 16 ? b.u32() : 1;
  if (v >= 17) p.expectedNumObjects = b.u64();
  p.cacheTargetDirtyHighRatioMicro = v >= 19 ? b.u32() : p.cacheTargetDirtyRatioMicro;
  p.minWriteRecencyForPromote = v >= 20 ? b.u32() : 1;
  p.useGmtHitset = v >= 21 ? b.bool() : false;
  p.fastRead = v >= 22 ? b.bool() : false;
  if (v >= 23) {
    p.hitSetGradeDecayRate = b.u32();
    p.hitSetSearchLastN = b.u32();
  } else {
    p.hitSetSearchLastN = 1;
  }
  if (v >= 24) p.opts = decodePoolOpts(b);
  p.lastForceOpResendPrenautilus = v >= 25 ? b.u32() : p.lastForceOpResendPreluminous;
  if (v >= 26) {
    p.applicationMetadata = b.map(
      (x) => x.string(),
      (x) => decodeStringMap(x),
    );
  }
  if (v >= 27) p.createTime = decodeUTime(b);
  if (v >= 28) {
    p.pgNumTarget = b.u32();
    p.pgpNumTarget = b.u32();
    p.pgNumPending = b.u32();
    const oldMergeLastEpochStarted = b.u32();
    const oldMergeLastEpochClean = b.u32();
    p.lastForceOpResend = b.u32();
    p.pgAutoscaleMode = b.u8();
    if (v >= 29) p.lastPgMergeMeta = decodeMergeMeta(b);
    else {
      p.lastPgMergeMeta.lastEpochStarted = oldMergeLastEpochStarted;
      p.lastPgMergeMeta.lastEpochClean = oldMergeLastEpochClean;
    }
  } else {
    p.pgNumTarget = p.pgNum;
    p.pgpNumTarget = p.pgpNum;
    p.pgNumPending = p.pgNum;
    p.lastForceOpResend = p.lastForceOpResendPrenautilus;
    p.pgAutoscaleMode = PgAutoscaleMode.WARN;
  }
  if (v >= 30) {
    p.peeringCrushBucketCount = b.u32();
    p.peeringCrushBucketTarget = b.u32();
    p.peeringCrushBucketBarrier = b.u32();
    p.peeringCrushMandatoryMember = b.i32();
  }
  p.calcPgMasks();
  return p;
}

/** Encode one pool to a standalone buffer (tests, incrementals). */
export function encodePgPool(p: PgPool): Buffer {
  const e = new Encoder(512);
  p.encode(e);
  return e.finish();
}

export function decodePgPool(buf: Buffer): PgPool {
  return PgPool.decode(new Decoder(buf));
}

/** Pool snapshot stamps print in local time, like every utime_t. */
export function formatPoolSnap(s: PoolSnapInfo): string {
  return `\tsnap ${s.snapid.toString(16)} '${s.name}' ${formatUTimeLocal(s.stamp)}`;
}
