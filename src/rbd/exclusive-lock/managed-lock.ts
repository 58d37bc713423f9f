/**
 * `ManagedLock`: a cls_lock lock on an object, tied to this client's watch on
 * it (the cookie names the watch handle), driven by a queue of actions that
 * run one at a time (Ceph's `librbd::ManagedLock`).
 *
 *                 acquire / try-acquire                       release
 *   UNLOCKED ──→ ACQUIRING ──pre hook, lock (break a dead  ──→ LOCKED ──→ PRE_RELEASING ──pre hook──→ RELEASING
 *      ^   ^        │        holder), post hook──────────┘       │  ^                                   │
 *      │   │        │ no watch yet                               │  │ set_cookie after a rewatch       unlock,
 *      │   │        └──→ WAITING_FOR_REGISTER ─(rewatch)─→ ACQUIRING   REACQUIRING                    post hook
 *      │   │        │ busy and acquiring (not trying):                                                 │
 *      │   │        └──→ WAITING_FOR_LOCK ─(peer released / timed out)─→ ACQUIRING                      │
 *      │   └──── lock failed (EBUSY/EAGAIN…), post hook failed (unlock again), EROFS from a peer        │
 *      └─────────────────────────────────────────────────────────────────────────────────────────────┘
 *   shutDown: LOCKED → PRE_SHUTTING_DOWN → SHUTTING_DOWN → SHUTDOWN (release first); UNLOCKED → SHUTTING_DOWN → SHUTDOWN
 *
 * Requests for the same action merge (their callers all get its result);
 * nothing starts while a transition is under way. The hooks are the
 * protected `*Handler` methods, which ExclusiveLock overrides. Each public
 * method resolves with the action's result or throws its CephError; a
 * successful try-acquire may still leave the lock with someone else.
 */
import { CephError, Errno, isCephError } from '../../common/errors.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { logger } from '../../common/log.js';
import type { HeaderIo } from '../watcher/header-io.js';
import { breakLock } from './break-request.js';
import { getLocker, type Locker } from './get-locker.js';
import { encodeLockCookie } from './lock-cookie.js';
import { acquireLock, reacquireLock, releaseLock } from './lock-requests.js';

const log = logger('rbd', 'librbd::ManagedLock: ');

export const LockState = {
  UNLOCKED: 'unlocked',
  LOCKED: 'locked',
  ACQUIRING: 'acquiring',
  POST_ACQUIRING: 'post-acquiring',
  WAITING_FOR_REGISTER: 'waiting-for-register',
  WAITING_FOR_LOCK: 'waiting-for-lock',
  REACQUIRING: 'reacquiring',
  PRE_RELEASING: 'pre-releasing',
  RELEASING: 'releasing',
  PRE_SHUTTING_DOWN: 'pre-shutting-down',
  SHUTTING_DOWN: 'shutting-down',
  SHUTDOWN: 'shutdown',
} as const;
export type LockState = (typeof LockState)[keyof typeof LockState];

export type LockAction = 'acquire' | 'try-acquire' | 'reacquire' | 'release' | 'shut-down';

/** What the lock needs from the watch on the same object. */
export interface LockWatcher {
  /** The watch cookie; 0 while (re)registering. */
  getWatchHandle(): bigint;
  isBlocklisted(): boolean;
}

export interface ManagedLockOptions {
  io: HeaderIo;
  oid: string;
  watcher: LockWatcher;
  /** Exclusive (librbd's exclusive lock) or shared. */
  exclusive?: boolean;
  /** `rbd_blocklist_on_break_lock` (true). */
  blocklistOnBreakLock?: boolean;
  /** `rbd_blocklist_expire_seconds` (0: the monitor's default). */
  blocklistExpireSeconds?: number;
  clock?: Clock;
}

type Waiter = (r: number) => void;

interface QueuedAction {
  action: LockAction;
  waiters: Waiter[];
}

