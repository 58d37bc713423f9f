import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Decoder } from '../../../../src/encoding/decoder.js';
import { encode } from '../../../../src/encoding/encoder.js';
import { EntityType, formatEntityNameT } from '../../../../src/encoding/types.js';
import {
  ClsLockType,
  clsLockTypeStr,
  decodeAssertOp,
  decodeBreakOp,
  decodeGetInfoOp,
  decodeGetInfoReply,
  decodeListLocksReply,
  decodeLockInfo,
  decodeLockOp,
  decodeSetCookieOp,
  decodeUnlockOp,
  encodeAssertOp,
  encodeBreakOp,
  encodeGetInfoOp,
  encodeGetInfoReply,
  encodeListLocksReply,
  encodeLockInfo,
  encodeLockOp,
  encodeSetCookieOp,
  encodeUnlockOp,
  getLockInfoFinish,
  Lock,
  lock,
  LockFlag,
} from '../../../../src/cls/lock/index.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../../../src/rados/operation.js';
import { OsdOp } from '../../../../src/msg/messages/osd-op-codes.js';
import { formatAddrLegacy, parseEntityNameT } from '../../../../src/cli/rados/lock.js';
import { isCephError } from '../../../../src/common/errors.js';

interface Case {
  command: string;
  input: string;
  output: string;
}
const golden = JSON.parse(
  readFileSync(new URL('../../../../../test/fixtures/cls-lock/pacific-lock.json', import.meta.url), 'utf8'),
) as Record<string, Case> & { xattr_mylock: string; xattr_shlock: string };
const hex = (s: string) => Buffer.from(s, 'hex');

/** What `rados lock info` printed, as JSON. */
interface InfoJson {
  name: string;
  type: string;
  tag: string;
  lockers: { name: string; cookie: string; description: string; expiration: string; addr: string }[];
}
const infoJson = (c: Case) => JSON.parse(c.command) as InfoJson;

/** Seconds of a `utime_t` as Ceph prints it ("2026-11-21T21:23:27.898110+0000" or "0.000000"). */
function printedSeconds(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{6}([+-]\d\d)(\d\d)$/.exec(s);
  if (!m) return Number(s.split('.')[0]);
  return Date.parse(`${m[1]}${m[2]}:${m[3]}`) / 1000;
}

describe('cls lock: cls_lock_lock_op against rados lock get', () => {
  it('exclusive with cookie, tag, description and duration encodes as the real rados did', () => {
    const op = {
      name: 'mylock',
      type: ClsLockType.EXCLUSIVE,
      cookie: 'c1',
      tag: 't1',
      description: 'my desc',
      duration: { sec: 3600, nsec: 0 },
      flags: 0,
    };
    assert.equal(encodeLockOp(op).toString('hex'), golden.lock_exclusive!.input);
    assert.deepEqual(decodeLockOp(hex(golden.lock_exclusive!.input)), op);
  });

  it('shared locks (with and without a description) encode as the real rados did', () => {
    const base = {
      name: 'shlock',
      type: ClsLockType.SHARED,
      tag: '',
      duration: { sec: 0, nsec: 0 },
      flags: 0,
    };
    assert.equal(
      encodeLockOp({ ...base, cookie: 's1', description: '' }).toString('hex'),
      golden.lock_shared!.input,
    );
    assert.equal(
      encodeLockOp({ ...base, cookie: 's2', description: 'two' }).toString('hex'),
      golden.lock_shared2!.input,
    );
  });

  it('the lock() builder adds one lock.lock call carrying that input', () => {
    const op = new ObjectWriteOperation();
    new Lock('mylock').lockShared(op);
    lock(op, {
      name: 'mylock',
      type: ClsLockType.EXCLUSIVE,
      cookie: 'c1',
      tag: 't1',
      description: 'my desc',
      duration: { sec: 3600, nsec: 0 },
    });
    assert.equal(op.ops.length, 2);
    const call = op.ops[1]!;
    assert.equal(call.op, OsdOp.CALL);
    assert.equal(
      call.indata.toString('hex'),
      Buffer.from('locklock').toString('hex') + golden.lock_exclusive!.input,
    );
  });

  it('Lock flags: may_renew and must_renew set and clear their bits', () => {
    const l = new Lock('x').setMayRenew(true).setMustRenew(true);
    assert.equal(l.flags, LockFlag.MAY_RENEW | LockFlag.MUST_RENEW);
    l.setMayRenew(false);
    assert.equal(l.flags, LockFlag.MUST_RENEW);
  });
});

