/**
 * The object map against real librbd 16.2.15 on a real Pacific cluster
 * (1 bluestore OSD, ports 48100..48199): images written by the real `rbd`
 * (plain and striped, two snapshots each), then
 *   - `object_map_load` replies and stored objects decode and re-encode byte for byte;
 *   - our rebuild from scratch stores maps byte-identical to the real librbd's (head and snapshots);
 *   - our check finds nothing on real maps;
 *   - a flipped entry: our check and the real `rbd object-map check` report the same object
 *     and both flag the map invalid; our rebuild and the real one repair it to the same bytes;
 *   - a conservative entry (EXISTS for an absent object) is reported but invalidates nothing;
 *   - the IO protocol (EXISTS before a write, PENDING → remove → NONEXISTENT) leaves a map the
 *     real check accepts;
 *   - fast-diff extents equal `rbd diff --whole-object --format json` for every snapshot pair;
 *   - on twin images (same `rbd import`, same `rbd bench --io-pattern seq` writes), our snapshot
 *     add / remove / grow of one twin's maps leave the bytes the real `rbd snap create`,
 *     `rbd snap rm` and `rbd resize` leave on the other.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import { setFlagsOn } from '../../src/cls/rbd/client.js';
import { CEPH_NOSNAP } from '../../src/encoding/osd-types.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import { Rados } from '../../src/rados/rados.js';
import { dataObjectName, type FileLayout } from '../../src/rbd/io/striper.js';
import {
  BitVector,
  diffObjectMaps,
  diffExtents,
  loadObjectMap,
  ObjectMap,
  ObjectMapFlag,
  ObjectMapState,
  objectMapName,
  type ObjectMapImage,
} from '../../src/rbd/object-map/index.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

let cluster: RealCluster;
let rados: Rados;
let io: IoCtx;

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function exec(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      ['-c', cluster.confPath, ...args],
      { encoding: 'buffer', maxBuffer: 1 << 28 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.toString() });
      },
    );
  });
}

async function rbd(...args: string[]): Promise<string> {
  const r = await exec('rbd', args);
  assert.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.toString();
}

const FLAG_NAMES: [bigint, string][] = [
  [ObjectMapFlag.OBJECT_MAP_INVALID, 'object map invalid'],
  [ObjectMapFlag.FAST_DIFF_INVALID, 'fast diff invalid'],
];

/** An image as the real `rbd info` describes it, with flags changed through cls set_flags. */
class RealImage implements ObjectMapImage {
  headerIoCtx = io;
  dataIoCtx = io;
  imageId = '';
  objectPrefix = '';
  layout: FileLayout = { stripeUnit: 0, stripeCount: 0, objectSize: 0 };
  features = 0n;
  sizes = new Map<bigint, number>();
  flags = new Map<bigint, bigint>();
  snapsByName = new Map<string, bigint>();
  concurrentManagementOps = 10;

  constructor(readonly name: string) {}

  async refresh(): Promise<this> {
    const info = JSON.parse(await rbd('info', '--format', 'json', `rbd/${this.name}`));
    this.imageId = info.id;
    this.objectPrefix = info.block_name_prefix;
    this.layout = {
      objectSize: info.object_size,
      stripeUnit: info.stripe_unit ?? info.object_size,
      stripeCount: info.stripe_count ?? 1,
    };
    const bits: Record<string, bigint> = {
      layering: 1n,
      striping: 2n,
      'exclusive-lock': 4n,
      'object-map': 8n,
      'fast-diff': 16n,
      'deep-flatten': 32n,
    };
    this.features = (info.features as string[]).reduce((f, n) => f | (bits[n] ?? 0n), 0n);
    const parseFlags = (names: string[]): bigint =>
      FLAG_NAMES.reduce((f, [bit, n]) => (names.includes(n) ? f | bit : f), 0n);
    this.sizes = new Map([[CEPH_NOSNAP, info.size]]);
    this.flags = new Map([[CEPH_NOSNAP, parseFlags(info.flags)]]);
    this.snapsByName.clear();
    for (const s of JSON.parse(await rbd('snap', 'ls', '--format', 'json', `rbd/${this.name}`))) {
      const id = BigInt(s.id);
      const snapInfo = JSON.parse(await rbd('info', '--format', 'json', `rbd/${this.name}@${s.name}`));
      this.snapsByName.set(s.name, id);
      this.sizes.set(id, s.size);
      this.flags.set(id, parseFlags(snapInfo.flags));
    }
    return this;
  }

