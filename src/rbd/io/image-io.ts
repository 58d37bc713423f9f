/**
 * Image-level IO (librbd/io/ImageRequest.cc): clip to the image, split into
 * object extents with the striper, run the object requests concurrently and
 * assemble the result. Every object request of one call is in flight at
 * once; the Objecter's `objecter_inflight_ops` bounds the total.
 *
 *   write:   <start> → EROFS check → [exclusive lock: acquire] → [writes blocked: wait, then
 *            acquire again] → (tracked from here) [journal open: APPEND_IO_EVENT (safe before the
 *            data goes out)] → clip → OBJECT WRITES (through the write-around cache when the image
 *            has one: each completes once sent, see cache/write-around.ts) → <finish>
 *   read:    <start> → clip → OBJECT READS (parent fall-through) → assemble → <finish>
 *   discard: <start> → clip → prune to rbd_discard_granularity_bytes
 *            → per object: REMOVE (whole) | TRUNCATE (to its end) | ZERO → <finish>
 */
import { CephError } from '../../common/errors.js';
import type { ImageCtx, JournalIoEvent } from '../image-ctx.js';
import { CompareMismatchError, readObject, writeObject, type ObjectWrite } from './object-io.js';
import { fileToExtents, getFileOffset, type ObjectExtent } from './striper.js';

/** librbd's `clip_io`: EINVAL past the end, else the length cut to the image. */
export function clipIo(ictx: ImageCtx, offset: number, length: number, snapId = ictx.snapId): number {
  const size = ictx.sizeAt(snapId);
  if (offset > size || offset < 0 || length < 0)
    throw new CephError('EINVAL', `io at ${offset} beyond image size ${size}`);
  return Math.min(length, size - offset);
}

/**
 * Read `length` bytes at `offset` (at the image's open snapshot unless
 * `snapId` is given); `opFlags` (fadvise hints) go on each object read.
 */
export async function readImage(
  ictx: ImageCtx,
  offset: number,
  length: number,
  snapId = ictx.snapId,
  opFlags = 0,
): Promise<Buffer> {
  ictx.assertOpen();
  const len = clipIo(ictx, offset, length, snapId);
  if (len === 0) return Buffer.alloc(0);
  const extents = fileToExtents(ictx.layout, offset, len);
  // One object range covering the whole request: hand its buffer back without a copy.
  if (extents.length === 1 && extents[0]!.bufferExtents.length === 1) {
    const x = extents[0]!;
    return readObject(ictx, x.objectNo, x.offset, x.length, snapId, opFlags);
  }
  const out = Buffer.allocUnsafe(len);
  await Promise.all(
    extents.map(async (x) => {
      const data = await readObject(ictx, x.objectNo, x.offset, x.length, snapId, opFlags);
      scatter(data, x, out);
    }),
  );
  return out;
}

/** Copy an object extent's bytes to their places in the caller's buffer. */
function scatter(data: Buffer, x: ObjectExtent, out: Buffer): void {
  let at = 0;
  for (const b of x.bufferExtents) {
    data.copy(out, b.offset, at, at + b.length);
    at += b.length;
  }
}

/** Gather an object extent's bytes from the caller's buffer (a view when contiguous). */
function gather(data: Buffer, x: ObjectExtent): Buffer {
  if (x.bufferExtents.length === 1) {
    const b = x.bufferExtents[0]!;
    return data.subarray(b.offset, b.offset + b.length);
  }
  return Buffer.concat(x.bufferExtents.map((b) => data.subarray(b.offset, b.offset + b.length)));
}

/**
 * Every image write: refuse when read-only or closed, hold the exclusive lock,
 * wait while an operation has writes blocked, then run `send` tracked — so a
 * block, a flush or a lock release that starts later waits for it. Nothing
 * awaits between the last block check and the tracking.
 */
