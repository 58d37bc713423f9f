/**
 * The image trash (librbd api/Trash.cc, trash/MoveRequest.cc,
 * trash/RemoveRequest.cc; `rbd trash mv|ls|restore|rm`): a trashed image
 * keeps its header and data but leaves `rbd_directory` and loses its
 * `rbd_id.<name>` object; `rbd_trash` holds `id_<id>` → TrashImageSpec.
 *
 * move:
 *   <start> → [by name: DIR_GET_ID; ENOENT → `<name>.rbd` exists: EOPNOTSUPP (format 1),
 *              else a USER entry left MOVING under that name resumes, else ENOENT]
 *           → OPEN (by id; gone already: skip the checks)
 *             → [exclusive-lock: own it, else EBUSY] → [migrating: EBUSY]
 *             → [in a group, unless moved by migration: EMLINK] → CLOSE
 *           → TRASH_ADD (state MOVING; EEXIST: an earlier try got this far)
 *           → REMOVE_ID_OBJECT (ENOENT fine) → DIR_REMOVE_IMAGE (ENOENT fine)
 *           → TRASH_STATE_SET MOVING → NORMAL → NOTIFY rbd_trash (IMAGE_ADDED) → <finish>
 *
 * restore:
 *   <start> → TRASH_GET → [source not USER/MIRRORING: EINVAL]
 *           → [state not NORMAL/RESTORING: EBUSY] → TRASH_STATE_SET NORMAL → RESTORING
 *           → GET_ID rbd_id.<name> (another image's: back to NORMAL, EEXIST;
 *             ours: an earlier try made it)
 *           → [CREATE_ID_OBJECT (create exclusive + set_id)] → DIR_ADD_IMAGE (EEXIST fine)
 *           → TRASH_REMOVE → NOTIFY rbd_trash (IMAGE_REMOVED) → <finish>
 *
 * remove:
 *   <start> → TRASH_GET → [before the deferment end and not forced: EPERM]
 *           → [MOVING: EUCLEAN; RESTORING: EBUSY]
 *           → TRASH_STATE_SET NORMAL → REMOVING
 *           → REMOVE_IMAGE (image/remove.ts; failure: state back to NORMAL, report it)
 *           → TRASH_REMOVE → NOTIFY rbd_trash (IMAGE_REMOVED) → <finish>
 *
 * purge: see `trashPurge`.
 *
 * Mirroring (disable on move, enable on restore) is not done yet: this librbd
 * has no mirroring; an image with journaling is refused by open.
 */
import { CephError, isCephError } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { encode } from '../../encoding/encoder.js';
import type { UTime } from '../../encoding/types.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import {
  RBD_TRASH,
  TrashImageSource,
  TrashImageState,
  encodeTrashImageSpec,
  groupSpecIsValid,
  type TrashImageSpec,
} from '../../cls/rbd/types.js';
import { RBD_DIRECTORY, RbdFeature, headerObjectName, idObjectName, oldHeaderName } from '../constants.js';
import { closeImage, openImage } from '../image/open.js';
import { removeImage } from '../image/remove.js';
import type { ImageCtx } from '../image-ctx.js';
import { diffIterate } from './diff-iterate.js';
import { listTrashSpecs } from './list.js';

/** `rbd_trash_image_source_t` by name, as `rbd trash ls` prints it. */
export type TrashSourceName = 'user' | 'mirroring' | 'migration' | 'removing' | 'user_parent';

/** `trash_image_info_t`: times are whole seconds since the epoch. */
export interface TrashImageInfo {
  id: string;
  name: string;
  source: TrashSourceName;
  deletionTime: number;
  defermentEndTime: number;
}

/** Sources `restore` accepts (`Trash::ALLOWED_RESTORE_SOURCES` in Pacific). */
export const ALLOWED_RESTORE_SOURCES: readonly number[] = [TrashImageSource.USER, TrashImageSource.MIRRORING];

/** `TrashWatcher`'s notify ops on `rbd_trash`. */
const TrashNotifyOp = { IMAGE_ADDED: 0, IMAGE_REMOVED: 1 } as const;
/** `watcher::Notifier::NOTIFY_TIMEOUT`. */
const NOTIFY_TIMEOUT_MS = 5000;

