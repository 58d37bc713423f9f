/**
 * The inputs and outputs of the `rbd` class methods (Ceph's cls_rbd.cc
 * argument parsing and cls_rbd_client.cc encoders): one entry per method in
 * RBD_METHODS, each with a codec for the input the client sends and one for
 * the output the OSD returns. Most are bare sequences of denc values (no
 * envelope); the structs inside them (SnapshotInfo, ParentImageSpec,
 * TrashImageSpec…) carry their own envelopes (types.ts).
 *
 * Trailing fields that Pacific's client always sends but the OSD treats as
 * optional (create's data pool, get_features' read-only flag, set_flags'
 * snap id, snapshot_add's namespace, parent_attach's reattach) decode to the
 * OSD's default when absent and are always encoded.
 */
import { Decoder } from '../../encoding/decoder.js';
import { encode, type Encoder } from '../../encoding/encoder.js';
import { decodeUTime, encodeUTime, type UTime } from '../../encoding/types.js';
import {
  CEPH_NOSNAP,
  compareStrings,
  decodeChildImageSpec,
  decodeChildImageSpecs,
  decodeGroupSpec,
  decodeParentImageSpec,
  decodeSnapshotInfo,
  decodeSnapshotNamespace,
  decodeTrashImageSpec,
  encodeChildImageSpec,
  encodeChildImageSpecs,
  encodeGroupSpec,
  encodeParentImageSpec,
  encodeSnapshotInfo,
  encodeSnapshotNamespace,
  encodeTrashImageSpec,
  type ChildImageSpec,
  type GroupSpec,
  type ParentImageSpec,
  type SnapContext,
  type SnapshotInfo,
  type SnapshotNamespace,
  type TrashImageSpec,
} from './types.js';

/** A denc codec: how one value is written and read. */
export interface Codec<T> {
  encode(e: Encoder, v: T): void;
  decode(d: Decoder): T;
}

/** The value type a codec carries. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never;

const codec = <T>(enc: (e: Encoder, v: T) => void, dec: (d: Decoder) => T): Codec<T> => ({
  encode: enc,
  decode: dec,
});

/** No bytes at all (methods without input or output). */
export const noneCodec: Codec<void> = codec<void>(
  () => undefined,
  () => undefined,
);
const u8 = codec<number>(
  (e, v) => e.u8(v),
  (d) => d.u8(),
);
const bool = codec<boolean>(
  (e, v) => e.bool(v),
  (d) => d.bool(),
);
/** A u64 kept exact (snap ids, bit masks). */
const u64 = codec<bigint>(
  (e, v) => e.u64(v),
  (d) => d.u64(),
);
/** A u64 that is a size or count (fits a double). */
const u64n = codec<number>(
  (e, v) => e.u64(v),
  (d) => d.u64Number(),
);
/** An i64 pool id (-1 for none). */
const i64n = codec<number>(
  (e, v) => e.i64(v),
  (d) => d.i64Number(),
);
const str = codec<string>(
  (e, v) => e.string(v),
  (d) => d.string(),
);
const utime = codec<UTime>(encodeUTime, decodeUTime);
/** `bufferlist` (u32 length + bytes). */
const bufferlist = codec<Buffer>(
  (e, v) => e.buffer(v),
  (d) => Buffer.from(d.buffer()),
);
/** The whole payload, unframed (copyup's data, an encoded BitVector). */
const raw = codec<Buffer>(
  (e, v) => e.bytes(v),
  (d) => Buffer.from(d.rest()),
);

function optional<T>(c: Codec<T>): Codec<T | undefined> {
  return codec<T | undefined>(
    (e, v) => e.optional(v, c.encode),
    (d) => d.optional(c.decode),
  );
}

/** A field the OSD reads only when bytes remain; always written. */
function trailing<T>(c: Codec<T>, absent: T): Codec<T> {
  return codec<T>(c.encode, (d) => (d.eof ? absent : c.decode(d)));
}

function list<T>(c: Codec<T>): Codec<T[]> {
  return codec<T[]>(
    (e, v) => e.list(v, c.encode),
    (d) => d.list(c.decode),
  );
}

/** `std::set<std::string>`: sorted bytewise on encode. */
const stringSet = codec<string[]>(
  (e, v) => e.list([...new Set(v)].sort(compareStrings), (x, s) => x.string(s)),
  (d) => d.list((x) => x.string()),
);

/** `std::map<std::string, T>`: keys sorted bytewise on encode. */
function stringMap<T>(c: Codec<T>): Codec<Map<string, T>> {
  return codec<Map<string, T>>(
    (e, v) => {
      const entries = [...v].sort((a, b) => compareStrings(a[0], b[0]));
      e.u32(entries.length);
      for (const [k, x] of entries) {
        e.string(k);
        c.encode(e, x);
      }
    },
    (d) => d.map((x) => x.string(), c.decode),
  );
}

type FieldValues<S> = { [K in keyof S]: CodecValue<S[K]> };

