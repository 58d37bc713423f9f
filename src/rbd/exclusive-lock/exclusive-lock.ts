/**
 * `ExclusiveLock`: librbd's exclusive-lock feature — a ManagedLock on the
 * image header that announces itself to the other clients of the image and
 * cooperates with them (Ceph's `librbd::ExclusiveLock` and `exclusive_lock/*`).
 *
 *   acquire:  PRE_ACQUIRE (a peer refused us: EROFS; hooks.preAcquire)
 *             → LOCK (managed lock; breaks a dead holder)
 *             → busy and acquiring: WAITING_FOR_LOCK, send REQUEST_LOCK; woken by
 *               RELEASED_LOCK/ACQUIRED_LOCK from a peer, by the owner not answering
 *               (treated as dead: lock again, which breaks it) or by -EROFS (fail)
 *             → busy and only trying: done, not owner (EAGAIN becomes 0)
 *             → POST_ACQUIRING: hooks.postAcquire (refresh, open object map…; failure
 *               unlocks again) → ACQUIRED_LOCK notify → LOCKED
 *   release:  PRE_RELEASE (hooks.preRelease: stop ops, block and flush IO, close
 *             object map) → UNLOCK → RELEASED_LOCK notify → hooks.postRelease
 *   reacquire (after a rewatch): set_cookie → ACQUIRED_LOCK again (our client id changed)
 *   a peer's REQUEST_LOCK → policy.lockRequested (AutomaticPolicy: release now)
 *
 * It is the watcher's `WatcherLockView` and the ImageCtx's `ImageLockState`.
 */
import { CephError, Errno } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import { logger } from '../../common/log.js';
import type { OperationRequestType, WatcherLockView } from '../watcher/image-watcher.js';
import { LockState, ManagedLock, type ManagedLockOptions } from './managed-lock.js';
import { AutomaticPolicy, type ExclusiveLockPolicy } from './policy.js';

const log = logger('rbd', 'librbd::ExclusiveLock: ');

/** The image work done around lock transitions; ImageCtx implements it. Each may throw a CephError. */
export interface ExclusiveLockHooks {
  /** Before the lock is taken (`PreAcquireRequest`: prepare the image state). */
  preAcquire?(): Promise<void>;
  /** The lock is ours: refresh if needed, open the object map (and later the journal). Throwing gives the lock back. */
  postAcquire?(): Promise<void>;
  /** Before the lock goes: cancel maintenance ops, block new IO, flush IO in flight, close the object map / journal. */
  preRelease?(shuttingDown: boolean): Promise<void>;
  /** The lock is gone (IO stays blocked until it is acquired again). */
  postRelease?(shuttingDown: boolean): Promise<void>;
}

/** What the exclusive lock needs from the image watcher (ImageWatcher implements it). */
export interface ExclusiveLockWatcher {
  getWatchHandle(): bigint;
  isBlocklisted(): boolean;
  notifyAcquiredLock(): void;
  notifyReleasedLock(): void;
  notifyRequestLock(): void;
  flush(): Promise<void>;
  /** Wait for operations run for peers and their ASYNC_COMPLETE notifies. */
  flushRemoteOperations(): Promise<void>;
  setLock(lock: WatcherLockView | null): void;
}

export interface ExclusiveLockOptions extends Omit<ManagedLockOptions, 'watcher' | 'exclusive'> {
  watcher: ExclusiveLockWatcher;
  hooks?: ExclusiveLockHooks;
  /** Default: AutomaticPolicy (hand the lock to whoever asks). */
  policy?: ExclusiveLockPolicy;
}

/** The options above that come from the configuration. */
export function exclusiveLockConfig(
  config: Config,
): Pick<ExclusiveLockOptions, 'blocklistOnBreakLock' | 'blocklistExpireSeconds'> {
  return {
    blocklistOnBreakLock: Boolean(config.getValue('rbd_blocklist_on_break_lock')),
    blocklistExpireSeconds: Number(config.getValue('rbd_blocklist_expire_seconds')),
  };
}

export interface AcquireLockOptions {
  /**
   * Give up waiting for a peer to hand the lock over after this long
   * (ETIMEDOUT). Ceph waits forever; an acquire already locking or running
   * its hooks is never interrupted.
   */
  timeoutMs?: number;
}

export class ExclusiveLock extends ManagedLock implements WatcherLockView {
  private readonly imageWatcher: ExclusiveLockWatcher;
  private readonly hooks: ExclusiveLockHooks;
  private policy: ExclusiveLockPolicy;
  private requestBlockedCount = 0;
  private requestBlockedRetVal = 0;
  /** A peer's answer to our REQUEST_LOCK, consumed by the next pre-acquire. */
  private acquireLockPeerRetVal = 0;

  constructor(o: ExclusiveLockOptions) {
    super({ ...o, exclusive: true });
    this.imageWatcher = o.watcher;
    this.hooks = o.hooks ?? {};
    this.policy = o.policy ?? new AutomaticPolicy(this);
  }

  /** Wire into the watcher (it asks us about ownership and forwards peers' lock traffic). */
  init(): void {
    this.imageWatcher.setLock(this);
  }

  setPolicy(policy: ExclusiveLockPolicy): void {
    this.policy = policy;
  }

  getPolicy(): ExclusiveLockPolicy {
    return this.policy;
  }

  // ------------------------------------------------------------------ ImageLockState (IO path)

