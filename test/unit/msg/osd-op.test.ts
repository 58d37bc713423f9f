import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CephError } from '../../../src/common/errors.js';
import { Decoder } from '../../../src/encoding/decoder.js';
import { encode } from '../../../src/encoding/encoder.js';
import {
  CEPH_OSD_OP_SIZE,
  OSDOp,
  OsdFlag,
  OsdOp,
  OsdOpFlag,
  WatchOp,
  backoffOpName,
  decodeOsdOpHead,
  encodeOsdOpHead,
  osdFlagString,
  osdOpFlagString,
  osdOpModeModify,
  osdOpModeRead,
  osdOpName,
  osdOpUsesExtent,
  watchOpName,
} from '../../../src/msg/messages/index-osd.js';

describe('osd op codes: Pacific rados.h values and names', () => {
  it('codes pack mode | type | number', () => {
    assert.equal(OsdOp.READ, 0x1201);
    assert.equal(OsdOp.WRITE, 0x2201);
    assert.equal(OsdOp.WRITEFULL, 0x2202);
    assert.equal(OsdOp.WATCH, 0x220f);
    assert.equal(OsdOp.NOTIFY, 0x1206);
    assert.equal(OsdOp.NOTIFY_ACK, 0x1207);
    assert.equal(OsdOp.CMPEXT, 0x1220);
    assert.equal(OsdOp.OMAPRMKEYRANGE, 0x222c);
    assert.equal(OsdOp.TIER_EVICT, 0x822c);
    assert.equal(OsdOp.TMAP2OMAP, 0x3222);
    assert.equal(OsdOp.GETXATTR, 0x1301);
    assert.equal(OsdOp.RMXATTR, 0x2304);
    assert.equal(OsdOp.CALL, 0x1401);
    assert.equal(OsdOp.PGNLS, 0x1505);
    assert.equal(OsdOp.SCRUB_MAP, 0x4009);
  });

  it('every code is distinct and has a name; unknown codes print ???', () => {
    const codes = Object.values(OsdOp);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) assert.notEqual(osdOpName(c), '???', `name of 0x${c.toString(16)}`);
    assert.equal(osdOpName(0x1234), '???');
    assert.equal(osdOpName(OsdOp.OMAPGETVALSBYKEYS), 'omap-get-vals-by-keys');
    assert.equal(osdOpName(OsdOp.SPARSE_READ), 'sparse-read');
  });

  it("mode helpers follow Ceph's special cases (CALL is not a read)", () => {
    assert.ok(osdOpModeRead(OsdOp.READ));
    assert.ok(!osdOpModeRead(OsdOp.CALL));
    assert.ok(osdOpModeModify(OsdOp.TMAPUP), 'RMW modifies');
    assert.ok(osdOpUsesExtent(OsdOp.ZERO));
    assert.ok(!osdOpUsesExtent(OsdOp.SETXATTR));
  });

  it('flag strings join names with +, print - for none and ??? for unnamed bits', () => {
    assert.equal(osdFlagString(0), '-');
    assert.equal(
      osdFlagString(OsdFlag.ACK | OsdFlag.ONDISK | OsdFlag.READ | OsdFlag.KNOWN_REDIR),
      'ack+ondisk+read+known_if_redirected',
    );
    assert.equal(osdFlagString(OsdFlag.SUPPORTSPOOLEIO), '???', 'Pacific has no name for it');
    assert.equal(osdOpFlagString(OsdOpFlag.EXCL | OsdOpFlag.FADVISE_WILLNEED), 'excl+favise_willneed');
    assert.equal(watchOpName(WatchOp.RECONNECT), 'reconnect');
    assert.equal(backoffOpName(2), 'ack-block');
  });
});

describe('OSDOp: the ceph_osd_op struct', () => {
  it('is 38 bytes on the wire: op, flags, 28-byte union, payload_len', () => {
    const op = OSDOp.extent(OsdOp.WRITE, 0x1122334455n, 4096, {
      flags: OsdOpFlag.FADVISE_DONTNEED,
      truncateSeq: 7,
    });
    const bytes = encode((e) => encodeOsdOpHead(e, op, 4096));
    assert.equal(bytes.length, CEPH_OSD_OP_SIZE);
    assert.equal(bytes.readUInt16LE(0), OsdOp.WRITE);
    assert.equal(bytes.readUInt32LE(2), OsdOpFlag.FADVISE_DONTNEED);
    assert.equal(bytes.readBigUInt64LE(6), 0x1122334455n);
    assert.equal(bytes.readBigUInt64LE(14), 4096n);
    assert.equal(bytes.readUInt32LE(30), 7);
    assert.equal(bytes.readUInt32LE(34), 4096);
    const back = decodeOsdOpHead(new Decoder(bytes));
    assert.equal(back.op, OsdOp.WRITE);
    assert.equal(back.payloadLen, 4096);
    assert.deepEqual(back.extent, op.extent);
  });

  it('views write and read the packed union members at their offsets', () => {
    const op = new OSDOp({ op: OsdOp.WATCH });
    op.watch = { cookie: 0xdeadbeefn, ver: 0n, op: WatchOp.PING, gen: 3, timeout: 30 };
    assert.equal(op.args[16], WatchOp.PING);
    assert.equal(op.args.readUInt32LE(17), 3);
    assert.equal(op.args.readUInt32LE(21), 30);
    assert.deepEqual(op.watch, { cookie: 0xdeadbeefn, ver: 0n, op: WatchOp.PING, gen: 3, timeout: 30 });
    op.cls = { classLen: 3, methodLen: 9, argc: 0, indataLen: 70000 };
    assert.equal(op.args.readUInt32LE(3), 70000);
    op.copyFrom = { snapid: 5n, srcVersion: 9n, flags: 2, srcFadviseFlags: 0x20 };
    assert.deepEqual(op.copyFrom, { snapid: 5n, srcVersion: 9n, flags: 2, srcFadviseFlags: 0x20 });
    op.checksum = { offset: 1n, length: 2n, chunkSize: 3, type: 2 };
    assert.deepEqual(op.checksum, { offset: 1n, length: 2n, chunkSize: 3, type: 2 });
    const hint = new OSDOp({ op: OsdOp.SETALLOCHINT });
    hint.allocHint = { expectedObjectSize: 4n << 20n, expectedWriteSize: 4096n, flags: 1 };
    assert.deepEqual(OSDOp.allocHintOp(4 << 20, 4096, 1).args, hint.args);
    assert.equal(hint.args.readUInt32LE(16), 1);
  });

  it('refuses a union of the wrong size and over-long class names', () => {
    assert.throws(() => new OSDOp({ op: OsdOp.READ, args: Buffer.alloc(27) }), CephError);
    assert.throws(() => OSDOp.call('x'.repeat(256), 'm'), CephError);
  });

  it('clone keeps the struct and buffers', () => {
    const op = OSDOp.xattr(OsdOp.CMPXATTR, 'a', Buffer.from('b'), { cmpOp: 1, cmpMode: 2 });
    const c = op.clone();
    assert.deepEqual(c.args, op.args);
    assert.notEqual(c.args, op.args);
    assert.deepEqual(c.xattr, { nameLen: 1, valueLen: 1, cmpOp: 1, cmpMode: 2 });
    assert.equal(c.indata.toString(), 'ab');
  });
});
