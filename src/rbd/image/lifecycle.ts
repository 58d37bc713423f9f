/**
 * What a writable open image runs besides IO (librbd ImageCtx's image
 * watcher, exclusive lock and object map, wired as librbd's OpenRequest and
 * ExclusiveLock pre/post hooks do):
 *
 *   open:  REGISTER_WATCH (image watcher on rbd_header.<id>)
 *          → [exclusive-lock feature: create the ExclusiveLock (not acquired yet)]
 *   acquire (first write / maintenance op):  lock → REFRESH if pending
 *          → [object-map feature: OPEN_OBJECT_MAP] → notify ACQUIRED_LOCK
 *   release (a peer asked, or close):  FLUSH writes → CLOSE_OBJECT_MAP → unlock
 *   close: SHUT_DOWN lock (releases it) → UNREGISTER_WATCH
 *
 * Header updates from peers only mark the image; the next maintenance op or
 * explicit refresh re-reads it (`refreshIfRequired`). Requests forwarded to
 * us run the same local operations the api layer runs for our own callers.
 */
import { CephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import * as cls from '../../cls/rbd/client.js';
import { ExclusiveLock } from '../exclusive-lock/exclusive-lock.js';
import { ImageWatcher, imageWatcherConfig, type RemoteOperationHandler } from '../watcher/image-watcher.js';
import { radosHeaderIo } from '../watcher/header-io.js';
import { ObjectMap } from '../object-map/object-map.js';
import type { ObjectMapImage } from '../object-map/image.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { flattenImage } from '../operation/flatten.js';
import { resizeImage } from '../operation/resize.js';
import { snapshotCreate } from '../operation/snapshot-create.js';
import { snapshotRemove } from '../operation/snapshot-remove.js';
import { snapshotRename } from '../operation/snapshot-rename.js';
import { snapshotProtect } from '../operation/snapshot-protect.js';
import { snapshotUnprotect } from '../operation/snapshot-unprotect.js';
import { refreshImage } from './refresh.js';
import { setImageLifecycleHooks } from './open.js';

/** The image as the object map sees it. */
export function objectMapImage(ictx: ImageCtx): ObjectMapImage {
  return {
    headerIoCtx: ictx.mdIoCtx,
    dataIoCtx: ictx.dataIoCtx,
    imageId: ictx.id,
    objectPrefix: ictx.header.objectPrefix,
    get layout() {
      return ictx.layout;
    },
    get features() {
      return ictx.features;
    },
    sizeAt: (snapId) => ictx.sizeAt(snapId),
    snapIds: () => ictx.header.snapIds,
    flagsAt: (snapId) => ictx.flagsAt(snapId),
    updateFlags: async (snapId, flags, mask) => {
      await cls.setFlagsOn(ictx.mdIoCtx, ictx.headerOid, snapId, flags, mask);
      if (snapId === CEPH_NOSNAP) ictx.header.flags = (ictx.header.flags & ~mask) | (flags & mask);
      else {
        const snap = ictx.header.snaps.get(snapId);
        if (snap) snap.flags = (snap.flags & ~mask) | (flags & mask);
      }
    },
    concurrentManagementOps: ictx.concurrentManagementOps,
  };
}

/** The local operations a lock owner runs for peers that forwarded them. */
function remoteOperations(ictx: ImageCtx): RemoteOperationHandler {
  const after = async <T>(p: Promise<T>): Promise<void> => {
    await p;
    await ictx.watcher?.notifyHeaderUpdate();
  };
  return {
    flatten: (progress) => after(flattenImage(ictx, { progress })),
    resize: (size, allowShrink, progress) => after(resizeImage(ictx, Number(size), allowShrink, progress)),
    snapCreate: (ns, name, _flags, progress) =>
      after(snapshotCreate(ictx, name, { namespace: ns }, progress)),
    snapRemove: (ns, name) => after(snapshotRemove(ictx, name, ns)),
    snapRename: async (snapId, newName) => {
      const snap = ictx.header.snaps.get(snapId);
      if (!snap) throw new CephError('ENOENT', `snapshot ${snapId} not found`);
      await after(snapshotRename(ictx, snap.name, newName));
    },
    snapProtect: (ns, name) => after(snapshotProtect(ictx, name, ns)),
    snapUnprotect: (ns, name) => after(snapshotUnprotect(ictx, name, ns)),
    rebuildObjectMap: async (progress) => {
      const map = ictx.objectMap;
      if (!(map instanceof ObjectMap)) throw new CephError('EINVAL', 'image does not have an object map');
      await map.rebuild({ progress });
      await ictx.watcher?.notifyHeaderUpdate();
    },
  };
}

async function openObjectMap(ictx: ImageCtx): Promise<void> {
  if (!ictx.testFeatures(RbdFeature.OBJECT_MAP) || ictx.objectMap) return;
  const map = new ObjectMap(objectMapImage(ictx));
  await map.open();
  ictx.objectMap = map;
}

async function closeObjectMap(ictx: ImageCtx): Promise<void> {
  const map = ictx.objectMap;
  ictx.objectMap = null;
  if (map instanceof ObjectMap) await map.close();
}

async function onOpen(ictx: ImageCtx): Promise<void> {
  const io = radosHeaderIo(ictx.rados, ictx.mdIoCtx);
  const watcher = new ImageWatcher({
    io,
    oid: ictx.headerOid,
    clock: ictx.clock,
    ...imageWatcherConfig(ictx.config),
    host: {
      handleHeaderUpdate: () => {
        ictx.refreshPending = true;
      },
      refreshIfRequired: () => refreshIfRequired(ictx),
    },
  });
  watcher.setOperations(remoteOperations(ictx));
  await watcher.init();
  ictx.watcher = watcher;
  if (!ictx.testFeatures(RbdFeature.EXCLUSIVE_LOCK)) return;
  const lock = new ExclusiveLock({
    io,
    oid: ictx.headerOid,
    watcher,
    clock: ictx.clock,
    blocklistOnBreakLock: ictx.option('rbd_blocklist_on_break_lock') === true,
    blocklistExpireSeconds: Number(ictx.option('rbd_blocklist_expire_seconds')),
    hooks: {
      postAcquire: async () => {
        await refreshIfRequired(ictx);
        await openObjectMap(ictx);
      },
      preRelease: async () => {
        await ictx.drainWrites();
        await closeObjectMap(ictx);
      },
    },
  });
  lock.init();
  watcher.setLock(lock);
  ictx.exclusiveLock = lock;
  ictx.lock = lock;
}

async function onClose(ictx: ImageCtx): Promise<void> {
  const lock = ictx.exclusiveLock;
  if (lock) {
    await lock.shutDown();
    ictx.exclusiveLock = null;
    ictx.lock = null;
  }
  await closeObjectMap(ictx);
  const watcher = ictx.watcher;
  ictx.watcher = null;
  if (watcher) await watcher.shutDown();
}

/** Re-read the header when a peer said it changed. */
export async function refreshIfRequired(ictx: ImageCtx): Promise<void> {
  if (!ictx.refreshPending) return;
  ictx.refreshPending = false;
  await refreshImage(ictx);
}

/** Install the wiring for every image opened writable from now on. */
export function enableImageLifecycle(): void {
  setImageLifecycleHooks({ onOpen, onClose });
}
