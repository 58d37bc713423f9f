/**
 * `Operations::invoke_async_request` (`C_InvokeAsyncRequest`): run a
 * maintenance operation where it must run — here when we own the exclusive
 * lock (or the image has none), else on the lock owner through the image
 * watcher.
 *
 *          <start>
 *             │   . . . . . . . . . . . . . . . . . . . . . . . . . . .
 *             v   v                                                    .
 *       REFRESH_IMAGE (if a header update is pending)                  .
 *             │                                                        .
 *             v                                                        .
 *       read-only, or at a snapshot without permitSnapshot ──→ EROFS   .
 *             │                                                        .
 *             v                                                        .
 *       ACQUIRE_LOCK (skipped without the exclusive-lock feature or    .
 *             │       when we own it and it accepts requests;          .
 *             │       try-acquire, or acquire after the owner said     .
 *             │       EOPNOTSUPP; a failure is EROFS / EBLOCKLISTED)   .
 *        owner│           │not owner                                   .
 *             v           v                                            .
 *       LOCAL_REQUEST   REMOTE_REQUEST ── ETIMEDOUT / ERESTART ─────────.
 *         │   │             │   └──── EOPNOTSUPP: acquire next time ───.
 *         │   └ ERESTART ──────────────────────────────────────────────.
 *         v                 v
 *       <finish>  <finish> (the image is told a header update arrived)
 *
 * Each loop waits at least a notify timeout, so `maxAttempts` bounds the
 * whole call; past it the result is ETIMEDOUT. The remote request must reuse
 * one request id across attempts (allocate it before calling), so an owner
 * that already ran it answers with the recorded result instead of running it
 * twice.
 */
import { CephError, Errno, isCephError } from '../../common/errors.js';
import { logger } from '../../common/log.js';

const log = logger('rbd', 'librbd::Operations: ');

/** Where a request gives up after this many local/remote rounds. */
export const INVOKE_ASYNC_REQUEST_MAX_ATTEMPTS = 20;

/** What invoke needs from the exclusive lock (ExclusiveLock implements it). */
export interface InvokeLock {
  isLockOwner(): boolean;
  acceptRequest(type: number): { accept: boolean; r: number };
  /** Take the lock if free (or held by a dead client); resolves even when someone else keeps it. */
  tryAcquireLock(): Promise<void>;
  /** Take the lock, asking its owner to hand it over. */
  acquireLock(opts?: { explicit?: boolean }): Promise<void>;
}

/** What invoke needs from the image (ImageCtx implements it). */
export interface InvokeAsyncRequestHost {
  /** Opened read-only. */
  readonly readOnly: boolean;
  /** Opened at a snapshot (snap_id ≠ CEPH_NOSNAP). */
  isSnapshot(): boolean;
  /** Null without the exclusive-lock feature. */
  exclusiveLock(): InvokeLock | null;
  /** False when there is no image watcher (then the op cannot be forwarded: EROFS). */
  hasImageWatcher(): boolean;
  /** Refresh if a header update is pending. */
  refreshIfRequired?(): Promise<void>;
  /** A remote request finished: the owner changed the header (`handle_update_notification`). */
  handleUpdateNotification?(): void;
}

export interface InvokeAsyncRequestOptions {
  /** For logs ("resize", "snap_create"…). */
  name: string;
  /** `exclusive_lock::OperationRequestType` (0 general). */
  requestType?: number;
  /** May run on an image opened at a snapshot (rebuild object map, rename…). */
  permitSnapshot: boolean;
  /** Run it here (we own the lock or there is none). */
  local: () => Promise<void>;
  /** Forward it to the lock owner (e.g. `watcher.notifyResize(requestId, …)`). */
  remote: () => Promise<void>;
  /** Errors that count as success (`{-EEXIST}` for snap create, `{-ENOENT}` for snap remove). */
  filterErrors?: readonly number[];
  maxAttempts?: number;
}

