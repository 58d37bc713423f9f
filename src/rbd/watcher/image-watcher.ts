/**
 * `ImageWatcher`: one open image's watch on its header object (Ceph's
 * `librbd::Watcher` + `ImageWatcher` + `image_watcher::NotifyLockOwner`).
 *
 * Watch lifecycle:
 *
 *   UNREGISTERED --init()--> REGISTERING --ok--> REGISTERED --watch error--> REWATCHING
 *        ^                        |                  |                          |
 *        |                        \--error (throw)   |              unwatch old, watch again
 *        |                                           |          (1 s backoff doubling to 30 s;
 *        \---------------- shutDown() ---------------/          EBLOCKLISTED/ENOENT: give up)
 *                                                                               |
 *                           REGISTERED <--- lock.reacquireLock(), host refresh --/
 *
 * Every notification on the header is decoded, dispatched and acknowledged
 * with what Ceph puts in the ack: a ResponseMessage for requests the lock
 * owner answers (and for header updates and quiesce), nothing otherwise. A
 * notification that does not decode is not acknowledged, as in Ceph.
 *
 * Request forwarding, requester side (`notifyResize` …, `notify_async_request`):
 *
 *   register id=(our client id, request id) → arm rbd_request_timed_out_seconds
 *   → notify the header (5 s) → the one non-empty ack is the owner's ResponseMessage
 *        r < 0 (EOPNOTSUPP, ERESTART, EROFS…) → fail with r
 *        no owner answered → ETIMEDOUT
 *        r = 0 → wait: ASYNC_PROGRESS re-arms the timer and reaches `progress`;
 *                      ASYNC_COMPLETE ends it with its result;
 *                      the timer ends it with ETIMEDOUT;
 *                      a new lock owner (or our own watch going away) ends it with ERESTART
 *
 * Owner side (`handle_operation_request`): accepted only while the lock view
 * says we own the lock and requests are not blocked; a request from our own
 * client id answers ERESTART; a duplicate answers 0 (still running) or the
 * recorded result (finished within 10 minutes); a new one answers 0 at once,
 * runs on the `RemoteOperationHandler`, streams ASYNC_PROGRESS (one queued
 * per request at a time) and ends with ASYNC_COMPLETE (resent while it times
 * out, up to ASYNC_COMPLETE_MAX_ATTEMPTS).
 */
import { CephError, Errno, isCephError } from '../../common/errors.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { logger } from '../../common/log.js';
import type { Config } from '../../common/config.js';
import type { SnapshotNamespace } from '../../cls/rbd/types.js';
import { SnapshotNamespaceType, MirrorSnapshotState } from '../../cls/rbd/types.js';
import type { WatchNotifyEvent } from '../../rados/objecter/linger-op.js';
import { notifyResultOf, type HeaderIo, type NotifyResult } from './header-io.js';
import { TaskFinisher } from './task-finisher.js';
import {
  NotifyOp,
  asyncRequestKey,
  checkForRefresh,
  decodeNotifyMessage,
  decodeResponseMessage,
  encodeNotifyMessage,
  encodeResponseMessage,
  isUnknownPayload,
  isValidAsyncRequestId,
  isValidClientId,
  lockOwnerResult,
  notifyOpName,
  sameClientId,
  NULL_CLIENT_ID,
  type AsyncRequestId,
  type ClientId,
  type KnownPayload,
  type NotifyPayload,
} from './notify-types.js';

const log = logger('rbd', 'librbd::ImageWatcher: ');

/** `watcher::Notifier::NOTIFY_TIMEOUT`: how long a header notify waits for acks. */
export const NOTIFY_TIMEOUT_MS = 5000;
/** `RETRY_DELAY_SECONDS`: before asking a lock owner again after an error. */
export const REQUEST_LOCK_RETRY_DELAY_MS = 1000;
/** How long a finished remote request's result is remembered for duplicates (Ceph: 600 s). */
export const ASYNC_COMPLETE_EXPIRATION_MS = 600_000;
/** ASYNC_COMPLETE is resent while some watcher does not ack; a dead one drops out when its watch expires. */
export const ASYNC_COMPLETE_MAX_ATTEMPTS = 12;
/** First and longest wait between rewatch attempts. */
export const REWATCH_MIN_DELAY_MS = 1000;
export const REWATCH_MAX_DELAY_MS = 30_000;

/** `exclusive_lock::OperationRequestType`: which requests a lock owner accepts while it blocks the rest. */
export const OperationRequestType = {
  GENERAL: 0,
  TRASH_SNAP_REMOVE: 1,
  FORCE_PROMOTION: 2,
} as const;
export type OperationRequestType = (typeof OperationRequestType)[keyof typeof OperationRequestType];

/** `(offset, total)`: units done out of all; the same shape as librbd's ProgressContext. */
export type ProgressCallback = (offset: number, total: number) => void;

/** What the watcher needs from the exclusive lock (the lead's ExclusiveLock implements it). */
export interface WatcherLockView {
  isLockOwner(): boolean;
  /** `accept_request`: owner, not shutting down, and this type not blocked; else the blocked errno (or 0). */
  acceptRequest(type: OperationRequestType): { accept: boolean; r: number };
  /** A peer announced, released or refused the lock: wake an acquire waiting for it. */
  handlePeerNotification(r: number): void;
  /** After a rewatch: move the held lock to the new watch handle's cookie. */
  reacquireLock(): void | Promise<void>;
  /** A peer asked for the lock: the policy answers 0 (and releases) or -EROFS. */
  lockRequested(force: boolean): number;
}

