/**
 * Wire constants of the OSD map (`include/rados.h`, `include/ceph_features.h`,
 * `common/ceph_releases.h`) with the names Ceph prints for them.
 */

/** `CEPH_OSDMAP_*`: cluster-wide flags in `OSDMap::flags`. */
export const OsdMapFlag = {
  /** Writes sync (near ENOSPC); deprecated since Mimic, pools carry it now. */
  NEARFULL: 1 << 0,
  /** No data writes (ENOSPC); deprecated since Mimic, pools carry it now. */
  FULL: 1 << 1,
  PAUSERD: 1 << 2,
  PAUSEWR: 1 << 3,
  PAUSEREC: 1 << 4,
  NOUP: 1 << 5,
  NODOWN: 1 << 6,
  NOOUT: 1 << 7,
  NOIN: 1 << 8,
  NOBACKFILL: 1 << 9,
  NORECOVER: 1 << 10,
  NOSCRUB: 1 << 11,
  NODEEP_SCRUB: 1 << 12,
  NOTIERAGENT: 1 << 13,
  NOREBALANCE: 1 << 14,
  SORTBITWISE: 1 << 15,
  REQUIRE_JEWEL: 1 << 16,
  REQUIRE_KRAKEN: 1 << 17,
  REQUIRE_LUMINOUS: 1 << 18,
  RECOVERY_DELETES: 1 << 19,
  PURGED_SNAPDIRS: 1 << 20,
  NOSNAPTRIM: 1 << 21,
  PGLOG_HARDLIMIT: 1 << 22,
} as const;

export const CEPH_OSDMAP_NEARFULL = OsdMapFlag.NEARFULL;
export const CEPH_OSDMAP_FULL = OsdMapFlag.FULL;
export const CEPH_OSDMAP_PAUSERD = OsdMapFlag.PAUSERD;
export const CEPH_OSDMAP_PAUSEWR = OsdMapFlag.PAUSEWR;
export const CEPH_OSDMAP_PAUSEREC = OsdMapFlag.PAUSEREC;
export const CEPH_OSDMAP_NOUP = OsdMapFlag.NOUP;
export const CEPH_OSDMAP_NODOWN = OsdMapFlag.NODOWN;
export const CEPH_OSDMAP_NOOUT = OsdMapFlag.NOOUT;
export const CEPH_OSDMAP_NOIN = OsdMapFlag.NOIN;
export const CEPH_OSDMAP_NOBACKFILL = OsdMapFlag.NOBACKFILL;
export const CEPH_OSDMAP_NORECOVER = OsdMapFlag.NORECOVER;
export const CEPH_OSDMAP_NOSCRUB = OsdMapFlag.NOSCRUB;
export const CEPH_OSDMAP_NODEEP_SCRUB = OsdMapFlag.NODEEP_SCRUB;
export const CEPH_OSDMAP_NOTIERAGENT = OsdMapFlag.NOTIERAGENT;
export const CEPH_OSDMAP_NOREBALANCE = OsdMapFlag.NOREBALANCE;
export const CEPH_OSDMAP_SORTBITWISE = OsdMapFlag.SORTBITWISE;
export const CEPH_OSDMAP_REQUIRE_JEWEL = OsdMapFlag.REQUIRE_JEWEL;
export const CEPH_OSDMAP_REQUIRE_KRAKEN = OsdMapFlag.REQUIRE_KRAKEN;
export const CEPH_OSDMAP_REQUIRE_LUMINOUS = OsdMapFlag.REQUIRE_LUMINOUS;
export const CEPH_OSDMAP_RECOVERY_DELETES = OsdMapFlag.RECOVERY_DELETES;
export const CEPH_OSDMAP_PURGED_SNAPDIRS = OsdMapFlag.PURGED_SNAPDIRS;
export const CEPH_OSDMAP_NOSNAPTRIM = OsdMapFlag.NOSNAPTRIM;
export const CEPH_OSDMAP_PGLOG_HARDLIMIT = OsdMapFlag.PGLOG_HARDLIMIT;

/** The pre-Luminous "require release" flags, folded into `require_osd_release` on decode. */
export const CEPH_OSDMAP_LEGACY_REQUIRE_FLAGS =
  OsdMapFlag.REQUIRE_JEWEL | OsdMapFlag.REQUIRE_KRAKEN | OsdMapFlag.REQUIRE_LUMINOUS;

