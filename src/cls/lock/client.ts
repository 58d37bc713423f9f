/**
 * The client side of the `lock` object class (Ceph's cls_lock_client.cc):
 * builders that add a `lock.*` method call to a compound operation, and
 * one-call helpers over an IoCtx. Replies that do not decode are EBADMSG,
 * as in Ceph.
 */
import { CephError } from '../../common/errors.js';
import type { EntityNameT, UTime } from '../../encoding/types.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation, type OpResult } from '../../rados/operation.js';
import {
  decodeGetInfoReply,
  decodeListLocksReply,
  encodeAssertOp,
  encodeBreakOp,
  encodeGetInfoOp,
  encodeLockOp,
  encodeSetCookieOp,
  encodeUnlockOp,
} from './ops.js';
import { ClsLockType, LockFlag, type LockInfo } from './types.js';

const CLASS = 'lock';

/** Any compound operation (`assert_locked` goes into reads and writes alike). */
type AnyOperation = ObjectReadOperation | ObjectWriteOperation;

export interface LockRequest {
  name: string;
  type: number;
  cookie: string;
  tag?: string;
  description?: string;
  /** Zero (the default) for a lock that never expires. */
  duration?: UTime;
  /** LockFlag bits. */
  flags?: number;
}

/** `rados::cls::lock::lock`: take (or, with MAY_RENEW, renew) the lock. */
export function lock(op: ObjectWriteOperation, req: LockRequest): void {
  op.exec(
    CLASS,
    'lock',
    encodeLockOp({
      name: req.name,
      type: req.type,
      cookie: req.cookie,
      tag: req.tag ?? '',
      description: req.description ?? '',
      duration: req.duration ?? { sec: 0, nsec: 0 },
      flags: req.flags ?? 0,
    }),
  );
}

/** `unlock`: release this cookie's hold. */
export function unlock(op: ObjectWriteOperation, name: string, cookie: string): void {
  op.exec(CLASS, 'unlock', encodeUnlockOp({ name, cookie }));
}

/** `break_lock`: remove another client's hold. */
export function breakLock(op: ObjectWriteOperation, name: string, cookie: string, locker: EntityNameT): void {
  op.exec(CLASS, 'break_lock', encodeBreakOp({ name, locker, cookie }));
}

/** `assert_locked`: fail the operation (EBUSY/ENOENT…) unless this cookie holds the lock as `type`. */
export function assertLocked(
  op: AnyOperation,
  name: string,
  type: number,
  cookie: string,
  tag: string,
): void {
  op.exec(CLASS, 'assert_locked', encodeAssertOp({ name, type, cookie, tag }));
}

/** `set_cookie`: move a held lock to a new cookie. */
export function setCookie(
  op: ObjectWriteOperation,
  req: { name: string; type: number; cookie: string; tag: string; newCookie: string },
): void {
  op.exec(CLASS, 'set_cookie', encodeSetCookieOp(req));
}

/** `get_lock_info_start`: add the call; decode the slot's output with `getLockInfoFinish`. */
export function getLockInfoStart(op: ObjectReadOperation, name: string): OpResult<Buffer> {
  return op.exec(CLASS, 'get_info', encodeGetInfoOp({ name }));
}

/** `get_lock_info_finish`. */
export function getLockInfoFinish(out: Buffer): LockInfo {
  return badMessageOnError(() => decodeGetInfoReply(out));
}

/** `get_lock_info`: lockers, type and tag of one lock (type NONE and no lockers when it is not held). */
export async function getLockInfo(ioCtx: IoCtx, oid: string, name: string): Promise<LockInfo> {
  const op = new ObjectReadOperation();
  const slot = getLockInfoStart(op, name);
  await ioCtx.operateRead(oid, op);
  return getLockInfoFinish(slot.value ?? Buffer.alloc(0));
}

/** `list_locks`: the names of the object's locks. */
export async function listLocks(ioCtx: IoCtx, oid: string): Promise<string[]> {
  const out = await ioCtx.exec(oid, CLASS, 'list_locks');
  return badMessageOnError(() => decodeListLocksReply(out));
}

