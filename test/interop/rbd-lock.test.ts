/**
 * The header watch/notify protocol and the exclusive lock against the REAL
 * librbd (the `rbd` 16.2.15 CLI) on a real Pacific cluster:
 *
 *   (a) the real `rbd bench --io-type write` owns the lock; our ImageWatcher
 *       forwards resize, snap create and flatten (progress relayed) to it, and
 *       the real `rbd info` / `rbd snap ls` see the results; a header update we
 *       send is acked by the real client with a ResponseMessage;
 *   (b) we own the lock (ExclusiveLock + ImageWatcher with a test
 *       RemoteOperationHandler): the real `rbd resize` / `rbd snap create` are
 *       forwarded to us, see our progress and the result we return; the real
 *       `rbd lock ls` shows our lock;
 *   (c) the real `rbd bench` asks for our lock, we hand it over, it finishes;
 *   (d) a SIGKILLed real lock owner is blocklisted and its lock broken by our
 *       acquire (`ceph osd blocklist ls`).
 *
 * Ports 48300..48399.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { Config } from '../../src/common/config.js';
import { CephError } from '../../src/common/errors.js';
import { Rados } from '../../src/rados/rados.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import { ExclusiveLock, LockState } from '../../src/rbd/exclusive-lock/index.js';
import { invokeAsyncRequest } from '../../src/rbd/operation/invoke-async-request.js';
import {
  ImageWatcher,
  NotifyOp,
  decodeNotifyMessage,
  decodeResponseMessage,
  encodeNotifyMessage,
  radosHeaderIo,
  type NotifyPayload,
  type RemoteOperationHandler,
} from '../../src/rbd/watcher/index.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POOL = 'rbd';
/** The OSD forgets a dead client's watch after this long (default 30 s). */
const WATCH_TIMEOUT_S = 10;

let cluster: RealCluster;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function rbdRun(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'rbd',
      ['-c', cluster.confPath, ...args],
      { timeout: timeoutMs, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
        resolve({ code: Number.isFinite(code) ? code : 1, stdout, stderr });
      },
    );
  });
}

async function rbd(...args: string[]): Promise<string> {
  const r = await rbdRun(args);
  if (r.code !== 0) throw new Error(`rbd ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function info(name: string): Promise<{ id: string; size: number; parent?: unknown }> {
  return JSON.parse(await rbd('info', '--format', 'json', `${POOL}/${name}`)) as {
    id: string;
    size: number;
    parent?: unknown;
  };
}

async function lockers(name: string): Promise<{ id: string; locker: string; address: string }[]> {
  return JSON.parse(await rbd('lock', 'ls', '--format', 'json', `${POOL}/${name}`)) as {
    id: string;
    locker: string;
    address: string;
  }[];
}

/** A real `rbd bench --io-type write`, slowed by QoS so it holds the lock while we work. */
function bench(name: string, opts: { iops: number; totalBytes: number }): ChildProcess {
  return spawn(
    'rbd',
    [
      '-c',
      cluster.confPath,
      'bench',
      '--io-type',
      'write',
      '--io-size',
      '4K',
      '--io-threads',
      '1',
      '--io-pattern',
      'rand',
      '--io-total',
      String(opts.totalBytes),
      `--rbd-qos-iops-limit=${opts.iops}`,
      `${POOL}/${name}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

function exited(p: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (p.exitCode !== null) {
      resolve(p.exitCode);
      return;
    }
    const t = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve(code ?? -1);
    });
  });
}

