/**
 * The client side of the `version` object class (Ceph's
 * cls_version_client.cc): set, bump and check an object's version inside a
 * compound operation, and read it. A failed condition is ECANCELED.
 */
import { CephError } from '../../common/errors.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../rados/operation.js';
import { decodeVersionReadRet, encodeVersionCondOp, encodeVersionSetOp } from './ops.js';
import type { ObjVersion } from './types.js';

const CLASS = 'version';

/** `cls_version_set`: make the object's version `objv`. */
export function versionSet(op: ObjectWriteOperation, objv: ObjVersion): void {
  op.exec(CLASS, 'set', encodeVersionSetOp(objv));
}

/** `cls_version_inc`: bump the counter (an object without a version first gets a random tag and 1). */
export function versionInc(op: ObjectWriteOperation): void {
  op.exec(CLASS, 'inc', encodeVersionCondOp({ objv: { ver: 0n, tag: '' }, conds: [] }));
}

/** `cls_version_inc` with a condition: bump only if the current version relates to `objv` as `cond`. */
export function versionIncCond(op: ObjectWriteOperation, objv: ObjVersion, cond: number): void {
  op.exec(CLASS, 'inc_conds', encodeVersionCondOp({ objv, conds: [{ ver: objv, cond }] }));
}

/** `cls_version_check`: fail the operation (ECANCELED) unless the version relates to `objv` as `cond`. */
export function versionCheck(
  op: ObjectReadOperation | ObjectWriteOperation,
  objv: ObjVersion,
  cond: number,
): void {
  op.exec(CLASS, 'check_conds', encodeVersionCondOp({ objv, conds: [{ ver: objv, cond }] }));
}

/** `cls_version_read`: the object's version (empty tag, 0 when none was set). */
export async function versionRead(ioCtx: IoCtx, oid: string): Promise<ObjVersion> {
  const out = await ioCtx.exec(oid, CLASS, 'read');
  try {
    return decodeVersionReadRet(out);
  } catch (err) {
    // Ceph's client answers EIO to a reply it cannot decode.
    throw new CephError('EIO', `version.read: malformed reply: ${(err as Error).message}`, { cause: err });
  }
}

export async function versionSetOn(ioCtx: IoCtx, oid: string, objv: ObjVersion): Promise<void> {
  const op = new ObjectWriteOperation();
  versionSet(op, objv);
  await ioCtx.operate(oid, op);
}

export async function versionIncOn(ioCtx: IoCtx, oid: string): Promise<void> {
  const op = new ObjectWriteOperation();
  versionInc(op);
  await ioCtx.operate(oid, op);
}

export async function versionIncCondOn(
  ioCtx: IoCtx,
  oid: string,
  objv: ObjVersion,
  cond: number,
): Promise<void> {
  const op = new ObjectWriteOperation();
  versionIncCond(op, objv, cond);
  await ioCtx.operate(oid, op);
}

export async function versionCheckOn(
  ioCtx: IoCtx,
  oid: string,
  objv: ObjVersion,
  cond: number,
): Promise<void> {
  const op = new ObjectReadOperation();
  versionCheck(op, objv, cond);
  await ioCtx.operateRead(oid, op);
}
