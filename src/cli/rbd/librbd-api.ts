/**
 * The librbd the `rbd` command needs, as TypeScript interfaces: Ceph's C++ API
 * (include/rbd/librbd.hpp — `librados::Rados`/`IoCtx` for the pool,
 * `librbd::RBD` for pool-level image operations, `librbd::Image` for an open
 * image) in camelCase and Promise-returning.
 *
 * Conventions:
 * * Failures reject with an error carrying a negative `errno` (CephError:
 *   ENOENT, EEXIST, EBUSY, EINVAL, EROFS, ENOTEMPTY …); the CLI prints
 *   `cpp_strerror` of it and exits with its absolute value.
 * * Sizes, offsets and counts are `number` (safe integers); snapshot ids are
 *   `bigint`; feature, op-feature and flag masks are `bigint`.
 * * Long operations take a `Progress` callback `(offset, total) => void`,
 *   librbd's ProgressContext::update_progress.
 * * Timestamps are `{ sec, nsec }` (struct timespec).
 *
 * src/rbd/ implements it over librados; test/unit/cli/rbd/fake-librbd.ts is
 * an in-memory implementation for the CLI's own tests.
 */
import type { Config } from '../../common/config.js';

/** ProgressContext::update_progress(offset, total). */
export type Progress = (offset: number, total: number) => void;

/** struct timespec. */
export interface Timespec {
  sec: number;
  nsec: number;
}

/** A pool opened for images, in a namespace ("" for the default one): librados::IoCtx. */
export interface IoCtx {
  readonly poolId: number;
  readonly poolName: string;
  readonly namespace: string;
  /** The same pool in another namespace (IoCtx::dup + set_namespace). */
  withNamespace(namespace: string): IoCtx;
}

/** What a header-object watch delivers (librados WatchCtx2::handle_notify). */
export interface WatchNotification {
  notifyId: bigint;
  cookie: bigint;
  notifierId: bigint;
  payload: Buffer;
}

/** A connected cluster: librados::Rados after connect(). */
export interface RadosClient {
  /** ioctx_create: rejects ENOENT when the pool does not exist. */
  ioCtx(poolName: string): Promise<IoCtx>;
  /** ioctx_create2: rejects ENOENT when no pool has that id. */
  ioCtxById(poolId: number): Promise<IoCtx>;
  /** This client's global id (client.<gid>), as lockers and watchers show it. */
  instanceId(): bigint;
  /** librbd::RBD bound to this cluster. */
  readonly rbd: Rbd;
  /**
   * Watch an object (rbd watch on the image header): IoCtx::watch2. Returns the
   * watch cookie; `onError` gets the watch's errors.
   */
  watch(
    ioCtx: IoCtx,
    oid: string,
    onNotify: (n: WatchNotification) => void,
    onError?: (errno: number) => void,
  ): Promise<bigint>;
  unwatch(cookie: bigint): Promise<void>;
  /** IoCtx::notify_ack with an empty reply. */
  notifyAck(ioCtx: IoCtx, oid: string, notifyId: bigint, cookie: bigint): Promise<void>;
  shutDown(): Promise<void>;
}

/** How the CLI gets a cluster: init_with_context + connect. */
export interface LibrbdConnector {
  /** Rejects (e.g. ETIMEDOUT, ENOENT) when the cluster cannot be reached. */
  connect(config: Config): Promise<RadosClient>;
}

/** librbd image options (RBD_IMAGE_OPTION_*): librbd's own type. */
import type { ImageOptions } from '../../rbd/api/librbd.js';
export type { ImageOptions };

/** `RBD::list2` entry (image_spec_t). */
export interface ImageSpec {
  id: string;
  name: string;
}

/** trash_image_source_t. */
export type TrashSource = 'user' | 'mirroring' | 'migration' | 'removing' | 'user_parent';

/** `trash_image_info_t`; times are seconds since the epoch. */
export interface TrashImageInfo {
  id: string;
  name: string;
  source: TrashSource;
  deletionTime: number;
  defermentEndTime: number;
}

