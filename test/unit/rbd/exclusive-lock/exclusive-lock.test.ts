/**
 * ManagedLock / ExclusiveLock state machine, one test per edge of the diagram
 * in managed-lock.ts and exclusive-lock.ts, on the in-memory header with a
 * manual clock (no real sleeps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/common/clock.js';
import { isCephError } from '../../../../src/common/errors.js';
import {
  LockState,
  StandardPolicy,
  decodeLockCookie,
  encodeLockCookie,
  getLocker,
} from '../../../../src/rbd/exclusive-lock/index.js';
import { NotifyOp, decodeNotifyMessage, legacyAddrString } from '../../../../src/rbd/watcher/index.js';
import { FakeHeaderCluster, drive, settle, watchOutcome } from '../../../sim/rbd/fake-header-cluster.js';
import { SimImageClient } from '../../../sim/rbd/sim-image-client.js';

const OID = 'rbd_header.abc';

function setup() {
  const clock = new ManualClock();
  const cluster = new FakeHeaderCluster(clock);
  cluster.createObject(OID);
  return { clock, cluster };
}

/** The notify ops sent by a client, in order. */
function sentOps(cluster: FakeHeaderCluster, c: SimImageClient): number[] {
  return cluster.notifyLog.filter((n) => n.from === c.io.gid).map((n) => decodeNotifyMessage(n.payload).op);
}

test('lock cookie: auto <handle>, and only that form decodes', () => {
  assert.equal(encodeLockCookie(140523459312128n), 'auto 140523459312128');
  assert.equal(decodeLockCookie('auto 140523459312128'), 140523459312128n);
  assert.equal(decodeLockCookie('auto   7 trailing'), 7n);
  assert.equal(decodeLockCookie('manual 7'), undefined);
  assert.equal(decodeLockCookie('auto'), undefined);
  assert.equal(decodeLockCookie(''), undefined);
});

test('exclusive lock: UNLOCKED → ACQUIRING → POST_ACQUIRING → LOCKED on a free lock, announced with ACQUIRED_LOCK', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  assert.equal(a.lock.state, LockState.LOCKED);
  assert.ok(a.lock.isLockOwner());
  assert.deepEqual(a.lock.history, [LockState.ACQUIRING, LockState.POST_ACQUIRING, LockState.LOCKED]);
  assert.deepEqual(a.events, ['pre-acquire', 'post-acquire']);
  const holder = cluster.holder(OID)!;
  assert.equal(holder.gid, a.io.gid);
  assert.equal(holder.cookie, `auto ${a.watcher.getWatchHandle()}`);
  const info = cluster.lockInfo(OID, 'rbd_lock');
  assert.equal(info.tag, 'internal');
  await settle();
  assert.deepEqual(sentOps(cluster, a), [NotifyOp.ACQUIRED_LOCK]);
  // A second acquire is a no-op.
  await a.lock.acquireLock();
  assert.equal(a.io.ops.filter((o) => o === 'lock').length, 1);
});

test('exclusive lock: concurrent acquires merge into one action and one lock op', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await Promise.all([a.lock.acquireLock(), a.lock.acquireLock(), a.lock.acquireLock()]);
  assert.equal(a.io.ops.filter((o) => o === 'lock').length, 1);
});

test('exclusive lock: acquire with no watch → WAITING_FOR_REGISTER, woken by reacquire after the watch registers', async () => {
  const { clock, cluster } = setup();
  const a = new SimImageClient(cluster, cluster.client(), OID, clock);
  a.lock.init();
  const acquired = watchOutcome(a.lock.acquireLock());
  await settle();
  assert.equal(a.lock.state, LockState.WAITING_FOR_REGISTER);
  assert.equal(acquired.done, false);
  await a.watcher.init();
  await a.lock.reacquireLock();
  await drive(clock, () => acquired.done, 'acquire');
  assert.equal(acquired.error, undefined);
  assert.equal(a.lock.state, LockState.LOCKED);
});

