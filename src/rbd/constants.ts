/**
 * librbd-level names and feature tables (include/rbd/features.h,
 * librbd/Utils.h). The on-RADOS object names and bit values themselves live
 * with the class that stores them (cls/rbd/types.ts) and are re-exported here.
 */
import { RBD_HEADER_PREFIX, RBD_ID_PREFIX, RbdFeature, RbdOperationFeature } from '../cls/rbd/types.js';

export {
  RBD_CHILDREN,
  RBD_DATA_PREFIX,
  RBD_DIRECTORY,
  RBD_FEATURES_ALL,
  RBD_FEATURES_DISABLE_ONLY,
  RBD_FEATURES_INCOMPATIBLE,
  RBD_FEATURES_INTERNAL,
  RBD_FEATURES_MUTABLE,
  RBD_FEATURES_RW_INCOMPATIBLE,
  RBD_HEADER_PREFIX,
  RBD_ID_PREFIX,
  RBD_INFO,
  RBD_TRASH,
  RbdFeature,
  RbdFlag,
  RbdOperationFeature,
  ProtectionStatus,
  ObjectMapState,
} from '../cls/rbd/types.js';

/** Names as `rbd info` prints them and `--image-feature` takes them, in bit order. */
export const RBD_FEATURE_NAMES: readonly [bigint, string][] = [
  [RbdFeature.LAYERING, 'layering'],
  [RbdFeature.STRIPINGV2, 'striping'],
  [RbdFeature.EXCLUSIVE_LOCK, 'exclusive-lock'],
  [RbdFeature.OBJECT_MAP, 'object-map'],
  [RbdFeature.FAST_DIFF, 'fast-diff'],
  [RbdFeature.DEEP_FLATTEN, 'deep-flatten'],
  [RbdFeature.JOURNALING, 'journaling'],
  [RbdFeature.DATA_POOL, 'data-pool'],
  [RbdFeature.OPERATIONS, 'operations'],
  [RbdFeature.MIGRATING, 'migrating'],
  [RbdFeature.NON_PRIMARY, 'non-primary'],
  [RbdFeature.DIRTY_CACHE, 'dirty-cache'],
];

/** Op-feature names as `rbd info` prints them. */
export const RBD_OPERATION_FEATURE_NAMES: readonly [bigint, string][] = [
  [RbdOperationFeature.CLONE_PARENT, 'clone-parent'],
  [RbdOperationFeature.CLONE_CHILD, 'clone-child'],
  [RbdOperationFeature.GROUP, 'group'],
  [RbdOperationFeature.SNAP_TRASH, 'snap-trash'],
];

/** Features that assume a single writer (dropped by `--image-shared`). */
export const RBD_FEATURES_SINGLE_CLIENT =
  RbdFeature.EXCLUSIVE_LOCK |
  RbdFeature.OBJECT_MAP |
  RbdFeature.FAST_DIFF |
  RbdFeature.JOURNALING |
  RbdFeature.DIRTY_CACHE;

/** Features librbd turns on by itself (never listed for `--image-feature`). */
export const RBD_FEATURES_IMPLICIT_ENABLE =
  RbdFeature.STRIPINGV2 |
  RbdFeature.DATA_POOL |
  RbdFeature.FAST_DIFF |
  RbdFeature.OPERATIONS |
  RbdFeature.MIGRATING |
  RbdFeature.NON_PRIMARY |
  RbdFeature.DIRTY_CACHE;

/** The cls_lock name of the exclusive lock on the header. */
export const RBD_LOCK_NAME = 'rbd_lock';
/** Image ids are cut to this length so the block name prefix stays bounded. */
export const RBD_MAX_IMAGE_ID_LENGTH = 14;
export const RBD_MAX_BLOCK_NAME_PREFIX_LENGTH = 24;
/** Format-1 images: `<name>.rbd` holds the whole header. */
export const RBD_SUFFIX = '.rbd';

export const idObjectName = (name: string): string => RBD_ID_PREFIX + name;
export const headerObjectName = (id: string): string => RBD_HEADER_PREFIX + id;
export const oldHeaderName = (name: string): string => name + RBD_SUFFIX;

/** Feature names (`a, b, c` in `rbd info`) in bit order. */
export function featureNames(features: bigint, table = RBD_FEATURE_NAMES): string[] {
  return table.filter(([bit]) => (features & bit) !== 0n).map(([, name]) => name);
}
