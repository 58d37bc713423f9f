/**
 * Unprotect a snapshot (librbd/operation/SnapshotUnprotectRequest.cc with the
 * checks of Operations::snap_unprotect).
 *
 *   <start> → EINVAL (already unprotected) → ENOSYS (no layering) → ENOENT
 *           → UNPROTECT_SNAP_START: SET_PROTECTION_STATUS(UNPROTECTING)
 *             (new clone v1 children are refused from here on)
 *           → SCAN_POOL_CHILDREN: `get_children` on rbd_children in every pool
 *             that is not a cache tier (≤ rbd_concurrent_management_ops at once;
 *             a pool deleted meanwhile is skipped)
 *               any clone v1 child, or an error → UNPROTECT_SNAP_ROLLBACK:
 *               SET_PROTECTION_STATUS(PROTECTED) → throw (EBUSY for children)
 *           → UNPROTECT_SNAP_FINISH: SET_PROTECTION_STATUS(UNPROTECTED)
 *           → REFRESH → <finish>
 *
 * Clone v2 children do not block: real Pacific unprotects a snapshot that
 * still has them (they are counted by the snapshot's child_count, and a later
 * `snap rm` moves it to the trash namespace instead).
 */
import { CephError, isCephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import { ProtectionStatus, type ParentImageSpec, type SnapshotNamespace } from '../../cls/rbd/types.js';
import { RBD_CHILDREN, RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { findSnapshotId, snapInfoOrThrow } from './snapshot-list.js';
import { forEachObject } from './async-object-throttle.js';

export async function snapshotUnprotect(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snapId = findSnapshotId(ictx, name, namespace);
  if (snapId === undefined) throw new CephError('ENOENT', `snapshot ${name} of image ${ictx.name} not found`);
  if (snapInfoOrThrow(ictx, snapId).protectionStatus === ProtectionStatus.UNPROTECTED) {
    throw new CephError('EINVAL', `snapshot ${name} of image ${ictx.name} is already unprotected`);
  }
  if (!ictx.testFeatures(RbdFeature.LAYERING)) {
    throw new CephError('ENOSYS', `image ${ictx.name} must support layering`);
  }

  await setStatus(ictx, snapId, ProtectionStatus.UNPROTECTING);
  try {
    await scanPoolChildren(ictx, snapId, progress);
  } catch (err) {
    await setStatus(ictx, snapId, ProtectionStatus.PROTECTED);
    await refreshImage(ictx);
    throw err;
  }
  await setStatus(ictx, snapId, ProtectionStatus.UNPROTECTED);
  await refreshImage(ictx);
}

function setStatus(ictx: ImageCtx, snapId: bigint, status: number): Promise<void> {
  return cls.setProtectionStatusOn(ictx.mdIoCtx, ictx.headerOid, snapId, status);
}

/** EBUSY when some pool's rbd_children lists a clone of this snapshot. */
async function scanPoolChildren(
  ictx: ImageCtx,
  snapId: bigint,
  progress: ((offset: number, total: number) => void) | undefined,
): Promise<void> {
  const rados = ictx.rados;
  const pools = await rados.poolList();
  const osdmap = ictx.mdIoCtx.objecter.osdmap;
  // rbd_children keys carry no namespace: clone v1 only links within the parent's namespace.
  const spec: ParentImageSpec = {
    poolId: ictx.mdIoCtx.poolId,
    poolNamespace: '',
    imageId: ictx.id,
    snapId,
  };
  await forEachObject(
    0,
    pools.length,
    async (i) => {
      const pool = pools[i]!;
      const info = osdmap.getPool(pool.id);
      // Gone since the listing, or a cache tier (its base pool is scanned instead).
      if (!info || info.isTier()) return;
      let io;
      try {
        io = await rados.ioCtx(pool.id);
      } catch (err) {
        if (isCephError(err, 'ENOENT')) return;
        throw err;
      }
      io.setNamespace(ictx.mdIoCtx.namespace);
      let children: string[];
      try {
        children = await cls.getChildren(io, RBD_CHILDREN, spec);
      } catch (err) {
        if (isCephError(err, 'ENOENT')) return;
        throw err;
      }
      if (children.length > 0) {
        throw new CephError(
          'EBUSY',
          `cannot unprotect: at least ${children.length} child(ren) [${children.join(',')}] in pool '${pool.name}'`,
        );
      }
    },
    { limit: ictx.concurrentManagementOps, progress },
  );
}
