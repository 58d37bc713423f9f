/**
 * IO on one data object of an image (librbd/io/ObjectRequest.cc): reads that
 * fall through to the parent when a clone's object does not exist yet, and
 * writes that copy the parent's data up first when they only cover part of
 * such an object.
 *
 * Read:
 *   <start> → READ (at the image's snap) ─ok→ <finish>
 *                 └─ENOENT→ READ_FROM_PARENT (the parent's image extents, up to the overlap)
 *                            → [copy-on-read: COPYUP in the background] → <finish>
 *
 * Write (write, write-same, compare-and-write, zero, truncate, remove):
 *   <start> → [object map: mark EXISTS / PENDING] → WRITE (guarded by assert_exists
 *   when a parent still backs the object and it may not exist)
 *          ─ENOENT→ COPYUP (parent data + this write, one op; deep copyup first
 *                   with an empty snap context when the image has snapshots)
 *          → [object map: NONEXISTENT after a remove] → <finish>
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectReadOperation, ObjectWriteOperation, type SparseReadResult } from '../../rados/operation.js';
import { ObjectMapState, RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { extentToFile, type FileExtent } from './striper.js';
import { copyupObject } from './copyup.js';

/** The largest errno; a compare-and-write mismatch at byte `n` comes back as -(MAX_ERRNO + n). */
const MAX_ERRNO = 4095;

/** What a write does to its object. */
export type ObjectWrite =
  | { kind: 'write'; offset: number; data: Buffer; opFlags?: number }
  | { kind: 'writesame'; offset: number; length: number; pattern: Buffer; opFlags?: number }
  | { kind: 'compare-and-write'; offset: number; compare: Buffer; data: Buffer; opFlags?: number }
  | { kind: 'zero'; offset: number; length: number }
  | { kind: 'truncate'; offset: number }
  | { kind: 'remove' };

/** A compare-and-write whose compare data differed: `mismatchOffset` is in the object. */
export class CompareMismatchError extends CephError {
  constructor(readonly mismatchOffset: number) {
    super('EILSEQ', `compare mismatch at object offset ${mismatchOffset}`);
  }
}

/**
 * Image extents of `objectNo`'s byte range that still read through to the
 * parent at `snapId` (librbd's `compute_parent_extents`), in object order.
 */
export function parentExtentsOf(
  ictx: ImageCtx,
  objectNo: number,
  offset: number,
  length: number,
  snapId: bigint,
): FileExtent[] {
  const overlap = ictx.parentOverlapAt(snapId);
  if (overlap === 0) return [];
  const out: FileExtent[] = [];
  for (const e of extentToFile(ictx.layout, objectNo, offset, length)) {
    if (e.offset >= overlap) continue;
    out.push({ offset: e.offset, length: Math.min(e.length, overlap - e.offset) });
  }
  return out;
}

/** Read `length` bytes at `offset` of object `objectNo`, holes as zeros. */
export async function readObject(
  ictx: ImageCtx,
  objectNo: number,
  offset: number,
  length: number,
  snapId: bigint,
  opFlags = 0,
): Promise<Buffer> {
  const oid = ictx.objectName(objectNo);
  // A write completed early by the write-around cache may still be on its way: wait for it.
  if (ictx.writeAround) await ictx.writeAround.waitForOverlaps(objectNo, offset, length);
  const op = new ObjectReadOperation();
  // librbd's rule: ranges of rbd_sparse_read_threshold_bytes or more are read sparsely.
  const threshold = Number(ictx.config.getValue('rbd_sparse_read_threshold_bytes'));
  const slot = length >= threshold ? op.sparseRead(offset, length) : op.read(offset, length);
  if (opFlags) op.setOpFlags(opFlags);
  try {
    await ictx.dataIoCtx.operateRead(oid, op, { snapId });
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
    const data = await readFromParent(ictx, objectNo, offset, length, snapId);
    if (data !== null && isCopyOnRead(ictx, snapId)) ictx.trackBackground(copyupObject(ictx, objectNo, null));
    return data ?? Buffer.alloc(length);
  }
  return placeRead(slot.get(), offset, length);
}

/**
 * A read's result as `length` bytes from `offset`: a plain read is padded with
 * zeros past the object's end; a sparse read's extents are put in place with
 * zeros in the holes (one extent covering everything is returned as it is).
 */
function placeRead(got: Buffer | SparseReadResult, offset: number, length: number): Buffer {
  if (Buffer.isBuffer(got)) {
    if (got.length === length) return got;
    const out = Buffer.alloc(length);
    got.copy(out);
    return out;
  }
  const only = got.extents.length === 1 ? got.extents[0]! : undefined;
  if (only && only.offset === offset && only.length === length && got.data.length === length) return got.data;
  const out = Buffer.alloc(length);
  let at = 0;
  for (const e of got.extents) {
    got.data.copy(out, e.offset - offset, at, at + e.length);
    at += e.length;
  }
  return out;
}

/**
 * The parent's bytes behind an absent object's range (zeros past the
 * overlap), or null when no parent backs any of it.
 */
export async function readFromParent(
  ictx: ImageCtx,
  objectNo: number,
  offset: number,
  length: number,
  snapId: bigint,
): Promise<Buffer | null> {
  const parent = ictx.parent;
  if (!parent) return null;
  const overlap = ictx.parentOverlapAt(snapId);
  if (overlap === 0) return null;
  const extents = extentToFile(ictx.layout, objectNo, offset, length);
  const out = Buffer.alloc(length);
  let at = 0;
  const reads: Promise<void>[] = [];
  let any = false;
  for (const e of extents) {
    const pos = at;
    at += e.length;
    if (e.offset >= overlap) continue;
    const len = Math.min(e.length, overlap - e.offset);
    any = true;
    reads.push(
      parent.readImage(e.offset, len).then((b) => {
        b.copy(out, pos);
      }),
    );
  }
  if (!any) return null;
  await Promise.all(reads);
  return out;
}