  /**
   * Resolve once this client owns the lock. Unless `explicit`, a policy that
   * forbids automatic requests (StandardPolicy) fails at once with the
   * unlocked-op error; a request that ends without the lock fails with it too
   * (EROFS, or EBLOCKLISTED when our watch was blocklisted).
   */
  override async acquireLock(opts: AcquireLockOptions & { explicit?: boolean } = {}): Promise<void> {
    if (this.isLockOwner()) return;
    if (!opts.explicit && !this.policy.mayAutoRequestLock()) {
      throw new CephError(this.getUnlockedOpError(), 'exclusive lock not held and may not be requested');
    }
    const acquired = super.acquireLock();
    if (opts.timeoutMs !== undefined) await this.withTimeout(acquired, opts.timeoutMs);
    else await acquired;
    if (!this.isLockOwner()) throw new CephError(this.getUnlockedOpError(), 'exclusive lock not acquired');
  }

  private withTimeout(acquired: Promise<void>, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        // Only an acquire parked waiting for a peer can be abandoned cleanly.
        if (this.state === LockState.WAITING_FOR_LOCK && this.isActionAcquireLock()) {
          log.debug(5, 'timed out waiting for the lock owner');
          this.completeActiveAction(LockState.UNLOCKED, -Errno.ETIMEDOUT);
        }
      }, timeoutMs);
      acquired.then(
        () => {
          this.clock.clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err as Error);
        },
      );
    });
  }

  // ------------------------------------------------------------------ WatcherLockView

  /** `accept_request`. */
  acceptRequest(type: OperationRequestType): { accept: boolean; r: number } {
    const accept =
      !this.isStateShutdown() &&
      this.state === LockState.LOCKED &&
      (this.requestBlockedCount === 0 || this.policy.acceptBlockedRequest(type));
    return { accept, r: accept ? 0 : this.requestBlockedRetVal };
  }

  /** `accept_ops`: may maintenance operations run locally right now? */
  acceptOps(): boolean {
    return !this.isStateShutdown() && this.state === LockState.LOCKED;
  }

  /** `handle_peer_notification`: resume an acquire parked waiting for the lock. */
  handlePeerNotification(r: number): void {
    if (this.state !== LockState.WAITING_FOR_LOCK) return;
    log.debug(10, () => `peer notification r=${r}`);
    this.acquireLockPeerRetVal = r;
    this.executeNextAction();
  }

  lockRequested(force: boolean): number {
    return this.policy.lockRequested(force);
  }

  // ------------------------------------------------------------------ blocking

  /** `block_requests`: refuse forwarded requests (answering `r`) until unblocked. */
  blockRequests(r: number): void {
    this.requestBlockedCount++;
    if (this.requestBlockedRetVal === 0) this.requestBlockedRetVal = r;
  }

  unblockRequests(): void {
    if (this.requestBlockedCount === 0) throw new Error('assert: unblockRequests without blockRequests');
    this.requestBlockedCount--;
    if (this.requestBlockedCount === 0) this.requestBlockedRetVal = 0;
  }

  /** `get_unlocked_op_error`. */
  getUnlockedOpError(): number {
    return this.imageWatcher.isBlocklisted() ? -Errno.EBLOCKLISTED : -Errno.EROFS;
  }

  // ------------------------------------------------------------------ hooks

  protected override async preAcquireLockHandler(): Promise<number> {
    const peer = this.acquireLockPeerRetVal;
    this.acquireLockPeerRetVal = 0;
    if (peer === -Errno.EROFS) {
      log.debug(10, 'peer nacked lock request');
      return peer;
    }
    await this.hooks.preAcquire?.();
    return 0;
  }

  protected override async postAcquireLockHandler(r: number): Promise<number> {
    if (r === -Errno.EROFS) return r; // a peer refused to release it
    if (r < 0) {
      if (this.isActionAcquireLock() && (r === -Errno.EBUSY || r === -Errno.EAGAIN)) {
        // Someone holds it and we need it: ask them and wait.
        this.setStateWaitingForLock();
        this.imageWatcher.notifyRequestLock();
        return -Errno.ECANCELED;
      }
      return r === -Errno.EAGAIN ? 0 : r;
    }
    this.setStatePostAcquiring();
    await this.hooks.postAcquire?.();
    this.imageWatcher.notifyAcquiredLock();
    return 0;
  }

  /** After a rewatch the lock is ours under a new client id (new watch handle): announce it again. */
  protected override postReacquireLockHandler(r: number): Promise<number> {
    if (r >= 0) this.imageWatcher.notifyAcquiredLock();
    return Promise.resolve(r);
  }

  /**
   * `PreReleaseRequest`: the host cancels and drains its work (ops, IO,
   * object map); operations we run for peers finish and their completions go
   * out (FLUSH_NOTIFIES) before the lock does.
   */
  protected override async preReleaseLockHandler(shuttingDown: boolean): Promise<number> {
    await this.hooks.preRelease?.(shuttingDown);
    await this.imageWatcher.flushRemoteOperations();
    return 0;
  }

  protected override async postReleaseLockHandler(shuttingDown: boolean, r: number): Promise<number> {
    if (r >= 0) this.imageWatcher.notifyReleasedLock();
    if (shuttingDown) {
      this.imageWatcher.setLock(null);
      await this.imageWatcher.flush();
    }
    await this.hooks.postRelease?.(shuttingDown);
    return r;
  }

  protected override async shutdownHandler(r: number): Promise<number> {
    this.imageWatcher.setLock(null);
    return r;
  }
}
