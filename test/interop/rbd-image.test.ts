/**
 * librbd (src/rbd) against a real Pacific cluster, checked with the real
 * `rbd`: images we create, write (striped and not), clone (v1 and v2),
 * copy-on-read, flatten, resize and remove look and read the same to the real
 * tool; writes to read-only or snapshot opens fail with EROFS; the exclusive
 * lock takes part in Ceph's protocol (forwarded maintenance ops, hand-over).
 *
 * Real CLIs run with async execFile: a synchronous child would stop our event
 * loop, our watcher could not ack, and the real client would rightly blocklist
 * us as a dead lock owner.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import { librbdConnector, type RadosClient, type PoolHandle } from '../../src/rbd/api/librbd.js';
import { CompareMismatchError } from '../../src/rbd/io/object-io.js';

const execFileAsync = promisify(execFile);
let cluster: RealCluster;
let client: RadosClient;
let pool: PoolHandle;

async function rbd(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('rbd', ['-c', cluster.confPath, ...args], {
    encoding: 'buffer',
    maxBuffer: 1 << 30,
  });
  return stdout.toString('latin1');
}

async function realMd5(spec: string): Promise<string> {
  const { stdout } = await execFileAsync(
    'rbd',
    ['-c', cluster.confPath, 'export', '--no-progress', spec, '-'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    },
  );
  return md5(stdout);
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Deterministic bytes: block index and a seed in every 512-byte sector. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i += 512) b.writeUInt32LE(((i / 512) ^ Math.imul(seed, 2654435761)) >>> 0, i);
  return b;
}

async function expectErrno(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isCephError(err, code as 'EROFS'));
}

before(async () => {
  cluster = await startRealCluster({
    name: 'rbd-image',
    basePort: 49000,
    osds: 1,
    objectStore: 'memstore',
    rbdPool: true,
  });
  const config = new Config({ environment: 'library' });
  config.set('mon_host', cluster.monAddr.replace(/^v2:/, '[v2:') + ']');
  client = await librbdConnector.connect(config);
  pool = await client.ioCtx('rbd');
});

after(async () => {
  await client?.shutDown();
  await cluster?.stop();
});

test('images we create and write read identically through the real rbd (plain and striped)', async () => {
  const layouts = [
    { name: 'plain', opts: {} },
    { name: 'striped', opts: { stripeUnit: 65536, stripeCount: 4 } },
    { name: 'small-objects', opts: { order: 16 } },
  ];
  for (const { name, opts } of layouts) {
    await client.rbd.create4(pool, name, 24 << 20, opts);
    const im = await client.rbd.open(pool, name, null, false);
    const model = Buffer.alloc(24 << 20);
    const writes: [number, Buffer][] = [
      [0, pattern(1 << 20, 1)],
      [(3 << 20) + 777, pattern(5 << 20, 2)],
      [(20 << 20) - 4096, pattern(8192, 3)],
    ];
    await Promise.all(writes.map(([off, data]) => im.write(off, data)));
    for (const [off, data] of writes) data.copy(model, off);
    await im.discard(4 << 20, 1 << 20);
    model.fill(0, 4 << 20, 5 << 20);
    await im.writeSame(12 << 20, 1 << 20, Buffer.from('abcdefgh'));
    for (let i = 0; i < 1 << 20; i++) model[(12 << 20) + i] = 'abcdefgh'.charCodeAt(i % 8);
    await im.compareAndWrite(100, model.subarray(100, 612), pattern(512, 9));
    pattern(512, 9).copy(model, 100);
    await assert.rejects(
      im.compareAndWrite(100, Buffer.alloc(512, 1), Buffer.alloc(512, 2)),
      (err: unknown) => {
        return err instanceof CompareMismatchError && err.mismatchOffset === 100;
      },
    );
    await im.flush();
    assert.equal(md5(await im.read(0, 24 << 20)), md5(model), `${name}: our read`);
    await im.close();
    assert.equal(await realMd5(name), md5(model), `${name}: real export`);
    const info = JSON.parse(await rbd('info', '--format', 'json', name)) as Record<string, unknown>;
    assert.equal(info.size, 24 << 20);
    const want = ['layering', 'exclusive-lock', 'object-map', 'fast-diff', 'deep-flatten'];
    if (opts.stripeUnit) want.splice(1, 0, 'striping');
    assert.deepEqual(info.features, want, `${name}: features`);
    await rbd('object-map', 'check', name);
  }
  const striped = JSON.parse(await rbd('info', '--format', 'json', 'striped')) as Record<string, unknown>;
  assert.equal(striped.stripe_unit, 65536);
  assert.equal(striped.stripe_count, 4);
  assert.ok((striped.features as string[]).includes('striping'));
});

test('clones (v1 and v2, three deep), copy-on-read, flatten, resize and remove agree with the real rbd', async () => {
  await client.rbd.create4(pool, 'base', 16 << 20, {});
  const base = await client.rbd.open(pool, 'base', null, false);
  await base.write(0, pattern(16 << 20, 5));
  await base.snapCreate('s', 0, () => undefined);
  await base.snapProtect('s');
  await base.close();

  client.rados.config.set('rbd_default_clone_format', '2');
  await client.rbd.clone3(pool, 'base', 's', pool, 'c1', { features: 1n | 4n | 8n | 16n | 32n });
  let parentSpec = JSON.parse(await rbd('info', '--format', 'json', 'c1')) as {
    parent: { image: string; snapshot: string };
  };
  assert.equal(parentSpec.parent.image, 'base');
  assert.equal(parentSpec.parent.snapshot, 's');

  const c1 = await client.rbd.open(pool, 'c1', null, false);
  await c1.write((4 << 20) + 10, Buffer.from('child one'));
  await c1.snapCreate('s', 0, () => undefined);
  await c1.snapProtect('s');
  await c1.close();
  await client.rbd.clone3(pool, 'c1', 's', pool, 'c2', {});
  const c2 = await client.rbd.open(pool, 'c2', null, false);
  await c2.write((8 << 20) + 10, Buffer.from('child two'));
  await c2.snapCreate('s', 0, () => undefined);
  await c2.snapProtect('s');
  await c2.close();
  await client.rbd.clone3(pool, 'c2', 's', pool, 'c3', {});

  const expected = pattern(16 << 20, 5);
  Buffer.from('child one').copy(expected, (4 << 20) + 10);
  Buffer.from('child two').copy(expected, (8 << 20) + 10);
  for (const name of ['c2', 'c3']) assert.equal(await realMd5(name), md5(expected), `${name}: real export`);
  const children = JSON.parse(
    await rbd('children', '--all', '--descendants', '--format', 'json', 'base@s'),
  ) as unknown[];
  assert.equal(children.length, 3);

  // Copy-on-read: a head read through the parent copies the object up.
  const c3 = await client.rbd.open(pool, 'c3', null, false);
  c3.ictx.config.set('rbd_clone_copy_on_read', 'true');
  await c3.ictx.exclusiveLock?.acquireLock({ explicit: true });
  assert.equal(md5(await c3.read(0, 16 << 20)), md5(expected));
  await c3.flush();
  const prefix = c3.ictx.header.objectPrefix;
  const objects = (await execFileAsync('rados', ['-c', cluster.confPath, '-p', 'rbd', 'ls'])).stdout
    .split('\n')
    .filter((o) => o.startsWith(prefix));
  assert.equal(objects.length, 4, 'every object copied up on read');
  await c3.close();
  await rbd('object-map', 'check', 'c3');

  // Flatten the middle of the chain; the real rbd sees it detached and reads the same bytes.
  const c2w = await client.rbd.open(pool, 'c2', null, false);
  const progress: number[] = [];
  await c2w.flatten((o, t) => progress.push(Math.floor((100 * o) / t)));
  // librbd reports each object as it starts (0/4 … 3/4); the CLI adds the final 100%.
  assert.deepEqual(progress, [0, 25, 50, 75]);
  await c2w.close();
  parentSpec = JSON.parse(await rbd('info', '--format', 'json', 'c2')) as typeof parentSpec;
  assert.equal(parentSpec.parent, undefined);
  assert.equal(await realMd5('c2'), md5(expected));
  assert.equal(await realMd5('c3'), md5(expected));

  // Resize: shrink then grow; the tail reads as zeros.
  const c1w = await client.rbd.open(pool, 'c1', null, false);
  await c1w.resize(6 << 20, true, () => undefined);
  await c1w.resize(16 << 20, false, () => undefined);
  await expectErrno(
    c1w.resize(1 << 20, false, () => undefined),
    'EINVAL',
  );
  await c1w.close();
  const shrunk = Buffer.concat([expected.subarray(0, 6 << 20), Buffer.alloc(10 << 20)]);
  shrunk.fill(0, (8 << 20) + 10, (8 << 20) + 19);
  assert.equal(await realMd5('c1'), md5(shrunk));

  // v1 clone from a protected snapshot, listed by the real rbd.
  await client.rbd.create4(pool, 'v1base', 8 << 20, { features: 1n });
  const v1 = await client.rbd.open(pool, 'v1base', null, false);
  await v1.write(0, pattern(8 << 20, 7));
  await v1.snapCreate('p', 0, () => undefined);
  await v1.close();
  const v1snap = await client.rbd.open(pool, 'v1base', null, false);
  await v1snap.snapProtect('p');
  await v1snap.close();
  client.rados.config.set('rbd_default_clone_format', '1');
  await client.rbd.clone3(pool, 'v1base', 'p', pool, 'v1child', {});
  assert.match(await rbd('children', 'v1base@p'), /rbd\/v1child/);
  assert.equal(await realMd5('v1child'), md5(pattern(8 << 20, 7)));

  // Remove: a clone goes away and leaves its parent's children list.
  await client.rbd.remove(pool, 'v1child', () => undefined);
  assert.doesNotMatch(await rbd('ls'), /^v1child$/m);
  assert.equal((await rbd('children', 'v1base@p')).trim(), '');
  await expectErrno(
    client.rbd.remove(pool, 'v1base', () => undefined),
    'ENOTEMPTY',
  );
});

test('writes to a read-only open or a snapshot fail with EROFS', async () => {
  await client.rbd.create4(pool, 'ro', 8 << 20, {});
  const rw = await client.rbd.open(pool, 'ro', null, false);
  await rw.write(0, Buffer.alloc(4096, 1));
  await rw.snapCreate('s', 0, () => undefined);
  await rw.close();
  const ro = await client.rbd.open(pool, 'ro', null, true);
  await expectErrno(ro.write(0, Buffer.alloc(4096)), 'EROFS');
  await expectErrno(ro.discard(0, 4096), 'EROFS');
  await expectErrno(
    ro.resize(1 << 20, true, () => undefined),
    'EROFS',
  );
  await ro.close();
  const atSnap = await client.rbd.open(pool, 'ro', 's', false);
  await expectErrno(atSnap.write(0, Buffer.alloc(4096)), 'EROFS');
  assert.equal((await atSnap.read(0, 4096))[0], 1);
  await atSnap.close();
});

test('exclusive lock: the real rbd forwards maintenance ops to our owner and takes the lock over on request', async () => {
  await client.rbd.create4(pool, 'locked', 32 << 20, {});
  const im = await client.rbd.open(pool, 'locked', null, false);
  await im.write(0, Buffer.alloc(1 << 20, 3));
  assert.equal(await im.isExclusiveLockOwner(), true);
  assert.match(await rbd('lock', 'ls', 'locked'), /auto \d+/);

  await rbd('resize', '--size', '64M', 'locked');
  await rbd('snap', 'create', 'locked@forwarded');
  assert.equal(await im.isExclusiveLockOwner(), true, 'still the owner after forwarded ops');
  const snaps = JSON.parse(await rbd('snap', 'ls', '--format', 'json', 'locked')) as { name: string }[];
  assert.deepEqual(
    snaps.map((s) => s.name),
    ['forwarded'],
  );

  // A real writer asks for the lock: we hand it over, then take it back for our next write.
  await rbd('bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '64K', 'locked');
  assert.equal(await im.isExclusiveLockOwner(), false);
  await im.write(4096, Buffer.alloc(4096, 4));
  assert.equal(await im.isExclusiveLockOwner(), true);
  assert.equal((await im.read(4096, 1))[0], 4);
  await im.close();
  const blocklist = await cluster.ceph(['osd', 'blocklist', 'ls']);
  assert.doesNotMatch(blocklist, /127\.0\.0\.1/, 'nobody was blocklisted');
});
