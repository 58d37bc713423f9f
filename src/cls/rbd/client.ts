/**
 * The client side of the `rbd` object class (Ceph's cls_rbd_client.cc).
 *
 * For each method there is a builder that adds the call to a compound
 * operation — `xxx(op, …)` for methods that change the object,
 * `xxxStart(op, …)` for methods with output, returning a ClsResult whose
 * `get()` decodes that op's output once the operation completed — and a
 * one-call helper over an IoCtx: `xxx(ioCtx, oid, …)` for reads,
 * `xxxOn(ioCtx, oid, …)` for writes. The trash helpers act on `rbd_trash`
 * as Ceph's do. Outputs that do not decode are EBADMSG, as in Ceph.
 */
import { CephError } from '../../common/errors.js';
import type { UTime } from '../../encoding/types.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation, type OpResult } from '../../rados/operation.js';
import { decodeRbdOutput, encodeRbdInput, type RbdInput, type RbdMethodName, type RbdOutput } from './ops.js';
import {
  CEPH_NOSNAP,
  RBD_TRASH,
  snapContextIsValid,
  type ChildImageSpec,
  type GroupSpec,
  type ParentImageSpec,
  type SnapContext,
  type SnapshotInfo,
  type SnapshotNamespace,
  type TrashImageSpec,
} from './types.js';

const CLASS = 'rbd';

/** Any compound operation (for calls librbd puts in reads and writes alike). */
type AnyOperation = ObjectReadOperation | ObjectWriteOperation;

/** The typed output of one class call inside a compound read operation. */
export class ClsResult<T> {
  constructor(
    /** The raw slot the operation fills in. */
    readonly slot: OpResult<Buffer>,
    readonly method: string,
    private readonly decode: (out: Buffer) => T,
  ) {}

  /** The call's own return code (0, or a negative errno). */
  get rval(): number {
    return this.slot.rval;
  }

  /** The decoded output; throws the call's error, or EBADMSG when the output does not decode. */
  get(): T {
    if (this.slot.rval < 0) throw new CephError(this.slot.rval, `rbd.${this.method}`);
    const out = this.slot.value;
    if (out === undefined) throw new CephError('EINVAL', `rbd.${this.method}: result not available`);
    return badMessageOnError(this.method, () => this.decode(out));
  }
}