/** Several values back to back, named (the order of `spec` is the wire order). */
function fields<S extends Record<string, Codec<unknown>>>(spec: S): Codec<FieldValues<S>> {
  const entries = Object.entries(spec) as [keyof S & string, Codec<unknown>][];
  return codec<FieldValues<S>>(
    (e, v) => {
      for (const [k, c] of entries) c.encode(e, v[k]);
    },
    (d) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.decode(d);
      return out as FieldValues<S>;
    },
  );
}

const snapshotNamespace = codec<SnapshotNamespace>(encodeSnapshotNamespace, decodeSnapshotNamespace);
const parentImageSpec = codec<ParentImageSpec>(encodeParentImageSpec, decodeParentImageSpec);
const childImageSpec = codec<ChildImageSpec>(encodeChildImageSpec, decodeChildImageSpec);
const childImageSpecs = codec<ChildImageSpec[]>(encodeChildImageSpecs, decodeChildImageSpecs);
const snapshotInfo = codec<SnapshotInfo>(encodeSnapshotInfo, decodeSnapshotInfo);
const trashImageSpec = codec<TrashImageSpec>(encodeTrashImageSpec, decodeTrashImageSpec);
const groupSpec = codec<GroupSpec>(encodeGroupSpec, decodeGroupSpec);
const snapContext = codec<SnapContext>(
  (e, v) => e.u64(v.seq).list(v.snaps, (x, s) => x.u64(s)),
  (d) => ({ seq: d.u64(), snaps: d.list((x) => x.u64()) }),
);
/** `start_after` + `max_return` of the listing methods. */
const listing = fields({ startAfter: str, maxReturn: u64n });
/** The parent (pool, image, snap) of the rbd_children methods and set_parent. */
const legacyParent = { poolId: i64n, imageId: str, snapId: u64 };

const method = <I, O>(input: Codec<I>, output: Codec<O>) => ({ input, output });

/**
 * Every `rbd` class method this client calls: input codec, output codec.
 * Keys are Ceph's method names.
 */
