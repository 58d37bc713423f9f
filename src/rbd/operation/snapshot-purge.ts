/**
 * Remove every unprotected user snapshot (`rbd snap purge`, the loop of the
 * rbd tool's do_purge_snaps over librbd's snap_remove).
 *
 *   <start> → list user snapshots (id order) → set the protected ones aside
 *           → for each other one, oldest first: SNAPSHOT_REMOVE (snapshot-remove.ts;
 *             one with clone v2 children is moved to the trash namespace)
 *             progress (removed, removed + protected) after each
 *           → <finish> with what was removed and what was kept
 *
 * Protected snapshots stay. Real Pacific prints "rbd: error removing
 * snapshot(s) '…', which is protected …" yet exits 0; the caller decides from
 * `protectedNames` (the CLI prints that line; `throwIfProtected` turns it into EBUSY).
 */
import { CephError } from '../../common/errors.js';
import type { ImageCtx } from '../image-ctx.js';
import { snapshotList } from './snapshot-list.js';
import {
  snapshotRemoveById,
  type SnapshotRemoveOptions,
  type SnapshotRemoveResult,
} from './snapshot-remove.js';

export interface SnapshotPurgeResult {
  /** Removed (or trashed) snapshots, in the order they went. */
  removed: { id: bigint; name: string; result: SnapshotRemoveResult }[];
  /** Protected snapshots left in place, by name, in id order. */
  protectedNames: string[];
}

export interface SnapshotPurgeOptions extends SnapshotRemoveOptions {
  /** Fail with EBUSY at the end when protected snapshots were left. */
  throwIfProtected?: boolean;
}

export async function snapshotPurge(
  ictx: ImageCtx,
  progress?: (offset: number, total: number) => void,
  o: SnapshotPurgeOptions = {},
): Promise<SnapshotPurgeResult> {
  ictx.assertOpen();
  ictx.assertWritable();
  const snaps = await snapshotList(ictx);
  const keep = snaps.filter((s) => s.protected);
  const remove = snaps.filter((s) => !s.protected);
  const total = remove.length + keep.length;
  const out: SnapshotPurgeResult = { removed: [], protectedNames: keep.map((s) => s.name) };
  for (const s of remove) {
    const result = await snapshotRemoveById(ictx, s.id, undefined, o);
    out.removed.push({ id: s.id, name: s.name, result });
    progress?.(out.removed.length, total);
  }
  if (o.throwIfProtected && keep.length > 0) {
    throw new CephError('EBUSY', `snapshot(s) ${out.protectedNames.join(', ')} are protected`);
  }
  return out;
}
