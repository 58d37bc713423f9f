/**
 * Advisory locks on an image (librbd/internal.cc `list_lockers`, `lock`,
 * `unlock`, `break_lock`; `rbd lock add/ls/rm`): cls_lock's `rbd_lock` on the
 * header — the same lock the exclusive-lock feature takes with tag `internal`,
 * so `rbd lock ls` shows that owner too.
 *
 * lock / unlock:
 *   <start> → LOCK|UNLOCK (cls_lock on rbd_header.<id>; EBUSY held by another,
 *             EEXIST already ours, ENOENT not held) → NOTIFY_HEADER_UPDATE → <finish>
 *
 * break:
 *   <start> → [rbd_blocklist_on_break_lock: GET_LOCK_INFO → find the locker's
 *              address (ENOENT when it holds nothing) → BLOCKLIST_ADD (osd blocklist add,
 *              rbd_blocklist_expire_seconds) → wait for the new OSD map]
 *           → BREAK_LOCK (cls_lock break_lock) → NOTIFY_HEADER_UPDATE → <finish>
 */
import { CephError, isCephError } from '../../common/errors.js';
import { formatEntityNameT, type EntityAddr, type EntityNameT } from '../../encoding/types.js';
import { EntityType } from '../../encoding/types.js';
import { ClsLockType, clsLockIsExclusive } from '../../cls/lock/types.js';
import { breakObjectLock, getLockInfo, lockObject, unlockObject } from '../../cls/lock/client.js';
import { encodeNotifyMessage, NotifyOp } from '../watcher/notify-types.js';
import { RBD_LOCK_NAME } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';

/** `locker_t`: one holder of the advisory lock. */
export interface Locker {
  /** `client.<gid>` of the holder. */
  client: string;
  cookie: string;
  /** The holder's address when it locked (`ip:port/nonce`). */
  address: string;
}

/** What `list_lockers` returns. */
export interface LockerList {
  /** True when the lock is held exclusively. */
  exclusive: boolean;
  /** The tag every shared holder presented. */
  tag: string;
  lockers: Locker[];
}

/** `ImageWatcher::NOTIFY_TIMEOUT`. */
const NOTIFY_TIMEOUT_MS = 5000;

/** `entity_addr_t::get_legacy_str`: no protocol prefix. */
export function legacyAddrString(a: EntityAddr): string {
  const ip = a.ip.includes(':') ? `[${a.ip}]` : a.ip;
  return `${ip}:${a.port}/${a.nonce}`;
}

export async function listLockers(ictx: ImageCtx): Promise<LockerList> {
  const info = await getLockInfo(ictx.mdIoCtx, ictx.headerOid, RBD_LOCK_NAME);
  return {
    exclusive: clsLockIsExclusive(info.lockType),
    tag: info.tag,
    lockers: info.lockers.map((l) => ({
      client: formatEntityNameT(l.id.locker),
      cookie: l.id.cookie,
      address: legacyAddrString(l.info.addr),
    })),
  };
}

/** `librbd::lock`: take the advisory lock (`rbd lock add [--shared tag]`). */
export async function lockImage(
  ictx: ImageCtx,
  exclusive: boolean,
  cookie: string,
  tag: string,
): Promise<void> {
  await lockObject(ictx.mdIoCtx, ictx.headerOid, {
    name: RBD_LOCK_NAME,
    type: exclusive ? ClsLockType.EXCLUSIVE : ClsLockType.SHARED,
    cookie,
    tag,
  });
  await notifyHeaderUpdate(ictx);
}

/** `Image::lock_exclusive`. */
export function lockExclusive(ictx: ImageCtx, cookie: string): Promise<void> {
  return lockImage(ictx, true, cookie, '');
}

/** `Image::lock_shared`. */
export function lockShared(ictx: ImageCtx, cookie: string, tag: string): Promise<void> {
  return lockImage(ictx, false, cookie, tag);
}

/** `librbd::unlock`: drop this client's hold with `cookie`. */
export async function unlockImage(ictx: ImageCtx, cookie: string): Promise<void> {
  await unlockObject(ictx.mdIoCtx, ictx.headerOid, RBD_LOCK_NAME, cookie);
  await notifyHeaderUpdate(ictx);
}

/** Parse `client.4123` (entity_name_t::parse); EINVAL otherwise. */
export function parseLockClient(client: string): EntityNameT {
  const m = /^([a-z]+)\.(\d+)$/.exec(client);
  const types: Record<string, number> = {
    mon: EntityType.MON,
    mds: EntityType.MDS,
    osd: EntityType.OSD,
    client: EntityType.CLIENT,
    mgr: EntityType.MGR,
  };
  const type = m ? types[m[1]!] : undefined;
  if (!m || type === undefined) throw new CephError('EINVAL', `Unable to parse client '${client}'`);
  return { type, num: BigInt(m[2]!) };
}

/** `librbd::break_lock`: remove another client's hold, fencing it first when configured. */
export async function breakLock(ictx: ImageCtx, client: string, cookie: string): Promise<void> {
  const locker = parseLockClient(client);
  if (ictx.config.get('rbd_blocklist_on_break_lock')) {
    const info = await getLockInfo(ictx.mdIoCtx, ictx.headerOid, RBD_LOCK_NAME);
    const held = info.lockers.find((l) => l.id.locker.type === locker.type && l.id.locker.num === locker.num);
    if (!held) throw new CephError('ENOENT', `${client} does not hold the lock`);
    await blocklistAdd(
      ictx,
      legacyAddrString(held.info.addr),
      Number(ictx.config.get('rbd_blocklist_expire_seconds')),
    );
  }
  await breakObjectLock(ictx.mdIoCtx, ictx.headerOid, RBD_LOCK_NAME, cookie, locker);
  await notifyHeaderUpdate(ictx);
}

/** `Rados::blocklist_add` (the legacy `blacklist` command when the mon does not know `blocklist`). */
async function blocklistAdd(ictx: ImageCtx, addr: string, expireSeconds: number): Promise<void> {
  const send = async (prefix: string, opKey: string): Promise<{ r: number; rs: string }> => {
    const cmd: Record<string, unknown> = { prefix, [opKey]: 'add', addr };
    if (expireSeconds !== 0) cmd.expire = expireSeconds;
    return ictx.rados.command(JSON.stringify(cmd));
  };
  let r = await send('osd blocklist', 'blocklistop');
  if (r.r === -22) r = await send('osd blacklist', 'blacklistop');
  if (r.r < 0) throw new CephError(r.r, `unable to blocklist client: ${r.rs}`);
  await ictx.rados.objecter.waitForLatestMap();
}

/** `ImageWatcher::notify_header_update`: tell the header's watchers to refresh. */
async function notifyHeaderUpdate(ictx: ImageCtx): Promise<void> {
  try {
    await ictx.mdIoCtx.notify(
      ictx.headerOid,
      encodeNotifyMessage({ op: NotifyOp.HEADER_UPDATE }),
      NOTIFY_TIMEOUT_MS,
    );
  } catch (err) {
    // A watcher that does not ack in time refreshes on its own later.
    if (!isCephError(err, 'ETIMEDOUT')) throw err;
  }
}
