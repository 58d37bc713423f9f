/**
 * `rbd object-map rebuild`: recompute one version's object map from the
 * data objects (operation::RebuildObjectMapRequest).
 *
 *   <start> → [map size ≠ the version's object count] RESIZE_OBJECT_MAP
 *             ─ESTALE (objects past the end still marked), once→ TRIM_IMAGE → RESIZE_OBJECT_MAP
 *           → VERIFY_OBJECTS (object-map-iterate.ts; each mismatch rewrites the in-memory
 *             entry, except an EXISTS head entry whose object is absent: a write may be landing)
 *           → SAVE_OBJECT_MAP (object_map_save of the whole map; head: assert the map lock)
 *           → UPDATE_HEADER (clear OBJECT_MAP_INVALID and FAST_DIFF_INVALID of the version)
 *           → <finish>
 */
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapSave } from '../../cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { getNumObjects } from '../io/striper.js';
import type { BitVector } from './bit-vector.js';
import {
  isErrno,
  mapOid,
  NO_SNAP_CONTEXT,
  updateImageFlags,
  type ObjectMapImage,
  type ObjectMapProgress,
} from './image.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';
import { iterateObjectMap } from './object-map-iterate.js';
import { resizeObjectMap } from './resize.js';
import { rebuiltState } from './rules.js';
import { ObjectMapFlag, ObjectMapState } from './types.js';

export interface RebuildOptions {
  progress?: ObjectMapProgress;
  /**
   * Remove the data objects past the version's end (librbd's TrimRequest
   * from `mapSizeBytes` down to `sizeBytes`), called when the stored map
   * refuses to shrink. Without it, that ESTALE is the result.
   */
  trimImage?(mapSizeBytes: number, sizeBytes: number): Promise<void>;
}

/** Rebuild `map` (the open map of `snapId`, changed in place) and store it. Returns how many entries changed. */
export async function rebuildObjectMap(
  image: ObjectMapImage,
  map: BitVector,
  snapId: bigint,
  opts: RebuildOptions = {},
): Promise<number> {
  const size = image.sizeAt(snapId);
  if (map.size !== getNumObjects(image.layout, size)) {
    try {
      await resizeObjectMap(image, map, snapId, size, ObjectMapState.NONEXISTENT);
    } catch (err) {
      if (!isErrno(err, 'ESTALE') || !opts.trimImage) throw err;
      await opts.trimImage(image.layout.objectSize * map.size, size);
      await resizeObjectMap(image, map, snapId, size, ObjectMapState.NONEXISTENT);
    }
  }

  let changed = 0;
  await iterateObjectMap(
    image,
    map,
    snapId,
    ({ objectNo, current, expected }) => {
      const next = rebuiltState(current, expected, snapId);
      if (next !== current) {
        map.set(objectNo, next);
        changed++;
      }
    },
    opts.progress,
  );

  const op = new ObjectWriteOperation();
  if (snapId === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
  objectMapSave(op, map.encode({ crc: false }));
  await image.headerIoCtx.operate(mapOid(image, snapId), op, NO_SNAP_CONTEXT);

  const mask = ObjectMapFlag.OBJECT_MAP_INVALID | ObjectMapFlag.FAST_DIFF_INVALID;
  await updateImageFlags(image, snapId, 0n, mask);
  return changed;
}
