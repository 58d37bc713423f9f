import { CephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';

/**
 * `object_stat_sum_t` field order on the wire (struct_v 20). All are int64
 * but the four cache-tier mode flags, which are int32. Each later struct
 * version appended fields, so an older encoding is the prefix that fits.
 */
const STAT_SUM_FIELDS = [
  ['numBytes', 8],
  ['numObjects', 8],
  ['numObjectClones', 8],
  ['numObjectCopies', 8],
  ['numObjectsMissingOnPrimary', 8],
  ['numObjectsDegraded', 8],
  ['numObjectsUnfound', 8],
  ['numRd', 8],
  ['numRdKb', 8],
  ['numWr', 8],
  ['numWrKb', 8],
  ['numScrubErrors', 8],
  ['numObjectsRecovered', 8],
  ['numBytesRecovered', 8],
  ['numKeysRecovered', 8],
  ['numShallowScrubErrors', 8],
  ['numDeepScrubErrors', 8],
  ['numObjectsDirty', 8],
  ['numWhiteouts', 8],
  ['numObjectsOmap', 8],
  ['numObjectsHitSetArchive', 8],
  ['numObjectsMisplaced', 8],
  ['numBytesHitSetArchive', 8],
  ['numFlush', 8],
  ['numFlushKb', 8],
  ['numEvict', 8],
  ['numEvictKb', 8],
  ['numPromote', 8],
  ['numFlushModeHigh', 4],
  ['numFlushModeLow', 4],
  ['numEvictModeSome', 4],
  ['numEvictModeFull', 4],
  ['numObjectsPinned', 8],
  ['numObjectsMissing', 8],
  ['numLegacySnapsets', 8],
  ['numLargeOmapObjects', 8],
  ['numObjectsManifest', 8],
  ['numOmapBytes', 8],
  ['numOmapKeys', 8],
  ['numObjectsRepaired', 8],
] as const;

/** `object_stat_sum_t`: a PG's or pool's object and I/O counters (bytes, objects, reads, writes…). */
export type ObjectStatSum = { -readonly [K in (typeof STAT_SUM_FIELDS)[number][0]]: number };

export function emptyObjectStatSum(): ObjectStatSum {
  return Object.fromEntries(STAT_SUM_FIELDS.map(([k]) => [k, 0])) as ObjectStatSum;
}

/** `object_stat_sum_t::encode`: ENCODE_START(20, 14) and the fields in order. */
export function encodeObjectStatSum(e: Encoder, s: ObjectStatSum): void {
  e.struct(20, 14, (b) => {
    for (const [k, size] of STAT_SUM_FIELDS) {
      if (size === 8) b.i64(s[k]);
      else b.i32(s[k]);
    }
  });
}

export function decodeObjectStatSum(d: Decoder): ObjectStatSum {
  return d.struct('object_stat_sum_t', 20, (b, v) => {
    if (v < 14) throw new CephError('EINVAL', `decode object_stat_sum_t: struct_v ${v} predates Firefly`);
    const s = emptyObjectStatSum();
    for (const [k, size] of STAT_SUM_FIELDS) {
      if (b.eof) break;
      s[k] = size === 8 ? b.i64Number() : b.i32();
    }
    return s;
  });
}

/** `object_stat_collection_t`: ENCODE_START(2, 2), the sum, then the long-gone per-category map (always empty). */
export function encodeObjectStatCollection(e: Encoder, sum: ObjectStatSum): void {
  e.struct(2, 2, (b) => {
    encodeObjectStatSum(b, sum);
    b.u32(0);
  });
}

export function decodeObjectStatCollection(d: Decoder): ObjectStatSum {
  return d.struct('object_stat_collection_t', 2, (b) => {
    const sum = decodeObjectStatSum(b);
    // cat_sum: map<string, object_stat_sum_t>, unused since Firefly; read past it
    b.map(
      (x) => x.string(),
      (x) => decodeObjectStatSum(x),
    );
    return sum;
  });
}

/** `store_statfs_t`: the object store's space accounting (BlueStore's allocated/stored/compressed bytes). */
export interface StoreStatfs {
  /** `int64_t total`: device size. */
  total: number;
  /** `int64_t available`: free space. */
  available: number;
  /** `int64_t internally_reserved`. */
  internallyReserved: number;
  /** `int64_t allocated`: space allocated for data. */
  allocated: number;
  /** `int64_t data_stored`: logical bytes stored (what `rados df` calls STORED). */
  dataStored: number;
  /** `int64_t data_compressed`. */
  dataCompressed: number;
  /** `int64_t data_compressed_allocated`. */
  dataCompressedAllocated: number;
  /** `int64_t data_compressed_original`. */
  dataCompressedOriginal: number;
  /** `int64_t omap_allocated`. */
  omapAllocated: number;
  /** `int64_t internal_metadata`. */
  internalMetadata: number;
}

const STORE_STATFS_FIELDS = [
  'total',
  'available',
  'internallyReserved',
  'allocated',
  'dataStored',
  'dataCompressed',
  'dataCompressedAllocated',
  'dataCompressedOriginal',
  'omapAllocated',
  'internalMetadata',
] as const;

export function emptyStoreStatfs(): StoreStatfs {
  return Object.fromEntries(STORE_STATFS_FIELDS.map((k) => [k, 0])) as unknown as StoreStatfs;
}

/** `store_statfs_t` denc: DENC_START(1, 1), ten int64s. */
export function encodeStoreStatfs(e: Encoder, s: StoreStatfs): void {
  e.struct(1, 1, (b) => {
    for (const k of STORE_STATFS_FIELDS) b.i64(s[k]);
  });
}

export function decodeStoreStatfs(d: Decoder): StoreStatfs {
  return d.struct('store_statfs_t', 1, (b) => {
    const s = emptyStoreStatfs();
    for (const k of STORE_STATFS_FIELDS) s[k] = b.i64Number();
    return s;
  });
}

/** `pool_stat_t`: one pool's summed PG stats, as the mgr reports them to the mon (`rados df`, `ceph df`). */
export interface PoolStat {
  /** `object_stat_collection_t stats` (its `sum`). */
  stats: ObjectStatSum;
  /** `int64_t log_size`: PG log entries. */
  logSize: number;
  /** `int64_t ondisk_log_size`. */
  ondiskLogSize: number;
  /** `int32_t up`: PG instances in up sets. */
  up: number;
  /** `int32_t acting`: PG instances in acting sets. */
  acting: number;
  /** `store_statfs_t store_stats`: object store usage (stored/allocated/compressed bytes). */
  storeStats: StoreStatfs;
  /** `uint32_t num_store_stats`: how many OSDs' store stats were summed. */
  numStoreStats: number;
}

export function emptyPoolStat(): PoolStat {
  return {
    stats: emptyObjectStatSum(),
    logSize: 0,
    ondiskLogSize: 0,
    up: 0,
    acting: 0,
    storeStats: emptyStoreStatfs(),
    numStoreStats: 0,
  };
}

/** `pool_stat_t::encode` (OSDENC peers): ENCODE_START(7, 5). */
export function encodePoolStat(e: Encoder, p: PoolStat): void {
  e.struct(7, 5, (b) => {
    encodeObjectStatCollection(b, p.stats);
    b.i64(p.logSize).i64(p.ondiskLogSize).i32(p.up).i32(p.acting);
    encodeStoreStatfs(b, p.storeStats);
    b.u32(p.numStoreStats);
  });
}

export function decodePoolStat(d: Decoder): PoolStat {
  return d.struct('pool_stat_t', 5, (b, v) => {
    if (v < 5) throw new CephError('EINVAL', `decode pool_stat_t: struct_v ${v} is too old`);
    const p = emptyPoolStat();
    p.stats = decodeObjectStatCollection(b);
    p.logSize = b.i64Number();
    p.ondiskLogSize = b.i64Number();
    if (v >= 6) {
      p.up = b.i32();
      p.acting = b.i32();
    }
    if (v >= 7) {
      p.storeStats = decodeStoreStatfs(b);
      p.numStoreStats = b.u32();
    }
    return p;
  });
}
