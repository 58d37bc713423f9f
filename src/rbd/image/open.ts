/**
 * Open and close an image (librbd/image/OpenRequest.cc, CloseRequest.cc).
 *
 * Open:
 *   <start> → [by name: GET_ID from rbd_id.<name>; ENOENT and `<name>.rbd`
 *              exists → format 1, which this librbd does not open (EOPNOTSUPP)]
 *           → [by id: DIR_GET_NAME from rbd_directory (trash: name unknown)]
 *           → REFRESH (image/refresh.ts: header, snapshots, parent chain)
 *           → [writable head: REGISTER_WATCH + exclusive lock (attached by the
 *              `onOpen` hook the api layer installs)] → <finish>
 *
 * Close:
 *   <start> → [hook: release the exclusive lock, unregister the watch]
 *           → FLUSH (wait for writes and copy-ups) → CLOSE_PARENT → <finish>
 */
import { writeAroundFor } from '../cache/write-around.js';
import { CephError, isCephError } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import type { Config } from '../../common/config.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import { ObjectReadOperation } from '../../rados/operation.js';
import type { ParentImageSpec } from '../../cls/rbd/types.js';
import { RBD_DIRECTORY, idObjectName, oldHeaderName } from '../constants.js';
import * as cls from '../../cls/rbd/client.js';
import { ImageCtx } from '../image-ctx.js';
import { refreshImage } from './refresh.js';

export interface OpenImageOptions {
  /** Open by name (looked up in rbd_id.<name>) … */
  name?: string;
  /** … or by id. */
  id?: string;
  /** Open at this snapshot (read-only). */
  snapName?: string;
  snapId?: bigint;
  readOnly?: boolean;
  clock?: Clock;
  config?: Config;
}

/** Hooks run after a writable open and before close (image watcher, exclusive lock). */
export interface ImageLifecycleHooks {
  onOpen(ictx: ImageCtx): Promise<void>;
  onClose(ictx: ImageCtx): Promise<void>;
}

let lifecycleHooks: ImageLifecycleHooks | null = null;

/** Install the watcher/lock wiring (the api layer does this once). */
export function setImageLifecycleHooks(hooks: ImageLifecycleHooks | null): void {
  lifecycleHooks = hooks;
}

/** The image id behind `name` (`get_id` on rbd_id.<name>). */
export async function lookupImageId(ioctx: IoCtx, name: string): Promise<string> {
  const op = new ObjectReadOperation();
  const id = cls.getIdStart(op);
  try {
    await ioctx.operateRead(idObjectName(name), op);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
    if (await objectExists(ioctx, oldHeaderName(name))) {
      throw new CephError('EOPNOTSUPP', `image ${name} is format 1, which is not supported`);
    }
    throw new CephError('ENOENT', `image ${name} does not exist`);
  }
  return id.get();
}

async function objectExists(ioctx: IoCtx, oid: string): Promise<boolean> {
  try {
    await ioctx.stat(oid);
    return true;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return false;
    throw err;
  }
}

/** The name of image `id` from rbd_directory ('' when not listed, e.g. in the trash). */
export async function lookupImageName(ioctx: IoCtx, id: string): Promise<string> {
  const op = new ObjectReadOperation();
  const name = cls.dirGetNameStart(op, id);
  try {
    await ioctx.operateRead(RBD_DIRECTORY, op);
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return '';
    throw err;
  }
  return name.get();
}

export async function openImage(rados: Rados, ioctx: IoCtx, o: OpenImageOptions): Promise<ImageCtx> {
  if (o.name === undefined && o.id === undefined) throw new CephError('EINVAL', 'image name or id required');
  const id = o.id ?? (await lookupImageId(ioctx, o.name!));
  const name = o.name ?? (await lookupImageName(ioctx, id));
  const atSnap = o.snapName !== undefined || (o.snapId !== undefined && o.snapId !== CEPH_NOSNAP);
  const md = ioctx.dup();
  md.setReadSnap(CEPH_NOSNAP);
  const ictx = new ImageCtx({
    rados,
    config: o.config ?? rados.config,
    mdIoCtx: md,
    name,
    id,
    snapName: o.snapName,
    readOnly: o.readOnly ?? false,
    clock: o.clock,
  });
  if (o.snapId !== undefined) ictx.snapId = o.snapId;
  try {
    await refreshImage(ictx);
  } catch (err) {
    if (isCephError(err, 'ENOENT') && !atSnap)
      throw new CephError('ENOENT', `image ${name || id} does not exist`);
    throw err;
  }
  // librbd sets the cache up on every image but a parent; only writes use it.
  if (!ictx.readOnly) ictx.writeAround = writeAroundFor(ictx);
  if (lifecycleHooks && !ictx.readOnly) await lifecycleHooks.onOpen(ictx);
  return ictx;
}

/** A clone's parent: opened read-only at the parent snapshot, in the parent's pool and namespace. */
export async function openParentImage(child: ImageCtx, spec: ParentImageSpec): Promise<ImageCtx> {
  const io =
    spec.poolId === child.mdIoCtx.poolId ? child.mdIoCtx.dup() : await child.rados.ioCtx(spec.poolId);
  io.setNamespace(spec.poolNamespace);
  return openImage(child.rados, io, {
    id: spec.imageId,
    snapId: spec.snapId,
    readOnly: true,
    config: child.config,
  });
}

export async function closeImage(ictx: ImageCtx): Promise<void> {
  if (ictx.closed) return;
  if (lifecycleHooks && !ictx.readOnly) await lifecycleHooks.onClose(ictx);
  await ictx.drainWrites();
  ictx.closed = true;
  const parent = ictx.parent;
  ictx.parent = null;
  if (parent) await closeImage(parent);
}
