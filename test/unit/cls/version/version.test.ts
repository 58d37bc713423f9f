/**
 * cls/version codecs: the v1 envelopes of obj_version, obj_version_cond and
 * the ops, byte by byte (Ceph's cls_version_types.h / cls_version_ops.h);
 * the real OSD's answers to these bytes are checked in
 * test/interop/cls-rbd.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { ObjectWriteOperation } from '../../../../src/rados/operation.js';
import {
  decodeVersionCondOp,
  decodeVersionReadRet,
  decodeVersionSetOp,
  encodeVersionCondOp,
  encodeVersionReadRet,
  encodeVersionSetOp,
  versionIncCond,
  VersionCond,
} from '../../../../src/cls/version/index.js';

// obj_version{ver 5, tag "ab"}: v1 c1 len 14 | u64 5 | string "ab"
const OBJV = '01010e000000' + '0500000000000000' + '020000006162';

describe('cls/version codecs', () => {
  it('set op and read ret: one obj_version in a v1 envelope', () => {
    const objv = { ver: 5n, tag: 'ab' };
    const setHex = '010114000000' + OBJV;
    assert.equal(encodeVersionSetOp(objv).toString('hex'), setHex);
    assert.deepEqual(decodeVersionSetOp(Buffer.from(setHex, 'hex')), objv);
    assert.equal(encodeVersionReadRet(objv).toString('hex'), setHex);
    assert.deepEqual(decodeVersionReadRet(Buffer.from(setHex, 'hex')), objv);
  });

  it('inc/check op: obj_version then a list of conds (obj_version + u32 cond, v1)', () => {
    const objv = { ver: 5n, tag: 'ab' };
    const cond = '010118000000' + OBJV + '03000000';
    const hex = '010136000000' + OBJV + '01000000' + cond; // 20 + 4 + 30 bytes
    const enc = encodeVersionCondOp({ objv, conds: [{ ver: objv, cond: VersionCond.GE }] });
    assert.equal(enc.toString('hex'), hex);
    assert.deepEqual(decodeVersionCondOp(enc), { objv, conds: [{ ver: objv, cond: VersionCond.GE }] });
  });

  it('versionIncCond calls version.inc_conds with the version as its own condition', () => {
    const op = new ObjectWriteOperation();
    versionIncCond(op, { ver: 5n, tag: 'ab' }, VersionCond.EQ);
    const indata = op.ops[0]!.indata;
    assert.equal(indata.subarray(0, 'versioninc_conds'.length).toString(), 'versioninc_conds');
    const decoded = decodeVersionCondOp(indata.subarray('versioninc_conds'.length));
    assert.deepEqual(decoded.conds, [{ ver: { ver: 5n, tag: 'ab' }, cond: VersionCond.EQ }]);
  });

  it('a truncated reply is a decode error', () => {
    assert.throws(
      () => decodeVersionReadRet(Buffer.from('0101', 'hex')),
      (e) => isCephError(e, 'EBADMSG'),
    );
  });
});