/** librbd::RBD (pool-level calls). Every call takes the pool (and namespace) as an IoCtx. */
export interface Rbd {
  /** open / open_read_only (snapName: open at that snapshot). ENOENT when missing. */
  open(ioCtx: IoCtx, name: string, snapName: string | null, readOnly: boolean): Promise<Image>;
  /** open_by_id / open_by_id_read_only. */
  openById(ioCtx: IoCtx, id: string, snapName: string | null, readOnly: boolean): Promise<Image>;
  /** list2: every image of the pool/namespace (format 1 ones have an empty id). */
  list2(ioCtx: IoCtx): Promise<ImageSpec[]>;
  create4(ioCtx: IoCtx, name: string, size: number, opts: ImageOptions): Promise<void>;
  clone3(
    parentIoCtx: IoCtx,
    parentName: string,
    parentSnapName: string,
    childIoCtx: IoCtx,
    childName: string,
    opts: ImageOptions,
  ): Promise<void>;
  /** remove_with_progress (ENOTEMPTY with snapshots, EBUSY while watched or with clones). */
  remove(ioCtx: IoCtx, name: string, progress: Progress): Promise<void>;
  rename(ioCtx: IoCtx, srcName: string, destName: string): Promise<void>;
  /** trash_move: `delaySeconds` until the image may be removed. */
  trashMove(ioCtx: IoCtx, name: string, delaySeconds: number): Promise<void>;
  trashGet(ioCtx: IoCtx, id: string): Promise<TrashImageInfo>;
  trashList(ioCtx: IoCtx): Promise<TrashImageInfo[]>;
  /** trash_remove_with_progress (EPERM before the deferment end unless forced). */
  trashRemove(ioCtx: IoCtx, id: string, force: boolean, progress: Progress): Promise<void>;
  trashRestore(ioCtx: IoCtx, id: string, name: string): Promise<void>;
  /** namespace_exists. */
  namespaceExists(ioCtx: IoCtx, namespace: string): Promise<boolean>;
  /** pool_init: tag the pool for rbd and validate it (force: even if another application owns it). */
  poolInit(ioCtx: IoCtx, force: boolean): Promise<void>;
}

/** `image_info_t` as `Image::stat` fills it. */
export interface ImageStat {
  size: number;
  objSize: number;
  numObjs: number;
  order: number;
  blockNamePrefix: string;
}

/** `snap_info_t`. */
export interface SnapInfo {
  id: bigint;
  size: number;
  name: string;
}

/** snap_namespace_type_t. */
export type SnapNamespaceType = 'user' | 'group' | 'trash' | 'mirror';

/** snap_group_namespace_t. */
export interface SnapGroupNamespace {
  groupPool: number;
  groupName: string;
  groupSnapName: string;
}

/** snap_mirror_namespace_t. */
export interface SnapMirrorNamespace {
  state: 'primary' | 'non-primary' | 'primary-demoted' | 'non-primary-demoted';
  complete: boolean;
  mirrorPeerUuids: string[];
  primaryMirrorUuid: string;
  primarySnapId: bigint;
  lastCopiedObjectNumber: number;
}

/** linked_image_spec_t (list_children3 / list_descendants / get_parent). */
export interface LinkedImageSpec {
  poolId: number;
  poolName: string;
  poolNamespace: string;
  imageId: string;
  imageName: string;
  trash: boolean;
}

/** snap_spec_t. */
export interface SnapSpec {
  id: bigint;
  namespaceType: SnapNamespaceType;
  name: string;
}

/** Image::get_parent. */
export interface ParentInfo {
  image: LinkedImageSpec;
  snap: SnapSpec;
}

/** locker_t plus list_lockers' exclusive flag and tag. */
export interface Lockers {
  exclusive: boolean;
  tag: string;
  lockers: { client: string; cookie: string; address: string }[];
}

/** image_watcher_t. */
export interface ImageWatcher {
  addr: string;
  id: bigint;
  cookie: bigint;
}

/** mirror_image_info_t. */
export interface MirrorImageInfo {
  globalId: string;
  state: 'disabling' | 'enabled' | 'disabled';
  primary: boolean;
}

/** group_info_t (pool -1: not in a group). */
export interface ImageGroupInfo {
  pool: number;
  name: string;
}

/** rbd_lock_mode_t. */
export type LockMode = 'exclusive' | 'shared';

/** snap_remove2 / snap_create2 flags (RBD_SNAP_REMOVE_*, RBD_SNAP_CREATE_*). */
export const SnapRemoveFlag = { UNPROTECT: 1, FLATTEN: 2, FORCE: 3 } as const;
export const SnapCreateFlag = { SKIP_QUIESCE: 1, IGNORE_QUIESCE_ERROR: 2 } as const;

/** librbd::Image: one open image (at its head or a snapshot). */
export interface Image {
  close(): Promise<void>;

  stat(): Promise<ImageStat>;
  getId(): Promise<string>;
  getName(): string;
  getBlockNamePrefix(): string;
  /** The data pool's id (the image's own pool without --data-pool). */
  getDataPoolId(): number;
  oldFormat(): Promise<boolean>;
  getSize(): Promise<number>;
  getFeatures(): Promise<bigint>;
  getOpFeatures(): Promise<bigint>;
  /** RBD_FLAG_OBJECT_MAP_INVALID (1), RBD_FLAG_FAST_DIFF_INVALID (2). */
  getFlags(): Promise<bigint>;
  getStripeUnit(): number;
  getStripeCount(): number;
  getCreateTimestamp(): Promise<Timespec>;
  getAccessTimestamp(): Promise<Timespec>;
  getModifyTimestamp(): Promise<Timespec>;
  getGroup(): Promise<ImageGroupInfo>;
  /** Rejects ENOENT when the image has no parent. */
  getParent(): Promise<ParentInfo>;
  /** The parent overlap at the open snapshot (0 without a parent). */
  getOverlap(): Promise<number>;
  mirrorImageGetInfo(): Promise<MirrorImageInfo>;

