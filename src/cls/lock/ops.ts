/**
 * The inputs and outputs of the `lock` class methods (Ceph's
 * cls_lock_ops.h): each a v1 struct. The lock type always travels as one
 * byte. `cls_lock_get_info_reply` shares `lock_info_t`'s layout (types.ts).
 */
import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import {
  decodeEntityNameT,
  decodeUTime,
  encodeEntityNameT,
  encodeUTime,
  type EntityNameT,
  type UTime,
} from '../../encoding/types.js';
import { decodeLockInfo, encodeLockInfo, type LockInfo } from './types.js';

/** `cls_lock_lock_op`: input of `lock.lock`. */
export interface LockOp {
  /** `name`: the lock's name. */
  name: string;
  /** `type`: ClsLockType (u8). */
  type: number;
  /** `cookie`: the locker's cookie. */
  cookie: string;
  /** `tag`: must match the lock's tag while it is held. */
  tag: string;
  /** `description`: stored with the locker. */
  description: string;
  /** `duration`: how long the lock lasts; zero for forever. */
  duration: UTime;
  /** `flags`: LockFlag bits (u8). */
  flags: number;
}

export function encodeLockOp(op: LockOp): Buffer {
  return encode((e) =>
    e.struct(1, 1, (b) => {
      b.string(op.name).u8(op.type).string(op.cookie).string(op.tag).string(op.description);
      encodeUTime(b, op.duration);
      b.u8(op.flags);
    }),
  );
}

export function decodeLockOp(buf: Buffer): LockOp {
  return new Decoder(buf).struct('cls_lock_lock_op', 1, (b) => ({
    name: b.string(),
    type: b.u8(),
    cookie: b.string(),
    tag: b.string(),
    description: b.string(),
    duration: decodeUTime(b),
    flags: b.u8(),
  }));
}

/** `cls_lock_unlock_op`: input of `lock.unlock`. */
export interface UnlockOp {
  /** `name`. */
  name: string;
  /** `cookie`: the holder's cookie. */
  cookie: string;
}

export function encodeUnlockOp(op: UnlockOp): Buffer {
  return encode((e) => e.struct(1, 1, (b) => b.string(op.name).string(op.cookie)));
}

export function decodeUnlockOp(buf: Buffer): UnlockOp {
  return new Decoder(buf).struct('cls_lock_unlock_op', 1, (b) => ({ name: b.string(), cookie: b.string() }));
}

/** `cls_lock_break_op`: input of `lock.break_lock`. */
export interface BreakOp {
  /** `name`. */
  name: string;
  /** `locker`: the client whose hold is broken. */
  locker: EntityNameT;
  /** `cookie`: that client's cookie. */
  cookie: string;
}

export function encodeBreakOp(op: BreakOp): Buffer {
  return encode((e) =>
    e.struct(1, 1, (b) => {
      b.string(op.name);
      encodeEntityNameT(b, op.locker);
      b.string(op.cookie);
    }),
  );
}

export function decodeBreakOp(buf: Buffer): BreakOp {
  return new Decoder(buf).struct('cls_lock_break_op', 1, (b) => ({
    name: b.string(),
    locker: decodeEntityNameT(b),
    cookie: b.string(),
  }));
}

/** `cls_lock_get_info_op`: input of `lock.get_info`. */
export interface GetInfoOp {
  /** `name`. */
  name: string;
}

export function encodeGetInfoOp(op: GetInfoOp): Buffer {
  return encode((e) => e.struct(1, 1, (b) => b.string(op.name)));
}

export function decodeGetInfoOp(buf: Buffer): GetInfoOp {
  return new Decoder(buf).struct('cls_lock_get_info_op', 1, (b) => ({ name: b.string() }));
}

/** `cls_lock_get_info_reply`: output of `lock.get_info` (lock_info_t's layout). */
export function encodeGetInfoReply(info: LockInfo): Buffer {
  return encode((e) => encodeLockInfo(e, info));
}

export function decodeGetInfoReply(buf: Buffer): LockInfo {
  return decodeLockInfo(new Decoder(buf));
}

/** `cls_lock_list_locks_reply`: output of `lock.list_locks`, the lock names. */
export function encodeListLocksReply(locks: readonly string[]): Buffer {
  return encode((e) => e.struct(1, 1, (b) => b.list(locks, (x, s) => x.string(s))));
}

export function decodeListLocksReply(buf: Buffer): string[] {
  return new Decoder(buf).struct('cls_lock_list_locks_reply', 1, (b) => b.list((x) => x.string()));
}

/** `cls_lock_assert_op`: input of `lock.assert_locked`. */
export interface AssertOp {
  /** `name`. */
  name: string;
  /** `type`: ClsLockType (u8) the lock must have. */
  type: number;
  /** `cookie`: the holder's cookie. */
  cookie: string;
  /** `tag`: the lock's tag. */
  tag: string;
}

export function encodeAssertOp(op: AssertOp): Buffer {
  return encode((e) => e.struct(1, 1, (b) => b.string(op.name).u8(op.type).string(op.cookie).string(op.tag)));
}

export function decodeAssertOp(buf: Buffer): AssertOp {
  return new Decoder(buf).struct('cls_lock_assert_op', 1, (b) => ({
    name: b.string(),
    type: b.u8(),
    cookie: b.string(),
    tag: b.string(),
  }));
}

/** `cls_lock_set_cookie_op`: input of `lock.set_cookie` (re-key a held lock). */
export interface SetCookieOp {
  /** `name`. */
  name: string;
  /** `type`: ClsLockType (u8) the lock is held with. */
  type: number;
  /** `cookie`: the current cookie. */
  cookie: string;
  /** `tag`: the lock's tag. */
  tag: string;
  /** `new_cookie`: the cookie to hold it under from now on. */
  newCookie: string;
}

export function encodeSetCookieOp(op: SetCookieOp): Buffer {
  return encode((e) =>
    e.struct(1, 1, (b) =>
      b.string(op.name).u8(op.type).string(op.cookie).string(op.tag).string(op.newCookie),
    ),
  );
}

export function decodeSetCookieOp(buf: Buffer): SetCookieOp {
  return new Decoder(buf).struct('cls_lock_set_cookie_op', 1, (b) => ({
    name: b.string(),
    type: b.u8(),
    cookie: b.string(),
    tag: b.string(),
    newCookie: b.string(),
  }));
}
