/**
 * `ceph_release_t`: Ceph's numbered releases, as maps carry them (u8 on the
 * wire: `min_mon_release`, `require_osd_release`, `require_min_compat_client`),
 * and their names as Pacific prints them.
 */
export const CephRelease = {
  UNKNOWN: 0,
  ARGONAUT: 1,
  BOBTAIL: 2,
  CUTTLEFISH: 3,
  DUMPLING: 4,
  EMPEROR: 5,
  FIREFLY: 6,
  GIANT: 7,
  HAMMER: 8,
  INFERNALIS: 9,
  JEWEL: 10,
  KRAKEN: 11,
  LUMINOUS: 12,
  MIMIC: 13,
  NAUTILUS: 14,
  OCTOPUS: 15,
  PACIFIC: 16,
} as const;
export type CephRelease = (typeof CephRelease)[keyof typeof CephRelease];

const RELEASE_NAMES = [
  'unknown',
  'argonaut',
  'bobtail',
  'cuttlefish',
  'dumpling',
  'emperor',
  'firefly',
  'giant',
  'hammer',
  'infernalis',
  'jewel',
  'kraken',
  'luminous',
  'mimic',
  'nautilus',
  'octopus',
  'pacific',
];

/** `ceph_release_name` as Pacific prints it: names up to pacific (16); anything else is `unknown`. */
export function cephReleaseName(release: number): string {
  return RELEASE_NAMES[release] ?? 'unknown';
}

/** `ceph_release_from_name`: a release Pacific can set (argonaut … pacific), or UNKNOWN. */
export function cephReleaseFromName(name: string): number {
  const r = RELEASE_NAMES.indexOf(name);
  return r >= CephRelease.ARGONAUT && r <= CephRelease.PACIFIC ? r : CephRelease.UNKNOWN;
}
