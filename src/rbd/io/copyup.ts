/**
 * Copy-up (librbd/io/CopyupRequest.cc): give a clone its own copy of an object
 * the parent still backs, before (or together with) the first write to it.
 *
 *   <start> → [another copy-up of this object in flight: wait for it,
 *              then WRITE (guarded) and finish]
 *           → READ_FROM_PARENT (the object's whole range, up to the overlap)
 *           → [object map: EXISTS in the head; with a deep copy-up also in
 *              every snapshot's map]
 *           → deep copy-up (image has snapshots, data not all zero):
 *                COPYUP with an empty snap context, then WRITE with the image's
 *             else: COPYUP + WRITE as one operation
 *           → <finish>
 *
 * The `copyup` class method writes only when the object does not exist, so
 * copy-ups racing from two clients leave the first one's data in place.
 */
import { isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { copyup as clsCopyup } from '../../cls/rbd/client.js';
import type { ImageCtx } from '../image-ctx.js';
import { addWriteOps, readFromParent, type ObjectWrite } from './object-io.js';

function isAllZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i += 8192) {
    const end = Math.min(b.length, i + 8192);
    for (let j = i; j < end; j++) if (b[j] !== 0) return false;
  }
  return true;
}

/**
 * Copy object `objectNo` up from the parent and apply `write` (null: copy-up
 * only, as flatten and copy-on-read do).
 */
export async function copyupObject(
  ictx: ImageCtx,
  objectNo: number,
  write: ObjectWrite | null,
): Promise<void> {
  const oid = ictx.objectName(objectNo);
  const running = ictx.copyupsInFlight.get(objectNo);
  if (running) {
    await running.catch(() => undefined);
    if (write) await writeAfterCopyup(ictx, oid, write);
    return;
  }
  const done = doCopyup(ictx, oid, objectNo, write);
  ictx.copyupsInFlight.set(objectNo, done);
  try {
    await done;
  } finally {
    if (ictx.copyupsInFlight.get(objectNo) === done) ictx.copyupsInFlight.delete(objectNo);
  }
}

async function doCopyup(
  ictx: ImageCtx,
  oid: string,
  objectNo: number,
  write: ObjectWrite | null,
): Promise<void> {
  const data = await readFromParent(ictx, objectNo, 0, ictx.objectSize, CEPH_NOSNAP);
  const zero = data === null || isAllZero(data);
  const snapc = ictx.snapContext;
  const deep = snapc.snaps.length > 0 && !zero;

  const objectMap = ictx.objectMap;
  if (objectMap) await objectMap.markCopyup(objectNo, deep ? snapc.snaps : []);

  const copyupOp = new ObjectWriteOperation();
  clsCopyup(copyupOp, zero ? Buffer.alloc(0) : data);
  if (deep || !write) {
    await ictx.dataIoCtx.operate(oid, copyupOp, { snapContext: deep ? { seq: 0n, snaps: [] } : snapc });
    if (write) await writeAfterCopyup(ictx, oid, write);
    return;
  }
  addWriteOps(copyupOp, write, ictx.objectSize);
  await ictx.dataIoCtx.operate(oid, copyupOp, { snapContext: snapc });
}

/** The write that follows a copy-up: the object now exists unless the parent held only zeros. */
async function writeAfterCopyup(ictx: ImageCtx, oid: string, write: ObjectWrite): Promise<void> {
  const op = new ObjectWriteOperation();
  addWriteOps(op, write, ictx.objectSize);
  try {
    await ictx.dataIoCtx.operate(oid, op, { snapContext: ictx.snapContext });
  } catch (err) {
    // A remove of an object a zero-filled copy-up never created is already done.
    if (write.kind === 'remove' && isCephError(err, 'ENOENT')) return;
    throw err;
  }
}
