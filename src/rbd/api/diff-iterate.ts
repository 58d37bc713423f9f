/**
 * The extents that changed between a snapshot (or the image's creation) and
 * the open version (librbd api/DiffIterate.cc `diff_iterate2`, with
 * io::ImageListSnapsRequest / ObjectListSnapsRequest doing the per-object
 * work; `rbd diff`, `rbd du`, `rbd export-diff`).
 *
 *   <start> → FLUSH → CLIP (offset past the end: EINVAL)
 *           → RESOLVE from-snapshot (unknown: ENOENT; from == open version: nothing;
 *             from after it: EINVAL)
 *           → [whole-object: FAST_DIFF (object-map DiffRequest; any failure —
 *              no fast-diff, invalid map — falls back to LIST_SNAPS)
 *              → [from the beginning with include-parent: PARENT_DIFF (the
 *                 parent's own diff up to the overlap)]]
 *           → one stripe period at a time, in order:
 *               fast diff: per object HOLE_UPDATED → hole, DATA_UPDATED → data,
 *                          HOLE with a parent diff → the parent's data there
 *               else LIST_SNAPS: per object `list_snaps` and the snapset's clone
 *                          overlaps (ObjectListSnapsRequest), the parent's data
 *                          for objects that do not exist (from the beginning,
 *                          include-parent only)
 *             → merge adjacent extents of the same kind (sorted) → callback each
 *           → <finish>
 *
 * Periods are computed `rbd_concurrent_management_ops` at a time; callbacks
 * run in image order. A callback that throws stops the iteration.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { SnapSet } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import type { SnapshotNamespace } from '../../cls/rbd/types.js';
import type { ImageCtx } from '../image-ctx.js';
import { flushImage } from '../io/image-io.js';
import { extentToFile, fileToExtents, getPeriod } from '../io/striper.js';
import { BitVector } from '../object-map/bit-vector.js';
import { computeObjectDiffState, type DiffSource } from '../object-map/diff.js';
import { DiffState, objectMapName } from '../object-map/types.js';

/** Called once per changed extent, in image order; `exists` false for a new hole. */
export type DiffCallback = (offset: number, length: number, exists: boolean) => void | Promise<void>;

export interface DiffIterateOptions {
  /** Diff from this snapshot; undefined/null: from the image's creation. */
  fromSnapName?: string | null;
  /** Namespace of `fromSnapName` (user snapshots by default). */
  fromSnapNamespace?: SnapshotNamespace['type'];
  offset: number;
  length: number;
  /** From the beginning of time, report the parent's data under holes of a clone. */
  includeParent: boolean;
  /** Report whole objects (enables the fast-diff path). */
  wholeObject: boolean;
}

/** `io::LIST_SNAPS_FLAG_*`. */
const ListSnapsFlag = {
  DISABLE_LIST_FROM_PARENT: 1,
  WHOLE_OBJECT: 2,
  IGNORE_ZEROED_EXTENTS: 4,
} as const;

/** `io::SparseExtentState`. */
export const SparseExtentState = { DNE: 0, ZEROED: 1, DATA: 2 } as const;

/** The pair of snapshot ids librbd keys deltas by: (end snapshot, clone that holds it). */
type DeltaKey = readonly [bigint, bigint];
/** `INITIAL_WRITE_READ_SNAP_IDS`: the key of data that comes from the parent. */
const INITIAL_KEY: DeltaKey = [0n, 0n];

const DEFAULT_CONCURRENCY = 10;

export async function diffIterate(
  ictx: ImageCtx,
  o: DiffIterateOptions,
  callback: DiffCallback,
): Promise<void> {
  await flushImage(ictx);
  const length = clipDiffRange(ictx, o.offset, o.length);
  let fromSnapId = 0n;
  if (o.fromSnapName !== undefined && o.fromSnapName !== null) {
    const id = ictx.snapIdByName(o.fromSnapName, o.fromSnapNamespace ?? 'user');
    if (id === undefined) throw new CephError('ENOENT', `snapshot ${o.fromSnapName} not found`);
    fromSnapId = id;
  }
  await executeDiff(ictx, fromSnapId, o.offset, length, o.includeParent, o.wholeObject, callback);
}

