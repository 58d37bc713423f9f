/**
 * The messages librbd clients exchange through watch/notify on an image
 * header (Ceph's `librbd/WatchNotifyTypes.h`, as Pacific 16.2.15 sends them):
 *
 *   NotifyMessage   = ENCODE_START(7, 1) { u32 notify_op; payload fields }
 *   ResponseMessage = ENCODE_START(1, 1) { i32 result }   (a lock owner's notify ack)
 *
 * Payload fields are appended in the order each Ceph version added them, so
 * the decoder reads old fields unconditionally and newer ones only when the
 * envelope's struct_v says they are there. An empty notification is the
 * legacy header update. An op this code does not know keeps its body so it
 * re-encodes unchanged; a lock owner answers it with -EOPNOTSUPP.
 *
 * Verified against traffic captured from the real `rbd` (test/fixtures/rbd-notify):
 * Pacific 16.2.15 already sends METADATA_UPDATE (op 20) for `image-meta set/remove`.
 */
import { CephError, Errno, isCephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import { encode, type Encoder } from '../../encoding/encoder.js';
import {
  decodeSnapshotNamespace,
  encodeSnapshotNamespace,
  type SnapshotNamespace,
} from '../../cls/rbd/types.js';
import { decodeNotifyReply, type NotifyResult } from '../../rados/notify-reply.js';

/** `NotifyOp`: the u32 that opens every NotifyMessage body. */
export const NotifyOp = {
  ACQUIRED_LOCK: 0,
  RELEASED_LOCK: 1,
  REQUEST_LOCK: 2,
  HEADER_UPDATE: 3,
  ASYNC_PROGRESS: 4,
  ASYNC_COMPLETE: 5,
  FLATTEN: 6,
  RESIZE: 7,
  SNAP_CREATE: 8,
  SNAP_REMOVE: 9,
  REBUILD_OBJECT_MAP: 10,
  SNAP_RENAME: 11,
  SNAP_PROTECT: 12,
  SNAP_UNPROTECT: 13,
  RENAME: 14,
  UPDATE_FEATURES: 15,
  MIGRATE: 16,
  SPARSIFY: 17,
  QUIESCE: 18,
  UNQUIESCE: 19,
  METADATA_UPDATE: 20,
} as const;
export type NotifyOp = (typeof NotifyOp)[keyof typeof NotifyOp];

/** The struct_v this code writes (Pacific's `NotifyMessage::encode`). */
export const NOTIFY_MESSAGE_VERSION = 7;

/** Ceph's name of an op (`operator<<(NotifyOp)`), for logs. */
export function notifyOpName(op: number): string {
  const names = [
    'AcquiredLock',
    'ReleasedLock',
    'RequestLock',
    'HeaderUpdate',
    'AsyncProgress',
    'AsyncComplete',
    'Flatten',
    'Resize',
    'SnapCreate',
    'SnapRemove',
    'RebuildObjectMap',
    'SnapRename',
    'SnapProtect',
    'SnapUnprotect',
    'Rename',
    'UpdateFeatures',
    'Migrate',
    'Sparsify',
    'Quiesce',
    'Unquiesce',
    'MetadataUpdate',
  ];
  return names[op] ?? `Unknown (${op})`;
}

/** `ClientId`: one open image handle in the cluster. */
export interface ClientId {
  /** `uint64_t gid`: the client's global id (`rados.instanceId`). */
  gid: bigint;
  /** `uint64_t handle`: its header watch handle (cookie). */
  handle: bigint;
}

/** `AsyncRequestId`: a maintenance request, unique across the cluster. */
export interface AsyncRequestId {
  /** `ClientId client_id`: who asked. */
  clientId: ClientId;
  /** `uint64_t request_id`: the asker's own sequence number. */
  requestId: bigint;
}

export const NULL_CLIENT_ID: ClientId = Object.freeze({ gid: 0n, handle: 0n });

/** `ClientId::is_valid`: anything but (0, 0). */
export function isValidClientId(c: ClientId): boolean {
  return c.gid !== 0n || c.handle !== 0n;
}

export function sameClientId(a: ClientId, b: ClientId): boolean {
  return a.gid === b.gid && a.handle === b.handle;
}

/** `AsyncRequestId::operator bool`: anything but the default id (requests from old clients carry none). */
export function isValidAsyncRequestId(id: AsyncRequestId): boolean {
  return isValidClientId(id.clientId) || id.requestId !== 0n;
}

/** A map key for an AsyncRequestId (`[gid,handle,request]`, as Ceph prints it). */
export function asyncRequestKey(id: AsyncRequestId): string {
  return `[${id.clientId.gid},${id.clientId.handle},${id.requestId}]`;
}

export function encodeClientId(e: Encoder, c: ClientId): void {
  e.u64(c.gid).u64(c.handle);
}

export function decodeClientId(d: Decoder): ClientId {
  return { gid: d.u64(), handle: d.u64() };
}

export function encodeAsyncRequestId(e: Encoder, id: AsyncRequestId): void {
  encodeClientId(e, id.clientId);
  e.u64(id.requestId);
}

export function decodeAsyncRequestId(d: Decoder): AsyncRequestId {
  return { clientId: decodeClientId(d), requestId: d.u64() };
}

const NULL_ASYNC_REQUEST_ID: AsyncRequestId = Object.freeze({ clientId: NULL_CLIENT_ID, requestId: 0n });

// ---------------------------------------------------------------- payloads

export interface AcquiredLockPayload {
  op: typeof NotifyOp.ACQUIRED_LOCK;
  /** The new owner (v2+; older clients sent nothing). */
  clientId: ClientId;
}

export interface ReleasedLockPayload {
  op: typeof NotifyOp.RELEASED_LOCK;
  /** The former owner (v2+). */
  clientId: ClientId;
}

export interface RequestLockPayload {
  op: typeof NotifyOp.REQUEST_LOCK;
  /** Who wants the lock (v2+). */
  clientId: ClientId;
  /** `bool force` (v3+): ask even a policy that refuses to hand the lock over. */
  force: boolean;
}

export interface HeaderUpdatePayload {
  op: typeof NotifyOp.HEADER_UPDATE;
}

export interface AsyncProgressPayload {
  op: typeof NotifyOp.ASYNC_PROGRESS;
  asyncRequestId: AsyncRequestId;
  /** `uint64_t offset`: units done. */
  offset: bigint;
  /** `uint64_t total`: units in all. */
  total: bigint;
}

export interface AsyncCompletePayload {
  op: typeof NotifyOp.ASYNC_COMPLETE;
  asyncRequestId: AsyncRequestId;
  /** `int result`: 0 or a negative errno. */
  result: number;
}

export interface FlattenPayload {
  op: typeof NotifyOp.FLATTEN;
  asyncRequestId: AsyncRequestId;
}

export interface ResizePayload {
  op: typeof NotifyOp.RESIZE;
  /** `uint64_t size`: the new size in bytes (written before the request id). */
  size: bigint;
  asyncRequestId: AsyncRequestId;
  /** `bool allow_shrink` (v4+). */
  allowShrink: boolean;
}

/** The fields SnapPayloadBase carries: name, namespace (v6+), request id (v7+). */
interface SnapFields {
  /** `std::string snap_name`. */
  snapName: string;
  /** `cls::rbd::SnapshotNamespace snap_namespace`. */
  snapNamespace: SnapshotNamespace;
  asyncRequestId: AsyncRequestId;
}

export interface SnapCreatePayload extends SnapFields {
  op: typeof NotifyOp.SNAP_CREATE;
  /** `uint64_t flags` (v7+): SNAP_CREATE_FLAG_SKIP_OBJECT_MAP / SKIP_NOTIFY_QUIESCE / IGNORE_NOTIFY_QUIESCE_ERROR. */
  flags: bigint;
}

export interface SnapRemovePayload extends SnapFields {
  op: typeof NotifyOp.SNAP_REMOVE;
}

export interface SnapProtectPayload extends SnapFields {
  op: typeof NotifyOp.SNAP_PROTECT;
}

export interface SnapUnprotectPayload extends SnapFields {
  op: typeof NotifyOp.SNAP_UNPROTECT;
}

export interface SnapRenamePayload extends SnapFields {
  op: typeof NotifyOp.SNAP_RENAME;
  /** `uint64_t snap_id`: the snapshot to rename (written first); `snapName` is the new name. */
  snapId: bigint;
}

export interface RebuildObjectMapPayload {
  op: typeof NotifyOp.REBUILD_OBJECT_MAP;
  asyncRequestId: AsyncRequestId;
}

export interface RenamePayload {
  op: typeof NotifyOp.RENAME;
  /** `std::string image_name`: the new name. */
  imageName: string;
  /** v7+. */
  asyncRequestId: AsyncRequestId;
}

export interface UpdateFeaturesPayload {
  op: typeof NotifyOp.UPDATE_FEATURES;
  /** `uint64_t features`: the feature bits to change. */
  features: bigint;
  /** `bool enabled`: enable (true) or disable them. */
  enabled: boolean;
  /** v7+. */
  asyncRequestId: AsyncRequestId;
}

export interface MigratePayload {
  op: typeof NotifyOp.MIGRATE;
  asyncRequestId: AsyncRequestId;
}

export interface SparsifyPayload {
  op: typeof NotifyOp.SPARSIFY;
  asyncRequestId: AsyncRequestId;
  /** `uint64_t sparse_size`: the zero run length worth punching. */
  sparseSize: bigint;
}

export interface QuiescePayload {
  op: typeof NotifyOp.QUIESCE;
  asyncRequestId: AsyncRequestId;
}

export interface UnquiescePayload {
  op: typeof NotifyOp.UNQUIESCE;
  asyncRequestId: AsyncRequestId;
}

export interface MetadataUpdatePayload {
  op: typeof NotifyOp.METADATA_UPDATE;
  /** `std::string key`. */
  key: string;
  /** `std::optional<std::string> value`: set it, or remove the key when absent. */
  value: string | undefined;
  /** v7+. */
  asyncRequestId: AsyncRequestId;
}

/** An op this code does not know; its body is kept verbatim. */
export interface UnknownPayload {
  op: number;
  unknown: true;
  /** The payload bytes after the op code. */
  raw: Buffer;
}

export type KnownPayload =
  | AcquiredLockPayload
  | ReleasedLockPayload
  | RequestLockPayload
  | HeaderUpdatePayload
  | AsyncProgressPayload
  | AsyncCompletePayload
  | FlattenPayload
  | ResizePayload
  | SnapCreatePayload
  | SnapRemovePayload
  | RebuildObjectMapPayload
  | SnapRenamePayload
  | SnapProtectPayload
  | SnapUnprotectPayload
  | RenamePayload
  | UpdateFeaturesPayload
  | MigratePayload
  | SparsifyPayload
  | QuiescePayload
  | UnquiescePayload
  | MetadataUpdatePayload;

export type NotifyPayload = KnownPayload | UnknownPayload;

export function isUnknownPayload(p: NotifyPayload): p is UnknownPayload {
  return 'unknown' in p;
}

/** The request id of a payload that carries one (requests, progress, completion, quiesce). */
export function payloadAsyncRequestId(p: NotifyPayload): AsyncRequestId | undefined {
  return 'asyncRequestId' in p ? p.asyncRequestId : undefined;
}

/**
 * `check_for_refresh`: whether a receiver should refresh a stale image before
 * acting. Lock traffic, header updates, progress, completion and quiesce do
 * not need it; every maintenance request does.
 */
export function checkForRefresh(p: NotifyPayload): boolean {
  if (isUnknownPayload(p)) return false;
  switch (p.op) {
    case NotifyOp.ACQUIRED_LOCK:
    case NotifyOp.RELEASED_LOCK:
    case NotifyOp.REQUEST_LOCK:
    case NotifyOp.HEADER_UPDATE:
    case NotifyOp.ASYNC_PROGRESS:
    case NotifyOp.ASYNC_COMPLETE:
    case NotifyOp.QUIESCE:
    case NotifyOp.UNQUIESCE:
      return false;
    default:
      return true;
  }
}

// ---------------------------------------------------------------- NotifyMessage codec

function encodeSnapFields(e: Encoder, p: SnapFields): void {
  e.string(p.snapName);
  encodeSnapshotNamespace(e, p.snapNamespace);
  encodeAsyncRequestId(e, p.asyncRequestId);
}

function encodePayloadBody(e: Encoder, p: NotifyPayload): void {
  if (isUnknownPayload(p)) {
    e.bytes(p.raw);
    return;
  }
  switch (p.op) {
    case NotifyOp.ACQUIRED_LOCK:
    case NotifyOp.RELEASED_LOCK:
      encodeClientId(e, p.clientId);
      break;
    case NotifyOp.REQUEST_LOCK:
      encodeClientId(e, p.clientId);
      e.bool(p.force);
      break;
    case NotifyOp.HEADER_UPDATE:
      break;
    case NotifyOp.ASYNC_PROGRESS:
      encodeAsyncRequestId(e, p.asyncRequestId);
      e.u64(p.offset).u64(p.total);
      break;
    case NotifyOp.ASYNC_COMPLETE:
      encodeAsyncRequestId(e, p.asyncRequestId);
      e.i32(p.result);
      break;
    case NotifyOp.FLATTEN:
    case NotifyOp.REBUILD_OBJECT_MAP:
    case NotifyOp.MIGRATE:
    case NotifyOp.QUIESCE:
    case NotifyOp.UNQUIESCE:
      encodeAsyncRequestId(e, p.asyncRequestId);
      break;
    case NotifyOp.RESIZE:
      e.u64(p.size);
      encodeAsyncRequestId(e, p.asyncRequestId);
      e.bool(p.allowShrink);
      break;
    case NotifyOp.SNAP_CREATE:
      encodeSnapFields(e, p);
      e.u64(p.flags);
      break;
    case NotifyOp.SNAP_REMOVE:
    case NotifyOp.SNAP_PROTECT:
    case NotifyOp.SNAP_UNPROTECT:
      encodeSnapFields(e, p);
      break;
    case NotifyOp.SNAP_RENAME:
      e.u64(p.snapId);
      encodeSnapFields(e, p);
      break;
    case NotifyOp.RENAME:
      e.string(p.imageName);
      encodeAsyncRequestId(e, p.asyncRequestId);
      break;
    case NotifyOp.UPDATE_FEATURES:
      e.u64(p.features).bool(p.enabled);
      encodeAsyncRequestId(e, p.asyncRequestId);
      break;
    case NotifyOp.SPARSIFY:
      encodeAsyncRequestId(e, p.asyncRequestId);
      e.u64(p.sparseSize);
      break;
    case NotifyOp.METADATA_UPDATE:
      e.string(p.key).optional(p.value, (x, v) => x.string(v));
      encodeAsyncRequestId(e, p.asyncRequestId);
      break;
  }
}

/** `encode(NotifyMessage(payload))`: the bytes a notify carries. */
export function encodeNotifyMessage(p: NotifyPayload): Buffer {
  return encode((e) =>
    e.struct(NOTIFY_MESSAGE_VERSION, 1, (b) => {
      b.u32(p.op);
      encodePayloadBody(b, p);
    }),
  );
}

/** The request id a v7 field holds, or the default id for older senders. */
function idSince(d: Decoder, v: number, since: number): AsyncRequestId {
  return v >= since ? decodeAsyncRequestId(d) : NULL_ASYNC_REQUEST_ID;
}

function decodeSnapFields(d: Decoder, v: number, legacyNamespaceAtV5: boolean): SnapFields {
  const snapName = d.string();
  let snapNamespace: SnapshotNamespace = { type: 'user' };
  if (v >= 6 || (legacyNamespaceAtV5 && v === 5)) snapNamespace = decodeSnapshotNamespace(d);
  return { snapName, snapNamespace, asyncRequestId: idSince(d, v, 7) };
}

function decodePayloadBody(d: Decoder, op: number, v: number): NotifyPayload {
  switch (op) {
    case NotifyOp.ACQUIRED_LOCK:
    case NotifyOp.RELEASED_LOCK:
      return { op, clientId: v >= 2 ? decodeClientId(d) : NULL_CLIENT_ID } as
        AcquiredLockPayload | ReleasedLockPayload;
    case NotifyOp.REQUEST_LOCK: {
      const clientId = v >= 2 ? decodeClientId(d) : NULL_CLIENT_ID;
      return { op, clientId, force: v >= 3 ? d.bool() : false };
    }
    case NotifyOp.HEADER_UPDATE:
      return { op };
    case NotifyOp.ASYNC_PROGRESS:
      return { op, asyncRequestId: decodeAsyncRequestId(d), offset: d.u64(), total: d.u64() };
    case NotifyOp.ASYNC_COMPLETE:
      return { op, asyncRequestId: decodeAsyncRequestId(d), result: d.i32() };
    case NotifyOp.FLATTEN:
    case NotifyOp.REBUILD_OBJECT_MAP:
    case NotifyOp.MIGRATE:
    case NotifyOp.QUIESCE:
    case NotifyOp.UNQUIESCE:
      return { op, asyncRequestId: decodeAsyncRequestId(d) } as
        FlattenPayload | RebuildObjectMapPayload | MigratePayload | QuiescePayload | UnquiescePayload;
    case NotifyOp.RESIZE: {
      const size = d.u64();
      const asyncRequestId = decodeAsyncRequestId(d);
      // Before v4 every resize could shrink.
      return { op, size, asyncRequestId, allowShrink: v >= 4 ? d.bool() : true };
    }
    case NotifyOp.SNAP_CREATE: {
      const fields = decodeSnapFields(d, v, true);
      return { op, ...fields, flags: v >= 7 ? d.u64() : 0n };
    }
    case NotifyOp.SNAP_REMOVE:
    case NotifyOp.SNAP_PROTECT:
    case NotifyOp.SNAP_UNPROTECT:
      return { op, ...decodeSnapFields(d, v, false) } as
        SnapRemovePayload | SnapProtectPayload | SnapUnprotectPayload;
    case NotifyOp.SNAP_RENAME: {
      const snapId = d.u64();
      return { op, snapId, ...decodeSnapFields(d, v, false) };
    }
    case NotifyOp.RENAME: {
      const imageName = d.string();
      return { op, imageName, asyncRequestId: idSince(d, v, 7) };
    }
    case NotifyOp.UPDATE_FEATURES: {
      const features = d.u64();
      const enabled = d.bool();
      return { op, features, enabled, asyncRequestId: idSince(d, v, 7) };
    }
    case NotifyOp.SPARSIFY:
      return { op, asyncRequestId: decodeAsyncRequestId(d), sparseSize: d.u64() };
    case NotifyOp.METADATA_UPDATE: {
      const key = d.string();
      const value = d.optional((x) => x.string());
      return { op, key, value, asyncRequestId: idSince(d, v, 7) };
    }
    default:
      return { op, unknown: true, raw: Buffer.from(d.rest()) };
  }
}

/**
 * Decode a notification's payload. An empty buffer is a legacy header
 * update; anything malformed is EBADMSG (Ceph logs it and does not ack).
 */
export function decodeNotifyMessage(buf: Buffer): NotifyPayload {
  if (buf.length === 0) return { op: NotifyOp.HEADER_UPDATE };
  try {
    return new Decoder(buf).struct('NotifyMessage', 1, (d, v) => decodePayloadBody(d, d.u32(), v));
  } catch (err) {
    if (isCephError(err, 'EBADMSG')) throw err;
    throw new CephError('EBADMSG', `NotifyMessage: ${(err as Error).message}`, { cause: err });
  }
}

// ---------------------------------------------------------------- ResponseMessage

/** `encode(ResponseMessage(r))`: what a lock owner puts in its notify ack. */
export function encodeResponseMessage(result: number): Buffer {
  return encode((e) => e.struct(1, 1, (b) => b.i32(result)));
}

export function decodeResponseMessage(buf: Buffer): number {
  try {
    return new Decoder(buf).struct('ResponseMessage', 1, (d) => d.i32());
  } catch (err) {
    throw new CephError('EINVAL', `ResponseMessage: ${(err as Error).message}`, { cause: err });
  }
}

// ---------------------------------------------------------------- notify replies

/** The reply of a notify, decoded (acks keyed by (gid, cookie), then the watchers that timed out). */
export { decodeNotifyReply, type NotifyResult };

/**
 * `NotifyLockOwner::handle_notify`: find the lock owner's answer among the
 * acks. Only the owner puts a ResponseMessage in its ack; everyone else acks
 * empty. Returns its result (0 or a negative errno).
 *
 *   no non-empty ack → ETIMEDOUT (no owner: the caller retries or takes the lock)
 *   two non-empty acks → EINVAL (two clients think they own the lock)
 *   undecodable ack → EINVAL
 */
export function lockOwnerResult(reply: NotifyResult): number {
  const answers = reply.acks.filter((a) => a.payload.length > 0);
  if (answers.length === 0) return -Errno.ETIMEDOUT;
  if (answers.length > 1) return -Errno.EINVAL; // duplicate lock owners
  try {
    return decodeResponseMessage(answers[0]!.payload);
  } catch {
    return -Errno.EINVAL;
  }
}
