/**
 * Remove a snapshot (librbd/operation/SnapshotRemoveRequest.cc, with the
 * checks of Operations::execute_snap_remove), run by the exclusive lock owner.
 *
 *   <start> → ENOENT / EBUSY (protected) checks
 *           → [not already in the trash namespace: TRASH_SNAP (snapshot_trash_add:
 *              the snapshot becomes trash-namespaced under a random name, op feature
 *              SNAP_TRASH set); EOPNOTSUPP (old OSD) → DETACH_CHILD]
 *           → GET_SNAP (child_count: clone v2 children attached?)
 *           → DETACH_CHILD when this snapshot was the image's last link to its
 *             parent (snapshot-detach-child.ts)
 *           → [clone v2 children: stop — the snapshot stays in the trash
 *              namespace ("trashed"); it was already trashed before → EBUSY]
 *           → [object-map feature: REMOVE_OBJECT_MAP (snapshot-object-map.ts)]
 *           → RELEASE_SNAP_ID (data pool; ENOENT ok) → REMOVE_SNAP (snapshot_remove)
 *           → REFRESH → <finish>
 *
 * Removing a trash-namespace snapshot by id (`snapshotRemoveById`) is what
 * the last clone's removal does on its parent.
 */
import { CephError, isCephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import {
  ProtectionStatus,
  parentImageSpecExists,
  type ParentImageSpec,
  type SnapshotNamespace,
} from '../../cls/rbd/types.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { detachChild, type DetachChildOptions } from './snapshot-detach-child.js';
import { snapIdOrThrow, snapInfoOrThrow } from './snapshot-list.js';
import { objectMapSnapshotRemove } from './snapshot-object-map.js';

/** `removed`: gone. `trashed`: clone v2 children still use it, so it moved to the trash namespace. */
export type SnapshotRemoveResult = 'removed' | 'trashed';

export type SnapshotRemoveOptions = DetachChildOptions;

/** Remove snapshot `name` of `namespace` (default: user). */
export async function snapshotRemove(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
  progress?: (offset: number, total: number) => void,
  o: SnapshotRemoveOptions = {},
): Promise<SnapshotRemoveResult> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snapId = snapIdOrThrow(ictx, name, namespace);
  return removeSnapshot(ictx, snapId, progress, o);
}

/** Remove a snapshot by id, whatever its namespace (`rbd snap rm --snap-id`, trash cleanup). */
export async function snapshotRemoveById(
  ictx: ImageCtx,
  snapId: bigint,
  progress?: (offset: number, total: number) => void,
  o: SnapshotRemoveOptions = {},
): Promise<SnapshotRemoveResult> {
  ictx.assertOpen();
  ictx.assertWritable();
  return removeSnapshot(ictx, snapId, progress, o);
}

async function removeSnapshot(
  ictx: ImageCtx,
  snapId: bigint,
  progress: ((offset: number, total: number) => void) | undefined,
  o: SnapshotRemoveOptions,
): Promise<SnapshotRemoveResult> {
  const snap = snapInfoOrThrow(ictx, snapId);
  if (snap.protectionStatus === ProtectionStatus.PROTECTED) {
    throw new CephError('EBUSY', `snapshot ${snap.name} of image ${ictx.name} is protected`);
  }
  await ictx.drainWrites();

  let trashedNow = false;
  let trashSupported = true;
  if (snap.namespace.type !== 'trash') {
    try {
      await cls.snapshotTrashAddOn(ictx.mdIoCtx, ictx.headerOid, snapId);
      trashedNow = true;
    } catch (err) {
      if (isCephError(err, 'EOPNOTSUPP')) trashSupported = false;
      else if (isCephError(err, 'EEXIST')) trashedNow = true;
      else throw err;
    }
  }

  let childAttached = false;
  if (trashSupported) {
    const info = await cls.snapshotGet(ictx.mdIoCtx, ictx.headerOid, snapId);
    childAttached = info.childCount > 0;
  }

  if (isLastParentLink(ictx, snapId)) {
    await detachChild(ictx, o);
  }

  if (childAttached) {
    await refreshImage(ictx);
    if (trashedNow) return 'trashed';
    throw new CephError('EBUSY', `snapshot ${snapId} of image ${ictx.name} still has clones`);
  }

  if (ictx.testFeatures(RbdFeature.OBJECT_MAP)) {
    await objectMapSnapshotRemove(ictx, snapId);
  }

  try {
    await ictx.dataIoCtx.selfManagedSnapRemove(snapId);
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  await cls.snapshotRemoveOn(ictx.mdIoCtx, ictx.headerOid, snapId);
  await refreshImage(ictx);
  progress?.(1, 1);
  return 'removed';
}

/**
 * True when the snapshot links to a parent the head no longer uses and no
 * other snapshot does either (librbd's detach_child + scan_for_parents).
 */
export function isLastParentLink(ictx: ImageCtx, snapId: bigint): boolean {
  const ours = ictx.header.snaps.get(snapId)?.parent?.spec;
  if (!ours || !parentImageSpecExists(ours)) return false;
  const head = ictx.header.parent?.spec;
  if (head && sameParentSpec(head, ours)) return false;
  for (const [id, s] of ictx.header.snaps) {
    if (id !== snapId && s.parent && sameParentSpec(s.parent.spec, ours)) return false;
  }
  return true;
}

export function sameParentSpec(a: ParentImageSpec, b: ParentImageSpec): boolean {
  return (
    a.poolId === b.poolId &&
    a.poolNamespace === b.poolNamespace &&
    a.imageId === b.imageId &&
    a.snapId === b.snapId
  );
}