/** librbd's `clip_io`: a zero length is always fine; otherwise EINVAL from the end on. */
function clipDiffRange(ictx: ImageCtx, offset: number, length: number): number {
  if (length === 0) return 0;
  const size = ictx.size;
  if (offset >= size)
    throw new CephError('EINVAL', `offset ${offset} is past the end of the image (${size})`);
  return Math.min(length, size - offset);
}

/** `DiffIterate::execute`. */
async function executeDiff(
  ictx: ImageCtx,
  fromSnapId: bigint,
  offset: number,
  length: number,
  includeParent: boolean,
  wholeObject: boolean,
  callback: DiffCallback,
): Promise<void> {
  const endSnapId = ictx.snapId;
  if (fromSnapId === endSnapId) return;
  if (fromSnapId > endSnapId) throw new CephError('EINVAL', 'from snapshot is newer than the image version');

  let objectDiff: BitVector | undefined;
  const parentDiff = new IntervalSet();
  if (wholeObject) {
    try {
      objectDiff = await computeObjectDiffState(diffSourceOf(ictx), fromSnapId, endSnapId, {
        diffIterate: true,
      });
    } catch (err) {
      if (!isCephError(err)) throw err;
      objectDiff = undefined; // fast diff unavailable: list snapshots instead
    }
    if (objectDiff && includeParent && fromSnapId === 0n) {
      const overlap = ictx.parentOverlapAt(ictx.snapId);
      if (ictx.parent && overlap > 0) {
        await executeDiff(ictx.parent, 0n, 0, overlap, true, true, (off, len) => {
          parentDiff.insert(off, len);
        });
      }
    }
  }

  const period = getPeriod(ictx.layout);
  const chunks: [number, number][] = [];
  for (let off = offset, left = length; left > 0;) {
    const len = Math.min(off - (off % period) + period - off, left);
    chunks.push([off, len]);
    off += len;
    left -= len;
  }

  const computeChunk = async ([off, len]: [number, number]): Promise<SparseExtent[]> => {
    if (objectDiff) return fastDiffChunk(ictx, objectDiff, parentDiff, fromSnapId, off, len);
    let flags = 0;
    if (!includeParent || fromSnapId !== 0n) flags |= ListSnapsFlag.DISABLE_LIST_FROM_PARENT;
    if (wholeObject) flags |= ListSnapsFlag.WHOLE_OBJECT;
    const delta = await listSnapsImage(ictx, [[off, len]], fromSnapId, endSnapId, flags);
    return aggregateForDiff(delta);
  };

  const window = Math.max(1, Number(ictx.config.get('rbd_concurrent_management_ops')) || DEFAULT_CONCURRENCY);
  const pending: Promise<SparseExtent[]>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < chunks.length && pending.length < window) {
      const p = computeChunk(chunks[next++]!);
      p.catch(() => undefined); // awaited in order below; keep an early failure from going unhandled
      pending.push(p);
    }
  };
  fill();
  try {
    while (pending.length > 0) {
      const extents = await pending.shift()!;
      fill();
      for (const e of extents) await callback(e.offset, e.length, e.state === SparseExtentState.DATA);
    }
  } catch (err) {
    // as OrderedThrottle::wait_for_ret: let the periods in flight finish before reporting
    await Promise.allSettled(pending);
    throw err;
  }
}

/** The fast path for one period: object diff states mapped back onto the image. */
function fastDiffChunk(
  ictx: ImageCtx,
  objectDiff: BitVector,
  parentDiff: IntervalSet,
  fromSnapId: bigint,
  off: number,
  len: number,
): SparseExtent[] {
  const out = new SparseExtents();
  for (const extent of fileToExtents(ictx.layout, off, len)) {
    const state = extent.objectNo < objectDiff.size ? objectDiff.get(extent.objectNo) : DiffState.HOLE;
    if (state === DiffState.HOLE && fromSnapId === 0n && !parentDiff.empty) {
      for (const b of extent.bufferExtents) {
        for (const [s, l] of parentDiff.intersect(off + b.offset, b.length))
          out.insert(s, l, SparseExtentState.DATA);
      }
    } else if (state === DiffState.HOLE_UPDATED || state === DiffState.DATA_UPDATED) {
      const s = state === DiffState.HOLE_UPDATED ? SparseExtentState.ZEROED : SparseExtentState.DATA;
      for (const b of extent.bufferExtents) out.insert(off + b.offset, b.length, s);
    }
  }
  return out.list();
}

