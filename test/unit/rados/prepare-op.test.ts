/**
 * Golden check of what our client puts on the wire: for each MOSDOp the real
 * Pacific `rados` tool / python3-rados sent (test/unit/msg/fixtures/osd), the
 * same request built with our operation builders and `prepareOsdOp` encodes
 * to the same front and data bytes. Fields that vary per run (tid, mtime,
 * epoch, pg) are copied from the captured message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode } from '../../../src/encoding/encoder.js';
import { CEPH_NOSNAP } from '../../../src/encoding/osd-types.js';
import type { MessageHeader } from '../../../src/msg/message.js';
import { MOSDOp } from '../../../src/msg/messages/osd-op-message.js';
import { OSDOp } from '../../../src/msg/messages/osd-op.js';
import { OsdFlag, OsdOp, WatchOp } from '../../../src/msg/messages/osd-op-codes.js';
import { newOpTarget } from '../../../src/rados/objecter/op-target.js';
import type { ObjecterOp } from '../../../src/rados/objecter/objecter-op.js';
import { prepareOsdOp } from '../../../src/rados/objecter/prepare-op.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../../src/rados/operation.js';

interface Frame {
  name: string;
  header: Record<string, unknown>;
  front: string;
  data: string;
}

const fixture = fileURLToPath(
  new URL('../../../../test/unit/msg/fixtures/osd/pacific-osd-frames.json', import.meta.url),
);
const frames = JSON.parse(readFileSync(fixture, 'utf8')) as Frame[];

function captured(name: string): { frame: Frame; msg: MOSDOp } {
  const frame = frames.find((f) => f.name === name);
  assert.ok(frame, `fixture ${name}`);
  const h = frame.header;
  const header = {
    ...h,
    seq: BigInt(h.seq as string),
    tid: BigInt(h.tid as string),
    ackSeq: BigInt(h.ackSeq as string),
  } as unknown as MessageHeader;
  const msg = MOSDOp.decode(header, {
    front: Buffer.from(frame.front, 'hex'),
    middle: Buffer.alloc(0),
    data: [Buffer.from(frame.data, 'hex')],
  });
  return { frame, msg };
}

/** Our MOSDOp for `ops` aimed where the captured one went; compared byte for byte. */
function assertSameAsCaptured(
  name: string,
  ops: OSDOp[],
  flags: number,
  extra: Partial<ObjecterOp> = {},
): void {
  const { frame, msg } = captured(name);
  const target = newOpTarget(msg.oid, msg.oloc, flags);
  target.targetOid = msg.oid;
  target.targetOloc = msg.oloc;
  target.pgid = { pool: msg.pgid.pgid.pool, seed: msg.hash };
  target.actualPgid = msg.pgid;
  const op: ObjecterOp = {
    tid: msg.tid,
    target,
    ops,
    snapId: CEPH_NOSNAP,
    snapc: { seq: 0n, snaps: [] },
    mtime: msg.mtime,
    attempts: msg.retryAttempt,
    session: undefined,
    budgetBytes: 0,
    budgeted: false,
    sentAtMs: 0,
    shouldResend: true,
    mapCheckPending: false,
    priority: 63,
    resolve: () => {},
    reject: () => {},
    ...extra,
  };
  const ours = prepareOsdOp(op, msg.osdmapEpoch);
  assert.equal(ours.priority, frame.header.priority, `${name}: priority`);
  const payload = ours.encodePayload();
  assert.equal(payload.front.toString('hex'), frame.front, `${name}: front`);
  assert.equal(Buffer.concat(payload.data).toString('hex'), frame.data, `${name}: data`);
}

const W = OsdFlag.WRITE;
const R = OsdFlag.READ;

test('prepareOsdOp: writefull, read, stat, delete-free paths match rados put/get/stat', () => {
  const put = captured('osd_op_writefull').msg;
  assertSameAsCaptured('osd_op_writefull', new ObjectWriteOperation().writeFull(put.ops[0]!.indata).ops, W);
  const get = captured('osd_op_read').msg;
  const len = Number(get.ops[0]!.extent.length);
  assertSameAsCaptured('osd_op_read', ((o) => (o.read(0, len), o.ops))(new ObjectReadOperation()), R);
  assertSameAsCaptured('osd_op_stat', ((o) => (o.stat(), o.ops))(new ObjectReadOperation()), R);
});

test('prepareOsdOp: xattrs and omap match rados setxattr/getxattr/setomapval/listomapvals', () => {
  assertSameAsCaptured(
    'osd_op_setxattr',
    new ObjectWriteOperation().setXattr('attr1', Buffer.from('value1')).ops,
    W,
  );
  assertSameAsCaptured(
    'osd_op_getxattr',
    ((o) => (o.getXattr('attr1'), o.ops))(new ObjectReadOperation()),
    R,
  );
  assertSameAsCaptured(
    'osd_op_omap_set',
    new ObjectWriteOperation().omapSet(new Map([['key1', Buffer.from('val1')]])).ops,
    W,
  );
  const vals = captured('osd_op_omap_get_vals').msg.ops[0]!.indata;
  const max = Number(vals.readBigUInt64LE(4));
  assertSameAsCaptured(
    'osd_op_omap_get_vals',
    ((o) => (o.omapGetVals('', '', max), o.ops))(new ObjectReadOperation()),
    R,
  );
});

