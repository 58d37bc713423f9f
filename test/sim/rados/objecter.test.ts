/**
 * Objecter simulation tests: our Objecter (with IoCtx on top) against fake
 * OSDs on loopback (test/helpers/fake-osd.ts) sharing one in-memory store,
 * with maps built in-process and pushed through a fake MonClient. Each test
 * walks one path of the Objecter's diagram (objecter.ts) and checks both what
 * the caller sees and what the OSDs received and applied (by reqid).
 *
 * Randomized tests print their seed; OBJECTER_SIM_SEED=<seed> replays one.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CephError, isCephError } from '../../../src/common/errors.js';
import { CEPH_NOSNAP, type HObject } from '../../../src/encoding/osd-types.js';
import { ManualClock } from '../../../src/msg/clock.js';
import { seededRandom } from '../../../src/msg/fault-injection.js';
import { OsdMapFlag, OsdState } from '../../../src/osdmap/index.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../../src/rados/operation.js';
import type { NotifyResult } from '../../../src/rados/notify-reply.js';
import type { WatchNotifyEvent } from '../../../src/rados/objecter/linger-op.js';
import { OsdOp, WatchOp } from '../../../src/msg/messages/osd-op-codes.js';
import { ALL_NSPACES } from '../../../src/rados/io-ctx.js';
import { FakeCluster, settle, until, type FakeClient } from '../../helpers/fake-cluster.js';
import { ENODATA } from '../../helpers/fake-store.js';

/** No test may hang the file: each fails on its own after this. */
const T = { timeout: 15_000 };

/** A 4-byte record (u32 LE) so object contents list the writes that made them. */
function rec(i: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(i);
  return b;
}

function records(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(b.readUInt32LE(i));
  return out;
}

async function withCluster(
  opts: Parameters<typeof FakeCluster.start>[0],
  body: (cluster: FakeCluster) => Promise<void>,
): Promise<void> {
  const cluster = await FakeCluster.start(opts);
  try {
    await body(cluster);
  } finally {
    await cluster.shutdown();
  }
}

function errCode(err: unknown): string {
  return err instanceof CephError ? err.code : String(err);
}

/** The hobject of `oid` in the rbd pool, as the Objecter computes it for backoff matching. */
function hobjectOf(cluster: FakeCluster, oid: string): HObject {
  return {
    key: '',
    oid,
    snap: CEPH_NOSNAP,
    hash: cluster.locate(oid).raw.seed,
    max: false,
    nspace: '',
    pool: 1n,
  };
}

/** Every write reqid the OSDs executed for `objectKey`, with how many times each was applied. */
function appliedByReqid(cluster: FakeCluster): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of cluster.store.log) {
    if (!r.isWrite) continue;
    m.set(r.reqid, (m.get(r.reqid) ?? 0) + (r.applied ? 1 : 0));
  }
  return m;
}

// ---------------------------------------------------------------------- complete

test('objecter: a compound op completes with the result and each op’s rval and outdata', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const wr = new ObjectWriteOperation()
      .create(true)
      .writeFull(Buffer.from('abc'))
      .setXattr('k', Buffer.from('v'))
      .omapSet(new Map([['a', Buffer.from('1')]]));
    const wreply = await io.operate('o', wr);
    assert.equal(wreply.result, 0);
    assert.equal(wreply.version, 1n);

    const rd = new ObjectReadOperation();
    const data = rd.read(0, 0);
    const missing = rd.getXattr('nope');
    rd.failOk();
    const x = rd.getXattr('k');
    const st = rd.stat();
    const omap = rd.omapGetVals('', '', 10);
    const reply = await io.operateRead('o', rd);
    assert.equal(reply.result, 0);
    assert.deepEqual(
      reply.ops.map((o) => o.rval),
      [0, ENODATA, 0, 0, 0],
    );
    assert.equal(data.get().toString(), 'abc');
    assert.equal(missing.rval, ENODATA);
    assert.throws(
      () => missing.get(),
      (e: unknown) => isCephError(e, 'ENODATA'),
    );
    assert.equal(x.get().toString(), 'v');
    assert.equal(st.get().size, 3);
    assert.deepEqual(
      [...omap.get().vals].map(([k, v]) => [k, v.toString()]),
      [['a', '1']],
    );

    // A failing op fails the whole operation with its errno; nothing of it is applied.
    await assert.rejects(
      io.operate('o', new ObjectWriteOperation().append(Buffer.from('zzz')).create(true)),
      (e: unknown) => isCephError(e, 'EEXIST'),
    );
    assert.equal((await io.read('o', 0)).toString(), 'abc');
    await assert.rejects(io.read('no-such-object', 0), (e: unknown) => isCephError(e, 'ENOENT'));
  });
});

test(
  'objecter: 1000 writes with 64 in flight to one object apply in order; reads see every earlier write',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client({ config: { objecter_inflight_ops: '64' } });
      const io = c.ioctx();
      const oid = 'ordered';
      const primary = cluster.osds[cluster.locate(oid).primary]!;
      primary.holdAll = true; // until the window is full
      const writes: Promise<void>[] = [];
      const reads: { after: number; p: Promise<Buffer> }[] = [];
      for (let i = 0; i < 1000; i++) {
        writes.push(io.append(oid, rec(i)));
        if (i % 100 === 99) reads.push({ after: i + 1, p: io.read(oid, 0) });
      }
      await until(() => primary.held.length === 64, '64 ops in flight');
      await settle(20);
      assert.equal(primary.held.length, 64, 'no more than objecter_inflight_ops sent');
      primary.holdAll = false;
      primary.release();
      await Promise.all(writes);
      for (const r of reads) assert.equal(records(await r.p).length, r.after, `read after ${r.after} writes`);
      assert.deepEqual(
        records(await io.read(oid, 0)),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      const log = cluster.store.log.filter((r) => r.objectKey.endsWith(`/${oid}`));
      const tids = log.map((r) => r.tid);
      assert.deepEqual(
        tids,
        [...tids].sort((a, b) => (a < b ? -1 : 1)),
        'executed in tid order',
      );
      for (const [reqid, n] of appliedByReqid(cluster)) assert.equal(n, 1, `${reqid} applied once`);
      assert.ok(primary.maxOutstanding <= 64, `at most 64 ops at the OSD (saw ${primary.maxOutstanding})`);
    });
  },
);

// ---------------------------------------------------------------------- replies

test('objecter: a reply for an old attempt is ignored', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    await io.writeFull('x', Buffer.from('fresh'));
    const osd = cluster.osds[cluster.locate('x').primary]!;
    osd.onOp = (op) => (op.name.oid === 'x' ? 'hold' : 'process');
    const read = io.read('x', 0);
    await until(() => osd.held.length === 1, 'first attempt held');
    // Force a resend to the same OSD: the pool's last_force_op_resend is the new epoch.
    const next = cluster.map.epoch + 1;
    cluster.updateMap((m) => {
      m.getPool(1)!.lastForceOpResend = next;
    });
    await until(() => osd.held.length === 2, 'second attempt held');
    const [first, second] = osd.held;
    assert.equal(first!.reqid, second!.reqid);
    assert.deepEqual([first!.msg.retryAttempt, second!.msg.retryAttempt], [0, 1]);
    // A late answer to attempt 0 (with data that is not the object's) comes first…
    osd.forgeReply(first!, 0, 0, Buffer.from('stale'));
    // …then the real answers to both attempts.
    osd.onOp = undefined;
    osd.release();
    assert.equal((await read).toString(), 'fresh');
  });
});