/** The image as the object-map DiffRequest reads it. */
function diffSourceOf(ictx: ImageCtx): DiffSource {
  return {
    layout: ictx.layout,
    features: ictx.features,
    snapIds: () => [...ictx.header.snaps.keys()],
    sizeAt: (snapId) => ictx.sizeAt(snapId),
    flagsAt: (snapId) =>
      snapId === CEPH_NOSNAP ? ictx.header.flags : (ictx.header.snaps.get(snapId)?.flags ?? 0n),
    loadObjectMap: async (snapId) =>
      BitVector.decode(await cls.objectMapLoad(ictx.mdIoCtx, objectMapName(ictx.id, snapId))),
  };
}

/** `compute_diffs`: keys in order, later ones win; DNE and the parent's zeroes are not changes. */
function aggregateForDiff(delta: SnapshotDelta): SparseExtent[] {
  const out = new SparseExtents();
  for (const [key, extents] of delta.entries()) {
    const initial = key[0] === INITIAL_KEY[0] && key[1] === INITIAL_KEY[1];
    for (const e of extents.list()) {
      if (e.state === SparseExtentState.DNE) continue;
      if (initial && e.state === SparseExtentState.ZEROED) continue;
      out.insert(e.offset, e.length, e.state);
    }
  }
  return out.list();
}

// ---------------------------------------------------------------- list snaps

/**
 * `io::ImageListSnapsRequest` (snap ids `[from, end]`): per-object deltas for
 * image extents, assembled back into image offsets.
 */
async function listSnapsImage(
  ictx: ImageCtx,
  imageExtents: readonly [number, number][],
  fromSnapId: bigint,
  endSnapId: bigint,
  flags: number,
): Promise<SnapshotDelta> {
  const perObject = new Map<number, [number, number][]>();
  for (const [off, len] of imageExtents) {
    if (len === 0) continue;
    for (const x of fileToExtents(ictx.layout, off, len)) {
      let list = perObject.get(x.objectNo);
      if (!list) perObject.set(x.objectNo, (list = []));
      list.push([x.offset, x.length]);
    }
  }
  const assembled = new SnapshotDelta();
  const results = await Promise.all(
    [...perObject].map(async ([objectNo, extents]) => ({
      objectNo,
      delta: await listSnapsObject(ictx, objectNo, extents, fromSnapId, endSnapId, flags),
    })),
  );
  for (const { objectNo, delta } of results.sort((a, b) => a.objectNo - b.objectNo)) {
    for (const [key, extents] of delta.entries()) {
      if (extents.empty) continue;
      const target = assembled.at(key);
      for (const e of extents.list()) {
        for (const f of extentToFile(ictx.layout, objectNo, e.offset, e.length))
          target.insert(f.offset, f.length, e.state);
      }
    }
  }
  return assembled;
}

