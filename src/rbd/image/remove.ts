/**
 * Remove an image (librbd/image/RemoveRequest.cc, PreRemoveRequest.cc).
 *
 *   <start> → LOOKUP (name → id; a name without an id object: ENOENT)
 *           → OPEN (header gone: skip to REMOVE_ID_OBJECT — a half-created image)
 *           → CHECK_WATCHERS (anyone else watching the header: EBUSY)
 *           → CHECK_SNAPSHOTS (any snapshot, trash ones included: ENOTEMPTY)
 *           → TRIM (every data object, progress) → DETACH_CHILD (from the parent)
 *           → REMOVE_OBJECT_MAP → REMOVE_HEADER → REMOVE_ID_OBJECT
 *           → DIR_REMOVE_IMAGE → <finish>
 */
import { CephError, isCephError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import * as cls from '../../cls/rbd/client.js';
import { RBD_OBJECT_MAP_PREFIX } from '../../cls/rbd/types.js';
import { RBD_DIRECTORY, headerObjectName, idObjectName } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { trimImage } from '../operation/trim.js';
import { detachChild } from '../operation/snapshot-detach-child.js';
import { closeImage, lookupImageId, lookupImageName, openImage } from './open.js';

export interface RemoveImageTarget {
  name?: string;
  id?: string;
}

export interface RemoveImageOptions {
  progress?: (offset: number, total: number) => void;
  config?: Config;
  /** Watch cookies of this client on the header (its own open image), not counted as other users. */
  ownWatchCookies?: bigint[];
}

async function ignoreEnoent(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}

export async function removeImage(
  rados: Rados,
  ioctx: IoCtx,
  target: RemoveImageTarget,
  o: RemoveImageOptions = {},
): Promise<void> {
  const id = target.id ?? (await lookupImageId(ioctx, target.name!));
  const name = target.name ?? (await lookupImageName(ioctx, id));
  let ictx: ImageCtx | null = null;
  try {
    ictx = await openImage(rados, ioctx, { id, config: o.config ?? rados.config, readOnly: false });
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  if (ictx) {
    try {
      await removeImageData(ictx, o);
    } finally {
      await closeImage(ictx);
    }
  }
  await ignoreEnoent(ioctx.remove(headerObjectName(id)));
  if (name !== '') {
    await ignoreEnoent(ioctx.remove(idObjectName(name)));
    await ignoreEnoent(cls.dirRemoveImageOn(ioctx, RBD_DIRECTORY, name, id));
  }
}

/** Everything but the header, id object and directory entry. */
async function removeImageData(ictx: ImageCtx, o: RemoveImageOptions): Promise<void> {
  const own = new Set(o.ownWatchCookies ?? []);
  // Our own open (for the removal) watches the header too.
  if (ictx.watcher) own.add(ictx.watcher.getWatchHandle());
  const watchers = await ictx.mdIoCtx.listWatchers(ictx.headerOid);
  if (watchers.some((w) => !own.has(w.cookie))) throw new CephError('EBUSY', 'image still has watchers');
  if (ictx.header.snaps.size > 0) throw new CephError('ENOTEMPTY', 'image has snapshots - not removing');
  await trimImage(ictx, ictx.header.size, 0, o.progress);
  await detachChild(ictx);
  await ignoreEnoent(ictx.mdIoCtx.remove(RBD_OBJECT_MAP_PREFIX + ictx.id));
}
