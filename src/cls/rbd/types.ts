/**
 * The types of the `rbd` object class (Ceph's cls_rbd_types.h, cls_rbd.h and
 * the constants of include/rbd_types.h): what librbd keeps in an image's
 * header omap (`snapshot_<id>` → cls_rbd_snap, `parent` → cls_rbd_parent,
 * `snap_children_<id>` → ChildImageSpecs), in `rbd_trash` (TrashImageSpec)
 * and what the class methods take and return (ParentImageSpec,
 * SnapshotInfo, SnapshotNamespace, GroupSpec).
 *
 * Numbers: snapshot ids and 64-bit bit masks (features, flags, op features)
 * are bigints (CEPH_NOSNAP and UINT64_MAX do not fit a double); sizes,
 * overlaps, object counts and pool ids are numbers.
 */
import { CephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { decodeUTime, encodeUTime, type UTime } from '../../encoding/types.js';

export { CEPH_NOSNAP };

/** `CEPH_MAXSNAP`: the highest id a snapshot may have. */
export const CEPH_MAXSNAP = 0xfffffffffffffeffn;
/** `UINT64_MAX`: what `snapshot_get_limit` returns when no limit is set. */
export const SNAP_LIMIT_NONE = 0xffffffffffffffffn;

/** Well-known objects of an RBD pool (include/rbd_types.h). */
export const RBD_DIRECTORY = 'rbd_directory';
export const RBD_CHILDREN = 'rbd_children';
export const RBD_TRASH = 'rbd_trash';
export const RBD_INFO = 'rbd_info';
export const RBD_MIRRORING = 'rbd_mirroring';
export const RBD_NAMESPACE = 'rbd_namespace';
export const RBD_GROUP_DIRECTORY = 'rbd_group_directory';
export const RBD_ID_PREFIX = 'rbd_id.';
export const RBD_HEADER_PREFIX = 'rbd_header.';
export const RBD_DATA_PREFIX = 'rbd_data.';
export const RBD_OBJECT_MAP_PREFIX = 'rbd_object_map.';

/** `RBD_FEATURE_*` bits of the `features` header key. */
export const RbdFeature = {
  LAYERING: 1n << 0n,
  STRIPINGV2: 1n << 1n,
  EXCLUSIVE_LOCK: 1n << 2n,
  OBJECT_MAP: 1n << 3n,
  FAST_DIFF: 1n << 4n,
  DEEP_FLATTEN: 1n << 5n,
  JOURNALING: 1n << 6n,
  DATA_POOL: 1n << 7n,
  OPERATIONS: 1n << 8n,
  MIGRATING: 1n << 9n,
  NON_PRIMARY: 1n << 10n,
  DIRTY_CACHE: 1n << 11n,
} as const;

/** `RBD_FEATURES_ALL` of Pacific (what `get_all_features` returns). */
export const RBD_FEATURES_ALL = 0xfffn;
/** `RBD_FEATURES_INCOMPATIBLE`: unknown bits here stop any client from opening the image. */
export const RBD_FEATURES_INCOMPATIBLE = 0x883n;
/** `RBD_FEATURES_RW_INCOMPATIBLE`: unknown bits here stop a client from writing. */
export const RBD_FEATURES_RW_INCOMPATIBLE = 0xfffn;
/** `RBD_FEATURES_MUTABLE`: `set_features` may turn these on or off. */
export const RBD_FEATURES_MUTABLE = 0xc5cn;
/** `RBD_FEATURES_DISABLE_ONLY`: may be turned off, never on (deep-flatten). */
export const RBD_FEATURES_DISABLE_ONLY = 0x20n;
/** `RBD_FEATURES_INTERNAL`: set by the class itself (operations, migrating). */
export const RBD_FEATURES_INTERNAL = 0x300n;

/** `RBD_OPERATION_FEATURE_*` bits of the `op_features` header key. */
export const RbdOperationFeature = {
  CLONE_PARENT: 1n << 0n,
  CLONE_CHILD: 1n << 1n,
  GROUP: 1n << 2n,
  SNAP_TRASH: 1n << 3n,
} as const;
export const RBD_OPERATION_FEATURES_ALL = 0xfn;

/** `RBD_FLAG_*` bits of the `flags` header key and of each snapshot. */
export const RbdFlag = {
  OBJECT_MAP_INVALID: 1n << 0n,
  FAST_DIFF_INVALID: 1n << 1n,
} as const;

/** `RBD_PROTECTION_STATUS_*` of a snapshot (one byte on the wire). */
export const ProtectionStatus = {
  UNPROTECTED: 0,
  UNPROTECTING: 1,
  PROTECTED: 2,
} as const;
export type ProtectionStatus = (typeof ProtectionStatus)[keyof typeof ProtectionStatus];

/** `OBJECT_*` states of one object in an object map (2 bits each). */
export const ObjectMapState = {
  NONEXISTENT: 0,
  EXISTS: 1,
  PENDING: 2,
  EXISTS_CLEAN: 3,
} as const;

/** `cls::rbd::DirectoryState` (u8): whether `dir_add_image` is allowed. */
export const DirectoryState = {
  READY: 0,
  ADD_DISABLED: 1,
} as const;
export type DirectoryState = (typeof DirectoryState)[keyof typeof DirectoryState];

/** `cls::rbd::AssertSnapcSeqState` (u8) of `assert_snapc_seq`. */
export const AssertSnapcSeqState = {
  GT_SNAPSET_SEQ: 0,
  LE_SNAPSET_SEQ: 1,
} as const;
export type AssertSnapcSeqState = (typeof AssertSnapcSeqState)[keyof typeof AssertSnapcSeqState];

/** `cls::rbd::TrashImageSource` (u8). */
export const TrashImageSource = {
  USER: 0,
  MIRRORING: 1,
  MIGRATION: 2,
  REMOVING: 3,
} as const;
export type TrashImageSource = (typeof TrashImageSource)[keyof typeof TrashImageSource];

/** `cls::rbd::TrashImageState` (u8). */
export const TrashImageState = {
  NORMAL: 0,
  MOVING: 1,
  REMOVING: 2,
  RESTORING: 3,
} as const;
export type TrashImageState = (typeof TrashImageState)[keyof typeof TrashImageState];

/** `cls::rbd::SnapshotNamespaceType`: the u32 that opens an encoded namespace. */
export const SnapshotNamespaceType = {
  USER: 0,
  GROUP: 1,
  TRASH: 2,
  MIRROR: 3,
} as const;
export type SnapshotNamespaceType = (typeof SnapshotNamespaceType)[keyof typeof SnapshotNamespaceType];

/** `cls::rbd::MirrorSnapshotState` (u8). */
export const MirrorSnapshotState = {
  PRIMARY: 0,
  PRIMARY_DEMOTED: 1,
  NON_PRIMARY: 2,
  NON_PRIMARY_DEMOTED: 3,
} as const;
export type MirrorSnapshotState = (typeof MirrorSnapshotState)[keyof typeof MirrorSnapshotState];

/** `UserSnapshotNamespace`: an ordinary snapshot (no fields). */
export interface UserSnapshotNamespace {
  type: 'user';
}

/** `GroupSnapshotNamespace`: the image's part of a group snapshot. */
export interface GroupSnapshotNamespace {
  type: 'group';
  /** `int64_t group_pool`: pool of the group. */
  groupPool: number;
  /** `std::string group_id`. */
  groupId: string;
  /** `std::string group_snapshot_id`. */
  groupSnapshotId: string;
}

/** `TrashSnapshotNamespace`: a removed snapshot clones still use (clone v2). */
export interface TrashSnapshotNamespace {
  type: 'trash';
  /** `std::string original_name`. */
  originalName: string;
  /** `original_snapshot_namespace_type` (u32 on the wire). */
  originalSnapshotNamespaceType: number;
}

/** `MirrorSnapshotNamespace`: a snapshot-based mirroring point. */
export interface MirrorSnapshotNamespace {
  type: 'mirror';
  /** `MirrorSnapshotState state` (u8). */
  state: number;
  /** `bool complete`: the non-primary copy finished. */
  complete: boolean;
  /** `std::set<std::string> mirror_peer_uuids` (kept sorted on encode). */
  mirrorPeerUuids: string[];
  /** `std::string primary_mirror_uuid`. */
  primaryMirrorUuid: string;
  /** `snapid_t primary_snap_id` (also `clean_since_snap_id` on a primary). */
  primarySnapId: bigint;
  /** `uint64_t last_copied_object_number`. */
  lastCopiedObjectNumber: number;
  /** `std::map<uint64_t, uint64_t> snap_seqs`: remote snap id → local snap id. */
  snapSeqs: Map<bigint, bigint>;
}

/** A namespace type this code does not know: its body is kept so it re-encodes unchanged. */
export interface UnknownSnapshotNamespace {
  type: 'unknown';
  /** The u32 type code. */
  typeCode: number;
  /** The rest of the envelope, verbatim. */
  raw: Buffer;
}

/** `cls::rbd::SnapshotNamespace`: a variant, encoded as v1 { u32 type, fields }. */
export type SnapshotNamespace =
  | UserSnapshotNamespace
  | GroupSnapshotNamespace
  | TrashSnapshotNamespace
  | MirrorSnapshotNamespace
  | UnknownSnapshotNamespace;

/** The numeric `SnapshotNamespaceType` of a namespace (`get_snap_namespace_type`). */
export function snapshotNamespaceType(ns: SnapshotNamespace): number {
  switch (ns.type) {
    case 'user':
      return SnapshotNamespaceType.USER;
    case 'group':
      return SnapshotNamespaceType.GROUP;
    case 'trash':
      return SnapshotNamespaceType.TRASH;
    case 'mirror':
      return SnapshotNamespaceType.MIRROR;
    case 'unknown':
      return ns.typeCode;
  }
}

/** Ceph's name of a namespace type (`operator<<(SnapshotNamespaceType)`). */
export function snapshotNamespaceTypeName(type: number): string {
  return ['user', 'group', 'trash', 'mirror'][type] ?? 'unknown';
}

/** Byte-wise string order, as std::string's operator< sorts std::set and std::map keys. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function encodeSnapshotNamespace(e: Encoder, ns: SnapshotNamespace): void {
  e.struct(1, 1, (b) => {
    b.u32(snapshotNamespaceType(ns));
    switch (ns.type) {
      case 'user':
        break;
      case 'group':
        b.i64(ns.groupPool).string(ns.groupId).string(ns.groupSnapshotId);
        break;
      case 'trash':
        b.string(ns.originalName).u32(ns.originalSnapshotNamespaceType);
        break;
      case 'mirror': {
        b.u8(ns.state).bool(ns.complete);
        b.list([...ns.mirrorPeerUuids].sort(compareStrings), (x, s) => x.string(s));
        b.string(ns.primaryMirrorUuid).u64(ns.primarySnapId).u64(ns.lastCopiedObjectNumber);
        const seqs = [...ns.snapSeqs].sort((x, y) => compareBigints(x[0], y[0]));
        b.u32(seqs.length);
        for (const [k, v] of seqs) b.u64(k).u64(v);
        break;
      }
      case 'unknown':
        b.bytes(ns.raw);
        break;
    }
  });
}

export function decodeSnapshotNamespace(d: Decoder): SnapshotNamespace {
  return d.struct('SnapshotNamespace', 1, (b): SnapshotNamespace => {
    const typeCode = b.u32();
    switch (typeCode) {
      case SnapshotNamespaceType.USER:
        return { type: 'user' };
      case SnapshotNamespaceType.GROUP:
        return { type: 'group', groupPool: b.i64Number(), groupId: b.string(), groupSnapshotId: b.string() };
      case SnapshotNamespaceType.TRASH:
        return { type: 'trash', originalName: b.string(), originalSnapshotNamespaceType: b.u32() };
      case SnapshotNamespaceType.MIRROR:
        return {
          type: 'mirror',
          state: b.u8(),
          complete: b.bool(),
          mirrorPeerUuids: b.list((x) => x.string()),
          primaryMirrorUuid: b.string(),
          primarySnapId: b.u64(),
          lastCopiedObjectNumber: b.u64Number(),
          snapSeqs: b.map(
            (x) => x.u64(),
            (x) => x.u64(),
          ),
        };
      default:
        return { type: 'unknown', typeCode, raw: Buffer.from(b.rest()) };
    }
  });
}

/** `cls::rbd::ParentImageSpec`: which snapshot of which image a clone reads through to. */
export interface ParentImageSpec {
  /** `int64_t pool_id`: -1 when there is no parent. */
  poolId: number;
  /** `std::string pool_namespace`. */
  poolNamespace: string;
  /** `std::string image_id`. */
  imageId: string;
  /** `snapid_t snap_id`: CEPH_NOSNAP when there is no parent. */
  snapId: bigint;
}

/** The empty spec `parent_get` returns for an image without a parent. */
export function noParentImageSpec(): ParentImageSpec {
  return { poolId: -1, poolNamespace: '', imageId: '', snapId: CEPH_NOSNAP };
}

/** `ParentImageSpec::exists`. */
export function parentImageSpecExists(p: ParentImageSpec): boolean {
  return p.poolId >= 0 && p.imageId.length > 0 && p.snapId !== CEPH_NOSNAP;
}

export function encodeParentImageSpec(e: Encoder, p: ParentImageSpec): void {
  e.struct(1, 1, (b) => b.i64(p.poolId).string(p.poolNamespace).string(p.imageId).u64(p.snapId));
}

export function decodeParentImageSpec(d: Decoder): ParentImageSpec {
  return d.struct('ParentImageSpec', 1, (b) => ({
    poolId: b.i64Number(),
    poolNamespace: b.string(),
    imageId: b.string(),
    snapId: b.u64(),
  }));
}

/** `cls::rbd::ChildImageSpec`: one clone of a snapshot (clone v2). */
export interface ChildImageSpec {
  /** `int64_t pool_id`. */
  poolId: number;
  /** `std::string pool_namespace` (v2). */
  poolNamespace: string;
  /** `std::string image_id`. */
  imageId: string;
}

/** `ChildImageSpec::operator<`: pool id, then namespace, then image id. */
export function compareChildImageSpec(a: ChildImageSpec, b: ChildImageSpec): number {
  if (a.poolId !== b.poolId) return a.poolId - b.poolId;
  return compareStrings(a.poolNamespace, b.poolNamespace) || compareStrings(a.imageId, b.imageId);
}

export function encodeChildImageSpec(e: Encoder, c: ChildImageSpec): void {
  e.struct(2, 1, (b) => b.i64(c.poolId).string(c.imageId).string(c.poolNamespace));
}

export function decodeChildImageSpec(d: Decoder): ChildImageSpec {
  return d.struct('ChildImageSpec', 1, (b, v) => {
    const poolId = b.i64Number();
    const imageId = b.string();
    const poolNamespace = v >= 2 ? b.string() : '';
    return { poolId, poolNamespace, imageId };
  });
}

/** `cls::rbd::ChildImageSpecs` (a std::set): sorted, no duplicates. */
export function encodeChildImageSpecs(e: Encoder, children: readonly ChildImageSpec[]): void {
  const sorted = [...children].sort(compareChildImageSpec);
  e.list(sorted, encodeChildImageSpec);
}

export function decodeChildImageSpecs(d: Decoder): ChildImageSpec[] {
  return d.list(decodeChildImageSpec);
}

/** `cls::rbd::SnapshotInfo`: what `snapshot_get` returns. */
export interface SnapshotInfo {
  /** `snapid_t id`. */
  id: bigint;
  /** `SnapshotNamespace snapshot_namespace`. */
  snapshotNamespace: SnapshotNamespace;
  /** `std::string name`. */
  name: string;
  /** `uint64_t image_size`: the image size when the snapshot was taken. */
  imageSize: number;
  /** `utime_t timestamp`: when it was taken. */
  timestamp: UTime;
  /** `uint32_t child_count`: clone v2 children attached to it. */
  childCount: number;
}

export function encodeSnapshotInfo(e: Encoder, s: SnapshotInfo): void {
  e.struct(1, 1, (b) => {
    b.u64(s.id);
    encodeSnapshotNamespace(b, s.snapshotNamespace);
    b.string(s.name).u64(s.imageSize);
    encodeUTime(b, s.timestamp);
    b.u32(s.childCount);
  });
}

export function decodeSnapshotInfo(d: Decoder): SnapshotInfo {
  return d.struct('SnapshotInfo', 1, (b) => ({
    id: b.u64(),
    snapshotNamespace: decodeSnapshotNamespace(b),
    name: b.string(),
    imageSize: b.u64Number(),
    timestamp: decodeUTime(b),
    childCount: b.u32(),
  }));
}

/**
 * `cls_rbd_parent`: the `parent` header key (and, in pre-Nautilus records, a
 * copy inside each snapshot). v2 (written once the OSDs require Nautilus)
 * adds the namespace and makes the head overlap optional: a parent kept only
 * for snapshots has no head overlap.
 */
export interface ClsRbdParent {
  /** `int64_t pool_id`: -1 when unset. */
  poolId: number;
  /** `std::string pool_namespace` (v2 only). */
  poolNamespace: string;
  /** `std::string image_id`. */
  imageId: string;
  /** `snapid_t snap_id`. */
  snapId: bigint;
  /** `std::optional<uint64_t> head_overlap` (v1: always present, 0 when unset). */
  headOverlap: number | undefined;
}

export function emptyClsRbdParent(): ClsRbdParent {
  return { poolId: -1, poolNamespace: '', imageId: '', snapId: CEPH_NOSNAP, headOverlap: undefined };
}

/** `cls_rbd_parent::exists`. */
export function clsRbdParentExists(p: ClsRbdParent): boolean {
  return p.poolId >= 0 && p.imageId.length > 0 && p.snapId !== CEPH_NOSNAP;
}

/** `version` 2 is what a cluster requiring Nautilus or later writes; 1 is the legacy layout. */
export function encodeClsRbdParent(e: Encoder, p: ClsRbdParent, version: 1 | 2 = 2): void {
  e.struct(version, version, (b) => {
    b.i64(p.poolId);
    if (version >= 2) b.string(p.poolNamespace);
    b.string(p.imageId).u64(p.snapId);
    if (version === 1) b.u64(p.headOverlap ?? 0);
    else b.optional(p.headOverlap, (x, v) => x.u64(v));
  });
}

/** The parent and the struct version it was written with (to re-encode it alike). */
export function decodeClsRbdParentVersioned(d: Decoder): { parent: ClsRbdParent; version: 1 | 2 } {
  return d.struct('cls_rbd_parent', 2, (b, v) => {
    const poolId = b.i64Number();
    const poolNamespace = v >= 2 ? b.string() : '';
    const imageId = b.string();
    const snapId = b.u64();
    const headOverlap = v === 1 ? b.u64Number() : b.optional((x) => x.u64Number());
    return { parent: { poolId, poolNamespace, imageId, snapId, headOverlap }, version: v >= 2 ? 2 : 1 };
  });
}

export function decodeClsRbdParent(d: Decoder): ClsRbdParent {
  return decodeClsRbdParentVersioned(d).parent;
}

/**
 * `cls_rbd_snap`: one `snapshot_<%016x id>` header key. Since Nautilus it is
 * v8 with compat 8 (no features, no parent copy: the parent lives in the
 * header's `parent` key and only the overlap is kept here); older records
 * (compat < 8) carry an unused features word and a full cls_rbd_parent.
 */
export interface ClsRbdSnap {
  /** `snapid_t id`. */
  id: bigint;
  /** `std::string name`. */
  name: string;
  /** `uint64_t image_size`. */
  imageSize: number;
  /** `uint8_t protection_status`: ProtectionStatus. */
  protectionStatus: number;
  /** `cls_rbd_parent parent`: only in legacy (compat < 8) records. */
  parent: ClsRbdParent;
  /** `uint64_t flags`: RbdFlag bits of the snapshot's object map. */
  flags: bigint;
  /** `utime_t timestamp` (v6). */
  timestamp: UTime;
  /** `SnapshotNamespace snapshot_namespace` (v5). */
  snapshotNamespace: SnapshotNamespace;
  /** `uint32_t child_count` (v7): clone v2 children. */
  childCount: number;
  /** `std::optional<uint64_t> parent_overlap` (v8). */
  parentOverlap: number | undefined;
}

/** How a cls_rbd_snap record was (or is to be) laid out. */
export interface ClsRbdSnapLayout {
  /** struct_v (8 today; older records may be 1..7). */
  structV: number;
  /** struct_compat: 8 for Nautilus+ records, 1 for the legacy layout. */
  compat: number;
  /** Struct version of the embedded cls_rbd_parent (legacy layout only). */
  parentVersion: 1 | 2;
}

/** What a Pacific OSD writes when the cluster requires Nautilus or later. */
export const CLS_RBD_SNAP_LAYOUT: ClsRbdSnapLayout = { structV: 8, compat: 8, parentVersion: 2 };

export function encodeClsRbdSnap(
  e: Encoder,
  s: ClsRbdSnap,
  layout: ClsRbdSnapLayout = CLS_RBD_SNAP_LAYOUT,
): void {
  const v = layout.structV;
  e.struct(v, layout.compat, (b) => {
    b.u64(s.id).string(s.name).u64(s.imageSize);
    if (layout.compat < 8) {
      b.u64(0); // the unused `features` word of old records
      if (v >= 2) encodeClsRbdParent(b, s.parent, layout.parentVersion);
    }
    if (v >= 3) b.u8(s.protectionStatus);
    if (v >= 4) b.u64(s.flags);
    if (v >= 5) encodeSnapshotNamespace(b, s.snapshotNamespace);
    if (v >= 6) encodeUTime(b, s.timestamp);
    if (v >= 7) b.u32(s.childCount);
    if (v >= 8) b.optional(s.parentOverlap, (x, o) => x.u64(o));
  });
}

/** The record and its layout (so it can be re-encoded byte for byte). */
export function decodeClsRbdSnapWithLayout(d: Decoder): { snap: ClsRbdSnap; layout: ClsRbdSnapLayout } {
  // struct_compat is not handed to the body: peek at it in the envelope first.
  const compat = d.remaining >= 2 ? d.buf.readUInt8(d.offset + 1) : 0;
  return d.struct('cls_rbd_snap', 8, (b, v) => {
    const id = b.u64();
    const name = b.string();
    const imageSize = b.u64Number();
    let parent = emptyClsRbdParent();
    let parentVersion: 1 | 2 = 2;
    if (compat < 8) {
      b.u64(); // unused features
      if (v >= 2) ({ parent, version: parentVersion } = decodeClsRbdParentVersioned(b));
    }
    const protectionStatus = v >= 3 ? b.u8() : ProtectionStatus.UNPROTECTED;
    const flags = v >= 4 ? b.u64() : 0n;
    const snapshotNamespace: SnapshotNamespace = v >= 5 ? decodeSnapshotNamespace(b) : { type: 'user' };
    const timestamp = v >= 6 ? decodeUTime(b) : { sec: 0, nsec: 0 };
    const childCount = v >= 7 ? b.u32() : 0;
    const parentOverlap = v >= 8 ? b.optional((x) => x.u64Number()) : undefined;
    return {
      snap: {
        id,
        name,
        imageSize,
        protectionStatus,
        parent,
        flags,
        timestamp,
        snapshotNamespace,
        childCount,
        parentOverlap,
      },
      layout: { structV: v, compat, parentVersion },
    };
  });
}

export function decodeClsRbdSnap(d: Decoder): ClsRbdSnap {
  return decodeClsRbdSnapWithLayout(d).snap;
}

/** `cls::rbd::TrashImageSpec`: one `id_<image id>` entry of `rbd_trash`. */
export interface TrashImageSpec {
  /** `TrashImageSource source` (u8). */
  source: number;
  /** `std::string name`: the image's name before it was trashed. */
  name: string;
  /** `utime_t deletion_time`. */
  deletionTime: UTime;
  /** `utime_t deferment_end_time`: before this it may not be purged. */
  defermentEndTime: UTime;
  /** `TrashImageState state` (u8, v2). */
  state: number;
}

export function encodeTrashImageSpec(e: Encoder, t: TrashImageSpec): void {
  e.struct(2, 1, (b) => {
    b.u8(t.source).string(t.name);
    encodeUTime(b, t.deletionTime);
    encodeUTime(b, t.defermentEndTime);
    b.u8(t.state);
  });
}

export function decodeTrashImageSpec(d: Decoder): TrashImageSpec {
  return d.struct('TrashImageSpec', 1, (b, v) => ({
    source: b.u8(),
    name: b.string(),
    deletionTime: decodeUTime(b),
    defermentEndTime: decodeUTime(b),
    state: v >= 2 ? b.u8() : TrashImageState.NORMAL,
  }));
}

/** `cls::rbd::GroupSpec`: the group an image belongs to (`image_group_get`). */
export interface GroupSpec {
  /** `int64_t pool_id`: -1 when the image is in no group. */
  poolId: number;
  /** `std::string group_id`. */
  groupId: string;
}

export function encodeGroupSpec(e: Encoder, g: GroupSpec): void {
  e.struct(1, 1, (b) => b.i64(g.poolId).string(g.groupId));
}

export function decodeGroupSpec(d: Decoder): GroupSpec {
  return d.struct('GroupSpec', 1, (b) => ({ poolId: b.i64Number(), groupId: b.string() }));
}

/** `GroupSpec::is_valid`. */
export function groupSpecIsValid(g: GroupSpec): boolean {
  return g.groupId.length > 0 && g.poolId !== -1;
}

/** `::SnapContext` as `get_snapcontext` returns it: the seq, then snap ids newest first. */
export interface SnapContext {
  /** `snapid_t seq`: the highest snap id ever used by the image. */
  seq: bigint;
  /** `vector<snapid_t> snaps`: existing snapshots, descending. */
  snaps: bigint[];
}

/** `SnapContext::is_valid`: seq ≥ every snap, snaps strictly descending. */
export function snapContextIsValid(s: SnapContext): boolean {
  if (s.seq > CEPH_MAXSNAP) return false;
  let prev = s.seq + 1n;
  for (const id of s.snaps) {
    if (id >= prev) return false;
    prev = id;
  }
  return true;
}

/** `snapshot_<%016x>`: the header key of a snapshot. */
export function snapshotKey(snapId: bigint): string {
  return `snapshot_${snapId.toString(16).padStart(16, '0')}`;
}

/** `snap_children_<%016x>`: the header key listing a snapshot's clone v2 children. */
export function snapChildrenKey(snapId: bigint): string {
  return `snap_children_${snapId.toString(16).padStart(16, '0')}`;
}

/** The snap id in a `snapshot_<hex>` key, or undefined for any other key. */
export function snapIdFromKey(key: string): bigint | undefined {
  const m = /^snapshot_([0-9a-f]+)$/.exec(key);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/**
 * The `rbd_children` omap key of a parent snapshot (clone v1): the raw
 * encoding of (u64 pool, string image id, u64 snap id).
 */
export function rbdChildrenKey(poolId: number, imageId: string, snapId: bigint): Buffer {
  const id = Buffer.from(imageId, 'utf8');
  const key = Buffer.alloc(8 + 4 + id.length + 8);
  key.writeBigInt64LE(BigInt(poolId), 0);
  key.writeUInt32LE(id.length, 8);
  id.copy(key, 12);
  key.writeBigUInt64LE(snapId, 12 + id.length);
  return key;
}

/** Throw EINVAL unless `snapId` is a snapshot (not the head). */
export function assertSnapId(snapId: bigint): void {
  if (snapId === CEPH_NOSNAP) throw new CephError('EINVAL', 'a snapshot id is required, not CEPH_NOSNAP');
}