/** `io::ObjectListSnapsRequest` for one data object (offsets within the object). */
async function listSnapsObject(
  ictx: ImageCtx,
  objectNo: number,
  objectExtents: readonly [number, number][],
  firstSnapId: bigint,
  lastSnapId: bigint,
  flags: number,
): Promise<SnapshotDelta> {
  const delta = new SnapshotDelta();
  let snapSet: SnapSet;
  try {
    snapSet = await ictx.dataIoCtx.listSnaps(ictx.objectName(objectNo));
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
    zeroExtent(delta, objectExtents, firstSnapId, true, flags);
    return listFromParent(ictx, objectNo, objectExtents, firstSnapId, lastSnapId, flags, delta);
  }

  const objectSize = ictx.layout.objectSize;
  const objectInterval = new IntervalSet();
  for (const [off, len] of objectExtents) objectInterval.insert(off, len);

  let startSnapId = 0n;
  let prevEndSize = 0;
  let initialWritten = false;
  for (const endSnapId of [firstSnapId, lastSnapId]) {
    if (startSnapId === endSnapId) continue;
    if (endSnapId > lastSnapId) break;
    const r = calcSnapSetDiff(snapSet, startSnapId, endSnapId);
    let { diff, endSize, exists, cloneEndSnapId } = r;
    if (r.wholeObject) {
      diff = IntervalSet.of(0, objectSize);
      exists = true;
      endSize = objectSize;
      cloneEndSnapId = endSnapId;
    } else if ((flags & ListSnapsFlag.WHOLE_OBJECT) !== 0 && !diff.empty) {
      diff = IntervalSet.of(0, objectSize);
    }
    if (exists && cloneEndSnapId > lastSnapId) cloneEndSnapId = lastSnapId;

    let diffInterval = diff.intersection(objectInterval);
    let zeroInterval = new IntervalSet();
    if (endSize < prevEndSize) {
      zeroInterval = IntervalSet.of(endSize, prevEndSize - endSize).intersection(objectInterval);
      const truncated = zeroInterval.intersection(diffInterval);
      if (!truncated.empty) diffInterval = diffInterval.subtract(truncated);
    }
    if (exists && startSnapId === 0n && (!diffInterval.empty || !zeroInterval.empty)) initialWritten = true;
    prevEndSize = endSize;
    startSnapId = endSnapId;
    // the starting snapshot only sets the baseline (size, existence)
    if (endSnapId <= firstSnapId) continue;

    if (exists && !diffInterval.empty) {
      const target = delta.at([endSnapId, cloneEndSnapId]);
      for (const [s, l] of diffInterval.intervals()) target.insert(s, l, SparseExtentState.DATA);
    } else if (!exists) {
      zeroInterval = zeroInterval.union(diffInterval);
    }
    if ((flags & ListSnapsFlag.IGNORE_ZEROED_EXTENTS) === 0 && !zeroInterval.empty) {
      const target = delta.at([endSnapId, endSnapId]);
      for (const [s, l] of zeroInterval.intervals()) target.insert(s, l, SparseExtentState.ZEROED);
    }
  }

  const deltaWasEmpty = delta.empty;
  if (!initialWritten) zeroExtent(delta, objectExtents, firstSnapId, firstSnapId > 0n, flags);
  if (deltaWasEmpty)
    return listFromParent(ictx, objectNo, objectExtents, firstSnapId, lastSnapId, flags, delta);
  return delta;
}

/** `zero_extent`: mark the requested extents as missing (DNE) or zeroed at `snapId`. */
function zeroExtent(
  delta: SnapshotDelta,
  objectExtents: readonly [number, number][],
  snapId: bigint,
  dne: boolean,
  flags: number,
): void {
  if ((flags & ListSnapsFlag.IGNORE_ZEROED_EXTENTS) !== 0) return;
  const interval = new IntervalSet();
  for (const [off, len] of objectExtents) interval.insert(off, len);
  const target = delta.at([snapId, snapId]);
  for (const [s, l] of interval.intervals()) {
    target.insert(s, l, dne ? SparseExtentState.DNE : SparseExtentState.ZEROED);
  }
}

/**
 * `list_from_parent`: from the beginning of time, the parent's data under
 * this object's extents (within the overlap) becomes this object's delta.
 */
async function listFromParent(
  ictx: ImageCtx,
  objectNo: number,
  objectExtents: readonly [number, number][],
  firstSnapId: bigint,
  lastSnapId: bigint,
  flags: number,
  delta: SnapshotDelta,
): Promise<SnapshotDelta> {
  const parent = ictx.parent;
  if (firstSnapId > 0n || !parent || (flags & ListSnapsFlag.DISABLE_LIST_FROM_PARENT) !== 0) return delta;
  const overlap = ictx.parentOverlapAt(lastSnapId);
  if (overlap <= 0) return delta;
  const parentExtents: [number, number][] = [];
  for (const [off, len] of objectExtents) {
    for (const f of extentToFile(ictx.layout, objectNo, off, len)) {
      if (f.offset >= overlap) continue;
      parentExtents.push([f.offset, Math.min(f.length, overlap - f.offset)]);
    }
  }
  if (parentExtents.length === 0) return delta;
  const parentDelta = await listSnapsImage(
    parent,
    parentExtents,
    0n,
    parent.snapId,
    flags | ListSnapsFlag.IGNORE_ZEROED_EXTENTS,
  );
  if (parentDelta.empty) return delta;
  const out = new SnapshotDelta();
  const intervals = out.at(INITIAL_KEY);
  for (const [, extents] of parentDelta.entries()) {
    for (const e of extents.list()) {
      for (const x of fileToExtents(ictx.layout, e.offset, e.length)) {
        if (x.objectNo !== objectNo) continue;
        intervals.insert(x.offset, x.length, e.state);
      }
    }
  }
  return out;
}