test('exclusive lock: try-acquire on a live owner ends UNLOCKED without breaking anything', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  const b = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  await b.lock.tryAcquireLock();
  assert.equal(b.lock.state, LockState.UNLOCKED);
  assert.equal(b.lock.isLockOwner(), false);
  assert.ok(!b.io.ops.includes('break_lock'));
  assert.equal(cluster.holder(OID)!.gid, a.io.gid);
  assert.ok(!sentOps(cluster, b).includes(NotifyOp.REQUEST_LOCK));
});

test('exclusive lock: acquire on a live owner → WAITING_FOR_LOCK + REQUEST_LOCK; the owner (automatic policy) releases; → LOCKED', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  const b = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  await settle();
  const acquired = watchOutcome(b.lock.acquireLock());
  await drive(clock, () => acquired.done, 'hand-over');
  assert.equal(acquired.error, undefined);
  assert.ok(b.lock.isLockOwner());
  assert.equal(a.lock.state, LockState.UNLOCKED);
  assert.ok(b.lock.history.includes(LockState.WAITING_FOR_LOCK));
  assert.ok(sentOps(cluster, b).includes(NotifyOp.REQUEST_LOCK));
  assert.deepEqual(sentOps(cluster, a), [NotifyOp.ACQUIRED_LOCK, NotifyOp.RELEASED_LOCK]);
  assert.deepEqual(a.events.slice(-2), ['pre-release', 'post-release']);
  assert.equal(cluster.holder(OID)!.gid, b.io.gid);
});

test('exclusive lock: a peer with StandardPolicy answers EROFS → the acquire fails EROFS, UNLOCKED', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock, { policy: () => new StandardPolicy() });
  const b = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock({ explicit: true });
  await settle();
  const acquired = watchOutcome(b.lock.acquireLock());
  await drive(clock, () => acquired.done, 'refusal');
  assert.ok(isCephError(acquired.error, 'EROFS'));
  assert.equal(b.lock.state, LockState.UNLOCKED);
  assert.ok(a.lock.isLockOwner());
  // StandardPolicy: IO may not go and request the lock by itself.
  await assert.rejects(
    a.lock.releaseLock().then(() => a.lock.acquireLock()),
    (e) => isCephError(e, 'EROFS'),
  );
});

test('exclusive lock: dead owner → REQUEST_LOCK times out → still watching (EAGAIN) → after its watch expires: blocklist + break → LOCKED', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  const b = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  await settle();
  cluster.kill(a.io);
  const killedAt = clock.now();
  const acquired = watchOutcome(b.lock.acquireLock());
  await drive(clock, () => acquired.done, 'break of a dead owner', { maxMs: 90_000 });
  assert.equal(acquired.error, undefined);
  assert.ok(b.lock.isLockOwner());
  assert.equal(cluster.holder(OID)!.gid, b.io.gid);
  // Not before the OSD forgot the dead client's watch.
  assert.ok(clock.now() - killedAt >= cluster.watchTimeoutMs);
  assert.ok(cluster.blocklist.has(legacyAddrString(a.io.addr)));
  const blocklistAt = b.io.ops.indexOf(`blocklist ${legacyAddrString(a.io.addr)}`);
  assert.ok(blocklistAt >= 0 && blocklistAt < b.io.ops.lastIndexOf('break_lock'), 'blocklist before break');
});

test('exclusive lock: rbd_blocklist_on_break_lock=false breaks without blocklisting', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  cluster.kill(a.io);
  clock.advance(cluster.watchTimeoutMs);
  await settle();
  const b = await SimImageClient.open(cluster, OID, clock);
  const locker = await getLocker(b.io, OID, true);
  assert.equal(locker!.entity.num, a.io.gid);
  const { breakLock } = await import('../../../../src/rbd/exclusive-lock/index.js');
  await breakLock(b.io, OID, locker!, {
    exclusive: true,
    blocklistLocker: false,
    blocklistExpireSeconds: 0,
    force: false,
  });
  assert.equal(cluster.holder(OID), undefined);
  assert.equal(cluster.blocklist.size, 0);
});

