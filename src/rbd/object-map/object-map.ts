/**
 * `librbd::ObjectMap`: the object map of one open image version (the head,
 * or the snapshot the image is open at), kept in memory and in step with
 * the stored `rbd_object_map.<id>[.<snap>]`.
 *
 * Lifecycle: `open()` (lock the head map, load it, invalidate when unusable)
 * → updates / snapshot / resize operations → `close()` (drains in-flight
 * updates, unlocks). The IO path asks `objectMayExist` and calls
 * `markObject` before each write (EXISTS) or remove (PENDING, then
 * NONEXISTENT after it landed), which is what `ImageObjectMap` expects.
 *
 * Updates to overlapping object ranges run one after another in the order
 * they were asked for (librbd's BlockGuard); each re-checks whether it is
 * still needed once it may run.
 */
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { BitVector } from './bit-vector.js';
import { checkObjectMap, type CheckReport } from './check.js';
import { mapOid, NO_SNAP_CONTEXT, type ObjectMapImage, type ObjectMapProgress } from './image.js';
import { unlockObjectMap } from './lock.js';
import { rebuildObjectMap, type RebuildOptions } from './rebuild.js';
import { refreshObjectMap } from './refresh.js';
import { resizeObjectMap } from './resize.js';
import { anyUpdateRequired, objectMayExist, objectMayNotExist } from './rules.js';
import { snapshotCreateObjectMap } from './snapshot-create.js';
import { snapshotRemoveObjectMap } from './snapshot-remove.js';
import { snapshotRollbackObjectMap } from './snapshot-rollback.js';
import { ObjectMapFeature, ObjectMapFlag, ObjectMapState } from './types.js';
import { updateObjectMap } from './update.js';
import { assertLocked } from '../../cls/lock/client.js';
import { ClsLockType } from '../../cls/lock/types.js';
import { objectMapSave } from '../../cls/rbd/client.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { OBJECT_MAP_LOCK_NAME } from './lock.js';

/** What `open()` found. */
export interface ObjectMapOpenResult {
  /** True when the stored map was unusable and the version is now flagged invalid. */
  invalidated: boolean;
  /** RBD_FLAG_* bits set by that invalidation (0n when none). */
  invalidFlags: bigint;
}

interface InFlight {
  start: number;
  end: number;
  done: Promise<unknown>;
}

export class ObjectMap {
  private objectMap = new BitVector(0);
  private readonly inFlight = new Set<InFlight>();
  private opened = false;

  constructor(
    readonly image: ObjectMapImage,
    /** The version this map belongs to (CEPH_NOSNAP = head). */
    readonly snapId: bigint = CEPH_NOSNAP,
  ) {}

  /** The in-memory map (read it; change it only through this class). */
  get map(): BitVector {
    return this.objectMap;
  }