export const RBD_METHODS = {
  // ---- header: image properties
  create: method(
    fields({ size: u64n, order: u8, features: u64, objectPrefix: str, dataPoolId: trailing(i64n, -1) }),
    noneCodec,
  ),
  get_features: method(
    fields({ snapId: u64, readOnly: trailing(bool, false) }),
    fields({ features: u64, incompatible: u64 }),
  ),
  set_features: method(fields({ features: u64, mask: u64 }), noneCodec),
  get_size: method(u64, fields({ order: u8, size: u64n })),
  set_size: method(u64n, noneCodec),
  get_snapcontext: method(noneCodec, snapContext),
  get_object_prefix: method(noneCodec, str),
  get_data_pool: method(noneCodec, i64n),
  get_flags: method(u64, u64),
  set_flags: method(fields({ flags: u64, mask: u64, snapId: trailing(u64, CEPH_NOSNAP) }), noneCodec),
  op_features_get: method(noneCodec, u64),
  op_features_set: method(fields({ opFeatures: u64, mask: u64 }), noneCodec),
  get_stripe_unit_count: method(noneCodec, fields({ stripeUnit: u64n, stripeCount: u64n })),
  set_stripe_unit_count: method(fields({ stripeUnit: u64n, stripeCount: u64n }), noneCodec),
  get_create_timestamp: method(noneCodec, utime),
  get_access_timestamp: method(noneCodec, utime),
  get_modify_timestamp: method(noneCodec, utime),
  set_access_timestamp: method(noneCodec, noneCodec),
  set_modify_timestamp: method(noneCodec, noneCodec),
  get_all_features: method(noneCodec, u64),
  image_group_get: method(noneCodec, groupSpec),

  // ---- header: snapshots
  snapshot_get: method(u64, snapshotInfo),
  snapshot_add: method(
    fields({ name: str, snapId: u64, snapshotNamespace: trailing(snapshotNamespace, { type: 'user' }) }),
    noneCodec,
  ),
  snapshot_remove: method(u64, noneCodec),
  snapshot_rename: method(fields({ snapId: u64, dstName: str }), noneCodec),
  snapshot_trash_add: method(u64, noneCodec),
  get_snapshot_name: method(u64, str),
  get_snapshot_timestamp: method(u64, utime),
  get_protection_status: method(u64, u8),
  set_protection_status: method(fields({ snapId: u64, status: u8 }), noneCodec),
  snapshot_get_limit: method(noneCodec, u64),
  snapshot_set_limit: method(u64, noneCodec),

  // ---- header: metadata
  metadata_list: method(listing, stringMap(bufferlist)),
  metadata_set: method(stringMap(bufferlist), noneCodec),
  metadata_remove: method(str, noneCodec),
  metadata_get: method(str, str),

  // ---- header: parent (v2 and the legacy v1 calls)
  parent_get: method(noneCodec, parentImageSpec),
  parent_overlap_get: method(u64, optional(u64n)),
  parent_attach: method(
    fields({ parent: parentImageSpec, overlap: u64n, reattach: trailing(bool, false) }),
    noneCodec,
  ),
  parent_detach: method(noneCodec, noneCodec),
  get_parent: method(u64, fields({ ...legacyParent, overlap: u64n })),
  set_parent: method(fields({ ...legacyParent, overlap: u64n }), noneCodec),
  remove_parent: method(noneCodec, noneCodec),

  // ---- header: clone v2 children of a snapshot
  child_attach: method(fields({ snapId: u64, child: childImageSpec }), noneCodec),
  child_detach: method(fields({ snapId: u64, child: childImageSpec }), noneCodec),
  children_list: method(u64, childImageSpecs),

  // ---- rbd_children (clone v1)
  add_child: method(fields({ ...legacyParent, childId: str }), noneCodec),
  remove_child: method(fields({ ...legacyParent, childId: str }), noneCodec),
  get_children: method(fields(legacyParent), stringSet),

  // ---- rbd_id.<name>
  get_id: method(noneCodec, str),
  set_id: method(str, noneCodec),

  // ---- rbd_directory
  dir_get_id: method(str, str),
  dir_get_name: method(str, str),
  dir_list: method(listing, stringMap(str)),
  dir_add_image: method(fields({ name: str, id: str }), noneCodec),
  dir_remove_image: method(fields({ name: str, id: str }), noneCodec),
  dir_rename_image: method(fields({ src: str, dest: str, id: str }), noneCodec),
  dir_state_assert: method(u8, noneCodec),
  dir_state_set: method(u8, noneCodec),

  // ---- rbd_object_map.<id>[.<snap>]
  object_map_load: method(noneCodec, raw),
  object_map_save: method(raw, noneCodec),
  object_map_resize: method(fields({ objectCount: u64n, defaultState: u8 }), noneCodec),
  object_map_update: method(
    fields({ startObjectNo: u64n, endObjectNo: u64n, newObjectState: u8, currentObjectState: optional(u8) }),
    noneCodec,
  ),
  object_map_snap_add: method(noneCodec, noneCodec),
  object_map_snap_remove: method(raw, noneCodec),

  // ---- rbd_trash
  trash_add: method(fields({ id: str, spec: trashImageSpec }), noneCodec),
  trash_remove: method(str, noneCodec),
  trash_list: method(listing, stringMap(trashImageSpec)),
  trash_get: method(str, trashImageSpec),
  trash_state_set: method(fields({ id: str, state: u8, expectState: u8 }), noneCodec),

  // ---- data objects
  copyup: method(raw, noneCodec),
  sparse_copyup: method(
    fields({ extents: list(fields({ offset: u64n, length: u64n })), data: bufferlist }),
    noneCodec,
  ),
  assert_snapc_seq: method(fields({ snapcSeq: u64, state: u8 }), noneCodec),
  sparsify: method(fields({ sparseSize: u64n, removeEmpty: bool }), noneCodec),

  // ---- format 1 headers
  snap_list: method(
    noneCodec,
    fields({ seq: u64, snaps: list(fields({ id: u64, imageSize: u64n, name: str })) }),
  ),
  snap_add: method(fields({ name: str, snapId: u64 }), noneCodec),
  snap_remove: method(str, noneCodec),
  snap_rename: method(fields({ snapId: u64, dstName: str }), noneCodec),
} as const;

export type RbdMethodName = keyof typeof RBD_METHODS;
/** What method `M` takes. */
export type RbdInput<M extends RbdMethodName> = CodecValue<(typeof RBD_METHODS)[M]['input']>;
/** What method `M` returns. */
export type RbdOutput<M extends RbdMethodName> = CodecValue<(typeof RBD_METHODS)[M]['output']>;

/** The input bytes of `rbd.<method>`. */
export function encodeRbdInput<M extends RbdMethodName>(method: M, input: RbdInput<M>): Buffer {
  const c = RBD_METHODS[method].input as Codec<RbdInput<M>>;
  return encode((e) => c.encode(e, input));
}

export function decodeRbdInput<M extends RbdMethodName>(method: M, buf: Buffer): RbdInput<M> {
  const c = RBD_METHODS[method].input as Codec<RbdInput<M>>;
  return c.decode(new Decoder(buf));
}

/** The output bytes of `rbd.<method>` (what the OSD side would return). */
export function encodeRbdOutput<M extends RbdMethodName>(method: M, output: RbdOutput<M>): Buffer {
  const c = RBD_METHODS[method].output as Codec<RbdOutput<M>>;
  return encode((e) => c.encode(e, output));
}

export function decodeRbdOutput<M extends RbdMethodName>(method: M, buf: Buffer): RbdOutput<M> {
  const c = RBD_METHODS[method].output as Codec<RbdOutput<M>>;
  return c.decode(new Decoder(buf));
}