/** librbd's `is_copy_on_read`: copy a clone's object up when a head read had to go to the parent. */
function isCopyOnRead(ictx: ImageCtx, snapId: bigint): boolean {
  return (
    snapId === CEPH_NOSNAP &&
    !ictx.readOnly &&
    ictx.config.getValue('rbd_clone_copy_on_read') === true &&
    (ictx.lock === null || ictx.lock.isLockOwner())
  );
}

/** Add the RADOS ops of `w` to `op`. */
export function addWriteOps(op: ObjectWriteOperation, w: ObjectWrite, objectSize: number): void {
  switch (w.kind) {
    // The caller's op flags (fadvise hints) go on the data op, as librbd's set_op_flags2 puts them.
    case 'write':
      // A write of the whole object replaces it: librbd sends WRITEFULL.
      if (w.offset === 0 && w.data.length === objectSize) op.writeFull(w.data);
      else op.write(w.offset, w.data);
      if (w.opFlags) op.setOpFlags(w.opFlags);
      return;
    case 'writesame':
      op.writeSame(w.offset, w.length, w.pattern);
      if (w.opFlags) op.setOpFlags(w.opFlags);
      return;
    case 'compare-and-write':
      op.cmpExt(w.offset, w.compare);
      op.write(w.offset, w.data);
      if (w.opFlags) op.setOpFlags(w.opFlags);
      return;
    case 'zero':
      op.zero(w.offset, w.length);
      return;
    case 'truncate':
      op.truncate(w.offset);
      return;
    case 'remove':
      op.remove();
      return;
  }
}

/**
 * librbd's add_write_hint: writes (not discards) carry SETALLOCHINT(object
 * size, object size) when `rbd_enable_alloc_hint` is on and the object may
 * not exist yet — always, when the image has no object map to say.
 */
function wantsAllocHint(ictx: ImageCtx, w: ObjectWrite, hasObjectMap: boolean, mayExist: boolean): boolean {
  if (w.kind !== 'write' && w.kind !== 'writesame' && w.kind !== 'compare-and-write') return false;
  // With the feature on, the map is open whenever we write (the lock is held): absent from the
  // map means the object may not exist; no map at all means we cannot tell — no hint.
  if (ictx.testFeatures(RbdFeature.OBJECT_MAP) ? !hasObjectMap || mayExist : false) return false;
  return ictx.config.getValue('rbd_enable_alloc_hint') === true;
}

/** The object-map state an object has once `w` landed. */
function stateAfter(w: ObjectWrite): number {
  return w.kind === 'remove' ? ObjectMapState.PENDING : ObjectMapState.EXISTS;
}

/** True when `w` replaces every byte of the object, so no parent data needs copying up first. */
function coversWholeObject(ictx: ImageCtx, w: ObjectWrite): boolean {
  const size = ictx.objectSize;
  switch (w.kind) {
    case 'write':
      return w.offset === 0 && w.data.length === size;
    case 'writesame':
      return w.offset === 0 && w.length === size;
    case 'truncate':
      return w.offset === 0;
    default:
      return false;
  }
}

/**
 * Apply `w` to object `objectNo` of the head. The caller holds the exclusive
 * lock when the image has one.
 */
export async function writeObject(ictx: ImageCtx, objectNo: number, w: ObjectWrite): Promise<void> {
  const oid = ictx.objectName(objectNo);
  let write = w;
  const parentBacked = parentExtentsOf(ictx, objectNo, 0, ictx.objectSize, CEPH_NOSNAP).length > 0;
  // Removing a parent-backed object would expose the parent's data again: cut it to zero length instead.
  if (write.kind === 'remove' && parentBacked) write = { kind: 'truncate', offset: 0 };

  const objectMap = ictx.objectMap;
  // Taken before the map is marked, as librbd's send() does: "may the object exist yet?"
  const mayExist = objectMap ? objectMap.objectMayExist(objectNo) : true;
  if (objectMap) await objectMap.markObject(objectNo, stateAfter(write));

  // A write replacing the whole object needs no copy-up, unless snapshots exist: then the parent's
  // data is copied up under them (a deep copy-up) so they stay readable after a deep flatten.
  const needsGuard = parentBacked && (!coversWholeObject(ictx, write) || ictx.header.snapIds.length > 0);
  for (let attempt = 0; ; attempt++) {
    const op = new ObjectWriteOperation();
    if (needsGuard) op.assertExists();
    if (wantsAllocHint(ictx, write, objectMap !== null, mayExist))
      op.setAllocHint(ictx.objectSize, ictx.objectSize);
    addWriteOps(op, write, ictx.objectSize);
    try {
      if (needsGuard && !mayExist && attempt === 0) throw new CephError('ENOENT', oid);
      await ictx.dataIoCtx.operate(oid, op, { snapContext: ictx.snapContext });
      break;
    } catch (err) {
      if (isCephError(err) && err.errno <= -MAX_ERRNO && write.kind === 'compare-and-write') {
        // The OSD counts from the start of the compared extent.
        throw new CompareMismatchError(write.offset + (-err.errno - MAX_ERRNO));
      }
      if (write.kind === 'remove' && isCephError(err, 'ENOENT')) break;
      if (!needsGuard || !isCephError(err, 'ENOENT') || attempt > 0) throw err;
      // The object does not exist yet: copy the parent's data up together with this write.
      await copyupObject(ictx, objectNo, write);
      break;
    }
  }
  if (objectMap && write.kind === 'remove') {
    await objectMap.markObject(objectNo, ObjectMapState.NONEXISTENT, ObjectMapState.PENDING);
  }
}
