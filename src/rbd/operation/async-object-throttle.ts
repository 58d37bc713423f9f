/**
 * AsyncObjectThrottle: run a per-object operation over a range of object
 * numbers with at most `limit` in flight (librbd/AsyncObjectThrottle.cc).
 *
 *   <start> → start `limit` ops → each completion starts the next object
 *           → all done → <finish>
 *   an op fails (other than ENOENT): no new ops start, in-flight ones finish,
 *   the first error is thrown; `isCanceled()` true: same, with ERESTART.
 *
 * Progress is reported as each object starts, as `(objectNo, end)` — what
 * librbd's AsyncObjectThrottle hands its ProgressContext (the CLI prints the
 * final 100% itself).
 */
import { CephError, isCephError } from '../../common/errors.js';

export interface ThrottleOptions {
  /** `rbd_concurrent_management_ops`. */
  limit: number;
  progress?: (offset: number, total: number) => void;
  /** Polled before each new object: a cancelled request stops early with ERESTART. */
  isCanceled?: () => boolean;
}

export async function forEachObject(
  start: number,
  end: number,
  op: (objectNo: number) => Promise<void>,
  o: ThrottleOptions,
): Promise<void> {
  const total = end - start;
  let next = start;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < end) {
      if (o.isCanceled?.()) {
        failure = new CephError('ERESTART', 'operation canceled');
        return;
      }
      const objectNo = next++;
      o.progress?.(objectNo, end);
      try {
        await op(objectNo);
      } catch (err) {
        if (!isCephError(err, 'ENOENT') && failure === null) failure = err;
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, o.limit) && i < total; i++) workers.push(worker());
  await Promise.all(workers);
  if (failure !== null) throw failure;
}
