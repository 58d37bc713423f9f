/**
 * The OSD map layer: `OSDMap` (decode/encode, incrementals, placement),
 * `PgPool`, the object hashes and the interval helpers the Objecter uses.
 *
 * Conventions: pg ids are `{ pool, seed }` (`PgId` from encoding); a "raw"
 * pg carries the full 32-bit object hash as its seed, `rawPgToPg` folds it
 * by pg_num. `lookupPool` returns -1 for an unknown name (Ceph's -ENOENT);
 * `objectLocatorToPg` throws CephError ENOENT for an unknown pool.
 */
export {
  CEPH_OSD_DEFAULT_PRIMARY_AFFINITY,
  CEPH_OSD_IN,
  CEPH_OSD_MAX_PRIMARY_AFFINITY,
  CEPH_OSD_OUT,
  CEPH_OSDMAP_FULL,
  CEPH_OSDMAP_LEGACY_REQUIRE_FLAGS,
  CEPH_OSDMAP_NEARFULL,
  CEPH_OSDMAP_NOBACKFILL,
  CEPH_OSDMAP_NODEEP_SCRUB,
  CEPH_OSDMAP_NODOWN,
  CEPH_OSDMAP_NOIN,
  CEPH_OSDMAP_NOOUT,
  CEPH_OSDMAP_NOREBALANCE,
  CEPH_OSDMAP_NORECOVER,
  CEPH_OSDMAP_NOSCRUB,
  CEPH_OSDMAP_NOSNAPTRIM,
  CEPH_OSDMAP_NOTIERAGENT,
  CEPH_OSDMAP_NOUP,
  CEPH_OSDMAP_PAUSEREC,
  CEPH_OSDMAP_PAUSERD,
  CEPH_OSDMAP_PAUSEWR,
  CEPH_OSDMAP_PGLOG_HARDLIMIT,
  CEPH_OSDMAP_PURGED_SNAPDIRS,
  CEPH_OSDMAP_RECOVERY_DELETES,
  CEPH_OSDMAP_REQUIRE_JEWEL,
  CEPH_OSDMAP_REQUIRE_KRAKEN,
  CEPH_OSDMAP_REQUIRE_LUMINOUS,
  CEPH_OSDMAP_SORTBITWISE,
  CRUSH_ITEM_NONE,
  CephRelease,
  cephReleaseName,
  compareBytes,
  OsdMapFlag,
  osdMapFlagString,
  OsdState,
  osdStateName,
  osdStateSet,
} from './constants.js';
export {
  CephStrHash,
  cbits,
  cephStableMod,
  cephStrHash,
  cephStrHashLinux,
  cephStrHashName,
  cephStrHashRjenkins,
} from './hash.js';
export { SnapIntervalSet, type SnapInterval } from './interval-set.js';
export {
  CacheMode,
  cacheModeName,
  decodePgPool,
  encodePgPool,
  FLAG_FULL,
  FLAG_FULL_QUOTA,
  FLAG_HASHPSPOOL,
  HitSetType,
  PgAutoscaleMode,
  pgAutoscaleModeName,
  PgPool,
  PoolFlag,
  poolFlagsString,
  poolOptName,
  PoolType,
  type HitSetParams,
  type PgMergeMeta,
  type PoolOptValue,
  type PoolSnapInfo,
} from './pg-pool.js';
export {
  addrsEqual,
  compareAddrs,
  comparePgIds,
  PgMap,
  formatOsdInfo,
  type BlocklistEntry,
  type OsdInfo,
  type OsdXInfo,
} from './osd-types.js';
export { OSDMap, type UpActing } from './osdmap.js';
export { OSDMapIncremental, decodeOSDMapIncremental } from './incremental.js';
export {
  isNewInterval,
  pgIsMergeSource,
  pgIsMergeTarget,
  pgIsSplit,
  pgParent,
  pgSplitChildren,
  primaryChanged,
  type IntervalState,
} from './interval.js';
export { minCompatClient, printOsdMap, unorderedMapOrder } from './print.js';
export { printOsdTree, printOsdTreeFormatted } from './tree.js';
export { dumpOsdMap, dumpPool } from './dump.js';
export {
  BUILD_SIMPLE_DEFAULTS,
  buildSimpleCrushMap,
  buildSimpleOsdMap,
  type BuildSimpleConfig,
} from './build.js';
export {
  formatAddr,
  formatAddrVec,
  formatFloat,
  formatIntVector,
  formatPgVector,
  formatUTimeLocal,
} from './format.js';