const TRANSITION_STATES: ReadonlySet<LockState> = new Set([
  LockState.ACQUIRING,
  LockState.WAITING_FOR_REGISTER,
  LockState.REACQUIRING,
  LockState.RELEASING,
  LockState.PRE_SHUTTING_DOWN,
  LockState.SHUTTING_DOWN,
  LockState.WAITING_FOR_LOCK,
  LockState.POST_ACQUIRING,
  LockState.PRE_RELEASING,
]);

const OWNER_STATES: ReadonlySet<LockState> = new Set([
  LockState.LOCKED,
  LockState.REACQUIRING,
  LockState.PRE_SHUTTING_DOWN,
  LockState.POST_ACQUIRING,
  LockState.PRE_RELEASING,
]);

function errnoOf(err: unknown): number {
  return isCephError(err) ? err.errno : -Errno.EIO;
}

export class ManagedLock {
  protected readonly io: HeaderIo;
  readonly oid: string;
  protected readonly watcher: LockWatcher;
  protected readonly exclusive: boolean;
  protected readonly clock: Clock;
  private readonly blocklistOnBreakLock: boolean;
  private readonly blocklistExpireSeconds: number;

  private lockState: LockState = LockState.UNLOCKED;
  private readonly actions: QueuedAction[] = [];
  private cookie = '';
  private postNextState: LockState = LockState.UNLOCKED;
  /** Every state change, oldest first (tests and `lock status` dumps). */
  readonly history: LockState[] = [];

  constructor(o: ManagedLockOptions) {
    this.io = o.io;
    this.oid = o.oid;
    this.watcher = o.watcher;
    this.exclusive = o.exclusive ?? true;
    this.blocklistOnBreakLock = o.blocklistOnBreakLock ?? true;
    this.blocklistExpireSeconds = o.blocklistExpireSeconds ?? 0;
    this.clock = o.clock ?? systemClock;
  }

  get state(): LockState {
    return this.lockState;
  }

  /** The cookie we hold the lock with ('' when we do not). */
  get lockCookie(): string {
    return this.cookie;
  }

  protected setState(s: LockState): void {
    if (s === this.lockState) return;
    log.debug(10, () => `${this.lockState} -> ${s}`);
    this.lockState = s;
    this.history.push(s);
  }

  /** `is_lock_owner`: the lock is ours (including while we move or are about to drop it). */
  isLockOwner(): boolean {
    return OWNER_STATES.has(this.lockState);
  }

  // ------------------------------------------------------------------ public actions

  /** Take the lock, waiting (requesting it from its owner) as long as it takes. */
  acquireLock(): Promise<void> {
    return this.request('acquire', () => this.lockState !== LockState.LOCKED || this.actions.length > 0);
  }

  /** Take the lock if nobody (alive) holds it; resolves either way unless an error happens. */
  tryAcquireLock(): Promise<void> {
    return this.request('try-acquire', () => this.lockState !== LockState.LOCKED || this.actions.length > 0);
  }

  releaseLock(): Promise<void> {
    return this.request('release', () => this.lockState !== LockState.UNLOCKED || this.actions.length > 0);
  }

