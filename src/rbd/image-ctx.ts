/**
 * `ImageCtx`: the state of one open image (librbd/ImageCtx.h) — where its
 * objects live, the header as last read, its snapshots and parent — plus the
 * long-lived helpers attached to it (watcher, exclusive lock, object map).
 *
 * The header fields are replaced as a whole by `refreshImage` (image/refresh.ts);
 * operations read them and never patch them piecemeal, so a refresh is the only
 * way the in-memory view changes.
 */
import type { Config } from '../common/config.js';
import { CephError } from '../common/errors.js';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { CEPH_NOSNAP } from '../encoding/osd-types.js';
import type { IoCtx } from '../rados/io-ctx.js';
import type { ImageWatcher } from './watcher/image-watcher.js';
import type { ExclusiveLock } from './exclusive-lock/exclusive-lock.js';
import type { ParentImageSpec, SnapshotNamespace } from '../cls/rbd/types.js';
import type { Rados } from '../rados/rados.js';
import { RbdFeature, headerObjectName } from './constants.js';
import { dataObjectName, type FileLayout } from './io/striper.js';
import { readImage } from './io/image-io.js';
import type { WriteAroundCache } from './cache/write-around.js';

/** A clone's link to its parent: the spec and how many bytes of the image still read through. */
export interface ParentInfo {
  spec: ParentImageSpec;
  overlap: number;
}

/** One snapshot as the header describes it (`cls_rbd_snap` + what librbd derives). */
export interface SnapInfo {
  id: bigint;
  name: string;
  namespace: SnapshotNamespace;
  /** Image size at the snapshot. */
  size: number;
  parent: ParentInfo | null;
  protectionStatus: number;
  /** RBD_FLAG_* bits of the snapshot's object map. */
  flags: bigint;
  /** Creation time, ms since the epoch. */
  timestampMs: number;
  childCount: number;
}

/** The striping layout (`file_layout_t` as librbd fills it). */
export type ImageLayout = FileLayout;

/** The header as read by the last refresh. */
export interface ImageHeader {
  size: number;
  order: number;
  features: bigint;
  incompatibleFeatures: bigint;
  /** RBD_FLAG_* of the head. */
  flags: bigint;
  opFeatures: bigint;
  objectPrefix: string;
  /** -1 when the data lives in the header's pool. */
  dataPoolId: number;
  layout: ImageLayout;
  snapSeq: bigint;
  /** Snap ids, newest first (the order of a snap context). */
  snapIds: bigint[];
  snaps: Map<bigint, SnapInfo>;
  parent: ParentInfo | null;
  createTimestampMs: number;
  accessTimestampMs: number;
  modifyTimestampMs: number;
  /** `metadata_*` keys with the `conf_` prefix: per-image config overrides. */
  configOverrides: Map<string, string>;
  /** Who holds `rbd_lock` (empty when nobody). */
  lockOwners: { entity: string; cookie: string; address: string }[];
  lockTag: string;
  exclusiveLockHeld: boolean;
  snapLimit: number | undefined;
}

/** Hooks the exclusive lock and watcher attach; kept as an interface so io/ and operation/ need not import them. */
export interface ImageLockState {
  /** True when this client may write without asking anyone. */
  isLockOwner(): boolean;
  /** Resolve once this client owns the exclusive lock (or throw EROFS/EBLOCKLISTED…). */
  acquireLock(): Promise<void>;
}

/**
 * The object map as the IO path uses it (rbd/object-map implements it): the
 * in-memory view answers "may this object exist?", updates go to the OSD
 * before the data op (and after a remove).
 */
export interface ImageObjectMap {
  /** False only when the map knows the object does not exist in the head. */
  objectMayExist(objectNo: number): boolean;
  /** The head state of one object (ObjectMapState). */
  state(objectNo: number): number;
  /** Set the head state of one object (only from `expected`, when given); no-op when already there. */
  markObject(objectNo: number, state: number, expected?: number): Promise<void>;
  /** Before a copy-up: EXISTS in the head and, for a deep copy-up, in the maps of `snapIds`. */
  markCopyup(objectNo: number, snapIds: readonly bigint[]): Promise<void>;
  /** Grow (new objects NONEXISTENT) or shrink the head map to cover an image of `newSizeBytes`. */
  resize(newSizeBytes: number): Promise<void>;
}

/** An IO event as the journal records it before the data reaches the objects (librbd::journal::EventEntry). */
export type JournalIoEvent =
  | { type: 'write'; offset: number; data: Buffer }
  | { type: 'discard'; offset: number; length: number; granularityBytes: number }
  | { type: 'writesame'; offset: number; length: number; pattern: Buffer }
  | { type: 'compare-and-write'; offset: number; compare: Buffer; data: Buffer };

