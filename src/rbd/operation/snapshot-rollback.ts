/**
 * Roll the head of an image back to a snapshot
 * (librbd/operation/SnapshotRollbackRequest.cc with the checks of
 * Operations::snap_rollback), run by the exclusive lock owner.
 *
 *   <start> → EROFS (read-only or open at a snapshot) → ENOENT
 *           → BLOCK_WRITES (drain in-flight writes)
 *           → [head size ≠ snapshot size: RESIZE_IMAGE (shrink allowed):
 *              shrinking removes the head objects past the new end]
 *           → [object-map feature: ROLLBACK_OBJECT_MAP (the stored head map
 *              becomes the snapshot's; snapshot-object-map.ts)]
 *           → ROLLBACK_OBJECTS: `rollback(snap)` on every object of the
 *             snapshot-sized image (≤ rbd_concurrent_management_ops at once,
 *             progress per object; an object absent both now and then: ENOENT, fine)
 *           → [object map open: REFRESH_OBJECT_MAP] → REFRESH → <finish>
 *
 * The resize step is a minimal local one (header size + trimming whole
 * objects) until the lead's operation/resize.ts is committed; the object map
 * needs no resize because the rollback replaces the whole head map.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import type { SnapshotNamespace } from '../../cls/rbd/types.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { getNumObjects } from '../io/striper.js';
import { snapIdOrThrow, snapInfoOrThrow } from './snapshot-list.js';
import { objectMapReload, objectMapRollback } from './snapshot-object-map.js';
import { managementOpsLimit, runBounded, type Progress } from './snapshot-throttle.js';

export async function snapshotRollback(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
  progress?: Progress,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snapId = snapIdOrThrow(ictx, name, namespace);
  const snapSize = snapInfoOrThrow(ictx, snapId).size;
  await ictx.drainWrites();

  if (ictx.header.size !== snapSize) await resizeHead(ictx, snapSize);

  if (ictx.testFeatures(RbdFeature.OBJECT_MAP)) await objectMapRollback(ictx, snapId);

  const objectCount = getNumObjects(ictx.layout, snapSize);
  await runBounded(
    objectCount,
    managementOpsLimit(ictx),
    (objectNo) => rollbackObject(ictx, objectNo, snapId),
    progress,
  );

  await objectMapReload(ictx);
  await refreshImage(ictx);
}

/** `selfmanaged_snap_rollback` of one data object (with the head's snap context). */
async function rollbackObject(ictx: ImageCtx, objectNo: number, snapId: bigint): Promise<void> {
  try {
    await ictx.dataIoCtx.operate(ictx.objectName(objectNo), new ObjectWriteOperation().rollback(snapId));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}

/**
 * RESIZE_IMAGE for a rollback: a shrink first removes the head objects wholly
 * past the new end (their snapshot clones stay, the snap context preserves
 * them); the objects inside are rolled back right after, so no partial trim
 * is needed. Then the header size (the class also cuts the parent overlap).
 */
async function resizeHead(ictx: ImageCtx, newSize: number): Promise<void> {
  const oldCount = getNumObjects(ictx.layout, ictx.header.size);
  const newCount = getNumObjects(ictx.layout, newSize);
  if (newCount < oldCount) {
    await runBounded(oldCount - newCount, managementOpsLimit(ictx), async (i) => {
      try {
        await ictx.dataIoCtx.remove(ictx.objectName(newCount + i));
      } catch (err) {
        if (!isCephError(err, 'ENOENT')) throw err;
      }
    });
  }
  await cls.setSizeOn(ictx.mdIoCtx, ictx.headerOid, newSize);
  await refreshImage(ictx);
  if (ictx.header.size !== newSize) {
    throw new CephError('EIO', `image ${ictx.name} did not resize to ${newSize} for the rollback`);
  }
}
