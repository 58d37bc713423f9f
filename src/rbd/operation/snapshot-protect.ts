/**
 * Protect a snapshot so clone v1 children may be made of it
 * (librbd/operation/SnapshotProtectRequest.cc with the checks of
 * Operations::snap_protect).
 *
 *   <start> → ENOSYS (no layering feature; real Pacific answers ENOSYS, not
 *             EINVAL) → ENOENT → EBUSY (already protected)
 *           → SET_PROTECTION_STATUS(PROTECTED) → REFRESH → <finish>
 */
import { CephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import { ProtectionStatus, type SnapshotNamespace } from '../../cls/rbd/types.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { snapIdOrThrow, snapInfoOrThrow } from './snapshot-list.js';

export async function snapshotProtect(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertOpen();
  ictx.assertWritable();
  if (!ictx.testFeatures(RbdFeature.LAYERING)) {
    throw new CephError('ENOSYS', `image ${ictx.name} must support layering`);
  }
  const snapId = snapIdOrThrow(ictx, name, namespace);
  if (snapInfoOrThrow(ictx, snapId).protectionStatus === ProtectionStatus.PROTECTED) {
    throw new CephError('EBUSY', `snapshot ${name} of image ${ictx.name} is already protected`);
  }
  await cls.setProtectionStatusOn(ictx.mdIoCtx, ictx.headerOid, snapId, ProtectionStatus.PROTECTED);
  await refreshImage(ictx);
  progress?.(1, 1);
}
