/**
 * Send one object-map update to the OSD (object_map::UpdateRequest), in
 * batches that keep each call to 256 Ki objects (whole 4 KiB map blocks).
 *
 *   <start> → UPDATE batch [start, start+256Ki) (head: assert the map lock)
 *           → apply the batch to the in-memory map (even when the OSD failed:
 *             a failure invalidates the map anyway) → next batch …
 *           → any failure (ENOENT ignored when asked) → INVALIDATE → <finish>
 *             (the failure stands when the map already was invalid)
 *
 * The in-memory map is only touched when it is this version's map (a
 * rebuild or a deep copy-up may update another version on disk only).
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapUpdate } from '../../cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import type { BitVector } from './bit-vector.js';
import { invalidateOrThrow, isErrno, mapOid, NO_SNAP_CONTEXT, type ObjectMapImage } from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { applyUpdate } from './rules.js';
import { MAX_OBJECTS_PER_UPDATE } from './types.js';

export interface UpdateRequest {
  /** The map version to change (CEPH_NOSNAP = head). */
  snapId: bigint;
  startObjectNo: number;
  endObjectNo: number;
  newState: number;
  /** Only objects in this state change (EXISTS also matches EXISTS_CLEAN). */
  expectedState?: number;
  /** Treat a missing map object as success (intermediate snapshots of a copy-up). */
  ignoreEnoent?: boolean;
}

/** Returns true when the update failed and the map was invalidated. */
export async function updateObjectMap(
  image: ObjectMapImage,
  inMemory: BitVector | null,
  req: UpdateRequest,
): Promise<boolean> {
  const oid = mapOid(image, req.snapId);
  let failure: unknown;
  for (let start = req.startObjectNo; start < req.endObjectNo; start += MAX_OBJECTS_PER_UPDATE) {
    const end = Math.min(req.endObjectNo, start + MAX_OBJECTS_PER_UPDATE);
    const op = new ObjectWriteOperation();
    if (req.snapId === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
    objectMapUpdate(op, start, end, req.newState, req.expectedState);
    try {
      await image.headerIoCtx.operate(oid, op, NO_SNAP_CONTEXT);
    } catch (err) {
      if (!(req.ignoreEnoent && isErrno(err, 'ENOENT'))) failure ??= err;
    }
    if (inMemory) applyUpdate(inMemory, start, end, req.newState, req.expectedState);
  }
  if (failure === undefined) return false;
  await invalidateOrThrow(image, req.snapId, failure);
  return true;
}
