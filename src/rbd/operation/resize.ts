/**
 * Resize an image (librbd/operation/ResizeRequest.cc).
 *
 *   <start> → same size → <finish>
 *           → shrinking without allowShrink → EINVAL
 *           → FLUSH (writes in flight land first)
 *           → shrinking: TRIM (operation/trim.ts, progress)
 *           → growing: GROW_OBJECT_MAP (new objects NONEXISTENT)
 *           → UPDATE_HEADER (set_size; the class also cuts the parent overlap)
 *           → shrinking: SHRINK_OBJECT_MAP → REFRESH → <finish>
 */
import { CephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { trimImage } from './trim.js';

export async function resizeImage(
  ictx: ImageCtx,
  newSize: number,
  allowShrink: boolean,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  ictx.assertWritable();
  const originalSize = ictx.header.size;
  // librbd reports no progress for a resize: the CLI prints only its final 100%.
  void progress;
  if (newSize === originalSize) return;
  const shrinking = newSize < originalSize;
  if (shrinking && !allowShrink)
    throw new CephError('EINVAL', 'shrinking an image is only allowed with allow_shrink');
  // librbd blocks writes for the whole resize: none may land past the new end or race the trim.
  await ictx.withWritesBlocked(async () => {
    if (shrinking) await trimImage(ictx, originalSize, newSize);
    else await ictx.objectMap?.resize(newSize);
    await cls.setSizeOn(ictx.mdIoCtx, ictx.headerOid, newSize);
    if (shrinking) await ictx.objectMap?.resize(newSize);
    await refreshImage(ictx);
  });
}
