/**
 * What the object map needs from an open image (ImageCtx implements it),
 * and the small RADOS helpers every object-map request shares.
 */
import { isCephError } from '../../common/errors.js';
import { setFlagsOn, objectMapLoad } from '../../cls/rbd/client.js';
import { RBD_HEADER_PREFIX } from '../../cls/rbd/types.js';
import type { IoCtx, WriteOptions } from '../../rados/io-ctx.js';
import type { FileLayout } from '../io/striper.js';
import { BitVector } from './bit-vector.js';
import { invalidFlagsFor, objectMapName, ObjectMapFlag } from './types.js';

/** The image as the object map sees it. */
export interface ObjectMapImage {
  /** Where the header and the object maps live (librbd's md_ctx; no snap context). */
  headerIoCtx: IoCtx;
  /** Where the data objects live (rebuild and check list their snapshots). */
  dataIoCtx: IoCtx;
  imageId: string;
  /** Data object prefix, e.g. `rbd_data.<id>`. */
  objectPrefix: string;
  layout: FileLayout;
  features: bigint;
  /** Image size at a version (CEPH_NOSNAP = head). */
  sizeAt(snapId: bigint): number;
  /** Existing snapshot ids, any order. */
  snapIds(): readonly bigint[];
  /** RBD_FLAG_* of a version, as last read. */
  flagsAt(snapId: bigint): bigint;
  /**
   * Change RBD_FLAG_* bits of a version on the header (`set_flags`, under
   * the exclusive lock) and in the image's view. Without it, a plain
   * `set_flags` goes to `rbd_header.<id>` and `flagsAt` is not updated.
   */
  updateFlags?(snapId: bigint, flags: bigint, mask: bigint): Promise<void>;
  /** `rbd_concurrent_management_ops` (default 10). */
  concurrentManagementOps?: number;
}

/** Progress of a long operation: objects done of total. */
export type ObjectMapProgress = (done: number, total: number) => void;

/** Object-map objects are metadata: written with no snap context, as librbd's md_ctx does. */
export const NO_SNAP_CONTEXT: WriteOptions = { snapContext: { seq: 0n, snaps: [] } };

export function mapOid(image: ObjectMapImage, snapId: bigint): string {
  return objectMapName(image.imageId, snapId);
}

/** `object_map_load` + decode; ENOENT when the map object is missing, EINVAL when it is corrupt. */
export async function loadObjectMap(image: ObjectMapImage, snapId: bigint): Promise<BitVector> {
  const out = await objectMapLoad(image.headerIoCtx, mapOid(image, snapId));
  return BitVector.decode(out);
}

export async function updateImageFlags(
  image: ObjectMapImage,
  snapId: bigint,
  flags: bigint,
  mask: bigint,
): Promise<void> {
  if (image.updateFlags) {
    await image.updateFlags(snapId, flags, mask);
    return;
  }
  await setFlagsOn(image.headerIoCtx, RBD_HEADER_PREFIX + image.imageId, snapId, flags, mask);
}

/**
 * `object_map::InvalidateRequest`: flag the map of `snapId` invalid
 * (OBJECT_MAP_INVALID, and FAST_DIFF_INVALID with fast-diff), unless it
 * already is. Returns the flags set (0n when nothing was done).
 */
export async function invalidateObjectMap(image: ObjectMapImage, snapId: bigint): Promise<bigint> {
  if ((image.flagsAt(snapId) & ObjectMapFlag.OBJECT_MAP_INVALID) !== 0n) return 0n;
  const flags = invalidFlagsFor(image.features);
  await updateImageFlags(image, snapId, flags, flags);
  return flags;
}

/**
 * How `object_map::Request` ends a failed step: flag the map invalid and
 * succeed — or, when it already was invalid, fail with the step's error.
 * Returns the flags set.
 */
export async function invalidateOrThrow(
  image: ObjectMapImage,
  snapId: bigint,
  err: unknown,
): Promise<bigint> {
  const flags = await invalidateObjectMap(image, snapId);
  if (flags === 0n) throw err;
  return flags;
}

/** Run `work` over `0..count-1` with at most `limit` in flight; the first error stops new work. */
export async function forEachLimited(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failure !== undefined) throw failure;
}

export function isErrno(err: unknown, code: string): boolean {
  return isCephError(err) && err.code === code;
}
