/**
 * invokeAsyncRequest: each edge of C_InvokeAsyncRequest's diagram (see
 * src/rbd/operation/invoke-async-request.ts), with real ImageWatcher and
 * ExclusiveLock instances on the in-memory header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/common/clock.js';
import { CephError, isCephError } from '../../../../src/common/errors.js';
import {
  invokeAsyncRequest,
  prepareImageUpdate,
  type InvokeAsyncRequestHost,
  type InvokeLock,
} from '../../../../src/rbd/operation/invoke-async-request.js';
import { legacyAddrString } from '../../../../src/rbd/watcher/index.js';
import { FakeHeaderCluster, drive, settle, watchOutcome } from '../../../sim/rbd/fake-header-cluster.js';
import { SimImageClient } from '../../../sim/rbd/sim-image-client.js';

const OID = 'rbd_header.abc';

async function setup(o: Parameters<typeof SimImageClient.open>[3] = {}) {
  const clock = new ManualClock();
  const cluster = new FakeHeaderCluster(clock);
  cluster.createObject(OID);
  const a = await SimImageClient.open(cluster, OID, clock, o);
  const b = await SimImageClient.open(cluster, OID, clock, o);
  return { clock, cluster, a, b };
}

/** Resize through invoke, as Operations::resize does: one request id for every attempt. */
function resize(c: SimImageClient, size: bigint, calls: string[], extra: { maxAttempts?: number } = {}) {
  const requestId = c.nextRequestId();
  return invokeAsyncRequest(c, {
    name: 'resize',
    permitSnapshot: false,
    local: async () => {
      calls.push('local');
      c.size = size;
      c.executed.push(`resize ${size}`);
    },
    remote: () => {
      calls.push('remote');
      return c.watcher.notifyResize(requestId, size, false);
    },
    ...extra,
  });
}

test('invoke: read-only image, or a snapshot without permitSnapshot → EROFS; no watcher → EROFS', async () => {
  const lock: InvokeLock = {
    isLockOwner: () => true,
    acceptRequest: () => ({ accept: true, r: 0 }),
    tryAcquireLock: () => Promise.resolve(),
    acquireLock: () => Promise.resolve(),
  };
  const base: InvokeAsyncRequestHost = {
    readOnly: false,
    isSnapshot: () => false,
    exclusiveLock: () => lock,
    hasImageWatcher: () => true,
  };
  const ran: string[] = [];
  const opts = (permitSnapshot: boolean) => ({
    name: 'op',
    permitSnapshot,
    local: async () => {
      ran.push('local');
    },
    remote: async () => {
      ran.push('remote');
    },
  });
  await assert.rejects(invokeAsyncRequest({ ...base, readOnly: true }, opts(true)), (e) =>
    isCephError(e, 'EROFS'),
  );
  await assert.rejects(invokeAsyncRequest({ ...base, isSnapshot: () => true }, opts(false)), (e) =>
    isCephError(e, 'EROFS'),
  );
  await assert.rejects(invokeAsyncRequest({ ...base, hasImageWatcher: () => false }, opts(false)), (e) =>
    isCephError(e, 'EROFS'),
  );
  assert.deepEqual(ran, []);
  await invokeAsyncRequest({ ...base, isSnapshot: () => true }, opts(true));
  await invokeAsyncRequest({ ...base, exclusiveLock: () => null, hasImageWatcher: () => false }, opts(false));
  assert.deepEqual(ran, ['local', 'local']);
});

test('invoke: lock owner → LOCAL_REQUEST; ERESTART from it → refresh and run again', async () => {
  const { a } = await setup();
  await a.lock.acquireLock();
  let attempts = 0;
  let refreshes = 0;
  await invokeAsyncRequest(
    { ...hostOf(a), refreshIfRequired: async () => void refreshes++ },
    {
      name: 'flatten',
      permitSnapshot: false,
      local: async () => {
        if (++attempts === 1) throw new CephError('ERESTART', 'lost lock');
      },
      remote: () => Promise.reject(new Error('must not forward')),
    },
  );
  assert.equal(attempts, 2);
  assert.equal(refreshes, 2);
});

function hostOf(c: SimImageClient): InvokeAsyncRequestHost {
  return {
    readOnly: false,
    isSnapshot: () => false,
    exclusiveLock: () => c.lock,
    hasImageWatcher: () => true,
  };
}

test('invoke: nobody holds the lock → ACQUIRE_LOCK (try) takes it → LOCAL_REQUEST', async () => {
  const { a } = await setup();
  const calls: string[] = [];
  await resize(a, 100n, calls);
  assert.deepEqual(calls, ['local']);
  assert.ok(a.lock.isLockOwner());
});