/**
 * The image journal (journaling feature, next issue): IO events are appended
 * and made safe before the object writes, as librbd's ImageRequest does with
 * `append_io_event`. Null while the image has no journal.
 */
export interface ImageJournal {
  appendIoEvent(event: JournalIoEvent): Promise<void>;
}

export interface ImageCtxOptions {
  rados: Rados;
  config: Config;
  /** The pool (and namespace) the header lives in. */
  mdIoCtx: IoCtx;
  name: string;
  id: string;
  snapName?: string;
  readOnly: boolean;
  clock?: Clock;
}

export class ImageCtx {
  readonly rados: Rados;
  readonly config: Config;
  readonly clock: Clock;
  /** Header pool IoCtx (header, id, directory, object map). */
  readonly mdIoCtx: IoCtx;
  /** Data pool IoCtx; its snap context follows the header's. */
  dataIoCtx: IoCtx;
  name: string;
  readonly id: string;
  readonly headerOid: string;
  readonly readOnly: boolean;
  /** CEPH_NOSNAP for the head, else the snapshot this image is open at. */
  snapId: bigint = CEPH_NOSNAP;
  snapName: string | undefined;
  header!: ImageHeader;
  /** The opened parent (read-only, at the parent snapshot), when this image is a clone. */
  parent: ImageCtx | null = null;
  /** Set once the exclusive lock is wired in (image/open.ts). */
  lock: ImageLockState | null = null;
  /** The header watch (writable opens; image/lifecycle.ts). */
  watcher: ImageWatcher | null = null;
  /** The exclusive lock (exclusive-lock feature, writable head). */
  exclusiveLock: ExclusiveLock | null = null;
  /** A peer announced a header change; the next maintenance op refreshes first. */
  refreshPending = false;
  /** Set while the journal is open (journaling feature, lock held); null otherwise. */
  journal: ImageJournal | null = null;
  /** The write-around cache (rbd_cache, writearound policy) of an image opened for writing. */
  writeAround: WriteAroundCache | null = null;
  /** Set while the object map is open (object-map feature, lock held). */
  objectMap: ImageObjectMap | null = null;
  /** Set when the image was closed; further IO fails with ESHUTDOWN. */
  closed = false;
  /** Copy-ups running, by object number: a second writer waits for the first. */
  readonly copyupsInFlight = new Map<number, Promise<void>>();
  /** Writes and background copy-ups not yet finished (flush and lock release wait for them). */
  private readonly pendingWrites = new Set<Promise<unknown>>();
  /** Operations holding writes blocked (librbd's block_writes count). */
  private writeBlocks = 0;
  /** Settles when the last block is lifted; absent while writes flow. */
  private writeBlockLifted?: { promise: Promise<void>; resolve: () => void };

  constructor(o: ImageCtxOptions) {
    this.rados = o.rados;
    this.config = o.config;
    this.clock = o.clock ?? systemClock;
    this.mdIoCtx = o.mdIoCtx;
    this.dataIoCtx = o.mdIoCtx;
    this.name = o.name;
    this.id = o.id;
    this.headerOid = headerObjectName(o.id);
    this.readOnly = o.readOnly;
    this.snapName = o.snapName;
  }

  get layout(): ImageLayout {
    return this.header.layout;
  }

  get objectSize(): number {
    return this.header.layout.objectSize;
  }

  /** Features of the image (the header's; a snapshot shares them). */
  get features(): bigint {
    return this.header.features;
  }

  testFeatures(bits: bigint): boolean {
    return (this.header.features & bits) === bits;
  }

  /** True when this client must not write: opened read-only or at a snapshot. */
  get writeProtected(): boolean {
    return this.readOnly || this.snapId !== CEPH_NOSNAP;
  }

  /** `rbd_data.<id>.<%016x>` (or the data-pool form) of object `objectNo`. */
  objectName(objectNo: number): string {
    return dataObjectName(this.header.objectPrefix, objectNo);
  }

  /** The image size seen at `snapId` (CEPH_NOSNAP: the head). */
  sizeAt(snapId: bigint): number {
    if (snapId === CEPH_NOSNAP) return this.header.size;
    const snap = this.header.snaps.get(snapId);
    if (!snap) throw new CephError('ENOENT', `snapshot ${snapId} not found`);
    return snap.size;
  }

  /** RBD_FLAG_* of the head (CEPH_NOSNAP) or of a snapshot's object map, as last refreshed. */
  flagsAt(snapId: bigint): bigint {
    return snapId === CEPH_NOSNAP ? this.header.flags : (this.header.snaps.get(snapId)?.flags ?? 0n);
  }

  /** The current size: the open snapshot's, or the head's. */
  get size(): number {
    return this.sizeAt(this.snapId);
  }

