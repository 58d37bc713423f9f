/**
 * The clones of an image (librbd api/Image.cc `list_children` /
 * `list_descendants`; `rbd children [--all] [--descendants]`).
 *
 * For each parent snapshot (the open one, or every snapshot at the head):
 *   <start> → [no layering feature: none]
 *           → CLONE_V1: every pool that is not a cache tier, in the parent's
 *             namespace: `get_children` on rbd_children → [descend into each]
 *           → CLONE_V2: `children_list` on the parent's header for the snapshot
 *             → [descend into each, unless the level limit is reached]
 *           → RESOLVE_NAMES (grouped by pool + namespace: dir_list names, then the
 *             trash — a trashed child is flagged, a half-removed one is not;
 *             an id found nowhere: ENOENT; a pool gone: empty names)
 *           → SORT (pool name, pool id, namespace, image name, image id) → <finish>
 *
 * Descending into a child reads its header (features, snapshots) and lists
 * its own snapshots' clones; a child whose header is gone is skipped.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import * as cls from '../../cls/rbd/client.js';
import { TrashImageSource, compareStrings, type ParentImageSpec } from '../../cls/rbd/types.js';
import { RBD_CHILDREN, RbdFeature, headerObjectName } from '../constants.js';
import type { ImageCtx } from '../image-ctx.js';
import { listImagesV2, listTrashSpecs } from './list.js';

/** `linked_image_spec_t`. */
export interface LinkedImageSpec {
  poolId: number;
  poolName: string;
  poolNamespace: string;
  imageId: string;
  imageName: string;
  /** The child sits in the trash. */
  trash: boolean;
}

/** The image a listing starts from: where it lives, its features and which snapshots to look at. */
interface ParentView {
  rados: Rados;
  ioctx: IoCtx;
  id: string;
  features: bigint;
  snapIds: bigint[];
}

/** `list_children3`: direct clones of the open snapshot (every snapshot at the head). */
export async function listChildren(ictx: ImageCtx): Promise<LinkedImageSpec[]> {
  const images: LinkedImageSpec[] = [];
  await listForImage(viewOf(ictx), 1, images);
  return images;
}

/** `list_descendants`: clones, their clones and so on (`maxLevel` levels; undefined: all). */
export async function listDescendants(ictx: ImageCtx, maxLevel?: number): Promise<LinkedImageSpec[]> {
  const images: LinkedImageSpec[] = [];
  await listForImage(viewOf(ictx), maxLevel, images);
  return images;
}

/** `list_children` for one parent snapshot given by spec (what clone v1 removal and flatten use). */
export async function listChildrenOfSnapshot(
  ictx: ImageCtx,
  parent: ParentImageSpec,
): Promise<LinkedImageSpec[]> {
  const images: LinkedImageSpec[] = [];
  await listForSpec(viewOf(ictx), parent, 1, images);
  return images;
}

function viewOf(ictx: ImageCtx): ParentView {
  return {
    rados: ictx.rados,
    ioctx: ictx.mdIoCtx,
    id: ictx.id,
    features: ictx.features,
    snapIds: ictx.snapId !== CEPH_NOSNAP ? [ictx.snapId] : ictx.header.snapIds,
  };
}

async function listForImage(
  view: ParentView,
  maxLevel: number | undefined,
  images: LinkedImageSpec[],
): Promise<void> {
  for (const snapId of view.snapIds) {
    const spec: ParentImageSpec = {
      poolId: view.ioctx.poolId,
      poolNamespace: view.ioctx.namespace,
      imageId: view.id,
      snapId,
    };
    await listForSpec(view, spec, maxLevel, images);
  }
}

/** A descendant by id: read just what the walk needs from its header (absent: nothing below it). */
async function listForImageId(
  rados: Rados,
  ioctx: IoCtx,
  id: string,
  maxLevel: number | undefined,
  images: LinkedImageSpec[],
): Promise<void> {
  const oid = headerObjectName(id);
  let features: bigint;
  let snapIds: bigint[];
  try {
    features = (await cls.getFeatures(ioctx, oid, true)).features;
    snapIds = (await cls.getSnapContext(ioctx, oid)).snaps;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return;
    throw err;
  }
  await listForImage({ rados, ioctx, id, features, snapIds }, maxLevel, images);
}