async function runImageWrite<T>(ictx: ImageCtx, event: JournalIoEvent, send: () => Promise<T>): Promise<T> {
  ictx.assertOpen();
  ictx.assertWritable();
  for (;;) {
    if (ictx.lock) await ictx.lock.acquireLock();
    if (!ictx.writesBlocked) break;
    await ictx.writesUnblocked();
    ictx.assertOpen();
  }
  const done = (async () => {
    if (ictx.journal) await ictx.journal.appendIoEvent(event);
    return send();
  })();
  ictx.trackWrite(done);
  return done;
}

/** Run object writes concurrently, through the write-around cache when the image has one. */
async function runWrites(ictx: ImageCtx, writes: { objectNo: number; write: ObjectWrite }[]): Promise<void> {
  await Promise.all(writes.map((w) => dispatchObjectWrite(ictx, w.objectNo, w.write)));
}

function dispatchObjectWrite(ictx: ImageCtx, objectNo: number, write: ObjectWrite): Promise<void> {
  const cache = ictx.writeAround;
  const send = () => writeObject(ictx, objectNo, write);
  if (!cache) return send();
  const [offset, length] = objectRange(ictx, write);
  if (write.kind === 'compare-and-write') {
    // Its result is the caller's answer: it only waits for overlapping writes (librbd's "unoptimized" IO).
    return cache.waitForOverlaps(objectNo, offset, length).then(send);
  }
  return cache.write(objectNo, offset, length, send);
}

/** The bytes of its object a write touches, as the write-around cache accounts them. */
function objectRange(ictx: ImageCtx, w: ObjectWrite): [number, number] {
  switch (w.kind) {
    case 'write':
      return [w.offset, w.data.length];
    case 'compare-and-write':
      return [w.offset, w.compare.length];
    case 'writesame':
    case 'zero':
      return [w.offset, w.length];
    case 'truncate':
      return [w.offset, Math.max(0, ictx.objectSize - w.offset)];
    case 'remove':
      return [0, ictx.objectSize];
  }
}

/** Write `data` at `offset`; `opFlags` (fadvise hints) go on each object write. */
export async function writeImage(ictx: ImageCtx, offset: number, data: Buffer, opFlags = 0): Promise<number> {
  return runImageWrite(ictx, { type: 'write', offset, data }, async () => {
    const len = clipIo(ictx, offset, data.length);
    if (len === 0) return 0;
    const writes = fileToExtents(ictx.layout, offset, len).map((x) => ({
      objectNo: x.objectNo,
      write: { kind: 'write', offset: x.offset, data: gather(data, x), opFlags } as ObjectWrite,
    }));
    await runWrites(ictx, writes);
    return len;
  });
}

/**
 * Discard a range: whole objects are removed, object tails truncated, the
 * rest zeroed; with `granularityBytes` > 0, only aligned parts are discarded.
 */
export async function discardImage(
  ictx: ImageCtx,
  offset: number,
  length: number,
  granularityBytes = discardGranularity(ictx),
): Promise<number> {
  return runImageWrite(ictx, { type: 'discard', offset, length, granularityBytes }, async () => {
    const len = clipIo(ictx, offset, length);
    if (len === 0) return 0;
    const objectSize = ictx.objectSize;
    const g = Math.min(granularityBytes, objectSize);
    const writes: { objectNo: number; write: ObjectWrite }[] = [];
    for (const x of fileToExtents(ictx.layout, offset, len)) {
      let start = x.offset;
      let end = x.offset + x.length;
      if (g > 0 && (g < objectSize || end < objectSize)) {
        start = Math.ceil(start / g) * g;
        end = Math.floor(end / g) * g;
        if (start >= end) continue;
      }
      let write: ObjectWrite;
      if (start === 0 && end === objectSize) write = { kind: 'remove' };
      else if (end === objectSize) write = { kind: 'truncate', offset: start };
      else write = { kind: 'zero', offset: start, length: end - start };
      writes.push({ objectNo: x.objectNo, write });
    }
    await runWrites(ictx, writes);
    return len;
  });
}

