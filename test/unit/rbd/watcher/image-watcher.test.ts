/**
 * ImageWatcher: request forwarding (requester and owner side), acks, lock
 * announcements, quiesce and rewatch, on the in-memory header with a manual
 * clock. Test names follow the edges in image-watcher.ts's header comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/common/clock.js';
import { CephError, isCephError } from '../../../../src/common/errors.js';
import {
  NotifyOp,
  decodeNotifyMessage,
  decodeResponseMessage,
  encodeNotifyMessage,
  lockOwnerResult,
  type AsyncRequestId,
  type NotifyPayload,
} from '../../../../src/rbd/watcher/index.js';
import { FakeHeaderCluster, drive, settle, watchOutcome } from '../../../sim/rbd/fake-header-cluster.js';
import { SimImageClient } from '../../../sim/rbd/sim-image-client.js';

const OID = 'rbd_header.abc';

async function twoClients(o: Parameters<typeof SimImageClient.open>[3] = {}) {
  const clock = new ManualClock();
  const cluster = new FakeHeaderCluster(clock);
  cluster.createObject(OID);
  const owner = await SimImageClient.open(cluster, OID, clock, o);
  const peer = await SimImageClient.open(cluster, OID, clock, o);
  await owner.lock.acquireLock();
  await peer.lock.tryAcquireLock();
  await settle();
  return { clock, cluster, owner, peer };
}

function sent(cluster: FakeHeaderCluster, c: SimImageClient): NotifyPayload[] {
  return cluster.notifyLog.filter((n) => n.from === c.io.gid).map((n) => decodeNotifyMessage(n.payload));
}

test('image watcher: forwarded resize runs on the owner, progress reaches the requester, completion ends it', async () => {
  const { clock, cluster, owner, peer } = await twoClients();
  const progress: [number, number][] = [];
  const done = watchOutcome(
    peer.watcher.notifyResize(peer.nextRequestId(), 1n << 30n, false, (o, t) => progress.push([o, t])),
  );
  await drive(clock, () => done.done, 'resize');
  assert.equal(done.error, undefined);
  assert.deepEqual(owner.executed, [`resize ${1n << 30n}`]);
  assert.deepEqual(progress, [
    [1, 3],
    [2, 3],
    [3, 3],
  ]);
  const fromOwner = sent(cluster, owner).map((p) => p.op);
  assert.deepEqual(fromOwner.slice(-5), [
    NotifyOp.ASYNC_PROGRESS,
    NotifyOp.ASYNC_PROGRESS,
    NotifyOp.ASYNC_PROGRESS,
    NotifyOp.HEADER_UPDATE,
    NotifyOp.ASYNC_COMPLETE,
  ]);
  const req = sent(cluster, peer).find((p) => p.op === NotifyOp.RESIZE) as Extract<NotifyPayload, { op: 7 }>;
  assert.deepEqual(req.asyncRequestId.clientId, peer.watcher.getClientId());
  assert.equal(req.asyncRequestId.requestId, 1n);
});

test('image watcher: the owner error comes back in ASYNC_COMPLETE', async () => {
  const { clock, owner, peer } = await twoClients();
  await owner.watcher.notifyHeaderUpdate(); // noise the requester must ignore
  const first = watchOutcome(peer.watcher.notifySnapCreate(peer.nextRequestId(), { type: 'user' }, 's', 0n));
  await drive(clock, () => first.done, 'snap create');
  assert.equal(first.error, undefined);
  const again = watchOutcome(peer.watcher.notifySnapCreate(peer.nextRequestId(), { type: 'user' }, 's', 0n));
  await drive(clock, () => again.done, 'snap create again');
  assert.ok(isCephError(again.error, 'EEXIST'));
});

test('image watcher: no lock owner answers → ETIMEDOUT right after the notify (nothing waits 30 s)', async () => {
  const { clock, owner, peer } = await twoClients();
  await owner.lock.releaseLock();
  await settle();
  const start = clock.now();
  const done = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => done.done, 'flatten');
  assert.ok(isCephError(done.error, 'ETIMEDOUT'));
  assert.ok(clock.now() - start < 1000);
});

test('image watcher: owner answers 0 but never completes → ETIMEDOUT after rbd_request_timed_out_seconds; progress re-arms it', async () => {
  const { clock, owner, peer } = await twoClients({ requestTimedOutSeconds: 10, opSteps: 15 });
  // 15 steps of 1 s with progress each second: longer than 10 s, but never 10 s without progress.
  const slow = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => slow.done, 'slow flatten');
  assert.equal(slow.error, undefined);
  // A stuck operation: no progress, no completion.
  owner.watcher.setOperations({ flatten: () => new Promise<void>(() => undefined) });
  const start = clock.now();
  const stuck = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => stuck.done, 'stuck flatten');
  assert.ok(isCephError(stuck.error, 'ETIMEDOUT'));
  assert.ok(clock.now() - start >= 10_000 && clock.now() - start < 11_000);
});

test('image watcher: a duplicate request id runs once; the repeat gets 0 while running and the recorded result after', async () => {
  const { clock, cluster, owner, peer } = await twoClients();
  const id: AsyncRequestId = { clientId: peer.watcher.getClientId(), requestId: 9n };
  const payload = encodeNotifyMessage({
    op: NotifyOp.RESIZE,
    size: 4096n,
    allowShrink: true,
    asyncRequestId: id,
  });
  const first = watchOutcome(peer.io.notify(OID, payload, 5000));
  await drive(clock, () => first.done, 'first');
  assert.equal(lockOwnerResult(first.value!), 0);
  const second = watchOutcome(peer.io.notify(OID, payload, 5000));
  await drive(clock, () => second.done, 'second');
  assert.equal(lockOwnerResult(second.value!), 0);
  await drive(
    clock,
    () => owner.executed.length === 1 && sent(cluster, owner).some((p) => p.op === NotifyOp.ASYNC_COMPLETE),
    'done',
  );
  owner.watcher.setOperations({
    resize: () => Promise.reject(new CephError('EIO', 'must not run again')),
  });
  const third = watchOutcome(peer.io.notify(OID, payload, 5000));
  await drive(clock, () => third.done, 'third');
  assert.equal(lockOwnerResult(third.value!), 0);
  await settle();
  assert.deepEqual(owner.executed, ['resize 4096']);
});

test('image watcher: our own request reaching us as owner answers ERESTART', async () => {
  const { clock, owner } = await twoClients();
  const id: AsyncRequestId = { clientId: owner.watcher.getClientId(), requestId: 1n };
  const r = watchOutcome(
    owner.io.notify(OID, encodeNotifyMessage({ op: NotifyOp.FLATTEN, asyncRequestId: id }), 5000),
  );
  await drive(clock, () => r.done, 'notify');
  assert.equal(lockOwnerResult(r.value!), -85);
});

test('image watcher: an owner that cannot run an op answers EOPNOTSUPP; unknown ops too; non-owners ack empty', async () => {
  const { clock, cluster, owner, peer } = await twoClients();
  const done = watchOutcome(peer.watcher.notifyRename(peer.nextRequestId(), 'new-name'));
  await drive(clock, () => done.done, 'rename');
  assert.ok(isCephError(done.error, 'EOPNOTSUPP'));
  const unknown = watchOutcome(peer.io.notify(OID, Buffer.from('07010400000063000000', 'hex'), 5000));
  await drive(clock, () => unknown.done, 'unknown');
  const acks = unknown.value!.acks;
  assert.equal(acks.find((a) => a.gid === peer.io.gid)!.payload.length, 0);
  assert.equal(decodeResponseMessage(acks.find((a) => a.gid === owner.io.gid)!.payload), -95);
  assert.ok(cluster.notifyLog.length > 0);
});

test('image watcher: a new lock owner announcing itself cancels our waiting requests with ERESTART', async () => {
  const { clock, owner, peer } = await twoClients({ opSteps: 20 });
  const third = await SimImageClient.open(owner.cluster, OID, clock);
  const waiting = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => owner.watcher['asyncPending'].size === 1, 'running');
  const announce = encodeNotifyMessage({ op: NotifyOp.ACQUIRED_LOCK, clientId: third.watcher.getClientId() });
  void third.io.notify(OID, announce, 5000);
  await drive(clock, () => waiting.done, 'cancel');
  assert.ok(isCephError(waiting.error, 'ERESTART'));
});

test('image watcher: a lock hand-over waits for the operation run for a peer; the peer hears its result first', async () => {
  const { clock, cluster, owner, peer } = await twoClients({ opSteps: 5 });
  const third = await SimImageClient.open(owner.cluster, OID, clock);
  const waiting = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => owner.watcher['asyncPending'].size === 1, 'running');
  const taken = watchOutcome(third.lock.acquireLock());
  await drive(clock, () => waiting.done && taken.done, 'hand-over');
  assert.equal(waiting.error, undefined);
  assert.deepEqual(owner.executed, ['flatten']);
  assert.ok(third.lock.isLockOwner());
  const ops = sent(cluster, owner).map((p) => p.op);
  assert.ok(ops.indexOf(NotifyOp.ASYNC_COMPLETE) < ops.indexOf(NotifyOp.RELEASED_LOCK));
});

test('image watcher: HEADER_UPDATE reaches the host and is acked with ResponseMessage(0)', async () => {
  const { clock, owner, peer } = await twoClients();
  const before = peer.headerUpdates;
  const r = watchOutcome(owner.io.notify(OID, encodeNotifyMessage({ op: NotifyOp.HEADER_UPDATE }), 5000));
  await drive(clock, () => r.done, 'notify');
  assert.equal(peer.headerUpdates, before + 1);
  for (const ack of r.value!.acks) assert.equal(decodeResponseMessage(ack.payload), 0);
  // A legacy empty notification is a header update too.
  const legacy = watchOutcome(owner.io.notify(OID, Buffer.alloc(0), 5000));
  await drive(clock, () => legacy.done, 'legacy');
  assert.equal(peer.headerUpdates, before + 2);
});

test('image watcher: a notification that does not decode is not acked (the notifier times out)', async () => {
  const { clock, owner } = await twoClients();
  const r = watchOutcome(owner.io.notify(OID, Buffer.from([7, 1, 200, 0, 0, 0]), 5000));
  await drive(clock, () => r.done, 'notify');
  assert.ok(isCephError(r.error, 'ETIMEDOUT'));
  assert.equal(
    (r.error as unknown as { notifyResult: { timeouts: unknown[] } }).notifyResult.timeouts.length,
    2,
  );
});

test('image watcher: progress updates queued in one turn collapse into one ASYNC_PROGRESS', async () => {
  const { clock, cluster, owner, peer } = await twoClients();
  owner.watcher.setOperations({
    flatten: async (progress) => {
      for (let i = 1; i <= 100; i++) progress(i, 100);
      await clock.sleep(1000);
    },
  });
  const seen: number[] = [];
  const done = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId(), (o) => seen.push(o)));
  await drive(clock, () => done.done, 'flatten');
  const progress = sent(cluster, owner).filter((p) => p.op === NotifyOp.ASYNC_PROGRESS);
  assert.equal(progress.length, 1);
  assert.deepEqual(seen, [1]);
});

test('image watcher: QUIESCE quiesces the host, acks ResponseMessage(0); UNQUIESCE (or 10 s of silence) unquiesces', async () => {
  const { clock, owner, peer } = await twoClients();
  const id = await owner.watcher.notifyQuiesce();
  await settle();
  assert.ok(peer.events.includes('quiesce'));
  assert.ok(owner.events.includes('quiesce'));
  await owner.watcher.notifyUnquiesce(id);
  await settle();
  assert.ok(peer.events.includes('unquiesce'));
  // No UNQUIESCE: each client unquiesces by itself after 2 × NOTIFY_TIMEOUT.
  peer.events.length = 0;
  await owner.watcher.notifyQuiesce();
  await settle();
  assert.deepEqual(peer.events, ['quiesce']);
  clock.advance(9_000);
  await settle();
  assert.deepEqual(peer.events, ['quiesce']);
  clock.advance(1_500);
  await settle();
  assert.deepEqual(peer.events, ['quiesce', 'unquiesce']);
});

test('image watcher: a host quiesce failure fails notifyQuiesce with its errno', async () => {
  const { owner, peer } = await twoClients();
  peer.watcher['host'].quiesce = () => Promise.reject(new CephError('EBUSY', 'busy'));
  await assert.rejects(owner.watcher.notifyQuiesce(), (e) => isCephError(e, 'EBUSY'));
});

test('image watcher: watch lost → rewatch with a new handle, host told, header refreshed; blocklisted → gives up', async () => {
  const { clock, cluster, peer } = await twoClients();
  const handle = peer.watcher.getWatchHandle();
  cluster.disconnectWatches(peer.io);
  await settle(2);
  assert.equal(peer.watcher.getWatchHandle(), 0n);
  await drive(clock, () => peer.events.includes('rewatch 0'), 'rewatch');
  assert.notEqual(peer.watcher.getWatchHandle(), handle);
  assert.ok(peer.watcher.isRegistered());
  assert.deepEqual(peer.events.slice(-3), ['watch-lost ENOTCONN', 'rewatch 0', 'header-update']);
  const { legacyAddrString } = await import('../../../../src/rbd/watcher/index.js');
  cluster.blocklistAdd(legacyAddrString(peer.io.addr));
  await drive(clock, () => peer.events.includes('rewatch -108'), 'blocklisted rewatch');
  assert.ok(peer.watcher.isBlocklisted());
  assert.equal(peer.watcher.isRegistered(), false);
});

test('image watcher: ASYNC_COMPLETE is resent while a watcher does not ack it', async () => {
  const { clock, cluster, owner, peer } = await twoClients({ opSteps: 1 });
  const frozen = await SimImageClient.open(cluster, OID, clock);
  cluster.kill(frozen.io);
  const done = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => done.done, 'flatten', { maxMs: 60_000 });
  assert.equal(done.error, undefined);
  // The first ASYNC_COMPLETE times out on the frozen watcher and goes out again until its watch expires.
  await drive(clock, () => owner.watcher['asyncComplete'].size === 1, 'completion recorded', {
    maxMs: 60_000,
  });
  const completes = sent(cluster, owner).filter((p) => p.op === NotifyOp.ASYNC_COMPLETE);
  assert.ok(completes.length >= 2);
});

test('image watcher: requests blocked on the owner are answered with the block errno', async () => {
  const { clock, owner, peer } = await twoClients();
  owner.lock.blockRequests(-16);
  const done = watchOutcome(peer.watcher.notifyResize(peer.nextRequestId(), 8192n, true));
  await drive(clock, () => done.done, 'resize');
  assert.ok(isCephError(done.error, 'EBUSY'));
  assert.deepEqual(owner.executed, []);
});

test('image watcher: shutDown restarts waiting requests (ERESTART) and unwatches', async () => {
  const { clock, cluster, owner, peer } = await twoClients({ opSteps: 50 });
  const waiting = watchOutcome(peer.watcher.notifyFlatten(peer.nextRequestId()));
  await drive(clock, () => owner.watcher['asyncPending'].size === 1, 'running');
  await peer.watcher.shutDown();
  await settle();
  assert.ok(isCephError(waiting.error, 'ERESTART'));
  assert.equal(cluster.watchersOf(OID).size, 1);
  await peer.watcher.shutDown();
});
