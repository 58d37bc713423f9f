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
import { RBD_DIRECTORY, RbdFeature, idObjectName, oldHeaderName } from '../constants.js';
import { closeImage, openImage } from '../image/open.js';
import { removeImage } from '../image/remove.js';
import type { ImageCtx } from '../image-ctx.js';
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
