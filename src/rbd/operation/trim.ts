/**
 * Trim an image's data down to a new size (librbd/operation/TrimRequest.cc).
 *
 *   <start> → REMOVE_OBJECTS: whole object sets past the new size
 *             (object map: PENDING → remove → NONEXISTENT; objects the map
 *             knows are absent are skipped), ≤ rbd_concurrent_management_ops
 *           → CLEAN_BOUNDARY: inside the last object set, cut each object to
 *             what the new size keeps (truncate, or remove when nothing stays)
 *           → <finish>
 */
import { ObjectWriteOperation } from '../../rados/operation.js';
import { isCephError } from '../../common/errors.js';
import { ObjectMapState } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { fileToExtents, getNumObjects, getPeriod } from '../io/striper.js';
import { forEachObject } from './async-object-throttle.js';

export async function trimImage(
  ictx: ImageCtx,
  originalSize: number,
  newSize: number,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  const layout = ictx.layout;
  const period = getPeriod(layout);
  const newPeriods = Math.ceil(newSize / period);
  const deleteOffset = Math.min(newPeriods * period, originalSize);
  const deleteStart = newPeriods * layout.stripeCount;
  const objectCount = getNumObjects(layout, originalSize);

  if (deleteStart < objectCount) {
    await forEachObject(deleteStart, objectCount, (objectNo) => removeObject(ictx, objectNo), {
      limit: ictx.concurrentManagementOps,
      progress,
    });
  }

  if (deleteOffset > newSize) {
    const extents = fileToExtents(layout, newSize, deleteOffset - newSize);
    await Promise.all(
      extents.map(async (x) => {
        const op = new ObjectWriteOperation();
        if (x.offset === 0 && ictx.parentOverlapAt(ictx.snapId) === 0) op.remove();
        else op.truncate(x.offset);
        await ictx.objectMap?.markObject(
          x.objectNo,
          x.offset === 0 ? ObjectMapState.PENDING : ObjectMapState.EXISTS,
        );
        try {
          await ictx.dataIoCtx.operate(ictx.objectName(x.objectNo), op, { snapContext: ictx.snapContext });
        } catch (err) {
          if (!isCephError(err, 'ENOENT')) throw err;
        }
        if (x.offset === 0) {
          await ictx.objectMap?.markObject(x.objectNo, ObjectMapState.NONEXISTENT, ObjectMapState.PENDING);
        }
      }),
    );
  }
}

async function removeObject(ictx: ImageCtx, objectNo: number): Promise<void> {
  const objectMap = ictx.objectMap;
  if (objectMap && !objectMap.objectMayExist(objectNo)) return;
  await objectMap?.markObject(objectNo, ObjectMapState.PENDING);
  const op = new ObjectWriteOperation();
  op.remove();
  try {
    await ictx.dataIoCtx.operate(ictx.objectName(objectNo), op, { snapContext: ictx.snapContext });
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  await objectMap?.markObject(objectNo, ObjectMapState.NONEXISTENT, ObjectMapState.PENDING);
}
