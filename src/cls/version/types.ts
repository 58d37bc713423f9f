/**
 * The types of the `version` object class (Ceph's cls_version_types.h): an
 * object's version, kept by the class in the `ceph.objclass.version` xattr,
 * and the conditions a caller can put on it.
 */
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';

/** `obj_version`: a counter and the tag it belongs to. */
export interface ObjVersion {
  /** `uint64_t ver`. */
  ver: bigint;
  /** `std::string tag`: empty means "no version yet". */
  tag: string;
}

/** `VersionCond` (u32 on the wire). */
export const VersionCond = {
  NONE: 0,
  /** Versions equal (same tag and counter). */
  EQ: 1,
  GT: 2,
  GE: 3,
  LT: 4,
  LE: 5,
  TAG_EQ: 6,
  TAG_NE: 7,
} as const;
export type VersionCond = (typeof VersionCond)[keyof typeof VersionCond];

/** `obj_version_cond`: a condition against a version. */
export interface ObjVersionCond {
  /** `obj_version ver`. */
  ver: ObjVersion;
  /** `VersionCond cond`. */
  cond: number;
}

export function encodeObjVersion(e: Encoder, v: ObjVersion): void {
  e.struct(1, 1, (b) => b.u64(v.ver).string(v.tag));
}

export function decodeObjVersion(d: Decoder): ObjVersion {
  return d.struct('obj_version', 1, (b) => ({ ver: b.u64(), tag: b.string() }));
}

export function encodeObjVersionCond(e: Encoder, c: ObjVersionCond): void {
  e.struct(1, 1, (b) => {
    encodeObjVersion(b, c.ver);
    b.u32(c.cond);
  });
}

export function decodeObjVersionCond(d: Decoder): ObjVersionCond {
  return d.struct('obj_version_cond', 1, (b) => ({ ver: decodeObjVersion(b), cond: b.u32() }));
}

/** The xattr the class keeps the version in. */
export const VERSION_ATTR = 'ceph.objclass.version';
