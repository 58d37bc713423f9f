/**
 * Create a format-2 image (librbd/image/CreateRequest.cc).
 *
 *   <start> → VALIDATE (features, order 12–25, stripe unit/count, object-map size)
 *           → [data pool: open it] → VALIDATE_POOL (rbd_info "overwrite validated";
 *              self-managed snapshots allowed)
 *           → ADD_TO_DIRECTORY (dir_add_image; EEXIST)
 *           → CREATE_ID_OBJECT (create exclusive + set_id; EEXIST → undo directory)
 *           → [default features: NEGOTIATE (get_all_features on rbd_directory)]
 *           → CREATE_HEADER (create exclusive + cls create; EEXIST → EBADF)
 *           → [striping: SET_STRIPE_UNIT_COUNT] → [object map: OBJECT_MAP_RESIZE]
 *           → <finish>
 *   any failure after ADD_TO_DIRECTORY: undo in reverse order, report the first error.
 */
import { randomInt } from 'node:crypto';
import { CephError, isCephError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import { DirectoryState, RBD_OBJECT_MAP_PREFIX } from '../../cls/rbd/types.js';
import {
  RBD_DATA_PREFIX,
  RBD_DIRECTORY,
  RBD_FEATURES_ALL,
  RBD_FEATURE_NAMES,
  RBD_INFO,
  RBD_MAX_BLOCK_NAME_PREFIX_LENGTH,
  RBD_MAX_IMAGE_ID_LENGTH,
  RbdFeature,
  headerObjectName,
  idObjectName,
  ObjectMapState,
} from '../constants.js';
import { getNumObjects } from '../io/striper.js';

/** What `rbd pool init` and pool validation leave in `rbd_info`. */
export const RBD_INFO_OVERWRITE_VALIDATED = 'overwrite validated';
/** The most objects an object map can track (librbd's `ObjectMap::is_compatible`). */
export const OBJECT_MAP_MAX_OBJECTS = 256_000_000;

export interface CreateImageOptions {
  sizeBytes: number;
  /** RBD_FEATURE_* bits; default: `rbd_default_features` (then negotiated with the OSDs). */
  features?: bigint;
  /** Bits to add to / remove from the default set (`--image-feature` vs `--image-shared`). */
  featuresSet?: bigint;
  featuresClear?: bigint;
  order?: number;
  stripeUnit?: number;
  stripeCount?: number;
  /** Data pool name (`--data-pool`). */
  dataPool?: string;
  /** Use this id instead of a fresh one (clone, migration, mirroring). */
  id?: string;
}

/** Parse `rbd_default_features` (a number or feature names, comma separated). */
export function parseFeatures(text: string): bigint {
  const t = text.trim();
  if (/^\d+$/.test(t)) return BigInt(t);
  let bits = 0n;
  for (const raw of t.split(/[,\s]+/)) {
    if (raw === '') continue;
    const hit = RBD_FEATURE_NAMES.find(([, name]) => name === raw);
    if (!hit) throw new CephError('EINVAL', `unknown image feature '${raw}'`);
    bits |= hit[0];
  }
  return bits;
}

/** librbd's `generate_image_id`: the client's instance id then 32 random bits, in hex, at most 14 characters. */
export function generateImageId(rados: Rados): string {
  const extra = randomInt(0, 0x100000000);
  const id = rados.instanceId.toString(16) + extra.toString(16);
  return id.length > RBD_MAX_IMAGE_ID_LENGTH ? id.slice(id.length - RBD_MAX_IMAGE_ID_LENGTH) : id;
}

/** The features, layout and order a create request resolves to (CreateRequest's constructor + validation). */
export interface ResolvedCreate {
  features: bigint;
  negotiate: boolean;
  order: number;
  stripeUnit: number;
  stripeCount: number;
  dataPool: string;
}

export function resolveCreateOptions(
  config: Config,
  poolName: string,
  o: CreateImageOptions,
): ResolvedCreate {
  const negotiate = o.features === undefined;
  let features = o.features ?? parseFeatures(config.get('rbd_default_features'));
  const set = o.featuresSet ?? 0n;
  const clear = o.featuresClear ?? 0n;
  const conflict = set & clear;
  features |= set & ~conflict;
  features &= ~(clear & ~conflict);
  if ((features & RbdFeature.OBJECT_MAP) !== 0n) features |= RbdFeature.FAST_DIFF;

  const order = o.order || Number(config.get('rbd_default_order'));
  const stripeUnit = o.stripeUnit || Number(config.get('rbd_default_stripe_unit'));
  const stripeCount = o.stripeCount || Number(config.get('rbd_default_stripe_count'));
  let dataPool = o.dataPool ?? config.get('rbd_default_data_pool');
  if (dataPool !== '' && dataPool !== poolName) features |= RbdFeature.DATA_POOL;
  else {
    dataPool = '';
    features &= ~RbdFeature.DATA_POOL;
  }
  if ((stripeUnit !== 0 && stripeUnit !== 2 ** order) || (stripeCount !== 0 && stripeCount !== 1)) {
    features |= RbdFeature.STRIPINGV2;
  } else {
    features &= ~RbdFeature.STRIPINGV2;
  }
  return { features, negotiate, order, stripeUnit, stripeCount, dataPool };
}

/** The checks CreateRequest::send makes before touching RADOS. */
export function validateCreate(r: ResolvedCreate, sizeBytes: number): void {
  const f = r.features;
  if ((f & ~RBD_FEATURES_ALL) !== 0n)
    throw new CephError('ENOSYS', 'librbd does not support requested features.');
  if ((f & RbdFeature.OPERATIONS) !== 0n)
    throw new CephError('EINVAL', 'cannot use internally controlled features');
  if ((f & RbdFeature.FAST_DIFF) !== 0n && (f & RbdFeature.OBJECT_MAP) === 0n) {
    throw new CephError('EINVAL', 'cannot use fast diff without object map');
  }
  if ((f & RbdFeature.OBJECT_MAP) !== 0n && (f & RbdFeature.EXCLUSIVE_LOCK) === 0n) {
    throw new CephError('EINVAL', 'cannot use object map without exclusive lock');
  }
  if ((f & RbdFeature.JOURNALING) !== 0n && (f & RbdFeature.EXCLUSIVE_LOCK) === 0n) {
    throw new CephError('EINVAL', 'cannot use journaling without exclusive lock');
  }
  if (r.order > 25 || r.order < 12) throw new CephError('EDOM', 'order must be in the range [12, 25]');
  const objectSize = 2 ** r.order;
  if ((r.stripeUnit !== 0) !== (r.stripeCount !== 0)) {
    throw new CephError('EINVAL', 'must specify both (or neither) of stripe-unit and stripe-count');
  }
  if (r.stripeUnit !== 0 && (objectSize % r.stripeUnit !== 0 || r.stripeUnit > objectSize)) {
    throw new CephError('EINVAL', 'stripe unit is not a factor of the object size');
  }
  if ((f & RbdFeature.OBJECT_MAP) !== 0n) {
    const layout = layoutOf(r);
    if (getNumObjects(layout, sizeBytes) > OBJECT_MAP_MAX_OBJECTS) {
      throw new CephError('EINVAL', 'image size not compatible with object map');
    }
  }
}

function layoutOf(r: ResolvedCreate): { objectSize: number; stripeUnit: number; stripeCount: number } {
  const objectSize = 2 ** r.order;
  return r.stripeUnit === 0 || r.stripeCount === 0
    ? { objectSize, stripeUnit: objectSize, stripeCount: 1 }
    : { objectSize, stripeUnit: r.stripeUnit, stripeCount: r.stripeCount };
}

/**
 * ValidatePoolRequest: a pool holds RBD images only if it uses self-managed
 * snapshots and supports overwrites; success is remembered in `rbd_info`.
 */
export async function validatePool(ioctx: IoCtx): Promise<void> {
  try {
    const info = await ioctx.read(RBD_INFO, 64);
    if (info.toString() === RBD_INFO_OVERWRITE_VALIDATED) return;
  } catch (err) {
    if (!isCephError(err, 'ENOENT')) throw err;
  }
  if (ioctx.poolSnaps().length > 0) throw new CephError('EINVAL', 'pool does not support RBD images');
  // Allocating a self-managed snap id fails on a pool in pool-snapshot mode.
  let snapId: bigint;
  try {
    snapId = await ioctx.selfManagedSnapCreate();
  } catch (err) {
    if (isCephError(err, 'EINVAL')) throw new CephError('EINVAL', 'pool does not support RBD images');
    throw err;
  }
  await ioctx.selfManagedSnapRemove(snapId);
  const op = new ObjectWriteOperation();
  op.writeFull(Buffer.from(RBD_INFO_OVERWRITE_VALIDATED));
  await ioctx.operate(RBD_INFO, op);
}

/** Create image `name` in `ioctx`'s pool and namespace; returns its id. */
export async function createImage(
  rados: Rados,
  ioctx: IoCtx,
  name: string,
  o: CreateImageOptions,
  config: Config = rados.config,
): Promise<string> {
  const r = resolveCreateOptions(config, ioctx.poolName, o);
  validateCreate(r, o.sizeBytes);
  const id = o.id ?? generateImageId(rados);

  let dataIo = ioctx;
  let dataPoolId = -1;
  if (r.dataPool !== '') {
    try {
      dataIo = await rados.ioCtx(r.dataPool);
    } catch (err) {
      throw new CephError(isCephError(err) ? err.errno : 'ENOENT', `data pool ${r.dataPool} does not exist`);
    }
    dataIo.setNamespace(ioctx.namespace);
    dataPoolId = dataIo.poolId;
  }
  if (config.get('rbd_validate_pool')) await validatePool(dataIo);

  const undo: (() => Promise<void>)[] = [];
  try {
    const dirOp = new ObjectWriteOperation();
    if (ioctx.namespace !== '') cls.dirStateAssert(dirOp, DirectoryState.READY);
    cls.dirAddImage(dirOp, name, id);
    await ioctx.operate(RBD_DIRECTORY, dirOp);
    undo.push(() => cls.dirRemoveImageOn(ioctx, RBD_DIRECTORY, name, id));

    const idOp = new ObjectWriteOperation();
    idOp.create(true);
    cls.setId(idOp, id);
    await ioctx.operate(idObjectName(name), idOp);
    undo.push(() => ioctx.remove(idObjectName(name)));

    let features = r.features;
    if (r.negotiate) {
      const op = new ObjectReadOperation();
      const all = cls.getAllFeaturesStart(op);
      try {
        await ioctx.operateRead(RBD_DIRECTORY, op);
        features &= all.get();
      } catch {
        // An OSD without get_all_features: keep the requested set, as librbd does.
      }
    }

    const prefix = dataPoolId >= 0 ? `${RBD_DATA_PREFIX}${ioctx.poolId}.${id}` : `${RBD_DATA_PREFIX}${id}`;
    if (prefix.length > RBD_MAX_BLOCK_NAME_PREFIX_LENGTH)
      throw new CephError('EINVAL', `object prefix '${prefix}' too large`);
    const headerOid = headerObjectName(id);
    const headerOp = new ObjectWriteOperation();
    headerOp.create(true);
    cls.create(headerOp, o.sizeBytes, r.order, features, prefix, dataPoolId);
    try {
      await ioctx.operate(headerOid, headerOp);
    } catch (err) {
      if (isCephError(err, 'EEXIST')) throw new CephError('EBADF', 'image id already in use');
      throw err;
    }
    undo.push(() => ioctx.remove(headerOid));

    const objectSize = 2 ** r.order;
    if (
      (r.stripeUnit !== 0 || r.stripeCount !== 0) &&
      !(r.stripeCount === 1 && r.stripeUnit === objectSize)
    ) {
      await cls.setStripeUnitCountOn(ioctx, headerOid, r.stripeUnit, r.stripeCount);
    }
    if ((features & RbdFeature.OBJECT_MAP) !== 0n) {
      const count = getNumObjects(layoutOf(r), o.sizeBytes);
      await cls.objectMapResizeOn(ioctx, RBD_OBJECT_MAP_PREFIX + id, count, ObjectMapState.NONEXISTENT);
    }
    if ((features & RbdFeature.JOURNALING) !== 0n) {
      throw new CephError('EOPNOTSUPP', 'journaling is not supported by this librbd yet');
    }
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
  return id;
}
