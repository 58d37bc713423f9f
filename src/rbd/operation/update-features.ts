/**
 * Turn mutable features on or off (librbd Operations::update_features,
 * operation/EnableFeaturesRequest.cc, DisableFeaturesRequest.cc;
 * `rbd feature enable|disable`).
 *
 *   <start> → REFRESH → [read-only: EROFS]
 *           → VALIDATE: only exclusive-lock, object-map, fast-diff, journaling
 *             (enable) and deep-flatten too (disable), never non-primary or
 *             dirty-cache — else EINVAL; object-map and fast-diff go together;
 *             none left, or already on (enable) / already off (disable): EINVAL
 *           → [exclusive-lock on: own the lock]
 *   enable:
 *           → CHECK: object-map or journaling without exclusive-lock: EINVAL
 *           → [object-map: UPDATE_FLAGS (OBJECT_MAP_INVALID | FAST_DIFF_INVALID on the
 *              head and every snapshot — `rbd object-map rebuild` makes it valid)]
 *           → SET_FEATURES (set_features new, mask)
 *           → [object-map: CREATE_OBJECT_MAP (an all-NONEXISTENT map per snapshot and head)]
 *           → NOTIFY_HEADER_UPDATE → REFRESH → <finish>
 *   disable:
 *           → CHECK: exclusive-lock while object-map or journaling stays: EINVAL
 *           → [object-map: REMOVE_OBJECT_MAP (every map object)]
 *           → SET_FEATURES → [object-map: UPDATE_FLAGS (clear the invalid flags)]
 *           → NOTIFY_HEADER_UPDATE → REFRESH → <finish>
 *
 * Journaling (either way) is EOPNOTSUPP until this librbd has a journal:
 * enabling needs journal::CreateRequest and the mirroring hooks, disabling
 * needs journal::RemoveRequest. The checks librbd makes first still give its
 * EINVALs.
 */