export function trashSourceName(source: number): TrashSourceName {
  const names: TrashSourceName[] = ['user', 'mirroring', 'migration', 'removing', 'user_parent'];
  return names[source] ?? 'user';
}

export interface TrashOptions {
  clock?: Clock;
}

function nowUtime(clock: Clock): UTime {
  const ms = clock.now();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6)) };
}

function infoOf(id: string, spec: TrashImageSpec): TrashImageInfo {
  return {
    id,
    name: spec.name,
    source: trashSourceName(spec.source),
    deletionTime: spec.deletionTime.sec,
    defermentEndTime: spec.defermentEndTime.sec,
  };
}

/** `Trash::move` by name (`RBD::trash_move`): the id comes from the directory, or from a move left half done. */
export async function trashMove(
  rados: Rados,
  ioctx: IoCtx,
  name: string,
  delaySeconds: number,
  source: number = TrashImageSource.USER,
  o: TrashOptions = {},
): Promise<void> {
  let id: string;
  try {
    id = await cls.dirGetId(ioctx, RBD_DIRECTORY, name);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
    if (await exists(ioctx, oldHeaderName(name))) {
      throw new CephError('EOPNOTSUPP', 'cannot move v1 image to trash');
    }
    const specs = await listTrashSpecs(ioctx, true);
    const resumed = [...specs].find(
      ([, s]) => s.source === TrashImageSource.USER && s.state === TrashImageState.MOVING && s.name === name,
    );
    if (!resumed) throw new CephError('ENOENT', `image ${name} does not exist`);
    id = resumed[0];
  }
  if (name === '' || id === '') throw new CephError('EINVAL', 'invalid image name/id');
  await trashMoveById(rados, ioctx, source, name, id, delaySeconds, o);
}

/** `Trash::move` of a known image (also what migration and mirroring use, with their sources). */
export async function trashMoveById(
  rados: Rados,
  ioctx: IoCtx,
  source: number,
  name: string,
  id: string,
  delaySeconds: number,
  o: TrashOptions = {},
): Promise<void> {
  let ictx: ImageCtx | null = null;
  try {
    ictx = await openImage(rados, ioctx, { id });
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  if (ictx) {
    try {
      await checkMovable(ictx, source);
    } finally {
      await closeImage(ictx);
    }
  }

  const deletionTime = nowUtime(o.clock ?? systemClock);
  const spec: TrashImageSpec = {
    source,
    name,
    deletionTime,
    defermentEndTime: { sec: deletionTime.sec + delaySeconds, nsec: deletionTime.nsec },
    state: TrashImageState.MOVING,
  };
  const moveResult = await moveToTrash(ioctx, id, spec);
  try {
    await cls.trashStateSetOn(ioctx, id, TrashImageState.NORMAL, TrashImageState.MOVING);
  } catch (err) {
    if (!isCephError(err, 'EOPNOTSUPP')) throw err;
  }
  if (moveResult) throw moveResult;
  await notifyTrash(
    ioctx,
    encodeTrashNotify(TrashNotifyOp.IMAGE_ADDED, id, { ...spec, state: TrashImageState.NORMAL }),
  );
}

/** The checks on the open image before it may go (lock, migration, group). */
async function checkMovable(ictx: ImageCtx, source: number): Promise<void> {
  if (ictx.lock && ictx.testFeatures(RbdFeature.EXCLUSIVE_LOCK) && !ictx.lock.isLockOwner()) {
    try {
      await ictx.lock.acquireLock();
    } catch (err) {
      throw new CephError('EBUSY', 'cannot obtain exclusive lock - not removing', { cause: err });
    }
  }
  if (ictx.testFeatures(RbdFeature.MIGRATING))
    throw new CephError('EBUSY', 'cannot move migrating image to trash');
  if (source !== TrashImageSource.MIGRATION) {
    let group;
    try {
      group = await cls.imageGroupGet(ictx.mdIoCtx, ictx.headerOid);
    } catch (err) {
      if (!isCephError(err, 'EOPNOTSUPP')) throw err;
    }
    if (group && groupSpecIsValid(group))
      throw new CephError('EMLINK', 'image is in a group - not moving to trash');
  }
}

/**
 * trash::MoveRequest: TRASH_ADD → REMOVE_ID_OBJECT → DIR_REMOVE_IMAGE. Returns
 * (rather than throws) the error of the last step, which librbd reports only
 * after it has moved the entry to NORMAL anyway.
 */
async function moveToTrash(ioctx: IoCtx, id: string, spec: TrashImageSpec): Promise<CephError | undefined> {
  try {
    await cls.trashAddOn(ioctx, id, spec);
  } catch (err) {
    // EEXIST: a previous move of this image stopped after adding it.
    if (!isCephError(err, 'EEXIST')) return asCephError(err);
  }
  try {
    await ioctx.remove(idObjectName(spec.name));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) return asCephError(err);
  }
  try {
    await cls.dirRemoveImageOn(ioctx, RBD_DIRECTORY, spec.name, id);
  } catch (err) {
    // ENOENT: an earlier move got this far (the real rbd then succeeds too)
    if (!isCephError(err, 'ENOENT')) return asCephError(err);
  }
  return undefined;
}