export async function lockObject(ioCtx: IoCtx, oid: string, req: LockRequest): Promise<void> {
  const op = new ObjectWriteOperation();
  lock(op, req);
  await ioCtx.operate(oid, op);
}

export async function unlockObject(ioCtx: IoCtx, oid: string, name: string, cookie: string): Promise<void> {
  const op = new ObjectWriteOperation();
  unlock(op, name, cookie);
  await ioCtx.operate(oid, op);
}

export async function breakObjectLock(
  ioCtx: IoCtx,
  oid: string,
  name: string,
  cookie: string,
  locker: EntityNameT,
): Promise<void> {
  const op = new ObjectWriteOperation();
  breakLock(op, name, cookie, locker);
  await ioCtx.operate(oid, op);
}

function badMessageOnError<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new CephError('EBADMSG', `lock: malformed reply: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `rados::cls::lock::Lock`: one named lock with the cookie, tag, description
 * and duration a holder uses for every call.
 */
export class Lock {
  cookie = '';
  tag = '';
  description = '';
  duration: UTime = { sec: 0, nsec: 0 };
  flags = 0;

  constructor(readonly name: string) {}

  /** `set_may_renew`: locking again with the same cookie renews the hold. */
  setMayRenew(renew: boolean): this {
    this.flags = renew ? this.flags | LockFlag.MAY_RENEW : this.flags & ~LockFlag.MAY_RENEW;
    return this;
  }

  /** `set_must_renew`: only renew an existing hold, never take a new one. */
  setMustRenew(renew: boolean): this {
    this.flags = renew ? this.flags | LockFlag.MUST_RENEW : this.flags & ~LockFlag.MUST_RENEW;
    return this;
  }

  private request(type: number): LockRequest {
    return {
      name: this.name,
      type,
      cookie: this.cookie,
      tag: this.tag,
      description: this.description,
      duration: this.duration,
      flags: this.flags,
    };
  }

  lockShared(op: ObjectWriteOperation): void {
    lock(op, this.request(ClsLockType.SHARED));
  }

  lockExclusive(op: ObjectWriteOperation): void {
    lock(op, this.request(ClsLockType.EXCLUSIVE));
  }

  lockExclusiveEphemeral(op: ObjectWriteOperation): void {
    lock(op, this.request(ClsLockType.EXCLUSIVE_EPHEMERAL));
  }

  lockSharedOn(ioCtx: IoCtx, oid: string): Promise<void> {
    return lockObject(ioCtx, oid, this.request(ClsLockType.SHARED));
  }

  lockExclusiveOn(ioCtx: IoCtx, oid: string): Promise<void> {
    return lockObject(ioCtx, oid, this.request(ClsLockType.EXCLUSIVE));
  }

  lockExclusiveEphemeralOn(ioCtx: IoCtx, oid: string): Promise<void> {
    return lockObject(ioCtx, oid, this.request(ClsLockType.EXCLUSIVE_EPHEMERAL));
  }

  assertLockedShared(op: AnyOperation): void {
    assertLocked(op, this.name, ClsLockType.SHARED, this.cookie, this.tag);
  }

  assertLockedExclusive(op: AnyOperation): void {
    assertLocked(op, this.name, ClsLockType.EXCLUSIVE, this.cookie, this.tag);
  }

  assertLockedExclusiveEphemeral(op: AnyOperation): void {
    assertLocked(op, this.name, ClsLockType.EXCLUSIVE_EPHEMERAL, this.cookie, this.tag);
  }

  unlock(op: ObjectWriteOperation): void {
    unlock(op, this.name, this.cookie);
  }

  unlockOn(ioCtx: IoCtx, oid: string): Promise<void> {
    return unlockObject(ioCtx, oid, this.name, this.cookie);
  }

  breakLock(op: ObjectWriteOperation, locker: EntityNameT): void {
    breakLock(op, this.name, this.cookie, locker);
  }

  breakLockOn(ioCtx: IoCtx, oid: string, locker: EntityNameT): Promise<void> {
    return breakObjectLock(ioCtx, oid, this.name, this.cookie, locker);
  }
}
