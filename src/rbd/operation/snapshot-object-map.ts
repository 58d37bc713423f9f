/**
 * The object-map steps of the snapshot operations
 * (librbd/object_map/Snapshot{Create,Remove,Rollback}Request.cc), done on the
 * OSD copies of the maps. When the open object map (`ictx.objectMap`) offers
 * the same steps (`ObjectMapSnapshotHooks`) they run there instead, so its
 * in-memory view follows; until then only the stored maps change.
 *
 * Create:   READ_HEAD_MAP → WRITE_SNAP_MAP → [fast-diff: OBJECT_MAP_SNAP_ADD on
 *           the head (EXISTS → EXISTS_CLEAN)] → <finish>
 *           any error → flag the new snapshot's map invalid
 * Remove:   [fast-diff: LOAD_SNAP_MAP → OBJECT_MAP_SNAP_REMOVE into the next
 *           snapshot's map (or the head's); snap map gone → done; snap map
 *           invalid or any error → INVALIDATE the next map] → REMOVE_SNAP_MAP → <finish>
 * Rollback: READ_SNAP_MAP → WRITE_HEAD_MAP (whole object) → <finish>
 *           read error → INVALIDATE the snapshot's and the head's maps
 */
import { isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { assertLocked } from '../../cls/lock/client.js';
import * as cls from '../../cls/rbd/client.js';
import { RBD_OBJECT_MAP_PREFIX } from '../../cls/rbd/types.js';
import { RBD_LOCK_NAME, RbdFeature, RbdFlag } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';

/** `LOCK_EXCLUSIVE` of cls_lock. */
const LOCK_EXCLUSIVE = 1;

/** What an open object map may implement so snapshot operations keep its in-memory view right. */
export interface ObjectMapSnapshotHooks {
  /** Copy the head map to the snapshot's and (fast-diff) mark the head clean. */
  snapshotAdd(snapId: bigint): Promise<void>;
  /** Fold the snapshot's map into the next one and delete it. */
  snapshotRemove(snapId: bigint): Promise<void>;
  /** Replace the stored head map with the snapshot's. */
  rollback(snapId: bigint): Promise<void>;
  /** Reload the head map from the OSD (after a rollback rewrote it). */
  reload(): Promise<void>;
}

function hooks(ictx: ImageCtx): ObjectMapSnapshotHooks | undefined {
  const om = ictx.objectMap as (object & Partial<ObjectMapSnapshotHooks>) | null;
  if (
    om &&
    typeof om.snapshotAdd === 'function' &&
    typeof om.snapshotRemove === 'function' &&
    typeof om.rollback === 'function' &&
    typeof om.reload === 'function'
  ) {
    return om as ObjectMapSnapshotHooks;
  }
  return undefined;
}

/** `rbd_object_map.<id>` (head) or `rbd_object_map.<id>.<%016x snap id>`. */
export function objectMapObjectName(imageId: string, snapId: bigint = CEPH_NOSNAP): string {
  const base = RBD_OBJECT_MAP_PREFIX + imageId;
  return snapId === CEPH_NOSNAP ? base : `${base}.${snapId.toString(16).padStart(16, '0')}`;
}

/** The RBD_FLAG_* bits that mark a map unusable for this image's features. */
function invalidFlags(ictx: ImageCtx): bigint {
  return ictx.testFeatures(RbdFeature.FAST_DIFF)
    ? RbdFlag.OBJECT_MAP_INVALID | RbdFlag.FAST_DIFF_INVALID
    : RbdFlag.OBJECT_MAP_INVALID;
}

/** A write to the head map carries `assert_locked` when the exclusive lock (and so the map lock) is ours. */
function headMapOperation(ictx: ImageCtx): ObjectWriteOperation {
  const op = new ObjectWriteOperation();
  if (ictx.objectMap !== null) assertLocked(op, RBD_LOCK_NAME, LOCK_EXCLUSIVE, '', '');
  return op;
}

/** InvalidateRequest: flag the head's or a snapshot's map invalid in the header. */
export async function invalidateObjectMap(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const flags = invalidFlags(ictx);
  await cls.setFlagsOn(ictx.mdIoCtx, ictx.headerOid, snapId, flags, flags);
}

/** The snapshot's half of SnapshotCreateRequest's object-map step. */
export async function objectMapSnapshotAdd(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const h = hooks(ictx);
  if (h) return h.snapshotAdd(snapId);
  try {
    // Writes are drained, so the stored head map is consistent.
    const head = await ictx.mdIoCtx.read(objectMapObjectName(ictx.id), 0);
    await ictx.mdIoCtx.writeFull(objectMapObjectName(ictx.id, snapId), head);
    if (ictx.testFeatures(RbdFeature.FAST_DIFF)) {
      const op = headMapOperation(ictx);
      cls.objectMapSnapAdd(op);
      await ictx.mdIoCtx.operate(objectMapObjectName(ictx.id), op);
    }
  } catch (err) {
    await invalidateObjectMap(ictx, snapId);
    throw err;
  }
}

/** The snapshot id after `snapId` (CEPH_NOSNAP: the head), as librbd's snap_info map orders them. */
export function nextSnapId(snapIds: Iterable<bigint>, snapId: bigint): bigint {
  let next = CEPH_NOSNAP;
  for (const id of snapIds) if (id > snapId && id < next) next = id;
  return next;
}

/** The object-map step of SnapshotRemoveRequest. */
export async function objectMapSnapshotRemove(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const h = hooks(ictx);
  if (h) return h.snapshotRemove(snapId);
  if (ictx.testFeatures(RbdFeature.FAST_DIFF)) {
    const flags = ictx.header.snaps.get(snapId)?.flags ?? 0n;
    const next = nextSnapId(ictx.header.snaps.keys(), snapId);
    let snapMap: Buffer | undefined;
    try {
      snapMap = await cls.objectMapLoad(ictx.mdIoCtx, objectMapObjectName(ictx.id, snapId));
    } catch (err) {
      // Gone: an earlier attempt already folded it into the next map and removed it.
      if (isCephError(err, 'ENOENT')) return;
      await invalidateObjectMap(ictx, next);
    }
    if (snapMap !== undefined) {
      if ((flags & RbdFlag.OBJECT_MAP_INVALID) !== 0n) {
        // An invalid map cannot say which objects changed: the next one cannot stay trusted.
        await invalidateObjectMap(ictx, next);
      } else {
        const op = next === CEPH_NOSNAP ? headMapOperation(ictx) : new ObjectWriteOperation();
        cls.objectMapSnapRemove(op, snapMap);
        try {
          await ictx.mdIoCtx.operate(objectMapObjectName(ictx.id, next), op);
        } catch (err) {
          if (!isCephError(err, 'ENOENT')) await invalidateObjectMap(ictx, next);
        }
      }
    }
  }
  try {
    await ictx.mdIoCtx.remove(objectMapObjectName(ictx.id, snapId));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}

/** The object-map step of SnapshotRollbackRequest: the head map becomes the snapshot's. */
export async function objectMapRollback(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const h = hooks(ictx);
  if (h) return h.rollback(snapId);
  let snapMap: Buffer;
  try {
    snapMap = await ictx.mdIoCtx.read(objectMapObjectName(ictx.id, snapId), 0);
  } catch (err) {
    if (isCephError(err, 'EBLOCKLISTED')) throw err;
    // The snapshot's map is unreadable: neither it nor the rolled-back head can be trusted.
    await invalidateObjectMap(ictx, snapId);
    await invalidateObjectMap(ictx, CEPH_NOSNAP);
    return;
  }
  const op = headMapOperation(ictx);
  op.writeFull(snapMap);
  try {
    await ictx.mdIoCtx.operate(objectMapObjectName(ictx.id), op);
  } catch (err) {
    if (isCephError(err, 'EBLOCKLISTED')) throw err;
    await invalidateObjectMap(ictx, CEPH_NOSNAP);
  }
}

/** After a rollback rewrote the stored head map: let the open map reload it. */
export async function objectMapReload(ictx: ImageCtx): Promise<void> {
  await hooks(ictx)?.reload();
}