import { CephError, isCephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import { RBD_OBJECT_MAP_PREFIX } from '../../cls/rbd/types.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { getNumObjects } from '../io/striper.js';
import {
  ObjectMapState,
  RBD_FEATURES_DISABLE_ONLY,
  RBD_FEATURES_MUTABLE,
  RbdFeature,
  RbdFlag,
} from '../constants.js';
import { encodeNotifyMessage, NotifyOp } from '../watcher/notify-types.js';

/** `RBD_FEATURES_MUTABLE_INTERNAL`: mutable, but only by librbd itself (mirroring, caches). */
export const RBD_FEATURES_MUTABLE_INTERNAL = RbdFeature.NON_PRIMARY | RbdFeature.DIRTY_CACHE;

/** cls_rbd refuses larger maps; librbd checks first (`ObjectMap::is_compatible`). */
const MAX_OBJECT_MAP_OBJECT_COUNT = 256_000_000;

/** `ImageWatcher::NOTIFY_TIMEOUT`. */
const NOTIFY_TIMEOUT_MS = 5000;

const OBJECT_MAP_PAIR = RbdFeature.OBJECT_MAP | RbdFeature.FAST_DIFF;

/**
 * The feature set an update will change, after librbd's validation
 * (`Operations::update_features` up to the request); throws EINVAL/EROFS.
 */
export function resolveFeatureUpdate(current: bigint, features: bigint, enabled: boolean): bigint {
  const disableMask = RBD_FEATURES_MUTABLE | RBD_FEATURES_DISABLE_ONLY;
  if (
    (enabled && (features & RBD_FEATURES_MUTABLE) !== features) ||
    (!enabled && (features & disableMask) !== features) ||
    (features & ~RBD_FEATURES_MUTABLE_INTERNAL) !== features
  ) {
    throw new CephError('EINVAL', 'cannot update immutable features');
  }
  const setObjectMap = (features & RbdFeature.OBJECT_MAP) !== 0n;
  const setFastDiff = (features & RbdFeature.FAST_DIFF) !== 0n;
  const haveFastDiff = (current & RbdFeature.FAST_DIFF) !== 0n;
  const haveObjectMap = (current & RbdFeature.OBJECT_MAP) !== 0n;
  if (
    (enabled && ((setObjectMap && !haveFastDiff) || (setFastDiff && !haveObjectMap))) ||
    (!enabled && setObjectMap && haveFastDiff)
  ) {
    features |= OBJECT_MAP_PAIR;
  }
  if (features === 0n) throw new CephError('EINVAL', 'update requires at least one feature');
  if (enabled && (features & current) !== 0n) {
    throw new CephError('EINVAL', 'one or more requested features are already enabled');
  }
  if (!enabled && (features & ~current) !== 0n) {
    throw new CephError('EINVAL', 'one or more requested features are already disabled');
  }
  return features;
}

/** What an enable request writes: new features, set_features mask and flags to raise. */
export function planEnable(
  current: bigint,
  requested: bigint,
): { features: bigint; mask: bigint; flags: bigint } {
  let add = requested & ~current;
  if ((add & OBJECT_MAP_PAIR) !== 0n) add |= OBJECT_MAP_PAIR;
  const features = current | add;
  let mask = add;
  let flags = 0n;
  if ((add & RbdFeature.OBJECT_MAP) !== 0n) {
    if ((features & RbdFeature.EXCLUSIVE_LOCK) === 0n) {
      throw new CephError(
        'EINVAL',
        'cannot enable object-map. exclusive-lock must be enabled before enabling object-map.',
      );
    }
    flags |= RbdFlag.OBJECT_MAP_INVALID;
    mask |= RbdFeature.EXCLUSIVE_LOCK | RbdFeature.FAST_DIFF;
  }
  if ((add & RbdFeature.FAST_DIFF) !== 0n) {
    flags |= RbdFlag.FAST_DIFF_INVALID;
    mask |= RbdFeature.EXCLUSIVE_LOCK | RbdFeature.OBJECT_MAP;
  }
  if ((add & RbdFeature.JOURNALING) !== 0n) {
    if ((features & RbdFeature.EXCLUSIVE_LOCK) === 0n) {
      throw new CephError(
        'EINVAL',
        'cannot enable journaling. exclusive-lock must be enabled before enabling journaling.',
      );
    }
    mask |= RbdFeature.EXCLUSIVE_LOCK;
  }
  return { features, mask, flags };
}

/** What a disable request writes: new features, set_features mask and flags to clear. */
export function planDisable(
  current: bigint,
  requested: bigint,
): { features: bigint; mask: bigint; flags: bigint } {
  let drop = requested & current;
  if ((drop & OBJECT_MAP_PAIR) !== 0n) drop |= OBJECT_MAP_PAIR;
  const features = current & ~drop;
  let mask = drop;
  let flags = 0n;
  if ((drop & RbdFeature.EXCLUSIVE_LOCK) !== 0n) {
    if ((features & (RbdFeature.OBJECT_MAP | RbdFeature.JOURNALING)) !== 0n) {
      throw new CephError(
        'EINVAL',
        'cannot disable exclusive-lock. object-map or journaling must be disabled before disabling exclusive-lock.',
      );
    }
    mask |= OBJECT_MAP_PAIR | RbdFeature.JOURNALING;
  }
  if ((drop & RbdFeature.FAST_DIFF) !== 0n) flags |= RbdFlag.FAST_DIFF_INVALID;
  if ((drop & RbdFeature.OBJECT_MAP) !== 0n) flags |= RbdFlag.OBJECT_MAP_INVALID;
  return { features, mask, flags };
}

/**
 * `Operations::update_features` run here: refresh, validate, own the lock if
 * there is one, then the request.
 */
export async function updateFeatures(ictx: ImageCtx, features: bigint, enabled: boolean): Promise<void> {
  await refreshImage(ictx);
  if (ictx.writeProtected) throw new CephError('EROFS', `image ${ictx.name} is read-only`);
  const wanted = resolveFeatureUpdate(ictx.features, features, enabled);
  if (ictx.lock && ictx.testFeatures(RbdFeature.EXCLUSIVE_LOCK) && !ictx.lock.isLockOwner()) {
    await ictx.lock.acquireLock();
  }
  await executeUpdateFeatures(ictx, wanted, enabled);
  await notifyHeaderUpdate(ictx);
  await refreshImage(ictx);
}

/**
 * EnableFeaturesRequest / DisableFeaturesRequest: what the lock owner runs
 * for UPDATE_FEATURES (`features` as `resolveFeatureUpdate` returned them;
 * the caller notifies and refreshes).
 */
export async function executeUpdateFeatures(
  ictx: ImageCtx,
  features: bigint,
  enabled: boolean,
): Promise<void> {
  const current = ictx.features;
  const plan = enabled ? planEnable(current, features) : planDisable(current, features);
  if ((features & RbdFeature.JOURNALING) !== 0n) {
    throw new CephError(
      'EOPNOTSUPP',
      `${enabled ? 'enabling' : 'disabling'} journaling is not supported yet`,
    );
  }

  const snapIds = [...ictx.header.snaps.keys()];
  if (enabled) {
    if (plan.flags !== 0n) await setFlagsEverywhere(ictx, snapIds, plan.flags, plan.flags);
    await cls.setFeaturesOn(ictx.mdIoCtx, ictx.headerOid, plan.features, plan.mask);
    if ((current & RbdFeature.OBJECT_MAP) === 0n && (plan.features & RbdFeature.OBJECT_MAP) !== 0n) {
      await createObjectMaps(ictx, snapIds);
    }
  } else {
    if ((current & RbdFeature.OBJECT_MAP) !== 0n && (plan.features & RbdFeature.OBJECT_MAP) === 0n) {
      await removeObjectMaps(ictx, snapIds);
    }
    await cls.setFeaturesOn(ictx.mdIoCtx, ictx.headerOid, plan.features, plan.mask);
    if (plan.flags !== 0n) await setFlagsEverywhere(ictx, snapIds, 0n, plan.flags);
  }
}

/** `image::SetFlagsRequest`: the same flags on the head and every snapshot. */
async function setFlagsEverywhere(
  ictx: ImageCtx,
  snapIds: bigint[],
  flags: bigint,
  mask: bigint,
): Promise<void> {
  for (const snapId of [CEPH_NOSNAP, ...snapIds]) {
    await cls.setFlagsOn(ictx.mdIoCtx, ictx.headerOid, snapId, flags, mask);
  }
}

function objectMapOid(imageId: string, snapId: bigint): string {
  const base = RBD_OBJECT_MAP_PREFIX + imageId;
  return snapId === CEPH_NOSNAP ? base : `${base}.${snapId.toString(16).padStart(16, '0')}`;
}

/** `object_map::CreateRequest`: an empty (all NONEXISTENT) map sized for each version. */
async function createObjectMaps(ictx: ImageCtx, snapIds: bigint[]): Promise<void> {
  const versions = [CEPH_NOSNAP, ...snapIds];
  const maxSize = Math.max(...versions.map((id) => ictx.sizeAt(id)));
  if (getNumObjects(ictx.layout, maxSize) > MAX_OBJECT_MAP_OBJECT_COUNT) {
    throw new CephError('EINVAL', 'image size not compatible with object map');
  }
  for (const snapId of versions) {
    const op = new ObjectWriteOperation();
    cls.objectMapResize(op, getNumObjects(ictx.layout, ictx.sizeAt(snapId)), ObjectMapState.NONEXISTENT);
    await ictx.mdIoCtx.operate(objectMapOid(ictx.id, snapId), op);
  }
}

/** `object_map::RemoveRequest`: every map object of the image (missing ones are fine). */
async function removeObjectMaps(ictx: ImageCtx, snapIds: bigint[]): Promise<void> {
  for (const snapId of [CEPH_NOSNAP, ...snapIds]) {
    try {
      await ictx.mdIoCtx.remove(objectMapOid(ictx.id, snapId));
    } catch (err) {
      if (!isCephError(err, 'ENOENT')) throw err;
    }
  }
}

async function notifyHeaderUpdate(ictx: ImageCtx): Promise<void> {
  try {
    await ictx.mdIoCtx.notify(
      ictx.headerOid,
      encodeNotifyMessage({ op: NotifyOp.HEADER_UPDATE }),
      NOTIFY_TIMEOUT_MS,
    );
  } catch (err) {
    if (!isCephError(err, 'ETIMEDOUT')) throw err;
  }
}