async function openPool(rados: Rados, poolId: number, namespace: string): Promise<IoCtx | undefined> {
  try {
    const io = await rados.ioCtx(poolId);
    io.setNamespace(namespace);
    return io;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return undefined;
    throw err;
  }
}

async function listForSpec(
  view: ParentView,
  parent: ParentImageSpec,
  maxLevel: number | undefined,
  images: LinkedImageSpec[],
): Promise<void> {
  if (maxLevel === 0) return;
  const childLevel = maxLevel === undefined ? undefined : maxLevel - 1;
  if ((view.features & RbdFeature.LAYERING) === 0n) return;
  const { rados } = view;

  // clone v1: rbd_children of every base pool, in the parent's namespace
  for (const pool of await rados.poolList()) {
    const info = rados.objecter.osdmap.getPool(pool.id);
    if (!info) continue;
    if (info.tierOf >= 0 && info.tierOf !== pool.id) continue;
    const io = await openPool(rados, pool.id, view.ioctx.namespace);
    if (!io) continue;
    let ids: string[] = [];
    try {
      ids = await cls.getChildren(io, RBD_CHILDREN, parent);
    } catch (err) {
      if (!isCephError(err, 'ENOENT')) throw err;
    }
    for (const id of ids) {
      images.push(unresolved(pool.id, view.ioctx.namespace, id));
      await listForImageId(rados, io, id, childLevel, images);
    }
  }

  // clone v2: the parent header's children of this snapshot
  const parentIo = await openPool(rados, parent.poolId, parent.poolNamespace);
  if (!parentIo) return;
  let children: Awaited<ReturnType<typeof cls.childrenList>> = [];
  try {
    children = await cls.childrenList(parentIo, headerObjectName(parent.imageId), parent.snapId);
  } catch (err) {
    if (!isCephError(err, 'ENOENT') && !isCephError(err, 'EOPNOTSUPP')) throw err;
  }
  for (const child of children) {
    images.push(unresolved(child.poolId, child.poolNamespace, child.imageId));
    if (childLevel === undefined || childLevel > 0) {
      const io = await openPool(rados, child.poolId, child.poolNamespace);
      if (!io) continue;
      await listForImageId(rados, io, child.imageId, childLevel, images);
    }
  }

  await resolveNames(rados, images);
  images.sort(compareLinked);
}

function unresolved(poolId: number, poolNamespace: string, imageId: string): LinkedImageSpec {
  return { poolId, poolName: '', poolNamespace, imageId, imageName: '', trash: false };
}

/** Names and trash flags, looked up one pool + namespace at a time. */
async function resolveNames(rados: Rados, images: LinkedImageSpec[]): Promise<void> {
  images.sort((a, b) => a.poolId - b.poolId || compareStrings(a.poolNamespace, b.poolNamespace));
  let io: IoCtx | undefined;
  let byId = new Map<string, { name: string; trash: boolean }>();
  for (const image of images) {
    if (!io || io.poolId !== image.poolId || io.namespace !== image.poolNamespace) {
      const next = await openPool(rados, image.poolId, image.poolNamespace);
      if (!next) {
        image.poolName = '';
        image.imageName = '';
        continue;
      }
      io = next;
      byId = new Map();
      for (const [name, id] of await listImagesV2(io))
        if (!byId.has(id)) byId.set(id, { name, trash: false });
      for (const [id, spec] of await listTrashSpecs(io, false)) {
        if (!byId.has(id))
          byId.set(id, { name: spec.name, trash: spec.source !== TrashImageSource.REMOVING });
      }
    }
    const hit = byId.get(image.imageId);
    if (!hit) {
      const where = io.poolName + (image.poolNamespace === '' ? '' : `/${image.poolNamespace}`);
      throw new CephError('ENOENT', `error looking up name for image id ${image.imageId} in pool ${where}`);
    }
    image.poolName = io.poolName;
    image.imageName = hit.name;
    image.trash = hit.trash;
  }
}

/** librbd's final order: pool name, pool id, namespace, image name, image id. */
export function compareLinked(a: LinkedImageSpec, b: LinkedImageSpec): number {
  return (
    compareStrings(a.poolName, b.poolName) ||
    a.poolId - b.poolId ||
    compareStrings(a.poolNamespace, b.poolNamespace) ||
    compareStrings(a.imageName, b.imageName) ||
    compareStrings(a.imageId, b.imageId)
  );
}
