/**
 * Ceph feature bits (`include/ceph_features.h`, Pacific 16.2.x).
 *
 * Every feature is one bit of a u64 exchanged in CLIENT_IDENT/SERVER_IDENT.
 * Bits were recycled over the years, so a feature is identified by its bit
 * *and* an "incarnation": the mask of a feature of incarnation 2 also
 * requires SERVER_JEWEL (bit 57), of incarnation 3 also SERVER_MIMIC (bit 28).
 * A peer has a feature when all bits of its mask are set (`HAVE_FEATURE`).
 *
 * `CEPH_FEATURES_ALL` is what a Pacific daemon advertises; it was checked
 * against a real 16.2.15 mon, osd, mgr and client (`ceph features` and the
 * SERVER_IDENT frame of ceph-mon both show 0x3f01cfbdfffdffff).
 */

/** Incarnation masks: which server release a recycled bit requires. */
export const FeatureIncarnation = {
  /** Original meaning of the bit. */
  INCARNATION_1: 0n,
  /** Reused after Jewel: requires SERVER_JEWEL. */
  INCARNATION_2: 1n << 57n,
  /** Reused after Mimic: requires SERVER_JEWEL and SERVER_MIMIC. */
  INCARNATION_3: (1n << 57n) | (1n << 28n),
} as const;

interface FeatureDef {
  bit: bigint;
  incarnation: bigint;
}

const def = (bit: number, incarnation: 1 | 2 | 3): FeatureDef => ({
  bit: 1n << BigInt(bit),
  incarnation:
    incarnation === 1
      ? FeatureIncarnation.INCARNATION_1
      : incarnation === 2
        ? FeatureIncarnation.INCARNATION_2
        : FeatureIncarnation.INCARNATION_3,
});

/** Pacific's feature table: name → (bit, incarnation). Overlapping names share a bit on purpose. */
const table = {
  UID: def(0, 1),
  NOSRCADDR: def(1, 1),
  SERVER_NAUTILUS: def(2, 3),
  FLOCK: def(3, 1),
  SUBSCRIBE2: def(4, 1),
  MONNAMES: def(5, 1),
  RECONNECT_SEQ: def(6, 1),
  DIRLAYOUTHASH: def(7, 1),
  OBJECTLOCATOR: def(8, 1),
  PGID64: def(9, 1),
  INCSUBOSDMAP: def(10, 1),
  PGPOOL3: def(11, 1),
  OSDREPLYMUX: def(12, 1),
  OSDENC: def(13, 1),
  SERVER_KRAKEN: def(14, 2),
  MONENC: def(15, 1),
  SERVER_OCTOPUS: def(16, 3),
  OSD_REPOP_MLCOD: def(16, 3),
  OS_PERF_STAT_NS: def(17, 3),
  CRUSH_TUNABLES: def(18, 1),
  OSD_PGLOG_HARDLIMIT: def(19, 2),
  SERVER_PACIFIC: def(20, 3),
  SERVER_LUMINOUS: def(21, 2),
  RESEND_ON_SPLIT: def(21, 2),
  RADOS_BACKOFF: def(21, 2),
  OSDMAP_PG_UPMAP: def(21, 2),
  CRUSH_CHOOSE_ARGS: def(21, 2),
  OSD_FIXED_COLLECTION_LIST: def(22, 2),
  MSG_AUTH: def(23, 1),
  RECOVERY_RESERVATION_2: def(24, 2),
  CRUSH_TUNABLES2: def(25, 1),
  CREATEPOOLID: def(26, 1),
  REPLY_CREATE_INODE: def(27, 1),
  SERVER_MIMIC: def(28, 2),
  MDSENC: def(29, 1),
  OSDHASHPSPOOL: def(30, 1),
  /** Deprecated since Nautilus but still advertised. */
  MON_SINGLE_PAXOS: def(31, 1),
  STRETCH_MODE: def(32, 3),
  RANGE_BLOCKLIST: def(34, 3),
  OSD_CACHEPOOL: def(35, 1),
  CRUSH_V2: def(36, 1),
  EXPORT_PEER: def(37, 1),
  OSDMAP_ENC: def(39, 1),
  MDS_INLINE_DATA: def(40, 1),
  CRUSH_TUNABLES3: def(41, 1),
  OSD_PRIMARY_AFFINITY: def(41, 1),
  MSGR_KEEPALIVE2: def(42, 1),
  OSD_POOLRESEND: def(43, 1),
  OSD_FADVISE_FLAGS: def(46, 1),
  OSD_REPOP: def(46, 1),
  OSD_OBJECT_DIGEST: def(46, 1),
  OSD_TRANSACTION_MAY_LAYOUT: def(46, 1),
  MDS_QUOTA: def(47, 1),
  CRUSH_V4: def(48, 1),
  NEW_OSDOP_ENCODING: def(56, 1),
  MON_STATEFUL_SUB: def(57, 1),
  SERVER_JEWEL: def(57, 1),
  CRUSH_TUNABLES5: def(58, 1),
  NEW_OSDOPREPLY_ENCODING: def(58, 1),
  FS_FILE_LAYOUT_V2: def(58, 1),
  FS_BTIME: def(59, 1),
  FS_CHANGE_ATTR: def(59, 1),
  MSG_ADDR2: def(59, 1),
  OSD_RECOVERY_DELETES: def(60, 1),
  CEPHX_V2: def(61, 1),
  /** Sentinel; never set. */
  RESERVED: def(62, 1),
  /** Old clients set it to mean "everything through OSD_SNAPMAPPER"; never set. */
  RESERVED_BROKEN: def(63, 1),
} as const satisfies Record<string, FeatureDef>;

