/**
 * The bounded fan-out snapshot operations share (librbd/AsyncObjectThrottle):
 * run one request per item with at most `rbd_concurrent_management_ops` in
 * flight, report progress as items finish, and stop issuing new ones after
 * the first failure (the ones already in flight are awaited, then the first
 * error is thrown).
 */
import { assert } from '../../common/errors.js';
import type { ImageCtx } from '../image-ctx.js';

/** Progress of a long operation: `offset` of `total` units done. */
export type Progress = (offset: number, total: number) => void;

/** `rbd_concurrent_management_ops`, with the image's `conf_` override when it has one. */
export function managementOpsLimit(ictx: ImageCtx): number {
  const override = ictx.header.configOverrides.get('rbd_concurrent_management_ops');
  const n =
    override !== undefined ? Number(override) : Number(ictx.config.get('rbd_concurrent_management_ops'));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Run `work(i)` for i in [0, count) with at most `limit` at once. Items are
 * started in index order; `progress(done, count)` is called as each one ends.
 */
export async function runBounded(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
  progress?: Progress,
): Promise<void> {
  assert(Number.isInteger(limit) && limit >= 1, `bad concurrency limit ${limit}`);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      done++;
      progress?.(done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  if (failure !== undefined) throw failure.error;
}