describe('cls lock: get_info against rados lock info', () => {
  it('cls_lock_get_info_op encodes the name as the real rados did', () => {
    for (const [c, name] of [
      ['get_info', 'mylock'],
      ['get_info_shared', 'shlock'],
      ['get_info_none', 'nolock'],
    ] as const) {
      assert.equal(encodeGetInfoOp({ name }).toString('hex'), golden[c]!.input);
      assert.deepEqual(decodeGetInfoOp(hex(golden[c]!.input)), { name });
    }
  });

  it('the reply decodes to what the real rados printed and re-encodes byte for byte', () => {
    for (const c of ['get_info', 'get_info_shared', 'get_info_none'] as const) {
      const info = decodeGetInfoReply(hex(golden[c]!.output));
      const printed = infoJson(golden[c]!);
      assert.equal(clsLockTypeStr(info.lockType), printed.type);
      assert.equal(info.tag, printed.tag);
      assert.equal(info.lockers.length, printed.lockers.length);
      info.lockers.forEach((l, i) => {
        const p = printed.lockers[i]!;
        assert.equal(formatEntityNameT(l.id.locker), p.name);
        assert.equal(l.id.cookie, p.cookie);
        assert.equal(l.info.description, p.description);
        assert.equal(formatAddrLegacy(l.info.addr), p.addr);
        assert.equal(l.info.expiration.sec, printedSeconds(p.expiration));
      });
      assert.equal(encodeGetInfoReply(info).toString('hex'), golden[c]!.output);
    }
  });

  it('getLockInfoStart/Finish: the read op carries lock.get_info; a garbled reply is EBADMSG', () => {
    const op = new ObjectReadOperation();
    const slot = op.exec('lock', 'get_info', encodeGetInfoOp({ name: 'mylock' }));
    assert.equal(op.ops[0]!.op, OsdOp.CALL);
    assert.equal(slot.value, undefined);
    assert.throws(
      () => getLockInfoFinish(hex('0101ff')),
      (e: unknown) => isCephError(e, 'EBADMSG'),
    );
  });
});

describe('cls lock: lock_info_t in the lock.<name> xattr', () => {
  it('the xattr holds the same bytes as the get_info reply and round-trips', () => {
    assert.equal(golden.xattr_mylock, golden.get_info!.output);
    for (const x of [golden.xattr_mylock, golden.xattr_shlock]) {
      const info = decodeLockInfo(new Decoder(hex(x)));
      assert.equal(encode((e) => encodeLockInfo(e, info)).toString('hex'), x);
    }
  });

  it('lockers are encoded in locker_id_t order whatever order they are given in', () => {
    const info = decodeLockInfo(new Decoder(hex(golden.xattr_shlock)));
    const reversed = { ...info, lockers: [...info.lockers].reverse() };
    assert.equal(encode((e) => encodeLockInfo(e, reversed)).toString('hex'), golden.xattr_shlock);
  });
});

describe('cls lock: list_locks and break_lock against the real rados', () => {
  it('cls_lock_list_locks_reply decodes to the names rados lock list printed and re-encodes', () => {
    const names = decodeListLocksReply(hex(golden.list_locks!.output));
    const printed = JSON.parse(golden.list_locks!.command) as { locks: { name: string }[] };
    assert.deepEqual(
      names,
      printed.locks.map((l) => l.name),
    );
    assert.equal(encodeListLocksReply(names).toString('hex'), golden.list_locks!.output);
  });

  it('cls_lock_break_op encodes locker and cookie as the real rados did', () => {
    const locker = parseEntityNameT(infoJson(golden.get_info!).lockers[0]!.name)!;
    assert.equal(locker.type, EntityType.CLIENT);
    const op = { name: 'mylock', locker, cookie: 'c1' };
    assert.equal(encodeBreakOp(op).toString('hex'), golden.break_lock!.input);
    assert.deepEqual(decodeBreakOp(hex(golden.break_lock!.input)), op);
  });
});

describe('cls lock: ops without a captured payload round-trip', () => {
  it('unlock, assert_locked and set_cookie decode what they encode', () => {
    const unlock = { name: 'n', cookie: 'c' };
    assert.deepEqual(decodeUnlockOp(encodeUnlockOp(unlock)), unlock);
    const assertOp = { name: 'n', type: ClsLockType.SHARED, cookie: 'c', tag: 't' };
    assert.deepEqual(decodeAssertOp(encodeAssertOp(assertOp)), assertOp);
    const setCookie = { ...assertOp, newCookie: 'c2' };
    assert.deepEqual(decodeSetCookieOp(encodeSetCookieOp(setCookie)), setCookie);
  });

  it('assert_locked starts like lock_op: name, then the type byte, cookie and tag', () => {
    const lockInput = hex(golden.lock_exclusive!.input);
    const assertInput = encodeAssertOp({
      name: 'mylock',
      type: ClsLockType.EXCLUSIVE,
      cookie: 'c1',
      tag: 't1',
    });
    // both are v1 structs; compare the bodies after the 6-byte envelope
    const common = assertInput.length - 6;
    assert.deepEqual(assertInput.subarray(6), lockInput.subarray(6, 6 + common));
  });
});

describe('rados lock: locker names', () => {
  it('entity_name_t::parse accepts TYPE.NUM and rejects the rest', () => {
    assert.deepEqual(parseEntityNameT('client.4806'), { type: EntityType.CLIENT, num: 4806n });
    assert.deepEqual(parseEntityNameT('osd.0'), { type: EntityType.OSD, num: 0n });
    for (const bad of ['foo', 'client.', 'client.x', 'client. 1', 'client.1x', 'rgw.1']) {
      assert.equal(parseEntityNameT(bad), undefined, bad);
    }
  });
});
