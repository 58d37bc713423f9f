/**
 * How librbd names its managed lock on the header (`managed_lock/Utils.cc`):
 * cls_lock `rbd_lock`, tag `internal`, cookie `auto <watch handle>`. A holder
 * whose tag or cookie does not look like this locked the image by some other
 * means (`rbd lock add`), and librbd will not break it.
 */
export { RBD_LOCK_NAME } from '../constants.js';

/** `WATCHER_LOCK_TAG`: the tag every managed lock holder presents. */
export const WATCHER_LOCK_TAG = 'internal';
/** `WATCHER_LOCK_COOKIE_PREFIX`. */
export const WATCHER_LOCK_COOKIE_PREFIX = 'auto';

/** `encode_lock_cookie`: `auto 140523459312128`. */
export function encodeLockCookie(watchHandle: bigint): string {
  return `${WATCHER_LOCK_COOKIE_PREFIX} ${watchHandle}`;
}

/** `decode_lock_cookie`: the watch handle, or undefined when the cookie is not ours. */
export function decodeLockCookie(cookie: string): bigint | undefined {
  const m = /^\s*(\S+)\s+(\d+)/.exec(cookie);
  if (!m || m[1] !== WATCHER_LOCK_COOKIE_PREFIX) return undefined;
  const handle = BigInt(m[2]!);
  return handle <= 0xffffffffffffffffn ? handle : undefined;
}
