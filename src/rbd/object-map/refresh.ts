/**
 * Open (refresh) one version's object map: object_map::RefreshRequest.
 *
 *   <start> ─map would exceed MAX_OBJECT_MAP_OBJECT_COUNT→ INVALIDATE → EFBIG
 *           → LOCK (head only; see lock.ts)
 *           → LOAD ─ok, big enough→ <finish: the stored map>
 *                  ─EINVAL (corrupt)→ INVALIDATE → RESIZE (truncate to 0 first) → <finish: all EXISTS>
 *                  ─smaller than the image→ INVALIDATE → RESIZE → <finish: all EXISTS>
 *                  ─other error→ INVALIDATE → <finish: all EXISTS>
 *
 * An invalidated map answers "may exist" for every object until rebuilt;
 * RESIZE fixes the stored size so later updates land (its failure is only
 * logged in librbd). A map larger than the image (an interrupted shrink)
 * is kept as is.
 */
import { objectMapResize } from '../../cls/rbd/client.js';
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { CephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { getNumObjects } from '../io/striper.js';
import { BitVector } from './bit-vector.js';
import {
  invalidateObjectMap,
  isErrno,
  loadObjectMap,
  mapOid,
  NO_SNAP_CONTEXT,
  type ObjectMapImage,
} from './image.js';
import { lockObjectMap, OBJECT_MAP_LOCK_NAME } from './lock.js';
import { resizeMap } from './rules.js';
import { MAX_OBJECT_MAP_OBJECT_COUNT, ObjectMapState } from './types.js';

export interface RefreshResult {
  /** The in-memory map to use. */
  map: BitVector;
  /** True when the map was found unusable and flagged invalid (RBD_FLAG_OBJECT_MAP_INVALID set). */
  invalidated: boolean;
  /** The flags the invalidation set (0n when none). */
  invalidFlags: bigint;
}

export async function refreshObjectMap(image: ObjectMapImage, snapId: bigint): Promise<RefreshResult> {
  const objectCount = getNumObjects(image.layout, image.sizeAt(snapId));
  if (objectCount > MAX_OBJECT_MAP_OBJECT_COUNT) {
    await invalidateObjectMap(image, snapId);
    throw new CephError('EFBIG', `object map too large: ${objectCount} objects`);
  }
  if (snapId === CEPH_NOSNAP) await lockObjectMap(image);

  let loaded: BitVector | undefined;
  let truncate = false;
  try {
    loaded = await loadObjectMap(image, snapId);
  } catch (err) {
    if (!isErrno(err, 'EINVAL')) {
      // Unreadable: flag it, answer "may exist" for everything.
      const invalidFlags = await invalidateObjectMap(image, snapId);
      return { map: allExists(objectCount), invalidated: true, invalidFlags };
    }
    truncate = true;
  }
  if (loaded && loaded.size >= objectCount) return { map: loaded, invalidated: false, invalidFlags: 0n };

  const invalidFlags = await invalidateObjectMap(image, snapId);
  const op = new ObjectWriteOperation();
  if (snapId === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  if (truncate) op.truncate(0);
  objectMapResize(op, objectCount, ObjectMapState.NONEXISTENT);
  try {
    await image.headerIoCtx.operate(mapOid(image, snapId), op, NO_SNAP_CONTEXT);
  } catch {
    // librbd logs "failed to adjust object map size" and carries on with the invalid map
  }
  return { map: allExists(objectCount), invalidated: true, invalidFlags };
}

function allExists(objectCount: number): BitVector {
  const map = new BitVector(0);
  resizeMap(map, objectCount, ObjectMapState.EXISTS);
  return map;
}