  snap(name: string | null): bigint {
    return name === null ? CEPH_NOSNAP : this.snapsByName.get(name)!;
  }
  sizeAt(snapId: bigint): number {
    return this.sizes.get(snapId)!;
  }
  snapIds(): bigint[] {
    return [...this.snapsByName.values()];
  }
  flagsAt(snapId: bigint): bigint {
    return this.flags.get(snapId) ?? 0n;
  }
  async updateFlags(snapId: bigint, flags: bigint, mask: bigint): Promise<void> {
    await setFlagsOn(io, `rbd_header.${this.imageId}`, snapId, flags, mask);
    this.flags.set(snapId, (this.flagsAt(snapId) & ~mask) | (flags & mask));
  }
  async storedMap(snapId: bigint): Promise<Buffer> {
    return io.read(objectMapName(this.imageId, snapId), 0);
  }
  versions(): bigint[] {
    return [...this.snapIds(), CEPH_NOSNAP];
  }
}

/**
 * The benches below send 2 816 random 4 KiB writes per image. The tests need objects the writes
 * missed, so each image has far more objects than that leaves room for: 1 024 (plain) and 2 048
 * (striped) objects leave ~65 and ~520 untouched. (With 512 striped objects, ~2 were left, and
 * none at all in about one run in eight.)
 */
const IMAGES: { name: string; create: string[] }[] = [
  { name: 'plain', create: ['--size', '4G'] },
  {
    name: 'striped',
    create: ['--size', '2G', '--object-size', '1M', '--stripe-unit', '64K', '--stripe-count', '4'],
  },
];

async function bench(name: string, total: string): Promise<void> {
  await rbd(
    'bench',
    '--io-type',
    'write',
    '--io-size',
    '4K',
    '--io-pattern',
    'rand',
    '--io-total',
    total,
    `rbd/${name}`,
  );
}

before(async () => {
  cluster = await startRealCluster({
    name: 'rbd-object-map',
    basePort: 48100,
    osds: 1,
    objectStore: 'bluestore',
    rbdPool: true,
  });
  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  rados = await Rados.connect(config);
  io = await rados.ioCtx('rbd');
  for (const { name, create } of IMAGES) {
    await rbd('create', ...create, `rbd/${name}`);
    await bench(name, '8M');
    await rbd('snap', 'create', `rbd/${name}@s1`);
    await bench(name, '2M');
    await rbd('snap', 'create', `rbd/${name}@s2`);
    await bench(name, '1M');
  }
});

after(async () => {
  await rados?.shutDown();
  await cluster?.stop();
});

/** Real check: the objects it logged as errors, and whether it left the head flagged invalid. */
async function realCheck(image: RealImage): Promise<{ errors: string[]; invalid: boolean }> {
  const r = await exec('rbd', ['object-map', 'check', `rbd/${image.name}`]);
  assert.equal(r.code, 0, r.stderr);
  const errors = [
    ...r.stderr.matchAll(/object map error: object (\S+) marked as (\d), but should be (\d)/g),
  ].map((m) => `${m[1]} ${m[2]}->${m[3]}`);
  await image.refresh();
  return { errors, invalid: (image.flagsAt(CEPH_NOSNAP) & ObjectMapFlag.OBJECT_MAP_INVALID) !== 0n };
}

async function withMap<T>(image: RealImage, snapId: bigint, body: (m: ObjectMap) => Promise<T>): Promise<T> {
  const map = new ObjectMap(image, snapId);
  const opened = await map.open();
  assert.equal(opened.invalidated, false);
  try {
    return await body(map);
  } finally {
    await map.close();
  }
}