async function until(
  pred: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Our client of one image: the header watch and the exclusive lock, recording what happened. */
async function openOurs(
  rados: Rados,
  io: IoCtx,
  name: string,
  operations?: RemoteOperationHandler,
): Promise<{
  watcher: ImageWatcher;
  lock: ExclusiveLock;
  received: NotifyPayload[];
  events: string[];
  close(): Promise<void>;
}> {
  const { id } = await info(name);
  const oid = `rbd_header.${id}`;
  const headerIo = radosHeaderIo(rados, io);
  const received: NotifyPayload[] = [];
  const events: string[] = [];
  // See every notification (a second, passive watch: the ImageWatcher acks its own).
  const spy = await io.watch(oid, {
    onNotify(ev) {
      try {
        received.push(decodeNotifyMessage(ev.payload));
      } catch {
        // not ours to judge here
      }
      void io.notifyAck(oid, ev.notifyId, ev.cookie, Buffer.alloc(0)).catch(() => undefined);
    },
    onError() {},
  });
  const watcher = new ImageWatcher({
    io: headerIo,
    oid,
    operations,
    host: {
      handleHeaderUpdate: () => void events.push('header-update'),
      onWatchLost: (e) => void events.push(`watch-lost ${e.code}`),
    },
  });
  await watcher.init();
  const lock = new ExclusiveLock({
    io: headerIo,
    oid,
    watcher,
    hooks: {
      postAcquire: async () => void events.push('post-acquire'),
      preRelease: async () => void events.push('pre-release'),
      postRelease: async () => void events.push('post-release'),
    },
  });
  lock.init();
  return {
    watcher,
    lock,
    received,
    events,
    async close() {
      await lock.shutDown();
      await watcher.shutDown();
      await io.unwatch(spy).catch(() => undefined);
    },
  };
}

test('exclusive lock and request forwarding against the real rbd', async (t) => {
  cluster = await startRealCluster({
    name: 'rbd-lock',
    basePort: 48300,
    osds: 1,
    blockSizeBytes: 4 * 1024 ** 3,
    rbdPool: true,
    extraGlobal: { osd_client_watch_timeout: String(WATCH_TIMEOUT_S) },
  });
  t.after(() => cluster.stop());
  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  const rados = await Rados.connect(config);
  t.after(() => rados.shutDown());
  const io = await rados.ioCtx(POOL);
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  await t.test(
    '(a) the real bench owns the lock: our forwarded resize, snap create and flatten run there',
    async () => {
      await rbd('create', '--size', '64M', `${POOL}/fwd`);
      const b = bench('fwd', { iops: 20, totalBytes: 20 * 4096 * 120 });
      children.push(b);
      await until(async () => (await lockers('fwd')).length === 1, 'the bench to take the lock');
      const ours = await openOurs(rados, io, 'fwd');
      let seq = 0n;
      const forward = (name: string, remote: () => Promise<void>) =>
        invokeAsyncRequest(
          {
            readOnly: false,
            isSnapshot: () => false,
            exclusiveLock: () => ours.lock,
            hasImageWatcher: () => true,
          },
          {
            name,
            permitSnapshot: false,
            local: () => Promise.reject(new CephError('EPERM', `${name} must not run here`)),
            remote,
          },
        );
      const resizeId = ++seq;
      await forward('resize', () => ours.watcher.notifyResize(resizeId, 128n << 20n, false));
      assert.equal((await info('fwd')).size, 128 << 20);
      assert.equal(ours.lock.isLockOwner(), false);
      const snapId = ++seq;
      await forward('snap_create', () =>
        ours.watcher.notifySnapCreate(snapId, { type: 'user' }, 'from-ts', 0n),
      );
      const snaps = JSON.parse(await rbd('snap', 'ls', '--format', 'json', `${POOL}/fwd`)) as {
        name: string;
      }[];
      assert.deepEqual(
        snaps.map((s) => s.name),
        ['from-ts'],
      );
      // The owner ran them: it sent HEADER_UPDATE and ASYNC_COMPLETE for our ids.
      const completes = ours.received.filter((p) => p.op === NotifyOp.ASYNC_COMPLETE) as Extract<
        NotifyPayload,
        { op: 5 }
      >[];
      assert.deepEqual(
        completes.map((c) => [c.asyncRequestId.requestId, c.result]),
        [
          [1n, 0],
          [2n, 0],
        ],
      );
      // A header update: the real client acks it with ResponseMessage(0), as we do.
      const reply = await io.notify(
        ours.watcher.oid,
        encodeNotifyMessage({ op: NotifyOp.HEADER_UPDATE }),
        5000,
      );
      const benchAck = reply.acks.filter((a) => a.payload.length > 0);
      assert.ok(benchAck.length >= 1);
      for (const a of benchAck) assert.equal(decodeResponseMessage(a.payload), 0);
      await ours.close();
      b.kill('SIGINT');
      await exited(b, 30_000).catch(() => b.kill('SIGKILL'));
    },
  );

  await t.test('(a) flatten of a clone forwarded to the real owner, with progress relayed', async () => {
    await rbd('create', '--size', '32M', '--image-feature', 'layering', `${POOL}/parent`);
    await rbd('bench', '--io-type', 'write', '--io-size', '1M', '--io-total', '32M', `${POOL}/parent`);
    await rbd('snap', 'create', `${POOL}/parent@base`);
    await rbd('snap', 'protect', `${POOL}/parent@base`);
    await rbd(
      'clone',
      '--image-feature',
      'layering,exclusive-lock,object-map,fast-diff,deep-flatten',
      `${POOL}/parent@base`,
      `${POOL}/child`,
    );
    const b = bench('child', { iops: 20, totalBytes: 20 * 4096 * 120 });
    children.push(b);
    await until(async () => (await lockers('child')).length === 1, 'the bench to take the clone lock');
    const ours = await openOurs(rados, io, 'child');
    const progress: [number, number][] = [];
    await ours.watcher.notifyFlatten(1n, (o, total) => progress.push([o, total]));
    assert.ok(progress.length > 0, 'ASYNC_PROGRESS reached us');
    for (const [o, total] of progress) assert.ok(o <= total && total === 8, `${o}/${total}`);
    assert.equal((await info('child')).parent, undefined);
    await ours.close();
    b.kill('SIGINT');
    await exited(b, 30_000).catch(() => b.kill('SIGKILL'));
  });

  await t.test('(b) we own the lock: the real rbd resize and snap create are forwarded to us', async () => {
    await rbd('create', '--size', '64M', `${POOL}/ours`);
    const calls: string[] = [];
    const ours = await openOurs(rados, io, 'ours', {
      resize: async (size, allowShrink, progress) => {
        calls.push(`resize ${size} ${allowShrink}`);
        progress(1, 2);
        await sleep(300);
        progress(2, 2);
        throw new CephError('EDQUOT', 'no room for that');
      },
      snapCreate: async (ns, name, flags) => {
        calls.push(`snap ${ns.type} ${name} ${flags}`);
      },
    });
    await ours.lock.acquireLock();
    assert.equal(ours.lock.state, LockState.LOCKED);
    const ls = await lockers('ours');
    assert.equal(ls.length, 1);
    assert.equal(ls[0]!.locker, `client.${rados.instanceId}`);
    assert.equal(ls[0]!.id, `auto ${ours.watcher.getWatchHandle()}`);
    assert.match(ls[0]!.address, /^127\.0\.0\.1:\d+\/\d+$/);

    const resize = await rbdRun(['resize', '--size', '256M', `${POOL}/ours`]);
    assert.equal(resize.code, 122, resize.stderr);
    assert.match(resize.stderr, /\(122\) Disk quota exceeded/);
    assert.match(resize.stderr, /Resizing image: 50% complete/);
    assert.equal((await info('ours')).size, 64 << 20, 'the real client did not resize it itself');

    const snap = await rbdRun(['snap', 'create', `${POOL}/ours@snap-by-us`]);
    assert.equal(snap.code, 0, snap.stderr);
    assert.deepEqual(calls, [`resize ${256n << 20n} false`, 'snap user snap-by-us 0']);
    assert.ok(ours.lock.isLockOwner());
    await ours.close();
    assert.deepEqual(await lockers('ours'), []);
  });

  await t.test(
    '(c) hand-over: the real bench requests our lock, we release, it acquires and finishes',
    async () => {
      await rbd('create', '--size', '64M', `${POOL}/handover`);
      const ours = await openOurs(rados, io, 'handover');
      await ours.lock.acquireLock();
      const b = bench('handover', { iops: 200, totalBytes: 4096 * 200 });
      children.push(b);
      assert.equal(await exited(b, 60_000), 0);
      assert.equal(ours.lock.state, LockState.UNLOCKED);
      assert.deepEqual(
        ours.events.filter((e) => e !== 'header-update'),
        ['post-acquire', 'pre-release', 'post-release'],
      );
      const ops = ours.received.map((p) => p.op);
      const requested = ops.indexOf(NotifyOp.REQUEST_LOCK);
      assert.ok(requested >= 0, 'the bench asked for the lock');
      const released = ops.indexOf(NotifyOp.RELEASED_LOCK, requested);
      assert.ok(released > requested, 'we released it');
      const acquired = ours.received.findIndex(
        (p, i) =>
          i > released &&
          p.op === NotifyOp.ACQUIRED_LOCK &&
          'clientId' in p &&
          p.clientId.gid !== rados.instanceId,
      );
      assert.ok(acquired > released, 'the bench announced it');
      await ours.close();
    },
  );

  await t.test('(d) a SIGKILLed owner is blocklisted and its lock broken by our acquire', async () => {
    await rbd('create', '--size', '64M', `${POOL}/dead`);
    const b = bench('dead', { iops: 20, totalBytes: 20 * 4096 * 600 });
    children.push(b);
    await until(async () => (await lockers('dead')).length === 1, 'the bench to take the lock');
    const [dead] = await lockers('dead');
    b.kill('SIGKILL');
    await exited(b, 10_000);
    const ours = await openOurs(rados, io, 'dead');
    const started = Date.now();
    await ours.lock.acquireLock();
    assert.ok(ours.lock.isLockOwner());
    // Not before the OSD dropped the dead client's watch.
    assert.ok(Date.now() - started >= (WATCH_TIMEOUT_S - 3) * 1000);
    const ls = await lockers('dead');
    assert.equal(ls.length, 1);
    assert.equal(ls[0]!.locker, `client.${rados.instanceId}`);
    const blocklist = await cluster.ceph(['osd', 'blocklist', 'ls']);
    assert.ok(blocklist.includes(dead!.address), `${dead!.address} in\n${blocklist}`);
    await ours.close();
  });
});
