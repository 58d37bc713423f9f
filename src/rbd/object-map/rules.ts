/**
 * The state rules librbd and cls_rbd apply to object maps, as small pure
 * functions over a BitVector. The OSD-side class and our client share them,
 * so the in-memory map and the stored one change the same way.
 */
import { CephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { SnapSet } from '../../rados/operation.js';
import { BitVector, laneTable } from './bit-vector.js';
import { ObjectMapState } from './types.js';

const { NONEXISTENT, EXISTS, PENDING, EXISTS_CLEAN } = ObjectMapState;

/**
 * Whether an update to `newState` must go to the OSD (`ObjectMap::update_required`):
 * not when already there, not PENDING for an object that does not exist, and
 * NONEXISTENT only from PENDING (a remove that was announced first).
 */
export function updateRequired(state: number, newState: number): boolean {
  if (state === newState) return false;
  if (newState === PENDING && state === NONEXISTENT) return false;
  if (newState === NONEXISTENT && state !== PENDING) return false;
  return true;
}

/**
 * The optional "current state" filter of `object_map_update`: no filter
 * matches everything, and an expected EXISTS also matches EXISTS_CLEAN.
 */
export function matchesExpected(state: number, expected: number | undefined): boolean {
  return expected === undefined || state === expected || (expected === EXISTS && state === EXISTS_CLEAN);
}

/**
 * `object_map_update` applied to `[start, end)` (cls_rbd on the stored map,
 * UpdateRequest on librbd's copy): each matching element takes `newState`.
 * Returns whether anything changed. `end` is clipped to the map.
 */
export function applyUpdate(
  map: BitVector,
  start: number,
  end: number,
  newState: number,
  expected?: number,
): boolean {
  let changed = false;
  const stop = Math.min(end, map.size);
  for (let i = Math.min(start, stop); i < stop; i++) {
    const state = map.get(i);
    if (state !== newState && matchesExpected(state, expected)) {
      map.set(i, newState);
      changed = true;
    }
  }
  return changed;
}

/** Whether any element of `[start, end)` needs an update to `newState` (clipped to the map). */
export function anyUpdateRequired(map: BitVector, start: number, end: number, newState: number): boolean {
  const stop = Math.min(end, map.size);
  for (let i = start; i < stop; i++) if (updateRequired(map.get(i), newState)) return true;
  return false;
}

const SNAP_ADD_TABLE = laneTable((s) => (s === EXISTS ? EXISTS_CLEAN : s));

/**
 * `object_map_snap_add` on the head map once its copy became the snapshot's:
 * every EXISTS turns EXISTS_CLEAN (written since the snapshot = EXISTS again).
 * Returns whether anything changed (cls_rbd writes only then).
 */
export function markSnapshotTaken(head: BitVector): boolean {
  let any = false;
  for (let i = 0; i < head.size && !any; i++) any = head.get(i) === EXISTS;
  if (any) head.mapStates(SNAP_ADD_TABLE);
  return any;
}

/**
 * `object_map_snap_remove` on the next newer map (a snapshot's or the
 * head's) when snapshot `removed` goes away: an EXISTS_CLEAN object turns
 * EXISTS where the removed map had EXISTS (its change now dates from the
 * older snapshot) or does not cover the object. Returns whether anything changed.
 */
export function mergeRemovedSnapshot(next: BitVector, removed: BitVector): boolean {
  let changed = false;
  for (let i = 0; i < next.size; i++) {
    if (next.get(i) === EXISTS_CLEAN && (i >= removed.size || removed.get(i) === EXISTS)) {
      next.set(i, EXISTS);
      changed = true;
    }
  }
  return changed;
}

/**
 * librbd's in-memory resize (`object_map::ResizeRequest::resize`): cut or
 * grow, new elements take `defaultState`.
 */
export function resizeMap(map: BitVector, objectCount: number, defaultState: number): void {
  const before = map.size;
  map.resize(objectCount);
  if (objectCount > before) map.fill(before, objectCount, defaultState);
}

/**
 * `object_map_resize` on the stored map: shrinking is refused with ESTALE
 * while a dropped object is not in `defaultState` (it may still exist).
 */
export function resizeStoredMap(map: BitVector, objectCount: number, defaultState: number): void {
  for (let i = objectCount; i < map.size; i++) {
    if (map.get(i) !== defaultState) {
      throw new CephError('ESTALE', `object map indicates object still exists: ${i}`);
    }
  }
  resizeMap(map, objectCount, defaultState);
}

/** `ObjectMap::object_may_exist`: only NONEXISTENT rules an object out. */
export function objectMayExist(map: BitVector, objectNo: number): boolean {
  return map.get(objectNo) !== NONEXISTENT;
}

/** `ObjectMap::object_may_not_exist`: unless the map says EXISTS or EXISTS_CLEAN. */
export function objectMayNotExist(map: BitVector, objectNo: number): boolean {
  const state = map.get(objectNo);
  return state !== EXISTS && state !== EXISTS_CLEAN;
}

/**
 * The state object `objectNo` should have in the map of `snapId`, from the
 * object's snap set (`C_VerifyObjectCallback::get_object_state`, used by
 * rebuild and check). Each clone covers the image snapshots from the first
 * existing one at or after its oldest snap (the head: after the snap set's
 * seq) up to its newest (the head: CEPH_NOSNAP). The clone serving `snapId`
 * makes the object EXISTS if it starts exactly at `snapId`, else (with
 * fast-diff) EXISTS_CLEAN: unchanged since an older snapshot.
 *
 * `imageSnapIds` are the image's existing snapshot ids, ascending.
 * A missing object (`snapSet` undefined: ENOENT) is NONEXISTENT.
 */
export function expectedObjectState(
  snapSet: SnapSet | undefined,
  snapId: bigint,
  imageSnapIds: readonly bigint[],
  fastDiff: boolean,
): number {
  if (!snapSet) return NONEXISTENT;
  const nextValid = (id: bigint): bigint => {
    for (const s of imageSnapIds) if (s >= id) return s;
    return CEPH_NOSNAP;
  };
  for (const clone of snapSet.clones) {
    let from: bigint;
    let to: bigint;
    if (clone.cloneId === CEPH_NOSNAP) {
      from = nextValid(snapSet.seq + 1n);
      to = CEPH_NOSNAP;
    } else {
      if (clone.snaps.length === 0) continue;
      from = nextValid(clone.snaps[0]!);
      to = clone.snaps[clone.snaps.length - 1]!;
    }
    if (to < snapId) continue;
    if (snapId < from) break;
    return fastDiff && from !== snapId ? EXISTS_CLEAN : EXISTS;
  }
  return NONEXISTENT;
}

/**
 * What rebuild writes for one object (`update_object_map` in
 * RebuildObjectMapRequest): the expected state, except that an EXISTS head
 * entry stays EXISTS when the object is not there — a write may be landing.
 */
export function rebuiltState(current: number, expected: number, snapId: bigint): number {
  if (current === EXISTS && expected === NONEXISTENT && snapId === CEPH_NOSNAP) return current;
  return expected;
}

/**
 * Whether a mismatch found by `rbd object-map check` makes the map invalid
 * (`needs_invalidate` in librbd/Operations.cc): a map that says an absent
 * object may exist is merely conservative; anything else is wrong.
 */
export function mismatchInvalidates(current: number, expected: number): boolean {
  const mapSaysExists = current === EXISTS || current === EXISTS_CLEAN;
  const objectAbsentOrPending = expected === NONEXISTENT || expected === PENDING;
  return !(mapSaysExists && objectAbsentOrPending);
}