  get size(): number {
    return this.objectMap.size;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** `rbd_object_map.<id>[.<snap>]` of this version. */
  get oid(): string {
    return mapOid(this.image, this.snapId);
  }

  state(objectNo: number): number {
    return this.objectMap.get(objectNo);
  }

  private usable(): boolean {
    return (
      this.opened &&
      (this.image.features & ObjectMapFeature.OBJECT_MAP) !== 0n &&
      (this.image.flagsAt(this.snapId) & ObjectMapFlag.OBJECT_MAP_INVALID) === 0n
    );
  }

  /** False only when a valid map knows the object is absent (`object_may_exist`). */
  objectMayExist(objectNo: number): boolean {
    if (!this.usable() || objectNo >= this.objectMap.size) return true;
    return objectMayExist(this.objectMap, objectNo);
  }

  /** True unless a valid map says EXISTS or EXISTS_CLEAN (`object_may_not_exist`). */
  objectMayNotExist(objectNo: number): boolean {
    if (!this.usable() || objectNo >= this.objectMap.size) return true;
    return objectMayNotExist(this.objectMap, objectNo);
  }

  /** Load (and, for the head, lock) the map; see refresh.ts. Idempotent. */
  async open(): Promise<ObjectMapOpenResult> {
    if (this.opened) return { invalidated: false, invalidFlags: 0n };
    const result = await refreshObjectMap(this.image, this.snapId);
    this.objectMap = result.map;
    this.opened = true;
    return { invalidated: result.invalidated, invalidFlags: result.invalidFlags };
  }

  /** Wait for in-flight updates, then release the head map's lock. Idempotent. */
  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.drain();
    if (this.snapId === CEPH_NOSNAP) await unlockObjectMap(this.image);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight].map((f) => f.done));
  }

  /**
   * Set objects `[start, end)` of this version to `newState` (those in
   * `expectedState` only, when given) on the OSD, then in memory
   * (`ObjectMap::aio_update`). Nothing is sent when no object needs it
   * (`update_required`). Returns whether an update was sent.
   */
  async update(start: number, end: number, newState: number, expectedState?: number): Promise<boolean> {
    if (start >= end) throw new RangeError(`object map update of empty range ${start}..${end}`);
    const entry: InFlight = { start, end, done: Promise.resolve() };
    const earlier = [...this.inFlight].filter((f) => f.start < end && start < f.end).map((f) => f.done);
    let release!: () => void;
    entry.done = new Promise<void>((resolve) => (release = resolve));
    this.inFlight.add(entry);
    try {
      await Promise.allSettled(earlier);
      const stop = Math.min(end, this.objectMap.size);
      if (start >= stop || !anyUpdateRequired(this.objectMap, start, stop, newState)) return false;
      await updateObjectMap(this.image, this.objectMap, {
        snapId: this.snapId,
        startObjectNo: start,
        endObjectNo: stop,
        newState,
        expectedState,
      });
      return true;
    } finally {
      this.inFlight.delete(entry);
      release();
    }
  }

  /** `ImageObjectMap.markObject`: one object of this version. */
  async markObject(objectNo: number, state: number, expectedState?: number): Promise<void> {
    await this.update(objectNo, objectNo + 1, state, expectedState);
  }

  /**
   * Update another version's stored map only (no in-memory change, no
   * `update_required` filter), as copy-up does for snapshots.
   */
  async updateStored(
    snapId: bigint,
    start: number,
    end: number,
    newState: number,
    opts: { expectedState?: number; ignoreEnoent?: boolean } = {},
  ): Promise<void> {
    await updateObjectMap(this.image, snapId === this.snapId ? this.objectMap : null, {
      snapId,
      startObjectNo: start,
      endObjectNo: end,
      newState,
      expectedState: opts.expectedState,
      ignoreEnoent: opts.ignoreEnoent,
    });
  }

  /**
   * Before a copy-up (CopyupRequest::update_object_maps): with a deep
   * copy-up the object becomes EXISTS in the oldest snapshot of `snapIds`
   * and, with fast-diff, EXISTS_CLEAN in the later ones (they inherit the
   * data); then EXISTS in the head.
   */
  async markCopyup(objectNo: number, snapIds: readonly bigint[]): Promise<void> {
    const ascending = [...snapIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const fastDiff = (this.image.features & ObjectMapFeature.FAST_DIFF) !== 0n;
    for (const [index, snapId] of ascending.entries()) {
      const state = fastDiff && index > 0 ? ObjectMapState.EXISTS_CLEAN : ObjectMapState.EXISTS;
      await this.updateStored(snapId, objectNo, objectNo + 1, state, { ignoreEnoent: true });
    }
    await this.update(objectNo, objectNo + 1, ObjectMapState.EXISTS);
  }

  /** Resize to an image size (new objects in `defaultState`); see resize.ts. */
  async resize(newSizeBytes: number, defaultState: number = ObjectMapState.NONEXISTENT): Promise<void> {
    await this.drain();
    await resizeObjectMap(this.image, this.objectMap, this.snapId, newSizeBytes, defaultState);
  }

  /** A snapshot was taken: copy the head map to it; see snapshot-create.ts. */
  async snapshotAdd(snapId: bigint): Promise<void> {
    await this.drain();
    await snapshotCreateObjectMap(this.image, this.snapId === CEPH_NOSNAP ? this.objectMap : null, snapId);
  }

  /** A snapshot is going away: fold its map into the next; see snapshot-remove.ts. */
  async snapshotRemove(snapId: bigint): Promise<void> {
    await this.drain();
    await snapshotRemoveObjectMap(this.image, this.snapId === CEPH_NOSNAP ? this.objectMap : null, snapId);
  }

  /** The head was rolled back to `snapId`: copy its map over the head's; reopen afterwards. */
  async rollback(snapId: bigint): Promise<void> {
    await this.drain();
    await snapshotRollbackObjectMap(this.image, snapId);
  }

  /** Store the whole in-memory map (`object_map_save`; head: assert the map lock). */
  async save(): Promise<void> {
    const op = new ObjectWriteOperation();
    if (this.snapId === CEPH_NOSNAP) assertLocked(op, OBJECT_MAP_LOCK_NAME, ClsLockType.EXCLUSIVE, '', '');
    objectMapSave(op, this.objectMap.encode({ crc: false }));
    await this.image.headerIoCtx.operate(this.oid, op, NO_SNAP_CONTEXT);
  }

  /**
   * `rbd object-map rebuild` of this version; see rebuild.ts. With
   * `fromScratch` the in-memory map starts all NONEXISTENT, so the result
   * depends on the data objects alone.
   */
  async rebuild(opts: RebuildOptions & { fromScratch?: boolean } = {}): Promise<number> {
    await this.drain();
    if (opts.fromScratch) this.objectMap = new BitVector(this.objectMap.size);
    return rebuildObjectMap(this.image, this.objectMap, this.snapId, opts);
  }

  /** `rbd object-map check` of this version; see check.ts. */
  async check(progress?: ObjectMapProgress): Promise<CheckReport> {
    await this.drain();
    return checkObjectMap(this.image, this.objectMap, this.snapId, progress);
  }
}
