/**
 * Walk every data object of one image version and compare the object map
 * with what RADOS holds (operation::ObjectMapIterateRequest): the core of
 * `rbd object-map rebuild` and `rbd object-map check`.
 *
 *   <start> → for each object of the version (≤ rbd_concurrent_management_ops at once):
 *               LIST_SNAPS (the object's snapdir; ENOENT = no object)
 *               → expected state (rules.expectedObjectState)
 *               → differs from the map → onMismatch
 *           → <finish>
 *   a LIST_SNAPS error other than ENOENT stops the walk with that error
 */
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { SnapSet } from '../../rados/operation.js';
import { dataObjectName, getNumObjects } from '../io/striper.js';
import type { BitVector } from './bit-vector.js';
import { forEachLimited, isErrno, type ObjectMapImage, type ObjectMapProgress } from './image.js';
import { expectedObjectState } from './rules.js';
import { ObjectMapFeature } from './types.js';

/** Default `rbd_concurrent_management_ops`. */
export const DEFAULT_CONCURRENT_MANAGEMENT_OPS = 10;

export interface Mismatch {
  objectNo: number;
  /** State in the map. */
  current: number;
  /** State the object's snapshots call for. */
  expected: number;
}

export async function iterateObjectMap(
  image: ObjectMapImage,
  map: BitVector,
  snapId: bigint,
  onMismatch: (m: Mismatch) => void,
  progress?: ObjectMapProgress,
): Promise<void> {
  const objectCount = getNumObjects(image.layout, image.sizeAt(snapId));
  const snapIds = [...image.snapIds()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const fastDiff = (image.features & ObjectMapFeature.FAST_DIFF) !== 0n;
  const limit = image.concurrentManagementOps ?? DEFAULT_CONCURRENT_MANAGEMENT_OPS;
  let done = 0;
  await forEachLimited(objectCount, limit, async (objectNo) => {
    let snapSet: SnapSet | undefined;
    try {
      snapSet = await image.dataIoCtx.listSnaps(dataObjectName(image.objectPrefix, objectNo));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const expected = expectedObjectState(
      snapSet,
      snapId === CEPH_NOSNAP ? CEPH_NOSNAP : snapId,
      snapIds,
      fastDiff,
    );
    // A map shorter than the version (being rebuilt) reads as NONEXISTENT past its end.
    const current = objectNo < map.size ? map.get(objectNo) : 0;
    if (current !== expected) onMismatch({ objectNo, current, expected });
    progress?.(++done, objectCount);
  });
}