test('objecter: -EAGAIN resubmits the op, which then completes once', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const osd = cluster.osds[cluster.locate('again').primary]!;
    osd.eagainNext = 1;
    await io.writeFull('again', Buffer.from('v'));
    const seen = osd.received.filter((r) => r.name.oid === 'again');
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.reqid, seen[1]!.reqid);
    assert.deepEqual(
      seen.map((r) => r.msg.retryAttempt),
      [0, 1],
    );
    assert.equal(osd.replies[0]!.result, -11);
    assert.equal(cluster.store.appliedCount(seen[0]!.reqid), 1);
    assert.equal((await io.read('again', 0)).toString(), 'v');
  });
});

// ---------------------------------------------------------------------- map changes

test(
  'objecter: a map moving the PG’s primary resends to the new primary; the old OSD’s late reply is ignored; applied once',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const oid = cluster.objectOn(0, 'move');
      const oldOsd = cluster.osds[0]!;
      oldOsd.holdAll = true;
      oldOsd.dropMisdirected = false; // answer anyway, late, on the old session
      const write = io.writeFull(oid, Buffer.from('moved'));
      await until(() => oldOsd.held.length === 1, 'write held at the old primary');
      const epoch = cluster.updateMap((m) => m.setPrimaryAffinity(0, 0));
      const newPrimary = cluster.locate(oid).primary;
      assert.notEqual(newPrimary, 0);
      const newOsd = cluster.osds[newPrimary]!;
      newOsd.holdAll = true;
      await until(() => newOsd.held.length === 1, 'write resent to the new primary');
      assert.equal(newOsd.held[0]!.msg.osdmapEpoch, epoch);
      assert.equal(newOsd.held[0]!.msg.retryAttempt, 1);
      assert.equal(newOsd.held[0]!.reqid, oldOsd.held[0]!.reqid);
      // The old primary applies and answers first; the Objecter must not take that answer.
      let done = false;
      void write.then(() => (done = true));
      oldOsd.holdAll = false;
      oldOsd.release();
      await settle(30);
      assert.equal(done, false, 'the old session’s reply did not complete the op');
      newOsd.holdAll = false;
      newOsd.release();
      await write;
      const reqid = newOsd.received[0]!.reqid;
      assert.equal(cluster.store.appliedCount(reqid), 1);
      assert.equal(cluster.store.deliveredCount(reqid), 2);
      assert.equal((await io.read(oid, 0)).toString(), 'moved');
    });
  },
);

test(
  'objecter: OSD crash mid-load → ops wait, then go to the new primaries once the map marks it down; none lost, none duplicated',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client({ config: { objecter_inflight_ops: '32' } });
      const io = c.ioctx();
      const oids = [0, 1, 2].flatMap((osd) => [0, 1, 2].map((k) => cluster.objectOn(osd, `crash${k}`)));
      let completed = 0;
      const total = 450;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        writes.push(io.append(oids[i % oids.length]!, rec(i)).then(() => void completed++));
      }
      await until(() => completed >= 60, 'some writes done');
      await cluster.crashOsd(0);
      await settle(30); // the client reconnects in vain
      const stuck = total - completed;
      assert.ok(stuck > 0, 'writes were in flight when the OSD died');
      cluster.markDown(0);
      await Promise.all(writes);
      for (const [i, oid] of oids.entries()) {
        const want = Array.from({ length: total }, (_, k) => k).filter((k) => k % oids.length === i);
        assert.deepEqual(records(await io.read(oid, 0)), want, `${oid}: every write once, in order`);
      }
      for (const [reqid, n] of appliedByReqid(cluster)) assert.equal(n, 1, `${reqid} applied once`);
      assert.ok(
        cluster.store.log.some(
          (r) => r.osd !== 0 && oids.slice(0, 3).some((o) => r.objectKey.endsWith(`/${o}`)),
        ),
        'osd.0’s objects were served elsewhere after the crash',
      );
    });
  },
);