function badMessageOnError<T>(method: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new CephError('EBADMSG', `rbd.${method}: malformed reply: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Add `rbd.<method>(input)` and hand back its typed output slot. */
function startCall<M extends RbdMethodName>(
  op: AnyOperation,
  method: M,
  input: RbdInput<M>,
): ClsResult<RbdOutput<M>> {
  const slot = op.exec(CLASS, method, encodeRbdInput(method, input));
  return new ClsResult(slot, method, (out) => decodeRbdOutput(method, out));
}

/** Add `rbd.<method>(input)` without output. */
function addCall<M extends RbdMethodName>(op: AnyOperation, method: M, input: RbdInput<M>): void {
  op.exec(CLASS, method, encodeRbdInput(method, input));
}

async function readCall<M extends RbdMethodName>(
  ioCtx: IoCtx,
  oid: string,
  method: M,
  input: RbdInput<M>,
): Promise<RbdOutput<M>> {
  const op = new ObjectReadOperation();
  const result = startCall(op, method, input);
  await ioCtx.operateRead(oid, op);
  return result.get();
}

async function writeCall<M extends RbdMethodName>(
  ioCtx: IoCtx,
  oid: string,
  method: M,
  input: RbdInput<M>,
): Promise<void> {
  const op = new ObjectWriteOperation();
  addCall(op, method, input);
  await ioCtx.operate(oid, op);
}

// ============================================================ header: image properties

/** `create_image`: initialise a format 2 header (size, order, features, object prefix, data pool). */
export function create(
  op: ObjectWriteOperation,
  size: number,
  order: number,
  features: bigint,
  objectPrefix: string,
  dataPoolId = -1,
): void {
  addCall(op, 'create', { size, order, features, objectPrefix, dataPoolId });
}

export function createOn(
  ioCtx: IoCtx,
  oid: string,
  size: number,
  order: number,
  features: bigint,
  objectPrefix: string,
  dataPoolId = -1,
): Promise<void> {
  return writeCall(ioCtx, oid, 'create', { size, order, features, objectPrefix, dataPoolId });
}

export interface ImageFeatures {
  /** Enabled RBD_FEATURE_* bits. */
  features: bigint;
  /** The enabled bits a client must understand to open the image (read-only: fewer). */
  incompatible: bigint;
}

/** `get_features_start`: always for the head (CEPH_NOSNAP), as Pacific's librbd asks. */
export function getFeaturesStart(op: ObjectReadOperation, readOnly: boolean): ClsResult<ImageFeatures> {
  return startCall(op, 'get_features', { snapId: CEPH_NOSNAP, readOnly });
}

export function getFeatures(ioCtx: IoCtx, oid: string, readOnly: boolean): Promise<ImageFeatures> {
  return readCall(ioCtx, oid, 'get_features', { snapId: CEPH_NOSNAP, readOnly });
}

/** `set_features`: change the bits in `mask` to their value in `features`. */
export function setFeatures(op: ObjectWriteOperation, features: bigint, mask: bigint): void {
  addCall(op, 'set_features', { features, mask });
}

export function setFeaturesOn(ioCtx: IoCtx, oid: string, features: bigint, mask: bigint): Promise<void> {
  return writeCall(ioCtx, oid, 'set_features', { features, mask });
}

export interface ImageSize {
  /** Object size as a power of two. */
  order: number;
  /** Bytes, of the head or of the snapshot asked for. */
  size: number;
}

export function getSizeStart(op: ObjectReadOperation, snapId: bigint): ClsResult<ImageSize> {
  return startCall(op, 'get_size', snapId);
}

export function getSize(ioCtx: IoCtx, oid: string, snapId: bigint = CEPH_NOSNAP): Promise<ImageSize> {
  return readCall(ioCtx, oid, 'get_size', snapId);
}

/** `set_size`: a shrink also shrinks the parent overlap. */
export function setSize(op: ObjectWriteOperation, size: number): void {
  addCall(op, 'set_size', size);
}

export function setSizeOn(ioCtx: IoCtx, oid: string, size: number): Promise<void> {
  return writeCall(ioCtx, oid, 'set_size', size);
}

/** `get_snapcontext_start`: the snap context for writes (EBADMSG when it is not valid). */
export function getSnapContextStart(op: ObjectReadOperation): ClsResult<SnapContext> {
  const slot = op.exec(CLASS, 'get_snapcontext');
  return new ClsResult(slot, 'get_snapcontext', (out) => {
    const snapc = decodeRbdOutput('get_snapcontext', out);
    if (!snapContextIsValid(snapc)) throw new Error('invalid snap context');
    return snapc;
  });
}

export async function getSnapContext(ioCtx: IoCtx, oid: string): Promise<SnapContext> {
  const op = new ObjectReadOperation();
  const result = getSnapContextStart(op);
  await ioCtx.operateRead(oid, op);
  return result.get();
}

export function getObjectPrefixStart(op: ObjectReadOperation): ClsResult<string> {
  return startCall(op, 'get_object_prefix', undefined);
}

export function getObjectPrefix(ioCtx: IoCtx, oid: string): Promise<string> {
  return readCall(ioCtx, oid, 'get_object_prefix', undefined);
}

/** `get_data_pool_start`: the data pool id, -1 when data lives in the header's pool. */
export function getDataPoolStart(op: ObjectReadOperation): ClsResult<number> {
  return startCall(op, 'get_data_pool', undefined);
}

export function getDataPool(ioCtx: IoCtx, oid: string): Promise<number> {
  return readCall(ioCtx, oid, 'get_data_pool', undefined);
}

/** `get_flags_start`: RBD_FLAG_* of the head or a snapshot. */
export function getFlagsStart(op: ObjectReadOperation, snapId: bigint): ClsResult<bigint> {
  return startCall(op, 'get_flags', snapId);
}

export function getFlags(ioCtx: IoCtx, oid: string, snapId: bigint = CEPH_NOSNAP): Promise<bigint> {
  return readCall(ioCtx, oid, 'get_flags', snapId);
}

export function setFlags(op: ObjectWriteOperation, snapId: bigint, flags: bigint, mask: bigint): void {
  addCall(op, 'set_flags', { flags, mask, snapId });
}

export function setFlagsOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  flags: bigint,
  mask: bigint,
): Promise<void> {
  return writeCall(ioCtx, oid, 'set_flags', { flags, mask, snapId });
}

/** `op_features_get_start`: RBD_OPERATION_FEATURE_* bits. */
export function opFeaturesGetStart(op: ObjectReadOperation): ClsResult<bigint> {
  return startCall(op, 'op_features_get', undefined);
}

export function opFeaturesGet(ioCtx: IoCtx, oid: string): Promise<bigint> {
  return readCall(ioCtx, oid, 'op_features_get', undefined);
}

export function opFeaturesSet(op: ObjectWriteOperation, opFeatures: bigint, mask: bigint): void {
  addCall(op, 'op_features_set', { opFeatures, mask });
}

export function opFeaturesSetOn(ioCtx: IoCtx, oid: string, opFeatures: bigint, mask: bigint): Promise<void> {
  return writeCall(ioCtx, oid, 'op_features_set', { opFeatures, mask });
}

export interface StripeUnitCount {
  stripeUnit: number;
  stripeCount: number;
}

/** `get_stripe_unit_count_start`: ENOEXEC unless the image has STRIPINGV2. */
export function getStripeUnitCountStart(op: ObjectReadOperation): ClsResult<StripeUnitCount> {
  return startCall(op, 'get_stripe_unit_count', undefined);
}

export function getStripeUnitCount(ioCtx: IoCtx, oid: string): Promise<StripeUnitCount> {
  return readCall(ioCtx, oid, 'get_stripe_unit_count', undefined);
}

export function setStripeUnitCount(op: ObjectWriteOperation, stripeUnit: number, stripeCount: number): void {
  addCall(op, 'set_stripe_unit_count', { stripeUnit, stripeCount });
}

export function setStripeUnitCountOn(
  ioCtx: IoCtx,
  oid: string,
  stripeUnit: number,
  stripeCount: number,
): Promise<void> {
  return writeCall(ioCtx, oid, 'set_stripe_unit_count', { stripeUnit, stripeCount });
}

export function getCreateTimestampStart(op: ObjectReadOperation): ClsResult<UTime> {
  return startCall(op, 'get_create_timestamp', undefined);
}

export function getCreateTimestamp(ioCtx: IoCtx, oid: string): Promise<UTime> {
  return readCall(ioCtx, oid, 'get_create_timestamp', undefined);
}

export function getAccessTimestampStart(op: ObjectReadOperation): ClsResult<UTime> {
  return startCall(op, 'get_access_timestamp', undefined);
}

export function getAccessTimestamp(ioCtx: IoCtx, oid: string): Promise<UTime> {
  return readCall(ioCtx, oid, 'get_access_timestamp', undefined);
}

export function getModifyTimestampStart(op: ObjectReadOperation): ClsResult<UTime> {
  return startCall(op, 'get_modify_timestamp', undefined);
}

export function getModifyTimestamp(ioCtx: IoCtx, oid: string): Promise<UTime> {
  return readCall(ioCtx, oid, 'get_modify_timestamp', undefined);
}

/** `set_access_timestamp`: the OSD stamps its own clock. */
export function setAccessTimestamp(op: ObjectWriteOperation): void {
  addCall(op, 'set_access_timestamp', undefined);
}

export function setAccessTimestampOn(ioCtx: IoCtx, oid: string): Promise<void> {
  return writeCall(ioCtx, oid, 'set_access_timestamp', undefined);
}

export function setModifyTimestamp(op: ObjectWriteOperation): void {
  addCall(op, 'set_modify_timestamp', undefined);
}

export function setModifyTimestampOn(ioCtx: IoCtx, oid: string): Promise<void> {
  return writeCall(ioCtx, oid, 'set_modify_timestamp', undefined);
}

/** `get_all_features_start`: every feature bit the OSD's class knows. */
export function getAllFeaturesStart(op: ObjectReadOperation): ClsResult<bigint> {
  return startCall(op, 'get_all_features', undefined);
}

export function getAllFeatures(ioCtx: IoCtx, oid: string): Promise<bigint> {
  return readCall(ioCtx, oid, 'get_all_features', undefined);
}

/** `image_group_get_start`: the image's group (pool -1, empty id when it is in none). */
export function imageGroupGetStart(op: ObjectReadOperation): ClsResult<GroupSpec> {
  return startCall(op, 'image_group_get', undefined);
}

export function imageGroupGet(ioCtx: IoCtx, oid: string): Promise<GroupSpec> {
  return readCall(ioCtx, oid, 'image_group_get', undefined);
}

// ============================================================ header: snapshots

export function snapshotGetStart(op: ObjectReadOperation, snapId: bigint): ClsResult<SnapshotInfo> {
  return startCall(op, 'snapshot_get', snapId);
}

export function snapshotGet(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<SnapshotInfo> {
  return readCall(ioCtx, oid, 'snapshot_get', snapId);
}

/** `snapshot_add`: record a self-managed snap id (ESTALE below snap_seq, EEXIST on a duplicate). */
export function snapshotAdd(
  op: ObjectWriteOperation,
  snapId: bigint,
  name: string,
  snapshotNamespace: SnapshotNamespace = { type: 'user' },
): void {
  addCall(op, 'snapshot_add', { name, snapId, snapshotNamespace });
}

export function snapshotAddOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  name: string,
  snapshotNamespace: SnapshotNamespace = { type: 'user' },
): Promise<void> {
  return writeCall(ioCtx, oid, 'snapshot_add', { name, snapId, snapshotNamespace });
}

export function snapshotRemove(op: ObjectWriteOperation, snapId: bigint): void {
  addCall(op, 'snapshot_remove', snapId);
}

export function snapshotRemoveOn(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<void> {
  return writeCall(ioCtx, oid, 'snapshot_remove', snapId);
}

export function snapshotRename(op: ObjectWriteOperation, snapId: bigint, dstName: string): void {
  addCall(op, 'snapshot_rename', { snapId, dstName });
}

export function snapshotRenameOn(ioCtx: IoCtx, oid: string, snapId: bigint, dstName: string): Promise<void> {
  return writeCall(ioCtx, oid, 'snapshot_rename', { snapId, dstName });
}

/** `snapshot_trash_add`: move a snapshot clones still use into the trash namespace. */
export function snapshotTrashAdd(op: ObjectWriteOperation, snapId: bigint): void {
  addCall(op, 'snapshot_trash_add', snapId);
}

export function snapshotTrashAddOn(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<void> {
  return writeCall(ioCtx, oid, 'snapshot_trash_add', snapId);
}

export function getSnapshotNameStart(op: ObjectReadOperation, snapId: bigint): ClsResult<string> {
  return startCall(op, 'get_snapshot_name', snapId);
}

export function getSnapshotName(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<string> {
  return readCall(ioCtx, oid, 'get_snapshot_name', snapId);
}

export function getSnapshotTimestampStart(op: ObjectReadOperation, snapId: bigint): ClsResult<UTime> {
  return startCall(op, 'get_snapshot_timestamp', snapId);
}

export function getSnapshotTimestamp(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<UTime> {
  return readCall(ioCtx, oid, 'get_snapshot_timestamp', snapId);
}

/** `get_protection_status_start`: a ProtectionStatus. */
export function getProtectionStatusStart(op: ObjectReadOperation, snapId: bigint): ClsResult<number> {
  return startCall(op, 'get_protection_status', snapId);
}

export function getProtectionStatus(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<number> {
  return readCall(ioCtx, oid, 'get_protection_status', snapId);
}

export function setProtectionStatus(op: ObjectWriteOperation, snapId: bigint, status: number): void {
  addCall(op, 'set_protection_status', { snapId, status });
}

export function setProtectionStatusOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  status: number,
): Promise<void> {
  return writeCall(ioCtx, oid, 'set_protection_status', { snapId, status });
}

/** `snapshot_get_limit_start`: SNAP_LIMIT_NONE (UINT64_MAX) when unlimited. */
export function snapshotGetLimitStart(op: ObjectReadOperation): ClsResult<bigint> {
  return startCall(op, 'snapshot_get_limit', undefined);
}

export function snapshotGetLimit(ioCtx: IoCtx, oid: string): Promise<bigint> {
  return readCall(ioCtx, oid, 'snapshot_get_limit', undefined);
}

/** `snapshot_set_limit`: SNAP_LIMIT_NONE removes the limit. */
export function snapshotSetLimit(op: ObjectWriteOperation, limit: bigint): void {
  addCall(op, 'snapshot_set_limit', limit);
}

export function snapshotSetLimitOn(ioCtx: IoCtx, oid: string, limit: bigint): Promise<void> {
  return writeCall(ioCtx, oid, 'snapshot_set_limit', limit);
}

// ============================================================ header: metadata

/** `metadata_list_start`: up to `maxReturn` keys after `startAfter`, without the `metadata_` prefix. */
export function metadataListStart(
  op: ObjectReadOperation,
  startAfter: string,
  maxReturn: number,
): ClsResult<Map<string, Buffer>> {
  return startCall(op, 'metadata_list', { startAfter, maxReturn });
}

export function metadataList(
  ioCtx: IoCtx,
  oid: string,
  startAfter = '',
  maxReturn = 64,
): Promise<Map<string, Buffer>> {
  return readCall(ioCtx, oid, 'metadata_list', { startAfter, maxReturn });
}

export function metadataSet(op: ObjectWriteOperation, data: ReadonlyMap<string, Buffer>): void {
  addCall(op, 'metadata_set', new Map(data));
}

export function metadataSetOn(ioCtx: IoCtx, oid: string, data: ReadonlyMap<string, Buffer>): Promise<void> {
  return writeCall(ioCtx, oid, 'metadata_set', new Map(data));
}

export function metadataRemove(op: ObjectWriteOperation, key: string): void {
  addCall(op, 'metadata_remove', key);
}

export function metadataRemoveOn(ioCtx: IoCtx, oid: string, key: string): Promise<void> {
  return writeCall(ioCtx, oid, 'metadata_remove', key);
}

export function metadataGetStart(op: ObjectReadOperation, key: string): ClsResult<string> {
  return startCall(op, 'metadata_get', key);
}

export function metadataGet(ioCtx: IoCtx, oid: string, key: string): Promise<string> {
  return readCall(ioCtx, oid, 'metadata_get', key);
}

// ============================================================ header: parent

/** `parent_get_start`: the parent spec (pool -1 when the image has none). */
export function parentGetStart(op: ObjectReadOperation): ClsResult<ParentImageSpec> {
  return startCall(op, 'parent_get', undefined);
}

export function parentGet(ioCtx: IoCtx, oid: string): Promise<ParentImageSpec> {
  return readCall(ioCtx, oid, 'parent_get', undefined);
}

/** `parent_overlap_get_start`: undefined when the head/snapshot has no parent overlap. */
export function parentOverlapGetStart(
  op: ObjectReadOperation,
  snapId: bigint,
): ClsResult<number | undefined> {
  return startCall(op, 'parent_overlap_get', snapId);
}

export function parentOverlapGet(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<number | undefined> {
  return readCall(ioCtx, oid, 'parent_overlap_get', snapId);
}

export function parentAttach(
  op: ObjectWriteOperation,
  parent: ParentImageSpec,
  overlap: number,
  reattach = false,
): void {
  addCall(op, 'parent_attach', { parent, overlap, reattach });
}

export function parentAttachOn(
  ioCtx: IoCtx,
  oid: string,
  parent: ParentImageSpec,
  overlap: number,
  reattach = false,
): Promise<void> {
  return writeCall(ioCtx, oid, 'parent_attach', { parent, overlap, reattach });
}

export function parentDetach(op: ObjectWriteOperation): void {
  addCall(op, 'parent_detach', undefined);
}

export function parentDetachOn(ioCtx: IoCtx, oid: string): Promise<void> {
  return writeCall(ioCtx, oid, 'parent_detach', undefined);
}

export interface LegacyParent {
  /** The parent (its namespace is always empty: the legacy calls cannot carry one). */
  parent: ParentImageSpec;
  /** Bytes of the parent the image (or snapshot) sees; 0 without a parent. */
  overlap: number;
}

/** `get_parent_start` (legacy): EXDEV when the parent is in another namespace. */
export function getParentStart(op: ObjectReadOperation, snapId: bigint): ClsResult<LegacyParent> {
  const slot = op.exec(CLASS, 'get_parent', encodeRbdInput('get_parent', snapId));
  return new ClsResult(slot, 'get_parent', (out) => {
    const r = decodeRbdOutput('get_parent', out);
    return {
      parent: { poolId: r.poolId, poolNamespace: '', imageId: r.imageId, snapId: r.snapId },
      overlap: r.overlap,
    };
  });
}

export async function getParent(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<LegacyParent> {
  const op = new ObjectReadOperation();
  const result = getParentStart(op, snapId);
  await ioCtx.operateRead(oid, op);
  return result.get();
}

function legacyParent(p: ParentImageSpec): { poolId: number; imageId: string; snapId: bigint } {
  if (p.poolNamespace !== '') throw new CephError('EXDEV', 'the legacy parent calls cannot name a namespace');
  return { poolId: p.poolId, imageId: p.imageId, snapId: p.snapId };
}

export function setParent(op: ObjectWriteOperation, parent: ParentImageSpec, overlap: number): void {
  addCall(op, 'set_parent', { ...legacyParent(parent), overlap });
}

export function setParentOn(
  ioCtx: IoCtx,
  oid: string,
  parent: ParentImageSpec,
  overlap: number,
): Promise<void> {
  return writeCall(ioCtx, oid, 'set_parent', { ...legacyParent(parent), overlap });
}

export function removeParent(op: ObjectWriteOperation): void {
  addCall(op, 'remove_parent', undefined);
}

export function removeParentOn(ioCtx: IoCtx, oid: string): Promise<void> {
  return writeCall(ioCtx, oid, 'remove_parent', undefined);
}

// ============================================================ header: clone v2 children

export function childAttach(op: ObjectWriteOperation, snapId: bigint, child: ChildImageSpec): void {
  addCall(op, 'child_attach', { snapId, child });
}

export function childAttachOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  child: ChildImageSpec,
): Promise<void> {
  return writeCall(ioCtx, oid, 'child_attach', { snapId, child });
}

export function childDetach(op: ObjectWriteOperation, snapId: bigint, child: ChildImageSpec): void {
  addCall(op, 'child_detach', { snapId, child });
}

export function childDetachOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  child: ChildImageSpec,
): Promise<void> {
  return writeCall(ioCtx, oid, 'child_detach', { snapId, child });
}

/** `children_list_start`: ENOENT when the snapshot has no clone v2 children. */
export function childrenListStart(op: ObjectReadOperation, snapId: bigint): ClsResult<ChildImageSpec[]> {
  return startCall(op, 'children_list', snapId);
}

export function childrenList(ioCtx: IoCtx, oid: string, snapId: bigint): Promise<ChildImageSpec[]> {
  return readCall(ioCtx, oid, 'children_list', snapId);
}

// ============================================================ rbd_children (clone v1)

export function addChild(op: ObjectWriteOperation, parent: ParentImageSpec, childId: string): void {
  addCall(op, 'add_child', { ...legacyParent(parent), childId });
}

export function addChildOn(
  ioCtx: IoCtx,
  oid: string,
  parent: ParentImageSpec,
  childId: string,
): Promise<void> {
  return writeCall(ioCtx, oid, 'add_child', { ...legacyParent(parent), childId });
}

export function removeChild(op: ObjectWriteOperation, parent: ParentImageSpec, childId: string): void {
  addCall(op, 'remove_child', { ...legacyParent(parent), childId });
}

export function removeChildOn(
  ioCtx: IoCtx,
  oid: string,
  parent: ParentImageSpec,
  childId: string,
): Promise<void> {
  return writeCall(ioCtx, oid, 'remove_child', { ...legacyParent(parent), childId });
}

/** `get_children_start`: the child image ids (ENOENT when there are none). */
export function getChildrenStart(op: ObjectReadOperation, parent: ParentImageSpec): ClsResult<string[]> {
  return startCall(op, 'get_children', legacyParent(parent));
}

export function getChildren(ioCtx: IoCtx, oid: string, parent: ParentImageSpec): Promise<string[]> {
  return readCall(ioCtx, oid, 'get_children', legacyParent(parent));
}

// ============================================================ rbd_id.<name>

export function getIdStart(op: ObjectReadOperation): ClsResult<string> {
  return startCall(op, 'get_id', undefined);
}

export function getId(ioCtx: IoCtx, oid: string): Promise<string> {
  return readCall(ioCtx, oid, 'get_id', undefined);
}

/** `set_id`: the object must exist and be empty (EEXIST otherwise); ids are alphanumeric. */
export function setId(op: ObjectWriteOperation, id: string): void {
  addCall(op, 'set_id', id);
}

export function setIdOn(ioCtx: IoCtx, oid: string, id: string): Promise<void> {
  return writeCall(ioCtx, oid, 'set_id', id);
}

// ============================================================ rbd_directory

export function dirGetIdStart(op: ObjectReadOperation, name: string): ClsResult<string> {
  return startCall(op, 'dir_get_id', name);
}

export function dirGetId(ioCtx: IoCtx, oid: string, name: string): Promise<string> {
  return readCall(ioCtx, oid, 'dir_get_id', name);
}

export function dirGetNameStart(op: ObjectReadOperation, id: string): ClsResult<string> {
  return startCall(op, 'dir_get_name', id);
}

export function dirGetName(ioCtx: IoCtx, oid: string, id: string): Promise<string> {
  return readCall(ioCtx, oid, 'dir_get_name', id);
}

/** `dir_list_start`: name → id of up to `maxReturn` images after `startAfter`, by name. */
export function dirListStart(
  op: ObjectReadOperation,
  startAfter: string,
  maxReturn: number,
): ClsResult<Map<string, string>> {
  return startCall(op, 'dir_list', { startAfter, maxReturn });
}

export function dirList(
  ioCtx: IoCtx,
  oid: string,
  startAfter = '',
  maxReturn = 1024,
): Promise<Map<string, string>> {
  return readCall(ioCtx, oid, 'dir_list', { startAfter, maxReturn });
}

/** `dir_add_image`: creates the directory if needed (EEXIST: name taken, EBADF: id taken). */
export function dirAddImage(op: ObjectWriteOperation, name: string, id: string): void {
  addCall(op, 'dir_add_image', { name, id });
}

export function dirAddImageOn(ioCtx: IoCtx, oid: string, name: string, id: string): Promise<void> {
  return writeCall(ioCtx, oid, 'dir_add_image', { name, id });
}

/** `dir_remove_image`: ESTALE when name and id do not map to each other. */
export function dirRemoveImage(op: ObjectWriteOperation, name: string, id: string): void {
  addCall(op, 'dir_remove_image', { name, id });
}

export function dirRemoveImageOn(ioCtx: IoCtx, oid: string, name: string, id: string): Promise<void> {
  return writeCall(ioCtx, oid, 'dir_remove_image', { name, id });
}

export function dirRenameImage(op: ObjectWriteOperation, src: string, dest: string, id: string): void {
  addCall(op, 'dir_rename_image', { src, dest, id });
}

export function dirRenameImageOn(
  ioCtx: IoCtx,
  oid: string,
  src: string,
  dest: string,
  id: string,
): Promise<void> {
  return writeCall(ioCtx, oid, 'dir_rename_image', { src, dest, id });
}

/** `dir_state_assert`: ENOENT unless the directory is in `state` (a DirectoryState). */
export function dirStateAssert(op: AnyOperation, state: number): void {
  addCall(op, 'dir_state_assert', state);
}

export function dirStateAssertOn(ioCtx: IoCtx, oid: string, state: number): Promise<void> {
  return writeCall(ioCtx, oid, 'dir_state_assert', state);
}

export function dirStateSet(op: ObjectWriteOperation, state: number): void {
  addCall(op, 'dir_state_set', state);
}

export function dirStateSetOn(ioCtx: IoCtx, oid: string, state: number): Promise<void> {
  return writeCall(ioCtx, oid, 'dir_state_set', state);
}

// ============================================================ rbd_object_map.<id>

/** `object_map_load_start`: the encoded BitVector<2> (crc disabled), undecoded. */
export function objectMapLoadStart(op: ObjectReadOperation): ClsResult<Buffer> {
  return startCall(op, 'object_map_load', undefined);
}

export function objectMapLoad(ioCtx: IoCtx, oid: string): Promise<Buffer> {
  return readCall(ioCtx, oid, 'object_map_load', undefined);
}

/** `object_map_save`: `encodedBitVector` is a BitVector<2> encoded with its crcs disabled. */
export function objectMapSave(op: ObjectWriteOperation, encodedBitVector: Buffer): void {
  addCall(op, 'object_map_save', encodedBitVector);
}

export function objectMapSaveOn(ioCtx: IoCtx, oid: string, encodedBitVector: Buffer): Promise<void> {
  return writeCall(ioCtx, oid, 'object_map_save', encodedBitVector);
}

/** `object_map_resize`: ESTALE when shrinking drops an object not in `defaultState`. */
export function objectMapResize(op: ObjectWriteOperation, objectCount: number, defaultState: number): void {
  addCall(op, 'object_map_resize', { objectCount, defaultState });
}

export function objectMapResizeOn(
  ioCtx: IoCtx,
  oid: string,
  objectCount: number,
  defaultState: number,
): Promise<void> {
  return writeCall(ioCtx, oid, 'object_map_resize', { objectCount, defaultState });
}

/**
 * `object_map_update`: set objects [start, end) to `newState`, only those in
 * `currentState` when given (EXISTS also matches EXISTS_CLEAN); ERANGE past the map.
 */
export function objectMapUpdate(
  op: ObjectWriteOperation,
  startObjectNo: number,
  endObjectNo: number,
  newObjectState: number,
  currentObjectState?: number,
): void {
  addCall(op, 'object_map_update', { startObjectNo, endObjectNo, newObjectState, currentObjectState });
}

export function objectMapUpdateOn(
  ioCtx: IoCtx,
  oid: string,
  startObjectNo: number,
  endObjectNo: number,
  newObjectState: number,
  currentObjectState?: number,
): Promise<void> {
  return writeCall(ioCtx, oid, 'object_map_update', {
    startObjectNo,
    endObjectNo,
    newObjectState,
    currentObjectState,
  });
}

/** `object_map_snap_add`: EXISTS → EXISTS_CLEAN for every object (after a snapshot). */
export function objectMapSnapAdd(op: ObjectWriteOperation): void {
  addCall(op, 'object_map_snap_add', undefined);
}

export function objectMapSnapAddOn(ioCtx: IoCtx, oid: string): Promise<void> {
  return writeCall(ioCtx, oid, 'object_map_snap_add', undefined);
}

/** `object_map_snap_remove`: fold a removed snapshot's map (encoded, crcs off) into this one. */
export function objectMapSnapRemove(op: ObjectWriteOperation, encodedBitVector: Buffer): void {
  addCall(op, 'object_map_snap_remove', encodedBitVector);
}

export function objectMapSnapRemoveOn(ioCtx: IoCtx, oid: string, encodedBitVector: Buffer): Promise<void> {
  return writeCall(ioCtx, oid, 'object_map_snap_remove', encodedBitVector);
}

// ============================================================ rbd_trash

/** `trash_add`: creates rbd_trash if needed; EEXIST when the id is already there. */
export function trashAdd(op: ObjectWriteOperation, id: string, spec: TrashImageSpec): void {
  addCall(op, 'trash_add', { id, spec });
}

export function trashAddOn(ioCtx: IoCtx, id: string, spec: TrashImageSpec): Promise<void> {
  return writeCall(ioCtx, RBD_TRASH, 'trash_add', { id, spec });
}

export function trashRemove(op: ObjectWriteOperation, id: string): void {
  addCall(op, 'trash_remove', id);
}

export function trashRemoveOn(ioCtx: IoCtx, id: string): Promise<void> {
  return writeCall(ioCtx, RBD_TRASH, 'trash_remove', id);
}

/** `trash_list_start`: image id → spec of up to `maxReturn` entries after `startAfter`. */
export function trashListStart(
  op: ObjectReadOperation,
  startAfter: string,
  maxReturn: number,
): ClsResult<Map<string, TrashImageSpec>> {
  return startCall(op, 'trash_list', { startAfter, maxReturn });
}

export function trashList(
  ioCtx: IoCtx,
  startAfter = '',
  maxReturn = 1024,
): Promise<Map<string, TrashImageSpec>> {
  return readCall(ioCtx, RBD_TRASH, 'trash_list', { startAfter, maxReturn });
}

export function trashGetStart(op: ObjectReadOperation, id: string): ClsResult<TrashImageSpec> {
  return startCall(op, 'trash_get', id);
}

export function trashGet(ioCtx: IoCtx, id: string): Promise<TrashImageSpec> {
  return readCall(ioCtx, RBD_TRASH, 'trash_get', id);
}

/** `trash_state_set`: move from `expectState` to `state` (ESTALE when in neither). */
export function trashStateSet(
  op: ObjectWriteOperation,
  id: string,
  state: number,
  expectState: number,
): void {
  addCall(op, 'trash_state_set', { id, state, expectState });
}

export function trashStateSetOn(ioCtx: IoCtx, id: string, state: number, expectState: number): Promise<void> {
  return writeCall(ioCtx, RBD_TRASH, 'trash_state_set', { id, state, expectState });
}

// ============================================================ data objects

/** `copyup`: write the parent's data into a child object that does not exist yet (no-op if it does). */
export function copyup(op: ObjectWriteOperation, data: Buffer): void {
  addCall(op, 'copyup', data);
}

export function copyupOn(ioCtx: IoCtx, oid: string, data: Buffer): Promise<void> {
  return writeCall(ioCtx, oid, 'copyup', data);
}

/** One extent of `sparse_copyup`: its bytes are the next `length` bytes of the data. */
export interface CopyupExtent {
  offset: number;
  length: number;
}

/** `sparse_copyup`: like copyup but only the given extents (none: create an empty object). */
export function sparseCopyup(op: ObjectWriteOperation, extents: readonly CopyupExtent[], data: Buffer): void {
  addCall(op, 'sparse_copyup', { extents: [...extents], data });
}

export function sparseCopyupOn(
  ioCtx: IoCtx,
  oid: string,
  extents: readonly CopyupExtent[],
  data: Buffer,
): Promise<void> {
  return writeCall(ioCtx, oid, 'sparse_copyup', { extents: [...extents], data });
}

/** `assert_snapc_seq`: ERANGE unless the object's snapset seq relates to `snapcSeq` as `state` says. */
export function assertSnapcSeq(op: ObjectWriteOperation, snapcSeq: bigint, state: number): void {
  addCall(op, 'assert_snapc_seq', { snapcSeq, state });
}

export function assertSnapcSeqOn(ioCtx: IoCtx, oid: string, snapcSeq: bigint, state: number): Promise<void> {
  return writeCall(ioCtx, oid, 'assert_snapc_seq', { snapcSeq, state });
}

/** `sparsify`: punch out zeroed runs of at least `sparseSize` bytes (remove an all-zero object). */
export function sparsify(op: ObjectWriteOperation, sparseSize: number, removeEmpty: boolean): void {
  addCall(op, 'sparsify', { sparseSize, removeEmpty });
}

export function sparsifyOn(
  ioCtx: IoCtx,
  oid: string,
  sparseSize: number,
  removeEmpty: boolean,
): Promise<void> {
  return writeCall(ioCtx, oid, 'sparsify', { sparseSize, removeEmpty });
}

// ============================================================ format 1 headers

export interface OldSnapshot {
  id: bigint;
  imageSize: number;
  name: string;
}

export interface OldSnapshotList {
  /** The header's snap_seq. */
  seq: bigint;
  /** Newest first, as the header stores them. */
  snaps: OldSnapshot[];
}

/** `old_snapshot_list_start` (`snap_list`). */
export function oldSnapshotListStart(op: ObjectReadOperation): ClsResult<OldSnapshotList> {
  return startCall(op, 'snap_list', undefined);
}

export function oldSnapshotList(ioCtx: IoCtx, oid: string): Promise<OldSnapshotList> {
  return readCall(ioCtx, oid, 'snap_list', undefined);
}

/** `old_snapshot_add` (`snap_add`). */
export function oldSnapshotAdd(op: ObjectWriteOperation, snapId: bigint, name: string): void {
  addCall(op, 'snap_add', { name, snapId });
}

export function oldSnapshotAddOn(ioCtx: IoCtx, oid: string, snapId: bigint, name: string): Promise<void> {
  return writeCall(ioCtx, oid, 'snap_add', { name, snapId });
}

/** `old_snapshot_remove` (`snap_remove`), by name. */
export function oldSnapshotRemove(op: ObjectWriteOperation, name: string): void {
  addCall(op, 'snap_remove', name);
}

export function oldSnapshotRemoveOn(ioCtx: IoCtx, oid: string, name: string): Promise<void> {
  return writeCall(ioCtx, oid, 'snap_remove', name);
}

/** `old_snapshot_rename` (`snap_rename`). */
export function oldSnapshotRename(op: ObjectWriteOperation, snapId: bigint, dstName: string): void {
  addCall(op, 'snap_rename', { snapId, dstName });
}

export function oldSnapshotRenameOn(
  ioCtx: IoCtx,
  oid: string,
  snapId: bigint,
  dstName: string,
): Promise<void> {
  return writeCall(ioCtx, oid, 'snap_rename', { snapId, dstName });
}