for (const { name } of IMAGES) {
  test(`object map interop: ${name}: load replies and stored objects are Ceph's bytes`, async () => {
    const image = await new RealImage(name).refresh();
    for (const snapId of image.versions()) {
      const stored = await image.storedMap(snapId);
      const real = await exec('rados', ['-p', 'rbd', 'get', objectMapName(image.imageId, snapId), '-']);
      assert.equal(real.code, 0, real.stderr);
      assert.equal(real.stdout.compare(stored), 0, 'rados get = our read');
      const decoded = BitVector.decode(stored);
      assert.deepEqual(decoded.encode(), stored);
      const loaded = await loadObjectMap(image, snapId);
      assert.ok(loaded.equals(decoded));
      const { objectMapLoad } = await import('../../src/cls/rbd/client.js');
      const reply = await objectMapLoad(io, objectMapName(image.imageId, snapId));
      assert.deepEqual(reply, decoded.encode({ crc: false }), 'object_map_load reply = crc-less encoding');
    }
  });

  test(`object map interop: ${name}: rebuild from scratch gives the real librbd's maps, check is clean`, async () => {
    const image = await new RealImage(name).refresh();
    const before = new Map<bigint, Buffer>();
    for (const snapId of image.versions()) before.set(snapId, await image.storedMap(snapId));
    const counts = BitVector.decode(before.get(image.snap('s2'))!).countStates();
    assert.ok(counts[ObjectMapState.EXISTS]! > 0 && counts[ObjectMapState.EXISTS_CLEAN]! > 0, `${counts}`);
    for (const snapId of image.versions()) {
      await withMap(image, snapId, async (map) => {
        const report = await map.check();
        assert.deepEqual(report.mismatches, [], `check of ${snapId}`);
        assert.equal(report.invalidated, false);
        await map.rebuild({ fromScratch: true });
      });
      assert.deepEqual(await image.storedMap(snapId), before.get(snapId), `rebuilt map of ${snapId}`);
    }
    const real = await realCheck(image);
    assert.deepEqual(real, { errors: [], invalid: false });
  });

  test(`object map interop: ${name}: a wrong entry is reported by both checks and repaired alike`, async () => {
    const image = await new RealImage(name).refresh();
    const good = await image.storedMap(CEPH_NOSNAP);
    const goodMap = BitVector.decode(good);
    let victim = -1;
    let absent = -1;
    for (let i = 0; i < goodMap.size && (victim < 0 || absent < 0); i++) {
      if (victim < 0 && goodMap.get(i) === ObjectMapState.EXISTS) victim = i;
      if (absent < 0 && goodMap.get(i) === ObjectMapState.NONEXISTENT) absent = i;
    }
    assert.ok(victim >= 0 && absent >= 0);
    const victimName = dataObjectName(image.objectPrefix, victim);
    const corrupt = async (): Promise<void> =>
      withMap(image, CEPH_NOSNAP, async (map) => {
        map.map.set(victim, ObjectMapState.NONEXISTENT);
        await map.save();
      });

    // ours finds it and flags the map
    await corrupt();
    const ours = await withMap(image, CEPH_NOSNAP, (map) => map.check());
    assert.deepEqual(ours.mismatches, [
      {
        objectNo: victim,
        current: ObjectMapState.NONEXISTENT,
        expected: ObjectMapState.EXISTS,
        invalidates: true,
      },
    ]);
    assert.equal(ours.invalidated, true);
    await image.refresh();
    assert.equal(
      image.flagsAt(CEPH_NOSNAP),
      ObjectMapFlag.OBJECT_MAP_INVALID | ObjectMapFlag.FAST_DIFF_INVALID,
    );

    // our rebuild repairs it and clears the flags (the real check agrees)
    await withMap(image, CEPH_NOSNAP, (map) => map.rebuild());
    assert.deepEqual(await image.storedMap(CEPH_NOSNAP), good);
    assert.deepEqual(await realCheck(image), { errors: [], invalid: false });

    // the real check finds the same object; the real rebuild repairs it to the same bytes
    await corrupt();
    assert.deepEqual(await realCheck(image), { errors: [`${victimName} 0->1`], invalid: true });
    await rbd('object-map', 'rebuild', `rbd/${image.name}`);
    assert.deepEqual(await image.storedMap(CEPH_NOSNAP), good);
    await image.refresh();
    assert.equal(image.flagsAt(CEPH_NOSNAP), 0n);

    // "may exist" for an absent object is a mismatch, not an error, for both
    await withMap(image, CEPH_NOSNAP, async (map) => {
      map.map.set(absent, ObjectMapState.EXISTS);
      await map.save();
    });
    const conservative = await withMap(image, CEPH_NOSNAP, (map) => map.check());
    assert.deepEqual(conservative, {
      mismatches: [
        {
          objectNo: absent,
          current: ObjectMapState.EXISTS,
          expected: ObjectMapState.NONEXISTENT,
          invalidates: false,
        },
      ],
      invalidated: false,
    });
    assert.deepEqual(await realCheck(image), { errors: [], invalid: false });
    // rebuild keeps an EXISTS head entry (a write may be landing) — as the real one does
    await withMap(image, CEPH_NOSNAP, (map) => map.rebuild());
    const ourKept = await image.storedMap(CEPH_NOSNAP);
    await rbd('object-map', 'rebuild', `rbd/${image.name}`);
    assert.deepEqual(await image.storedMap(CEPH_NOSNAP), ourKept);
    assert.equal(BitVector.decode(ourKept).get(absent), ObjectMapState.EXISTS);
    await withMap(image, CEPH_NOSNAP, async (map) => {
      map.map.set(absent, ObjectMapState.NONEXISTENT);
      await map.save();
    });
    assert.deepEqual(await image.storedMap(CEPH_NOSNAP), good);
  });

  test(`object map interop: ${name}: the IO protocol keeps a map the real check accepts`, async () => {
    const image = await new RealImage(name).refresh();
    const data = io.dup();
    const snaps = image.snapIds().sort((a, b) => (a > b ? -1 : 1));
    data.setSnapContext(snaps[0]!, snaps);
    await withMap(image, CEPH_NOSNAP, async (map) => {
      let fresh = -1;
      let old = -1;
      for (let i = 0; i < map.size && (fresh < 0 || old < 0); i++) {
        if (fresh < 0 && map.state(i) === ObjectMapState.NONEXISTENT) fresh = i;
        if (old < 0 && map.state(i) === ObjectMapState.EXISTS_CLEAN) old = i;
      }
      assert.ok(fresh >= 0 && old >= 0);
      assert.equal(map.objectMayExist(fresh), false);
      // write to a new object and to one unchanged since s2
      for (const objectNo of [fresh, old]) {
        await map.markObject(objectNo, ObjectMapState.EXISTS);
        await data.write(dataObjectName(image.objectPrefix, objectNo), Buffer.alloc(4096, 7), 8192);
      }
      assert.equal(map.state(fresh), ObjectMapState.EXISTS);
      assert.equal(map.state(old), ObjectMapState.EXISTS);
      // a second mark is not sent again
      assert.equal(await map.update(fresh, fresh + 1, ObjectMapState.EXISTS), false);
      // remove the new object: PENDING first, NONEXISTENT once gone (only from PENDING)
      await map.markObject(fresh, ObjectMapState.PENDING);
      await data.remove(dataObjectName(image.objectPrefix, fresh));
      await map.markObject(fresh, ObjectMapState.NONEXISTENT, ObjectMapState.PENDING);
      assert.equal(map.state(fresh), ObjectMapState.NONEXISTENT);
      const stored = BitVector.decode(await image.storedMap(CEPH_NOSNAP));
      assert.ok(stored.equals(map.map));
    });
    assert.deepEqual(await realCheck(image), { errors: [], invalid: false });
  });

  test(`object map interop: ${name}: fast diff equals rbd diff --whole-object`, async () => {
    const image = await new RealImage(name).refresh();
    const ends: (string | null)[] = ['s1', 's2', null];
    for (const [i, to] of ends.entries()) {
      for (const from of [null, ...(ends.slice(0, i) as string[])]) {
        const args = ['diff', '--whole-object', '--format', 'json'];
        if (from) args.push('--from-snap', from);
        args.push(`rbd/${image.name}${to ? `@${to}` : ''}`);
        const real = (
          JSON.parse(await rbd(...args)) as { offset: number; length: number; exists: string }[]
        ).map((e) => ({ offset: e.offset, length: e.length, exists: e.exists === 'true' }));
        const toId = image.snap(to);
        const state = await diffObjectMaps(image, from ? image.snap(from) : 0n, toId, { diffIterate: true });
        const ours = diffExtents(image.layout, state, 0, image.sizeAt(toId));
        assert.deepEqual(ours, real, `${from ?? 'start'}..${to ?? 'head'}`);
      }
    }
  });
}

