/**
 * Roll the head object map back to a snapshot's (object_map::SnapshotRollbackRequest),
 * after the data objects were rolled back; the caller reopens the map.
 *
 *   <start> → READ_MAP (the snapshot's stored map) ─error→ INVALIDATE head → <finish>
 *           → WRITE_MAP (write_full over the head map; assert the map lock)
 *             ─error→ INVALIDATE head → <finish>
 *           → [snapshot map flagged invalid] INVALIDATE head → <finish>
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../rados/operation.js';
import { invalidateObjectMap, mapOid, NO_SNAP_CONTEXT, type ObjectMapImage } from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { ObjectMapFlag } from './types.js';

export async function snapshotRollbackObjectMap(image: ObjectMapImage, snapId: bigint): Promise<void> {
  let stored: Buffer;
  try {
    const read = new ObjectReadOperation();
    const slot = read.read(0, 0);
    await image.headerIoCtx.operateRead(mapOid(image, snapId), read);
    stored = slot.get();
  } catch {
    await invalidateObjectMap(image, CEPH_NOSNAP);
    return;
  }
  const op = new ObjectWriteOperation();
  assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  op.writeFull(stored);
  try {
    await image.headerIoCtx.operate(mapOid(image, CEPH_NOSNAP), op, NO_SNAP_CONTEXT);
  } catch {
    await invalidateObjectMap(image, CEPH_NOSNAP);
    return;
  }
  if ((image.flagsAt(snapId) & ObjectMapFlag.OBJECT_MAP_INVALID) !== 0n) {
    await invalidateObjectMap(image, CEPH_NOSNAP);
  }
}
