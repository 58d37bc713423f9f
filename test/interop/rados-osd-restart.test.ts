/**
 * Our librados against a real Pacific cluster (3 OSDs, pool size 3) while an
 * OSD is killed (SIGKILL) and restarted in the middle of a 60-second write
 * load: no acknowledged write is lost, no error reaches the caller (the
 * Objecter resends), and a watch on an object whose primary was the killed
 * OSD keeps receiving notifications.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../src/common/config.js';
import { Rados } from '../../src/rados/rados.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import { startRealCluster } from '../helpers/real-cluster.js';

const LOAD_SECONDS = 60;
const IN_FLIGHT = 16;
const OBJECTS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function payload(oid: string, seq: number): Buffer {
  const b = Buffer.alloc(4096, seq & 0xff);
  b.write(`${oid}#${seq}#`, 0);
  return b;
}

function primaryOf(rados: Rados, io: IoCtx, oid: string): number {
  const map = rados.objecter.osdmap;
  const raw = map.objectLocatorToPg(oid, io.locator);
  return map.pgToUpActing(map.rawPgToPg(raw)).actingPrimary;
}

test('rados: an OSD killed and restarted during a 60 s write load loses no acknowledged write; a watch survives', async (t) => {
  const cluster = await startRealCluster({
    name: 'rados-osd-restart',
    basePort: 47600,
    osds: 3,
    objectStore: 'bluestore',
    blockSizeBytes: 4 * 1024 ** 3,
  });
  t.after(() => cluster.stop());
  await cluster.ceph(['osd', 'pool', 'create', 'load', '16', '16', 'replicated']);
  await cluster.ceph(['osd', 'pool', 'set', 'load', 'size', '3']);
  await cluster.ceph(['osd', 'pool', 'set', 'load', 'min_size', '2']);

  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  const rados = await Rados.connect(config);
  t.after(() => rados.shutDown());
  const io = await rados.ioCtx('load');
  const notifier = await Rados.connect(config);
  t.after(() => notifier.shutDown());
  const nio = await notifier.ioCtx('load');

  // The watched object lives on the OSD we are going to kill (its primary).
  await io.writeFull('watched', Buffer.from('w'));
  const victim = primaryOf(rados, io, 'watched');
  assert.ok(victim >= 0);
  const notifications: string[] = [];
  const watchErrors: string[] = [];
  const cookie = await io.watch('watched', {
    onNotify: (ev) => {
      notifications.push(ev.payload.toString());
      t.diagnostic(
        `notify ${ev.payload.toString()} id ${ev.notifyId} at epoch ${rados.objecter.osdmap.epoch} ${Date.now()}`,
      );
      void io.notifyAck('watched', ev.notifyId, ev.cookie, Buffer.from('ack'));
    },
    onError: (err) => watchErrors.push(String(err)),
  });
  const before = await nio.notify('watched', Buffer.from('before'), 10_000);
  assert.equal(before.acks.length, 1);

  // The load: IN_FLIGHT writers, each writing whole objects with a per-object sequence number.
  const lastAcked = new Map<string, number>();
  const nextSeq = new Map<string, number>();
  const errors: string[] = [];
  let acked = 0;
  const deadline = Date.now() + LOAD_SECONDS * 1000;
  let counter = 0;
  const writer = async () => {
    while (Date.now() < deadline) {
      const oid = `obj-${counter++ % OBJECTS}`;
      const seq = (nextSeq.get(oid) ?? 0) + 1;
      nextSeq.set(oid, seq);
      try {
        await io.writeFull(oid, payload(oid, seq));
        lastAcked.set(oid, Math.max(lastAcked.get(oid) ?? 0, seq));
        acked++;
      } catch (err) {
        errors.push(`${oid}#${seq}: ${String(err)}`);
      }
    }
  };
  const chaos = async () => {
    await sleep(10_000);
    await cluster.killOsd(victim);
    await sleep(20_000);
    cluster.startOsd(victim);
  };
  await Promise.all([...Array.from({ length: IN_FLIGHT }, writer), chaos()]);

  assert.deepEqual(errors, [], 'no write may fail');
  assert.ok(acked > 100, `the load made progress (${acked} writes)`);
  // Every object holds exactly its last acknowledged write (per-object order kept across resends).
  for (const [oid, seq] of nextSeq) {
    assert.equal(lastAcked.get(oid), seq, `${oid}: every submitted write was acknowledged`);
    const data = await io.read(oid, 8192);
    assert.ok(data.equals(payload(oid, seq)), `${oid} holds write #${seq}`);
  }

  // The watch outlived its primary: it was re-registered and still receives notifications.
  t.diagnostic(`notify after at ${Date.now()} epoch ${notifier.objecter.osdmap.epoch}`);
  const after = await nio.notify('watched', Buffer.from('after'), 10_000);
  t.diagnostic(`notify done at ${Date.now()} epoch ${notifier.objecter.osdmap.epoch}`);
  assert.equal(after.acks.length, 1, 'the watcher acked the notify sent after the restart');
  assert.equal(after.acks[0]!.payload.toString(), 'ack');
  assert.deepEqual(watchErrors, []);
  // A notify resent because the map moved its PG reaches a watcher again (Ceph's protocol; librbd
  // dedupes by request id), so only require that both arrived, each at most a few times.
  assert.deepEqual([...new Set(notifications)], ['before', 'after']);
  assert.ok(notifications.length <= 4, `notifications: ${notifications.join(',')}`);
  await io.unwatch(cookie);
  t.diagnostic(`${acked} writes acknowledged; osd.${victim} killed at 10 s, restarted at 30 s`);
});
