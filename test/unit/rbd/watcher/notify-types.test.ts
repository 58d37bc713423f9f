import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCephError } from '../../../../src/common/errors.js';
import { encodeNotifyReply } from '../../../../src/rados/notify-reply.js';
import {
  NotifyOp,
  checkForRefresh,
  decodeNotifyMessage,
  decodeNotifyReply,
  decodeResponseMessage,
  encodeNotifyMessage,
  encodeResponseMessage,
  isUnknownPayload,
  lockOwnerResult,
  payloadAsyncRequestId,
  type NotifyPayload,
} from '../../../../src/rbd/watcher/notify-types.js';

interface Fixture {
  notifications: { step: string; op: number; notifierGid: string; payload: string }[];
  replies: { step: string; request: string; reply: string; ownerGid: string }[];
}

const fixture = JSON.parse(
  readFileSync(join(process.cwd(), 'test/fixtures/rbd-notify/pacific-notify.json'), 'utf8'),
) as Fixture;

const decoded = fixture.notifications.map((n) => ({
  ...n,
  bytes: Buffer.from(n.payload, 'hex'),
  msg: decodeNotifyMessage(Buffer.from(n.payload, 'hex')),
}));

/** The first notification of `op` during `step`. */
function find<T extends NotifyPayload>(step: string, op: number): { msg: T; notifierGid: bigint } {
  const n = decoded.find((x) => x.step === step && x.op === op);
  assert.ok(n, `fixture has op ${op} during '${step}'`);
  return { msg: n.msg as T, notifierGid: BigInt(n.notifierGid) };
}

test('notify-types: every captured payload decodes and re-encodes byte for byte', () => {
  assert.ok(decoded.length > 40);
  const ops = new Set<number>();
  for (const n of decoded) {
    assert.equal(n.msg.op, n.op, n.step);
    assert.deepEqual(encodeNotifyMessage(n.msg), n.bytes, `${n.step} op ${n.op}`);
    ops.add(n.op);
  }
  // Everything Pacific's rbd sends in these flows except MIGRATE.
  for (const op of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20]) {
    assert.ok(ops.has(op), `captured op ${op}`);
  }
  // Version 7 envelope with compat 1, as Pacific writes it.
  assert.equal(decoded[0]!.bytes[0], 7);
  assert.equal(decoded[0]!.bytes[1], 1);
});

test('notify-types: requests carry the requester id and the fields the rbd command asked for', () => {
  type R = Extract<NotifyPayload, { op: 7 }>;
  const grow = find<R>('resize grow', NotifyOp.RESIZE);
  assert.equal(grow.msg.size, 128n << 20n);
  assert.equal(grow.msg.allowShrink, false);
  assert.equal(grow.msg.asyncRequestId.clientId.gid, grow.notifierGid);
  assert.equal(grow.msg.asyncRequestId.requestId, 1n);
  const shrink = find<R>('resize shrink', NotifyOp.RESIZE);
  assert.equal(shrink.msg.size, 96n << 20n);
  assert.equal(shrink.msg.allowShrink, true);

  const create = find<Extract<NotifyPayload, { op: 8 }>>('snap create', NotifyOp.SNAP_CREATE);
  assert.equal(create.msg.snapName, 's1');
  assert.deepEqual(create.msg.snapNamespace, { type: 'user' });
  assert.equal(create.msg.flags, 0n);
  assert.equal(create.msg.asyncRequestId.clientId.gid, create.notifierGid);

  const rename = find<Extract<NotifyPayload, { op: 11 }>>('snap rename', NotifyOp.SNAP_RENAME);
  assert.equal(rename.msg.snapName, 's2');
  assert.ok(rename.msg.snapId > 0n);
  for (const [step, op] of [
    ['snap protect', NotifyOp.SNAP_PROTECT],
    ['snap unprotect', NotifyOp.SNAP_UNPROTECT],
    ['snap rm', NotifyOp.SNAP_REMOVE],
  ] as const) {
    const p = find<Extract<NotifyPayload, { op: 9 }>>(step, op);
    assert.equal(p.msg.snapName, 's2', step);
    assert.equal(p.msg.asyncRequestId.clientId.gid, p.notifierGid, step);
  }

  const off = find<Extract<NotifyPayload, { op: 15 }>>('feature disable fast-diff', NotifyOp.UPDATE_FEATURES);
  assert.equal(off.msg.features, 16n);
  assert.equal(off.msg.enabled, false);
  const on = find<Extract<NotifyPayload, { op: 15 }>>('feature enable fast-diff', NotifyOp.UPDATE_FEATURES);
  assert.equal(on.msg.enabled, true);
  assert.equal(on.msg.features & 16n, 16n);

  const ren = find<Extract<NotifyPayload, { op: 14 }>>('rename', NotifyOp.RENAME);
  assert.equal(ren.msg.imageName, 'cap-j2');
  const meta = find<Extract<NotifyPayload, { op: 20 }>>('image-meta set', NotifyOp.METADATA_UPDATE);
  assert.equal(meta.msg.key, 'k1');
  assert.equal(meta.msg.value, 'v1');
  const sp = find<Extract<NotifyPayload, { op: 17 }>>('sparsify', NotifyOp.SPARSIFY);
  assert.equal(sp.msg.sparseSize, 4096n);
  find('object-map rebuild', NotifyOp.REBUILD_OBJECT_MAP);
  find('flatten', NotifyOp.FLATTEN);
});