/** What `calc_snap_set_diff` (librados/snap_set_diff.cc, Pacific) reports for one object. */
export interface SnapSetDiff {
  /** Byte ranges that differ between `start` and `end`. */
  diff: IntervalSet;
  /** Object size at `end` (0 when it does not exist). */
  endSize: number;
  endExists: boolean;
  /** The newest snapshot the clone holding `end` serves. */
  cloneEndSnapId: bigint;
  /** A clone without snapshots: only the whole object can be trusted. */
  wholeObject: boolean;
}

/**
 * Walk the object's clones (oldest first, the head last) from `start` to
 * `end`: a version missing at `start` contributes its whole size; each clone
 * boundary crossed contributes max(this size, next size) minus the ranges the
 * two clones share.
 */
export function calcSnapSetDiff(
  snapSet: SnapSet,
  start: bigint,
  end: bigint,
): SnapSetDiff & { exists: boolean } {
  let diff = new IntervalSet();
  let sawStart = false;
  let startSize = 0;
  const clones = snapSet.clones;
  let i = 0;
  while (i < clones.length) {
    const c = clones[i]!;
    let a: bigint;
    let b: bigint;
    if (c.cloneId === CEPH_NOSNAP) {
      a = snapSet.seq + 1n;
      b = CEPH_NOSNAP;
    } else if (c.snaps.length === 0) {
      return done(new IntervalSet(), 0, false, 0n, true);
    } else {
      a = c.snaps[0]!;
      b = c.snaps[c.snaps.length - 1]!;
    }
    const size = Number(c.size);
    if (b < start) {
      i++;
      continue;
    }
    if (!sawStart) {
      if (start < a) {
        if (size > 0) diff.insert(0, size);
        startSize = 0;
      } else {
        startSize = size;
      }
      sawStart = true;
    }
    if (end < a) break;
    if (end <= b) return done(diff, size, true, b, false);

    let maxSize = size;
    const overlap = c.overlap;
    i++;
    const next = clones[i];
    if (next && Number(next.size) > maxSize) maxSize = Number(next.size);
    const toNext = new IntervalSet();
    if (maxSize > 0) toNext.insert(0, maxSize);
    for (const [off, len] of overlap) toNext.erase(Number(off), Number(len));
    diff = diff.union(toNext);
  }
  // past the end, or out of clones: the object does not exist at `end`
  diff = new IntervalSet();
  if (startSize > 0) diff.insert(0, startSize);
  return done(diff, 0, false, 0n, false);

  function done(
    d: IntervalSet,
    endSize: number,
    endExists: boolean,
    cloneEndSnapId: bigint,
    wholeObject: boolean,
  ) {
    return { diff: d, endSize, endExists, exists: endExists, cloneEndSnapId, wholeObject };
  }
}

// ---------------------------------------------------------------- intervals

/** A set of disjoint, non-adjacent [start, length) ranges (Ceph's `interval_set`). */
export class IntervalSet {
  /** Sorted, disjoint, non-touching [start, end) pairs. */
  private ranges: [number, number][] = [];