test('invoke: a live owner → REMOTE_REQUEST; its result is ours and the image hears of the update', async () => {
  const { clock, a, b } = await setup();
  await a.lock.acquireLock();
  await settle();
  const calls: string[] = [];
  let updates = 0;
  const requestId = b.nextRequestId();
  const done = watchOutcome(
    invokeAsyncRequest(
      { ...hostOf(b), handleUpdateNotification: () => void updates++ },
      {
        name: 'resize',
        permitSnapshot: false,
        local: () => Promise.reject(new Error('must not run locally')),
        remote: () => {
          calls.push('remote');
          return b.watcher.notifyResize(requestId, 200n, false);
        },
      },
    ),
  );
  await drive(clock, () => done.done, 'remote resize');
  assert.equal(done.error, undefined);
  assert.deepEqual(calls, ['remote']);
  assert.equal(a.size, 200n);
  assert.equal(updates, 1);
  assert.ok(!b.lock.isLockOwner());
});

test('invoke: remote ETIMEDOUT (owner died) → loop → the lock is broken and taken → LOCAL_REQUEST', async () => {
  const { clock, cluster, a, b } = await setup();
  await a.lock.acquireLock();
  await settle();
  cluster.kill(a.io);
  const calls: string[] = [];
  const done = watchOutcome(resize(b, 300n, calls));
  await drive(clock, () => done.done, 'resize after owner death', { maxMs: 120_000 });
  assert.equal(done.error, undefined);
  assert.equal(calls.at(-1), 'local');
  assert.ok(calls.filter((c) => c === 'remote').length >= 1);
  assert.equal(b.size, 300n);
  assert.ok(cluster.blocklist.has(legacyAddrString(a.io.addr)));
});

test('invoke: owner answers EOPNOTSUPP → next round acquires (asks for) the lock → LOCAL_REQUEST', async () => {
  const { clock, a, b } = await setup();
  a.watcher.setOperations({});
  await a.lock.acquireLock();
  await settle();
  const calls: string[] = [];
  const done = watchOutcome(resize(b, 400n, calls));
  await drive(clock, () => done.done, 'resize via hand-over');
  assert.equal(done.error, undefined);
  assert.deepEqual(calls, ['remote', 'local']);
  assert.ok(b.lock.isLockOwner());
  assert.ok(!a.lock.isLockOwner());
});

test('invoke: filtered errors count as success (snap create EEXIST)', async () => {
  const { a } = await setup();
  const op = (filterErrors?: number[]) =>
    invokeAsyncRequest(hostOf(a), {
      name: 'snap_create',
      permitSnapshot: true,
      local: () => Promise.reject(new CephError('EEXIST', 'exists')),
      remote: () => Promise.reject(new Error('unused')),
      filterErrors,
    });
  await op([-17]);
  await assert.rejects(op(), (e) => isCephError(e, 'EEXIST'));
});

test('invoke: bounded — a remote side that always times out gives up with ETIMEDOUT after maxAttempts', async () => {
  const { a, b } = await setup();
  await a.lock.acquireLock();
  await settle();
  let remote = 0;
  await assert.rejects(
    invokeAsyncRequest(hostOf(b), {
      name: 'flatten',
      permitSnapshot: false,
      local: () => Promise.reject(new Error('unused')),
      remote: async () => {
        remote++;
        throw new CephError('ETIMEDOUT', 'no answer');
      },
      maxAttempts: 4,
    }),
    (e) => isCephError(e, 'ETIMEDOUT'),
  );
  assert.equal(remote, 4);
});

test('invoke: a blocklisted client → EBLOCKLISTED', async () => {
  const { clock, cluster, b } = await setup();
  cluster.blocklistAdd(legacyAddrString(b.io.addr));
  await drive(clock, () => b.watcher.isBlocklisted(), 'blocklisted');
  await assert.rejects(resize(b, 1n, []), (e) => isCephError(e, 'EBLOCKLISTED'));
});

test('prepareImageUpdate: takes a free lock; with a live owner it is EROFS unless the lock is requested', async () => {
  const { clock, a, b } = await setup();
  await prepareImageUpdate(hostOf(a), 0, false);
  assert.ok(a.lock.isLockOwner());
  await settle();
  await assert.rejects(prepareImageUpdate(hostOf(b), 0, false), (e) => isCephError(e, 'EROFS'));
  const asked = watchOutcome(prepareImageUpdate(hostOf(b), 0, true));
  await drive(clock, () => asked.done, 'requested lock');
  assert.equal(asked.error, undefined);
  assert.ok(b.lock.isLockOwner());
});
