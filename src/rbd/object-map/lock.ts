/**
 * The cls lock librbd keeps on the head object map while it owns the image
 * (object_map::LockRequest / UnlockRequest): exclusive `rbd_lock`, empty
 * cookie. Updates assert it, so a client that lost the image cannot write
 * the map. Both steps are best effort, as in librbd: failures only log.
 *
 *   LOCK ─ok / EEXIST (ours already)→ <finish>
 *        ─EBUSY→ GET_LOCK_INFO → BREAK_LOCKS (every holder) → LOCK (once more) → <finish>
 *        ─other error→ <finish>
 *   UNLOCK ─any→ <finish>
 */
import { breakObjectLock, getLockInfo, lockObject, unlockObject } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { isErrno, mapOid, type ObjectMapImage } from './image.js';

/** `RBD_LOCK_NAME`. */
export const OBJECT_MAP_LOCK_NAME = 'rbd_lock';

/** Take the head map's lock, breaking whoever held it. Returns whether this client holds it. */
export async function lockObjectMap(image: ObjectMapImage): Promise<boolean> {
  const oid = mapOid(image, CEPH_NOSNAP);
  const take = (): Promise<void> =>
    lockObject(image.headerIoCtx, oid, {
      name: OBJECT_MAP_LOCK_NAME,
      type: ClsLockType.EXCLUSIVE,
      cookie: '',
    });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await take();
      return true;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return true;
      if (!isErrno(err, 'EBUSY') || attempt > 0) return false;
    }
    try {
      const info = await getLockInfo(image.headerIoCtx, oid, OBJECT_MAP_LOCK_NAME);
      for (const holder of info.lockers) {
        try {
          await breakObjectLock(
            image.headerIoCtx,
            oid,
            OBJECT_MAP_LOCK_NAME,
            holder.id.cookie,
            holder.id.locker,
          );
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) return false;
        }
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) return false;
    }
  }
  return false;
}

/** Release the head map's lock (errors ignored, as librbd only logs them). */
export async function unlockObjectMap(image: ObjectMapImage): Promise<void> {
  try {
    await unlockObject(image.headerIoCtx, mapOid(image, CEPH_NOSNAP), OBJECT_MAP_LOCK_NAME, '');
  } catch {
    // ENOENT (map or lock gone) and the rest: librbd logs and carries on
  }
}
