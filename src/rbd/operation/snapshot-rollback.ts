/**
 * Roll the head of an image back to a snapshot
 * (librbd/operation/SnapshotRollbackRequest.cc with the checks of
 * Operations::snap_rollback), run by the exclusive lock owner.
 *
 *   <start> → EROFS (read-only or open at a snapshot) → ENOENT
 *           → BLOCK_WRITES (drain in-flight writes)
 *           → [object-map feature: GET_SNAP_OBJECT_MAP — note the objects both
 *              the head map and the snapshot map know are absent]
 *           → [head size ≠ snapshot size: RESIZE_IMAGE (operation/resize.ts,
 *              shrink allowed; a shrink trims the head objects past the end)]
 *           → [object-map feature: ROLLBACK_OBJECT_MAP (snapshot-object-map.ts)]
 *           → ROLLBACK_OBJECTS: `rollback(snap)` on every object of the
 *             snapshot-sized image but the skippable ones
 *             (≤ rbd_concurrent_management_ops at once, progress per object;
 *             ENOENT — absent now and then — is fine)
 *           → [object map open: REFRESH_OBJECT_MAP (reopen)] → REFRESH → <finish>
 */
import { isCephError } from '../../common/errors.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import type { SnapshotNamespace } from '../../cls/rbd/types.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { getNumObjects } from '../io/striper.js';
import { forEachObject } from './async-object-throttle.js';
import { resizeImage } from './resize.js';
import { snapIdOrThrow, snapInfoOrThrow } from './snapshot-list.js';
import { objectMapReopen, objectMapRollback, rollbackSkippable } from './snapshot-object-map.js';

export async function snapshotRollback(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snapId = snapIdOrThrow(ictx, name, namespace);
  const snapSize = snapInfoOrThrow(ictx, snapId).size;
  // Writes stay blocked from the first object rolled back to the refreshed header.
  await ictx.withWritesBlocked(async () => {
    const skippable = await rollbackSkippable(ictx, snapId);

    if (ictx.header.size !== snapSize) await resizeImage(ictx, snapSize, true);

    if (ictx.testFeatures(RbdFeature.OBJECT_MAP)) await objectMapRollback(ictx, snapId);

    await forEachObject(
      0,
      getNumObjects(ictx.layout, snapSize),
      async (objectNo) => {
        if (skippable?.(objectNo)) return;
        await rollbackObject(ictx, objectNo, snapId);
      },
      { limit: ictx.concurrentManagementOps, progress },
    );

    await objectMapReopen(ictx);
    await refreshImage(ictx);
  });
}

/** `selfmanaged_snap_rollback` of one data object (with the head's snap context). */
async function rollbackObject(ictx: ImageCtx, objectNo: number, snapId: bigint): Promise<void> {
  try {
    await ictx.dataIoCtx.operate(ictx.objectName(objectNo), new ObjectWriteOperation().rollback(snapId));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}
