/**
 * `managed_lock::BreakRequest`: take the lock away from a dead holder.
 *
 *   <start> → GET_WATCHERS ──holder still watching the header (same address and
 *          │                 watch handle) and not forced──→ EAGAIN (it is alive)
 *          ↓
 *        GET_LOCKER ──lock gone──→ <finish> (0)
 *          │        ──a different holder now──→ EAGAIN
 *          ↓
 *        BLOCKLIST (if rbd_blocklist_on_break_lock; never ourselves → EINVAL)
 *          │   `osd blocklist add <addr> [expire]`, then wait for the newest osdmap
 *          ↓
 *        BREAK_LOCK (ENOENT is fine: someone else broke it) → <finish>
 *
 * Blocklisting first makes sure a holder that only looked dead (a stalled
 * process) cannot write after it loses the lock.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { EntityType } from '../../encoding/types.js';
import { logger } from '../../common/log.js';
import { legacyAddrString, type HeaderIo } from '../watcher/header-io.js';
import { getLocker, sameLocker, type Locker } from './get-locker.js';
import { RBD_LOCK_NAME } from './lock-cookie.js';

const log = logger('rbd', 'librbd::managed_lock::BreakRequest: ');

export interface BreakOptions {
  exclusive: boolean;
  /** `rbd_blocklist_on_break_lock`. */
  blocklistLocker: boolean;
  /** `rbd_blocklist_expire_seconds` (0: the monitor's default). */
  blocklistExpireSeconds: number;
  /** Break even when the holder still watches the header (`rbd lock break`). */
  force: boolean;
}

export async function breakLock(io: HeaderIo, oid: string, locker: Locker, o: BreakOptions): Promise<void> {
  const watchers = await io.listWatchers(oid);
  const alive = watchers.some(
    (w) => legacyAddrString(w.addr) === locker.address && w.cookie === locker.handle,
  );
  if (alive) log.debug(10, 'lock owner is still alive');
  if (alive && !o.force) throw new CephError('EAGAIN', 'lock owner is still alive');

  const current = await getLocker(io, oid, o.exclusive);
  if (!current) return;
  if (!sameLocker(current, locker)) throw new CephError('EAGAIN', 'lock owner changed');

  if (o.blocklistLocker) {
    const self = io.instanceId();
    if (locker.entity.type === EntityType.CLIENT && locker.entity.num === self) {
      throw new CephError('EINVAL', 'attempting to self-blocklist');
    }
    log.debug(10, () => `blocklisting ${locker.address}`);
    await io.blocklistAdd(locker.address, o.blocklistExpireSeconds);
  }

  try {
    await io.breakLock(oid, RBD_LOCK_NAME, locker.cookie, locker.entity);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}
