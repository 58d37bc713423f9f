/**
 * fast-diff: per-object change states between two image versions, from
 * their object maps alone (librbd/object_map/DiffRequest.cc, Pacific 16.2.15
 * with the "no HOLE_UPDATED against a hole" fix), and the image extents
 * `rbd diff --whole-object` reports from them (api/DiffIterate.cc).
 *
 *   <start> → [start == end: empty] → for each version in
 *       {start (unless 0)} ∪ {snapshots strictly between} ∪ {end}
 *       (diff-iterate from the beginning of time: {end} only), ascending:
 *     CHECK (fast-diff on, version exists, FAST_DIFF_INVALID clear)
 *       → LOAD_OBJECT_MAP ─ENOENT on an intermediate snapshot→ skip
 *       → FOLD into the diff state → next version
 *   → <finish: one DiffState per object>
 *   errors: EINVAL (no fast-diff, invalid or too small map, bad range),
 *           ENOENT (start/end snapshot or map missing)
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { fileToExtents, getNumObjects, getPeriod, type FileLayout } from '../io/striper.js';
import { BitVector } from './bit-vector.js';
import { loadObjectMap } from './image.js';
import { DiffState, ObjectMapFeature, ObjectMapFlag, ObjectMapState } from './types.js';

const { NONEXISTENT, PENDING, EXISTS_CLEAN } = ObjectMapState;

/** What a fast diff reads from the image: its layout, versions and their maps. */
export interface DiffSource {
  layout: FileLayout;
  features: bigint;
  /** Existing snapshot ids, any order. */
  snapIds(): readonly bigint[];
  /** Image size at a version (CEPH_NOSNAP = head); called only for existing versions. */
  sizeAt(snapId: bigint): number;
  /** RBD_FLAG_* of a version. */
  flagsAt(snapId: bigint): bigint;
  /** The version's object map (`object_map_load`); ENOENT when the map object is missing. */
  loadObjectMap(snapId: bigint): Promise<BitVector>;
}

export interface DiffOptions {
  /**
   * True for diff-iterate (`rbd diff`, `rbd du`): a hole at the start stays
   * a hole through intermediate snapshots; false for deep-copy, which also
   * needs HOLE_UPDATED for data that came and went in between.
   */
  diffIterate: boolean;
}

/**
 * Compute the diff state of every object between `startSnapId` (0 = the
 * beginning of time) and `endSnapId` (CEPH_NOSNAP = head), as DiffRequest.
 */