test('object map interop: snapshot add, snapshot remove and grow match the real rbd on a twin image', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omap-twin-'));
  const file = join(dir, 'data');
  const data = Buffer.alloc(64 << 20);
  for (const mb of [0, 3, 4, 17, 40, 63]) data.fill(mb + 1, mb << 20, (mb << 20) + 8192);
  writeFileSync(file, data);
  for (const twin of ['twin-real', 'twin-ours'])
    await rbd('import', '--object-size', '1M', file, `rbd/${twin}`);
  const real = await new RealImage('twin-real').refresh();
  const ours = await new RealImage('twin-ours').refresh();
  const same = async (realSnap: bigint, ourSnap: bigint, what: string): Promise<void> =>
    assert.deepEqual(await ours.storedMap(ourSnap), await real.storedMap(realSnap), what);
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'imported heads');
  // Our twin's snapshots exist only as object maps: give the adapter their ids.
  const ourSnaps: bigint[] = [];
  ours.snapIds = () => [...ourSnaps];
  const seqWrite = async (name: string, total: string): Promise<void> =>
    void (await rbd(
      'bench',
      '--io-type',
      'write',
      '--io-size',
      '64K',
      '--io-pattern',
      'seq',
      '--io-total',
      total,
      `rbd/${name}`,
    ));

  await rbd('snap', 'create', 'rbd/twin-real@s1');
  ourSnaps.push(1000n);
  await withMap(ours, CEPH_NOSNAP, (map) => map.snapshotAdd(1000n));
  await real.refresh();
  await same(real.snap('s1'), 1000n, 's1 map');
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'head after s1');

  for (const twin of ['twin-real', 'twin-ours']) await seqWrite(twin, '6M');
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'head after writes');
  await rbd('snap', 'create', 'rbd/twin-real@s2');
  ourSnaps.push(1001n);
  await withMap(ours, CEPH_NOSNAP, (map) => map.snapshotAdd(1001n));
  await real.refresh();
  await same(real.snap('s2'), 1001n, 's2 map');
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'head after s2');
  for (const twin of ['twin-real', 'twin-ours']) await seqWrite(twin, '2M');

  // s1 goes: its changes fold into s2's map
  const s2 = real.snap('s2');
  await rbd('snap', 'rm', 'rbd/twin-real@s1');
  await withMap(ours, CEPH_NOSNAP, (map) => map.snapshotRemove(1000n));
  ourSnaps.shift();
  await same(s2, 1001n, 's2 map after s1 removed');
  await assert.rejects(io.stat(objectMapName(ours.imageId, 1000n)), (err) => isCephError(err, 'ENOENT'));

  // s2 goes: its changes fold into the head, on disk and in memory
  await rbd('snap', 'rm', 'rbd/twin-real@s2');
  await withMap(ours, CEPH_NOSNAP, async (map) => {
    await map.snapshotRemove(1001n);
    assert.ok(BitVector.decode(await ours.storedMap(CEPH_NOSNAP)).equals(map.map), 'in-memory head = stored');
  });
  ourSnaps.shift();
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'head after s2 removed');

  // grow: new objects start NONEXISTENT
  await rbd('resize', '--size', '100M', 'rbd/twin-real');
  await withMap(ours, CEPH_NOSNAP, async (map) => {
    await map.resize(100 << 20);
    ours.sizes.set(CEPH_NOSNAP, 100 << 20);
  });
  await same(CEPH_NOSNAP, CEPH_NOSNAP, 'head after grow');
});
