/**
 * Refresh an image's in-memory header from `rbd_header.<id>`
 * (librbd/image/RefreshRequest.cc, format 2).
 *
 *   <start> → GET_HEADER (one compound read: size, features, flags, snap
 *             context, lock info, parent, op features, stripe unit/count,
 *             object prefix, data pool, timestamps, snapshot limit, conf_ metadata)
 *           → GET_SNAPSHOTS (one compound read: snapshot_get + parent overlap per snap)
 *           → [parent changed: OPEN_PARENT (read-only, at the parent snap) / CLOSE_PARENT]
 *           → [data pool: open its IoCtx] → swap the header in → <finish>
 *
 *   incompatible features unknown to us → ENOSYS; header gone → ENOENT.
 */
import { CephError } from '../../common/errors.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { utimeToMs } from '../../encoding/types.js';
import { ObjectReadOperation } from '../../rados/operation.js';
import { getLockInfoFinish, getLockInfoStart } from '../../cls/lock/client.js';
import { formatEntityAddr, formatEntityNameT } from '../../encoding/types.js';
import { RBD_FEATURES_ALL, RbdFeature, RBD_LOCK_NAME } from '../constants.js';
import { SNAP_LIMIT_NONE, parentImageSpecExists, type ParentImageSpec } from '../../cls/rbd/types.js';
import * as cls from '../../cls/rbd/client.js';
import type { ImageCtx, ImageHeader, ParentInfo, SnapInfo } from '../image-ctx.js';
import { closeImage, openParentImage } from './open.js';

/** Metadata keys with this prefix are per-image config overrides. */
export const CONF_METADATA_PREFIX = 'conf_';
/** How many `conf_*` keys one refresh reads. */
const MAX_CONF_KEYS = 1024;

/** The value of an op that may fail harmlessly (FAILOK), or `fallback`. */
function valueOr<T, F>(slot: cls.ClsResult<T>, fallback: F): T | F {
  return slot.rval < 0 ? fallback : slot.get();
}

export async function refreshImage(ictx: ImageCtx): Promise<void> {
  const op = new ObjectReadOperation();
  const size = cls.getSizeStart(op, CEPH_NOSNAP);
  const features = cls.getFeaturesStart(op, ictx.readOnly);
  const flags = cls.getFlagsStart(op, CEPH_NOSNAP);
  const snapc = cls.getSnapContextStart(op);
  const prefix = cls.getObjectPrefixStart(op);
  const lockInfo = getLockInfoStart(op, RBD_LOCK_NAME);
  op.failOk();
  const parent = cls.parentGetStart(op);
  op.failOk();
  const headOverlap = cls.parentOverlapGetStart(op, CEPH_NOSNAP);
  op.failOk();
  const dataPool = cls.getDataPoolStart(op);
  op.failOk();
  const stripe = cls.getStripeUnitCountStart(op);
  op.failOk();
  const opFeatures = cls.opFeaturesGetStart(op);
  op.failOk();
  const created = cls.getCreateTimestampStart(op);
  op.failOk();
  const accessed = cls.getAccessTimestampStart(op);
  op.failOk();
  const modified = cls.getModifyTimestampStart(op);
  op.failOk();
  const limit = cls.snapshotGetLimitStart(op);
  op.failOk();
  const conf = cls.metadataListStart(op, CONF_METADATA_PREFIX, MAX_CONF_KEYS);
  op.failOk();
  await ictx.mdIoCtx.operateRead(ictx.headerOid, op);

  const feat = features.get();
  if ((feat.incompatible & ~RBD_FEATURES_ALL) !== 0n) {
    throw new CephError('ENOSYS', `image ${ictx.name} uses unsupported features`);
  }
  const { order, size: headSize } = size.get();
  const objectSize = 2 ** order;
  const ctx = snapc.get();

  const parentSpec: ParentImageSpec | undefined = valueOr(parent, undefined);
  const haveParent = parentSpec !== undefined && parentImageSpecExists(parentSpec);
  const overlapHead = valueOr(headOverlap, undefined);

  const snaps = await readSnapshots(ictx, ctx.snaps, haveParent ? parentSpec : undefined);

  let lockOwners: ImageHeader['lockOwners'] = [];
  let lockTag = '';
  if (lockInfo.rval >= 0 && lockInfo.value) {
    const info = getLockInfoFinish(lockInfo.value);
    lockTag = info.tag;
    lockOwners = info.lockers.map((l) => ({
      entity: formatEntityNameT(l.id.locker),
      cookie: l.id.cookie,
      address: formatEntityAddr(l.info.addr),
    }));
  }

  const confOverrides = new Map<string, string>();
  for (const [k, v] of valueOr(conf, new Map<string, Buffer>())) {
    if (!k.startsWith(CONF_METADATA_PREFIX)) break;
    confOverrides.set(k.slice(CONF_METADATA_PREFIX.length), v.toString('utf8'));
  }

  const stripeUc = valueOr(stripe, { stripeUnit: 0, stripeCount: 0 });
  const striped =
    (feat.features & RbdFeature.STRIPINGV2) !== 0n && stripeUc.stripeUnit > 0 && stripeUc.stripeCount > 0;
  const header: ImageHeader = {
    size: headSize,
    order,
    features: feat.features,
    incompatibleFeatures: feat.incompatible,
    flags: flags.get(),
    opFeatures: valueOr(opFeatures, 0n),
    objectPrefix: prefix.get(),
    dataPoolId: valueOr(dataPool, -1),
    layout: striped
      ? { objectSize, stripeUnit: stripeUc.stripeUnit, stripeCount: stripeUc.stripeCount }
      : { objectSize, stripeUnit: objectSize, stripeCount: 1 },
    snapSeq: ctx.seq,
    snapIds: ctx.snaps,
    snaps,
    parent: haveParent && overlapHead !== undefined ? { spec: parentSpec, overlap: overlapHead } : null,
    createTimestampMs: utimeToMs(valueOr(created, { sec: 0, nsec: 0 })),
    accessTimestampMs: utimeToMs(valueOr(accessed, { sec: 0, nsec: 0 })),
    modifyTimestampMs: utimeToMs(valueOr(modified, { sec: 0, nsec: 0 })),
    configOverrides: confOverrides,
    lockOwners,
    lockTag,
    exclusiveLockHeld: lockOwners.length > 0,
    snapLimit: limit.rval < 0 || limit.get() >= SNAP_LIMIT_NONE ? undefined : Number(limit.get()),
  };

  await attachDataPool(ictx, header.dataPoolId);
  await attachParent(ictx, haveParent ? parentSpec : undefined);
  ictx.header = header;
  if (ictx.snapName !== undefined) {
    const id = ictx.snapIdByName(ictx.snapName);
    if (id === undefined) throw new CephError('ENOENT', `snapshot ${ictx.snapName} not found`);
    ictx.snapId = id;
  } else if (ictx.snapId !== CEPH_NOSNAP && !snaps.has(ictx.snapId)) {
    throw new CephError('ENOENT', `snapshot ${ictx.snapId} not found`);
  }
  ictx.dataIoCtx.setSnapContext(header.snapSeq, header.snapIds);
}