/**
 * The maintenance operations a lock owner runs for other clients (the
 * `execute_*` half of librbd's Operations). Each resolves when done or throws
 * a CephError; a missing method makes the owner answer -EOPNOTSUPP, so the
 * requester takes the lock and runs the operation itself.
 */
export interface RemoteOperationHandler {
  flatten?(progress: ProgressCallback): Promise<void>;
  resize?(size: bigint, allowShrink: boolean, progress: ProgressCallback): Promise<void>;
  snapCreate?(ns: SnapshotNamespace, name: string, flags: bigint, progress: ProgressCallback): Promise<void>;
  snapRemove?(ns: SnapshotNamespace, name: string): Promise<void>;
  snapRename?(snapId: bigint, newName: string): Promise<void>;
  snapProtect?(ns: SnapshotNamespace, name: string): Promise<void>;
  snapUnprotect?(ns: SnapshotNamespace, name: string): Promise<void>;
  rebuildObjectMap?(progress: ProgressCallback): Promise<void>;
  rename?(newName: string): Promise<void>;
  updateFeatures?(features: bigint, enabled: boolean): Promise<void>;
  migrate?(progress: ProgressCallback): Promise<void>;
  sparsify?(sparseSize: bigint, progress: ProgressCallback): Promise<void>;
  metadataSet?(key: string, value: string): Promise<void>;
  metadataRemove?(key: string): Promise<void>;
}

/** What the watcher needs from the open image (ImageCtx implements it). */
export interface ImageWatcherHost {
  /** The header changed (HEADER_UPDATE, or the watch came back): mark the image for refresh. The ack waits for it. */
  handleHeaderUpdate(): Promise<void> | void;
  /** Refresh now if a header update is pending (before acting on a forwarded request). */
  refreshIfRequired?(): Promise<void>;
  /** The watch broke (`err`: ENOTCONN, EBLOCKLISTED, …); a rewatch is under way unless blocklisted. */
  onWatchLost?(err: CephError): void;
  /** The rewatch finished: 0, or the errno that ended it (EBLOCKLISTED, ENOENT). */
  onRewatchComplete?(r: number): void;
  /** QUIESCE from a snapshot creator: quiesce IO (resolve when done, or throw). */
  quiesce?(): Promise<void>;
  /** UNQUIESCE, or no UNQUIESCE within 2 × NOTIFY_TIMEOUT. */
  unquiesce?(): Promise<void>;
}

export interface ImageWatcherOptions {
  io: HeaderIo;
  /** `rbd_header.<id>`. */
  oid: string;
  host: ImageWatcherHost;
  operations?: RemoteOperationHandler;
  clock?: Clock;
  /** `rbd_request_timed_out_seconds` (30). */
  requestTimedOutSeconds?: number;
  /** `client_notify_timeout` (10): how long to wait for a release after an owner acked REQUEST_LOCK. */
  clientNotifyTimeoutSeconds?: number;
  /** `rbd_quiesce_notification_attempts` (10). */
  quiesceNotificationAttempts?: number;
  /** Override NOTIFY_TIMEOUT_MS (tests). */
  notifyTimeoutMs?: number;
}

/** The options above that come from the configuration. */
export function imageWatcherConfig(
  config: Config,
): Pick<
  ImageWatcherOptions,
  'requestTimedOutSeconds' | 'clientNotifyTimeoutSeconds' | 'quiesceNotificationAttempts'
> {
  return {
    requestTimedOutSeconds: Number(config.getValue('rbd_request_timed_out_seconds')),
    clientNotifyTimeoutSeconds: Number(config.getValue('client_notify_timeout')),
    quiesceNotificationAttempts: Number(config.getValue('rbd_quiesce_notification_attempts')),
  };
}

export type WatchState = 'unregistered' | 'registering' | 'registered' | 'rewatching';

interface AsyncRequest {
  complete(r: number): void;
  progress: ProgressCallback;
}

/** `util::reserve_async_request_id`: quiesce request ids come from one process-wide sequence. */
let asyncRequestSeq = 0n;
export function reserveAsyncRequestId(): bigint {
  return ++asyncRequestSeq;
}

const EMPTY: Buffer = Buffer.alloc(0);
const noProgress: ProgressCallback = () => undefined;

function errnoOf(err: unknown): number {
  if (isCephError(err)) return err.errno;
  log.error(() => `unexpected error: ${String(err)}`);
  return -Errno.EIO;
}

export class ImageWatcher {
  readonly oid: string;
  private readonly io: HeaderIo;
  private readonly host: ImageWatcherHost;
  private operations: RemoteOperationHandler | undefined;
  private lock: WatcherLockView | null = null;
  private readonly clock: Clock;
  private readonly finisher: TaskFinisher;
  private readonly requestTimedOutMs: number;
  private readonly clientNotifyTimeoutMs: number;
  private readonly quiesceAttempts: number;
  private readonly notifyTimeoutMs: number;

  private state: WatchState = 'unregistered';
  private watchHandle = 0n;
  /** Bumped on every (re)registration so a stale watch's errors are ignored. */
  private watchGeneration = 0;
  private blocklisted = false;
  private unregistering = false;
  private notifiesBlocked = 0;

  /** `m_owner_client_id`: who announced the lock last. */
  private ownerClientId: ClientId = NULL_CLIENT_ID;
  /** Our forwarded requests waiting for ASYNC_COMPLETE (`m_async_requests`). */
  private readonly asyncRequests = new Map<string, AsyncRequest>();
  /** Requests we run for peers (`m_async_pending`). */
  private readonly asyncPending = new Set<string>();
  /** Finished remote requests: result and expiry (`m_async_complete`). */
  private readonly asyncComplete = new Map<string, { r: number; expiresAtMs: number }>();
  /** Quiesce requests being served: the answer every duplicate gets too. */
  private readonly quiescing = new Map<string, Promise<number>>();
  /** Notifications, notifies and remote operations under way (drained by shutDown). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sentNotifies = new Set<Promise<unknown>>();
  /** Operations we run for peers, until their ASYNC_COMPLETE went out. */
  private readonly remoteOperations = new Set<Promise<unknown>>();

