/**
 * The librados API against a real Pacific OSD: each object op's semantics and
 * errno, compound operations executed atomically, snapshots, listing with
 * namespaces, watch/notify between two of our clients, and many ops in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import { CEPH_NOSNAP } from '../../src/encoding/osd-types.js';
import { Rados } from '../../src/rados/rados.js';
import { ALL_NSPACES } from '../../src/rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../src/rados/operation.js';
import { startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);

const rejectsWith = async (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e) => isCephError(e, code as never), `expected ${code}`);

test('librados against a real OSD: ops, errors, compound ops, snaps, listing, watch/notify', async (t) => {
  const cluster = await startRealCluster({
    name: 'rados-lib',
    basePort: 47900,
    osds: 1,
    objectStore: 'memstore',
  });
  t.after(() => cluster.stop());
  await cluster.ceph(['osd', 'pool', 'create', 'lib', '8']);
  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  const rados = await Rados.connect(config);
  t.after(() => rados.shutDown());
  const io = await rados.ioCtx('lib');

  await t.test('data ops and their errors', async () => {
    await io.write('d', Buffer.from('0123456789'), 0);
    await io.write('d', Buffer.from('AB'), 4);
    assert.equal((await io.read('d', 100)).toString(), '0123AB6789');
    await io.append('d', Buffer.from('xy'));
    assert.equal((await io.stat('d')).size, 12);
    await io.zero('d', 0, 2);
    assert.deepEqual([...(await io.read('d', 2))], [0, 0]);
    await io.truncate('d', 3);
    assert.equal((await io.read('d', 100)).length, 3);
    await io.writeFull('d', Buffer.from('full'));
    assert.equal((await io.read('d', 0)).toString(), 'full');
    await io.write('sparse', Buffer.from('x'), 1 << 20);
    // memstore reports the whole object as one extent; bluestore only the written one. Either way
    // the extents cover the data returned, and the data ends with what was written.
    const sr = await io.sparseRead('sparse', 2 << 20, 0);
    assert.equal(sr.data.at(-1), 'x'.charCodeAt(0));
    assert.equal(
      sr.extents.reduce((n, e) => n + e.length, 0),
      sr.data.length,
    );
    assert.equal(sr.extents.at(-1)!.offset + sr.extents.at(-1)!.length, (1 << 20) + 1);
    await rejectsWith(io.read('missing', 10), 'ENOENT');
    await rejectsWith(io.stat('missing'), 'ENOENT');
    await rejectsWith(io.remove('missing'), 'ENOENT');
    await io.create('made', true);
    await rejectsWith(io.create('made', true), 'EEXIST');
    await io.create('made', false);
    await io.remove('made');
    await rejectsWith(io.stat('made'), 'ENOENT');
  });

  await t.test('xattrs and omap', async () => {
    await io.setXattr('x', 'a', Buffer.from('1'));
    await io.setXattr('x', 'b', Buffer.from('22'));
    assert.deepEqual(
      [...(await io.getXattrs('x'))].map(([k, v]) => [k, v.toString()]),
      [
        ['a', '1'],
        ['b', '22'],
      ],
    );
    await io.rmXattr('x', 'a');
    await rejectsWith(io.getXattr('x', 'a'), 'ENODATA');
    const vals = new Map(
      Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, Buffer.from(`v${i}`)]),
    );
    await io.omapSet('x', vals);
    const page = await io.omapGetKeys('x', 'k09', 5);
    assert.deepEqual(page, { keys: ['k10', 'k11', 'k12', 'k13', 'k14'], more: true });
    assert.equal((await io.omapGetAll('x', 7)).size, 30);
    const byKeys = await io.omapGetValsByKeys('x', ['k03', 'nope']);
    assert.deepEqual([...byKeys.keys()], ['k03']);
    assert.equal((await io.omapGetVals('x', '', 'k2', 100)).vals.size, 10);
    await io.omapRmKeys('x', ['k00', 'k01']);
    assert.equal((await io.omapGetAll('x')).size, 28);
    await io.omapSetHeader('x', Buffer.from('hdr'));
    assert.equal((await io.omapGetHeader('x')).toString(), 'hdr');
    await io.omapClear('x');
    assert.equal((await io.omapGetAll('x')).size, 0);
  });

  await t.test('compound operations are atomic and report per-op results', async () => {
    const w = new ObjectWriteOperation()
      .create(true)
      .writeFull(Buffer.from('body'))
      .setXattr('ver', Buffer.from('1'))
      .omapSet(new Map([['k', Buffer.from('v')]]));
    await io.operate('c', w);
    const v = io.lastVersion;
    // cmpxattr false → ECANCELED and nothing after it is applied.
    const guarded = new ObjectWriteOperation().cmpXattr('ver', 'eq', '2').writeFull(Buffer.from('changed'));
    await rejectsWith(io.operate('c', guarded), 'ECANCELED');
    assert.equal((await io.read('c', 0)).toString(), 'body');
    await io.operate('c', new ObjectWriteOperation().cmpXattr('ver', 'eq', '1').append(Buffer.from('+')));
    await rejectsWith(
      io.operate('c', new ObjectWriteOperation().assertVersion(v).append(Buffer.from('!'))),
      'ERANGE',
    );
    await rejectsWith(
      io.operate('nope', new ObjectWriteOperation().assertExists().append(Buffer.from('!'))),
      'ENOENT',
    );
    const r = new ObjectReadOperation();
    const stat = r.stat();
    const data = r.read(0, 0);
    const xattr = r.getXattr('ver');
    const omap = r.omapGetVals('', '', 10);
    await io.operateRead('c', r);
    assert.equal(stat.get().size, 5);
    assert.equal(data.get().toString(), 'body+');
    assert.equal(xattr.get().toString(), '1');
    assert.equal(omap.get().vals.get('k')!.toString(), 'v');
    // A failing read op without FAILOK fails the operation; with FAILOK the others still run.
    const r2 = new ObjectReadOperation();
    r2.getXattr('absent');
    r2.failOk();
    const body = r2.read(0, 0);
    await io.operateRead('c', r2);
    assert.equal(body.get().toString(), 'body+');
  });

  await t.test('object class call (lock class) and its errors', async () => {
    const out = await io.exec('c', 'lock', 'list_locks');
    assert.deepEqual([...out], [1, 1, 4, 0, 0, 0, 0, 0, 0, 0]); // cls_lock_list_locks_reply: no locks
    // A class the OSD does not load is refused (EPERM, osd_class_load_list); a missing method is EOPNOTSUPP.
    await rejectsWith(io.exec('c', 'nosuchclass', 'm'), 'EPERM');
    await rejectsWith(io.exec('c', 'lock', 'nosuchmethod'), 'EOPNOTSUPP');
  });

  await t.test('pool and self-managed snapshots: read at a snap, list-snaps, rollback', async () => {
    await io.writeFull('s', Buffer.from('one'));
    await rados.poolSnapCreate('lib', 'p1');
    await io.writeFull('s', Buffer.from('two'));
    const snap = io.poolSnaps().find((x) => x.name === 'p1')!;
    io.setReadSnap(snap.id);
    assert.equal((await io.read('s', 0)).toString(), 'one');
    await rejectsWith(io.writeFull('s', Buffer.from('x')), 'EROFS');
    io.setReadSnap(CEPH_NOSNAP);
    await io.rollback('s', snap.id);
    assert.equal((await io.read('s', 0)).toString(), 'one');
    const listed = await io.listSnaps('s');
    assert.ok(listed.clones.some((c) => c.cloneId === CEPH_NOSNAP));
    await rados.poolSnapRemove('lib', 'p1');
    await rejectsWith(rados.poolSnapRemove('lib', 'p1'), 'ENOENT');
    // The real rados sees the snapshot list we leave behind.
    const { stdout } = await execFileAsync('rados', ['-c', cluster.confPath, '-p', 'lib', 'lssnap']);
    assert.match(stdout, /^0 snaps$/m);
  });

  await t.test('listing with namespaces and cursors', async () => {
    const ns = io.dup();
    ns.setNamespace('ns1');
    await Promise.all(Array.from({ length: 50 }, (_, i) => ns.writeFull(`n${i}`, Buffer.from('z'))));
    const inNs: string[] = [];
    for await (const o of ns.listObjects({ batch: 7 })) inNs.push(o.oid);
    assert.equal(inNs.length, 50);
    const all: string[] = [];
    for await (const o of io.listObjects({ nspace: ALL_NSPACES })) all.push(`${o.nspace}/${o.oid}`);
    assert.ok(all.includes('ns1/n0') && all.includes('/c'));
    const { stdout } = await execFileAsync('rados', ['-c', cluster.confPath, '-p', 'lib', '--all', 'ls']);
    const real = stdout
      .trim()
      .split('\n')
      .map((l) => (l.includes('\t') ? l.replace('\t', '/') : `/${l}`));
    assert.deepEqual([...real].sort(), [...all].sort());
  });

  await t.test('watch/notify between two clients, with replies and a timeout', async () => {
    const other = await Rados.connect(config);
    t.after(() => other.shutDown());
    const oio = await other.ioCtx('lib');
    const cookie = await io.watch('c', {
      onNotify: (ev) => void io.notifyAck('c', ev.notifyId, ev.cookie, Buffer.from(`re:${ev.payload}`)),
      onError: () => {},
    });
    // A watcher that never acks makes the notify time out and names it.
    const silent = await oio.watch('c', { onNotify: () => {}, onError: () => {} });
    const err = await oio.notify('c', Buffer.from('hi'), 2000).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isCephError(err, 'ETIMEDOUT'));
    const result = (
      err as unknown as { notifyResult: { acks: { payload: Buffer }[]; timeouts: { cookie: bigint }[] } }
    ).notifyResult;
    assert.deepEqual(
      result.acks.map((a) => a.payload.toString()),
      ['re:hi'],
    );
    assert.deepEqual(
      result.timeouts.map((x) => x.cookie),
      [silent],
    );
    await oio.unwatch(silent);
    const ok = await oio.notify('c', Buffer.from('again'), 5000);
    assert.equal(ok.acks.length, 1);
    assert.equal((await io.listWatchers('c')).length, 1);
    await io.unwatch(cookie);
    assert.equal((await io.listWatchers('c')).length, 0);
  });

  await t.test('many ops in flight keep per-object order', async () => {
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) ops.push(io.append(`o${i % 10}`, Buffer.from(`${i},`)));
    await Promise.all(ops);
    for (let j = 0; j < 10; j++) {
      const seen = (await io.read(`o${j}`, 0)).toString().split(',').filter(Boolean).map(Number);
      assert.deepEqual(
        seen,
        Array.from({ length: 200 }, (_, k) => j + 10 * k),
      );
    }
  });

  await t.test('a pool that does not exist', async () => {
    await rejectsWith(rados.ioCtx('nosuchpool'), 'ENOENT');
  });
});