  private request(action: LockAction, needed: () => boolean): Promise<void> {
    if (this.isStateShutdown())
      return Promise.reject(new CephError('ESHUTDOWN', `${action}: lock is shut down`));
    if (!needed()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.executeAction(action, (r) => (r < 0 ? reject(new CephError(r, `${action} lock`)) : resolve()));
    });
  }

  /**
   * `reacquire_lock`: after a rewatch, move the lock to the new watch
   * handle's cookie (or resume an acquire that waited for the watch).
   */
  reacquireLock(): Promise<void> {
    if (this.lockState === LockState.WAITING_FOR_REGISTER) {
      log.debug(10, 'woke up waiting acquire');
      this.executeNextAction();
      return Promise.resolve();
    }
    const interlocked: LockState[] = [
      LockState.LOCKED,
      LockState.ACQUIRING,
      LockState.POST_ACQUIRING,
      LockState.WAITING_FOR_LOCK,
    ];
    if (!this.isStateShutdown() && interlocked.includes(this.lockState)) {
      return new Promise<void>((resolve, reject) => {
        this.executeAction('reacquire', (r) =>
          r < 0 ? reject(new CephError(r, 'reacquire lock')) : resolve(),
        );
      });
    }
    return Promise.resolve();
  }

  /** `shut_down`: release the lock if held, then refuse everything. Safe to call twice. */
  shutDown(): Promise<void> {
    if (this.lockState === LockState.SHUTDOWN) return Promise.resolve();
    const pending = this.actions.find((a) => a.action === 'shut-down');
    if (pending) return new Promise<void>((resolve) => pending.waiters.push(() => resolve()));
    // Acquires parked waiting for the watch or for a peer end now.
    if (this.lockState === LockState.WAITING_FOR_REGISTER || this.lockState === LockState.WAITING_FOR_LOCK) {
      this.completeActiveAction(LockState.UNLOCKED, -Errno.ESHUTDOWN);
    }
    return new Promise<void>((resolve) => this.executeAction('shut-down', () => resolve()));
  }

  /** `get_locker`: the current holder (undefined when none). */
  async getLocker(): Promise<Locker | undefined> {
    if (this.isStateShutdown()) throw new CephError('ESHUTDOWN', 'lock is shut down');
    return getLocker(this.io, this.oid, this.exclusive);
  }

  /** `break_lock`: break another client's hold (EBUSY when it is ours). */
  async breakLock(locker: Locker, force: boolean): Promise<void> {
    if (this.isStateShutdown()) throw new CephError('ESHUTDOWN', 'lock is shut down');
    if (this.isLockOwner()) throw new CephError('EBUSY', 'we hold the lock');
    await breakLock(this.io, this.oid, locker, {
      exclusive: this.exclusive,
      blocklistLocker: this.blocklistOnBreakLock,
      blocklistExpireSeconds: this.blocklistExpireSeconds,
      force,
    });
  }

  // ------------------------------------------------------------------ hooks (overridden by ExclusiveLock)

  /** Before locking; a negative result fails the acquire. */
  protected preAcquireLockHandler(): Promise<number> {
    return Promise.resolve(0);
  }

  /** After the lock attempt (`r`); return -ECANCELED to park the acquire (waiting for a peer). */
  protected postAcquireLockHandler(r: number): Promise<number> {
    return Promise.resolve(r);
  }

  /** After a reacquire (the lock moved to a new cookie, or did not need to): `r` is its result. */
  protected postReacquireLockHandler(r: number): Promise<number> {
    return Promise.resolve(r);
  }

  protected preReleaseLockHandler(_shuttingDown: boolean): Promise<number> {
    return Promise.resolve(0);
  }

  protected postReleaseLockHandler(_shuttingDown: boolean, r: number): Promise<number> {
    return Promise.resolve(r);
  }

  /** Shutting down without holding the lock. */
  protected shutdownHandler(r: number): Promise<number> {
    return Promise.resolve(r);
  }

  // ------------------------------------------------------------------ state machine plumbing

  protected isTransitionState(): boolean {
    return TRANSITION_STATES.has(this.lockState);
  }

  /** `is_state_shutdown`: shut down, or a shutdown is queued last. */
  protected isStateShutdown(): boolean {
    return this.lockState === LockState.SHUTDOWN || this.actions.at(-1)?.action === 'shut-down';
  }

  protected activeAction(): LockAction | undefined {
    return this.actions[0]?.action;
  }

  protected isActionAcquireLock(): boolean {
    return this.activeAction() === 'acquire';
  }

  /** `append_context`: join an identical queued action, or queue a new one. */
  private appendAction(action: LockAction, waiter: Waiter | undefined): void {
    const existing = this.actions.find((a) => a.action === action);
    if (existing) {
      if (waiter) existing.waiters.push(waiter);
      return;
    }
    this.actions.push({ action, waiters: waiter ? [waiter] : [] });
  }

  protected executeAction(action: LockAction, waiter?: Waiter): void {
    this.appendAction(action, waiter);
    if (!this.isTransitionState()) this.executeNextAction();
  }

  protected executeNextAction(): void {
    const action = this.activeAction();
    if (action === undefined) return;
    const run = (): Promise<void> => {
      switch (action) {
        case 'acquire':
        case 'try-acquire':
          return this.sendAcquireLock();
        case 'reacquire':
          return this.sendReacquireLock();
        case 'release':
          return this.sendReleaseLock();
        case 'shut-down':
          return this.sendShutdown();
      }
    };
    void run().catch((err: unknown) => {
      // The steps catch their own errors; reaching here is a bug: fail the action rather than hang.
      log.error(() => `${action} failed unexpectedly: ${String(err)}`);
      this.completeActiveAction(this.isLockOwner() ? LockState.LOCKED : LockState.UNLOCKED, errnoOf(err));
    });
  }

  protected completeActiveAction(nextState: LockState, r: number): void {
    const done = this.actions.shift();
    this.setState(nextState);
    for (const w of done?.waiters ?? []) w(r);
    if (!this.isTransitionState() && this.actions.length > 0) this.executeNextAction();
  }

  /** Park an acquire until a peer lets go (ExclusiveLock). */
  protected setStateWaitingForLock(): void {
    this.setState(LockState.WAITING_FOR_LOCK);
  }

  protected setStatePostAcquiring(): void {
    this.setState(LockState.POST_ACQUIRING);
  }

  // ------------------------------------------------------------------ acquire

  private async sendAcquireLock(): Promise<void> {
    if (this.lockState === LockState.LOCKED) {
      this.completeActiveAction(LockState.LOCKED, 0);
      return;
    }
    const handle = this.watcher.getWatchHandle();
    if (handle === 0n) {
      if (this.watcher.isBlocklisted()) {
        log.error('watcher not registered - client blocklisted');
        this.completeActiveAction(LockState.UNLOCKED, -Errno.EBLOCKLISTED);
      } else {
        log.error('watcher not registered - delaying request');
        this.setState(LockState.WAITING_FOR_REGISTER);
        if (this.isStateShutdown()) this.completeActiveAction(LockState.UNLOCKED, -Errno.ESHUTDOWN);
      }
      return;
    }
    this.setState(LockState.ACQUIRING);
    this.cookie = encodeLockCookie(handle);
    let r = await this.preAcquireLockHandler().catch(errnoOf);
    if (r >= 0) {
      try {
        await acquireLock(this.io, this.oid, {
          cookie: this.cookie,
          exclusive: this.exclusive,
          blocklistOnBreakLock: this.blocklistOnBreakLock,
          blocklistExpireSeconds: this.blocklistExpireSeconds,
        });
        r = 0;
      } catch (err) {
        r = errnoOf(err);
      }
    }
    if (r === -Errno.EBUSY || r === -Errno.EAGAIN || r === -Errno.EROFS)
      log.debug(5, 'unable to acquire exclusive lock');
    else if (r < 0) log.error(() => `failed to acquire exclusive lock: ${r}`);
    else log.debug(5, 'successfully acquired exclusive lock');

    this.postNextState = r < 0 ? LockState.UNLOCKED : LockState.LOCKED;
    const post = await this.postAcquireLockHandler(r).catch(errnoOf);
    if (post < 0 && this.postNextState === LockState.LOCKED) {
      // The lock is ours but the post hook failed: give it back without the release hooks.
      await releaseLock(this.io, this.oid, this.cookie);
      this.cookie = '';
      this.completeActiveAction(LockState.UNLOCKED, post);
    } else if (post !== -Errno.ECANCELED) {
      if (this.postNextState === LockState.UNLOCKED) this.cookie = '';
      this.completeActiveAction(this.postNextState, post);
    }
  }

  // ------------------------------------------------------------------ reacquire

  private async sendReacquireLock(): Promise<void> {
    if (this.lockState !== LockState.LOCKED) {
      this.completeActiveAction(this.lockState, 0);
      return;
    }
    const handle = this.watcher.getWatchHandle();
    if (handle === 0n) {
      log.error('aborting reacquire due to invalid watch handle');
      this.completeActiveAction(LockState.LOCKED, 0);
      return;
    }
    const newCookie = encodeLockCookie(handle);
    if (newCookie === this.cookie) {
      log.debug(10, 'skipping reacquire since cookie still valid');
      const post = await this.postReacquireLockHandler(0).catch(errnoOf);
      this.completeActiveAction(LockState.LOCKED, post);
      return;
    }
    this.setState(LockState.REACQUIRING);
    let r = 0;
    try {
      await reacquireLock(this.io, this.oid, {
        exclusive: this.exclusive,
        oldCookie: this.cookie,
        newCookie,
      });
    } catch (err) {
      r = errnoOf(err);
    }
    if (r < 0) {
      log.error(() => `failed to update lock cookie: ${r}`);
      if (!this.isStateShutdown()) {
        // Cannot move the hold: release and take the lock again; the reacquire callers wait for that.
        this.appendAction('release', undefined);
        const active = this.actions[0]!;
        const waiters = active.waiters.splice(0);
        if (waiters.length === 0) this.appendAction('acquire', undefined);
        for (const w of waiters) this.appendAction('acquire', (ar) => w(ar >= 0 ? r : ar));
      }
    } else {
      this.cookie = newCookie;
    }
    const post = await this.postReacquireLockHandler(r).catch(errnoOf);
    this.completeActiveAction(LockState.LOCKED, post);
  }

  // ------------------------------------------------------------------ release

  private async sendReleaseLock(): Promise<void> {
    if (this.lockState === LockState.UNLOCKED) {
      this.completeActiveAction(LockState.UNLOCKED, 0);
      return;
    }
    this.setState(LockState.PRE_RELEASING);
    let r = await this.preReleaseLockHandler(false).catch(errnoOf);
    this.setState(LockState.RELEASING);
    if (r >= 0) r = await releaseLock(this.io, this.oid, this.cookie);
    if (r >= 0) this.cookie = '';
    this.postNextState = r < 0 ? LockState.LOCKED : LockState.UNLOCKED;
    const post = await this.postReleaseLockHandler(false, r).catch(errnoOf);
    this.completeActiveAction(this.postNextState, post);
  }

  // ------------------------------------------------------------------ shutdown

  private async sendShutdown(): Promise<void> {
    let r: number;
    if (this.lockState !== LockState.LOCKED) {
      this.setState(LockState.SHUTTING_DOWN);
      r = await this.shutdownHandler(0).catch(errnoOf);
    } else {
      this.setState(LockState.PRE_SHUTTING_DOWN);
      const pre = await this.preReleaseLockHandler(true).catch(errnoOf);
      if (pre < 0) log.error(() => `pre-release on shutdown failed: ${pre}`);
      this.setState(LockState.SHUTTING_DOWN);
      const released = await releaseLock(this.io, this.oid, this.cookie);
      this.cookie = '';
      r = await this.postReleaseLockHandler(true, released).catch(errnoOf);
    }
    if (r < 0) log.error(() => `failed to shut down lock: ${r}`);
    // Whatever was queued behind the shutdown fails: the lock is gone.
    const done = this.actions.shift();
    const rest = this.actions.splice(0);
    this.setState(LockState.SHUTDOWN);
    for (const w of done?.waiters ?? []) w(r);
    for (const a of rest) for (const w of a.waiters) w(-Errno.ESHUTDOWN);
  }
}