/** `snapshot_get` and the parent overlap of every snapshot, in one operation. */
async function readSnapshots(
  ictx: ImageCtx,
  snapIds: bigint[],
  parentSpec: ParentImageSpec | undefined,
): Promise<Map<bigint, SnapInfo>> {
  const out = new Map<bigint, SnapInfo>();
  if (snapIds.length === 0) return out;
  const op = new ObjectReadOperation();
  const slots = snapIds.map((id) => {
    const info = cls.snapshotGetStart(op, id);
    op.failOk();
    const overlap = cls.parentOverlapGetStart(op, id);
    op.failOk();
    const protection = cls.getProtectionStatusStart(op, id);
    op.failOk();
    const flags = cls.getFlagsStart(op, id);
    op.failOk();
    return { id, info, overlap, protection, flags };
  });
  await ictx.mdIoCtx.operateRead(ictx.headerOid, op);
  for (const s of slots) {
    // A snapshot removed between the two reads: the next refresh will not list it.
    if (s.info.rval < 0) continue;
    const info = s.info.get();
    const overlap = valueOr(s.overlap, undefined);
    const parent: ParentInfo | null =
      parentSpec !== undefined && overlap !== undefined ? { spec: parentSpec, overlap } : null;
    out.set(s.id, {
      id: s.id,
      name: info.name,
      namespace: info.snapshotNamespace,
      size: info.imageSize,
      parent,
      protectionStatus: valueOr(s.protection, 0),
      flags: valueOr(s.flags, 0n),
      timestampMs: utimeToMs(info.timestamp),
      childCount: info.childCount,
    });
  }
  return out;
}

async function attachDataPool(ictx: ImageCtx, dataPoolId: number): Promise<void> {
  const want = dataPoolId >= 0 ? dataPoolId : ictx.mdIoCtx.poolId;
  // The data IoCtx is always our own copy: its snap context follows this image's header.
  if (ictx.dataIoCtx !== ictx.mdIoCtx && ictx.dataIoCtx.poolId === want) return;
  const io = want !== ictx.mdIoCtx.poolId ? await ictx.rados.ioCtx(want) : ictx.mdIoCtx.dup();
  io.setNamespace(ictx.mdIoCtx.namespace);
  ictx.dataIoCtx = io;
}

async function attachParent(ictx: ImageCtx, spec: ParentImageSpec | undefined): Promise<void> {
  const current = ictx.parent;
  if (current && spec && sameParent(current, spec)) {
    await refreshImage(current);
    return;
  }
  if (current) {
    ictx.parent = null;
    await closeImage(current);
  }
  if (spec) ictx.parent = await openParentImage(ictx, spec);
}

function sameParent(p: ImageCtx, spec: ParentImageSpec): boolean {
  return (
    p.id === spec.imageId &&
    p.snapId === spec.snapId &&
    p.mdIoCtx.poolId === spec.poolId &&
    p.mdIoCtx.namespace === spec.poolNamespace
  );
}