/** The granularity librbd prunes discards to (`rbd_skip_partial_discard` / `rbd_discard_granularity_bytes`). */
export function discardGranularity(ictx: ImageCtx): number {
  if (ictx.config.getValue('rbd_skip_partial_discard') !== true) return 0;
  return Number(ictx.config.getValue('rbd_discard_granularity_bytes'));
}

/** Fill `length` bytes at `offset` with `pattern` (an all-zero pattern discards, like librbd). */
export async function writeSameImage(
  ictx: ImageCtx,
  offset: number,
  length: number,
  pattern: Buffer,
): Promise<number> {
  if (pattern.length === 0 || length % pattern.length !== 0) {
    throw new CephError('EINVAL', 'write-same length must be a multiple of the pattern length');
  }
  if (ictx.config.getValue('rbd_discard_on_zeroed_write_same') === true && pattern.every((b) => b === 0)) {
    return discardImage(ictx, offset, length, 0);
  }
  return runImageWrite(ictx, { type: 'writesame', offset, length, pattern }, async () => {
    const len = clipIo(ictx, offset, length);
    if (len === 0) return 0;
    const writes = fileToExtents(ictx.layout, offset, len).map((x) => {
      const aligned = x.bufferExtents.every(
        (b) => b.offset % pattern.length === 0 && b.length % pattern.length === 0,
      );
      if (aligned && x.bufferExtents.length === 1) {
        return {
          objectNo: x.objectNo,
          write: { kind: 'writesame', offset: x.offset, length: x.length, pattern } as ObjectWrite,
        };
      }
      const data = Buffer.alloc(x.length);
      let at = 0;
      for (const b of x.bufferExtents) {
        for (let i = 0; i < b.length; i++) data[at + i] = pattern[(b.offset + i) % pattern.length]!;
        at += b.length;
      }
      return { objectNo: x.objectNo, write: { kind: 'write', offset: x.offset, data } as ObjectWrite };
    });
    await runWrites(ictx, writes);
    return len;
  });
}

/**
 * Write `data` only if the image holds `compare` at `offset`; a mismatch
 * throws CompareMismatchError with the image offset of the first differing
 * byte. The range must stay within one object (librbd's rule).
 */
export async function compareAndWriteImage(
  ictx: ImageCtx,
  offset: number,
  compare: Buffer,
  data: Buffer,
): Promise<number> {
  if (compare.length !== data.length)
    throw new CephError('EINVAL', 'compare and write buffers differ in length');
  return runImageWrite(ictx, { type: 'compare-and-write', offset, compare, data }, async () => {
    const len = clipIo(ictx, offset, data.length);
    if (len === 0) return 0;
    const extents = fileToExtents(ictx.layout, offset, len);
    if (extents.length !== 1) throw new CephError('EINVAL', 'compare and write must stay within one object');
    const x = extents[0]!;
    try {
      await runWrites(ictx, [
        {
          objectNo: x.objectNo,
          write: {
            kind: 'compare-and-write',
            offset: x.offset,
            compare: gather(compare, x),
            data: gather(data, x),
          },
        },
      ]);
    } catch (err) {
      if (err instanceof CompareMismatchError) {
        throw new CompareMismatchError(getFileOffset(ictx.layout, x.objectNo, err.mismatchOffset));
      }
      throw err;
    }
    return len;
  });
}

/**
 * Wait for every write (and copy-up) issued so far; with the write-around
 * cache, also report the first error of a write that completed early. A user
 * flush (librbd's `flush` API) turns write-around on under
 * `rbd_cache_writethrough_until_flush`; internal ones (copy, diff) do not.
 */
export async function flushImage(ictx: ImageCtx, source: 'user' | 'internal' = 'internal'): Promise<void> {
  await ictx.settleWritesSoFar();
  await ictx.writeAround?.flush(source);
}