function errnoOf(err: unknown): number {
  if (isCephError(err)) return err.errno;
  throw err;
}

async function run(step: () => Promise<void>): Promise<number> {
  try {
    await step();
    return 0;
  } catch (err) {
    return errnoOf(err);
  }
}

export async function invokeAsyncRequest(
  host: InvokeAsyncRequestHost,
  o: InvokeAsyncRequestOptions,
): Promise<void> {
  const requestType = o.requestType ?? 0;
  const maxAttempts = o.maxAttempts ?? INVOKE_ASYNC_REQUEST_MAX_ATTEMPTS;
  const finish = (r: number): void => {
    if (r < 0 && !(o.filterErrors ?? []).includes(r)) throw new CephError(r, o.name);
  };
  let requestLock = false;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await host.refreshIfRequired?.();
    if (host.readOnly || (!o.permitSnapshot && host.isSnapshot())) {
      throw new CephError('EROFS', `${o.name}: image is read-only`);
    }
    let lock = host.exclusiveLock();
    let local = lock === null;
    if (lock !== null) {
      if (!host.hasImageWatcher()) throw new CephError('EROFS', `${o.name}: no image watcher`);
      if (lock.isLockOwner() && lock.acceptRequest(requestType).accept) {
        local = true;
      } else {
        try {
          if (requestLock) {
            // The owner cannot run this op: take the lock ourselves.
            requestLock = false;
            await lock.acquireLock({ explicit: true });
          } else {
            await lock.tryAcquireLock();
          }
        } catch (err) {
          const r = errnoOf(err);
          throw new CephError(
            r === -Errno.EBLOCKLISTED ? 'EBLOCKLISTED' : 'EROFS',
            `${o.name}: ${(err as Error).message}`,
          );
        }
        lock = host.exclusiveLock();
        local = lock === null || lock.isLockOwner();
      }
    }
    if (local) {
      const r = await run(o.local);
      if (r === -Errno.ERESTART) {
        log.debug(5, () => `${o.name} interrupted: restarting`);
        continue;
      }
      finish(r);
      return;
    }
    const r = await run(o.remote);
    if (r === -Errno.EOPNOTSUPP) {
      log.debug(5, () => `${o.name} not supported by current lock owner`);
      requestLock = true;
      continue;
    }
    if (r !== -Errno.ETIMEDOUT && r !== -Errno.ERESTART) {
      host.handleUpdateNotification?.();
      finish(r);
      return;
    }
    log.debug(5, () => `${o.name} timed out notifying lock owner`);
  }
  throw new CephError('ETIMEDOUT', `${o.name}: gave up after ${maxAttempts} attempts`);
}

/**
 * `prepare_image_update`: for operations that only run locally (snap
 * rollback, snap limit, enabling journaling): make sure we own the lock,
 * trying (or, with `requestLock`, asking the owner). EAGAIN/EBUSY from a
 * contended lock are not errors; ending without the lock is the unlocked-op
 * error (EROFS, or EBLOCKLISTED).
 */
export async function prepareImageUpdate(
  host: Pick<InvokeAsyncRequestHost, 'exclusiveLock' | 'hasImageWatcher'> & {
    unlockedOpError?(): number;
  },
  requestType: number,
  requestLock: boolean,
): Promise<void> {
  if (!host.hasImageWatcher()) throw new CephError('EROFS', 'no image watcher');
  const lock = host.exclusiveLock();
  if (lock === null || (lock.isLockOwner() && lock.acceptRequest(requestType).accept)) return;
  try {
    if (requestLock) await lock.acquireLock({ explicit: true });
    else await lock.tryAcquireLock();
  } catch (err) {
    if (!isCephError(err, 'EAGAIN') && !isCephError(err, 'EBUSY')) throw err;
  }
  const after = host.exclusiveLock();
  if (after !== null && !after.isLockOwner()) {
    throw new CephError(host.unlockedOpError?.() ?? -Errno.EROFS, 'exclusive lock not held');
  }
}