/** `OSDMap::get_flag_string`: the names, in Ceph's order, comma-joined. */
const FLAG_NAMES: readonly [number, string][] = [
  [OsdMapFlag.PAUSERD, 'pauserd'],
  [OsdMapFlag.PAUSEWR, 'pausewr'],
  [OsdMapFlag.PAUSEREC, 'pauserec'],
  [OsdMapFlag.NOUP, 'noup'],
  [OsdMapFlag.NODOWN, 'nodown'],
  [OsdMapFlag.NOOUT, 'noout'],
  [OsdMapFlag.NOIN, 'noin'],
  [OsdMapFlag.NOBACKFILL, 'nobackfill'],
  [OsdMapFlag.NOREBALANCE, 'norebalance'],
  [OsdMapFlag.NORECOVER, 'norecover'],
  [OsdMapFlag.NOSCRUB, 'noscrub'],
  [OsdMapFlag.NODEEP_SCRUB, 'nodeep-scrub'],
  [OsdMapFlag.NOTIERAGENT, 'notieragent'],
  [OsdMapFlag.NOSNAPTRIM, 'nosnaptrim'],
  [OsdMapFlag.SORTBITWISE, 'sortbitwise'],
  [OsdMapFlag.REQUIRE_JEWEL, 'require_jewel_osds'],
  [OsdMapFlag.REQUIRE_KRAKEN, 'require_kraken_osds'],
  [OsdMapFlag.REQUIRE_LUMINOUS, 'require_luminous_osds'],
  [OsdMapFlag.RECOVERY_DELETES, 'recovery_deletes'],
  [OsdMapFlag.PURGED_SNAPDIRS, 'purged_snapdirs'],
  [OsdMapFlag.PGLOG_HARDLIMIT, 'pglog_hardlimit'],
];

/** `OSDMap::get_flag_string(flags)`: `pauserd,sortbitwise,...` (NEARFULL/FULL have no name). */
export function osdMapFlagString(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0)
    .map(([, name]) => name)
    .join(',');
}

/** `CEPH_OSD_*`: per-OSD state bits in `OSDMap::osd_state`. */
export const OsdState = {
  EXISTS: 1 << 0,
  UP: 1 << 1,
  /** Marked out automatically (by the mon, not an operator). */
  AUTOOUT: 1 << 2,
  /** Created but never booted (mark in on first boot). */
  NEW: 1 << 3,
  FULL: 1 << 4,
  NEARFULL: 1 << 5,
  BACKFILLFULL: 1 << 6,
  DESTROYED: 1 << 7,
  NOUP: 1 << 8,
  NODOWN: 1 << 9,
  NOIN: 1 << 10,
  NOOUT: 1 << 11,
  STOP: 1 << 12,
} as const;

/** `ceph_osd_state_name`. */
export function osdStateName(bit: number): string {
  switch (bit) {
    case OsdState.EXISTS:
      return 'exists';
    case OsdState.UP:
      return 'up';
    case OsdState.AUTOOUT:
      return 'autoout';
    case OsdState.NEW:
      return 'new';
    case OsdState.FULL:
      return 'full';
    case OsdState.NEARFULL:
      return 'nearfull';
    case OsdState.BACKFILLFULL:
      return 'backfillfull';
    case OsdState.DESTROYED:
      return 'destroyed';
    case OsdState.NOUP:
      return 'noup';
    case OsdState.NODOWN:
      return 'nodown';
    case OsdState.NOIN:
      return 'noin';
    case OsdState.NOOUT:
      return 'noout';
    case OsdState.STOP:
      return 'stop';
    default:
      return '???';
  }
}

/** `OSDMap::calc_state_set`: the names of the set bits, sorted (a std::set<string>). */
export function osdStateSet(state: number): string[] {
  const names = new Set<string>();
  for (let i = 0; i < 32; i++) {
    const bit = 2 ** i;
    if (Math.floor((state >>> 0) / bit) % 2 === 1) names.add(osdStateName(bit));
  }
  return [...names].sort(compareBytes);
}

/** std::string ordering (bytewise). */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `CEPH_OSD_IN` / `CEPH_OSD_OUT`: the 16.16 fixed-point reweight of an OSD that is fully in / out. */
export const CEPH_OSD_IN = 0x10000;
export const CEPH_OSD_OUT = 0;
/** `CEPH_OSD_MAX_PRIMARY_AFFINITY` = `CEPH_OSD_DEFAULT_PRIMARY_AFFINITY`: 1.0 in 16.16. */
export const CEPH_OSD_MAX_PRIMARY_AFFINITY = 0x10000;
export const CEPH_OSD_DEFAULT_PRIMARY_AFFINITY = 0x10000;

export { CephRelease, cephReleaseName } from '../common/ceph-release.js';

/** `CRUSH_ITEM_NONE`: an empty slot in an EC PG's OSD list. */
export { CRUSH_ITEM_NONE } from '../crush/index.js';