test('objecter: ms_inject_socket_failures on the client during a write load loses nothing', T, async (t) => {
  const seed = Number(process.env.OBJECTER_SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay with OBJECTER_SIM_SEED=${seed})`);
  await withCluster({}, async (cluster) => {
    const c = await cluster.client({
      // A small window makes many round trips, so many socket events that can fail.
      config: { objecter_inflight_ops: '16' },
      msgrOptions: { ms_inject_socket_failures: 20, ms_initial_backoff: 0.002, ms_max_backoff: 0.02 },
      random: seededRandom(seed),
    });
    const io = c.ioctx();
    const oids = Array.from({ length: 8 }, (_, i) => `flaky-${i}`);
    const total = 800;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) writes.push(io.append(oids[i % oids.length]!, rec(i)));
    await Promise.all(writes);
    // Read back on a clean client (the flaky one would only add noise).
    await until(() => c.objecter.osdmap.epoch === cluster.map.epoch, 'the client has the newest map');
    assert.ok(
      c.objecter.osdmap.encode().equals(cluster.map.encode()),
      `client map == cluster map (seed ${seed})`,
    );
    const reader = (await cluster.client()).ioctx();
    for (const [i, oid] of oids.entries()) {
      const want = Array.from({ length: total }, (_, k) => k).filter((k) => k % oids.length === i);
      assert.deepEqual(records(await reader.read(oid, 0)), want, `${oid} (seed ${seed})`);
    }
    const resent = cluster.store.log.filter((r) => r.retryAttempt > 0).length;
    t.diagnostic(`${resent} ops executed on a resend`);
    assert.ok(
      cluster.osds.some((o) => o.received.some((r) => r.msg.retryAttempt > 0)),
      `sockets failed and ops were resent (seed ${seed})`,
    );
  });
});

test('objecter: pool deleted in a new map → in-flight and new ops fail with ENOENT', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const osd = cluster.osds[cluster.locate('doomed').primary]!;
    osd.holdAll = true;
    const inflight = io.writeFull('doomed', Buffer.from('x'));
    await until(() => osd.held.length === 1, 'write held');
    cluster.updateMap((m) => {
      m.pools.delete(1);
      m.poolNames.delete(1);
    });
    await assert.rejects(inflight, (e: unknown) => isCephError(e, 'ENOENT'));
    await assert.rejects(io.writeFull('later', Buffer.from('y')), (e: unknown) => isCephError(e, 'ENOENT'));
  });
});

test(
  'objecter: an op on a pool only a newer map has waits for that map (MAP_CHECK) and completes',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      cluster.updateMap((m) => {
        m.pools.set(2, m.getPool(1)!.clone());
        m.poolNames.set(2, 'two');
        m.poolMax = 2;
      }, 'none');
      assert.equal(c.objecter.osdmap.epoch, 1);
      const io = c.ioctx(2);
      await io.writeFull('new-pool-object', Buffer.from('ok'));
      assert.equal(c.objecter.osdmap.epoch, 2);
      assert.ok(c.monc.calls.includes('getVersion osdmap'), 'asked the mon for the newest epoch');
      assert.equal(
        cluster.store.get({ pool: 2, nspace: '', key: '', oid: 'new-pool-object' })?.data.toString(),
        'ok',
      );
    });
  },
);

test(
  'objecter: an op with no up primary waits (homeless) until a map brings one, asked for by subscription',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      cluster.updateMap((m) => {
        for (let i = 0; i < 3; i++) m.setState(i, OsdState.EXISTS);
      });
      await until(() => c.objecter.osdmap.epoch === 2, 'all-down map');
      const write = io.writeFull('homeless', Buffer.from('h'));
      await settle(20);
      assert.equal(cluster.store.log.length, 0, 'nothing sent while no OSD is up');
      // Only subscribers get the next map: the Objecter must have asked for it.
      cluster.updateMap((m) => {
        for (let i = 0; i < 3; i++) m.setState(i, OsdState.EXISTS | OsdState.UP);
      }, 'subscribers');
      await write;
      assert.equal(
        cluster.store.get({ pool: 1, nspace: '', key: '', oid: 'homeless' })?.data.toString(),
        'h',
      );
    });
  },
);

test('objecter: PAUSEWR holds writes but not reads; clearing it sends them', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    await io.writeFull('p', Buffer.from('1'));
    cluster.updateMap((m) => {
      m.flags |= OsdMapFlag.PAUSEWR;
    });
    await until(() => c.objecter.osdmap.testFlag(OsdMapFlag.PAUSEWR), 'paused map');
    const before = cluster.store.log.length;
    const write = io.writeFull('p', Buffer.from('2'));
    assert.equal((await io.read('p', 0)).toString(), '1', 'reads still go');
    await settle(20);
    assert.equal(cluster.store.log.filter((r) => r.isWrite).length, before, 'the write was held');
    cluster.updateMap((m) => {
      m.flags &= ~OsdMapFlag.PAUSEWR;
    });
    await write;
    assert.equal((await io.read('p', 0)).toString(), '2');
  });
});

test(
  'objecter: one MOSDMap moving a PG away and back resends once, to the primary it ends on',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const oid = cluster.objectOn(0, 'flap');
      const a = cluster.osds[0]!;
      a.holdAll = true;
      const w = io.writeFull(oid, Buffer.from('f'));
      await until(() => a.held.length === 1, 'held');
      const e1 = cluster.updateMap((m) => m.setPrimaryAffinity(0, 0), 'none');
      const other = cluster.locate(oid).primary;
      const e2 = cluster.updateMap((m) => m.setPrimaryAffinity(0, 0x10000), 'none');
      assert.equal(cluster.locate(oid).primary, 0);
      c.monc.send(e1, e2);
      await until(() => a.held.length === 2, 'resent to osd.0');
      await settle(10);
      assert.equal(
        cluster.osds[other]!.received.filter((r) => r.name.oid === oid).length,
        0,
        `nothing sent to osd.${other}`,
      );
      a.holdAll = false;
      a.release();
      await w;
    });
  },
);

test(
  'objecter: FULL pauses writes but not reads; the continuous subscription sees it clear and the writes go',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      await io.writeFull('full', Buffer.from('1'));
      cluster.updateMap((m) => {
        m.flags |= OsdMapFlag.FULL;
      });
      await until(() => c.objecter.osdmap.testFlag(OsdMapFlag.FULL), 'full map');
      const w = io.writeFull('full', Buffer.from('2'));
      assert.equal((await io.read('full', 0)).toString(), '1');
      await settle(20);
      assert.equal((await io.read('full', 0)).toString(), '1', 'write held');
      // While full, the Objecter keeps a continuous subscription so it sees the flag clear.
      cluster.updateMap((m) => {
        m.flags &= ~OsdMapFlag.FULL;
      }, 'subscribers');
      await w;
      assert.equal((await io.read('full', 0)).toString(), '2');
    });
  },
);

test('objecter: rados_osd_op_timeout also applies to a homeless op', T, async () => {
  await withCluster({}, async (cluster) => {
    const clock = new ManualClock();
    const c = await cluster.client({ clock, config: { rados_osd_op_timeout: '3' } });
    const io = c.ioctx();
    cluster.updateMap((m) => {
      for (let i = 0; i < 3; i++) m.setState(i, OsdState.EXISTS);
    });
    await until(() => c.objecter.osdmap.epoch === 2, 'all down');
    const w = io.writeFull('nowhere', Buffer.from('x'));
    await settle(5);
    clock.advance(3000);
    await assert.rejects(w, (e: unknown) => isCephError(e, 'ETIMEDOUT'));
  });
});

test(
  'objecter: a client that missed a primary change learns it from the laggy-op tick and resends',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const clock = new ManualClock();
      const c = await cluster.client({ clock });
      const io = c.ioctx();
      const oid = cluster.objectOn(0, 'missed');
      await io.writeFull(oid, Buffer.from('0'));
      cluster.updateMap((m) => m.setPrimaryAffinity(0, 0), 'none'); // the client never hears of it
      const w = io.writeFull(oid, Buffer.from('1'));
      await until(() => cluster.osds[0]!.dropped.some((d) => d.why === 'misdirected'), 'osd.0 drops the op');
      let done = false;
      void w.then(() => (done = true));
      for (let i = 0; i < 4 && !done; i++) {
        clock.advance(5000);
        await settle(20);
      }
      assert.ok(done, 'the write completed after the client fetched the newer map');
      assert.equal(c.objecter.osdmap.epoch, 2);
    });
  },
);

test('objecter: incremental maps move ops like full maps (new_primary_affinity, old_pools)', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const oid = cluster.objectOn(0, 'inc');
    const old = cluster.osds[0]!;
    old.holdAll = true;
    const write = io.writeFull(oid, Buffer.from('i'));
    await until(() => old.held.length === 1, 'held at osd.0');
    const e = cluster.updateMapInc((inc) => inc.newPrimaryAffinity.set(0, 0));
    assert.deepEqual(c.monc.deliveries.at(-1), [e]);
    await write; // resent to the new primary, which answers
    assert.equal(c.objecter.osdmap.getPrimaryAffinity(0), 0);
    assert.equal(c.objecter.osdmap.encode().equals(cluster.map.encode()), true, 'client map == cluster map');
    old.holdAll = false;
    old.release();
    cluster.updateMapInc((inc) => inc.oldPools.push(1));
    await assert.rejects(io.writeFull(oid, Buffer.from('j')), (err: unknown) => isCephError(err, 'ENOENT'));
  });
});

// ---------------------------------------------------------------------- timeouts and limits

test('objecter: rados_osd_op_timeout → ETIMEDOUT, budget returned, the late reply ignored', T, async () => {
  await withCluster({}, async (cluster) => {
    const clock = new ManualClock();
    const c = await cluster.client({
      clock,
      config: { rados_osd_op_timeout: '5', objecter_inflight_ops: '1' },
    });
    const io = c.ioctx();
    const osd = cluster.osds[cluster.locate('slow').primary]!;
    osd.holdAll = true;
    const slow = io.writeFull('slow', Buffer.from('s'));
    let settled = false;
    slow.then(
      () => (settled = true),
      () => (settled = true),
    );
    await until(() => osd.held.length === 1, 'write held');
    clock.advance(4999);
    await settle(5);
    assert.equal(settled, false, 'not before the timeout');
    clock.advance(1);
    await assert.rejects(slow, (e: unknown) => isCephError(e, 'ETIMEDOUT'));
    // The one op slot came back: the next op goes through.
    osd.holdAll = false;
    await io.writeFull(cluster.objectOn(osd.id, 'next'), Buffer.from('n'));
    osd.release(); // the late reply to the timed-out op
    await settle(10);
    assert.equal(c.objecter.osdmap.epoch, 1);
  });
});

test('objecter: objecter_inflight_ops bounds the ops outstanding at the OSDs', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client({ config: { objecter_inflight_ops: '8' } });
    const io = c.ioctx();
    for (const o of cluster.osds) o.holdAll = true;
    const heldTotal = (): number => cluster.osds.reduce((n, o) => n + o.held.length, 0);
    const total = 50;
    let done = 0;
    const writes = Array.from({ length: total }, (_, i) =>
      io.writeFull(`bound-${i}`, Buffer.from('b')).then(() => void done++),
    );
    let maxHeld = 0;
    while (done < total) {
      await until(
        () => heldTotal() === Math.min(8, total - done),
        `${Math.min(8, total - done)} ops at the OSDs`,
      );
      await settle(5);
      maxHeld = Math.max(maxHeld, heldTotal());
      assert.ok(heldTotal() <= 8, `at most 8 outstanding (saw ${heldTotal()})`);
      const before = done;
      for (const o of cluster.osds) o.release();
      await until(() => done > before, 'progress');
    }
    await Promise.all(writes);
    assert.equal(maxHeld, 8);
  });
});

test('objecter: objecter_inflight_op_bytes bounds the bytes in flight', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client({ config: { objecter_inflight_op_bytes: '1000' } });
    const io = c.ioctx();
    for (const o of cluster.osds) o.holdAll = true;
    const heldTotal = (): number => cluster.osds.reduce((n, o) => n + o.held.length, 0);
    const writes = Array.from({ length: 9 }, (_, i) => io.writeFull(`bytes-${i}`, Buffer.alloc(300, i)));
    await until(() => heldTotal() === 3, '3 × 300 bytes in flight');
    await settle(20);
    assert.equal(heldTotal(), 3);
    for (const o of cluster.osds) o.holdAll = false;
    for (const o of cluster.osds) o.release();
    await Promise.all(writes);
  });
});

test(
  'objecter: an op larger than objecter_inflight_op_bytes goes alone once the window drains',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client({ config: { objecter_inflight_op_bytes: '1000' } });
      const io = c.ioctx();
      const osd = cluster.osds[cluster.locate('small').primary]!;
      osd.holdAll = true;
      const small = io.writeFull('small', Buffer.alloc(600));
      await until(() => osd.held.length === 1, 'small held');
      const big = io.writeFull('big', Buffer.alloc(5000));
      await settle(20);
      assert.equal(
        cluster.osds.reduce((n, o) => n + o.received.filter((r) => r.name.oid === 'big').length, 0),
        0,
      );
      osd.holdAll = false;
      osd.release();
      await small;
      await big;
    });
  },
);

// ---------------------------------------------------------------------- backoff

test('objecter: backoff BLOCK holds ops for the PG (acked); UNBLOCK sends them', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const oid = 'blocked';
    const { pgid, primary } = cluster.locate(oid);
    const osd = cluster.osds[primary]!;
    await io.writeFull(oid, Buffer.from('0')); // open the session
    const begin: HObject = { key: '', oid: '', snap: 0n, hash: 0, max: false, nspace: '', pool: 1n };
    const end: HObject = { ...begin, pool: 2n };
    const id = osd.block(pgid, begin, end);
    await until(() => osd.backoffAcks.length === 1, 'ACK_BLOCK');
    const ack = osd.backoffAcks[0]!;
    assert.equal(ack.id, id);
    assert.deepEqual(ack.pgid, pgid);
    const before = osd.received.length;
    const write = io.writeFull(oid, Buffer.from('1'));
    await settle(30);
    assert.equal(osd.received.length, before, 'op held by the client while blocked');
    osd.unblock(id);
    await write;
    assert.equal(osd.received.length, before + 1);
    assert.equal((await io.read(oid, 0)).toString(), '1');
  });
});

test('objecter: a one-object backoff (begin == end) holds ops on that object', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const oid = 'one-object';
    const { pgid, primary } = cluster.locate(oid);
    const osd = cluster.osds[primary]!;
    await io.writeFull(oid, Buffer.from('0'));
    const h = hobjectOf(cluster, oid);
    const id = osd.block(pgid, h, h);
    await until(() => osd.backoffAcks.length === 1, 'ACK_BLOCK');
    const before = osd.received.length;
    const write = io.writeFull(oid, Buffer.from('1'));
    write.catch(() => {});
    await settle(30);
    assert.equal(osd.received.length, before, 'op on the blocked object held by the client');
    osd.unblock(id);
    await write;
  });
});

test('objecter: UNBLOCK resends only the ops inside the lifted range', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const a = 'range-a';
    const { pgid, primary } = cluster.locate(a);
    // b: another object of the same PG.
    let b = '';
    for (let i = 0; !b; i++) {
      const l = cluster.locate(`range-b-${i}`);
      if (l.pgid.pgid.seed === pgid.pgid.seed) b = `range-b-${i}`;
    }
    const osd = cluster.osds[primary]!;
    await io.writeFull(b, Buffer.from('0'));
    // a's write is in flight (held at the OSD, outside the backoff range).
    osd.onOp = (op) => (op.name.oid === a ? 'hold' : 'process');
    const writeA = io.writeFull(a, Buffer.from('a'));
    writeA.catch(() => {});
    await until(() => osd.held.length === 1, 'a held');
    const hb = hobjectOf(cluster, b);
    const id = osd.block(pgid, hb, { ...hb, snap: CEPH_NOSNAP + 1n });
    await until(() => osd.backoffAcks.length === 1, 'ACK_BLOCK');
    const writeB = io.writeFull(b, Buffer.from('1'));
    await settle(20);
    osd.unblock(id);
    await writeB;
    await settle(20);
    const sendsOfA = osd.received.filter((r) => r.name.oid === a).length;
    osd.onOp = undefined;
    osd.release();
    await writeA;
    assert.equal(sendsOfA, 1, 'a (outside the lifted range) was not sent again');
  });
});

// ---------------------------------------------------------------------- session faults

test(
  'objecter: the OSD closing the connection mid-op → op resent on a new connection, applied once',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const osd = cluster.osds[cluster.locate('reset').primary]!;
      osd.holdAll = true;
      const write = io.writeFull('reset', Buffer.from('r'));
      await until(() => osd.held.length === 1, 'write held');
      const oldCon = osd.held[0]!.con;
      osd.holdAll = false;
      osd.release(); // applied, but the reply…
      oldCon.markDown(); // …dies with the connection
      await write;
      const mine = osd.received.filter((r) => r.name.oid === 'reset');
      assert.equal(mine.length, 2);
      assert.notEqual(mine[1]!.con, oldCon);
      assert.equal(mine[1]!.msg.retryAttempt, 1);
      assert.equal(cluster.store.appliedCount(mine[0]!.reqid), 1);
    });
  },
);

test('objecter: shutDown fails in-flight ops with ESHUTDOWN', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    for (const o of cluster.osds) o.holdAll = true;
    const write = io.writeFull('bye', Buffer.from('b'));
    await until(() => cluster.osds.some((o) => o.held.length === 1), 'write held');
    await c.objecter.shutDown();
    await assert.rejects(write, (e: unknown) => isCephError(e, 'ESHUTDOWN'));
    await assert.rejects(io.writeFull('after', Buffer.from('a')), (e: unknown) =>
      isCephError(e, 'ESHUTDOWN'),
    );
  });
});

// ---------------------------------------------------------------------- watch / notify

interface Watcher {
  client: FakeClient;
  cookie: bigint;
  events: WatchNotifyEvent[];
  errors: Error[];
  ackErrors: unknown[];
}

async function watchOn(client: FakeClient, oid: string, ackWith: string | undefined): Promise<Watcher> {
  const io = client.ioctx();
  const w: Watcher = { client, cookie: 0n, events: [], errors: [], ackErrors: [] };
  w.cookie = await io.watch(oid, {
    onNotify(ev) {
      w.events.push(ev);
      // The ack's own reply may still be on its way when a test ends (ESHUTDOWN): keep it, do not throw.
      if (ackWith !== undefined) {
        io.notifyAck(oid, ev.notifyId, ev.cookie, Buffer.from(ackWith)).catch((e: unknown) =>
          w.ackErrors.push(e),
        );
      }
    },
    onError(err) {
      w.errors.push(err);
    },
  });
  return w;
}

const name = (oid: string) => ({ pool: 1, nspace: '', key: '', oid });

test(
  'objecter: watch gets notifications; notify returns every ack and the watchers that timed out',
  T,
  async () => {
    const osdClock = new ManualClock();
    await withCluster({ clock: osdClock }, async (cluster) => {
      const [a, b, notifier] = [await cluster.client(), await cluster.client(), await cluster.client()];
      const oid = 'watched';
      await notifier.ioctx().create(oid, false);
      const wa = await watchOn(a, oid, 'from-a');
      const wb = await watchOn(b, oid, undefined); // never acks

      const p = notifier.ioctx().notify(oid, Buffer.from('hello'), 1000);
      await until(() => [...cluster.store.notifies.values()].some((n) => n.acks.length === 1), 'a acked');
      assert.equal(wb.events.length, 1);
      osdClock.advance(1000);
      const err = await p.then(
        () => assert.fail('notify should time out'),
        (e: unknown) => e,
      );
      assert.equal(errCode(err), 'ETIMEDOUT');
      const result = (err as { notifyResult: NotifyResult }).notifyResult;
      assert.deepEqual(
        result.acks.map((x) => [x.gid, x.cookie, x.payload.toString()]),
        [[a.gid, wa.cookie, 'from-a']],
      );
      assert.deepEqual(result.timeouts, [{ gid: b.gid, cookie: wb.cookie }]);
      for (const w of [wa, wb]) {
        assert.equal(w.events[0]!.payload.toString(), 'hello');
        assert.equal(w.events[0]!.notifierGid, notifier.gid);
        assert.equal(w.events[0]!.cookie, w.cookie);
      }

      // Once b unwatches, a notify completes with a's ack alone.
      await b.ioctx().unwatch(wb.cookie);
      const ok = await notifier.ioctx().notify(oid, Buffer.from('again'), 1000);
      assert.deepEqual(
        ok.acks.map((x) => [x.gid, x.payload.toString()]),
        [[a.gid, 'from-a']],
      );
      assert.deepEqual(ok.timeouts, []);
      assert.equal(wa.errors.length, 0);
    });
  },
);

test(
  'objecter: a watch survives an OSD restart: RECONNECT with a bumped gen, notifications resume',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const [a, notifier] = [await cluster.client(), await cluster.client()];
      const oid = cluster.objectOn(0, 'survivor');
      await notifier.ioctx().create(oid, false);
      const wa = await watchOn(a, oid, 'ack');
      await notifier.ioctx().notify(oid, Buffer.from('1'), 5000);
      const history = () => [...cluster.store.watchersOf(name(oid)).values()][0]!.history;

      await cluster.crashOsd(0, { markDown: true });
      await until(
        () => history().some((h) => h.op === WatchOp.RECONNECT && h.osd !== 0),
        'reconnected elsewhere',
      );
      await notifier.ioctx().notify(oid, Buffer.from('2'), 5000);

      await cluster.restartOsd(0, { markUp: true });
      await until(
        () => history().at(-1)!.op === WatchOp.RECONNECT && history().at(-1)!.osd === 0,
        'reconnected to osd.0',
      );
      await notifier.ioctx().notify(oid, Buffer.from('3'), 5000);

      assert.deepEqual(
        wa.events.map((e) => e.payload.toString()),
        ['1', '2', '3'],
      );
      const h = history();
      assert.equal(h[0]!.op, WatchOp.WATCH);
      const gens = h.filter((x) => x.op === WatchOp.RECONNECT).map((x) => x.gen);
      assert.ok(gens.length >= 2);
      assert.ok(
        gens.every((g, i) => i === 0 || g > gens[i - 1]!),
        `gens strictly increase: ${gens.join(',')}`,
      );
      assert.ok(gens[0]! > 0);
      assert.deepEqual(wa.errors, []);
      assert.ok(a.ioctx().watchCheck(wa.cookie) >= 0);
    });
  },
);

test(
  'objecter: a watch whose WATCH was in flight at a crashing primary registers at the new one',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const oid = cluster.objectOn(0, 'reg');
      await io.create(oid, false);
      const a = cluster.osds[0]!;
      a.holdAll = true;
      const w = io.watch(oid, { onNotify() {}, onError() {} });
      await until(() => a.held.length === 1, 'watch held');
      await cluster.crashOsd(0, { markDown: true });
      const cookie = await w;
      const history = [...cluster.store.watchersOf(name(oid)).values()][0]!.history;
      assert.equal(history[0]!.op, WatchOp.WATCH);
      assert.notEqual(history[0]!.osd, 0);
      assert.ok(io.watchCheck(cookie) >= 0);
    });
  },
);

test('objecter: a WATCH in flight when the connection resets registers once', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const oid = 'reset-watch';
    await io.create(oid, false);
    const osd = cluster.osds[cluster.locate(oid).primary]!;
    osd.holdAll = true;
    const events: bigint[] = [];
    const w = io.watch(oid, {
      onNotify(ev) {
        events.push(ev.notifyId);
        io.notifyAck(oid, ev.notifyId, ev.cookie).catch(() => {});
      },
      onError() {},
    });
    await until(() => osd.held.length === 1, 'watch held');
    const con = osd.held[0]!.con;
    osd.holdAll = false;
    osd.release();
    con.markDown();
    const cookie = await w;
    assert.equal(cluster.store.watchersOf(name(oid)).size, 1);
    assert.ok(io.watchCheck(cookie) >= 0);
    const n = await c
      .ioctx()
      .notify(oid, Buffer.from('x'), 1000)
      .catch((e: unknown) => e);
    assert.ok(!(n instanceof Error), 'notify completes');
  });
});

test('objecter: watch on a pool that does not exist fails with ENOENT', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    await assert.rejects(a.ioctx(99).watch('x', { onNotify() {}, onError() {} }), (e: unknown) =>
      isCephError(e, 'ENOENT'),
    );
  });
});

test('objecter: notify on a pool that does not exist fails with ENOENT', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    await assert.rejects(a.ioctx(99).notify('x', Buffer.from('p'), 1000), (e: unknown) =>
      isCephError(e, 'ENOENT'),
    );
  });
});

test('objecter: watch pings are not held behind a full objecter_inflight_ops window', T, async () => {
  await withCluster({}, async (cluster) => {
    const clock = new ManualClock();
    const c = await cluster.client({ clock, config: { objecter_inflight_ops: '2' } });
    const io = c.ioctx();
    const oid = cluster.objectOn(0, 'pinged');
    await io.create(oid, false);
    await io.watch(oid, { onNotify() {}, onError() {} });
    const busy = cluster.osds[1]!;
    busy.holdAll = true;
    const stuck = [
      io.writeFull(cluster.objectOn(1, 'a'), Buffer.from('x')),
      io.writeFull(cluster.objectOn(1, 'b'), Buffer.from('y')),
    ];
    for (const p of stuck) p.catch(() => {});
    await until(() => busy.held.length === 2, 'window full');
    clock.advance(5000);
    await settle(30);
    const history = [...cluster.store.watchersOf(name(oid)).values()][0]!.history;
    assert.ok(
      history.some((h) => h.op === WatchOp.PING),
      'the ping reached the OSD',
    );
    busy.holdAll = false;
    busy.release();
    await Promise.all(stuck);
  });
});

test('objecter: a watch RECONNECT is not held behind a full objecter_inflight_ops window', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client({ config: { objecter_inflight_ops: '2' } });
    const io = c.ioctx();
    const oid = cluster.objectOn(0, 'recon');
    await io.create(oid, false);
    await io.watch(oid, { onNotify() {}, onError() {} });
    const busy = cluster.osds[1]!;
    busy.holdAll = true;
    const stuck = [
      io.writeFull(cluster.objectOn(1, 'a'), Buffer.from('x')),
      io.writeFull(cluster.objectOn(1, 'b'), Buffer.from('y')),
    ];
    for (const p of stuck) p.catch(() => {});
    await until(() => busy.held.length === 2, 'window full');
    for (const con of cluster.osds[0]!.clientConnections) con.markDown();
    await settle(50);
    const history = [...cluster.store.watchersOf(name(oid)).values()][0]!.history;
    assert.ok(
      history.some((h) => h.op === WatchOp.RECONNECT),
      'the reconnect reached the OSD',
    );
    busy.holdAll = false;
    busy.release();
    await Promise.all(stuck);
  });
});

test('objecter: a DISCONNECT from the OSD surfaces ENOTCONN to the watcher', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    const oid = 'dropped-watch';
    await a.ioctx().create(oid, false);
    const wa = await watchOn(a, oid, 'x');
    const osd = cluster.osds[cluster.locate(oid).primary]!;
    assert.ok(osd.disconnectWatch(name(oid), wa.cookie));
    await until(() => wa.errors.length === 1, 'onError');
    assert.equal(errCode(wa.errors[0]), 'ENOTCONN');
    assert.equal(a.ioctx().watchCheck(wa.cookie), -107);
    await settle(10);
    assert.equal(wa.errors.length, 1, 'reported once');
  });
});

test('objecter: a RECONNECT the OSD refuses (watch expired) surfaces ENOTCONN', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    const oid = 'expired-watch';
    await a.ioctx().create(oid, false);
    const wa = await watchOn(a, oid, 'x');
    const osd = cluster.osds[cluster.locate(oid).primary]!;
    cluster.store.watchersOf(name(oid)).clear(); // the OSD timed the watch out
    for (const con of osd.clientConnections) con.markDown();
    await until(() => wa.errors.length === 1, 'onError');
    assert.equal(errCode(wa.errors[0]), 'ENOTCONN');
    const last = osd.received.filter((r) => r.name.oid === oid).at(-1)!;
    assert.equal(last.msg.ops[0]!.watch.op, WatchOp.RECONNECT);
  });
});

test('objecter: watch on a missing object fails with ENOENT', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    await assert.rejects(a.ioctx().watch('no-such-object', { onNotify() {}, onError() {} }), (e: unknown) =>
      isCephError(e, 'ENOENT'),
    );
    assert.equal(cluster.store.watchersOf(name('no-such-object')).size, 0);
  });
});

test(
  'objecter: every tick pings each watch with its current gen; watchCheck reports the age',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const clock = new ManualClock();
      const a = await cluster.client({ clock });
      const oid = 'pinged';
      await a.ioctx().create(oid, false);
      const wa = await watchOn(a, oid, 'x');
      const history = () => [...cluster.store.watchersOf(name(oid)).values()][0]!.history;
      clock.advance(5000); // objecter_tick_interval
      await until(() => history().some((h) => h.op === WatchOp.PING), 'ping');
      assert.deepEqual(
        history().map((h) => [h.op, h.gen]),
        [
          [WatchOp.WATCH, 0],
          [WatchOp.PING, 0],
        ],
      );
      // Confirmed once the ping's reply is back: the age counts from when the ping was sent.
      await until(() => a.ioctx().watchCheck(wa.cookie) === 0, 'ping reply');
      clock.advance(1000);
      assert.equal(
        a.ioctx().watchCheck(wa.cookie),
        1000,
        'ms since the ping that confirmed the watch was sent',
      );
      clock.advance(4000);
      await until(() => history().filter((h) => h.op === WatchOp.PING).length === 2, 'second ping');
      assert.deepEqual(wa.errors, []);
    });
  },
);

test(
  'objecter: a notify in flight when the primary dies is re-sent to the new primary and completes',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const [a, notifier] = [await cluster.client(), await cluster.client()];
      const oid = cluster.objectOn(0, 'notify-move');
      await notifier.ioctx().create(oid, false);
      const wa = await watchOn(a, oid, 'ack');
      const old = cluster.osds[0]!;
      old.onOp = (op) => (op.msg.ops[0]?.op === OsdOp.NOTIFY ? 'hold' : 'process');
      const p = notifier.ioctx().notify(oid, Buffer.from('moving'), 5000);
      await until(() => old.held.length === 1, 'notify held at osd.0');
      await cluster.crashOsd(0, { markDown: true });
      const result = await p;
      assert.deepEqual(
        result.acks.map((x) => [x.gid, x.payload.toString()]),
        [[a.gid, 'ack']],
      );
      assert.deepEqual(
        wa.events.map((e) => e.payload.toString()),
        ['moving'],
      );
      const served = cluster.store.log.filter((r) => r.opNames[0] === 'notify');
      assert.equal(served.length, 1);
      assert.notEqual(served[0]!.osd, 0);
    });
  },
);

test(
  'objecter: an OSD that comes back at a new address in the next map gets the ops on a new session',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const oid = cluster.objectOn(1, 'readdr');
      await io.writeFull(oid, Buffer.from('1'));
      const osd = cluster.osds[1]!;
      await osd.crash();
      await osd.start(); // new port and nonce, never marked down
      const write = io.writeFull(oid, Buffer.from('2'));
      cluster.markUp(1); // same epoch state, new address
      await write;
      const last = osd.received.at(-1)!;
      assert.equal(last.name.oid, oid);
      assert.equal((await io.read(oid, 0)).toString(), '2');
    });
  },
);

test('objecter: a map that skips epochs (gap, newest full map taken) resends every op', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const osd = cluster.osds[cluster.locate('gap').primary]!;
    osd.holdAll = true;
    const write = io.writeFull('gap', Buffer.from('g'));
    await until(() => osd.held.length === 1, 'held');
    cluster.updateMap(() => {}, 'none'); // epoch 2 never reaches the client
    const e3 = cluster.updateMap(() => {}, 'none');
    c.monc.send(e3, e3); // epoch 3 alone
    await until(() => osd.held.length === 2, 'resent after the skipped map');
    assert.equal(c.objecter.osdmap.epoch, e3);
    assert.deepEqual(
      osd.held.map((r) => r.msg.retryAttempt),
      [0, 1],
    );
    osd.holdAll = false;
    osd.release();
    await write;
    assert.equal(cluster.store.appliedCount(osd.received[0]!.reqid), 1);
  });
});

test('objecter: a notify in flight when its pool is deleted fails with ENOENT', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    const io = a.ioctx();
    await io.create('n', false);
    const osd = cluster.osds[cluster.locate('n').primary]!;
    osd.onOp = (op) => (op.msg.ops[0]?.op === OsdOp.NOTIFY ? 'hold' : 'process');
    const p = io.notify('n', Buffer.from('p'), 1000);
    await until(() => osd.held.length === 1, 'held');
    cluster.updateMap((m) => {
      m.pools.delete(1);
      m.poolNames.delete(1);
    });
    await assert.rejects(p, (e: unknown) => isCephError(e, 'ENOENT'));
  });
});

test('objecter: NOTIFY_COMPLETE arriving before the notify reply still completes the notify', T, async () => {
  await withCluster({}, async (cluster) => {
    const a = await cluster.client();
    const io = a.ioctx();
    await io.create('early', false);
    const osd = cluster.osds[cluster.locate('early').primary]!;
    osd.replyDelayMs = 30; // the completion (no watchers) goes out first
    const r = await io.notify('early', Buffer.from('p'), 1000);
    assert.deepEqual(r.acks, []);
    assert.deepEqual(r.timeouts, []);
  });
});

// ---------------------------------------------------------------------- listing

test(
  'objecter: listing (PGNLS) walks every PG in bitwise order, paged, per namespace or all',
  T,
  async () => {
    await withCluster({}, async (cluster) => {
      const c = await cluster.client();
      const io = c.ioctx();
      const names = Array.from({ length: 60 }, (_, i) => `list-${i}`);
      await Promise.all(names.map((n) => io.create(n, false)));
      const other = c.ioctx();
      other.setNamespace('ns1');
      await Promise.all(names.slice(0, 20).map((n) => other.create(n, false)));
      const listed: string[] = [];
      for await (const o of io.listObjects({ batch: 7 })) {
        assert.equal(o.nspace, '');
        listed.push(o.oid);
      }
      assert.deepEqual([...listed].sort(), [...names].sort());
      const everything: string[] = [];
      for await (const o of io.listObjects({ nspace: ALL_NSPACES, batch: 7 }))
        everything.push(`${o.nspace}/${o.oid}`);
      assert.equal(everything.length, 80);
      assert.equal(new Set(everything).size, 80);
      const pgls = cluster.osds.flatMap((o) => o.received).filter((r) => r.msg.oid === '');
      assert.ok(pgls.every((r) => r.msg.ops[0]!.op === OsdOp.PGNLS));
      // Every PG of the pool was asked at least once per listing.
      assert.equal(new Set(pgls.map((r) => r.msg.pgid.pgid.seed)).size, cluster.map.getPool(1)!.pgNum);
    });
  },
);

test('objecter: listing continues from its cursor when pg_num grows mid-listing', T, async () => {
  await withCluster({}, async (cluster) => {
    const c = await cluster.client();
    const io = c.ioctx();
    const names = Array.from({ length: 80 }, (_, i) => `split-${i}`);
    await Promise.all(names.map((n) => io.create(n, false)));
    const listed: string[] = [];
    let split = false;
    for await (const o of io.listObjects({ batch: 5 })) {
      listed.push(o.oid);
      if (listed.length === 23 && !split) {
        split = true;
        const e = cluster.updateMap((m) => {
          const p = m.getPool(1)!;
          p.setPgNum(p.pgNum * 2);
          p.setPgpNum(p.pgNum);
        });
        await until(() => c.objecter.osdmap.epoch === e, 'split map');
      }
    }
    assert.ok(split);
    assert.deepEqual([...listed].sort(), [...names].sort(), 'each object exactly once');
  });
});

async function watchErrors(cluster: FakeCluster, oid: string, clock?: ManualClock) {
  const a = await cluster.client({ clock });
  const io = a.ioctx();
  await io.create(oid, false);
  const errors: Error[] = [];
  const cookie = await io.watch(oid, {
    onNotify() {},
    onError(err) {
      errors.push(err);
    },
  });
  return { a, io, errors, cookie };
}

test('objecter: a RECONNECT racing the object’s deletion (ENOENT) surfaces ENOTCONN', T, async () => {
  await withCluster({}, async (cluster) => {
    const oid = 'deleted-under-watch';
    const { errors } = await watchErrors(cluster, oid);
    const osd = cluster.osds[cluster.locate(oid).primary]!;
    cluster.store.objects.delete(`1///${oid}`); // deleted; the watch's reconnect races it
    for (const con of osd.clientConnections) con.markDown();
    await until(() => errors.length === 1, 'onError');
    assert.equal(errCode(errors[0]), 'ENOTCONN');
  });
});

