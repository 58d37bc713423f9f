/**
 * `exclusive_lock::Policy`: what an owner does when a peer asks for the lock,
 * and whether IO may go and take it.
 *
 * - AutomaticPolicy (librbd's default): hand the lock over to whoever asks and
 *   take it back when our own IO needs it — cooperative ping-pong.
 * - StandardPolicy (after `rbd_lock_acquire`, and rbd-mirror): keep the lock;
 *   peers get -EROFS and IO never requests it by itself.
 */
import { Errno } from '../../common/errors.js';
import type { OperationRequestType } from '../watcher/image-watcher.js';

export interface ExclusiveLockPolicy {
  /** May IO that needs the lock go and acquire it? */
  mayAutoRequestLock(): boolean;
  /** A peer sent REQUEST_LOCK: 0 (and release), or a negative errno to refuse. */
  lockRequested(force: boolean): number;
  /** While requests are blocked, is this type still accepted? */
  acceptBlockedRequest(type: OperationRequestType): boolean;
}

/** The lock this policy releases. */
export interface ReleasableLock {
  releaseLock(): Promise<void>;
}

export class AutomaticPolicy implements ExclusiveLockPolicy {
  constructor(private readonly lock: ReleasableLock) {}

  mayAutoRequestLock(): boolean {
    return true;
  }

  lockRequested(_force: boolean): number {
    void this.lock.releaseLock().catch(() => undefined);
    return 0;
  }

  acceptBlockedRequest(_type: OperationRequestType): boolean {
    return false;
  }
}

export class StandardPolicy implements ExclusiveLockPolicy {
  mayAutoRequestLock(): boolean {
    return false;
  }

  lockRequested(_force: boolean): number {
    return -Errno.EROFS;
  }

  acceptBlockedRequest(_type: OperationRequestType): boolean {
    return false;
  }
}
