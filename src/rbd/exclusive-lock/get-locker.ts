/**
 * `managed_lock::GetLockerRequest`: who holds the managed lock, if anyone.
 *
 *   <start> → GET_LOCK_INFO → <finish>
 *     no lock / no lockers / a locker without cookie or address → undefined
 *     tag other than `internal`, a cookie not ours, or the wrong lock type → EBUSY
 *       (locked by some other mechanism: librbd will neither share nor break it)
 */
import { CephError, isCephError } from '../../common/errors.js';
import type { EntityNameT } from '../../encoding/types.js';
import { ClsLockType } from '../../cls/lock/index.js';
import { legacyAddrString, type HeaderIo } from '../watcher/header-io.js';
import { RBD_LOCK_NAME, WATCHER_LOCK_TAG, decodeLockCookie } from './lock-cookie.js';

/** `managed_lock::Locker`. */
export interface Locker {
  /** `entity_name_t entity`: client.<gid>. */
  entity: EntityNameT;
  /** The lock cookie (`auto <handle>`). */
  cookie: string;
  /** The holder's address as the OSD saw it (`ip:port/nonce`). */
  address: string;
  /** The holder's watch handle, decoded from the cookie. */
  handle: bigint;
}

export function sameLocker(a: Locker, b: Locker): boolean {
  return (
    a.entity.type === b.entity.type &&
    a.entity.num === b.entity.num &&
    a.cookie === b.cookie &&
    a.address === b.address &&
    a.handle === b.handle
  );
}

export async function getLocker(io: HeaderIo, oid: string, exclusive: boolean): Promise<Locker | undefined> {
  let info;
  try {
    info = await io.getLockInfo(oid, RBD_LOCK_NAME);
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return undefined;
    throw err;
  }
  if (info.lockers.length === 0) return undefined;
  if (info.tag !== WATCHER_LOCK_TAG) {
    throw new CephError('EBUSY', `locked by external mechanism: tag=${info.tag}`);
  }
  if (exclusive && info.lockType === ClsLockType.SHARED) {
    throw new CephError('EBUSY', 'incompatible shared lock');
  }
  if (!exclusive && info.lockType === ClsLockType.EXCLUSIVE) {
    throw new CephError('EBUSY', 'incompatible exclusive lock');
  }
  const holder = info.lockers[0]!;
  const address = holder.info.addr.family === 0 ? '' : legacyAddrString(holder.info.addr);
  if (holder.id.cookie === '' || address === '') return undefined;
  const handle = decodeLockCookie(holder.id.cookie);
  if (handle === undefined) {
    throw new CephError('EBUSY', `locked by external mechanism: cookie=${holder.id.cookie}`);
  }
  return { entity: holder.id.locker, cookie: holder.id.cookie, address, handle };
}