test('notify-types: the owner answers each request with progress and completion for the same id', () => {
  for (const [step, op] of [
    ['resize shrink', NotifyOp.RESIZE],
    ['object-map rebuild', NotifyOp.REBUILD_OBJECT_MAP],
    ['sparsify', NotifyOp.SPARSIFY],
    ['flatten', NotifyOp.FLATTEN],
  ] as const) {
    const req = find(step, op);
    const id = payloadAsyncRequestId(req.msg)!;
    const progress = decoded.filter((n) => n.step === step && n.op === NotifyOp.ASYNC_PROGRESS);
    assert.ok(progress.length > 0, `${step} progress`);
    for (const p of progress) {
      const m = p.msg as Extract<NotifyPayload, { op: 4 }>;
      assert.deepEqual(m.asyncRequestId, id);
      assert.ok(m.offset <= m.total);
      assert.notEqual(BigInt(p.notifierGid), req.notifierGid, 'progress comes from the owner');
    }
    const done = find<Extract<NotifyPayload, { op: 5 }>>(step, NotifyOp.ASYNC_COMPLETE);
    assert.deepEqual(done.msg.asyncRequestId, id);
    assert.equal(done.msg.result, 0);
  }
});

test('notify-types: lock traffic names the owner; quiesce is sent by the owner running snap create', () => {
  const acquired = find<Extract<NotifyPayload, { op: 0 }>>(
    'bench start (acquire lock)',
    NotifyOp.ACQUIRED_LOCK,
  );
  assert.equal(acquired.msg.clientId.gid, acquired.notifierGid);
  assert.ok(acquired.msg.clientId.handle > 0n);
  const released = find<Extract<NotifyPayload, { op: 1 }>>(
    'bench end (release lock)',
    NotifyOp.RELEASED_LOCK,
  );
  assert.deepEqual(released.msg.clientId, acquired.msg.clientId);
  const request = find<Extract<NotifyPayload, { op: 2 }>>('two benches', NotifyOp.REQUEST_LOCK);
  assert.equal(request.msg.clientId.gid, request.notifierGid);
  assert.equal(request.msg.force, false);
  const quiesce = find<Extract<NotifyPayload, { op: 18 }>>('snap create', NotifyOp.QUIESCE);
  assert.deepEqual(quiesce.msg.asyncRequestId.clientId, acquired.msg.clientId);
  const unquiesce = find<Extract<NotifyPayload, { op: 19 }>>('snap create', NotifyOp.UNQUIESCE);
  assert.deepEqual(unquiesce.msg.asyncRequestId, quiesce.msg.asyncRequestId);
  const header = find('resize grow', NotifyOp.HEADER_UPDATE);
  assert.deepEqual(header.msg, { op: NotifyOp.HEADER_UPDATE });
  assert.equal(checkForRefresh(header.msg), false);
  assert.equal(checkForRefresh(find('resize grow', NotifyOp.RESIZE).msg), true);
});

test('notify-types: notify replies hold the real owner ResponseMessage among empty acks', () => {
  const expected: Record<string, number> = {
    'our resize request': 0,
    'our unknown op 99': -95,
    'our request lock': 0,
  };
  assert.equal(fixture.replies.length, 3);
  for (const r of fixture.replies) {
    const bytes = Buffer.from(r.reply, 'hex');
    const reply = decodeNotifyReply(bytes);
    assert.deepEqual(encodeNotifyReply(reply), bytes, r.step);
    assert.equal(reply.timeouts.length, 0);
    const answers = reply.acks.filter((a) => a.payload.length > 0);
    assert.equal(answers.length, 1, r.step);
    assert.equal(answers[0]!.gid, BigInt(r.ownerGid), r.step);
    assert.deepEqual(encodeResponseMessage(decodeResponseMessage(answers[0]!.payload)), answers[0]!.payload);
    assert.equal(lockOwnerResult(reply), expected[r.step], r.step);
    // What we sent re-encodes too (the unknown op keeps its empty body).
    const sent = Buffer.from(r.request, 'hex');
    assert.deepEqual(encodeNotifyMessage(decodeNotifyMessage(sent)), sent);
  }
  assert.ok(isUnknownPayload(decodeNotifyMessage(Buffer.from(fixture.replies[1]!.request, 'hex'))));
});

