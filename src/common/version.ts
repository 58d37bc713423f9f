/**
 * What tsceph reports as its version. The Ceph release it is wire-compatible
 * with comes first, so tools that parse "X.Y.Z" (cephadm, the mgr's version
 * checks) see Pacific; the suffix names the tsceph build.
 */

/** The tsceph package version (keep in step with package.json). */
export const TSCEPH_VERSION = '0.1.0';

/** The Ceph release tsceph speaks. */
export const CEPH_RELEASE = { version: '16.2.15', name: 'pacific', type: 'stable', major: 16 } as const;

/** `ceph_version_to_str()`: what `version` on the admin socket reports. */
export const CEPH_VERSION_STRING = `${CEPH_RELEASE.version}-tsceph-${TSCEPH_VERSION}`;

/** `git_version_to_str()`: tsceph has no Ceph git sha1; it names its own build instead. */
export const CEPH_GIT_VERSION = `tsceph-${TSCEPH_VERSION}`;

/** The line `ceph --version` prints: "ceph version 16.2.15-tsceph-0.1.0 (tsceph-0.1.0) pacific (stable)". */
export function cephVersionLine(): string {
  return `ceph version ${CEPH_VERSION_STRING} (${CEPH_GIT_VERSION}) ${CEPH_RELEASE.name} (${CEPH_RELEASE.type})`;
}
