/**
 * librbd's pool- and image-level calls (list, trash, children, diff-iterate,
 * advisory locks, watchers, metadata, features, rename, pool init) against
 * the real `rbd` 16.2.15 on a real Pacific cluster (1 memstore OSD, ports
 * 48600..48699). Each piece is checked both ways where it can be: what we do
 * is what the real CLI then sees, and what the real CLI did is what we read.
 *
 * `RBD_MISC_CONF=/path/ceph.conf` runs against an already running cluster
 * (with an `rbd` pool) instead of starting one — handy while developing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import { Rados } from '../../src/rados/rados.js';
import { encode } from '../../src/encoding/encoder.js';
import { ObjectWriteOperation } from '../../src/rados/operation.js';
import * as cls from '../../src/cls/rbd/client.js';
import { RbdFeature, RbdFlag, featureNames } from '../../src/rbd/constants.js';
import type { ImageCtx } from '../../src/rbd/image-ctx.js';
import { closeImage, openImage } from '../../src/rbd/image/open.js';
import { listImages } from '../../src/rbd/api/list.js';
import {
  trashGet,
  trashList,
  trashMove,
  trashPurge,
  trashRemove,
  trashRestore,
} from '../../src/rbd/api/trash.js';
import { listChildren, listDescendants } from '../../src/rbd/api/children.js';
import { diffIterate } from '../../src/rbd/api/diff-iterate.js';
import {
  breakLock,
  listLockers,
  lockExclusive,
  lockShared,
  unlockImage,
} from '../../src/rbd/api/advisory-lock.js';
import { listWatchers } from '../../src/rbd/api/watchers.js';
import { poolInit } from '../../src/rbd/api/pool-init.js';
import { metadataGet, metadataList, metadataRemove, metadataSet } from '../../src/rbd/operation/metadata.js';
import { updateFeatures } from '../../src/rbd/operation/update-features.js';
import { renameImage } from '../../src/rbd/operation/rename.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

let cluster: RealCluster | undefined;
let confPath = '';
let rados: Rados;
let io: IoCtx;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, ['-c', confPath, ...args], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

async function rbd(...args: string[]): Promise<string> {
  const r = await exec('rbd', args);
  assert.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function rbdJson<T = unknown>(...args: string[]): Promise<T> {
  return JSON.parse(await rbd(...args, '--format', 'json')) as T;
}

async function rados_(...args: string[]): Promise<string> {
  const r = await exec('rados', args);
  assert.equal(r.code, 0, `rados ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function ceph(...args: string[]): Promise<string> {
  const r = await exec('ceph', args);
  assert.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A unique image name per run (several runs may share a developer's cluster). */
const run = randomBytes(3).toString('hex');
const img = (name: string): string => `${name}-${run}`;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isCephError(err) && err.code === code);
}

before(async () => {
  if (process.env.RBD_MISC_CONF) {
    confPath = process.env.RBD_MISC_CONF;
  } else {
    cluster = await startRealCluster({
      name: 'rbd-misc',
      basePort: 48600,
      osds: 1,
      objectStore: 'memstore',
      blockSizeBytes: 3 << 30,
      rbdPool: true,
    });
    confPath = cluster.confPath;
  }
  const monHost = /mon_host = (.*)/.exec((await import('node:fs')).readFileSync(confPath, 'utf8'))![1]!;
  const c = new Config({ environment: 'library' });
  c.set('mon_host', monHost);
  rados = await Rados.connect(c);
  io = await rados.ioCtx('rbd');
});

after(async () => {
  await rados?.shutDown();
  await cluster?.stop();
});

async function open(name: string, snapName?: string, ioctx: IoCtx = io): Promise<ImageCtx> {
  return openImage(rados, ioctx, { name, snapName, readOnly: snapName !== undefined });
}

async function withImage<T>(name: string, fn: (ictx: ImageCtx) => Promise<T>, snapName?: string): Promise<T> {
  const ictx = await open(name, snapName);
  try {
    return await fn(ictx);
  } finally {
    await closeImage(ictx);
  }
}

// ---------------------------------------------------------------- list

describe('rbd-misc list', () => {
  test('list: images of a pool and a namespace in the order rbd ls prints', async () => {
    for (const n of ['B', 'a', 'a-1', 'zz', 'A_']) await rbd('create', '--size', '1M', `rbd/${img(n)}`);
    const ours = (await listImages(io)).map((s) => s.name);
    assert.deepEqual(ours, await rbdJson<string[]>('ls', 'rbd'));
    const ids = await listImages(io);
    const info = await rbdJson<{ id: string }>('info', `rbd/${img('a')}`);
    assert.equal(ids.find((s) => s.name === img('a'))!.id, info.id);

    await rbd('namespace', 'create', `rbd/ns-${run}`);
    await rbd('create', '--size', '1M', `rbd/ns-${run}/${img('in-ns')}`);
    const nsIo = io.dup();
    nsIo.setNamespace(`ns-${run}`);
    assert.deepEqual(
      (await listImages(nsIo)).map((s) => s.name),
      await rbdJson<string[]>('ls', `rbd/ns-${run}`),
    );
    const empty = io.dup();
    empty.setNamespace(`none-${run}`);
    assert.deepEqual(await listImages(empty), []);
  });

  test('list: format-1 names from the rbd_directory tmap come first, as rbd ls shows them', async () => {
    const pool = `v1-${run}`;
    await ceph('osd', 'pool', 'create', pool, '8');
    await rbd('pool', 'init', pool);
    await rbd('create', '--size', '1M', `${pool}/${img('v2')}`);
    // A tmap: bufferlist header, then map<string, bufferlist> (sorted names).
    const tmap = encode((e) => {
      e.u32(0);
      e.u32(2);
      for (const n of ['old-a', 'old-b']) e.string(n).u32(0);
    });
    const file = `/tmp/rbd-misc-tmap-${run}`;
    writeFileSync(file, tmap);
    await rados_('-p', pool, 'put', 'rbd_directory', file);
    const pio = await rados.ioCtx(pool);
    const ours = await listImages(pio);
    assert.deepEqual(
      ours.map((s) => s.name),
      await rbdJson<string[]>('ls', pool),
    );
    assert.deepEqual(ours.slice(0, 2), [
      { id: '', name: 'old-a' },
      { id: '', name: 'old-b' },
    ]);
  });
});