test('notify-types: lockOwnerResult edges (no owner, two owners, garbage)', () => {
  const ack = (payload: Buffer, gid = 1n) => ({ gid, cookie: 1n, payload });
  assert.equal(lockOwnerResult({ acks: [ack(Buffer.alloc(0))], timeouts: [] }), -110);
  assert.equal(
    lockOwnerResult({
      acks: [ack(encodeResponseMessage(0)), ack(encodeResponseMessage(0), 2n)],
      timeouts: [],
    }),
    -22,
  );
  assert.equal(lockOwnerResult({ acks: [ack(Buffer.from([1, 2]))], timeouts: [] }), -22);
  assert.equal(lockOwnerResult({ acks: [ack(encodeResponseMessage(-30))], timeouts: [] }), -30);
});

test('notify-types: old versions decode with defaults; empty is a header update; garbage is EBADMSG', () => {
  // v1 ACQUIRED_LOCK carried no client id; v3 RESIZE had no allow_shrink (= may shrink).
  assert.deepEqual(decodeNotifyMessage(Buffer.from('010104000000' + '00000000', 'hex')), {
    op: 0,
    clientId: { gid: 0n, handle: 0n },
  });
  const v3resize = Buffer.from('030124000000' + '07000000' + '0010000000000000' + '00'.repeat(24), 'hex');
  const r = decodeNotifyMessage(v3resize) as Extract<NotifyPayload, { op: 7 }>;
  assert.equal(r.size, 4096n);
  assert.equal(r.allowShrink, true);
  // v6 RENAME: no request id.
  const v6 = Buffer.from('060109000000' + '0e000000' + '01000000' + '78', 'hex');
  assert.deepEqual(decodeNotifyMessage(v6), {
    op: 14,
    imageName: 'x',
    asyncRequestId: { clientId: { gid: 0n, handle: 0n }, requestId: 0n },
  });
  assert.deepEqual(decodeNotifyMessage(Buffer.alloc(0)), { op: NotifyOp.HEADER_UPDATE });
  // Trailing bytes from a newer encoder are skipped.
  const newer = Buffer.from('08010600000003000000abcd', 'hex');
  assert.deepEqual(decodeNotifyMessage(newer), { op: 3 });
  for (const bad of ['07', '070104000000', '070208000000030000000000', '07010c00000007000000']) {
    assert.throws(
      () => decodeNotifyMessage(Buffer.from(bad, 'hex')),
      (e) => isCephError(e, 'EBADMSG'),
    );
  }
});

test('notify-types: every payload kind round-trips', () => {
  const id = { clientId: { gid: 4100n, handle: 139_800_000_000_000n }, requestId: 7n };
  const ns = { type: 'user' } as const;
  const all: NotifyPayload[] = [
    { op: 0, clientId: id.clientId },
    { op: 1, clientId: id.clientId },
    { op: 2, clientId: id.clientId, force: true },
    { op: 3 },
    { op: 4, asyncRequestId: id, offset: 3n, total: 9n },
    { op: 5, asyncRequestId: id, result: -16 },
    { op: 6, asyncRequestId: id },
    { op: 7, size: 1n << 40n, asyncRequestId: id, allowShrink: true },
    { op: 8, snapName: 'a', snapNamespace: ns, asyncRequestId: id, flags: 3n },
    {
      op: 9,
      snapName: 'a',
      snapNamespace: { type: 'trash', originalName: 'a', originalSnapshotNamespaceType: 0 },
      asyncRequestId: id,
    },
    { op: 10, asyncRequestId: id },
    { op: 11, snapId: 5n, snapName: 'b', snapNamespace: ns, asyncRequestId: id },
    { op: 12, snapName: 'a', snapNamespace: ns, asyncRequestId: id },
    { op: 13, snapName: 'a', snapNamespace: ns, asyncRequestId: id },
    { op: 14, imageName: 'n', asyncRequestId: id },
    { op: 15, features: 4n, enabled: true, asyncRequestId: id },
    { op: 16, asyncRequestId: id },
    { op: 17, asyncRequestId: id, sparseSize: 65536n },
    { op: 18, asyncRequestId: id },
    { op: 19, asyncRequestId: id },
    { op: 20, key: 'k', value: undefined, asyncRequestId: id },
    { op: 77, unknown: true, raw: Buffer.from([1, 2, 3]) },
  ];
  for (const p of all) assert.deepEqual(decodeNotifyMessage(encodeNotifyMessage(p)), p, `op ${p.op}`);
});