test('objecter: a watch PING answered ETIMEDOUT surfaces ETIMEDOUT', T, async () => {
  await withCluster({}, async (cluster) => {
    const clock = new ManualClock();
    const oid = 'ping-timeout';
    const { errors } = await watchErrors(cluster, oid, clock);
    // The OSD still has the watch but lost its connection (Watch::is_connected() false).
    for (const w of cluster.store.watchersOf(name(oid)).values()) w.con = undefined;
    clock.advance(5000);
    await until(() => errors.length === 1, 'onError');
    assert.equal(errCode(errors[0]), 'ETIMEDOUT');
  });
});

// ---------------------------------------------------------------------- everything at once

/**
 * The chaos run: appends and reads on a few objects while primaries flap, one
 * OSD at a time crashes (still up in the map: the client reconnects in vain),
 * is marked down, then restarts at a new address and is marked up, and the
 * client's sockets fail at random. Map changes travel as full maps or as
 * incrementals.
 */
async function chaosRun(t: TestContext, maps: 'full' | 'incremental'): Promise<void> {
  const seed = Number(process.env.OBJECTER_SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay with OBJECTER_SIM_SEED=${seed})`);
  const rand = seededRandom(seed);
  await withCluster({}, async (cluster) => {
    const c = await cluster.client({
      config: { objecter_inflight_ops: '24' },
      msgrOptions: { ms_inject_socket_failures: 40, ms_initial_backoff: 0.002, ms_max_backoff: 0.02 },
      random: seededRandom(seed + 1),
    });
    const io = c.ioctx();
    const oids = Array.from({ length: 6 }, (_, i) => `chaos-${i}`);
    const total = 900;
    let finished = false;
    const log: string[] = [];
    const chaos = (async () => {
      // One OSD at a time goes: crashed (still up in the map: the client reconnects in vain)
      // → marked down → restarted at a new address and marked up.
      let victim = -1;
      let phase: 'up' | 'crashed' | 'down' = 'up';
      while (!finished) {
        await settle(5 + Math.floor(rand() * 15));
        if (rand() < 0.5) {
          const osd = Math.floor(rand() * 3);
          const aff = rand() < 0.5 ? 0 : 0x10000;
          if (maps === 'full') cluster.updateMap((m) => m.setPrimaryAffinity(osd, aff));
          else cluster.updateMapInc((inc) => inc.newPrimaryAffinity.set(osd, aff));
          log.push(`affinity osd.${osd}=${aff}`);
        } else if (phase === 'up') {
          victim = Math.floor(rand() * 3);
          await cluster.crashOsd(victim);
          phase = 'crashed';
          log.push(`crash osd.${victim}`);
        } else if (phase === 'crashed') {
          const v = victim;
          if (maps === 'full') cluster.markDown(v);
          else cluster.updateMapInc((inc) => inc.newState.set(v, OsdState.UP)); // xor: clears UP
          phase = 'down';
          log.push(`down osd.${victim}`);
        } else {
          await cluster.restartOsd(victim, { markUp: maps === 'full' });
          const v = victim;
          if (maps === 'incremental')
            cluster.updateMapInc((inc) => inc.newUpClient.set(v, cluster.osds[v]!.addrs));
          phase = 'up';
          log.push(`restart osd.${victim}`);
        }
      }
      if (phase !== 'up') await cluster.restartOsd(victim, { markUp: true });
    })();
    const writes: Promise<void>[] = [];
    // Reads interleaved with the appends: each must see every append submitted before it, in order
    // (and maybe later ones a dead primary had applied before its replies were lost).
    const reads: Promise<void>[] = [];
    const wantOf = (i: number, upTo: number) =>
      Array.from({ length: upTo }, (_, k) => k).filter((k) => k % oids.length === i);
    for (let i = 0; i < total; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(i);
      const oid = oids[i % oids.length]!;
      writes.push(io.append(oid, b));
      if (i % 50 === 49) {
        const before = wantOf(i % oids.length, i + 1);
        const all = wantOf(i % oids.length, total);
        reads.push(
          io.read(oid, 0).then((data) => {
            const got = records(data);
            assert.ok(
              got.length >= before.length,
              `read of ${oid} after op ${i} saw ${got.length} < ${before.length}`,
            );
            assert.deepEqual(got, all.slice(0, got.length), `read of ${oid} after op ${i} (seed ${seed})`);
          }),
        );
      }
    }
    await Promise.all([...writes, ...reads]).finally(() => (finished = true));
    await chaos;
    t.diagnostic(log.join('; '));
    await until(() => c.objecter.osdmap.epoch === cluster.map.epoch, 'the client has the newest map');
    assert.ok(
      c.objecter.osdmap.encode().equals(cluster.map.encode()),
      `client map == cluster map (seed ${seed})`,
    );
    const reader = (await cluster.client()).ioctx();
    for (const [i, oid] of oids.entries()) {
      const got = records(await reader.read(oid, 0));
      const want = Array.from({ length: total }, (_, k) => k).filter((k) => k % oids.length === i);
      assert.deepEqual(got, want, `${oid} (seed ${seed})`);
    }
  });
}

test(
  'objecter: chaos — primaries flap, OSDs crash, go down and come back elsewhere, sockets fail: appends land once, in order; reads see every earlier append',
  { timeout: 20_000 },
  (t) => chaosRun(t, 'full'),
);

test(
  'objecter: chaos with incremental maps (new_primary_affinity, new_state, new_up_client)',
  { timeout: 20_000 },
  (t) => chaosRun(t, 'incremental'),
);

test('objecter: rados_osd_op_timeout applies to a watch registration', T, async () => {
  await withCluster({}, async (cluster) => {
    const clock = new ManualClock();
    const c = await cluster.client({ clock, config: { rados_osd_op_timeout: '5' } });
    const io = c.ioctx();
    const oid = 'slow-watch';
    await io.create(oid, false);
    const osd = cluster.osds[cluster.locate(oid).primary]!;
    osd.onOp = (op) => (op.msg.ops[0]?.op === OsdOp.WATCH ? 'hold' : 'process');
    const w = io.watch(oid, { onNotify() {}, onError() {} });
    w.catch(() => {});
    await until(() => osd.held.length === 1, 'watch held');
    clock.advance(5000);
    await assert.rejects(w, (e: unknown) => isCephError(e, 'ETIMEDOUT'));
  });
});