  static of(start: number, length: number): IntervalSet {
    const s = new IntervalSet();
    s.insert(start, length);
    return s;
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** [start, length] pairs in order. */
  intervals(): [number, number][] {
    return this.ranges.map(([s, e]) => [s, e - s]);
  }

  /** Add a range (union; Ceph asserts on overlap, librbd only inserts disjoint ones). */
  insert(start: number, length: number): void {
    if (length <= 0) return;
    let s = start;
    let e = start + length;
    const kept: [number, number][] = [];
    for (const r of this.ranges) {
      if (r[1] < s || r[0] > e) kept.push(r);
      else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    kept.push([s, e]);
    kept.sort((x, y) => x[0] - y[0]);
    this.ranges = kept;
  }

  /** Remove a range (whatever part of it is present). */
  erase(start: number, length: number): void {
    if (length <= 0) return;
    const s = start;
    const e = start + length;
    const out: [number, number][] = [];
    for (const [rs, re] of this.ranges) {
      if (re <= s || rs >= e) {
        out.push([rs, re]);
        continue;
      }
      if (rs < s) out.push([rs, s]);
      if (re > e) out.push([e, re]);
    }
    this.ranges = out;
  }

  union(other: IntervalSet): IntervalSet {
    const out = new IntervalSet();
    for (const [s, l] of this.intervals()) out.insert(s, l);
    for (const [s, l] of other.intervals()) out.insert(s, l);
    return out;
  }

  intersection(other: IntervalSet): IntervalSet {
    const out = new IntervalSet();
    for (const [s, l] of other.intervals()) for (const [x, y] of this.intersect(s, l)) out.insert(x, y);
    return out;
  }

  /** The parts of [start, start+length) in this set. */
  intersect(start: number, length: number): [number, number][] {
    const out: [number, number][] = [];
    const e = start + length;
    for (const [rs, re] of this.ranges) {
      const s0 = Math.max(rs, start);
      const e0 = Math.min(re, e);
      if (s0 < e0) out.push([s0, e0 - s0]);
    }
    return out;
  }

  subtract(other: IntervalSet): IntervalSet {
    const out = new IntervalSet();
    for (const [s, l] of this.intervals()) out.insert(s, l);
    for (const [s, l] of other.intervals()) out.erase(s, l);
    return out;
  }
}

/** One extent of a `SparseExtents` map. */
export interface SparseExtent {
  offset: number;
  length: number;
  /** A SparseExtentState. */
  state: number;
}

/**
 * `io::SparseExtents` (an `interval_map`): a later insert replaces what it
 * covers; touching extents of the same state merge.
 */
export class SparseExtents {
  private items: SparseExtent[] = [];

  get empty(): boolean {
    return this.items.length === 0;
  }

  insert(offset: number, length: number, state: number): void {
    if (length <= 0) return;
    const end = offset + length;
    const out: SparseExtent[] = [];
    for (const it of this.items) {
      const itEnd = it.offset + it.length;
      if (itEnd <= offset || it.offset >= end) {
        out.push(it);
        continue;
      }
      if (it.offset < offset) out.push({ offset: it.offset, length: offset - it.offset, state: it.state });
      if (itEnd > end) out.push({ offset: end, length: itEnd - end, state: it.state });
    }
    out.push({ offset, length, state });
    out.sort((a, b) => a.offset - b.offset);
    const merged: SparseExtent[] = [];
    for (const it of out) {
      const last = merged[merged.length - 1];
      if (last && last.state === it.state && last.offset + last.length === it.offset)
        last.length += it.length;
      else merged.push({ ...it });
    }
    this.items = merged;
  }

  list(): SparseExtent[] {
    return this.items.map((x) => ({ ...x }));
  }
}

/** `io::SnapshotDelta`: per (snapshot, clone) key, what changed; keys iterate in order. */
export class SnapshotDelta {
  private readonly byKey = new Map<string, { key: DeltaKey; extents: SparseExtents }>();

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** The extents of `key`, created empty when missing (std::map::operator[]). */
  at(key: DeltaKey): SparseExtents {
    const k = `${key[0]}:${key[1]}`;
    let hit = this.byKey.get(k);
    if (!hit) this.byKey.set(k, (hit = { key, extents: new SparseExtents() }));
    return hit.extents;
  }

  /** Keys in (snapshot, clone) order with their extents. */
  entries(): [DeltaKey, SparseExtents][] {
    const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.byKey.values()]
      .sort((x, y) => cmp(x.key[0], y.key[0]) || cmp(x.key[1], y.key[1]))
      .map(({ key, extents }) => [key, extents]);
  }
}
