/**
 * The inputs and outputs of the `version` class methods (Ceph's
 * cls_version_ops.h): each a v1 struct. `inc`, `inc_conds` and
 * `check_conds` all take the same {objv, conds} layout.
 */
import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import {
  decodeObjVersion,
  decodeObjVersionCond,
  encodeObjVersion,
  encodeObjVersionCond,
  type ObjVersion,
  type ObjVersionCond,
} from './types.js';

/** `cls_version_set_op`: input of `version.set`. */
export function encodeVersionSetOp(objv: ObjVersion): Buffer {
  return encode((e) => e.struct(1, 1, (b) => encodeObjVersion(b, objv)));
}

export function decodeVersionSetOp(buf: Buffer): ObjVersion {
  return new Decoder(buf).struct('cls_version_set_op', 1, (b) => decodeObjVersion(b));
}

/** `cls_version_inc_op` / `cls_version_check_op`: a version and conditions on the current one. */
export interface VersionCondOp {
  /** `obj_version objv`. */
  objv: ObjVersion;
  /** `std::list<obj_version_cond> conds`. */
  conds: ObjVersionCond[];
}

export function encodeVersionCondOp(op: VersionCondOp): Buffer {
  return encode((e) =>
    e.struct(1, 1, (b) => {
      encodeObjVersion(b, op.objv);
      b.list(op.conds, encodeObjVersionCond);
    }),
  );
}

export function decodeVersionCondOp(buf: Buffer): VersionCondOp {
  return new Decoder(buf).struct('cls_version_inc_op', 1, (b) => ({
    objv: decodeObjVersion(b),
    conds: b.list(decodeObjVersionCond),
  }));
}

/** `cls_version_read_ret`: output of `version.read`. */
export function encodeVersionReadRet(objv: ObjVersion): Buffer {
  return encode((e) => e.struct(1, 1, (b) => encodeObjVersion(b, objv)));
}

export function decodeVersionReadRet(buf: Buffer): ObjVersion {
  return new Decoder(buf).struct('cls_version_read_ret', 1, (b) => decodeObjVersion(b));
}
