/**
 * Object-map vocabulary (include/rbd/object_map_types.h,
 * librbd/object_map/Types.h, cls_rbd limits) and object names.
 */
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';

/** `OBJECT_*`: the 2-bit state of one data object. */
export const ObjectMapState = {
  /** The object does not exist (or is known to be all zeros and removed). */
  NONEXISTENT: 0,
  /** The object may exist and changed since the last snapshot (fast-diff: dirty). */
  EXISTS: 1,
  /** A remove is in flight: the object may or may not exist. */
  PENDING: 2,
  /** fast-diff: the object exists and is unchanged since the last snapshot. */
  EXISTS_CLEAN: 3,
} as const;
export type ObjectMapState = (typeof ObjectMapState)[keyof typeof ObjectMapState];

/** `DIFF_STATE_*`: one object's change between two versions (fast-diff). */
export const DiffState = {
  /** A hole in both versions (or only in between, for diff-iterate). */
  HOLE: 0,
  /** Unchanged data. */
  DATA: 1,
  /** Data became a hole. */
  HOLE_UPDATED: 2,
  /** New or changed data. */
  DATA_UPDATED: 3,
} as const;
export type DiffState = (typeof DiffState)[keyof typeof DiffState];

/** `RBD_FLAG_*` bits of the header's (or a snapshot's) flags. */
export const ObjectMapFlag = {
  OBJECT_MAP_INVALID: 1n,
  FAST_DIFF_INVALID: 2n,
} as const;

/** `RBD_FEATURE_*` bits the object map looks at. */
export const ObjectMapFeature = {
  EXCLUSIVE_LOCK: 1n << 2n,
  OBJECT_MAP: 1n << 3n,
  FAST_DIFF: 1n << 4n,
  DEEP_FLATTEN: 1n << 5n,
} as const;

/** `RBD_OBJECT_MAP_PREFIX`. */
export const OBJECT_MAP_PREFIX = 'rbd_object_map.';

/** `cls::rbd::MAX_OBJECT_MAP_OBJECT_COUNT`: cls_rbd refuses larger maps (EINVAL), librbd EFBIGs. */
export const MAX_OBJECT_MAP_OBJECT_COUNT = 256_000_000;

/** librbd batches `object_map_update` calls to this many objects (4 KiB-block aligned). */
export const MAX_OBJECTS_PER_UPDATE = 256 * 1024;

/** `rbd_object_map.<id>` for the head, `rbd_object_map.<id>.<%016x snap>` for a snapshot. */
export function objectMapName(imageId: string, snapId: bigint = CEPH_NOSNAP): string {
  const name = OBJECT_MAP_PREFIX + imageId;
  return snapId === CEPH_NOSNAP ? name : `${name}.${snapId.toString(16).padStart(16, '0')}`;
}

/** The flags an invalidation sets: OBJECT_MAP_INVALID, plus FAST_DIFF_INVALID with fast-diff. */
export function invalidFlagsFor(features: bigint): bigint {
  return (features & ObjectMapFeature.FAST_DIFF) !== 0n
    ? ObjectMapFlag.OBJECT_MAP_INVALID | ObjectMapFlag.FAST_DIFF_INVALID
    : ObjectMapFlag.OBJECT_MAP_INVALID;
}
