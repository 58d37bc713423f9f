import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../../src/encoding/encoder.js';
import { OsdOp, OsdOpFlag } from '../../../src/msg/messages/osd-op-codes.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../../src/rados/operation.js';
import { decodeNotifyReply, encodeNotifyReply } from '../../../src/rados/notify-reply.js';
import { isCephError } from '../../../src/common/errors.js';

test('write operation: ops in order with their inputs', () => {
  const w = new ObjectWriteOperation()
    .create(true)
    .write(4096, Buffer.from('abc'))
    .setXattr('k', Buffer.from('v'))
    .omapSet(
      new Map([
        ['b', Buffer.from('2')],
        ['a', Buffer.from('1')],
      ]),
    );
  assert.deepEqual(
    w.ops.map((o) => o.op),
    [OsdOp.CREATE, OsdOp.WRITE, OsdOp.SETXATTR, OsdOp.OMAPSETVALS],
  );
  assert.equal(w.ops[0]!.flags, OsdOpFlag.EXCL);
  assert.equal(w.ops[1]!.extent.offset, 4096n);
  assert.equal(w.ops[1]!.extent.length, 3n);
  assert.equal(w.ops[2]!.indata.toString(), 'kv');
  // map<string,bufferlist> keys sorted: a then b.
  const expected = encode((e) =>
    e.u32(2).string('a').buffer(Buffer.from('1')).string('b').buffer(Buffer.from('2')),
  );
  assert.deepEqual(w.ops[3]!.indata, expected);
});

test('read operation: outputs decoded per op; a failed op reports its errno', () => {
  const r = new ObjectReadOperation();
  const stat = r.stat();
  const keys = r.omapGetKeys('', 10);
  const x = r.getXattr('nope');
  const ops = r.ops.map((o) => o.clone());
  ops[0]!.outdata = encode((e) => e.u64(12345).u32(7).u32(8));
  ops[1]!.outdata = encode((e) => e.list(['k1', 'k2'], (y, k) => y.string(k)).bool(true));
  ops[2]!.rval = -61;
  r.complete(ops);
  assert.deepEqual(stat.get(), { size: 12345, mtime: { sec: 7, nsec: 8 } });
  assert.deepEqual(keys.get(), { keys: ['k1', 'k2'], more: true });
  assert.throws(
    () => x.get(),
    (e) => isCephError(e, 'ENODATA'),
  );
});

test('notify reply: acks then timeouts round-trip', () => {
  const r = {
    acks: [{ gid: 4100n, cookie: 1n, payload: Buffer.from('hi') }],
    timeouts: [{ gid: 4200n, cookie: 9n }],
  };
  assert.deepEqual(decodeNotifyReply(encodeNotifyReply(r)), r);
});
