/**
 * Our snapshot operations against a real Pacific cluster, judged by the real
 * `rbd` CLI: what it lists (`snap ls [--all] --format json`), what it exports
 * (`export img@snap - | md5`), what it thinks of the object maps (`object-map
 * check`, then no "object map invalid" flag), protection as `rbd info` shows
 * it, clones made by the real `rbd clone` (format 1 and 2), and object maps
 * compared byte for byte with a twin image the real rbd put through the same
 * steps. And the reverse: snapshots made by the real rbd, handled by ours.
 *
 * Images with object maps get their data from the real tool (`rbd import`,
 * `rbd bench`, `rbd resize`): our write path does not maintain object maps
 * until the exclusive lock is wired in. Layering-only images are written with
 * our writeImage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import { Rados } from '../../src/rados/rados.js';
import { CEPH_NOSNAP } from '../../src/encoding/osd-types.js';
import { BitVector } from '../../src/rbd/object-map/bit-vector.js';
import type { ObjectMapImage } from '../../src/rbd/object-map/image.js';
import { ObjectMap } from '../../src/rbd/object-map/object-map.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import type { ImageCtx } from '../../src/rbd/image-ctx.js';
import { closeImage, openImage } from '../../src/rbd/image/open.js';
import { writeImage } from '../../src/rbd/io/image-io.js';
import { snapshotCreate } from '../../src/rbd/operation/snapshot-create.js';
import { snapshotClearLimit, snapshotSetLimit } from '../../src/rbd/operation/snapshot-limit.js';
import { snapshotList } from '../../src/rbd/operation/snapshot-list.js';
import { objectMapObjectName } from '../../src/rbd/operation/snapshot-object-map.js';
import { snapshotProtect } from '../../src/rbd/operation/snapshot-protect.js';
import { snapshotPurge } from '../../src/rbd/operation/snapshot-purge.js';
import { snapshotRemove, snapshotRemoveById } from '../../src/rbd/operation/snapshot-remove.js';
import { snapshotRename } from '../../src/rbd/operation/snapshot-rename.js';
import { snapshotRollback } from '../../src/rbd/operation/snapshot-rollback.js';
import { snapshotUnprotect } from '../../src/rbd/operation/snapshot-unprotect.js';
import { startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);
const M = 1 << 20;

const rejectsWith = async (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e) => isCephError(e, code as never), `expected ${code}`);

/** Deterministic bytes (xorshift32), with every fourth MiB left as zeros so images stay sparse. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    if (Math.floor(i / M) % 4 === 3) continue;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface RealSnap {
  id: number;
  name: string;
  size: number;
  protected: string;
  namespace?: { type: string; original_name?: string };
}

test('rbd snapshots: our operations judged by the real rbd CLI', { timeout: 900_000 }, async (t) => {
  const cluster = await startRealCluster({
    name: 'rbd-snapshot',
    basePort: 48500,
    osds: 1,
    objectStore: 'memstore',
    blockSizeBytes: 3 * 1024 ** 3,
    rbdPool: true,
  });
  t.after(() => cluster.stop());
  const tmp = mkdtempSync(join(tmpdir(), 'rbd-snapshot-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));

  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  const rados = await Rados.connect(config);
  t.after(() => rados.shutDown());
  const io: IoCtx = await rados.ioCtx('rbd');

  const rbd = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync('rbd', ['-c', cluster.confPath, ...args], {
      timeout: 180_000,
      maxBuffer: 256 * M,
    });
    return stdout;
  };
  /** The real rbd's exit status (0 on success). */
  const rbdStatus = async (...args: string[]): Promise<number> => {
    try {
      await rbd(...args);
      return 0;
    } catch (err) {
      return (err as { code?: number }).code ?? -1;
    }
  };
  const exportMd5 = async (spec: string): Promise<string> => {
    const { stdout } = await execFileAsync('rbd', ['-c', cluster.confPath, 'export', spec, '-'], {
      timeout: 180_000,
      maxBuffer: 256 * M,
      encoding: 'buffer',
    });
    return md5(stdout);
  };
  const importImage = async (name: string, data: Buffer, ...args: string[]): Promise<void> => {
    const file = join(tmp, `${name}.img`);
    writeFileSync(file, data);
    await rbd('import', '--no-progress', ...args, file, name);
  };
  /** Sequential 4K writes from offset 0 (one thread: Pacific spreads several threads over the image). */
  const bench = (spec: string, total: string) =>
    rbd(
      'bench',
      '--io-type',
      'write',
      '--io-threads',
      '1',
      '--io-size',
      '4K',
      '--io-total',
      total,
      '--io-pattern',
      'seq',
      spec,
    );
  const realSnaps = async (image: string, all = false): Promise<RealSnap[]> =>
    JSON.parse(await rbd('snap', 'ls', image, '--format', 'json', ...(all ? ['--all'] : []))) as RealSnap[];
  const info = async (spec: string) =>
    JSON.parse(await rbd('info', spec, '--format', 'json')) as {
      id: string;
      size: number;
      flags: string[];
      op_features: string[];
      protected?: string;
      snapshot_limit?: number;
      parent?: unknown;
    };
  /** `rbd object-map check` on the head and every snapshot, then no map may be flagged invalid. */
  const assertObjectMapsClean = async (image: string): Promise<void> => {
    for (const spec of [image, ...(await realSnaps(image)).map((s) => `${image}@${s.name}`)]) {
      await rbd('object-map', 'check', '--no-progress', spec);
      assert.deepEqual((await info(spec)).flags, [], `object map of ${spec}`);
    }
  };
  const mapBytes = async (image: string, snapId?: bigint): Promise<Buffer> => {
    const id = (await info(image)).id;
    return io.read(objectMapObjectName(id, snapId), 0);
  };
  const withImage = async <T>(name: string, fn: (ictx: ImageCtx) => Promise<T>): Promise<T> => {
    const ictx = await openImage(rados, io, { name });
    try {
      return await fn(ictx);
    } finally {
      await closeImage(ictx);
    }
  };
  /** Our list in the shape of `rbd snap ls --format json` (without timestamps). */
  const ourSnaps = (image: string, all = false) =>
    withImage(image, async (ictx) =>
      (await snapshotList(ictx, { all })).map((s) => ({
        id: Number(s.id),
        name: s.name,
        size: s.size,
        protected: s.protected ? 'true' : 'false',
        ...(all
          ? {
              namespace:
                s.trash !== undefined
                  ? { type: s.namespaceType, original_name: s.trash.originalName }
                  : { type: s.namespaceType },
            }
          : {}),
      })),
    );
  const withoutTimes = (snaps: RealSnap[]) =>
    snaps.map((s) => {
      const { timestamp: _t, ...rest } = s as RealSnap & { timestamp?: string };
      return rest;
    });

  const data0 = pattern(12 * M, 1);

  await t.test(
    'create (default features): real rbd lists it, it exports its data, object maps equal a real twin',
    async () => {
      await importImage('c1', data0);
      await importImage('c1t', data0);
      const snapId = await withImage('c1', (ictx) => snapshotCreate(ictx, 's1'));
      await rbd('snap', 'create', '--no-progress', 'c1t@s1');
      const twinSnapId = BigInt((await realSnaps('c1t'))[0]!.id);
      assert.deepEqual(await mapBytes('c1'), await mapBytes('c1t'), 'head map right after the snapshot');
      assert.deepEqual(await mapBytes('c1', snapId), await mapBytes('c1t', twinSnapId), 'new snapshot map');
      await bench('c1', '64K');
      await bench('c1t', '64K');

      assert.equal(await exportMd5('c1@s1'), md5(data0));
      assert.equal(await exportMd5('c1t@s1'), md5(data0));
      assert.equal(await exportMd5('c1'), await exportMd5('c1t'));
      assert.notEqual(await exportMd5('c1'), md5(data0), 'the head moved on after the snapshot');

      const real = await realSnaps('c1');
      assert.deepEqual(withoutTimes(real), await ourSnaps('c1'));
      assert.deepEqual(
        real.map((s) => [s.id, s.name, s.size, s.protected]),
        [[Number(snapId), 's1', 12 * M, 'false']],
      );
      assert.deepEqual(
        await mapBytes('c1', snapId),
        await mapBytes('c1t', twinSnapId),
        'snapshot object map',
      );
      assert.deepEqual(await mapBytes('c1'), await mapBytes('c1t'), 'head object map (fast-diff clean bits)');
      assert.equal(
        await rbd('diff', '--from-snap', 's1', 'c1', '--format', 'json'),
        await rbd('diff', '--from-snap', 's1', 'c1t', '--format', 'json'),
      );
      await assertObjectMapsClean('c1');
    },
  );

  await t.test(
    'create: EEXIST for a taken name; limit set/clear as real rbd sees it, EDQUOT over it',
    async () => {
      await importImage('l1', pattern(4 * M, 2));
      await withImage('l1', async (ictx) => {
        await snapshotCreate(ictx, 'a');
        await rejectsWith(snapshotCreate(ictx, 'a'), 'EEXIST');
        await snapshotSetLimit(ictx, 2);
      });
      assert.equal((await info('l1')).snapshot_limit, 2);
      await withImage('l1', async (ictx) => {
        await snapshotCreate(ictx, 'b');
        await rejectsWith(snapshotCreate(ictx, 'c'), 'EDQUOT');
        await rejectsWith(snapshotSetLimit(ictx, 1), 'ERANGE');
      });
      assert.equal(await rbdStatus('snap', 'create', '--no-progress', 'l1@c'), 122, 'real rbd: EDQUOT too');
      assert.deepEqual(
        (await realSnaps('l1')).map((s) => s.name),
        ['a', 'b'],
        'no snapshot and no leaked header entry from the refused create',
      );
      await withImage('l1', (ictx) => snapshotClearLimit(ictx));
      assert.equal((await info('l1')).snapshot_limit, undefined);
      await withImage('l1', (ictx) => snapshotCreate(ictx, 'c'));
      assert.deepEqual(
        (await realSnaps('l1')).map((s) => s.name),
        ['a', 'b', 'c'],
      );
      await assertObjectMapsClean('l1');
    },
  );

  await t.test('rename: real rbd lists the new name; EEXIST for a taken one', async () => {
    await withImage('l1', async (ictx) => {
      await snapshotRename(ictx, 'b', 'b2');
      await rejectsWith(snapshotRename(ictx, 'a', 'c'), 'EEXIST');
      await rejectsWith(snapshotRename(ictx, 'nope', 'd'), 'ENOENT');
    });
    assert.deepEqual(
      (await realSnaps('l1')).map((s) => s.name),
      ['a', 'b2', 'c'],
    );
  });

  await t.test(
    'remove: the middle snapshot of three, object maps folded as the real rbd folds them',
    async () => {
      await importImage('m1', data0);
      await importImage('m1t', data0);
      const steps: [string, string][] = [
        // x → y dirties objects 0 and 1, y → z only object 0: folding y into z must
        // mark object 1 of z changed (EXISTS), else a diff from x to z would miss it.
        ['x', '8M'],
        ['y', '16K'],
        ['z', '64K'],
      ];
      for (const [name, total] of steps) {
        await withImage('m1', (ictx) => snapshotCreate(ictx, name));
        await rbd('snap', 'create', '--no-progress', `m1t@${name}`);
        await bench('m1', total);
        await bench('m1t', total);
      }
      const before = await exportMd5('m1@z');
      const removedId = BigInt((await realSnaps('m1')).find((s) => s.name === 'y')!.id);
      assert.equal(await withImage('m1', (ictx) => snapshotRemove(ictx, 'y')), 'removed');
      await rbd('snap', 'rm', '--no-progress', 'm1t@y');
      assert.deepEqual(
        (await realSnaps('m1')).map((s) => s.name),
        ['x', 'z'],
      );
      const [ours, twin] = [await realSnaps('m1'), await realSnaps('m1t')];
      for (let i = 0; i < ours.length; i++) {
        assert.deepEqual(
          await mapBytes('m1', BigInt(ours[i]!.id)),
          await mapBytes('m1t', BigInt(twin[i]!.id)),
          `object map of ${ours[i]!.name}`,
        );
      }
      assert.deepEqual(await mapBytes('m1'), await mapBytes('m1t'), 'head object map');
      assert.equal(await exportMd5('m1@z'), before);
      assert.equal(await exportMd5('m1@x'), md5(data0));
      await assertObjectMapsClean('m1');
      // The snapshot's map object is gone with it.
      await rejectsWith(io.stat(objectMapObjectName((await info('m1')).id, removedId)), 'ENOENT');
    },
  );

  await t.test(
    'rollback (default features): grow back from a bigger head, data and object maps as the real rbd leaves them',
    async () => {
      await importImage('r1', data0);
      await importImage('r1t', data0);
      await withImage('r1', (ictx) => snapshotCreate(ictx, 's0'));
      await rbd('snap', 'create', '--no-progress', 'r1t@s0');
      for (const image of ['r1', 'r1t']) {
        await bench(image, '1M');
        await rbd('resize', '--no-progress', '--size', '20M', image);
        await bench(image, '8M');
      }
      const progress: [number, number][] = [];
      await withImage('r1', (ictx) =>
        snapshotRollback(ictx, 's0', undefined, (d, n) => progress.push([d, n])),
      );
      await rbd('snap', 'rollback', '--no-progress', 'r1t@s0');
      assert.equal((await info('r1')).size, 12 * M);
      assert.equal(await exportMd5('r1'), md5(data0));
      assert.deepEqual(
        progress,
        // librbd reports each object as it starts: (0, 3), (1, 3), (2, 3); the CLI prints 100% itself.
        [0, 1, 2].map((d) => [d, 3]),
      );
      assert.deepEqual(await mapBytes('r1'), await mapBytes('r1t'), 'head object map');
      assert.equal(
        await rbd('diff', '--from-snap', 's0', 'r1', '--format', 'json'),
        await rbd('diff', '--from-snap', 's0', 'r1t', '--format', 'json'),
      );
      await assertObjectMapsClean('r1');
    },
  );

  /** The image as rbd/object-map sees it, read live from our ImageCtx. */
  const objectMapImage = (ictx: ImageCtx): ObjectMapImage => ({
    headerIoCtx: ictx.mdIoCtx,
    get dataIoCtx() {
      return ictx.dataIoCtx;
    },
    imageId: ictx.id,
    get objectPrefix() {
      return ictx.header.objectPrefix;
    },
    get layout() {
      return ictx.layout;
    },
    get features() {
      return ictx.features;
    },
    sizeAt: (snapId) => ictx.sizeAt(snapId),
    snapIds: () => [...ictx.header.snaps.keys()],
    flagsAt: (snapId) =>
      snapId === CEPH_NOSNAP ? ictx.header.flags : (ictx.header.snaps.get(snapId)?.flags ?? 0n),
    concurrentManagementOps: ictx.concurrentManagementOps,
  });
  /** Open our image with its head object map open (and its map lock held), as the lock owner has it. */
  const withOpenMap = <T>(name: string, fn: (ictx: ImageCtx) => Promise<T>): Promise<T> =>
    withImage(name, async (ictx) => {
      const map = new ObjectMap(objectMapImage(ictx), CEPH_NOSNAP);
      await map.open();
      ictx.objectMap = map as unknown as ImageCtx['objectMap'];
      try {
        return await fn(ictx);
      } finally {
        await (ictx.objectMap as unknown as ObjectMap).close();
        ictx.objectMap = null;
      }
    });
  const storedHead = async (image: string) => BitVector.decode(await mapBytes(image)).encode({ crc: false });

  await t.test(
    'with the head object map open: create, remove, rollback keep it and the stored maps as a real twin has them',
    async () => {
      await importImage('o1', data0);
      await importImage('o1t', data0);
      await withOpenMap('o1', async (ictx) => {
        await snapshotCreate(ictx, 'a');
        const inMemory = (ictx.objectMap as unknown as ObjectMap).map;
        assert.deepEqual(
          inMemory.encode({ crc: false }),
          await storedHead('o1'),
          'EXISTS_CLEAN in memory too',
        );
      });
      await rbd('snap', 'create', '--no-progress', 'o1t@a');
      for (const image of ['o1', 'o1t']) {
        await bench(image, '4M');
        await rbd('resize', '--no-progress', '--size', '16M', image);
      }
      await withOpenMap('o1', (ictx) => snapshotCreate(ictx, 'b'));
      await rbd('snap', 'create', '--no-progress', 'o1t@b');
      for (const image of ['o1', 'o1t']) await bench(image, '64K');

      await withOpenMap('o1', async (ictx) => {
        const before = ictx.objectMap;
        await snapshotRollback(ictx, 'a');
        assert.notEqual(ictx.objectMap, before, 'the head map was reopened');
        const reopened = ictx.objectMap as unknown as ObjectMap;
        assert.ok(reopened.isOpen);
        assert.deepEqual(reopened.map.encode({ crc: false }), await storedHead('o1'));
        assert.equal(await snapshotRemove(ictx, 'a'), 'removed');
        assert.deepEqual(
          reopened.map.encode({ crc: false }),
          await storedHead('o1'),
          'fold into the head in memory',
        );
      });
      await rbd('snap', 'rollback', '--no-progress', 'o1t@a');
      await rbd('snap', 'rm', '--no-progress', 'o1t@a');

      assert.equal(await exportMd5('o1'), md5(data0));
      assert.equal((await info('o1')).size, 12 * M);
      const [ours, twin] = [(await realSnaps('o1'))[0]!, (await realSnaps('o1t'))[0]!];
      assert.deepEqual(
        await mapBytes('o1', BigInt(ours.id)),
        await mapBytes('o1t', BigInt(twin.id)),
        'map of b',
      );
      assert.deepEqual(await mapBytes('o1'), await mapBytes('o1t'), 'head map');
      await assertObjectMapsClean('o1');
    },
  );

  await t.test(
    'rollback (layering only, our writes): shrunk head rolled back to a bigger snapshot',
    async () => {
      await rbd('create', '--size', '20M', '--image-feature', 'layering', 'k1');
      const data = pattern(20 * M, 3);
      await withImage('k1', async (ictx) => {
        await writeImage(ictx, 0, data);
        await snapshotCreate(ictx, 'big');
        await writeImage(ictx, 5 * M, pattern(M, 4));
      });
      await rbd('resize', '--no-progress', '--allow-shrink', '--size', '6M', 'k1');
      await withImage('k1', async (ictx) => {
        await rejectsWith(snapshotRollback(ictx, 'nope'), 'ENOENT');
        await snapshotRollback(ictx, 'big');
        assert.equal(ictx.header.size, 20 * M);
      });
      assert.equal((await info('k1')).size, 20 * M);
      assert.equal(await exportMd5('k1'), md5(data));
      assert.equal(await exportMd5('k1@big'), md5(data));
    },
  );

  await t.test(
    'protect/unprotect: real rbd info sees it; a clone v1 blocks unprotect, a clone v2 does not (as real Pacific)',
    async () => {
      await rbd('create', '--size', '8M', '--image-feature', 'layering', 'p1');
      await withImage('p1', async (ictx) => {
        await writeImage(ictx, 0, pattern(8 * M, 5));
        await snapshotCreate(ictx, 's');
        await snapshotProtect(ictx, 's');
        await rejectsWith(snapshotProtect(ictx, 's'), 'EBUSY');
        await rejectsWith(snapshotRemove(ictx, 's'), 'EBUSY');
      });
      assert.equal((await info('p1@s')).protected, 'true');

      await rbd('clone', '--rbd-default-clone-format', '1', 'p1@s', 'p1c1');
      await withImage('p1', (ictx) => rejectsWith(snapshotUnprotect(ictx, 's'), 'EBUSY'));
      assert.equal((await info('p1@s')).protected, 'true', 'rolled back to PROTECTED');
      await rbd('rm', '--no-progress', 'p1c1');
      await withImage('p1', async (ictx) => {
        await snapshotUnprotect(ictx, 's');
        await rejectsWith(snapshotUnprotect(ictx, 's'), 'EINVAL');
      });
      assert.equal((await info('p1@s')).protected, 'false');

      await withImage('p1', (ictx) => snapshotProtect(ictx, 's'));
      await rbd('clone', '--rbd-default-clone-format', '2', 'p1@s', 'p1c2');
      await withImage('p1', (ictx) => snapshotUnprotect(ictx, 's'));
      assert.equal((await info('p1@s')).protected, 'false');
      assert.deepEqual((await rbd('children', 'p1@s')).trim(), 'rbd/p1c2');
      await rbd('rm', '--no-progress', 'p1c2');

      await rbd('create', '--size', '8M', '--image-feature', 'exclusive-lock', 'p2');
      await rbd('snap', 'create', '--no-progress', 'p2@s');
      await withImage('p2', (ictx) => rejectsWith(snapshotProtect(ictx, 's'), 'ENOSYS'));
    },
  );

  await t.test(
    'remove with a clone v2 child: moved to the trash namespace; the real clone removal then drops it',
    async () => {
      await importImage('t1', pattern(8 * M, 6));
      await withImage('t1', (ictx) => snapshotCreate(ictx, 's'));
      await rbd('clone', '--rbd-default-clone-format', '2', 't1@s', 't1c');
      assert.equal(await withImage('t1', (ictx) => snapshotRemove(ictx, 's')), 'trashed');
      const all = await realSnaps('t1', true);
      assert.equal(all.length, 1);
      assert.deepEqual(all[0]!.namespace, { type: 'trash', original_name: 's' });
      assert.deepEqual(withoutTimes(all), await ourSnaps('t1', true));
      assert.deepEqual(await realSnaps('t1'), [], 'hidden from a plain snap ls');
      assert.ok((await info('t1')).op_features.includes('snap-trash'));
      await withImage('t1', (ictx) => rejectsWith(snapshotRemoveById(ictx, BigInt(all[0]!.id)), 'EBUSY'));
      assert.equal(await exportMd5('t1c'), md5(pattern(8 * M, 6)), 'the clone still reads its parent');

      await rbd('rm', '--no-progress', 't1c');
      assert.deepEqual(await realSnaps('t1', true), []);
      assert.ok(!(await info('t1')).op_features.includes('snap-trash'));
      await assertObjectMapsClean('t1');
    },
  );

  await t.test(
    'detach: removing a flattened clone v2 snapshot unlinks it and drops the trashed parent snapshot',
    async () => {
      await importImage('q1', pattern(8 * M, 7));
      await rbd('snap', 'create', '--no-progress', 'q1@s');
      // Without deep-flatten, so that flattening leaves q1c@cs reading through to q1@s.
      await rbd(
        'clone',
        '--rbd-default-clone-format',
        '2',
        '--image-feature',
        'layering,exclusive-lock,object-map,fast-diff',
        'q1@s',
        'q1c',
      );
      await rbd('snap', 'create', '--no-progress', 'q1c@cs');
      await withImage('q1', async (ictx) => assert.equal(await snapshotRemove(ictx, 's'), 'trashed'));
      await rbd('flatten', '--no-progress', 'q1c');
      assert.equal((await realSnaps('q1', true)).length, 1, 'the snapshot of q1c still holds q1@s');
      assert.equal(await withImage('q1c', (ictx) => snapshotRemove(ictx, 'cs')), 'removed');
      assert.deepEqual(await realSnaps('q1', true), [], 'last child gone: trashed parent snapshot removed');
      assert.equal((await info('q1c')).parent, undefined);
      assert.ok(!(await info('q1c')).op_features.includes('clone-child'));
      assert.ok(!(await info('q1')).op_features.includes('clone-parent'));
      assert.equal(await exportMd5('q1c'), md5(pattern(8 * M, 7)));
      await assertObjectMapsClean('q1c');
    },
  );

  await t.test('detach: removing a flattened clone v1 snapshot drops its rbd_children entry', async () => {
    await rbd('create', '--size', '8M', '--image-feature', 'layering', 'v1p');
    await rbd('snap', 'create', '--no-progress', 'v1p@s');
    await rbd('snap', 'protect', 'v1p@s');
    await rbd('clone', '--rbd-default-clone-format', '1', 'v1p@s', 'v1c');
    await rbd('snap', 'create', '--no-progress', 'v1c@cs');
    await rbd('flatten', '--no-progress', 'v1c');
    assert.equal((await rbd('children', 'v1p@s')).trim(), 'rbd/v1c', 'still listed while v1c@cs links it');
    assert.equal(await rbdStatus('snap', 'unprotect', 'v1p@s'), 16);
    await withImage('v1c', (ictx) => snapshotRemove(ictx, 'cs'));
    assert.equal((await rbd('children', 'v1p@s')).trim(), '');
    await rbd('snap', 'unprotect', 'v1p@s');
  });

  await t.test(
    'reverse: snapshots made by the real rbd are listed, rolled back and removed by ours',
    async () => {
      // z1t goes through the same steps with the real rbd only.
      for (const image of ['z1', 'z1t']) {
        await importImage(image, data0);
        await rbd('snap', 'create', '--no-progress', `${image}@a`);
        await bench(image, '2M');
      }
      const afterBench = await exportMd5('z1');
      for (const image of ['z1', 'z1t']) {
        await rbd('snap', 'create', '--no-progress', `${image}@b`);
        await rbd('snap', 'protect', `${image}@b`);
      }
      assert.deepEqual(await ourSnaps('z1'), withoutTimes(await realSnaps('z1')));
      assert.deepEqual(await ourSnaps('z1', true), withoutTimes(await realSnaps('z1', true)));

      await withImage('z1', (ictx) => snapshotRollback(ictx, 'a'));
      await rbd('snap', 'rollback', '--no-progress', 'z1t@a');
      assert.equal(await exportMd5('z1'), md5(data0));
      assert.deepEqual(await mapBytes('z1'), await mapBytes('z1t'));
      await assertObjectMapsClean('z1');

      await withImage('z1', (ictx) => snapshotRollback(ictx, 'b'));
      await rbd('snap', 'rollback', '--no-progress', 'z1t@b');
      assert.equal(await exportMd5('z1'), afterBench);
      await withImage('z1', async (ictx) => {
        await rejectsWith(snapshotRemove(ictx, 'b'), 'EBUSY');
        assert.equal(await snapshotRemove(ictx, 'a'), 'removed');
      });
      await rbd('snap', 'rm', '--no-progress', 'z1t@a');
      assert.deepEqual(
        (await realSnaps('z1')).map((s) => s.name),
        ['b'],
      );
      assert.equal(await exportMd5('z1@b'), afterBench);
      assert.deepEqual(await mapBytes('z1'), await mapBytes('z1t'), 'head map');
      const [ours, twin] = [(await realSnaps('z1'))[0]!, (await realSnaps('z1t'))[0]!];
      assert.deepEqual(
        await mapBytes('z1', BigInt(ours.id)),
        await mapBytes('z1t', BigInt(twin.id)),
        'map of b',
      );
      // Real Pacific's own rollback-to-b + rm a leaves a head map its checker flags (object 1 and
      // 2 EXISTS where it expects EXISTS_CLEAN): ours must end exactly as the twin does.
      for (const image of ['z1', 'z1t']) await rbd('object-map', 'check', '--no-progress', image);
      assert.deepEqual((await info('z1')).flags, (await info('z1t')).flags);
    },
  );

  await t.test('purge: unprotected user snapshots go oldest first; protected ones stay', async () => {
    await rbd('create', '--size', '8M', '--image-feature', 'layering', 'u1');
    for (const s of ['a', 'b', 'c']) await rbd('snap', 'create', '--no-progress', `u1@${s}`);
    await rbd('snap', 'protect', 'u1@b');
    const progress: [number, number][] = [];
    const result = await withImage('u1', (ictx) => snapshotPurge(ictx, (d, n) => progress.push([d, n])));
    assert.deepEqual(
      result.removed.map((r) => [r.name, r.result]),
      [
        ['a', 'removed'],
        ['c', 'removed'],
      ],
    );
    assert.deepEqual(result.protectedNames, ['b']);
    assert.deepEqual(progress, [
      [1, 3],
      [2, 3],
    ]);
    assert.deepEqual(
      (await realSnaps('u1')).map((s) => s.name),
      ['b'],
    );
    await withImage('u1', (ictx) =>
      rejectsWith(snapshotPurge(ictx, undefined, { throwIfProtected: true }), 'EBUSY'),
    );
  });

  await t.test(
    'writes racing snapshot create: those issued before are in the snapshot, those issued after are not',
    async () => {
      // 32 writes go out, then the snapshot is asked for, then 32 more — all in flight together.
      // The snapshot must hold exactly the first batch: the second waits until the new snap
      // context is in place (without the block, some would land in the head the snapshot reads).
      await rbd('create', '--size', '16M', '--image-feature', 'layering', 'w1');
      const block = 64 * 1024;
      const fill = (i: number, v: number) => Buffer.alloc(block, v + (i % 7));
      await withImage('w1', async (ictx) => {
        const before = Array.from({ length: 32 }, (_, i) => writeImage(ictx, i * 2 * block, fill(i, 1)));
        const snap = snapshotCreate(ictx, 'mid');
        const after = Array.from({ length: 32 }, (_, i) =>
          writeImage(ictx, (i * 2 + 1) * block, fill(i, 100)),
        );
        await Promise.all([...before, snap, ...after]);
      });
      const expectedSnap = Buffer.alloc(16 * M);
      const expectedHead = Buffer.alloc(16 * M);
      for (let i = 0; i < 32; i++) {
        fill(i, 1).copy(expectedSnap, i * 2 * block);
        fill(i, 1).copy(expectedHead, i * 2 * block);
        fill(i, 100).copy(expectedHead, (i * 2 + 1) * block);
      }
      assert.equal(await exportMd5('w1@mid'), md5(expectedSnap), 'the snapshot holds the first batch only');
      assert.equal(await exportMd5('w1'), md5(expectedHead), 'the head holds both batches');
    },
  );
});