  constructor(o: ImageWatcherOptions) {
    this.io = o.io;
    this.oid = o.oid;
    this.host = o.host;
    this.operations = o.operations;
    this.clock = o.clock ?? systemClock;
    this.finisher = new TaskFinisher(this.clock);
    this.requestTimedOutMs = (o.requestTimedOutSeconds ?? 30) * 1000;
    this.clientNotifyTimeoutMs = (o.clientNotifyTimeoutSeconds ?? 10) * 1000;
    this.quiesceAttempts = Math.max(1, o.quiesceNotificationAttempts ?? 10);
    this.notifyTimeoutMs = o.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS;
  }

  // ------------------------------------------------------------------ wiring and lifecycle

  /** Attach (or detach, with null) the exclusive lock; it can be disabled while the image is open. */
  setLock(lock: WatcherLockView | null): void {
    this.lock = lock;
  }

  setOperations(operations: RemoteOperationHandler | undefined): void {
    this.operations = operations;
  }

  /** `register_watch`. */
  async init(): Promise<void> {
    if (this.state !== 'unregistered')
      throw new CephError('EINVAL', `watch on ${this.oid} already registered`);
    this.unregistering = false;
    this.state = 'registering';
    try {
      this.watchHandle = await this.io.watch(this.oid, this.watchHandler(++this.watchGeneration));
      this.state = 'registered';
      this.blocklisted = false;
    } catch (err) {
      this.state = 'unregistered';
      this.watchHandle = 0n;
      throw err;
    }
  }

