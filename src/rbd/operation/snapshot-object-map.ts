/**
 * The object-map steps of the snapshot operations.
 *
 * When the image has its head `ObjectMap` open (rbd/object-map: the
 * exclusive lock is held, the map object locked), the steps are that map's
 * own `snapshotAdd` / `snapshotRemove` / `rollback` (librbd's
 * object_map::Snapshot{Create,Remove,Rollback}Request, with `assert_locked`
 * and the in-memory view kept in step), and a rollback reopens the map.
 *
 * When no map is open but the image has the object-map feature (no
 * exclusive lock wired in, or a caller working without it), the same steps
 * run on the stored maps alone, without `assert_locked`:
 *
 * Create:   READ_HEAD_MAP → WRITE_SNAP_MAP → [fast-diff: OBJECT_MAP_SNAP_ADD on
 *           the head (EXISTS → EXISTS_CLEAN)] → <finish>
 *           any error → flag the new snapshot's map invalid → throw
 * Remove:   [fast-diff: LOAD_SNAP_MAP → OBJECT_MAP_SNAP_REMOVE into the next
 *           snapshot's map (or the head's); snap map gone → done; snap map
 *           invalid or any error → INVALIDATE the next map] → REMOVE_SNAP_MAP → <finish>
 * Rollback: READ_SNAP_MAP → WRITE_HEAD_MAP (whole object) → <finish>
 *           any error → INVALIDATE the head map
 */
import { isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import { BitVector } from '../object-map/bit-vector.js';
import { loadObjectMap } from '../object-map/image.js';
import { ObjectMap } from '../object-map/object-map.js';
import { objectMayExist } from '../object-map/rules.js';
import { invalidFlagsFor, objectMapName } from '../object-map/types.js';
import { RbdFeature, RbdFlag } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';

/** The open head map, when there is one. */
function openHeadMap(ictx: ImageCtx): ObjectMap | undefined {
  const om = ictx.objectMap;
  return om instanceof ObjectMap && om.snapId === CEPH_NOSNAP && om.isOpen ? om : undefined;
}

/** `rbd_object_map.<id>` (head) or `rbd_object_map.<id>.<%016x snap id>`. */
export { objectMapName as objectMapObjectName };
const objectMapObjectName = objectMapName;

/** InvalidateRequest on the stored maps: flag the head's or a snapshot's map invalid in the header. */
export async function invalidateObjectMap(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const flags = invalidFlagsFor(ictx.features);
  await cls.setFlagsOn(ictx.mdIoCtx, ictx.headerOid, snapId, flags, flags);
}

/** The snapshot's half of SnapshotCreateRequest's object-map step. */
export async function objectMapSnapshotAdd(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const open = openHeadMap(ictx);
  if (open) return open.snapshotAdd(snapId);
  try {
    // Writes are drained, so the stored head map is consistent.
    const head = await ictx.mdIoCtx.read(objectMapObjectName(ictx.id), 0);
    await ictx.mdIoCtx.writeFull(objectMapObjectName(ictx.id, snapId), head);
    if (ictx.testFeatures(RbdFeature.FAST_DIFF)) {
      await cls.objectMapSnapAddOn(ictx.mdIoCtx, objectMapObjectName(ictx.id));
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
  const open = openHeadMap(ictx);
  if (open) return open.snapshotRemove(snapId);
  if (ictx.testFeatures(RbdFeature.FAST_DIFF)) await foldIntoNext(ictx, snapId);
  try {
    await ictx.mdIoCtx.remove(objectMapObjectName(ictx.id, snapId));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}

async function foldIntoNext(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const next = nextSnapId(ictx.header.snaps.keys(), snapId);
  let snapMap: Buffer;
  try {
    snapMap = await cls.objectMapLoad(ictx.mdIoCtx, objectMapObjectName(ictx.id, snapId));
  } catch (err) {
    // Gone: an earlier attempt already folded it into the next map and removed it.
    if (!isCephError(err, 'ENOENT')) await invalidateObjectMap(ictx, next);
    return;
  }
  if ((ictx.flagsAt(snapId) & RbdFlag.OBJECT_MAP_INVALID) !== 0n) {
    // An invalid map cannot say which objects changed: the next one cannot stay trusted.
    await invalidateObjectMap(ictx, next);
    return;
  }
  try {
    await cls.objectMapSnapRemoveOn(ictx.mdIoCtx, objectMapObjectName(ictx.id, next), snapMap);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) await invalidateObjectMap(ictx, next);
  }
}

/**
 * The object-map step of SnapshotRollbackRequest: the head map becomes the
 * snapshot's. An open map is replaced by a freshly opened one afterwards
 * (its lock is already ours, so reopening keeps it).
 */
export async function objectMapRollback(ictx: ImageCtx, snapId: bigint): Promise<void> {
  const open = openHeadMap(ictx);
  if (open) {
    await open.rollback(snapId);
    return;
  }
  let snapMap: Buffer;
  try {
    snapMap = await ictx.mdIoCtx.read(objectMapObjectName(ictx.id, snapId), 0);
    await ictx.mdIoCtx.operate(objectMapObjectName(ictx.id), new ObjectWriteOperation().writeFull(snapMap));
  } catch (err) {
    if (isCephError(err, 'EBLOCKLISTED')) throw err;
    await invalidateObjectMap(ictx, CEPH_NOSNAP);
    return;
  }
  if ((ictx.flagsAt(snapId) & RbdFlag.OBJECT_MAP_INVALID) !== 0n) {
    await invalidateObjectMap(ictx, CEPH_NOSNAP);
  }
}

/** After the rollback rewrote the stored head map: reopen the open map so memory matches it. */
export async function objectMapReopen(ictx: ImageCtx): Promise<void> {
  const open = openHeadMap(ictx);
  if (!open) return;
  const fresh = new ObjectMap(open.image, CEPH_NOSNAP);
  await fresh.open();
  // The old map is dropped, not closed: closing would release the map lock both share.
  ictx.objectMap = fresh as unknown as ImageCtx['objectMap'];
}

/**
 * Which objects a rollback may skip (librbd's C_RollbackObject shortcut):
 * those a valid head map and a valid snapshot map both know are absent.
 * Read before the rollback changes anything; undefined when nothing may be
 * skipped (no object map, or either map invalid or unreadable).
 */
export async function rollbackSkippable(
  ictx: ImageCtx,
  snapId: bigint,
): Promise<((objectNo: number) => boolean) | undefined> {
  if (!ictx.testFeatures(RbdFeature.OBJECT_MAP)) return undefined;
  if (((ictx.flagsAt(CEPH_NOSNAP) | ictx.flagsAt(snapId)) & RbdFlag.OBJECT_MAP_INVALID) !== 0n)
    return undefined;
  let head: BitVector;
  let snap: BitVector;
  try {
    const open = openHeadMap(ictx);
    head = open
      ? open.map.clone()
      : BitVector.decode(await cls.objectMapLoad(ictx.mdIoCtx, objectMapObjectName(ictx.id)));
    snap = open
      ? await loadObjectMap(open.image, snapId)
      : BitVector.decode(await cls.objectMapLoad(ictx.mdIoCtx, objectMapObjectName(ictx.id, snapId)));
  } catch (err) {
    if (isCephError(err, 'EBLOCKLISTED')) throw err;
    return undefined;
  }
  return (objectNo) =>
    objectNo < head.size &&
    objectNo < snap.size &&
    !objectMayExist(head, objectNo) &&
    !objectMayExist(snap, objectNo);
}
