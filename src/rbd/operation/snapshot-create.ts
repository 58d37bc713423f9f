/**
 * Create a snapshot (librbd/operation/SnapshotCreateRequest.cc, the local
 * half of Operations::snap_create run by the exclusive lock owner).
 *
 *   <start> → EROFS / EEXIST checks → [NOTIFY_QUIESCE: not yet, see below]
 *           → BLOCK_WRITES (drain in-flight writes)
 *           → ALLOCATE_SNAP_ID (self-managed snap id in the DATA pool)
 *           → SNAPSHOT_ADD (header; the class stamps size, parent, time and
 *             enforces the snapshot limit: EDQUOT)
 *               ESTALE (lost a race with another snap id) → ALLOCATE_SNAP_ID again
 *               other error → RELEASE_SNAP_ID → throw
 *           → [object-map feature and not skipped: CREATE_OBJECT_MAP
 *              (snapshot-object-map.ts); an error is thrown after the refresh]
 *           → UNBLOCK_WRITES → REFRESH → <finish>
 *
 * Not done here: quiesce/unquiesce notifications to watchers (no quiesce
 * hooks exist yet — the `rbd snap create --skip-quiesce` behaviour), the
 * journal op event, and the image state of primary mirror snapshots.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import type { SnapshotNamespace } from '../../cls/rbd/types.js';
import { RbdFeature } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { findSnapshotId } from './snapshot-list.js';
import { objectMapSnapshotAdd } from './snapshot-object-map.js';

/** How many times a lost snap-id race (ESTALE) is retried before giving up. */
export const SNAP_CREATE_MAX_ESTALE_RETRIES = 32;

export interface SnapshotCreateOptions {
  /** Default: the user namespace. */
  namespace?: SnapshotNamespace;
  /** `SNAP_CREATE_FLAG_SKIP_OBJECT_MAP`: do not snapshot the object map. */
  skipObjectMap?: boolean;
}

/** Create snapshot `name`; resolves with its id once the header is refreshed. */
export async function snapshotCreate(
  ictx: ImageCtx,
  name: string,
  o: SnapshotCreateOptions = {},
  progress?: (offset: number, total: number) => void,
): Promise<bigint> {
  const namespace = o.namespace ?? { type: 'user' };
  ictx.assertOpen();
  ictx.assertWritable();
  if (findSnapshotId(ictx, name, namespace) !== undefined) {
    throw new CephError('EEXIST', `snapshot ${name} of image ${ictx.name} already exists`);
  }

  // New writes wait and those in flight finish first, so the snapshot holds exactly the writes
  // completed before it (crash-consistent), as librbd's block_writes makes it.
  const snapId = await ictx.withWritesBlocked(async () => {
    const id = await addSnapshot(ictx, name, namespace);
    let objectMapError: unknown;
    if (ictx.testFeatures(RbdFeature.OBJECT_MAP) && !o.skipObjectMap) {
      try {
        await objectMapSnapshotAdd(ictx, id);
      } catch (err) {
        // Like librbd: the snapshot exists (its map is flagged invalid); report the failure.
        objectMapError = err;
      }
    }
    // Writes resume only once the image's snap context includes the new snapshot.
    await refreshImage(ictx);
    if (objectMapError !== undefined) throw objectMapError;
    return id;
  });
  progress?.(1, 1);
  return snapId;
}

/** ALLOCATE_SNAP_ID → SNAPSHOT_ADD, retrying a lost race; releases the id on any other failure. */
async function addSnapshot(ictx: ImageCtx, name: string, namespace: SnapshotNamespace): Promise<bigint> {
  for (let attempt = 0; ; attempt++) {
    const snapId = await ictx.dataIoCtx.selfManagedSnapCreate();
    const op = new ObjectWriteOperation();
    cls.snapshotAdd(op, snapId, name, namespace);
    try {
      await ictx.mdIoCtx.operate(ictx.headerOid, op);
      return snapId;
    } catch (err) {
      // ESTALE: another client's newer snapshot raised snap_seq past our id. librbd simply
      // asks for a new id; the stale one is left allocated, as librbd leaves it.
      if (isCephError(err, 'ESTALE') && attempt < SNAP_CREATE_MAX_ESTALE_RETRIES) continue;
      await releaseSnapId(ictx, snapId, err);
      throw err;
    }
  }
}

/** RELEASE_SNAP_ID after a failed SNAPSHOT_ADD: the original error is what the caller sees. */
async function releaseSnapId(ictx: ImageCtx, snapId: bigint, cause: unknown): Promise<void> {
  try {
    await ictx.dataIoCtx.selfManagedSnapRemove(snapId);
  } catch (err) {
    // The add already failed; a leaked id only costs the pool a removed_snaps entry later.
    if (cause instanceof Error) cause.message += ` (and releasing snap id ${snapId} failed: ${String(err)})`;
  }
}