test('exclusive lock: break refuses a live owner (EAGAIN) unless forced, and never blocklists ourselves', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  const b = await SimImageClient.open(cluster, OID, clock);
  const locker = (await b.lock.getLocker())!;
  assert.equal(locker.handle, a.watcher.getWatchHandle());
  await assert.rejects(b.lock.breakLock(locker, false), (e) => isCephError(e, 'EAGAIN'));
  await assert.rejects(a.lock.breakLock(locker, true), (e) => isCephError(e, 'EBUSY'));
  const { breakLock } = await import('../../../../src/rbd/exclusive-lock/index.js');
  await assert.rejects(
    breakLock(a.io, OID, locker, {
      exclusive: true,
      blocklistLocker: true,
      blocklistExpireSeconds: 0,
      force: true,
    }),
    (e) => isCephError(e, 'EINVAL'),
  );
  await b.lock.breakLock(locker, true);
  assert.equal(cluster.holder(OID), undefined);
  assert.ok(cluster.blocklist.has(legacyAddrString(a.io.addr)));
});

test('exclusive lock: a lock taken by other means (tag not internal) is never broken: EBUSY', async () => {
  const { clock, cluster } = setup();
  const other = cluster.client();
  await other.lock(OID, { name: 'rbd_lock', exclusive: true, cookie: 'mine', tag: '' });
  const a = await SimImageClient.open(cluster, OID, clock);
  await assert.rejects(a.lock.tryAcquireLock(), (e) => isCephError(e, 'EBUSY'));
  assert.equal(a.lock.state, LockState.UNLOCKED);
  assert.ok(!a.io.ops.includes('break_lock'));
});

test('exclusive lock: post-acquire hook fails → the lock is unlocked again, UNLOCKED with the error, no ACQUIRED_LOCK', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  a.failPostAcquire = 'EIO';
  await assert.rejects(a.lock.acquireLock({ explicit: true }), (e) => isCephError(e, 'EIO'));
  assert.equal(a.lock.state, LockState.UNLOCKED);
  assert.equal(cluster.holder(OID), undefined);
  await settle();
  assert.deepEqual(sentOps(cluster, a), []);
  await a.lock.acquireLock();
  assert.ok(a.lock.isLockOwner());
});

test('exclusive lock: LOCKED → PRE_RELEASING → RELEASING → UNLOCKED with hooks and RELEASED_LOCK', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  await a.lock.releaseLock();
  assert.deepEqual(a.lock.history.slice(-3), [
    LockState.PRE_RELEASING,
    LockState.RELEASING,
    LockState.UNLOCKED,
  ]);
  assert.deepEqual(a.events, ['pre-acquire', 'post-acquire', 'pre-release', 'post-release']);
  assert.equal(cluster.holder(OID), undefined);
  await settle();
  assert.deepEqual(sentOps(cluster, a), [NotifyOp.ACQUIRED_LOCK, NotifyOp.RELEASED_LOCK]);
  await a.lock.releaseLock(); // already unlocked: nothing happens
  assert.equal(a.io.ops.filter((o) => o === 'unlock').length, 1);
});

test('exclusive lock: watch lost → rewatch → REACQUIRING moves the lock to the new cookie (set_cookie), stays owner', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  const before = cluster.holder(OID)!.cookie;
  cluster.disconnectWatches(a.io);
  await drive(clock, () => a.events.includes('rewatch 0') && a.lock.state === LockState.LOCKED, 'rewatch');
  await settle();
  const after = cluster.holder(OID)!.cookie;
  assert.notEqual(after, before);
  assert.equal(after, `auto ${a.watcher.getWatchHandle()}`);
  assert.ok(a.lock.history.includes(LockState.REACQUIRING));
  assert.ok(a.io.ops.includes('set_cookie'));
  assert.ok(a.events.includes('watch-lost ENOTCONN'));
  assert.ok(a.headerUpdates >= 1, 'refresh after rewatch');
});

test('exclusive lock: set_cookie fails → release and acquire again', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  // Someone broke our lock while our watch was down: set_cookie finds nothing (ENOENT).
  cluster.locks.clear();
  cluster.disconnectWatches(a.io);
  await drive(clock, () => a.events.includes('rewatch 0'), 'rewatch');
  await drive(
    clock,
    () => a.lock.state === LockState.LOCKED && cluster.holder(OID) !== undefined,
    'reacquired',
  );
  assert.equal(cluster.holder(OID)!.cookie, `auto ${a.watcher.getWatchHandle()}`);
  const h = a.lock.history;
  const at = h.lastIndexOf(LockState.REACQUIRING);
  assert.ok(at >= 0);
  assert.deepEqual(h.slice(at + 1, at + 5), [
    LockState.LOCKED,
    LockState.PRE_RELEASING,
    LockState.RELEASING,
    LockState.UNLOCKED,
  ]);
});

