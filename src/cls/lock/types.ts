/**
 * The types of the `lock` object class (Ceph's cls_lock_types.h): advisory
 * locks kept in an object's `lock.<name>` xattr as a `lock_info_t` — the
 * lockers (who, which cookie, until when, from where) plus the lock's type
 * and tag. `cls_lock_get_info_reply` has the very same layout.
 */
import { CephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';
import {
  decodeEntityAddr,
  decodeEntityNameT,
  decodeUTime,
  encodeEntityAddr,
  encodeEntityNameT,
  encodeUTime,
  type EntityAddr,
  type EntityNameT,
  type UTime,
} from '../../encoding/types.js';

/** `ClsLockType`: the wire value is one byte. */
export const ClsLockType = {
  NONE: 0,
  EXCLUSIVE: 1,
  SHARED: 2,
  /** Exclusive, and the object is removed when the last locker unlocks. */
  EXCLUSIVE_EPHEMERAL: 3,
} as const;
export type ClsLockType = (typeof ClsLockType)[keyof typeof ClsLockType];

/** `LOCK_FLAG_*` of `cls_lock_lock_op::flags`. */
export const LockFlag = {
  /** Re-locking with the same locker and cookie renews instead of failing. */
  MAY_RENEW: 0x1,
  /** Fail unless the lock is already held by this locker and cookie (a pure renewal). */
  MUST_RENEW: 0x2,
} as const;

/** `cls_lock_type_str`. */
export function clsLockTypeStr(type: number): string {
  switch (type) {
    case ClsLockType.NONE:
      return 'none';
    case ClsLockType.EXCLUSIVE:
      return 'exclusive';
    case ClsLockType.SHARED:
      return 'shared';
    case ClsLockType.EXCLUSIVE_EPHEMERAL:
      return 'exclusive-ephemeral';
    default:
      return '<unknown>';
  }
}

/** `cls_lock_is_exclusive`. */
export function clsLockIsExclusive(type: number): boolean {
  return type === ClsLockType.EXCLUSIVE || type === ClsLockType.EXCLUSIVE_EPHEMERAL;
}

/** `cls_lock_is_valid`: a type a lock can be taken with. */
export function clsLockIsValid(type: number): boolean {
  return (
    type === ClsLockType.SHARED || type === ClsLockType.EXCLUSIVE || type === ClsLockType.EXCLUSIVE_EPHEMERAL
  );
}

/** `locker_id_t`: who holds the lock; unique within one lock. */
export interface LockerId {
  /** `entity_name_t locker`: the client (client.4123). */
  locker: EntityNameT;
  /** `std::string cookie`: tells one client's holders apart. */
  cookie: string;
}

/** `locker_info_t`: what the OSD recorded about a locker. */
export interface LockerInfo {
  /** `utime_t expiration`: when the lock lapses; zero for never. */
  expiration: UTime;
  /** `entity_addr_t addr`: the locker's address when it locked. */
  addr: EntityAddr;
  /** `std::string description`: free text, may be empty. */
  description: string;
}

/** One entry of the lockers map. */
export interface Locker {
  id: LockerId;
  info: LockerInfo;
}

/** `lock_info_t` (and `cls_lock_get_info_reply`): the state of one named lock. */
export interface LockInfo {
  /** `map<locker_id_t, locker_info_t> lockers`, in the map's order. */
  lockers: Locker[];
  /** `ClsLockType lock_type` (one byte). */
  lockType: number;
  /** `std::string tag`: every locker must present it while the lock is held. */
  tag: string;
}

/** `locker_id_t::operator<`: by entity type, then number, then cookie (bytewise). */
export function compareLockerId(a: LockerId, b: LockerId): number {
  if (a.locker.type !== b.locker.type) return a.locker.type - b.locker.type;
  if (a.locker.num !== b.locker.num) return a.locker.num < b.locker.num ? -1 : 1;
  return Buffer.compare(Buffer.from(a.cookie), Buffer.from(b.cookie));
}

export function encodeLockerId(e: Encoder, id: LockerId): void {
  e.struct(1, 1, (b) => {
    encodeEntityNameT(b, id.locker);
    b.string(id.cookie);
  });
}

export function decodeLockerId(d: Decoder): LockerId {
  return d.struct('locker_id_t', 1, (b) => ({ locker: decodeEntityNameT(b), cookie: b.string() }));
}

/** The address goes with MSG_ADDR2 semantics, as every Pacific peer encodes it. */
export function encodeLockerInfo(e: Encoder, info: LockerInfo): void {
  e.struct(1, 1, (b) => {
    encodeUTime(b, info.expiration);
    encodeEntityAddr(b, info.addr);
    b.string(info.description);
  });
}

export function decodeLockerInfo(d: Decoder): LockerInfo {
  return d.struct('locker_info_t', 1, (b) => ({
    expiration: decodeUTime(b),
    addr: decodeEntityAddr(b),
    description: b.string(),
  }));
}

/** `lock_info_t::encode` (lockers sorted as Ceph's map keeps them). */
export function encodeLockInfo(e: Encoder, info: LockInfo): void {
  e.struct(1, 1, (b) => {
    const lockers = [...info.lockers].sort((x, y) => compareLockerId(x.id, y.id));
    b.u32(lockers.length);
    for (const l of lockers) {
      encodeLockerId(b, l.id);
      encodeLockerInfo(b, l.info);
    }
    b.u8(info.lockType);
    b.string(info.tag);
  });
}

export function decodeLockInfo(d: Decoder): LockInfo {
  return d.struct('lock_info_t', 1, (b) => {
    const lockers = b.list((x) => ({ id: decodeLockerId(x), info: decodeLockerInfo(x) }));
    const lockType = b.u8();
    const tag = b.string();
    return { lockers, lockType, tag };
  });
}

/** The name of the xattr a lock lives in (`LOCK_PREFIX` + name). */
export function lockXattrName(name: string): string {
  return `lock.${name}`;
}

/** Throw unless `type` is one a lock can be taken with. */
export function assertValidLockType(type: number): void {
  if (!clsLockIsValid(type)) throw new CephError('EINVAL', `invalid lock type ${type}`);
}