test('prepareOsdOp: a compound write (create excl, write, setxattr, writesame, zero, append, truncate)', () => {
  const m = captured('osd_op_compound').msg;
  const ext = (i: number) => m.ops[i]!.extent;
  const ws = m.ops[3]!.writeSame;
  const w = new ObjectWriteOperation()
    .create(true)
    .write(Number(ext(1).offset), m.ops[1]!.indata)
    .setXattr('compound-attr', m.ops[2]!.indata.subarray('compound-attr'.length))
    .writeSame(Number(ws.offset), Number(ws.length), m.ops[3]!.indata)
    .zero(Number(ext(4).offset), Number(ext(4).length))
    .append(m.ops[5]!.indata)
    .truncate(Number(ext(6).offset));
  assertSameAsCaptured('osd_op_compound', w.ops, W);
  const av = captured('osd_op_assert_ver').msg;
  const w2 = new ObjectWriteOperation()
    .assertVersion(av.ops[0]!.assertVer)
    .write(Number(av.ops[1]!.extent.offset), av.ops[1]!.indata);
  assertSameAsCaptured('osd_op_assert_ver', w2.ops, W);
});

test('prepareOsdOp: self-managed snap context on writes and rollback', () => {
  const m = captured('osd_op_write_snapc').msg;
  const snapc = { seq: m.snapSeq, snaps: m.snaps };
  assertSameAsCaptured('osd_op_write_snapc', new ObjectWriteOperation().writeFull(m.ops[0]!.indata).ops, W, {
    snapc,
  });
  const rb = captured('osd_op_rollback').msg;
  assertSameAsCaptured('osd_op_rollback', new ObjectWriteOperation().rollback(rb.ops[0]!.snapid).ops, W, {
    snapc,
  });
  const sr = captured('osd_op_snap_read').msg;
  const read = ((o) => (o.read(0, Number(sr.ops[0]!.extent.length)), o.ops))(new ObjectReadOperation());
  assertSameAsCaptured('osd_op_snap_read', read, R, { snapId: sr.snapid });
});

test('prepareOsdOp: cls call (lock), watch, unwatch, notify and notify-ack', () => {
  const call = captured('osd_op_call_lock').msg.ops[0]!;
  const input = call.indata.subarray(call.cls.classLen + call.cls.methodLen);
  const w = new ObjectWriteOperation();
  w.exec('lock', 'lock', input);
  assertSameAsCaptured('osd_op_call_lock', w.ops, W);
  const watch = captured('osd_op_watch').msg.ops[0]!.watch;
  assertSameAsCaptured(
    'osd_op_watch',
    [OSDOp.watch(watch.cookie, WatchOp.WATCH, { gen: watch.gen, timeout: watch.timeout })],
    W,
  );
  const unwatch = captured('osd_op_unwatch').msg.ops[0]!.watch;
  assertSameAsCaptured('osd_op_unwatch', [OSDOp.watch(unwatch.cookie, WatchOp.UNWATCH)], W);
  const n = captured('osd_op_notify').msg.ops[0]!;
  const payload = n.indata.subarray(12);
  const timeout = n.indata.readUInt32LE(4);
  assertSameAsCaptured(
    'osd_op_notify',
    [
      OSDOp.notify(
        n.notifyCookie,
        encode((e) => e.u32(1).u32(timeout).buffer(payload)),
      ),
    ],
    R,
  );
  const ack = captured('osd_op_notify_ack').msg.ops[0]!;
  const d = ack.indata;
  const ackOp = OSDOp.simple(OsdOp.NOTIFY_ACK, {
    indata: encode((e) => e.u64(d.readBigUInt64LE(0)).u64(d.readBigUInt64LE(8)).buffer(d.subarray(20))),
  });
  assertSameAsCaptured('osd_op_notify_ack', [ackOp], R);
});

test('prepareOsdOp: a PGNLS listing request', () => {
  const m = captured('osd_op_pgnls').msg;
  const op = m.ops[0]!;
  const ours = OSDOp.pgls(OsdOp.PGNLS, op.pgls.count, op.pgls.startEpoch, op.indata);
  const target = newOpTarget('', m.oloc, R | OsdFlag.IGNORE_OVERLAY, { pool: m.oloc.pool, seed: m.hash });
  assert.equal(target.flags, R | OsdFlag.IGNORE_OVERLAY);
  assertSameAsCaptured('osd_op_pgnls', [ours], R | OsdFlag.IGNORE_OVERLAY);
});
