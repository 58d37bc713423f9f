/**
 * The managed lock's RADOS steps: acquire (with break), release, reacquire.
 *
 * `managed_lock::AcquireRequest`: take the managed lock on the header.
 *
 *   <start> → GET_LOCKER → LOCK ──ok──→ <finish>
 *                ^          │
 *                │          ├─EBUSY, no holder known──→ GET_LOCKER (it was just taken)
 *                │          ├─EBUSY, holder known──→ BREAK_LOCK ──ok──→ LOCK
 *                │          │                            └─EAGAIN (alive) / error──→ <finish>
 *                │          └─other error──→ <finish>
 *   At most MAX_LOCK_ATTEMPTS rounds; past that the lock is contended: EAGAIN.
 *
 * EBUSY from GET_LOCKER (an external locker) and EAGAIN (a live owner) tell
 * the caller someone else has the lock.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import type { HeaderIo } from '../watcher/header-io.js';
import { breakLock } from './break-request.js';
import { getLocker, type Locker } from './get-locker.js';
import { RBD_LOCK_NAME, WATCHER_LOCK_TAG } from './lock-cookie.js';

const log = logger('rbd', 'librbd::managed_lock: ');

export const MAX_LOCK_ATTEMPTS = 10;

export interface AcquireRequestOptions {
  cookie: string;
  exclusive: boolean;
  blocklistOnBreakLock: boolean;
  blocklistExpireSeconds: number;
}

export async function acquireLock(io: HeaderIo, oid: string, o: AcquireRequestOptions): Promise<void> {
  let locker: Locker | undefined = await getLocker(io, oid, o.exclusive);
  for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt++) {
    try {
      await io.lock(oid, {
        name: RBD_LOCK_NAME,
        exclusive: o.exclusive,
        cookie: o.cookie,
        tag: WATCHER_LOCK_TAG,
      });
      return;
    } catch (err) {
      if (!isCephError(err, 'EBUSY')) throw err;
    }
    if (!locker) {
      // Someone took it between our look and our lock: look again.
      locker = await getLocker(io, oid, o.exclusive);
      continue;
    }
    await breakLock(io, oid, locker, {
      exclusive: o.exclusive,
      blocklistLocker: o.blocklistOnBreakLock,
      blocklistExpireSeconds: o.blocklistExpireSeconds,
      force: false,
    });
    locker = undefined;
  }
  throw new CephError('EAGAIN', 'lock is contended');
}

/** `managed_lock::ReleaseRequest`: unlock; a failure is logged, never returned (the lock is ours to lose). */
export async function releaseLock(io: HeaderIo, oid: string, cookie: string): Promise<number> {
  try {
    await io.unlock(oid, RBD_LOCK_NAME, cookie);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) log.error(() => `failed to unlock: ${(err as Error).message}`);
  }
  return 0;
}

/** `managed_lock::ReacquireRequest`: move our hold to the cookie of the new watch handle (`set_cookie`). */
export async function reacquireLock(
  io: HeaderIo,
  oid: string,
  o: { exclusive: boolean; oldCookie: string; newCookie: string },
): Promise<void> {
  await io.setCookie(oid, {
    name: RBD_LOCK_NAME,
    exclusive: o.exclusive,
    cookie: o.oldCookie,
    tag: WATCHER_LOCK_TAG,
    newCookie: o.newCookie,
  });
}