function asCephError(err: unknown): CephError {
  if (err instanceof CephError) return err;
  throw err;
}

export async function trashGet(ioctx: IoCtx, id: string): Promise<TrashImageInfo> {
  return infoOf(id, await cls.trashGet(ioctx, id));
}

/** `Trash::list`: by id; `excludeRemoving` (what `RBD::trash_list` passes) hides half-removed images. */
export async function trashList(ioctx: IoCtx, excludeRemoving = true): Promise<TrashImageInfo[]> {
  const specs = await listTrashSpecs(ioctx, excludeRemoving);
  return [...specs].map(([id, spec]) => infoOf(id, spec));
}

/** `Trash::restore`: back under `newName` ('' = the name it had). */
export async function trashRestore(
  ioctx: IoCtx,
  id: string,
  newName = '',
  allowedSources: readonly number[] = ALLOWED_RESTORE_SOURCES,
): Promise<void> {
  const spec = await cls.trashGet(ioctx, id);
  if (!allowedSources.includes(spec.source)) {
    throw new CephError('EINVAL', `Current trash source '${spec.source}' does not match expected`);
  }
  if (spec.state !== TrashImageState.NORMAL && spec.state !== TrashImageState.RESTORING) {
    throw new CephError('EBUSY', `error restoring image id ${id}, which is pending deletion`);
  }
  await setStateTolerant(ioctx, id, TrashImageState.RESTORING, TrashImageState.NORMAL);
  const name = newName === '' ? spec.name : newName;

  let createIdObject = true;
  try {
    const existing = await cls.getId(ioctx, idObjectName(name));
    if (existing !== id) {
      await setStateTolerant(ioctx, id, TrashImageState.NORMAL, TrashImageState.RESTORING).catch(
        () => undefined,
      );
      throw new CephError('EEXIST', 'an image with the same name already exists');
    }
    createIdObject = false;
  } catch (err) {
    if (isCephError(err, 'EEXIST')) throw err;
    if (!isCephError(err, 'ENOENT')) {
      await setStateTolerant(ioctx, id, TrashImageState.NORMAL, TrashImageState.RESTORING).catch(
        () => undefined,
      );
      throw err;
    }
  }
  if (createIdObject) {
    const op = new ObjectWriteOperation();
    op.create(true);
    cls.setId(op, id);
    await ioctx.operate(idObjectName(name), op);
  }
  try {
    await cls.dirAddImageOn(ioctx, RBD_DIRECTORY, name, id);
  } catch (err) {
    if (!isCephError(err, 'EEXIST')) throw err;
  }
  try {
    await cls.trashRemoveOn(ioctx, id);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  await notifyTrash(ioctx, encodeTrashNotify(TrashNotifyOp.IMAGE_REMOVED, id));
}

/** `Trash::remove`: delete a trashed image for good. */
export async function trashRemove(
  rados: Rados,
  ioctx: IoCtx,
  id: string,
  force: boolean,
  progress?: (offset: number, total: number) => void,
  o: TrashOptions = {},
): Promise<void> {
  const spec = await cls.trashGet(ioctx, id);
  const now = nowUtime(o.clock ?? systemClock);
  const end = spec.defermentEndTime;
  const beforeEnd = now.sec < end.sec || (now.sec === end.sec && now.nsec < end.nsec);
  if (beforeEnd && !force) throw new CephError('EPERM', 'error: deferment time has not expired.');
  if (spec.state === TrashImageState.MOVING) {
    throw new CephError('EUCLEAN', 'error: image is pending moving to the trash.');
  }
  if (spec.state !== TrashImageState.NORMAL && spec.state !== TrashImageState.REMOVING) {
    throw new CephError('EBUSY', 'error: image is pending restoration.');
  }

  await setStateTolerant(ioctx, id, TrashImageState.REMOVING, TrashImageState.NORMAL);
  try {
    await removeImage(rados, ioctx, { id }, { progress });
  } catch (err) {
    await setStateTolerant(ioctx, id, TrashImageState.NORMAL, TrashImageState.REMOVING);
    throw err;
  }
  try {
    await cls.trashRemoveOn(ioctx, id);
  } catch (err) {
    // The image is gone; a leftover entry is what librbd leaves too (it only logs this).
    if (!isCephError(err)) throw err;
  }
  await notifyTrash(ioctx, encodeTrashNotify(TrashNotifyOp.IMAGE_REMOVED, id));
}

export interface TrashPurgeOptions extends TrashOptions {
  /** Remove what expired by then (seconds since the epoch; 0: now). */
  expireTs?: number;
  /** Pool fullness (0..1) above which the oldest entries go regardless of expiry; -1: off. */
  threshold?: number;
  progress?: (done: number, total: number) => void;
}

/** Errors that leave an image in the trash for a later round rather than stop the purge. */
const PURGE_RETRY_ERRORS = new Set(['ENOTEMPTY', 'EBUSY', 'EMLINK', 'EUCLEAN']);

/**
 * `Trash::purge` (`rbd trash purge`): remove the user's expired entries —
 * and, above a usage threshold, the oldest ones until enough space is freed.
 *
 *   <start> → LIST (USER entries) → [threshold: DF (mon `df`) → per pool over the
 *             threshold, oldest deferment first: DISK_USAGE (diff-iterate) until enough]
 *           → add every entry expired by `expireTs`
 *           → REMOVE each (forced); ENOTEMPTY/EBUSY/EMLINK/EUCLEAN keep it for another
 *             round while some removal succeeded → [left over: the first such error]
 */
export async function trashPurge(rados: Rados, ioctx: IoCtx, o: TrashPurgeOptions = {}): Promise<void> {
  const threshold = o.threshold ?? -1;
  const entries = (await trashList(ioctx, true)).filter((e) => e.source === 'user');
  const toRemove = new Set<string>();
  if (threshold !== -1) {
    if (threshold < 0 || threshold > 1)
      throw new CephError('EINVAL', "argument 'threshold' is out of valid range");
    if (!(await purgeOverThreshold(rados, ioctx, entries, threshold, toRemove))) return;
  }
  const expire = o.expireTs || Math.floor((o.clock ?? systemClock).now() / 1000);
  for (const e of entries) if (expire >= e.defermentEndTime) toRemove.add(e.id);

  const pending = [...toRemove].sort(compareIds);
  const total = pending.length;
  let done = 0;
  let progressed = true;
  let firstError: CephError | undefined;
  while (pending.length > 0 && progressed) {
    progressed = false;
    firstError = undefined;
    for (let i = 0; i < pending.length;) {
      try {
        await trashRemove(rados, ioctx, pending[i]!, true, undefined, o);
      } catch (err) {
        if (isCephError(err) && PURGE_RETRY_ERRORS.has(err.code)) {
          firstError ??= err;
          i++;
          continue;
        }
        throw err;
      }
      pending.splice(i, 1);
      o.progress?.(++done, total);
      progressed = true;
    }
  }
  if (pending.length > 0 && firstError) throw firstError;
}

function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

interface DfPool {
  name: string;
  stats: { percent_used: number; max_avail: number; bytes_used: number };
}

/**
 * The threshold part of `Trash::purge`: for each pool (by data pool) over
 * `threshold`, the oldest entries until their used bytes cover the excess.
 * False when nothing needs freeing (librbd then purges nothing at all).
 */
async function purgeOverThreshold(
  rados: Rados,
  ioctx: IoCtx,
  entries: TrashImageInfo[],
  threshold: number,
  toRemove: Set<string>,
): Promise<boolean> {
  const df = await rados.command(JSON.stringify({ prefix: 'df', format: 'json' }));
  let pools: DfPool[];
  try {
    pools = (JSON.parse(df.outbuf.toString('utf8')) as { pools: DfPool[] }).pools;
  } catch (err) {
    throw new CephError('EBADMSG', 'ceph df json output could not be parsed', { cause: err });
  }
  const byPool = new Map<string, string[]>();
  for (const e of [...entries].sort((a, b) => a.defermentEndTime - b.defermentEndTime)) {
    let dataPoolId = -1;
    try {
      dataPoolId = await cls.getDataPool(ioctx, headerObjectName(e.id));
    } catch (err) {
      if (!isCephError(err, 'ENOENT') && !isCephError(err, 'EOPNOTSUPP')) throw err;
    }
    let poolName = ioctx.poolName;
    if (dataPoolId !== -1 && dataPoolId !== ioctx.poolId) {
      try {
        poolName = (await rados.ioCtx(dataPoolId)).poolName;
      } catch (err) {
        if (isCephError(err, 'ENOENT')) continue; // the data pool is gone: nothing to weigh
        throw err;
      }
    }
    const list = byPool.get(poolName) ?? [];
    list.push(e.id);
    byPool.set(poolName, list);
  }
  let bytesToFree = 0;
  for (const pool of pools) {
    const ids = byPool.get(pool.name);
    if (!ids) continue;
    const used = pool.stats.percent_used;
    if (used <= threshold) continue;
    bytesToFree = 0;
    const total = pool.stats.max_avail + pool.stats.bytes_used;
    const excess = Math.floor(total * (used - threshold));
    for (const id of ids) {
      let ictx: ImageCtx;
      try {
        ictx = await openImage(rados, ioctx, { id, readOnly: true });
      } catch (err) {
        if (isCephError(err, 'ENOENT')) continue;
        throw err;
      }
      try {
        await diffIterate(
          ictx,
          { offset: 0, length: ictx.size, includeParent: false, wholeObject: true },
          (_off, len, exists) => {
            if (exists) bytesToFree += len;
          },
        );
      } catch (err) {
        // librbd skips an image whose usage it cannot compute
        if (!isCephError(err)) throw err;
        continue;
      } finally {
        await closeImage(ictx);
      }
      toRemove.add(id);
      if (bytesToFree >= excess) break;
    }
  }
  return bytesToFree !== 0;
}

/** `trash_state_set`, where an OSD without trash states (EOPNOTSUPP) is fine. */
async function setStateTolerant(ioctx: IoCtx, id: string, state: number, expect: number): Promise<void> {
  try {
    await cls.trashStateSetOn(ioctx, id, state, expect);
  } catch (err) {
    if (!isCephError(err, 'EOPNOTSUPP')) throw err;
  }
}

async function exists(ioctx: IoCtx, oid: string): Promise<boolean> {
  try {
    await ioctx.stat(oid);
    return true;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return false;
    throw err;
  }
}

/** `trash_watcher::NotifyMessage` v1: u32 op, the image id, and for IMAGE_ADDED its spec. */
export function encodeTrashNotify(op: number, id: string, spec?: TrashImageSpec): Buffer {
  return encode((e) =>
    e.struct(1, 1, (b) => {
      b.u32(op).string(id);
      if (spec) encodeTrashImageSpec(b, spec);
    }),
  );
}

/** `TrashWatcher::notify_image_added/removed`: tell rbd_trash's watchers (rbd-mirror); failures are only logged by librbd. */
async function notifyTrash(ioctx: IoCtx, payload: Buffer): Promise<void> {
  try {
    await ioctx.notify(RBD_TRASH, payload, NOTIFY_TIMEOUT_MS);
  } catch (err) {
    if (!isCephError(err)) throw err;
  }
}