// ---------------------------------------------------------------- trash

interface RealTrashEntry {
  id: string;
  name: string;
  source?: string;
  deleted_at?: string;
  status?: string;
}

/** asctime as `rbd trash ls -l` prints times (the machine runs in UTC). */
function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

describe('rbd-misc trash', () => {
  test('trash: our move shows in rbd trash ls; the real restore brings it back with its snapshot', async () => {
    const name = img('t1');
    await rbd('create', '--size', '4M', `rbd/${name}`);
    await rbd('snap', 'create', `rbd/${name}@s`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    await trashMove(rados, io, name, 3600);
    assert.ok(!(await rbdJson<string[]>('ls', 'rbd')).includes(name));
    const real = (await rbdJson<RealTrashEntry[]>('trash', 'ls', '--long', 'rbd')).find((e) => e.id === id)!;
    const ours = await trashGet(io, id);
    assert.deepEqual(
      { id: real.id, name: real.name, source: real.source, deleted: real.deleted_at, status: real.status },
      {
        id: ours.id,
        name: ours.name,
        source: ours.source.toUpperCase(),
        deleted: ctime(ours.deletionTime),
        status: `protected until ${ctime(ours.defermentEndTime)}`,
      },
    );
    assert.equal(ours.defermentEndTime - ours.deletionTime, 3600);
    // no id object, no directory entry, header kept
    const objects = await rados_('-p', 'rbd', 'ls');
    assert.ok(!objects.includes(`rbd_id.${name}\n`));
    assert.ok(objects.includes(`rbd_header.${id}`));
    await rejectsWith(trashRemove(rados, io, id, false), 'EPERM');

    await rbd('trash', 'restore', '--image-id', id, 'rbd');
    assert.ok((await rbdJson<string[]>('ls', 'rbd')).includes(name));
    assert.deepEqual(
      (await rbdJson<{ name: string }[]>('snap', 'ls', `rbd/${name}`)).map((s) => s.name),
      ['s'],
    );
    assert.equal(
      (await trashList(io)).find((e) => e.id === id),
      undefined,
    );
  });

  test('trash: the real move lists the same through ours; our restore is seen by rbd ls and rbd info', async () => {
    const name = img('t2');
    await rbd('create', '--size', '4M', `rbd/${name}`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    await rbd('trash', 'mv', '--expires-at', '2 hours', `rbd/${name}`);
    const real = (await rbdJson<RealTrashEntry[]>('trash', 'ls', '--long', 'rbd')).find((e) => e.id === id)!;
    const ours = (await trashList(io)).find((e) => e.id === id)!;
    assert.equal(real.name, ours.name);
    assert.equal(real.deleted_at, ctime(ours.deletionTime));
    assert.equal(real.status, `protected until ${ctime(ours.defermentEndTime)}`);
    assert.ok(Math.abs(ours.defermentEndTime - ours.deletionTime - 7200) <= 1);

    // name collision: another image took the name meanwhile
    await rbd('create', '--size', '1M', `rbd/${name}`);
    await rejectsWith(trashRestore(io, id), 'EEXIST');
    assert.equal((await trashGet(io, id)).name, name);
    await trashRestore(io, id, `${name}-back`);
    const info = await rbdJson<{ id: string; name: string }>('info', `rbd/${name}-back`);
    assert.equal(info.id, id);
    assert.equal(
      (await trashList(io)).find((e) => e.id === id),
      undefined,
    );
  });

  test('trash: remove — EPERM before the deferment end, forced removal deletes the image; the real rm takes ours', async () => {
    const name = img('t3');
    await rbd('create', '--size', '4M', `rbd/${name}`);
    await rbd('bench', '--io-type', 'write', '--io-size', '64K', '--io-total', '512K', `rbd/${name}`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    await rbd('trash', 'mv', '--expires-at', '1 hour', `rbd/${name}`);
    await rejectsWith(trashRemove(rados, io, id, false), 'EPERM');
    await trashRemove(rados, io, id, true);
    assert.equal(
      (await rbdJson<RealTrashEntry[]>('trash', 'ls', '--all', 'rbd')).find((e) => e.id === id),
      undefined,
    );
    const objects = await rados_('-p', 'rbd', 'ls');
    assert.ok(!objects.includes(id), `objects of ${id} left: ${objects}`);

    const name4 = img('t4');
    await rbd('create', '--size', '4M', `rbd/${name4}`);
    const id4 = (await rbdJson<{ id: string }>('info', `rbd/${name4}`)).id;
    await trashMove(rados, io, name4, 0);
    await rbd('trash', 'rm', '--image-id', id4, 'rbd');
    assert.equal(
      (await trashList(io)).find((e) => e.id === id4),
      undefined,
    );
    await rejectsWith(trashGet(io, id4), 'ENOENT');
  });

  test('trash: a move interrupted after trash_add resumes by name; a restore interrupted after the id object completes', async () => {
    const name = img('t6');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    const now = { sec: Math.floor(Date.now() / 1000), nsec: 0 };
    const spec = { source: 0, name, deletionTime: now, defermentEndTime: now, state: 1 };
    // the first move stopped after TRASH_ADD and REMOVE_ID_OBJECT
    await cls.trashAddOn(io, id, spec);
    await io.remove(`rbd_id.${name}`);
    await cls.dirRemoveImageOn(io, 'rbd_directory', name, id);
    // still MOVING: remove refuses (EUCLEAN) until a move finishes
    await rejectsWith(trashRemove(rados, io, id, true), 'EUCLEAN');
    await trashMove(rados, io, name, 0);
    const real = (await rbdJson<RealTrashEntry[]>('trash', 'ls', '--long', 'rbd')).find((e) => e.id === id)!;
    assert.equal(real.name, name);
    assert.equal((await cls.trashGet(io, id)).state, 0);

    // the first restore stopped after creating rbd_id.<name>
    await cls.trashStateSetOn(io, id, 3, 0);
    const op = new ObjectWriteOperation();
    op.create(true);
    cls.setId(op, id);
    await io.operate(`rbd_id.${name}`, op);
    await rejectsWith(trashRemove(rados, io, id, true), 'EBUSY');
    await trashRestore(io, id);
    assert.equal((await rbdJson<{ id: string }>('info', `rbd/${name}`)).id, id);
    assert.equal(
      (await trashList(io)).find((e) => e.id === id),
      undefined,
    );
  });

  test('trash: purge removes the expired entries only, keeps snapshotted ones (ENOTEMPTY) — like the real purge', async () => {
    const trashed = async (pool: string): Promise<string[]> =>
      (await rbdJson<RealTrashEntry[]>('trash', 'ls', pool)).map((e) => e.name).sort();
    const setup = async (pool: string) => {
      await ceph('osd', 'pool', 'create', pool, '8');
      await rbd('pool', 'init', pool);
      for (const n of ['e1', 'e2', 'e3']) await rbd('create', '--size', '1M', `${pool}/${n}`);
      await rbd('snap', 'create', `${pool}/e3@s`);
      await rbd('trash', 'mv', `${pool}/e1`);
      await rbd('trash', 'mv', '--expires-at', '1 hour', `${pool}/e2`);
      await rbd('trash', 'mv', `${pool}/e3`);
    };
    const ours = `purge-ours-${run}`;
    const theirs = `purge-real-${run}`;
    await setup(ours);
    await setup(theirs);
    const pio = await rados.ioCtx(ours);
    await rejectsWith(trashPurge(rados, pio, { threshold: 1.5 }), 'EINVAL');
    const done: number[] = [];
    await rejectsWith(trashPurge(rados, pio, { progress: (d) => done.push(d) }), 'ENOTEMPTY');
    assert.deepEqual(done, [1]);
    const real = await exec('rbd', ['trash', 'purge', theirs]);
    assert.notEqual(real.code, 0);
    assert.deepEqual(await trashed(ours), await trashed(theirs));
    assert.deepEqual(await trashed(ours), ['e2', 'e3']);
    // once the snapshot is gone, a purge far in the future takes everything
    const e3 = (await trashList(pio)).find((e) => e.name === 'e3')!;
    await rbd('snap', 'purge', '--pool', ours, '--image-id', e3.id);
    await trashPurge(rados, pio, { expireTs: Math.floor(Date.now() / 1000) + 7200 });
    assert.deepEqual(await trashed(ours), []);
  });

  test('trash: an image with snapshots is kept (ENOTEMPTY) and stays in the trash; a missing image is ENOENT', async () => {
    const name = img('t5');
    await rbd('create', '--size', '4M', `rbd/${name}`);
    await rbd('snap', 'create', `rbd/${name}@s`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    await trashMove(rados, io, name, 0);
    await rejectsWith(trashRemove(rados, io, id, true), 'ENOTEMPTY');
    assert.equal((await trashGet(io, id)).name, name);
    const real = await exec('rbd', ['trash', 'rm', '--image-id', id, 'rbd']);
    assert.notEqual(real.code, 0);
    await rejectsWith(trashMove(rados, io, img('nope'), 0), 'ENOENT');
  });
});

// ---------------------------------------------------------------- children

interface RealChild {
  pool: string;
  pool_namespace: string;
  image: string;
  id?: string;
  trash?: boolean;
}

describe('rbd-misc children', () => {
  const pool2 = `kids-${run}`;

  before(async () => {
    await ceph('osd', 'pool', 'create', pool2, '8');
    await rbd('pool', 'init', pool2);
  });

  for (const format of ['1', '2']) {
    test(`children: a 3-deep clone v${format} chain across two pools matches rbd children --all --descendants`, async () => {
      const p = img(`cp${format}`);
      const clone = (from: string, to: string) =>
        rbd('clone', '--rbd-default-clone-format', format, from, to);
      await rbd('create', '--size', '8M', `rbd/${p}`);
      await rbd('snap', 'create', `rbd/${p}@s`);
      await rbd('snap', 'protect', `rbd/${p}@s`);
      await rbd('snap', 'create', `rbd/${p}@t`);
      await rbd('snap', 'protect', `rbd/${p}@t`);
      await clone(`rbd/${p}@s`, `rbd/${p}-c1`);
      await clone(`rbd/${p}@s`, `${pool2}/${p}-c2`);
      await clone(`rbd/${p}@t`, `rbd/${p}-c3`);
      for (const c of [`rbd/${p}-c1`, `${pool2}/${p}-c2`]) {
        await rbd('snap', 'create', `${c}@s`);
        await rbd('snap', 'protect', `${c}@s`);
      }
      await clone(`rbd/${p}-c1@s`, `rbd/${p}-g1`);
      await clone(`${pool2}/${p}-c2@s`, `rbd/${p}-g2`);
      await rbd('snap', 'create', `rbd/${p}-g1@s`);
      await rbd('snap', 'protect', `rbd/${p}-g1@s`);
      await clone(`rbd/${p}-g1@s`, `${pool2}/${p}-gg1`);
      await clone(`rbd/${p}-g1@s`, `rbd/${p}-gg2`);
      if (format === '2') await rbd('trash', 'mv', `rbd/${p}-gg2`);

      const asReal = (all: boolean) => (c: Awaited<ReturnType<typeof listChildren>>[number]) =>
        all
          ? {
              pool: c.poolName,
              pool_namespace: c.poolNamespace,
              image: c.imageName,
              id: c.imageId,
              trash: c.trash,
            }
          : { pool: c.poolName, pool_namespace: c.poolNamespace, image: c.imageName };
      const notTrash = (c: { trash: boolean }) => !c.trash;

      for (const snap of ['s', 't', undefined]) {
        const spec = snap ? `rbd/${p}@${snap}` : `rbd/${p}`;
        await withImage(
          p,
          async (ictx) => {
            const desc = await listDescendants(ictx);
            assert.deepEqual(
              desc.map(asReal(true)),
              await rbdJson<RealChild[]>('children', '--all', '--descendants', spec),
            );
            assert.deepEqual(
              desc.filter(notTrash).map(asReal(false)),
              await rbdJson<RealChild[]>('children', '--descendants', spec),
            );
            const kids = await listChildren(ictx);
            assert.deepEqual(kids.map(asReal(true)), await rbdJson<RealChild[]>('children', '--all', spec));
            assert.deepEqual(
              kids.filter(notTrash).map(asReal(false)),
              await rbdJson<RealChild[]>('children', spec),
            );
          },
          snap,
        );
      }
      // a leaf has none
      await withImage(`${p}-g2`, async (ictx) => assert.deepEqual(await listDescendants(ictx), []));
    });
  }
});

// ---------------------------------------------------------------- diff

interface RealDiff {
  offset: number;
  length: number;
  exists: string;
}

async function ourDiff(
  name: string,
  at: string | undefined,
  fromSnap: string | null,
  wholeObject: boolean,
): Promise<RealDiff[]> {
  return withImage(
    name,
    async (ictx) => {
      const out: RealDiff[] = [];
      await diffIterate(
        ictx,
        { fromSnapName: fromSnap, offset: 0, length: ictx.size, includeParent: true, wholeObject },
        (offset, length, exists) => {
          out.push({ offset, length, exists: exists ? 'true' : 'false' });
        },
      );
      return out;
    },
    at,
  );
}

async function realDiff(spec: string, fromSnap: string | null, wholeObject: boolean): Promise<RealDiff[]> {
  const args = ['diff', spec];
  if (fromSnap) args.push('--from-snap', fromSnap);
  if (wholeObject) args.push('--whole-object');
  return rbdJson<RealDiff[]>(...args);
}

/** Every (from, to) pair of versions, with and without --whole-object. */
async function compareAllDiffs(name: string, snaps: string[]): Promise<number> {
  let cases = 0;
  const versions: (string | undefined)[] = [...snaps, undefined];
  for (let t = 0; t < versions.length; t++) {
    const to = versions[t];
    for (const from of [null, ...snaps.slice(0, t)]) {
      for (const whole of [false, true]) {
        const spec = to ? `rbd/${name}@${to}` : `rbd/${name}`;
        const real = await realDiff(spec, from, whole);
        const ours = await ourDiff(name, to, from, whole);
        assert.deepEqual(ours, real, `${spec} from ${from ?? 'creation'}${whole ? ' whole-object' : ''}`);
        cases++;
      }
    }
  }
  return cases;
}

async function bench(spec: string, ioSize: string, total: string, pattern = 'rand'): Promise<void> {
  await rbd(
    'bench',
    '--io-type',
    'write',
    '--io-size',
    ioSize,
    '--io-total',
    total,
    '--io-pattern',
    pattern,
    spec,
  );
}

describe('rbd-misc diff', () => {
  for (const [label, createArgs] of [
    ['fast-diff', ['--object-size', '1M']],
    ['no object map', ['--object-size', '1M', '--image-feature', 'layering,exclusive-lock']],
    ['striped 64K x 4', ['--object-size', '1M', '--stripe-unit', '64K', '--stripe-count', '4']],
  ] as const) {
    test(`diff: ${label} — every snapshot pair, whole-object or not, equals rbd diff`, async () => {
      const name = img(`d-${label.replace(/\W+/g, '')}`);
      await rbd('create', '--size', '12M', ...createArgs, `rbd/${name}`);
      await bench(`rbd/${name}`, '16K', '256K');
      await rbd('snap', 'create', `rbd/${name}@s1`);
      await bench(`rbd/${name}`, '4K', '64K');
      await bench(`rbd/${name}`, '256K', '2M', 'seq');
      await rbd('snap', 'create', `rbd/${name}@s2`);
      // shrink (truncates and removes objects) and grow back: holes where data was
      await rbd('resize', '--allow-shrink', '--size', '6500K', `rbd/${name}`);
      await rbd('resize', '--size', '12M', `rbd/${name}`);
      await rbd('snap', 'create', `rbd/${name}@s3`);
      await bench(`rbd/${name}`, '8K', '32K');
      const cases = await compareAllDiffs(name, ['s1', 's2', 's3']);
      assert.equal(cases, 20);
    });
  }

  test('diff: a clone reports its parent data from creation (include-parent) and only its own from a snapshot', async () => {
    for (const features of ['layering', 'layering,exclusive-lock,object-map,fast-diff']) {
      const p = img(`dp-${features.length}`);
      await rbd('create', '--size', '6M', '--object-size', '1M', '--image-feature', features, `rbd/${p}`);
      await bench(`rbd/${p}`, '64K', '1M');
      await rbd('snap', 'create', `rbd/${p}@s`);
      await rbd('snap', 'protect', `rbd/${p}@s`);
      const c = `${p}-c`;
      await rbd('clone', '--image-feature', features, `rbd/${p}@s`, `rbd/${c}`);
      await bench(`rbd/${c}`, '4K', '16K');
      await rbd('snap', 'create', `rbd/${c}@cs`);
      await bench(`rbd/${c}`, '4K', '16K');
      // shrink the clone below the parent overlap
      await rbd('resize', '--allow-shrink', '--size', '5M', `rbd/${c}`);
      await compareAllDiffs(c, ['cs']);
    }
  });

  test('diff: rbd du (whole-object and --exact, without the parent) sums our extents per snapshot', async () => {
    const p = img('du');
    await rbd('create', '--size', '8M', '--object-size', '1M', `rbd/${p}`);
    await bench(`rbd/${p}`, '64K', '1M');
    await rbd('snap', 'create', `rbd/${p}@s`);
    await rbd('snap', 'protect', `rbd/${p}@s`);
    const c = `${p}-c`;
    await rbd('clone', `rbd/${p}@s`, `rbd/${c}`);
    for (const n of [p, c]) {
      await bench(`rbd/${n}`, '4K', '64K');
      await rbd('snap', 'create', `rbd/${n}@u1`);
      await bench(`rbd/${n}`, '16K', '128K');
    }
    for (const n of [p, c]) {
      for (const exact of [false, true]) {
        const real = await rbdJson<{ images: { snapshot?: string; used_size: number }[] }>(
          'du',
          ...(exact ? ['--exact'] : []),
          `rbd/${n}`,
        );
        let from: string | null = null;
        for (const entry of real.images) {
          let used = 0;
          await withImage(
            n,
            (ictx) =>
              diffIterate(
                ictx,
                {
                  fromSnapName: from,
                  offset: 0,
                  length: ictx.size,
                  includeParent: false,
                  wholeObject: !exact,
                },
                (_o, len, exists) => {
                  if (exists) used += len;
                },
              ),
            entry.snapshot,
          );
          assert.equal(used, entry.used_size, `${n}@${entry.snapshot ?? 'head'}${exact ? ' exact' : ''}`);
          from = entry.snapshot ?? null;
        }
      }
    }
  });

  test('diff: errors — unknown from-snapshot ENOENT, from a newer snapshot EINVAL, offset past the end EINVAL', async () => {
    const name = img('derr');
    await rbd('create', '--size', '2M', `rbd/${name}`);
    await rbd('snap', 'create', `rbd/${name}@a`);
    await rbd('snap', 'create', `rbd/${name}@b`);
    const none = () => undefined;
    await withImage(name, async (ictx) => {
      await rejectsWith(
        diffIterate(
          ictx,
          { fromSnapName: 'zz', offset: 0, length: 1, includeParent: true, wholeObject: false },
          none,
        ),
        'ENOENT',
      );
      await rejectsWith(
        diffIterate(ictx, { offset: 2 << 20, length: 1, includeParent: true, wholeObject: false }, none),
        'EINVAL',
      );
    });
    // a callback that throws stops the iteration with its error
    const big = img('dstop');
    await rbd('create', '--size', '8M', '--object-size', '1M', `rbd/${big}`);
    await bench(`rbd/${big}`, '4K', '256K');
    await withImage(big, async (ictx) => {
      const seen: number[] = [];
      await assert.rejects(
        diffIterate(
          ictx,
          { offset: 0, length: ictx.size, includeParent: true, wholeObject: false },
          (off) => {
            seen.push(off);
            if (seen.length === 2) throw new Error('stop here');
          },
        ),
        /stop here/,
      );
      assert.equal(seen.length, 2);
    });
    await withImage(
      name,
      async (ictx) => {
        await rejectsWith(
          diffIterate(
            ictx,
            { fromSnapName: 'b', offset: 0, length: 1, includeParent: true, wholeObject: false },
            none,
          ),
          'EINVAL',
        );
      },
      'a',
    );
  });
});

// ---------------------------------------------------------------- advisory locks and watchers

interface RealLock {
  id: string;
  locker: string;
  address: string;
}

describe('rbd-misc locks and watchers', () => {
  test('lock: our exclusive lock in rbd lock ls; real shared locks in ours; conflicts and unknown cookies', async () => {
    const name = img('lk1');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    await withImage(name, async (ictx) => {
      await lockExclusive(ictx, 'mine');
      const real = await rbdJson<RealLock[]>('lock', 'ls', `rbd/${name}`);
      assert.deepEqual(
        real.map((l) => l.locker),
        [`client.${rados.instanceId}`],
      );
      const ours = await listLockers(ictx);
      assert.equal(ours.exclusive, true);
      assert.equal(ours.tag, '');
      assert.deepEqual(
        ours.lockers.map((l) => ({ id: l.cookie, locker: l.client, address: l.address })),
        real,
      );
      await rejectsWith(lockExclusive(ictx, 'mine'), 'EEXIST');
      const taken = await exec('rbd', ['lock', 'add', `rbd/${name}`, 'theirs']);
      assert.equal(taken.code, 16);
      await rejectsWith(unlockImage(ictx, 'not-mine'), 'ENOENT');
      await unlockImage(ictx, 'mine');
      assert.deepEqual(await rbdJson<RealLock[]>('lock', 'ls', `rbd/${name}`), []);
      // cls_lock keeps the lock's type once the last holder is gone, and librbd reports it
      assert.deepEqual(await listLockers(ictx), { exclusive: true, tag: '', lockers: [] });
    });

    const shared = img('lk2');
    await rbd('create', '--size', '1M', `rbd/${shared}`);
    await rbd('lock', 'add', '--shared', 'tagA', `rbd/${shared}`, 'L1');
    await rbd('lock', 'add', '--shared', 'tagA', `rbd/${shared}`, 'L2');
    await withImage(shared, async (ictx) => {
      const ours = await listLockers(ictx);
      assert.equal(ours.exclusive, false);
      assert.equal(ours.tag, 'tagA');
      assert.deepEqual(
        ours.lockers.map((l) => ({ id: l.cookie, locker: l.client, address: l.address })),
        await rbdJson<RealLock[]>('lock', 'ls', `rbd/${shared}`),
      );
      await rejectsWith(lockShared(ictx, 'L3', 'tagB'), 'EBUSY');
      await rejectsWith(lockExclusive(ictx, 'L3'), 'EBUSY');
      await lockShared(ictx, 'L3', 'tagA');
      const real = await rbdJson<RealLock[]>('lock', 'ls', `rbd/${shared}`);
      assert.deepEqual(real.map((l) => l.id).sort(), ['L1', 'L2', 'L3']);
      // both in locker_id_t order: our client has the lowest gid
      assert.deepEqual(
        (await listLockers(ictx)).lockers.map((l) => ({
          id: l.cookie,
          locker: l.client,
          address: l.address,
        })),
        real,
      );
    });
  });

  test('lock: our break blocklists the holder and removes its lock; the real rm breaks ours', async () => {
    const name = img('lk3');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    await rbd('lock', 'add', `rbd/${name}`, 'held');
    const [holder] = await rbdJson<RealLock[]>('lock', 'ls', `rbd/${name}`);
    await withImage(name, async (ictx) => {
      await rejectsWith(breakLock(ictx, 'client.999999', 'held'), 'ENOENT');
      await rejectsWith(breakLock(ictx, 'nonsense', 'held'), 'EINVAL');
      await breakLock(ictx, holder!.locker, 'held');
      assert.deepEqual((await listLockers(ictx)).lockers, []);
    });
    assert.match(await ceph('osd', 'blocklist', 'ls'), new RegExp(holder!.address.replace(/[.]/g, '\\.')));

    // a second client of ours holds the lock; the real rm breaks it
    const c = new Config({ environment: 'library' });
    c.set('mon_host', String(rados.config.getValue('mon_host')));
    const other = await Rados.connect(c);
    try {
      const oio = await other.ioCtx('rbd');
      const octx = await openImage(other, oio, { name });
      try {
        await lockExclusive(octx, 'ours');
        await rbd('lock', 'rm', `rbd/${name}`, 'ours', `client.${other.instanceId}`);
      } finally {
        await closeImage(octx);
      }
    } finally {
      await other.shutDown();
    }
    assert.deepEqual(await rbdJson<RealLock[]>('lock', 'ls', `rbd/${name}`), []);
  });

  test('watchers: ours equal rbd status (a real rbd watch and a watch of ours)', async () => {
    const name = img('w');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    const watcher: ChildProcess = spawn('rbd', ['-c', confPath, 'watch', `rbd/${name}`], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    try {
      await withImage(name, async (ictx) => {
        const cookie = await ictx.mdIoCtx.watch(ictx.headerOid, {
          onNotify: () => undefined,
          onError: () => undefined,
        } as never);
        try {
          let real: { watchers: { address: string; client: number; cookie: number }[] } = { watchers: [] };
          for (let i = 0; i < 50 && real.watchers.length < 2; i++) {
            real = await rbdJson('status', `rbd/${name}`);
            if (real.watchers.length < 2) await new Promise((r) => setTimeout(r, 200));
          }
          assert.equal(real.watchers.length, 2);
          const ours = await listWatchers(ictx);
          const key = (w: { address: string; client: number; cookie: number }) => `${w.client}/${w.cookie}`;
          assert.deepEqual(
            ours
              .map((w) => ({ address: w.addr, client: Number(w.id), cookie: Number(w.cookie) }))
              .sort((a, b) => key(a).localeCompare(key(b))),
            real.watchers.sort((a, b) => key(a).localeCompare(key(b))),
          );
          assert.ok(ours.some((w) => w.cookie === cookie && w.id === rados.instanceId));
        } finally {
          await ictx.mdIoCtx.unwatch(cookie);
        }
      });
    } finally {
      watcher.stdin!.end('\n');
      watcher.kill();
    }
  });
});

// ---------------------------------------------------------------- metadata, features, rename, pool init

describe('rbd-misc image operations', () => {
  test('metadata: set/get/list/remove agree with rbd image-meta; conf_ keys are validated like librbd', async () => {
    const name = img('m');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    await withImage(name, async (ictx) => {
      await metadataSet(ictx, 'k1', 'v1');
      await metadataSet(ictx, 'conf_rbd_cache', 'false');
      await metadataSet(ictx, 'conf_', 'plain key');
      await metadataSet(ictx, 'conf_rbd_default_map_options', 'x');
      await rbd('image-meta', 'set', `rbd/${name}`, 'k2', 'v 2');
      const real = await rbdJson<Record<string, string>>('image-meta', 'list', `rbd/${name}`);
      assert.deepEqual(Object.fromEntries(await metadataList(ictx)), real);
      assert.equal(await metadataGet(ictx, 'k2'), 'v 2');
      assert.equal(ictx.header.configOverrides.get('rbd_cache'), 'false');
      assert.deepEqual(Object.fromEntries(await metadataList(ictx, 'k1', 1)), { k2: 'v 2' });
      for (const [k, v] of [
        ['conf_rbd_xyz', '1'],
        ['conf_rbd_default_features', '61'],
        ['conf_rbd_mirror_journal_poll_age', '3'],
        ['conf_rbd_validate_pool', 'false'],
        ['conf_osd_max_backfills', '3'],
        ['conf_rbd_cache', 'notbool'],
        ['conf_rbd_cache_size', '12abc'],
      ] as const) {
        await rejectsWith(metadataSet(ictx, k, v), 'EINVAL');
        assert.equal(
          (await exec('rbd', ['image-meta', 'set', `rbd/${name}`, k, v])).code,
          22,
          `real rbd on ${k}=${v}`,
        );
      }
      await metadataRemove(ictx, 'k1');
      await metadataRemove(ictx, 'conf_rbd_cache');
      assert.equal(ictx.header.configOverrides.get('rbd_cache'), undefined);
      await rejectsWith(metadataRemove(ictx, 'k1'), 'ENOENT');
      await rejectsWith(metadataGet(ictx, 'k1'), 'ENOENT');
      assert.deepEqual(
        Object.fromEntries(await metadataList(ictx)),
        await rbdJson('image-meta', 'list', `rbd/${name}`),
      );
    });
    const ro = await openImage(rados, io, { name, readOnly: true });
    try {
      await rejectsWith(metadataSet(ro, 'k', 'v'), 'EROFS');
      await rejectsWith(metadataRemove(ro, 'k2'), 'EROFS');
    } finally {
      await closeImage(ro);
    }
  });

  test('features: our enable/disable leaves the header, flags and object maps the real rbd leaves', async () => {
    const ours = img('f-ours');
    const theirs = img('f-real');
    for (const n of [ours, theirs]) {
      await rbd('create', '--size', '10M', '--object-size', '1M', `rbd/${n}`);
      await bench(`rbd/${n}`, '64K', '512K');
      await rbd('snap', 'create', `rbd/${n}@s`);
      await rbd('resize', '--size', '14M', `rbd/${n}`);
    }
    const info = (n: string, snap?: string) =>
      rbdJson<{ id: string; features: string[]; flags: string[] }>(
        'info',
        snap ? `rbd/${n}@${snap}` : `rbd/${n}`,
      );
    const maps = async (n: string): Promise<string[]> => {
      const id = (await info(n)).id;
      const objs = (await rados_('-p', 'rbd', 'ls'))
        .split('\n')
        .filter((o) => o.startsWith(`rbd_object_map.${id}`));
      const out: string[] = [];
      for (const o of objs.sort()) {
        const file = `/tmp/rbd-misc-${o}`;
        await rados_('-p', 'rbd', 'get', o, file);
        out.push(
          (o === `rbd_object_map.${id}` ? 'head' : 'snap') +
            ':' +
            (await import('node:fs')).readFileSync(file).toString('hex'),
        );
      }
      return out;
    };
    const same = async (what: string) => {
      const [a, b] = [await info(ours), await info(theirs)];
      assert.deepEqual([a.features, a.flags], [b.features, b.flags], what);
      const [sa, sb] = [await info(ours, 's'), await info(theirs, 's')];
      assert.deepEqual(sa.flags, sb.flags, `${what} (snapshot)`);
      assert.deepEqual(await maps(ours), await maps(theirs), `${what} (object maps)`);
    };

    await withImage(ours, (ictx) => updateFeatures(ictx, RbdFeature.FAST_DIFF, false));
    await rbd('feature', 'disable', `rbd/${theirs}`, 'fast-diff');
    await same('disable fast-diff');
    assert.deepEqual((await info(ours)).features, ['layering', 'exclusive-lock', 'deep-flatten']);

    await withImage(ours, (ictx) => updateFeatures(ictx, RbdFeature.OBJECT_MAP, true));
    await rbd('feature', 'enable', `rbd/${theirs}`, 'object-map');
    await same('enable object-map');
    assert.deepEqual((await info(ours)).flags, ['object map invalid', 'fast diff invalid']);
    await rbd('object-map', 'rebuild', `rbd/${ours}`);
    assert.deepEqual((await info(ours)).flags, []);

    await withImage(ours, async (ictx) => {
      await rejectsWith(updateFeatures(ictx, RbdFeature.EXCLUSIVE_LOCK, false), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, RbdFeature.EXCLUSIVE_LOCK, true), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, RbdFeature.NON_PRIMARY, true), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, RbdFeature.DEEP_FLATTEN, true), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, RbdFeature.LAYERING, false), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, 0n, true), 'EINVAL');
      await rejectsWith(updateFeatures(ictx, RbdFeature.JOURNALING, true), 'EOPNOTSUPP');
      await updateFeatures(ictx, RbdFeature.DEEP_FLATTEN, false);
      await updateFeatures(ictx, RbdFeature.OBJECT_MAP | RbdFeature.FAST_DIFF, false);
      await updateFeatures(ictx, RbdFeature.EXCLUSIVE_LOCK, false);
      assert.deepEqual(featureNames(ictx.features), ['layering']);
      await rejectsWith(updateFeatures(ictx, RbdFeature.FAST_DIFF, true), 'EINVAL');
      await updateFeatures(ictx, RbdFeature.EXCLUSIVE_LOCK, true);
      assert.equal(ictx.header.flags & RbdFlag.OBJECT_MAP_INVALID, 0n);
    });
    for (const f of ['deep-flatten', 'object-map', 'exclusive-lock'])
      await rbd('feature', 'disable', `rbd/${theirs}`, f);
    await rbd('feature', 'enable', `rbd/${theirs}`, 'exclusive-lock');
    await same('disable deep-flatten, object-map, exclusive-lock; enable exclusive-lock');
    await withImage(
      ours,
      (ictx) => rejectsWith(updateFeatures(ictx, RbdFeature.OBJECT_MAP, true), 'EROFS'),
      's',
    );
  });

  test('rename: our rename is seen by rbd ls/info; EEXIST on a taken name; the real rename back opens by name', async () => {
    const name = img('r');
    await rbd('create', '--size', '1M', `rbd/${name}`);
    await rbd('create', '--size', '1M', `rbd/${name}-taken`);
    const id = (await rbdJson<{ id: string }>('info', `rbd/${name}`)).id;
    await withImage(name, async (ictx) => {
      await rejectsWith(renameImage(ictx, `${name}-taken`), 'EEXIST');
      await rejectsWith(renameImage(ictx, name), 'EEXIST');
      await renameImage(ictx, `${name}-new`);
      assert.equal(ictx.name, `${name}-new`);
    });
    const listed = await rbdJson<string[]>('ls', 'rbd');
    assert.ok(listed.includes(`${name}-new`) && !listed.includes(name));
    assert.equal((await rbdJson<{ id: string }>('info', `rbd/${name}-new`)).id, id);
    assert.ok(!(await rados_('-p', 'rbd', 'ls')).split('\n').includes(`rbd_id.${name}`));
    await rbd('rename', `rbd/${name}-new`, `rbd/${name}`);
    await withImage(name, async (ictx) => assert.equal(ictx.id, id));
  });

  test('pool init: application and rbd_info as the real rbd pool init leaves them; another owner is EPERM unless forced', async () => {
    const ours = `pi-ours-${run}`;
    const theirs = `pi-real-${run}`;
    for (const p of [ours, theirs]) await ceph('osd', 'pool', 'create', p, '8');
    await poolInit(rados, await rados.ioCtx(ours), false);
    await rbd('pool', 'init', theirs);
    for (const p of [ours, theirs]) {
      assert.deepEqual(JSON.parse(await ceph('osd', 'pool', 'application', 'get', p, '--format', 'json')), {
        rbd: {},
      });
      const file = `/tmp/rbd-misc-info-${p}`;
      await rados_('-p', p, 'get', 'rbd_info', file);
      assert.equal((await import('node:fs')).readFileSync(file, 'utf8'), 'overwrite validated');
    }
    await poolInit(rados, await rados.ioCtx(ours), false);

    const other = `pi-fs-${run}`;
    await ceph('osd', 'pool', 'create', other, '8');
    await ceph('osd', 'pool', 'application', 'enable', other, 'cephfs');
    await rejectsWith(poolInit(rados, await rados.ioCtx(other), false), 'EPERM');
    await poolInit(rados, await rados.ioCtx(other), true);
    assert.deepEqual(
      Object.keys(
        JSON.parse(await ceph('osd', 'pool', 'application', 'get', other, '--format', 'json')),
      ).sort(),
      ['cephfs', 'rbd'],
    );
  });
});
