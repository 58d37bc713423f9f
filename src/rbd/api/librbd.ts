/**
 * librbd's public API (include/rbd/librbd.hpp) over src/rbd: `Rados`-level
 * pool handles, `RBD` (pool-level image calls) and `Image` (an open image),
 * camelCase and Promise-returning. The `rbd` CLI is written against the same
 * shape (cli/rbd/librbd-api.ts); test/unit/rbd/api checks that they agree.
 *
 * Maintenance operations go through `runMaintenance`, the place where the
 * exclusive lock decides between running locally and forwarding to the owner.
 */
import type { Config } from '../../common/config.js';
import { CephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { Rados } from '../../rados/rados.js';
import type { IoCtx as RadosIoCtx } from '../../rados/io-ctx.js';
import { SNAP_LIMIT_NONE } from '../../cls/rbd/types.js';
import type { ImageCtx, SnapInfo } from '../image-ctx.js';
import { ProtectionStatus, RbdFeature } from '../constants.js';
import { refreshImage } from '../image/refresh.js';
import { closeImage, openImage } from '../image/open.js';
import { createImage, type CreateImageOptions } from '../image/create.js';
import { removeImage } from '../image/remove.js';
import {
  compareAndWriteImage,
  discardImage,
  flushImage,
  readImage,
  writeImage,
  writeSameImage,
} from '../io/image-io.js';
import { getNumObjects } from '../io/striper.js';
import { cloneImage } from '../operation/clone.js';
import { flattenImage } from '../operation/flatten.js';
import { resizeImage } from '../operation/resize.js';
import { snapshotCreate } from '../operation/snapshot-create.js';
import { snapshotRemove, snapshotRemoveById } from '../operation/snapshot-remove.js';
import { snapshotRename } from '../operation/snapshot-rename.js';
import { snapshotRollback } from '../operation/snapshot-rollback.js';
import { snapshotProtect } from '../operation/snapshot-protect.js';
import { snapshotUnprotect } from '../operation/snapshot-unprotect.js';
import { snapshotSetLimit } from '../operation/snapshot-limit.js';
import { copyImage } from './copy.js';
import { listImages } from './list.js';
import { trashGet, trashList, trashMove, trashRemove, trashRestore } from './trash.js';
import { listChildren, listDescendants } from './children.js';
import { diffIterate } from './diff-iterate.js';
import { breakLock, listLockers, lockExclusive, lockShared, unlockImage } from './advisory-lock.js';
import { listWatchers } from './watchers.js';
import { poolInit } from './pool-init.js';
import {
  executeMetadataRemove,
  executeMetadataSet,
  metadataGet,
  metadataList,
} from '../operation/metadata.js';
import { checkRenameDestination, executeRename } from '../operation/rename.js';
import { executeUpdateFeatures, resolveFeatureUpdate } from '../operation/update-features.js';
import { ObjectMap } from '../object-map/object-map.js';
import { objectMapImage } from '../image/lifecycle.js';

import { invokeAsyncRequest } from '../operation/invoke-async-request.js';
import { reserveAsyncRequestId, type ImageWatcher } from '../watcher/image-watcher.js';
import { enableImageLifecycle, refreshIfRequired } from '../image/lifecycle.js';

// Writable opens through this API watch the header and take part in the exclusive lock.
enableImageLifecycle();

export type Progress = (offset: number, total: number) => void;

export interface Timespec {
  sec: number;
  nsec: number;
}

const timespec = (ms: number): Timespec => ({
  sec: Math.floor(ms / 1000),
  nsec: Math.round((ms % 1000) * 1e6),
});

/** A pool (and namespace) handle as librbd's callers hold it. */
export class PoolHandle {
  constructor(readonly io: RadosIoCtx) {}

  get poolId(): number {
    return this.io.poolId;
  }

  get poolName(): string {
    return this.io.poolName;
  }

  get namespace(): string {
    return this.io.namespace;
  }

  withNamespace(namespace: string): PoolHandle {
    const io = this.io.dup();
    io.setNamespace(namespace);
    return new PoolHandle(io);
  }
}

/** librbd image options (RBD_IMAGE_OPTION_*) that create, clone, import and copy take. */
export interface ImageOptions {
  /** 1 or 2 (only 2 can be created). */
  format?: number;
  order?: number;
  features?: bigint;
  /** Features to drop from the default set (`--image-shared` with default features). */
  featuresClear?: bigint;
  stripeUnit?: number;
  stripeCount?: number;
  dataPool?: string;
  journalOrder?: number;
  journalSplayWidth?: number;
  journalPool?: string;
  /** copy / deep copy: flatten the destination. */
  flatten?: boolean;
  mirrorImageMode?: 'journal' | 'snapshot';
}

function createOptions(size: number, o: ImageOptions): CreateImageOptions {
  if (o.format !== undefined && o.format !== 2)
    throw new CephError('EINVAL', 'only format 2 images can be created');
  return {
    sizeBytes: size,
    features: o.features,
    featuresClear: o.featuresClear,
    order: o.order,
    stripeUnit: o.stripeUnit,
    stripeCount: o.stripeCount,
    dataPool: o.dataPool,
  };
}

/**
 * Run a maintenance operation the way librbd's `invoke_async_request` does:
 * locally (then tell the other watchers the header changed) when we own the
 * exclusive lock or the image has none, else forwarded to the owner.
 */
async function runMaintenance(
  ictx: ImageCtx,
  name: string,
  local: () => Promise<unknown>,
  remote: (watcher: ImageWatcher, requestId: bigint) => Promise<void>,
  o: { permitSnapshot?: boolean; filterErrors?: number[] } = {},
): Promise<void> {
  ictx.assertOpen();
  // One request id for every attempt: an owner that already ran it answers with the recorded result.
  const requestId = reserveAsyncRequestId();
  await invokeAsyncRequest(
    {
      readOnly: ictx.readOnly,
      isSnapshot: () => ictx.snapId !== CEPH_NOSNAP,
      exclusiveLock: () => ictx.exclusiveLock,
      hasImageWatcher: () => ictx.watcher !== null,
      refreshIfRequired: () => refreshIfRequired(ictx),
      handleUpdateNotification: () => {
        ictx.refreshPending = true;
      },
    },
    {
      name,
      permitSnapshot: o.permitSnapshot ?? false,
      filterErrors: o.filterErrors,
      local: async () => {
        await local();
        await ictx.watcher?.notifyHeaderUpdate();
      },
      remote: async () => {
        const watcher = ictx.watcher;
        if (!watcher) throw new CephError('EROFS', 'image is not watched');
        await remote(watcher, requestId);
      },
    },
  );
  await refreshIfRequired(ictx);
}

/** librbd::RBD bound to one cluster. */
export class RbdClient {
  constructor(readonly rados: Rados) {}

  private get config(): Config {
    return this.rados.config;
  }

  async open(
    pool: PoolHandle,
    name: string,
    snapName: string | null,
    readOnly: boolean,
  ): Promise<ImageHandle> {
    const ictx = await openImage(this.rados, pool.io, {
      name,
      snapName: snapName ?? undefined,
      readOnly: readOnly || snapName !== null,
    });
    return new ImageHandle(ictx, pool);
  }

  async openById(
    pool: PoolHandle,
    id: string,
    snapName: string | null,
    readOnly: boolean,
  ): Promise<ImageHandle> {
    const ictx = await openImage(this.rados, pool.io, {
      id,
      snapName: snapName ?? undefined,
      readOnly: readOnly || snapName !== null,
    });
    return new ImageHandle(ictx, pool);
  }

  async create4(pool: PoolHandle, name: string, size: number, o: ImageOptions): Promise<void> {
    await createImage(this.rados, pool.io, name, createOptions(size, o), this.config);
  }

  async clone3(
    parentPool: PoolHandle,
    parentName: string,
    parentSnapName: string,
    childPool: PoolHandle,
    childName: string,
    o: ImageOptions,
  ): Promise<void> {
    const { sizeBytes: _size, ...rest } = createOptions(0, o);
    void _size;
    await cloneImage(
      this.rados,
      parentPool.io,
      parentName,
      parentSnapName,
      childPool.io,
      childName,
      rest,
      this.config,
    );
  }

  async remove(pool: PoolHandle, name: string, progress: Progress): Promise<void> {
    if (this.config.get('rbd_move_to_trash_on_remove')) {
      await trashMove(
        this.rados,
        pool.io,
        name,
        Number(this.config.get('rbd_move_to_trash_on_remove_expire_seconds')),
      );
      return;
    }
    await removeImage(this.rados, pool.io, { name }, { progress, config: this.config });
  }

  list2(pool: PoolHandle): Promise<{ id: string; name: string }[]> {
    return listImages(pool.io);
  }

  async rename(pool: PoolHandle, srcName: string, destName: string): Promise<void> {
    const im = await this.open(pool, srcName, null, false);
    try {
      await checkRenameDestination(im.ictx, destName);
      await runMaintenance(
        im.ictx,
        'rename',
        () => executeRename(im.ictx, destName),
        (w, id) => w.notifyRename(id, destName),
      );
    } finally {
      await im.close();
    }
  }

  trashMove(pool: PoolHandle, name: string, delaySeconds: number): Promise<void> {
    return trashMove(this.rados, pool.io, name, delaySeconds);
  }

  trashGet(pool: PoolHandle, id: string) {
    return trashGet(pool.io, id);
  }

  trashList(pool: PoolHandle) {
    return trashList(pool.io);
  }

  trashRemove(pool: PoolHandle, id: string, force: boolean, progress: Progress): Promise<void> {
    return trashRemove(this.rados, pool.io, id, force, progress);
  }

  trashRestore(pool: PoolHandle, id: string, name: string): Promise<void> {
    return trashRestore(pool.io, id, name);
  }

  /** Namespaces live in `rbd_namespace` (a later issue); only the default one exists here. */
  async namespaceExists(_pool: PoolHandle, namespace: string): Promise<boolean> {
    return namespace === '';
  }

  poolInit(pool: PoolHandle, force: boolean): Promise<void> {
    return poolInit(this.rados, pool.io, force, this.config);
  }
}

/** librbd::Image: one open image. */
export class ImageHandle {
  constructor(
    readonly ictx: ImageCtx,
    readonly pool: PoolHandle,
  ) {}

  close(): Promise<void> {
    return closeImage(this.ictx);
  }

  async stat(): Promise<{
    size: number;
    objSize: number;
    numObjs: number;
    order: number;
    blockNamePrefix: string;
  }> {
    const i = this.ictx;
    return {
      size: i.size,
      objSize: i.objectSize,
      numObjs: getNumObjects(i.layout, i.size),
      order: i.header.order,
      blockNamePrefix: i.header.objectPrefix,
    };
  }

  async getId(): Promise<string> {
    return this.ictx.id;
  }

  getName(): string {
    return this.ictx.name;
  }

  getBlockNamePrefix(): string {
    return this.ictx.header.objectPrefix;
  }

  getDataPoolId(): number {
    return this.ictx.dataIoCtx.poolId;
  }

  async oldFormat(): Promise<boolean> {
    return false;
  }

  async getSize(): Promise<number> {
    return this.ictx.size;
  }

  async getFeatures(): Promise<bigint> {
    return this.ictx.features;
  }

  async getOpFeatures(): Promise<bigint> {
    return this.ictx.header.opFeatures;
  }

  async getFlags(): Promise<bigint> {
    return this.ictx.flagsAt(this.ictx.snapId);
  }

  getStripeUnit(): number {
    return this.ictx.layout.stripeUnit;
  }

  getStripeCount(): number {
    return this.ictx.layout.stripeCount;
  }

  async getCreateTimestamp(): Promise<Timespec> {
    return timespec(this.ictx.header.createTimestampMs);
  }

  async getAccessTimestamp(): Promise<Timespec> {
    return timespec(this.ictx.header.accessTimestampMs);
  }

  async getModifyTimestamp(): Promise<Timespec> {
    return timespec(this.ictx.header.modifyTimestampMs);
  }

  async getGroup(): Promise<{ pool: number; name: string }> {
    return { pool: -1, name: '' };
  }

  async getParent(): Promise<{
    image: {
      poolId: number;
      poolName: string;
      poolNamespace: string;
      imageId: string;
      imageName: string;
      trash: boolean;
    };
    snap: { id: bigint; namespaceType: 'user' | 'group' | 'trash' | 'mirror'; name: string };
  }> {
    const i = this.ictx;
    const info = i.parentAt(i.snapId);
    const parent = i.parent;
    if (!info || !parent) throw new CephError('ENOENT', 'image has no parent');
    const snap = parent.header.snaps.get(info.spec.snapId);
    const ns = snap?.namespace.type;
    return {
      image: {
        poolId: info.spec.poolId,
        poolName: parent.mdIoCtx.poolName,
        poolNamespace: info.spec.poolNamespace,
        imageId: info.spec.imageId,
        imageName: parent.name,
        trash: parent.name === '',
      },
      snap: {
        id: info.spec.snapId,
        namespaceType: ns === 'group' || ns === 'trash' || ns === 'mirror' ? ns : 'user',
        name: snap?.name ?? '',
      },
    };
  }

  async getOverlap(): Promise<number> {
    return this.ictx.parentOverlapAt(this.ictx.snapId);
  }

  async mirrorImageGetInfo(): Promise<{ globalId: string; state: 'disabled'; primary: boolean }> {
    return { globalId: '', state: 'disabled', primary: false };
  }

  resize(size: number, allowShrink: boolean, progress: Progress): Promise<void> {
    return runMaintenance(
      this.ictx,
      'resize',
      () => resizeImage(this.ictx, size, allowShrink, progress),
      (w, id) => w.notifyResize(id, BigInt(size), allowShrink, progress),
    );
  }

  flatten(progress: Progress): Promise<void> {
    return runMaintenance(
      this.ictx,
      'flatten',
      () => flattenImage(this.ictx, { progress }),
      (w, id) => w.notifyFlatten(id, progress),
    );
  }

  // ------------------------------------------------------------------ snapshots

  async snapList(): Promise<{ id: bigint; size: number; name: string }[]> {
    // Every namespace, as librbd's snap_list: callers filter (`rbd snap ls` without --all shows user ones).
    return [...this.ictx.header.snaps.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((s) => ({ id: s.id, size: s.size, name: s.name }));
  }

  async snapExists(name: string): Promise<boolean> {
    return this.ictx.snapIdByName(name) !== undefined;
  }

  async snapCreate(name: string, flags: number, progress: Progress): Promise<void> {
    await runMaintenance(
      this.ictx,
      'snap_create',
      () => snapshotCreate(this.ictx, name, {}, progress),
      (w, id) => w.notifySnapCreate(id, { type: 'user' }, name, BigInt(flags), progress),
    );
  }

  async snapRemove(name: string, _flags: number, progress: Progress): Promise<void> {
    await runMaintenance(
      this.ictx,
      'snap_remove',
      () => snapshotRemove(this.ictx, name, { type: 'user' }, progress),
      (w, id) => w.notifySnapRemove(id, { type: 'user' }, name),
    );
  }

  async snapRemoveById(snapId: bigint): Promise<void> {
    const snap = this.ictx.header.snaps.get(snapId);
    if (!snap) throw new CephError('ENOENT', `snapshot ${snapId} not found`);
    await runMaintenance(
      this.ictx,
      'snap_remove',
      () => snapshotRemoveById(this.ictx, snapId),
      (w, id) => w.notifySnapRemove(id, snap.namespace, snap.name),
    );
  }

  snapRename(srcName: string, destName: string): Promise<void> {
    const snapId = this.ictx.snapIdByName(srcName);
    return runMaintenance(
      this.ictx,
      'snap_rename',
      () => snapshotRename(this.ictx, srcName, destName),
      (w, id) => w.notifySnapRename(id, snapId ?? CEPH_NOSNAP, destName),
    );
  }

  snapRollback(name: string, progress: Progress): Promise<void> {
    // Rollback is never forwarded: librbd takes the lock for it (blocking writers meanwhile).
    return runMaintenance(
      this.ictx,
      'snap_rollback',
      () => snapshotRollback(this.ictx, name, { type: 'user' }, progress),
      async () => {
        await this.ictx.exclusiveLock?.acquireLock({ explicit: true });
        throw new CephError('ERESTART', 'lock acquired: run locally');
      },
    );
  }

  snapProtect(name: string): Promise<void> {
    return runMaintenance(
      this.ictx,
      'snap_protect',
      () => snapshotProtect(this.ictx, name),
      (w, id) => w.notifySnapProtect(id, { type: 'user' }, name),
    );
  }

  snapUnprotect(name: string): Promise<void> {
    return runMaintenance(
      this.ictx,
      'snap_unprotect',
      () => snapshotUnprotect(this.ictx, name),
      (w, id) => w.notifySnapUnprotect(id, { type: 'user' }, name),
    );
  }

  async snapIsProtected(name: string): Promise<boolean> {
    const id = this.ictx.snapIdByName(name);
    if (id === undefined) throw new CephError('ENOENT', `snapshot ${name} not found`);
    return this.ictx.header.snaps.get(id)!.protectionStatus === ProtectionStatus.PROTECTED;
  }

  async snapGetLimit(): Promise<bigint> {
    const l = this.ictx.header.snapLimit;
    return l === undefined ? SNAP_LIMIT_NONE : BigInt(l);
  }

  snapSetLimit(limit: bigint): Promise<void> {
    // snap limit is not a forwarded notify op in Pacific: it is set directly on the header.
    return snapshotSetLimit(this.ictx, limit >= SNAP_LIMIT_NONE ? undefined : limit);
  }

  async snapGetTimestamp(snapId: bigint): Promise<Timespec> {
    const s = this.ictx.header.snaps.get(snapId);
    if (!s) throw new CephError('ENOENT', `snapshot ${snapId} not found`);
    return timespec(s.timestampMs);
  }

  private snapOrThrow(snapId: bigint): SnapInfo {
    const s = this.ictx.header.snaps.get(snapId);
    if (!s) throw new CephError('ENOENT', `snapshot ${snapId} not found`);
    return s;
  }

  async snapGetNamespaceType(snapId: bigint): Promise<'user' | 'group' | 'trash' | 'mirror'> {
    const t = this.snapOrThrow(snapId).namespace.type;
    return t === 'unknown' ? 'user' : t;
  }

  async snapGetGroupNamespace(
    snapId: bigint,
  ): Promise<{ groupPool: number; groupName: string; groupSnapName: string }> {
    const ns = this.snapOrThrow(snapId).namespace;
    if (ns.type !== 'group') throw new CephError('EINVAL', 'not a group snapshot');
    // Group names live in rbd_group_directory (groups are a later issue): report the ids.
    return { groupPool: ns.groupPool, groupName: ns.groupId, groupSnapName: ns.groupSnapshotId };
  }

  async snapGetTrashNamespace(
    snapId: bigint,
  ): Promise<{ originalName: string; originalNamespaceType: 'user' | 'group' | 'trash' | 'mirror' }> {
    const ns = this.snapOrThrow(snapId).namespace;
    if (ns.type !== 'trash') throw new CephError('EINVAL', 'not a trash snapshot');
    const names = ['user', 'group', 'trash', 'mirror'] as const;
    return {
      originalName: ns.originalName,
      originalNamespaceType: names[ns.originalSnapshotNamespaceType] ?? 'user',
    };
  }

  async snapGetMirrorNamespace(snapId: bigint): Promise<{
    state: 'primary' | 'non-primary' | 'primary-demoted' | 'non-primary-demoted';
    complete: boolean;
    mirrorPeerUuids: string[];
    primaryMirrorUuid: string;
    primarySnapId: bigint;
    lastCopiedObjectNumber: number;
  }> {
    const ns = this.snapOrThrow(snapId).namespace;
    if (ns.type !== 'mirror') throw new CephError('EINVAL', 'not a mirror snapshot');
    const states = ['primary', 'primary-demoted', 'non-primary', 'non-primary-demoted'] as const;
    return {
      state: states[ns.state] ?? 'primary',
      complete: ns.complete,
      mirrorPeerUuids: ns.mirrorPeerUuids,
      primaryMirrorUuid: ns.primaryMirrorUuid,
      primarySnapId: ns.primarySnapId,
      lastCopiedObjectNumber: ns.lastCopiedObjectNumber,
    };
  }

  async snapSetById(snapId: bigint | null): Promise<void> {
    if (snapId === null) return this.snapSet(null);
    const s = this.snapOrThrow(snapId);
    this.ictx.snapId = s.id;
    this.ictx.snapName = s.name;
  }

  async snapSet(name: string | null): Promise<void> {
    if (name === null) {
      this.ictx.snapId = CEPH_NOSNAP;
      this.ictx.snapName = undefined;
      return;
    }
    const id = this.ictx.snapIdByName(name);
    if (id === undefined) throw new CephError('ENOENT', `snapshot ${name} not found`);
    this.ictx.snapId = id;
    this.ictx.snapName = name;
  }

  // ------------------------------------------------------------------ features, object map, metadata

  async updateFeatures(features: bigint, enabled: boolean): Promise<void> {
    const wanted = resolveFeatureUpdate(this.ictx.features, features, enabled);
    await runMaintenance(
      this.ictx,
      'update_features',
      () => executeUpdateFeatures(this.ictx, wanted, enabled),
      (w, id) => w.notifyUpdateFeatures(id, wanted, enabled),
    );
  }

  private async objectMapFor(): Promise<{ map: ObjectMap; opened: boolean }> {
    const current = this.ictx.objectMap;
    if (current instanceof ObjectMap) return { map: current, opened: false };
    if ((this.ictx.features & RbdFeature.OBJECT_MAP) === 0n) {
      throw new CephError('EINVAL', 'image must support object-map feature');
    }
    return { map: new ObjectMap(objectMapImage(this.ictx), this.ictx.snapId), opened: true };
  }

  rebuildObjectMap(progress: Progress): Promise<void> {
    return runMaintenance(
      this.ictx,
      'rebuild_object_map',
      async () => {
        const { map, opened } = await this.objectMapFor();
        if (opened) await map.open();
        try {
          await map.rebuild({ progress });
        } finally {
          if (opened) await map.close();
        }
      },
      (w, id) => w.notifyRebuildObjectMap(id, progress),
      { permitSnapshot: true },
    );
  }

  async checkObjectMap(progress: Progress): Promise<void> {
    const { map, opened } = await this.objectMapFor();
    if (opened) await map.open();
    try {
      await map.check(progress);
    } finally {
      if (opened) await map.close();
    }
    await refreshImage(this.ictx);
  }

  metadataGet(key: string): Promise<string> {
    return metadataGet(this.ictx, key);
  }

  metadataList(start: string, max: number): Promise<Map<string, string>> {
    return metadataList(this.ictx, start, max);
  }

  metadataSet(key: string, value: string): Promise<void> {
    return runMaintenance(
      this.ictx,
      'metadata_set',
      () => executeMetadataSet(this.ictx, key, value),
      (w, id) => w.notifyMetadataSet(id, key, value),
      { permitSnapshot: false },
    );
  }

  metadataRemove(key: string): Promise<void> {
    return runMaintenance(
      this.ictx,
      'metadata_remove',
      () => executeMetadataRemove(this.ictx, key),
      (w, id) => w.notifyMetadataRemove(id, key),
    );
  }

  // ------------------------------------------------------------------ clones, diff

  listChildren() {
    return listChildren(this.ictx);
  }

  listDescendants() {
    return listDescendants(this.ictx);
  }

  diffIterate(
    fromSnapName: string | null,
    offset: number,
    length: number,
    includeParent: boolean,
    wholeObject: boolean,
    callback: (offset: number, length: number, exists: boolean) => void | Promise<void>,
  ): Promise<void> {
    return diffIterate(this.ictx, { fromSnapName, offset, length, includeParent, wholeObject }, callback);
  }

  // ------------------------------------------------------------------ locks and watchers

  async lockAcquire(mode: 'exclusive' | 'shared'): Promise<void> {
    if (mode !== 'exclusive') throw new CephError('EOPNOTSUPP', 'only exclusive managed locks');
    const lock = this.ictx.exclusiveLock;
    if (!lock) throw new CephError('EINVAL', 'image does not support exclusive lock');
    await lock.acquireLock({ explicit: true });
  }

  async lockRelease(): Promise<void> {
    const lock = this.ictx.exclusiveLock;
    if (!lock) throw new CephError('EINVAL', 'image does not support exclusive lock');
    await lock.releaseLock();
  }

  async lockGetOwners(): Promise<{ mode: 'exclusive' | 'shared'; owners: string[] }> {
    await refreshImage(this.ictx);
    return { mode: 'exclusive', owners: this.ictx.header.lockOwners.map((o) => o.entity) };
  }

  async lockBreak(_mode: 'exclusive' | 'shared', owner: string): Promise<void> {
    const locker = this.ictx.header.lockOwners.find((o) => o.entity === owner);
    if (!locker) throw new CephError('ENOENT', `${owner} does not own the lock`);
    await breakLock(this.ictx, owner, locker.cookie);
  }

  listLockers() {
    return listLockers(this.ictx);
  }

  lockExclusive(cookie: string): Promise<void> {
    return lockExclusive(this.ictx, cookie);
  }

  lockShared(cookie: string, tag: string): Promise<void> {
    return lockShared(this.ictx, cookie, tag);
  }

  unlock(cookie: string): Promise<void> {
    return unlockImage(this.ictx, cookie);
  }

  breakLock(client: string, cookie: string): Promise<void> {
    return breakLock(this.ictx, client, cookie);
  }

  listWatchers() {
    return listWatchers(this.ictx);
  }

  async isExclusiveLockOwner(): Promise<boolean> {
    return this.ictx.exclusiveLock?.isLockOwner() ?? false;
  }

  // ------------------------------------------------------------------ IO

  /** `read2`: `opFlags` are LIBRADOS_OP_FLAG_* hints for the object reads. */
  read(offset: number, length: number, opFlags = 0): Promise<Buffer> {
    return readImage(this.ictx, offset, length, this.ictx.snapId, opFlags);
  }

  /** `write2`: `opFlags` are LIBRADOS_OP_FLAG_* hints for the object writes. */
  async write(offset: number, data: Buffer, opFlags = 0): Promise<void> {
    await writeImage(this.ictx, offset, data, opFlags);
  }

  async discard(offset: number, length: number): Promise<void> {
    await discardImage(this.ictx, offset, length);
  }

  async writeSame(offset: number, length: number, pattern: Buffer): Promise<void> {
    await writeSameImage(this.ictx, offset, length, pattern);
  }

  async compareAndWrite(offset: number, compare: Buffer, data: Buffer): Promise<void> {
    await compareAndWriteImage(this.ictx, offset, compare, data);
  }

  flush(): Promise<void> {
    return flushImage(this.ictx, 'user');
  }

  async copy(
    dest: PoolHandle,
    destName: string,
    o: ImageOptions,
    sparseSize: number,
    progress: Progress,
  ): Promise<void> {
    await copyImage(this.ictx, dest.io, destName, createOptions(this.ictx.size, o), sparseSize, progress);
  }
}

/** A connected cluster (librados::Rados) with librbd on it. */
export class RadosClient {
  readonly rbd: RbdClient;

  constructor(readonly rados: Rados) {
    this.rbd = new RbdClient(rados);
  }

  async ioCtx(poolName: string): Promise<PoolHandle> {
    return new PoolHandle(await this.rados.ioCtx(poolName));
  }

  async ioCtxById(poolId: number): Promise<PoolHandle> {
    return new PoolHandle(await this.rados.ioCtx(poolId));
  }

  instanceId(): bigint {
    return this.rados.instanceId;
  }

  async watch(
    pool: PoolHandle,
    oid: string,
    onNotify: (n: { notifyId: bigint; cookie: bigint; notifierId: bigint; payload: Buffer }) => void,
    onError?: (errno: number) => void,
  ): Promise<bigint> {
    return pool.io.watch(oid, {
      onNotify: (e) =>
        onNotify({ notifyId: e.notifyId, cookie: e.cookie, notifierId: e.notifierGid, payload: e.payload }),
      onError: (err) => onError?.((err as CephError).errno ?? -5),
    });
  }

  unwatch(cookie: bigint): Promise<void> {
    return this.rados.objecter.unwatch(cookie);
  }

  async notifyAck(pool: PoolHandle, oid: string, notifyId: bigint, cookie: bigint): Promise<void> {
    await pool.io.notifyAck(oid, notifyId, cookie);
  }

  shutDown(): Promise<void> {
    return this.rados.shutDown();
  }
}

/** How the `rbd` CLI connects (LibrbdConnector). */
export const librbdConnector = {
  async connect(config: Config): Promise<RadosClient> {
    return new RadosClient(await Rados.connect(config));
  },
};
