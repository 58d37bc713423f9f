/**
 * `HeaderIo`: the RADOS calls the image watcher and the managed lock make on
 * an image header — watch/notify, the `lock` class and the mon's blocklist —
 * as one small interface. `radosHeaderIo` implements it over librados; the
 * simulations implement it in memory so several clients can share a header
 * under a manual clock.
 */
import { CephError } from '../../common/errors.js';
import type { EntityAddr, EntityNameT } from '../../encoding/types.js';
import { ClsLockType, getLockInfo, type LockInfo } from '../../cls/lock/index.js';
import * as clsLock from '../../cls/lock/client.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import type { WatchHandler } from '../../rados/objecter/linger-op.js';
import type { WatcherInfo } from '../../rados/operation.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import type { NotifyResult } from '../../rados/notify-reply.js';

export type { WatchHandler, WatcherInfo, LockInfo, NotifyResult };

export interface LockRequestArgs {
  /** The lock's name (`rbd_lock`). */
  name: string;
  /** Exclusive (the exclusive-lock feature) or shared. */
  exclusive: boolean;
  cookie: string;
  /** Every locker must present it (`internal` for librbd's managed lock). */
  tag: string;
}

export interface HeaderIo {
  /** This client's global id (`get_instance_id`): the gid in its ClientId. */
  instanceId(): bigint;
  /** Register a watch; resolves with its cookie (the watch handle). */
  watch(oid: string, handler: WatchHandler): Promise<bigint>;
  unwatch(cookie: bigint): Promise<void>;
  /**
   * Notify the object's watchers and wait for their acks. Throws ETIMEDOUT
   * with the partial reply attached as `notifyResult` when some did not ack.
   */
  notify(oid: string, payload: Buffer, timeoutMs: number): Promise<NotifyResult>;
  notifyAck(oid: string, notifyId: bigint, cookie: bigint, reply: Buffer): Promise<void>;
  listWatchers(oid: string): Promise<WatcherInfo[]>;
  /** `cls_lock lock` (no expiry, no flags): EBUSY when someone else holds it, EEXIST when we do. */
  lock(oid: string, req: LockRequestArgs): Promise<void>;
  unlock(oid: string, name: string, cookie: string): Promise<void>;
  /** `set_cookie`: move our hold to a new cookie (after a rewatch). */
  setCookie(oid: string, req: LockRequestArgs & { newCookie: string }): Promise<void>;
  getLockInfo(oid: string, name: string): Promise<LockInfo>;
  breakLock(oid: string, name: string, cookie: string, locker: EntityNameT): Promise<void>;
  /**
   * `Rados::blocklist_add` then `wait_for_latest_osd_map`: fence a client
   * address (`ip:port/nonce`) for `expireSeconds` (0: the monitor's default).
   */
  blocklistAdd(addr: string, expireSeconds: number): Promise<void>;
}

/** The partial reply a notify that timed out carried (`notifyResult` on the error), if any. */
export function notifyResultOf(err: unknown): NotifyResult | undefined {
  return (err as { notifyResult?: NotifyResult } | undefined)?.notifyResult;
}

/** `entity_addr_t::get_legacy_str`: `ip:port/nonce` with no protocol prefix (how lockers and watchers are compared). */
export function legacyAddrString(a: EntityAddr): string {
  const ip = a.ip.includes(':') ? `[${a.ip}]` : a.ip;
  return `${ip}:${a.port}/${a.nonce}`;
}

/** HeaderIo over librados: the IoCtx for the header's pool and namespace, the Rados for mon commands. */
export function radosHeaderIo(rados: Rados, ioCtx: IoCtx): HeaderIo {
  const lockType = (exclusive: boolean) => (exclusive ? ClsLockType.EXCLUSIVE : ClsLockType.SHARED);
  return {
    instanceId: () => rados.instanceId,
    watch: (oid, handler) => ioCtx.watch(oid, handler),
    unwatch: (cookie) => ioCtx.unwatch(cookie),
    notify: (oid, payload, timeoutMs) => ioCtx.notify(oid, payload, timeoutMs),
    notifyAck: (oid, notifyId, cookie, reply) => ioCtx.notifyAck(oid, notifyId, cookie, reply),
    listWatchers: (oid) => ioCtx.listWatchers(oid),
    async lock(oid, req) {
      await clsLock.lockObject(ioCtx, oid, {
        name: req.name,
        type: lockType(req.exclusive),
        cookie: req.cookie,
        tag: req.tag,
      });
    },
    unlock: (oid, name, cookie) => clsLock.unlockObject(ioCtx, oid, name, cookie),
    async setCookie(oid, req) {
      const op = new ObjectWriteOperation();
      clsLock.setCookie(op, {
        name: req.name,
        type: lockType(req.exclusive),
        cookie: req.cookie,
        tag: req.tag,
        newCookie: req.newCookie,
      });
      await ioCtx.operate(oid, op);
    },
    getLockInfo: (oid, name) => getLockInfo(ioCtx, oid, name),
    breakLock: (oid, name, cookie, locker) => clsLock.breakObjectLock(ioCtx, oid, name, cookie, locker),
    async blocklistAdd(addr, expireSeconds) {
      const cmd: Record<string, unknown> = { prefix: 'osd blocklist', blocklistop: 'add', addr };
      if (expireSeconds > 0) cmd.expire = expireSeconds;
      const r = await rados.command(JSON.stringify(cmd));
      if (r.r < 0) throw new CephError(r.r, r.rs);
      await rados.objecter.waitForLatestMap();
    },
  };
}
