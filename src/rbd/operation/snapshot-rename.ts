/**
 * Rename a user snapshot (librbd/operation/SnapshotRenameRequest.cc with the
 * checks of Operations::snap_rename / execute_snap_rename).
 *
 *   <start> → ENOENT (no user snapshot `srcName`) / EEXIST (a user snapshot
 *             is already called `dstName`, including `srcName` itself)
 *           → SNAPSHOT_RENAME on the header (the class re-checks EEXIST and
 *             refuses non-user snapshots with EINVAL) → REFRESH → <finish>
 */
import { CephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { findSnapshotId, snapIdOrThrow } from './snapshot-list.js';

export async function snapshotRename(
  ictx: ImageCtx,
  srcName: string,
  dstName: string,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snapId = snapIdOrThrow(ictx, srcName);
  if (findSnapshotId(ictx, dstName) !== undefined) {
    throw new CephError('EEXIST', `snapshot ${dstName} of image ${ictx.name} already exists`);
  }
  await cls.snapshotRenameOn(ictx.mdIoCtx, ictx.headerOid, snapId, dstName);
  await refreshImage(ictx);
  progress?.(1, 1);
}
