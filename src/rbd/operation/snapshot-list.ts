/**
 * Listing and looking up snapshots (librbd/api/Snapshot.cc, internal.cc
 * snap_list / snap_get_*_namespace), from the header the last refresh read.
 *
 *   <start> → [refresh: optional, `refresh: true`] → collect from ictx.header
 *           → [not all: keep the user namespace only] → sort by id → <finish>
 *
 * `rbd snap ls` shows user snapshots; `rbd snap ls --all` adds the group,
 * trash and mirror namespaces with their details.
 */
import { CephError } from '../../common/errors.js';
import {
  ProtectionStatus,
  snapshotNamespaceType,
  snapshotNamespaceTypeName,
  type SnapshotNamespace,
} from '../../cls/rbd/types.js';
import { refreshImage } from '../image/refresh.js';
import type { ImageCtx, SnapInfo } from '../image-ctx.js';

/** One row of `rbd snap ls [--all]`. */
export interface SnapshotListEntry {
  id: bigint;
  /** For a trash snapshot, the random name the class gave it (its `originalName` is the user's). */
  name: string;
  /** Image size at the snapshot, bytes. */
  size: number;
  /** True only when PROTECTED (UNPROTECTING counts as not protected, as in librbd). */
  protected: boolean;
  protectionStatus: number;
  /** Creation time, ms since the epoch. */
  timestampMs: number;
  namespace: SnapshotNamespace;
  /** `user`, `group`, `trash`, `mirror` or `unknown`. */
  namespaceType: string;
  /** Set for a trash snapshot: what it was before `snap rm` moved it there. */
  trash?: { originalName: string; originalNamespaceType: string };
  /** Clone v2 children attached to it. */
  childCount: number;
}

export interface SnapshotListOptions {
  /** Every namespace (`--all`), not only user snapshots. */
  all?: boolean;
  /** Refresh the header first (librbd's refresh_if_required). */
  refresh?: boolean;
}

export async function snapshotList(
  ictx: ImageCtx,
  o: SnapshotListOptions = {},
): Promise<SnapshotListEntry[]> {
  ictx.assertOpen();
  if (o.refresh) await refreshImage(ictx);
  const out: SnapshotListEntry[] = [];
  for (const s of ictx.header.snaps.values()) {
    if (!o.all && s.namespace.type !== 'user') continue;
    out.push(listEntry(s));
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function listEntry(s: SnapInfo): SnapshotListEntry {
  const e: SnapshotListEntry = {
    id: s.id,
    name: s.name,
    size: s.size,
    protected: s.protectionStatus === ProtectionStatus.PROTECTED,
    protectionStatus: s.protectionStatus,
    timestampMs: s.timestampMs,
    namespace: s.namespace,
    namespaceType: snapshotNamespaceTypeName(snapshotNamespaceType(s.namespace)),
    childCount: s.childCount,
  };
  if (s.namespace.type === 'trash') {
    e.trash = {
      originalName: s.namespace.originalName,
      originalNamespaceType: snapshotNamespaceTypeName(s.namespace.originalSnapshotNamespaceType),
    };
  }
  return e;
}

/** `SnapshotNamespace::operator==`: same type and the same fields. */
export function sameSnapshotNamespace(a: SnapshotNamespace, b: SnapshotNamespace): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'user':
      return true;
    case 'group': {
      const g = b as typeof a;
      return (
        a.groupPool === g.groupPool && a.groupId === g.groupId && a.groupSnapshotId === g.groupSnapshotId
      );
    }
    case 'trash': {
      const t = b as typeof a;
      return (
        a.originalName === t.originalName &&
        a.originalSnapshotNamespaceType === t.originalSnapshotNamespaceType
      );
    }
    case 'mirror': {
      const m = b as typeof a;
      return (
        a.state === m.state &&
        a.complete === m.complete &&
        a.primaryMirrorUuid === m.primaryMirrorUuid &&
        a.primarySnapId === m.primarySnapId &&
        a.lastCopiedObjectNumber === m.lastCopiedObjectNumber &&
        [...a.mirrorPeerUuids].sort().join('\0') === [...m.mirrorPeerUuids].sort().join('\0') &&
        a.snapSeqs.size === m.snapSeqs.size &&
        [...a.snapSeqs].every(([k, v]) => m.snapSeqs.get(k) === v)
      );
    }
    case 'unknown': {
      const u = b as typeof a;
      return a.typeCode === u.typeCode && a.raw.equals(u.raw);
    }
  }
}

/**
 * librbd's `get_snap_id(namespace, name)`: the snapshot with this name in
 * this namespace, or undefined. A trash snapshot matches by its (random) name
 * and any trash namespace, so callers may pass `{type:'trash', …}` loosely.
 */
export function findSnapshotId(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
): bigint | undefined {
  for (const s of ictx.header.snaps.values()) {
    if (s.name !== name) continue;
    if (
      namespace.type === 'trash'
        ? s.namespace.type === 'trash'
        : sameSnapshotNamespace(s.namespace, namespace)
    )
      return s.id;
  }
  return undefined;
}

/** The snapshot's info, or ENOENT. */
export function snapInfoOrThrow(ictx: ImageCtx, snapId: bigint): SnapInfo {
  const s = ictx.header.snaps.get(snapId);
  if (!s) throw new CephError('ENOENT', `snapshot ${snapId} of image ${ictx.name} not found`);
  return s;
}

/** The id of a snapshot by name and namespace, or ENOENT. */
export function snapIdOrThrow(
  ictx: ImageCtx,
  name: string,
  namespace: SnapshotNamespace = { type: 'user' },
): bigint {
  const id = findSnapshotId(ictx, name, namespace);
  if (id === undefined) throw new CephError('ENOENT', `snapshot ${name} of image ${ictx.name} not found`);
  return id;
}
