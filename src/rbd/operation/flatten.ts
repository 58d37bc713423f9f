/**
 * Flatten a clone: copy up every object the parent still backs, then detach
 * (librbd/operation/FlattenRequest.cc, as the seed describes it).
 *
 *   <start> → no parent → EINVAL
 *           → COPYUP_OBJECTS: objects [0, objects of the parent overlap),
 *             ≤ rbd_concurrent_management_ops at once, progress per object;
 *             an object that already exists is left alone
 *           → DETACH_CHILD (from the parent; kept when snapshots still use
 *             the parent and the image has no deep-flatten)
 *           → DETACH_PARENT (parent_detach: with deep-flatten the class also
 *             drops the snapshots' links) → REFRESH → <finish>
 *   any step: exclusive lock lost, or cancelled → ERESTART (the caller
 *   re-sends the request to the new owner)
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import * as cls from '../../cls/rbd/client.js';
import { ObjectMapState, RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { copyupObject } from '../io/copyup.js';
import { getNumObjects } from '../io/striper.js';
import { forEachObject } from './async-object-throttle.js';
import { detachChild } from './snapshot-detach-child.js';

export interface FlattenOptions {
  progress?: (offset: number, total: number) => void;
  isCanceled?: () => boolean;
}

export async function flattenImage(ictx: ImageCtx, o: FlattenOptions = {}): Promise<void> {
  ictx.assertWritable();
  if (!ictx.header.parent) throw new CephError('EINVAL', 'image has no parent');
  const overlap = ictx.parentOverlapAt(CEPH_NOSNAP);
  const objectCount = getNumObjects(ictx.layout, overlap);
  const lostLock = (): boolean => ictx.lock !== null && !ictx.lock.isLockOwner();

  await forEachObject(
    0,
    objectCount,
    async (objectNo) => {
      if (lostLock()) throw new CephError('ERESTART', 'lost exclusive lock during flatten');
      if (await objectExists(ictx, objectNo)) return;
      await copyupObject(ictx, objectNo, null);
    },
    { limit: ictx.concurrentManagementOps, progress: o.progress, isCanceled: o.isCanceled },
  );
  if (lostLock()) throw new CephError('ERESTART', 'lost exclusive lock during flatten');

  // Another flatten may have finished first.
  await refreshImage(ictx);
  if (!ictx.header.parent) return;
  if (ictx.testFeatures(RbdFeature.DEEP_FLATTEN) || ictx.header.snaps.size === 0) await detachChild(ictx);
  try {
    await cls.parentDetachOn(ictx.mdIoCtx, ictx.headerOid);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  await refreshImage(ictx);
}

/** Whether the clone already has its own copy (the object map knows; else ask the OSD). */
async function objectExists(ictx: ImageCtx, objectNo: number): Promise<boolean> {
  const objectMap = ictx.objectMap;
  if (objectMap && !objectMap.objectMayExist(objectNo)) return false;
  if (objectMap && objectMap.state(objectNo) === ObjectMapState.EXISTS) return true;
  try {
    await ictx.dataIoCtx.stat(ictx.objectName(objectNo));
    return true;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return false;
    throw err;
  }
}