  /** The parent link seen at `snapId`. */
  parentAt(snapId: bigint): ParentInfo | null {
    if (snapId === CEPH_NOSNAP) return this.header.parent;
    return this.header.snaps.get(snapId)?.parent ?? null;
  }

  /** Bytes of the image, at `snapId`, that still read through to the parent. */
  parentOverlapAt(snapId: bigint): number {
    const p = this.parentAt(snapId);
    if (!p) return 0;
    return Math.min(p.overlap, this.sizeAt(snapId));
  }

  /** The snap context data writes carry. */
  get snapContext(): { seq: bigint; snaps: bigint[] } {
    return { seq: this.header.snapSeq, snaps: this.header.snapIds };
  }

  snapIdByName(name: string, namespaceType: SnapshotNamespace['type'] = 'user'): bigint | undefined {
    for (const s of this.header.snaps.values()) {
      if (s.name === name && s.namespace.type === namespaceType) return s.id;
    }
    return undefined;
  }

  /** Throw EROFS when this client must not write (read-only open, or open at a snapshot). */
  assertWritable(): void {
    if (this.writeProtected) throw new CephError('EROFS', `image ${this.name} is read-only`);
  }

  /** Throw ESHUTDOWN after close. */
  assertOpen(): void {
    if (this.closed) throw new CephError('ESHUTDOWN', `image ${this.name} is closed`);
  }

  /**
   * An rbd_* option as this image sees it: a `conf_<name>` image-meta
   * override wins over the client's configuration.
   */
  option(
    name:
      | 'rbd_concurrent_management_ops'
      | 'rbd_clone_copy_on_read'
      | 'rbd_skip_partial_discard'
      | 'rbd_discard_granularity_bytes'
      | 'rbd_request_timed_out_seconds'
      | 'rbd_blocklist_on_break_lock'
      | 'rbd_blocklist_expire_seconds'
      | 'rbd_cache'
      | 'rbd_cache_max_dirty'
      | 'rbd_cache_writethrough_until_flush',
  ): number | boolean {
    const raw = this.header?.configOverrides.get(name);
    const base = this.config.get(name);
    if (raw === undefined) return base;
    if (typeof base === 'boolean') return raw === 'true' || raw === '1';
    const n = Number(raw);
    return Number.isFinite(n) ? n : base;
  }

  /** A string rbd_* option as this image sees it (`conf_<name>` image-meta first). */
  stringOption(name: 'rbd_cache_policy'): string {
    return this.header?.configOverrides.get(name) ?? this.config.get(name);
  }

  /** `rbd_concurrent_management_ops` for this image. */
  get concurrentManagementOps(): number {
    return Number(this.option('rbd_concurrent_management_ops'));
  }

  /** True when the object map feature is on. */
  objectMapUsable(): boolean {
    return this.testFeatures(RbdFeature.OBJECT_MAP);
  }

  /** Remember an in-flight write until it settles. */
  trackWrite(p: Promise<unknown>): void {
    this.pendingWrites.add(p);
    const forget = (): void => {
      this.pendingWrites.delete(p);
    };
    p.then(forget, forget);
  }

  /** Remember work started in the background (copy-on-read); its failure is only logged. */
  trackBackground(p: Promise<unknown>): void {
    this.trackWrite(p.catch(() => undefined));
  }

  /** True while an operation holds new writes back (snapshot create/rollback, resize). */
  get writesBlocked(): boolean {
    return this.writeBlocks > 0;
  }

  /** Settles when writes may flow again (at once when they are not blocked). */
  writesUnblocked(): Promise<void> {
    return this.writeBlockLifted?.promise ?? Promise.resolve();
  }

  /**
   * Run `body` with new writes held back and the writes already issued
   * finished first (librbd's block_writes … unblock_writes). Blocks nest: a
   * rollback that resizes holds writes until both are done.
   */
  async withWritesBlocked<T>(body: () => Promise<T>): Promise<T> {
    if (this.writeBlocks++ === 0) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.writeBlockLifted = { promise, resolve };
    }
    try {
      await this.drainWrites();
      return await body();
    } finally {
      if (--this.writeBlocks === 0) {
        this.writeBlockLifted?.resolve();
        this.writeBlockLifted = undefined;
      }
    }
  }

  /** Resolve once the writes tracked now have settled (later ones are not waited for). */
  async settleWritesSoFar(): Promise<void> {
    await Promise.allSettled([...this.pendingWrites]);
  }

  /** Resolve once every write tracked so far has settled. */
  async drainWrites(): Promise<void> {
    while (this.pendingWrites.size > 0) {
      await Promise.allSettled([...this.pendingWrites]);
    }
  }

  /** Read image bytes (used by a child reading through to this image as its parent). */
  readImage(offset: number, length: number, snapId = this.snapId): Promise<Buffer> {
    return readImage(this, offset, length, snapId);
  }
}
