/**
 * Unlink a clone from its parent snapshot (librbd/image/DetachChildRequest.cc):
 * what removing a clone's last parent-referencing snapshot (or the clone
 * itself) must do on the parent's side.
 *
 *   <start> → parent spec of the oldest snapshot, else of the head
 *           → [none: <finish>]
 *           → clone v1 (no CLONE_CHILD op feature):
 *               REMOVE_CHILD from rbd_children in the clone's pool (ENOENT ok) → <finish>
 *           → clone v2: CHILD_DETACH on the parent header (ENOENT ok)
 *               → GET_SNAPSHOT of the parent snapshot
 *               → [in the trash namespace and no children left:
 *                  OPEN_PARENT → REMOVE_TRASH_SNAPSHOT (ENOENT ok) → CLOSE_PARENT]
 *               → <finish>
 *
 * A failure to remove the trashed parent snapshot does not fail the detach
 * (the clone is already unlinked); it is returned so the caller can report it.
 */
import { isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import * as cls from '../../cls/rbd/client.js';
import { parentImageSpecExists, type ParentImageSpec } from '../../cls/rbd/types.js';
import { RBD_CHILDREN, RbdOperationFeature, headerObjectName } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { closeImage, openImage } from '../image/open.js';
// A cycle (snapshot-remove detaches children): only functions cross it, called after load.
import { snapshotRemoveById } from './snapshot-remove.js';

export interface DetachChildOptions {
  /**
   * How to remove the parent's trashed snapshot once no clone uses it; the
   * default runs `snapshotRemoveById` locally on the opened parent. The lead
   * routes it through the parent's exclusive lock owner.
   */
  removeTrashSnapshot?: (parent: ImageCtx, snapId: bigint) => Promise<void>;
}

export interface DetachChildResult {
  /** The parent the clone was unlinked from (undefined: it had none). */
  parent?: ParentImageSpec;
  /** True when the parent's trashed snapshot was removed with this last child. */
  trashSnapshotRemoved: boolean;
  /** Why removing the trashed parent snapshot failed, when it did. */
  trashSnapshotError?: unknown;
}

/** The parent spec librbd detaches from: the oldest snapshot's, else the head's. */
export function detachParentSpec(ictx: ImageCtx): ParentImageSpec | undefined {
  let oldest: bigint | undefined;
  for (const id of ictx.header.snaps.keys()) if (oldest === undefined || id < oldest) oldest = id;
  const spec = oldest !== undefined ? ictx.header.snaps.get(oldest)!.parent?.spec : ictx.header.parent?.spec;
  return spec && parentImageSpecExists(spec) ? spec : undefined;
}

export async function detachChild(ictx: ImageCtx, o: DetachChildOptions = {}): Promise<DetachChildResult> {
  const spec = detachParentSpec(ictx);
  if (!spec) return { trashSnapshotRemoved: false };
  if ((ictx.header.opFeatures & RbdOperationFeature.CLONE_CHILD) === 0n) {
    await ignoreEnoent(cls.removeChildOn(ictx.mdIoCtx, RBD_CHILDREN, legacySpec(spec), ictx.id));
    return { parent: spec, trashSnapshotRemoved: false };
  }

  const parentIo =
    spec.poolId === ictx.mdIoCtx.poolId ? ictx.mdIoCtx.dup() : await ictx.rados.ioCtx(spec.poolId);
  parentIo.setNamespace(spec.poolNamespace);
  parentIo.setReadSnap(CEPH_NOSNAP);
  const parentHeader = headerObjectName(spec.imageId);
  await ignoreEnoent(
    cls.childDetachOn(parentIo, parentHeader, spec.snapId, {
      poolId: ictx.mdIoCtx.poolId,
      poolNamespace: ictx.mdIoCtx.namespace,
      imageId: ictx.id,
    }),
  );

  let info;
  try {
    info = await cls.snapshotGet(parentIo, parentHeader, spec.snapId);
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return { parent: spec, trashSnapshotRemoved: false };
    throw err;
  }
  if (info.snapshotNamespace.type !== 'trash' || info.childCount > 0) {
    return { parent: spec, trashSnapshotRemoved: false };
  }

  try {
    const parent = await openImage(ictx.rados, parentIo, { id: spec.imageId, config: ictx.config });
    try {
      if (o.removeTrashSnapshot) {
        await o.removeTrashSnapshot(parent, spec.snapId);
      } else {
        await snapshotRemoveById(parent, spec.snapId);
      }
    } finally {
      await closeImage(parent);
    }
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return { parent: spec, trashSnapshotRemoved: true };
    return { parent: spec, trashSnapshotRemoved: false, trashSnapshotError: err };
  }
  return { parent: spec, trashSnapshotRemoved: true };
}

/** rbd_children keys have no namespace (clone v1 predates them). */
function legacySpec(spec: ParentImageSpec): ParentImageSpec {
  return { ...spec, poolNamespace: '' };
}

async function ignoreEnoent(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
}