  /** `unregister_watch`: fail forwarded requests (ERESTART), unwatch, drain. Safe to call twice. */
  async shutDown(): Promise<void> {
    this.unregistering = true;
    this.cancelAsyncRequests();
    const handle = this.watchHandle;
    const wasRegistered = this.state === 'registered';
    this.state = 'unregistered';
    this.watchHandle = 0n;
    this.watchGeneration++;
    if (wasRegistered && handle !== 0n) {
      await this.io.unwatch(handle).catch((err: unknown) => {
        log.debug(5, () => `unwatch failed: ${String(err)}`);
      });
    }
    this.cancelQuiesceRequests();
    this.finisher.cancelAll();
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.sentNotifies.size > 0) {
      await Promise.allSettled([...this.inFlight, ...this.sentNotifies]);
    }
  }

  /** The watch cookie, 0 while not registered (ManagedLock waits for a non-zero one). */
  getWatchHandle(): bigint {
    return this.state === 'registered' ? this.watchHandle : 0n;
  }

  isRegistered(): boolean {
    return this.state === 'registered';
  }

  isBlocklisted(): boolean {
    return this.blocklisted;
  }

  get watchState(): WatchState {
    return this.state;
  }

  /** `get_client_id`: (our gid, our watch handle). */
  getClientId(): ClientId {
    return { gid: this.io.instanceId(), handle: this.watchHandle };
  }

  /** The client that announced the lock last (null id when unknown). */
  getOwnerClientId(): ClientId {
    return this.ownerClientId;
  }

  /** `block_notifies`: ack everything empty until unblocked; forwarded requests restart. */
  blockNotifies(): void {
    this.notifiesBlocked++;
    this.cancelAsyncRequests();
  }

  unblockNotifies(): void {
    if (this.notifiesBlocked > 0) this.notifiesBlocked--;
  }

  /**
   * Wait until the operations we run for peers have finished and their
   * ASYNC_COMPLETE went out (the lock's pre-release does this before giving
   * the lock up, so a requester hears the result before RELEASED_LOCK).
   */
  async flushRemoteOperations(): Promise<void> {
    while (this.remoteOperations.size > 0) await Promise.allSettled([...this.remoteOperations]);
    await this.flush();
  }

  /** Wait for the notifies this watcher sent (`Notifier::flush`). */
  async flush(): Promise<void> {
    while (this.sentNotifies.size > 0) await Promise.allSettled([...this.sentNotifies]);
  }

  private track<T>(p: Promise<T>, set = this.inFlight): Promise<T> {
    set.add(p);
    void p.then(
      () => set.delete(p),
      () => set.delete(p),
    );
    return p;
  }

  // ------------------------------------------------------------------ watch errors and rewatch

  private watchHandler(generation: number) {
    return {
      onNotify: (ev: WatchNotifyEvent) => {
        if (generation !== this.watchGeneration) return;
        void this.track(this.handleNotify(ev));
      },
      onError: (err: Error) => {
        if (generation !== this.watchGeneration) return;
        this.handleError(err instanceof CephError ? err : new CephError('ENOTCONN', String(err)));
      },
    };
  }

  /** `handle_error`: forget the owner, tell the host, rewatch. */
  private handleError(err: CephError): void {
    log.error(() => `image watch failed: ${this.watchHandle}, ${err.code}`);
    this.ownerClientId = NULL_CLIENT_ID;
    if (this.state !== 'registered') return;
    this.state = 'rewatching';
    if (err.code === 'EBLOCKLISTED') this.blocklisted = true;
    this.host.onWatchLost?.(err);
    void this.track(this.rewatch());
  }

  /** `RewatchRequest` + `handle_rewatch_complete`. */
  private async rewatch(): Promise<void> {
    const old = this.watchHandle;
    this.watchHandle = 0n;
    this.watchGeneration++;
    await this.io.unwatch(old).catch(() => undefined);
    let delayMs = REWATCH_MIN_DELAY_MS;
    let r = 0;
    for (;;) {
      if (this.unregistering) return;
      try {
        const generation = ++this.watchGeneration;
        const handle = await this.io.watch(this.oid, this.watchHandler(generation));
        if (this.unregistering) {
          await this.io.unwatch(handle).catch(() => undefined);
          return;
        }
        this.watchHandle = handle;
        this.blocklisted = false;
        this.state = 'registered';
        break;
      } catch (err) {
        r = errnoOf(err);
        if (r === -Errno.EBLOCKLISTED || r === -Errno.ENOENT) {
          log.error(() => `rewatch gave up: ${(err as Error).message}`);
          if (r === -Errno.EBLOCKLISTED) this.blocklisted = true;
          this.state = 'unregistered';
          break;
        }
        log.error(() => `failed to rewatch: ${(err as Error).message}; retrying in ${delayMs} ms`);
        await this.clock.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, REWATCH_MAX_DELAY_MS);
      }
    }
    // The lock cookie names the watch handle: move it (a no-op when not locked or not registered).
    await Promise.resolve(this.lock?.reacquireLock()).catch((err: unknown) => {
      log.error(() => `failed to move the lock to the new watch: ${String(err)}`);
    });
    this.host.onRewatchComplete?.(r);
    // The image may have changed while nothing was watching it.
    await Promise.resolve(this.host.handleHeaderUpdate()).catch((err: unknown) => {
      log.error(() => `refresh after rewatch failed: ${String(err)}`);
    });
  }

  // ------------------------------------------------------------------ sending

  /** `send_notify`: a fire-and-forget notification (flush waits for it). */
  private sendNotify(payload: NotifyPayload): Promise<NotifyResult> {
    const p = this.io.notify(this.oid, encodeNotifyMessage(payload), this.notifyTimeoutMs);
    void this.track(p, this.sentNotifies).catch((err: unknown) => {
      log.debug(5, () => `${notifyOpName(payload.op)} notify: ${String(err)}`);
    });
    return p;
  }

  /**
   * `notify_header_update`: tell every client the header changed. Watchers
   * that time out or a missing header (v1 rename) do not fail the caller,
   * as C_NotifyUpdate decides.
   */
  async notifyHeaderUpdate(): Promise<void> {
    try {
      await this.sendNotify({ op: NotifyOp.HEADER_UPDATE });
    } catch (err) {
      if (isCephError(err, 'ETIMEDOUT') || isCephError(err, 'ENOENT')) return;
      throw err;
    }
  }

  /** `notify_acquired_lock`: we are the owner now. */
  notifyAcquiredLock(): void {
    const clientId = this.getClientId();
    this.ownerClientId = clientId;
    void this.sendNotify({ op: NotifyOp.ACQUIRED_LOCK, clientId }).catch(() => undefined);
  }

  /** `notify_released_lock`. */
  notifyReleasedLock(): void {
    this.ownerClientId = NULL_CLIENT_ID;
    void this.sendNotify({ op: NotifyOp.RELEASED_LOCK, clientId: this.getClientId() }).catch(() => undefined);
  }

  /**
   * `notify_lock_owner`: notify and return the owner's answer (0 or a
   * negative errno; ETIMEDOUT when no owner answered).
   */
  async notifyLockOwner(payload: NotifyPayload): Promise<number> {
    let reply: NotifyResult;
    try {
      reply = await this.io.notify(this.oid, encodeNotifyMessage(payload), this.notifyTimeoutMs);
    } catch (err) {
      if (!isCephError(err, 'ETIMEDOUT')) {
        log.error(() => `lock owner notification failed: ${String(err)}`);
        return errnoOf(err);
      }
      reply = notifyResultOf(err) ?? { acks: [], timeouts: [] };
    }
    return lockOwnerResult(reply);
  }

  /** `schedule_request_lock`: ask the owner for the lock now or after a delay (one pending ask at a time). */
  scheduleRequestLock(useTimer: boolean, delayMs = REQUEST_LOCK_RETRY_DELAY_MS): void {
    const lock = this.lock;
    if (!lock || lock.isLockOwner() || !this.isRegistered()) return;
    const task = (canceled: boolean) => {
      if (!canceled) this.notifyRequestLock();
    };
    if (useTimer) this.finisher.addEventAfter('request-lock', delayMs, task);
    else this.finisher.queue('request-lock', task);
  }

  /** `notify_request_lock`: REQUEST_LOCK to the owner, then `handle_request_lock`. */
  notifyRequestLock(): void {
    const lock = this.lock;
    if (!lock || lock.isLockOwner()) return;
    log.debug(10, 'notify request lock');
    const p = this.notifyLockOwner({ op: NotifyOp.REQUEST_LOCK, clientId: this.getClientId(), force: false });
    void this.track(p.then((r) => this.handleRequestLock(r)));
  }

  private handleRequestLock(r: number): void {
    const lock = this.lock;
    if (!lock) return;
    if (r === -Errno.ETIMEDOUT) {
      // Nobody answered: treat the owner as dead and try (and maybe break) the lock again.
      log.debug(5, 'timed out requesting lock: retrying');
      lock.handlePeerNotification(0);
    } else if (r === -Errno.EROFS) {
      log.debug(5, 'peer will not release lock');
      lock.handlePeerNotification(r);
    } else if (r < 0) {
      log.error(() => `error requesting lock: ${r}`);
      this.scheduleRequestLock(true);
    } else {
      // The owner acked; ask again if it does not release in time.
      this.scheduleRequestLock(true, this.clientNotifyTimeoutMs);
    }
  }

  // ------------------------------------------------------------------ forwarded requests (requester)

  private newRequestId(requestId: bigint): AsyncRequestId {
    return { clientId: this.getClientId(), requestId };
  }

  /**
   * `notify_async_request`: forward a request to the lock owner and wait for
   * its completion. Throws CephError (ETIMEDOUT and ERESTART mean "try again",
   * EOPNOTSUPP "do it yourself").
   */
  notifyAsyncRequest(
    payload: KnownPayload & { asyncRequestId: AsyncRequestId },
    progress: ProgressCallback,
  ): Promise<void> {
    const id = payload.asyncRequestId;
    const key = asyncRequestKey(id);
    log.debug(10, () => `async request: ${key}`);
    return new Promise<void>((resolve, reject) => {
      const complete = (r: number) => {
        this.finisher.cancel(`timeout:${key}`);
        if (this.asyncRequests.get(key) === request) this.asyncRequests.delete(key);
        if (r < 0) reject(new CephError(r, `${notifyOpName(payload.op)} request ${key}`));
        else resolve();
      };
      const request: AsyncRequest = { complete, progress };
      this.asyncRequests.set(key, request);
      this.scheduleAsyncRequestTimedOut(key);
      const sent = this.notifyLockOwner(payload).then((r) => {
        // The owner refused (or nobody answered): no progress or completion will come.
        if (r < 0 && this.asyncRequests.get(key) === request) request.complete(r);
      });
      void this.track(sent);
    });
  }

  private scheduleAsyncRequestTimedOut(key: string): void {
    this.finisher.cancel(`timeout:${key}`);
    this.finisher.addEventAfter(`timeout:${key}`, this.requestTimedOutMs, (canceled) => {
      if (canceled) return;
      const request = this.asyncRequests.get(key);
      if (!request) return;
      log.debug(5, () => `async request timed out: ${key}`);
      request.complete(-Errno.ETIMEDOUT);
    });
  }

  /** `cancel_async_requests`: every forwarded request still waiting ends with ERESTART. */
  private cancelAsyncRequests(): void {
    for (const request of [...this.asyncRequests.values()]) request.complete(-Errno.ERESTART);
  }

  private scheduleCancelAsyncRequests(): void {
    this.finisher.queue('cancel-async-requests', (canceled) => {
      if (!canceled) this.cancelAsyncRequests();
    });
  }

  notifyFlatten(requestId: bigint, progress: ProgressCallback = noProgress): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.FLATTEN, asyncRequestId: this.newRequestId(requestId) },
      progress,
    );
  }

  notifyResize(
    requestId: bigint,
    size: bigint,
    allowShrink: boolean,
    progress: ProgressCallback = noProgress,
  ): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.RESIZE, size, allowShrink, asyncRequestId: this.newRequestId(requestId) },
      progress,
    );
  }

  notifySnapCreate(
    requestId: bigint,
    snapNamespace: SnapshotNamespace,
    snapName: string,
    flags: bigint,
    progress: ProgressCallback = noProgress,
  ): Promise<void> {
    return this.notifyAsyncRequest(
      {
        op: NotifyOp.SNAP_CREATE,
        snapName,
        snapNamespace,
        flags,
        asyncRequestId: this.newRequestId(requestId),
      },
      progress,
    );
  }

  notifySnapRename(requestId: bigint, snapId: bigint, newName: string): Promise<void> {
    return this.notifyAsyncRequest(
      {
        op: NotifyOp.SNAP_RENAME,
        snapId,
        snapName: newName,
        snapNamespace: { type: 'user' },
        asyncRequestId: this.newRequestId(requestId),
      },
      noProgress,
    );
  }

  notifySnapRemove(requestId: bigint, snapNamespace: SnapshotNamespace, snapName: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.SNAP_REMOVE, snapName, snapNamespace, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifySnapProtect(requestId: bigint, snapNamespace: SnapshotNamespace, snapName: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.SNAP_PROTECT, snapName, snapNamespace, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifySnapUnprotect(requestId: bigint, snapNamespace: SnapshotNamespace, snapName: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.SNAP_UNPROTECT, snapName, snapNamespace, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifyRebuildObjectMap(requestId: bigint, progress: ProgressCallback = noProgress): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.REBUILD_OBJECT_MAP, asyncRequestId: this.newRequestId(requestId) },
      progress,
    );
  }

  notifyRename(requestId: bigint, imageName: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.RENAME, imageName, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifyUpdateFeatures(requestId: bigint, features: bigint, enabled: boolean): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.UPDATE_FEATURES, features, enabled, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifyMigrate(requestId: bigint, progress: ProgressCallback = noProgress): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.MIGRATE, asyncRequestId: this.newRequestId(requestId) },
      progress,
    );
  }

  notifySparsify(
    requestId: bigint,
    sparseSize: bigint,
    progress: ProgressCallback = noProgress,
  ): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.SPARSIFY, sparseSize, asyncRequestId: this.newRequestId(requestId) },
      progress,
    );
  }

  notifyMetadataSet(requestId: bigint, key: string, value: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.METADATA_UPDATE, key, value, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  notifyMetadataRemove(requestId: bigint, key: string): Promise<void> {
    return this.notifyAsyncRequest(
      { op: NotifyOp.METADATA_UPDATE, key, value: undefined, asyncRequestId: this.newRequestId(requestId) },
      noProgress,
    );
  }

  /**
   * `notify_quiesce`: ask every client of the image to quiesce IO before a
   * snapshot, up to rbd_quiesce_notification_attempts notifies while some
   * time out. Resolves with the request id UNQUIESCE must carry.
   */
  async notifyQuiesce(progress: ProgressCallback = noProgress): Promise<bigint> {
    const requestId = reserveAsyncRequestId();
    const asyncRequestId = this.newRequestId(requestId);
    const total = this.quiesceAttempts;
    for (let attempt = 1; ; attempt++) {
      let r = 0;
      let reply: NotifyResult | undefined;
      try {
        reply = await this.io.notify(
          this.oid,
          encodeNotifyMessage({ op: NotifyOp.QUIESCE, asyncRequestId }),
          this.notifyTimeoutMs,
        );
      } catch (err) {
        r = errnoOf(err);
      }
      progress(attempt, total);
      if (r === -Errno.ETIMEDOUT && attempt < total) continue;
      if (r === 0 && reply) {
        for (const ack of reply.acks) {
          if (ack.payload.length === 0) continue;
          let answer: number;
          try {
            answer = decodeResponseMessage(ack.payload);
          } catch {
            answer = -Errno.EINVAL;
          }
          if (answer !== -Errno.EOPNOTSUPP) r = answer;
          if (r < 0) break;
        }
      }
      if (r < 0) throw new CephError(r, 'failed to notify quiesce');
      return requestId;
    }
  }

  /** `notify_unquiesce`. */
  async notifyUnquiesce(requestId: bigint): Promise<void> {
    await this.sendNotify({ op: NotifyOp.UNQUIESCE, asyncRequestId: this.newRequestId(requestId) });
  }

  // ------------------------------------------------------------------ receiving

  /** `handle_notify` + `process_payload` + the ack. */
  private async handleNotify(ev: WatchNotifyEvent): Promise<void> {
    let payload: NotifyPayload;
    try {
      payload = decodeNotifyMessage(ev.payload);
    } catch (err) {
      log.error(() => `error decoding image notification: ${(err as Error).message}`);
      return;
    }
    let reply = EMPTY;
    if (this.notifiesBlocked > 0) {
      log.debug(10, () => `notifications blocked: acking ${notifyOpName(payload.op)}`);
    } else {
      if (checkForRefresh(payload) && this.host.refreshIfRequired) {
        await this.host.refreshIfRequired().catch((err: unknown) => {
          log.error(() => `refresh before ${notifyOpName(payload.op)} failed: ${String(err)}`);
        });
      }
      reply = await this.processPayload(payload);
    }
    await this.io.notifyAck(this.oid, ev.notifyId, ev.cookie, reply).catch((err: unknown) => {
      log.debug(5, () => `notify ack failed: ${String(err)}`);
    });
  }

  private async processPayload(p: NotifyPayload): Promise<Buffer> {
    if (isUnknownPayload(p)) return this.handleUnknown();
    const ops = this.operations;
    const GENERAL = OperationRequestType.GENERAL;
    switch (p.op) {
      case NotifyOp.HEADER_UPDATE: {
        log.debug(10, 'image header updated');
        // The ack waits for the host and carries a ResponseMessage, as C_ResponseMessage does.
        let r = 0;
        try {
          await this.host.handleHeaderUpdate();
        } catch (err) {
          r = errnoOf(err);
        }
        return encodeResponseMessage(r);
      }
      case NotifyOp.ACQUIRED_LOCK:
        this.handleAcquiredLock(p.clientId);
        return EMPTY;
      case NotifyOp.RELEASED_LOCK:
        this.handleReleasedLock(p.clientId);
        return EMPTY;
      case NotifyOp.REQUEST_LOCK:
        return this.handleRequestLockNotification(p.clientId, p.force);
      case NotifyOp.ASYNC_PROGRESS: {
        const key = asyncRequestKey(p.asyncRequestId);
        const request = this.asyncRequests.get(key);
        if (request) {
          this.scheduleAsyncRequestTimedOut(key);
          request.progress(Number(p.offset), Number(p.total));
        }
        return EMPTY;
      }
      case NotifyOp.ASYNC_COMPLETE: {
        const request = this.asyncRequests.get(asyncRequestKey(p.asyncRequestId));
        if (request) {
          log.debug(10, () => `request finished: ${asyncRequestKey(p.asyncRequestId)}=${p.result}`);
          request.complete(p.result);
        }
        return EMPTY;
      }
      case NotifyOp.FLATTEN:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.flatten && ((pr) => ops.flatten!(pr)),
        );
      case NotifyOp.RESIZE:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.resize && ((pr) => ops.resize!(p.size, p.allowShrink, pr)),
        );
      case NotifyOp.SNAP_CREATE: {
        // rbd-mirror's forced promotion creates an orphan mirror snapshot while requests are blocked.
        const ns = p.snapNamespace;
        const orphan =
          ns.type === 'mirror' && ns.state === MirrorSnapshotState.NON_PRIMARY && ns.primaryMirrorUuid === '';
        return this.handleOperationRequest(
          p.asyncRequestId,
          orphan ? OperationRequestType.FORCE_PROMOTION : GENERAL,
          ops?.snapCreate && ((pr) => ops.snapCreate!(ns, p.snapName, p.flags, pr)),
        );
      }
      case NotifyOp.SNAP_REMOVE: {
        const trash =
          p.snapNamespace.type === 'trash' ||
          (p.snapNamespace.type === 'unknown' && p.snapNamespace.typeCode === SnapshotNamespaceType.TRASH);
        return this.handleOperationRequest(
          p.asyncRequestId,
          trash ? OperationRequestType.TRASH_SNAP_REMOVE : GENERAL,
          ops?.snapRemove && (() => ops.snapRemove!(p.snapNamespace, p.snapName)),
        );
      }
      case NotifyOp.SNAP_RENAME:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.snapRename && (() => ops.snapRename!(p.snapId, p.snapName)),
        );
      case NotifyOp.SNAP_PROTECT:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.snapProtect && (() => ops.snapProtect!(p.snapNamespace, p.snapName)),
        );
      case NotifyOp.SNAP_UNPROTECT:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.snapUnprotect && (() => ops.snapUnprotect!(p.snapNamespace, p.snapName)),
        );
      case NotifyOp.REBUILD_OBJECT_MAP:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.rebuildObjectMap && ((pr) => ops.rebuildObjectMap!(pr)),
        );
      case NotifyOp.RENAME:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.rename && (() => ops.rename!(p.imageName)),
        );
      case NotifyOp.UPDATE_FEATURES:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.updateFeatures && (() => ops.updateFeatures!(p.features, p.enabled)),
        );
      case NotifyOp.MIGRATE:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.migrate && ((pr) => ops.migrate!(pr)),
        );
      case NotifyOp.SPARSIFY:
        return this.handleOperationRequest(
          p.asyncRequestId,
          GENERAL,
          ops?.sparsify && ((pr) => ops.sparsify!(p.sparseSize, pr)),
        );
      case NotifyOp.METADATA_UPDATE: {
        const value = p.value;
        const run =
          value === undefined
            ? ops?.metadataRemove && (() => ops.metadataRemove!(p.key))
            : ops?.metadataSet && (() => ops.metadataSet!(p.key, value));
        return this.handleOperationRequest(p.asyncRequestId, GENERAL, run);
      }
      case NotifyOp.QUIESCE:
        return this.handleQuiesce(p.asyncRequestId);
      case NotifyOp.UNQUIESCE:
        this.handleUnquiesce(p.asyncRequestId);
        return EMPTY;
    }
  }

  private handleAcquiredLock(clientId: ClientId): void {
    log.debug(10, 'image exclusively locked announcement');
    let cancel = true;
    if (isValidClientId(clientId)) {
      if (sameClientId(clientId, this.ownerClientId)) cancel = false;
      this.ownerClientId = clientId;
    }
    const lock = this.lock;
    // A lock owner advertised itself: an acquire waiting for the lock may try again.
    lock?.handlePeerNotification(0);
    if (cancel && (!lock || !lock.isLockOwner())) this.scheduleCancelAsyncRequests();
  }

  private handleReleasedLock(clientId: ClientId): void {
    log.debug(10, 'exclusive lock released');
    let cancel = true;
    if (isValidClientId(clientId)) {
      if (!sameClientId(clientId, this.ownerClientId)) {
        log.debug(10, 'unexpected owner released the lock');
        cancel = false;
      } else {
        this.ownerClientId = NULL_CLIENT_ID;
      }
    }
    const lock = this.lock;
    if (cancel && (!lock || !lock.isLockOwner())) this.scheduleCancelAsyncRequests();
    if (lock && !lock.isLockOwner()) {
      this.finisher.cancel('request-lock');
      lock.handlePeerNotification(0);
    }
  }

  private handleRequestLockNotification(clientId: ClientId, force: boolean): Buffer {
    log.debug(10, 'exclusive lock requested');
    if (sameClientId(clientId, this.getClientId())) return EMPTY;
    const lock = this.lock;
    if (!lock || !lock.isLockOwner()) return EMPTY;
    const { accept, r: blocked } = lock.acceptRequest(OperationRequestType.GENERAL);
    let r = blocked;
    if (accept) {
      // Not announced yet (still acquiring): say nothing, the requester retries.
      if (!isValidClientId(this.ownerClientId)) return EMPTY;
      log.debug(10, 'queuing release of exclusive lock');
      r = lock.lockRequested(force);
    }
    return encodeResponseMessage(r);
  }

  private handleUnknown(): Buffer {
    const lock = this.lock;
    if (!lock) return EMPTY;
    const { accept, r } = lock.acceptRequest(OperationRequestType.GENERAL);
    return accept || r < 0 ? encodeResponseMessage(-Errno.EOPNOTSUPP) : EMPTY;
  }

  // ------------------------------------------------------------------ forwarded requests (owner)

  /** `handle_operation_request`. `execute` undefined: the host cannot run this op (answer EOPNOTSUPP). */
  private async handleOperationRequest(
    id: AsyncRequestId,
    type: OperationRequestType,
    execute: ((progress: ProgressCallback) => Promise<void>) | undefined,
  ): Promise<Buffer> {
    const lock = this.lock;
    if (!lock) return EMPTY;
    const { accept, r } = lock.acceptRequest(type);
    if (!accept) return r < 0 ? encodeResponseMessage(r) : EMPTY;
    if (!execute) return encodeResponseMessage(-Errno.EOPNOTSUPP);
    if (!isValidAsyncRequestId(id)) {
      // An old client without a request id: answer when the operation is done.
      return encodeResponseMessage(await this.runOperation(execute, noProgress));
    }
    const prepared = this.prepareAsyncRequest(id);
    if (prepared.r === 0 && prepared.isNew) {
      const key = asyncRequestKey(id);
      log.debug(10, () => `remote request: ${key}`);
      const progress: ProgressCallback = (offset, total) => this.scheduleAsyncProgress(id, offset, total);
      const op = this.runOperation(execute, progress).then((result) => this.sendAsyncComplete(id, result));
      void this.track(op);
      void this.track(op, this.remoteOperations);
    }
    return encodeResponseMessage(prepared.r);
  }

  private async runOperation(
    execute: (progress: ProgressCallback) => Promise<void>,
    progress: ProgressCallback,
  ): Promise<number> {
    try {
      await execute(progress);
      return 0;
    } catch (err) {
      return errnoOf(err);
    }
  }

  /** `prepare_async_request`. */
  private prepareAsyncRequest(id: AsyncRequestId): { r: number; isNew: boolean } {
    // Our own request reached us because we became the owner meanwhile: the sender must restart.
    if (sameClientId(id.clientId, this.getClientId())) return { r: -Errno.ERESTART, isNew: false };
    const key = asyncRequestKey(id);
    // A run that ended in ERESTART (we lost the lock meanwhile) is not an answer: run it again if
    // the lock came back to us. (Ceph replays the recorded ERESTART, and the requester spins.)
    if (this.asyncComplete.get(key)?.r === -Errno.ERESTART) this.asyncComplete.delete(key);
    if (!this.asyncPending.has(key) && !this.asyncComplete.has(key)) {
      this.asyncPending.add(key);
      return { r: 0, isNew: true };
    }
    const done = this.asyncComplete.get(key);
    if (done) {
      this.markAsyncRequestComplete(key, done.r);
      return { r: done.r, isNew: false };
    }
    return { r: 0, isNew: false };
  }

  /** `mark_async_request_complete`: remember the result for duplicates; drop expired results. */
  private markAsyncRequestComplete(key: string, r: number): void {
    this.asyncPending.delete(key);
    const now = this.clock.now();
    for (const [k, v] of this.asyncComplete) if (v.expiresAtMs < now) this.asyncComplete.delete(k);
    this.asyncComplete.delete(key);
    this.asyncComplete.set(key, { r, expiresAtMs: now + ASYNC_COMPLETE_EXPIRATION_MS });
  }

  /** `schedule_async_progress`: at most one ASYNC_PROGRESS queued per request; later updates are dropped meanwhile. */
  private scheduleAsyncProgress(id: AsyncRequestId, offset: number, total: number): void {
    this.finisher.queue(`progress:${asyncRequestKey(id)}`, (canceled) => {
      if (canceled) return;
      log.debug(20, () => `remote async request progress: ${asyncRequestKey(id)} @ ${offset}/${total}`);
      void this.sendNotify({
        op: NotifyOp.ASYNC_PROGRESS,
        asyncRequestId: id,
        offset: BigInt(offset),
        total: BigInt(total),
      }).catch(() => undefined);
    });
  }

  /** `notify_async_complete` + `handle_async_complete`: resent while it times out. */
  private async sendAsyncComplete(id: AsyncRequestId, r: number): Promise<void> {
    const key = asyncRequestKey(id);
    // A progress update still queued would arrive after the completion: drop it.
    this.finisher.cancel(`progress:${key}`);
    for (let attempt = 1; ; attempt++) {
      log.debug(20, () => `remote async request finished: ${key} = ${r}`);
      try {
        await this.sendNotify({ op: NotifyOp.ASYNC_COMPLETE, asyncRequestId: id, result: r });
        break;
      } catch (err) {
        log.error(() => `failed to notify async complete: ${String(err)}`);
        if (!isCephError(err, 'ETIMEDOUT') || this.unregistering || attempt >= ASYNC_COMPLETE_MAX_ATTEMPTS)
          break;
      }
    }
    this.markAsyncRequestComplete(key, r);
  }

  // ------------------------------------------------------------------ quiesce (receiver)

  /** `prepare_quiesce_request` + `notify_quiesce` on the host: the ack carries the result. */
  private async handleQuiesce(id: AsyncRequestId): Promise<Buffer> {
    const key = asyncRequestKey(id);
    const unquiesceKey = `quiesce:${key}`;
    const pending = this.quiescing.get(key);
    if (pending) {
      log.debug(10, () => `duplicate quiesce request: ${key}`);
      return encodeResponseMessage(await pending);
    }
    const done = this.asyncComplete.get(key);
    if (done) {
      this.markAsyncRequestComplete(key, done.r);
      this.finisher.rescheduleEventAfter(unquiesceKey, 2 * this.notifyTimeoutMs);
      return encodeResponseMessage(done.r);
    }
    log.debug(10, () => `quiesce request: ${key}`);
    this.asyncPending.add(key);
    const run = (async () => {
      let r = 0;
      try {
        await this.host.quiesce?.();
      } catch (err) {
        r = errnoOf(err);
      }
      // Unquiesce when told to, or by ourselves if the snapshot creator goes quiet.
      this.finisher.addEventAfter(unquiesceKey, 2 * this.notifyTimeoutMs, (canceled) => {
        if (!canceled) log.debug(10, () => `quiesce request ${key} timed out`);
        void this.track(Promise.resolve(this.host.unquiesce?.()).catch(() => undefined));
      });
      this.markAsyncRequestComplete(key, r);
      this.quiescing.delete(key);
      return r;
    })();
    this.quiescing.set(key, run);
    return encodeResponseMessage(await run);
  }

  /** `prepare_unquiesce_request`: cancelling the timer runs the unquiesce. */
  private handleUnquiesce(id: AsyncRequestId): void {
    const key = asyncRequestKey(id);
    const done = this.asyncComplete.get(key);
    if (!done) return;
    this.markAsyncRequestComplete(key, done.r);
    this.finisher.cancel(`quiesce:${key}`);
  }

  /** `cancel_quiesce_requests`: on shutdown, quiesces in progress count as done. */
  private cancelQuiesceRequests(): void {
    for (const key of this.quiescing.keys()) this.markAsyncRequestComplete(key, 0);
  }
}
