/**
 * Give a new snapshot its object map (object_map::SnapshotCreateRequest).
 *
 *   <start> → READ_MAP (the stored head map, as is)
 *           → WRITE_MAP (write_full to rbd_object_map.<id>.<snap>)
 *           → [fast-diff] ADD_SNAPSHOT (head: assert the map lock;
 *              object_map_snap_add: EXISTS → EXISTS_CLEAN)
 *              → the same change in the in-memory head map
 *           → <finish>
 *   READ_MAP / ADD_SNAPSHOT failure → INVALIDATE head; WRITE_MAP failure → INVALIDATE snapshot
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapSnapAdd } from '../../cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../rados/operation.js';
import type { BitVector } from './bit-vector.js';
import { invalidateOrThrow, mapOid, NO_SNAP_CONTEXT, type ObjectMapImage } from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { markSnapshotTaken } from './rules.js';
import { ObjectMapFeature } from './types.js';

/** `headMap` is the open head map (updated in memory), or null when none is open. */
export async function snapshotCreateObjectMap(
  image: ObjectMapImage,
  headMap: BitVector | null,
  snapId: bigint,
): Promise<void> {
  let stored: Buffer;
  try {
    const read = new ObjectReadOperation();
    const slot = read.read(0, 0);
    await image.headerIoCtx.operateRead(mapOid(image, CEPH_NOSNAP), read);
    stored = slot.get();
  } catch (err) {
    await invalidateOrThrow(image, CEPH_NOSNAP, err);
    return;
  }

  try {
    await image.headerIoCtx.operate(
      mapOid(image, snapId),
      new ObjectWriteOperation().writeFull(stored),
      NO_SNAP_CONTEXT,
    );
  } catch (err) {
    await invalidateOrThrow(image, snapId, err);
    return;
  }

  if ((image.features & ObjectMapFeature.FAST_DIFF) === 0n) return;
  const op = new ObjectWriteOperation();
  assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  objectMapSnapAdd(op);
  try {
    await image.headerIoCtx.operate(mapOid(image, CEPH_NOSNAP), op, NO_SNAP_CONTEXT);
  } catch (err) {
    await invalidateOrThrow(image, CEPH_NOSNAP, err);
    return;
  }
  if (headMap) markSnapshotTaken(headMap);
}