export type FeatureName = keyof typeof table;

type BitTable = { readonly [K in FeatureName]: bigint };

function mapTable(f: (d: FeatureDef) => bigint): BitTable {
  const out: Record<string, bigint> = {};
  for (const [name, d] of Object.entries(table)) out[name] = f(d);
  return out as BitTable;
}

/** `CEPH_FEATURE_*`: the raw bit of each feature. */
export const CephFeature: BitTable = mapTable((d) => d.bit);

/** `CEPH_FEATUREMASK_*`: the bit plus its incarnation bits; test with `hasFeature`. */
export const CephFeatureMask: BitTable = mapTable((d) => d.bit | d.incarnation);

/** `HAVE_FEATURE(features, NAME)`: all bits of the feature's mask are present. */
export function hasFeature(features: bigint, name: FeatureName): boolean {
  const mask = CephFeatureMask[name];
  return (features & mask) === mask;
}

/** Features Pacific advertises (`CEPH_FEATURES_ALL`); retired bits and OS_PERF_STAT_NS (OSD-internal) are left out. */
export const CEPH_FEATURES_ALL: bigint = (
  [
    'UID',
    'NOSRCADDR',
    'SERVER_NAUTILUS',
    'FLOCK',
    'SUBSCRIBE2',
    'MONNAMES',
    'RECONNECT_SEQ',
    'DIRLAYOUTHASH',
    'OBJECTLOCATOR',
    'PGID64',
    'INCSUBOSDMAP',
    'PGPOOL3',
    'OSDREPLYMUX',
    'OSDENC',
    'SERVER_KRAKEN',
    'MONENC',
    'SERVER_OCTOPUS',
    'OSD_REPOP_MLCOD',
    'CRUSH_TUNABLES',
    'OSD_PGLOG_HARDLIMIT',
    'SERVER_PACIFIC',
    'SERVER_LUMINOUS',
    'RESEND_ON_SPLIT',
    'RADOS_BACKOFF',
    'OSDMAP_PG_UPMAP',
    'CRUSH_CHOOSE_ARGS',
    'OSD_FIXED_COLLECTION_LIST',
    'MSG_AUTH',
    'RECOVERY_RESERVATION_2',
    'CRUSH_TUNABLES2',
    'CREATEPOOLID',
    'REPLY_CREATE_INODE',
    'SERVER_MIMIC',
    'MDSENC',
    'OSDHASHPSPOOL',
    'MON_SINGLE_PAXOS',
    'STRETCH_MODE',
    'RANGE_BLOCKLIST',
    'OSD_CACHEPOOL',
    'CRUSH_V2',
    'EXPORT_PEER',
    'OSDMAP_ENC',
    'MDS_INLINE_DATA',
    'CRUSH_TUNABLES3',
    'OSD_PRIMARY_AFFINITY',
    'MSGR_KEEPALIVE2',
    'OSD_POOLRESEND',
    'OSD_FADVISE_FLAGS',
    'OSD_REPOP',
    'OSD_OBJECT_DIGEST',
    'OSD_TRANSACTION_MAY_LAYOUT',
    'MDS_QUOTA',
    'CRUSH_V4',
    'NEW_OSDOP_ENCODING',
    'MON_STATEFUL_SUB',
    'SERVER_JEWEL',
    'CRUSH_TUNABLES5',
    'NEW_OSDOPREPLY_ENCODING',
    'FS_FILE_LAYOUT_V2',
    'FS_BTIME',
    'FS_CHANGE_ATTR',
    'MSG_ADDR2',
    'OSD_RECOVERY_DELETES',
    'CEPHX_V2',
  ] as const satisfies readonly FeatureName[]
).reduce((acc, name) => acc | CephFeature[name], 0n);

/** `CEPH_FEATURES_SUPPORTED_DEFAULT`: what a messenger policy supports unless told otherwise. */
export const CEPH_FEATURES_SUPPORTED_DEFAULT = CEPH_FEATURES_ALL;

/**
 * `ceph_sanitize_features`: very old clients set bit 63 to mean every feature
 * through OSD_SNAPMAPPER (bit 32); translate that into the real set.
 */
export function sanitizeFeatures(features: bigint): bigint {
  return features & CephFeature.RESERVED_BROKEN ? 0x1ffffffffn : features;
}

/** The names of the features set in `features` (first name per bit, in bit order), for logs and `ceph features`. */
export function featureNames(features: bigint): FeatureName[] {
  const seen = new Set<bigint>();
  const out: FeatureName[] = [];
  for (const [name, d] of Object.entries(table) as [FeatureName, FeatureDef][]) {
    if (seen.has(d.bit) || (features & d.bit) === 0n) continue;
    seen.add(d.bit);
    out.push(name);
  }
  return out.sort((a, b) => (table[a].bit < table[b].bit ? -1 : 1));
}