export async function computeObjectDiffState(
  source: DiffSource,
  startSnapId: bigint,
  endSnapId: bigint,
  opts: DiffOptions,
): Promise<BitVector> {
  if (startSnapId === CEPH_NOSNAP || startSnapId > endSnapId) {
    throw new CephError('EINVAL', `invalid start/end snap ids ${startSnapId}..${endSnapId}`);
  }
  const diff = new BitVector(0);
  if (startSnapId === endSnapId) return diff;

  const versions = new Set<bigint>();
  if (!opts.diffIterate || startSnapId !== 0n) {
    if (startSnapId !== 0n) versions.add(startSnapId);
    for (const id of source.snapIds()) if (id > startSnapId && id < endSnapId) versions.add(id);
  }
  versions.add(endSnapId);
  const ordered = [...versions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const existing = new Set(source.snapIds());

  for (const snapId of ordered) {
    if ((source.features & ObjectMapFeature.FAST_DIFF) === 0n) {
      throw new CephError('EINVAL', 'fast-diff feature not enabled');
    }
    // Deleted intermediate snapshots merge into later ones: skip them.
    const intermediate = snapId !== startSnapId && snapId !== endSnapId;
    if (snapId !== CEPH_NOSNAP && !existing.has(snapId)) {
      if (intermediate) continue;
      throw new CephError('ENOENT', `snapshot ${snapId} does not exist`);
    }
    const size = source.sizeAt(snapId);
    if ((source.flagsAt(snapId) & ObjectMapFlag.FAST_DIFF_INVALID) !== 0n) {
      throw new CephError('EINVAL', 'cannot perform fast diff on invalid object map');
    }
    let map: BitVector;
    try {
      map = await source.loadObjectMap(snapId);
    } catch (err) {
      if (intermediate && isCephError(err) && err.code === 'ENOENT') continue;
      throw err;
    }
    foldObjectMap(diff, map, getNumObjects(source.layout, size), {
      isStart: snapId === startSnapId,
      isEnd: snapId === endSnapId,
      diffIterate: opts.diffIterate,
    });
  }
  return diff;
}

/** Where a version sits in the range, for `foldObjectMap`. */
export interface FoldPosition {
  isStart: boolean;
  isEnd: boolean;
  diffIterate: boolean;
}

/**
 * Fold one version's object map into the running diff state (the body of
 * DiffRequest::handle_load_object_map). `map` is consumed (resized).
 */
export function foldObjectMap(diff: BitVector, map: BitVector, objectCount: number, at: FoldPosition): void {
  if (map.size < objectCount) {
    throw new CephError('EINVAL', `object map too small: ${map.size} < ${objectCount}`);
  }
  map.resize(objectCount);

  const before = diff.size;
  if (at.diffIterate) {
    if (diff.size !== map.size) diff.resize(map.size);
  } else if (diff.size < map.size) {
    diff.resize(map.size);
  } else if (diff.size > map.size) {
    // A shrunk image: the objects past its end are compared as absent.
    map.resize(diff.size);
  }

  const overlap = Math.min(map.size, before);
  for (let i = 0; i < overlap; i++) {
    const state = map.get(i);
    switch (diff.get(i)) {
      case DiffState.HOLE:
        // diff-iterate stays in HOLE through intermediate snapshots
        if (state !== NONEXISTENT && (!at.diffIterate || at.isEnd)) diff.set(i, DiffState.DATA_UPDATED);
        break;
      case DiffState.DATA:
        if (state === NONEXISTENT) diff.set(i, DiffState.HOLE_UPDATED);
        else if (state !== EXISTS_CLEAN) diff.set(i, DiffState.DATA_UPDATED);
        break;
      case DiffState.HOLE_UPDATED:
        if (state !== NONEXISTENT) diff.set(i, DiffState.DATA_UPDATED);
        break;
      case DiffState.DATA_UPDATED:
        if (state === NONEXISTENT) diff.set(i, DiffState.HOLE_UPDATED);
        break;
    }
  }

  for (let i = overlap; i < map.size; i++) {
    const state = map.get(i);
    let next: number;
    if (state === NONEXISTENT) {
      next = DiffState.HOLE;
    } else if (!at.isStart) {
      // From the beginning of time, or the image grew: the implicit start is a hole.
      next = at.diffIterate && !at.isEnd ? DiffState.HOLE : DiffState.DATA_UPDATED;
    } else {
      // This is the start snapshot's own map.
      next = state !== PENDING ? DiffState.DATA : DiffState.DATA_UPDATED;
    }
    diff.set(i, next);
  }
}

/** One extent as `rbd diff` prints it. */
export interface DiffExtent {
  offset: number;
  length: number;
  /** True for data (DATA_UPDATED), false for a new hole (HOLE_UPDATED). */
  exists: boolean;
}

/**
 * The extents diff-iterate reports in fast-diff mode for `[offset, offset+length)`
 * (without a parent): one period at a time, each changed object's stripe
 * units mapped back to the image, adjacent pieces of the same kind merged
 * within the period, in image order.
 */
export function diffExtents(
  layout: FileLayout,
  diff: BitVector,
  offset: number,
  length: number,
): DiffExtent[] {
  const out: DiffExtent[] = [];
  const period = getPeriod(layout);
  let off = offset;
  let left = length;
  const pieces: DiffExtent[] = [];
  while (left > 0) {
    const periodStart = off - (off % period);
    const chunk = Math.min(periodStart + period - off, left);
    pieces.length = 0;
    for (const extent of fileToExtents(layout, off, chunk)) {
      const state = extent.objectNo < diff.size ? diff.get(extent.objectNo) : DiffState.HOLE;
      if (state !== DiffState.HOLE_UPDATED && state !== DiffState.DATA_UPDATED) continue;
      const exists = state === DiffState.DATA_UPDATED;
      for (const b of extent.bufferExtents) pieces.push({ offset: off + b.offset, length: b.length, exists });
    }
    pieces.sort((a, b) => a.offset - b.offset);
    let last: DiffExtent | undefined;
    for (const p of pieces) {
      if (last && last.exists === p.exists && last.offset + last.length === p.offset) {
        last.length += p.length;
      } else {
        last = { ...p };
        out.push(last);
      }
    }
    off += chunk;
    left -= chunk;
  }
  return out;
}

/** `computeObjectDiffState` over an open image's stored maps (`object_map_load` of each version). */
export function diffObjectMaps(
  image: Omit<DiffSource, 'loadObjectMap'> & Parameters<typeof loadObjectMap>[0],
  startSnapId: bigint,
  endSnapId: bigint,
  opts: DiffOptions,
): Promise<BitVector> {
  const source: DiffSource = {
    layout: image.layout,
    features: image.features,
    snapIds: () => image.snapIds(),
    sizeAt: (id) => image.sizeAt(id),
    flagsAt: (id) => image.flagsAt(id),
    loadObjectMap: (id) => loadObjectMap(image, id),
  };
  return computeObjectDiffState(source, startSnapId, endSnapId, opts);
}