  updateFeatures(features: bigint, enabled: boolean): Promise<void>;
  resize(size: number, allowShrink: boolean, progress: Progress): Promise<void>;
  flatten(progress: Progress): Promise<void>;
  rebuildObjectMap(progress: Progress): Promise<void>;
  /** Verifies the object map; a wrong one is flagged invalid (getFlags) rather than rejected. */
  checkObjectMap(progress: Progress): Promise<void>;

  // snapshots
  snapList(): Promise<SnapInfo[]>;
  snapExists(name: string): Promise<boolean>;
  snapCreate(name: string, flags: number, progress: Progress): Promise<void>;
  snapRemove(name: string, flags: number, progress: Progress): Promise<void>;
  snapRemoveById(snapId: bigint): Promise<void>;
  snapRename(srcName: string, destName: string): Promise<void>;
  snapRollback(name: string, progress: Progress): Promise<void>;
  snapProtect(name: string): Promise<void>;
  snapUnprotect(name: string): Promise<void>;
  snapIsProtected(name: string): Promise<boolean>;
  /** UINT64_MAX (as a bigint) when no limit is set. */
  snapGetLimit(): Promise<bigint>;
  snapSetLimit(limit: bigint): Promise<void>;
  snapGetTimestamp(snapId: bigint): Promise<Timespec>;
  snapGetNamespaceType(snapId: bigint): Promise<SnapNamespaceType>;
  snapGetGroupNamespace(snapId: bigint): Promise<SnapGroupNamespace>;
  snapGetTrashNamespace(
    snapId: bigint,
  ): Promise<{ originalName: string; originalNamespaceType: SnapNamespaceType }>;
  snapGetMirrorNamespace(snapId: bigint): Promise<SnapMirrorNamespace>;
  /** Read at this snapshot from now on (null: the head). */
  snapSet(name: string | null): Promise<void>;
  snapSetById(snapId: bigint | null): Promise<void>;

  // clones
  /** list_children3: the clones of the open snapshot (or of every snapshot at the head). */
  listChildren(): Promise<LinkedImageSpec[]>;
  listDescendants(): Promise<LinkedImageSpec[]>;

  // I/O (aio_* as Promises)
  /** `opFlags`: LIBRADOS_OP_FLAG_* (fadvise hints), as `read2`/`write2` take them. */
  read(offset: number, length: number, opFlags?: number): Promise<Buffer>;
  write(offset: number, data: Buffer, opFlags?: number): Promise<void>;
  discard(offset: number, length: number): Promise<void>;
  writeSame(offset: number, length: number, pattern: Buffer): Promise<void>;
  /** Rejects EILSEQ with `mismatchOffset` on the error when the compare fails. */
  compareAndWrite(offset: number, compare: Buffer, data: Buffer): Promise<void>;
  flush(): Promise<void>;
  /**
   * diff_iterate2: extents changed since `fromSnapName` (null: since creation)
   * in order; `exists` false for a discarded/zeroed extent.
   */
  diffIterate(
    fromSnapName: string | null,
    offset: number,
    length: number,
    includeParent: boolean,
    wholeObject: boolean,
    callback: (offset: number, length: number, exists: boolean) => void | Promise<void>,
  ): Promise<void>;

  // locks
  lockAcquire(mode: LockMode): Promise<void>;
  lockRelease(): Promise<void>;
  lockGetOwners(): Promise<{ mode: LockMode; owners: string[] }>;
  lockBreak(mode: LockMode, owner: string): Promise<void>;
  isExclusiveLockOwner(): Promise<boolean>;
  /** Advisory (cls_lock) locks: list_lockers, lock_exclusive, lock_shared, unlock, break_lock. */
  listLockers(): Promise<Lockers>;
  lockExclusive(cookie: string): Promise<void>;
  lockShared(cookie: string, tag: string): Promise<void>;
  unlock(cookie: string): Promise<void>;
  breakLock(client: string, cookie: string): Promise<void>;
  listWatchers(): Promise<ImageWatcher[]>;

  // metadata
  metadataGet(key: string): Promise<string>;
  metadataSet(key: string, value: string): Promise<void>;
  metadataRemove(key: string): Promise<void>;
  /** metadata_list from `start` (exclusive), at most `max` pairs (0: all). */
  metadataList(start: string, max: number): Promise<Map<string, string>>;

  /** copy_with_progress4: a new image `destName` with this image's data. */
  copy(
    destIoCtx: IoCtx,
    destName: string,
    opts: ImageOptions,
    sparseSize: number,
    progress: Progress,
  ): Promise<void>;
}
