/**
 * Copy an image's data into a new image (librbd `copy_with_progress4`,
 * librbd/api/Image.cc copy for the head only).
 *
 *   <start> → CREATE destination (same size; options from the caller)
 *           → COPY: per object-sized chunk of the source, ≤ rbd_concurrent_management_ops
 *             at once: read it, write back only the `sparseSize` blocks that
 *             are not all zero (holes stay holes) → progress per chunk
 *           → FLUSH → CLOSE destination → <finish>
 */
import type { IoCtx } from '../../rados/io-ctx.js';
import type { ImageCtx } from '../image-ctx.js';
import { closeImage, openImage } from '../image/open.js';
import { createImage, type CreateImageOptions } from '../image/create.js';
import { flushImage, readImage, writeImage } from '../io/image-io.js';
import { forEachObject } from '../operation/async-object-throttle.js';

/** Contiguous runs of `data` that hold a non-zero byte, in `blockSize` steps. */
export function nonZeroRuns(data: Buffer, blockSize: number): { offset: number; length: number }[] {
  const runs: { offset: number; length: number }[] = [];
  for (let at = 0; at < data.length; at += blockSize) {
    const end = Math.min(data.length, at + blockSize);
    let zero = true;
    for (let i = at; i < end; i++) {
      if (data[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) continue;
    const last = runs[runs.length - 1];
    if (last && last.offset + last.length === at) last.length += end - at;
    else runs.push({ offset: at, length: end - at });
  }
  return runs;
}

export async function copyImage(
  src: ImageCtx,
  destIo: IoCtx,
  destName: string,
  o: CreateImageOptions,
  sparseSize: number,
  progress?: (offset: number, total: number) => void,
): Promise<void> {
  const size = src.size;
  await createImage(src.rados, destIo, destName, { ...o, sizeBytes: size }, src.config);
  const dest = await openImage(src.rados, destIo, { name: destName, config: src.config });
  try {
    const chunk = src.objectSize;
    const chunks = Math.ceil(size / chunk);
    let copied = 0;
    await forEachObject(
      0,
      chunks,
      async (n) => {
        const offset = n * chunk;
        const data = await readImage(src, offset, Math.min(chunk, size - offset));
        for (const run of nonZeroRuns(data, sparseSize > 0 ? sparseSize : data.length)) {
          await writeImage(dest, offset + run.offset, data.subarray(run.offset, run.offset + run.length));
        }
        // librbd's copy reports bytes copied so far.
        copied += data.length;
        progress?.(copied, size);
      },
      { limit: src.concurrentManagementOps },
    );
    await flushImage(dest);
  } finally {
    await closeImage(dest);
  }
}