test('exclusive lock: shutDown while LOCKED releases (RELEASED_LOCK) and refuses later actions with ESHUTDOWN', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  await a.lock.shutDown();
  await a.lock.shutDown();
  assert.equal(a.lock.state, LockState.SHUTDOWN);
  assert.deepEqual(a.lock.history.slice(-3), [
    LockState.PRE_SHUTTING_DOWN,
    LockState.SHUTTING_DOWN,
    LockState.SHUTDOWN,
  ]);
  assert.deepEqual(a.events.slice(-2), ['pre-release shutdown', 'post-release shutdown']);
  assert.equal(cluster.holder(OID), undefined);
  assert.deepEqual(sentOps(cluster, a), [NotifyOp.ACQUIRED_LOCK, NotifyOp.RELEASED_LOCK]);
  await assert.rejects(a.lock.acquireLock(), (e) => isCephError(e, 'ESHUTDOWN'));
});

test('exclusive lock: shutDown while WAITING_FOR_LOCK ends the waiting acquire with ESHUTDOWN', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  const b = await SimImageClient.open(cluster, OID, clock);
  // A frozen owner never answers: b waits out each REQUEST_LOCK notify.
  cluster.kill(a.io);
  const acquired = watchOutcome(b.lock.acquireLock());
  await drive(clock, () => b.lock.state === LockState.WAITING_FOR_LOCK, 'waiting');
  await b.lock.shutDown();
  await settle();
  assert.ok(isCephError(acquired.error, 'ESHUTDOWN'));
  assert.equal(b.lock.state, LockState.SHUTDOWN);
  assert.equal(cluster.holder(OID)!.gid, a.io.gid);
});

test('exclusive lock: acquire timeout abandons WAITING_FOR_LOCK with ETIMEDOUT', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  await a.lock.acquireLock();
  // a keeps acking REQUEST_LOCK with 0 but its release never ends (pre-release hangs).
  a.lock['hooks'].preRelease = () => new Promise<void>(() => undefined);
  const b = await SimImageClient.open(cluster, OID, clock);
  const acquired = watchOutcome(b.lock.acquireLock({ timeoutMs: 20_000 }));
  await drive(clock, () => acquired.done, 'timeout', { maxMs: 30_000 });
  assert.ok(isCephError(acquired.error, 'ETIMEDOUT'));
  assert.equal(b.lock.state, LockState.UNLOCKED);
});

test('exclusive lock: a blocklisted client cannot acquire: EBLOCKLISTED', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  cluster.blocklistAdd(legacyAddrString(a.io.addr));
  await drive(clock, () => a.events.includes(`rewatch ${-108}`), 'rewatch refused');
  assert.ok(a.watcher.isBlocklisted());
  await assert.rejects(a.lock.acquireLock(), (e) => isCephError(e, 'EBLOCKLISTED'));
});

test('exclusive lock: acceptRequest only while LOCKED and not blocked; blocked requests answer the block errno', async () => {
  const { clock, cluster } = setup();
  const a = await SimImageClient.open(cluster, OID, clock);
  assert.deepEqual(a.lock.acceptRequest(0), { accept: false, r: 0 });
  await a.lock.acquireLock();
  assert.deepEqual(a.lock.acceptRequest(0), { accept: true, r: 0 });
  a.lock.blockRequests(-16);
  a.lock.blockRequests(-30);
  assert.deepEqual(a.lock.acceptRequest(0), { accept: false, r: -16 });
  a.lock.unblockRequests();
  assert.deepEqual(a.lock.acceptRequest(0), { accept: false, r: -16 });
  a.lock.unblockRequests();
  assert.deepEqual(a.lock.acceptRequest(0), { accept: true, r: 0 });
  assert.throws(() => a.lock.unblockRequests());
});
