/**
 * Resize one version's object map to an image size (object_map::ResizeRequest).
 *
 *   <start> → RESIZE on the OSD (head: assert the map lock; objects past the
 *             new end must be in `defaultState`, else ESTALE)
 *           ─ok→ resize the in-memory map (new objects in `defaultState`) → <finish>
 *           ─error→ INVALIDATE → <finish>; when the map already was invalid the
 *                   error stands (rebuild sees ESTALE — objects past the new end
 *                   still marked — trims the image and retries)
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapResize } from '../../cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { getNumObjects } from '../io/striper.js';
import type { BitVector } from './bit-vector.js';
import { invalidateOrThrow, mapOid, NO_SNAP_CONTEXT, type ObjectMapImage } from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { resizeMap } from './rules.js';

export async function resizeObjectMap(
  image: ObjectMapImage,
  inMemory: BitVector,
  snapId: bigint,
  newSizeBytes: number,
  defaultState: number,
): Promise<void> {
  const objectCount = getNumObjects(image.layout, newSizeBytes);
  const op = new ObjectWriteOperation();
  if (snapId === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  objectMapResize(op, objectCount, defaultState);
  try {
    await image.headerIoCtx.operate(mapOid(image, snapId), op, NO_SNAP_CONTEXT);
  } catch (err) {
    await invalidateOrThrow(image, snapId, err);
    return;
  }
  resizeMap(inMemory, objectCount, defaultState);
}
