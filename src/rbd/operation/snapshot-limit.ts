/**
 * Set or clear the snapshot limit (librbd/operation/SnapshotLimitRequest.cc).
 * The class enforces it: `snapshot_add` fails with EDQUOT once the image has
 * that many snapshots (trash-namespaced ones count too).
 *
 *   <start> → SNAPSHOT_SET_LIMIT on the header (UINT64_MAX clears it)
 *           → REFRESH → <finish>
 */
import { CephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import { SNAP_LIMIT_NONE } from '../../cls/rbd/types.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';

/** `limit` undefined clears the limit (`rbd snap limit clear`). */
export async function snapshotSetLimit(
  ictx: ImageCtx,
  limit: number | bigint | undefined,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  const value = limit === undefined ? SNAP_LIMIT_NONE : BigInt(limit);
  if (value < 0n || value > SNAP_LIMIT_NONE) throw new CephError('EINVAL', `bad snapshot limit ${limit}`);
  await cls.snapshotSetLimitOn(ictx.mdIoCtx, ictx.headerOid, value);
  await refreshImage(ictx);
  progress?.(1, 1);
}

/** `rbd snap limit clear`. */
export function snapshotClearLimit(
  ictx: ImageCtx,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  return snapshotSetLimit(ictx, undefined, progress);
}
