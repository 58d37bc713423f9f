/**
 * Drop a snapshot's object map (object_map::SnapshotRemoveRequest). With
 * fast-diff the next newer version (a later snapshot, or the head) must
 * take over the changes the removed snapshot recorded, else a diff across
 * the gap would miss them.
 *
 *   <start> ─no fast-diff→ REMOVE_MAP
 *           → LOAD_MAP (the snapshot's) ─ENOENT→ REMOVE_MAP
 *                                      ─error→ INVALIDATE_NEXT_MAP → REMOVE_MAP
 *           → [snapshot map flagged invalid] INVALIDATE_NEXT_MAP → REMOVE_MAP
 *           → REMOVE_SNAPSHOT (object_map_snap_remove on the next map; head:
 *             assert the map lock) ─error (not ENOENT)→ INVALIDATE_NEXT_MAP
 *             ─ok, next is the open head→ same merge in the in-memory head map
 *           → REMOVE_MAP (remove rbd_object_map.<id>.<snap>; ENOENT is fine) → <finish>
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapSnapRemove } from '../../cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import type { BitVector } from './bit-vector.js';
import {
  invalidateObjectMap,
  isErrno,
  loadObjectMap,
  mapOid,
  NO_SNAP_CONTEXT,
  type ObjectMapImage,
} from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { mergeRemovedSnapshot } from './rules.js';
import { ObjectMapFeature, ObjectMapFlag } from './types.js';

/** The version after `snapId`: the next larger snapshot id, else the head. */
export function nextSnapId(image: ObjectMapImage, snapId: bigint): bigint {
  let next = CEPH_NOSNAP;
  for (const id of image.snapIds()) if (id > snapId && id < next) next = id;
  return next;
}

/** `headMap` is the open head map (merged in memory when the head is next), or null. */
export async function snapshotRemoveObjectMap(
  image: ObjectMapImage,
  headMap: BitVector | null,
  snapId: bigint,
): Promise<void> {
  if ((image.features & ObjectMapFeature.FAST_DIFF) !== 0n) {
    await foldIntoNext(image, headMap, snapId);
  }
  try {
    await image.headerIoCtx.operate(
      mapOid(image, snapId),
      new ObjectWriteOperation().remove(),
      NO_SNAP_CONTEXT,
    );
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

async function foldIntoNext(image: ObjectMapImage, headMap: BitVector | null, snapId: bigint): Promise<void> {
  const next = nextSnapId(image, snapId);
  let removed: BitVector;
  try {
    removed = await loadObjectMap(image, snapId);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) await invalidateObjectMap(image, next);
    return;
  }
  if ((image.flagsAt(snapId) & ObjectMapFlag.OBJECT_MAP_INVALID) !== 0n) {
    // An invalid snapshot map cannot tell the next version what changed.
    await invalidateObjectMap(image, next);
    return;
  }
  const op = new ObjectWriteOperation();
  if (next === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  objectMapSnapRemove(op, removed.encode({ crc: false }));
  try {
    await image.headerIoCtx.operate(mapOid(image, next), op, NO_SNAP_CONTEXT);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) await invalidateObjectMap(image, next);
    return;
  }
  if (next === CEPH_NOSNAP && headMap) mergeRemovedSnapshot(headMap, removed);
}
