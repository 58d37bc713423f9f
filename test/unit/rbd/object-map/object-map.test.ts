/**
 * ObjectMap and its requests, path by path of each state diagram, over an
 * in-memory IoCtx (fake-io-ctx.ts). The same paths run against a real
 * cluster and real librbd in test/interop/rbd-object-map.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { CEPH_NOSNAP } from '../../../../src/encoding/osd-types.js';
import type { SnapSet } from '../../../../src/rados/operation.js';
import { dataObjectName, type FileLayout } from '../../../../src/rbd/io/striper.js';
import {
  BitVector,
  expectedObjectState,
  MAX_OBJECTS_PER_UPDATE,
  mismatchInvalidates,
  ObjectMap,
  ObjectMapFlag,
  ObjectMapState,
  objectMapName,
  rebuiltState,
  updateRequired,
  type ObjectMapImage,
} from '../../../../src/rbd/object-map/index.js';
import { FakeObjectMapIoCtx } from './fake-io-ctx.js';

const { NONEXISTENT: N, EXISTS: E, PENDING: P, EXISTS_CLEAN: C } = ObjectMapState;
const INVALID = ObjectMapFlag.OBJECT_MAP_INVALID | ObjectMapFlag.FAST_DIFF_INVALID;
const OBJECT_MAP = 8n;
const FAST_DIFF = 16n;
const HEAD_OID = objectMapName('abc');
const K = 4096;

class TestImage implements ObjectMapImage {
  readonly fake = new FakeObjectMapIoCtx();
  headerIoCtx = this.fake.ioCtx;
  dataIoCtx = this.fake.ioCtx;
  imageId = 'abc';
  objectPrefix = 'rbd_data.abc';
  layout: FileLayout = { stripeUnit: K, stripeCount: 1, objectSize: K };
  features = OBJECT_MAP | FAST_DIFF;
  sizes = new Map<bigint, number>([[CEPH_NOSNAP, 8 * K]]);
  concurrentManagementOps = 3;

  sizeAt(snapId: bigint): number {
    return this.sizes.get(snapId)!;
  }
  snapIds(): bigint[] {
    return [...this.sizes.keys()].filter((s) => s !== CEPH_NOSNAP);
  }
  flagsAt(snapId: bigint): bigint {
    return this.fake.flags.get(snapId) ?? 0n;
  }
  /** Store a map for a version. */
  put(snapId: bigint, states: number[]): void {
    this.fake.objects.set(objectMapName(this.imageId, snapId), BitVector.fromStates(states).encode());
  }
  stored(snapId: bigint): number[] {
    const m = BitVector.decode(this.fake.objects.get(objectMapName(this.imageId, snapId))!);
    return Array.from({ length: m.size }, (_, i) => m.get(i));
  }
}

const statesOf = (m: BitVector): number[] => Array.from({ length: m.size }, (_, i) => m.get(i));
const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: unknown) => (isCephError(err) ? err.code : String(err)),
  );

async function opened(image: TestImage, snapId = CEPH_NOSNAP): Promise<ObjectMap> {
  const map = new ObjectMap(image, snapId);
  assert.deepEqual(await map.open(), { invalidated: false, invalidFlags: 0n });
  return map;
}

describe('object map: rules', () => {
  it('object map rules: updates are required except to the same state, PENDING on absent, NONEXISTENT not from PENDING', () => {
    const table = [N, E, P, C].map((from) => [N, E, P, C].map((to) => (updateRequired(from, to) ? 1 : 0)));
    assert.deepEqual(table, [
      [0, 1, 0, 1],
      [0, 0, 1, 1],
      [1, 1, 0, 1],
      [0, 1, 1, 0],
    ]);
  });

  it('object map rules: expected states from snap sets (head and snapshots, fast-diff or not)', () => {
    const head = (seq: bigint): SnapSet => ({
      seq,
      clones: [{ cloneId: CEPH_NOSNAP, snaps: [], overlap: [], size: 1n }],
    });
    const snaps = [4n, 7n];
    // written before snapshot 4, never since: clean in the head and in 7, dirty in 4
    assert.equal(expectedObjectState(head(0n), CEPH_NOSNAP, snaps, true), C);
    assert.equal(expectedObjectState(head(0n), 4n, snaps, true), E);
    assert.equal(expectedObjectState(head(0n), 7n, snaps, true), C);
    assert.equal(expectedObjectState(head(0n), 7n, snaps, false), E);
    // written after 7: dirty head, absent in the snapshots
    assert.equal(expectedObjectState(head(7n), CEPH_NOSNAP, snaps, true), E);
    assert.equal(expectedObjectState(head(7n), 4n, snaps, true), N);
    // written before 4 and again after 7: a clone serves 4 and 7
    const cloned: SnapSet = {
      seq: 7n,
      clones: [
        { cloneId: 7n, snaps: [4n, 7n], overlap: [], size: 1n },
        { cloneId: CEPH_NOSNAP, snaps: [], overlap: [], size: 1n },
      ],
    };
    assert.equal(expectedObjectState(cloned, 4n, snaps, true), E);
    assert.equal(expectedObjectState(cloned, 7n, snaps, true), C);
    assert.equal(expectedObjectState(cloned, CEPH_NOSNAP, snaps, true), E);
    assert.equal(expectedObjectState(undefined, CEPH_NOSNAP, snaps, true), N);
    // removed after 7 but kept by the clone: absent in the head
    const removed: SnapSet = { seq: 7n, clones: [{ cloneId: 7n, snaps: [4n, 7n], overlap: [], size: 1n }] };
    assert.equal(expectedObjectState(removed, CEPH_NOSNAP, snaps, true), N);
  });

  it('object map rules: rebuild keeps a head EXISTS for an absent object; check invalidates only real errors', () => {
    assert.equal(rebuiltState(E, N, CEPH_NOSNAP), E);
    assert.equal(rebuiltState(E, N, 4n), N);
    assert.equal(rebuiltState(C, N, CEPH_NOSNAP), N);
    assert.equal(mismatchInvalidates(E, N), false);
    assert.equal(mismatchInvalidates(C, P), false);
    assert.equal(mismatchInvalidates(N, E), true);
    assert.equal(mismatchInvalidates(E, C), true);
  });
});

describe('object map: open', () => {
  it('object map open: loads the stored map and locks the head map', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, N, C, P, N, N, E, E]);
    const map = await opened(image);
    assert.deepEqual(statesOf(map.map), [E, N, C, P, N, N, E, E]);
    assert.ok(image.fake.locked.has(HEAD_OID));
    assert.equal(map.objectMayExist(1), false);
    assert.equal(map.objectMayExist(3), true);
    assert.equal(map.objectMayNotExist(2), false);
    assert.equal(map.objectMayNotExist(3), true);
    await map.close();
    assert.ok(!image.fake.locked.has(HEAD_OID));
    await map.close();
  });

  it('object map open: a snapshot map is loaded without locking', async () => {
    const image = new TestImage();
    image.sizes.set(5n, 4 * K);
    image.put(5n, [E, E, N, N]);
    const map = await opened(image, 5n);
    assert.equal(image.fake.count('lock.lock'), 0);
    assert.deepEqual(statesOf(map.map), [E, E, N, N]);
  });

  it('object map open: a lock held elsewhere is logged, not fatal (the next update then invalidates)', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, new Array(8).fill(N));
    image.fake.lockedByOther.add(HEAD_OID);
    const map = await opened(image);
    assert.equal(await map.update(0, 1, E), true);
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID);
    assert.equal(map.state(0), E);
  });

  it('object map open: a corrupt map is invalidated, truncated and resized; everything may exist', async () => {
    const image = new TestImage();
    const bytes = BitVector.fromStates([E, E, E, E, E, E, E, E]).encode();
    bytes[18]! ^= 0xff;
    image.fake.objects.set(HEAD_OID, bytes);
    const map = new ObjectMap(image);
    assert.deepEqual(await map.open(), { invalidated: true, invalidFlags: INVALID });
    assert.deepEqual(statesOf(map.map), new Array(8).fill(E));
    assert.deepEqual(image.stored(CEPH_NOSNAP), new Array(8).fill(N));
    assert.equal(image.fake.count('truncate'), 1);
    assert.equal(map.objectMayExist(0), true);
  });

  it('object map open: a missing map is invalidated without a resize', async () => {
    const image = new TestImage();
    const map = new ObjectMap(image);
    assert.deepEqual(await map.open(), { invalidated: true, invalidFlags: INVALID });
    assert.equal(image.fake.count('rbd.object_map_resize'), 0);
    assert.deepEqual(statesOf(map.map), new Array(8).fill(E));
  });

  it('object map open: a map smaller than the image is invalidated and grown, keeping its entries', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, C, N]);
    const map = new ObjectMap(image);
    assert.equal((await map.open()).invalidated, true);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, C, N, N, N, N, N, N]);
  });

  it('object map open: without fast-diff only OBJECT_MAP_INVALID is set', async () => {
    const image = new TestImage();
    image.features = OBJECT_MAP;
    assert.deepEqual(await new ObjectMap(image).open(), {
      invalidated: true,
      invalidFlags: ObjectMapFlag.OBJECT_MAP_INVALID,
    });
  });

  it('object map open: a map past MAX_OBJECT_MAP_OBJECT_COUNT is EFBIG after invalidating', async () => {
    const image = new TestImage();
    image.sizes.set(CEPH_NOSNAP, 256_000_001 * K);
    assert.equal(await codeOf(new ObjectMap(image).open()), 'EFBIG');
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID);
  });
});

describe('object map: updates', () => {
  it('object map update: nothing is sent when no object needs it', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, N, P, C, N, N, N, N]);
    const map = await opened(image);
    assert.equal(await map.update(0, 1, E), false);
    assert.equal(await map.update(1, 2, P), false);
    assert.equal(await map.update(0, 1, N), false);
    assert.equal(await map.update(4, 100, N), false);
    assert.equal(image.fake.count('rbd.object_map_update'), 0);
    await map.markObject(2, N, P);
    await map.markObject(3, E);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, N, N, E, N, N, N, N]);
    assert.deepEqual(statesOf(map.map), image.stored(CEPH_NOSNAP));
    assert.equal(image.fake.count('lock.assert_locked'), 2);
  });

  it('object map update: an expected EXISTS also matches EXISTS_CLEAN', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, C, N, P, E, C, N, N]);
    const map = await opened(image);
    await map.update(0, 8, P, E);
    assert.deepEqual(statesOf(map.map), [P, P, N, P, P, P, N, N]);
    assert.deepEqual(image.stored(CEPH_NOSNAP), statesOf(map.map));
  });

  it('object map update: large ranges go out in 256 Ki-object batches', async () => {
    const image = new TestImage();
    const count = 2 * MAX_OBJECTS_PER_UPDATE + 5;
    image.sizes.set(CEPH_NOSNAP, count * K);
    image.put(CEPH_NOSNAP, new Array(count).fill(N));
    const map = await opened(image);
    await map.update(0, count, E);
    assert.equal(image.fake.count('rbd.object_map_update'), 3);
    assert.deepEqual(BitVector.decode(image.fake.objects.get(HEAD_OID)!).countStates(), [0, count, 0, 0]);
  });

  it('object map update: an OSD failure invalidates the map and still updates memory; once invalid it throws', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, new Array(8).fill(N));
    const map = await opened(image);
    image.fake.failNext('rbd.object_map_update', 'EIO');
    assert.equal(await map.update(0, 2, E), true);
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID);
    assert.deepEqual(statesOf(map.map).slice(0, 2), [E, E]);
    assert.equal(map.objectMayExist(7), true, 'an invalid map answers "may exist"');
    image.fake.failNext('rbd.object_map_update', 'EIO');
    assert.equal(await codeOf(map.update(2, 3, E)), 'EIO');
  });

  it('object map update: overlapping updates go to the OSD in the order they were asked for', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, new Array(8).fill(N));
    const map = await opened(image);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    image.fake.gate = async (_oid, what) => {
      if (what.includes('rbd.object_map_update')) {
        order.push(`${order.length}`);
        if (order.length === 1) await held;
      }
    };
    const first = map.update(0, 4, E);
    const second = map.update(2, 3, P);
    const disjoint = map.update(6, 7, E);
    await disjoint;
    assert.equal(map.state(2), N, 'the overlapping update waits for the first');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(statesOf(map.map), [E, E, P, E, N, N, E, N]);
    assert.deepEqual(image.stored(CEPH_NOSNAP), statesOf(map.map));
  });

  it('object map update: a copy-up marks the oldest snapshot EXISTS, later ones EXISTS_CLEAN, then the head', async () => {
    const image = new TestImage();
    for (const s of [3n, 5n]) {
      image.sizes.set(s, 8 * K);
      image.put(s, new Array(8).fill(N));
    }
    image.sizes.set(9n, 8 * K); // its map was never written: ENOENT is ignored
    image.put(CEPH_NOSNAP, new Array(8).fill(N));
    const map = await opened(image);
    await map.markCopyup(6, [9n, 5n, 3n]);
    assert.equal(image.stored(3n)[6], E);
    assert.equal(image.stored(5n)[6], C);
    assert.equal(map.state(6), E);
    assert.equal(image.stored(CEPH_NOSNAP)[6], E);
    assert.equal(image.flagsAt(9n), 0n);
  });
});

describe('object map: snapshots and resize', () => {
  it('object map snapshot add: the snapshot gets the stored head bytes; the head turns clean', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, N, C, P, E, N, N, E]);
    const before = image.fake.objects.get(HEAD_OID)!;
    const map = await opened(image);
    await map.snapshotAdd(4n);
    assert.deepEqual(image.fake.objects.get(objectMapName('abc', 4n)), before);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [C, N, C, P, C, N, N, C]);
    assert.deepEqual(statesOf(map.map), image.stored(CEPH_NOSNAP));
  });

  it('object map snapshot add: without fast-diff the head is untouched', async () => {
    const image = new TestImage();
    image.features = OBJECT_MAP;
    image.put(CEPH_NOSNAP, [E, N, E, N, N, N, N, N]);
    const map = await opened(image);
    await map.snapshotAdd(4n);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, N, E, N, N, N, N, N]);
    assert.equal(image.fake.count('rbd.object_map_snap_add'), 0);
  });

  it('object map snapshot add: a failed snapshot write invalidates the snapshot map', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, new Array(8).fill(E));
    const map = await opened(image);
    image.fake.failNext('writefull', 'EIO');
    await map.snapshotAdd(4n);
    assert.equal(image.flagsAt(4n), INVALID);
    assert.equal(image.flagsAt(CEPH_NOSNAP), 0n);
    assert.equal(map.state(0), E);
  });

  it('object map snapshot remove: changes fold into the next snapshot, or into the head (disk and memory)', async () => {
    const image = new TestImage();
    image.sizes.set(3n, 8 * K);
    image.sizes.set(5n, 8 * K);
    image.put(3n, [E, E, N, C, N, N, N, N]);
    image.put(5n, [C, C, E, C, N, N, N, N]);
    image.put(CEPH_NOSNAP, [C, E, C, C, N, N, N, N]);
    const map = await opened(image);
    await map.snapshotRemove(3n);
    image.sizes.delete(3n);
    assert.deepEqual(image.stored(5n), [E, E, E, C, N, N, N, N]);
    assert.ok(!image.fake.objects.has(objectMapName('abc', 3n)));
    await map.snapshotRemove(5n);
    image.sizes.delete(5n);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, E, E, C, N, N, N, N]);
    assert.deepEqual(statesOf(map.map), image.stored(CEPH_NOSNAP));
  });

  it('object map snapshot remove: an invalid snapshot map invalidates the next one; a missing one is skipped', async () => {
    const image = new TestImage();
    image.sizes.set(3n, 8 * K);
    image.put(3n, new Array(8).fill(E));
    image.put(CEPH_NOSNAP, new Array(8).fill(C));
    image.fake.flags.set(3n, INVALID);
    const map = await opened(image);
    await map.snapshotRemove(3n);
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID);
    assert.deepEqual(image.stored(CEPH_NOSNAP), new Array(8).fill(C));
    await map.snapshotRemove(4n);
    assert.equal(image.fake.count('rbd.object_map_snap_remove'), 0);
  });

  it('object map snapshot remove: without fast-diff only the map object goes', async () => {
    const image = new TestImage();
    image.features = OBJECT_MAP;
    image.sizes.set(3n, 8 * K);
    image.put(3n, new Array(8).fill(E));
    image.put(CEPH_NOSNAP, new Array(8).fill(E));
    const map = await opened(image);
    await map.snapshotRemove(3n);
    assert.equal(image.fake.count('rbd.object_map_load', objectMapName('abc', 3n)), 0);
    assert.ok(!image.fake.objects.has(objectMapName('abc', 3n)));
  });

  it('object map rollback: the head map becomes the snapshot map', async () => {
    const image = new TestImage();
    image.sizes.set(3n, 8 * K);
    image.put(3n, [E, E, N, N, N, N, N, N]);
    image.put(CEPH_NOSNAP, new Array(8).fill(C));
    const map = await opened(image);
    await map.rollback(3n);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, E, N, N, N, N, N, N]);
  });

  it('object map resize: grows with the default state; a shrink over live objects fails only when already invalid', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [E, N, N, N, N, N, E, N]);
    const map = await opened(image);
    await map.resize(10 * K);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [E, N, N, N, N, N, E, N, N, N]);
    assert.equal(map.size, 10);
    await map.resize(7 * K);
    assert.equal(map.size, 7);
    await map.resize(4 * K);
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID, 'object 6 still marked: invalidated');
    assert.equal(map.size, 7, 'the in-memory map keeps its size');
    assert.equal(await codeOf(map.resize(4 * K)), 'ESTALE');
  });
});

describe('object map: rebuild and check', () => {
  const headOnly = (seq: bigint): SnapSet => ({
    seq,
    clones: [{ cloneId: CEPH_NOSNAP, snaps: [], overlap: [], size: 1n }],
  });

  function withObjects(image: TestImage, sets: Record<number, SnapSet>): void {
    for (const [no, set] of Object.entries(sets))
      image.fake.snapSets.set(dataObjectName('rbd_data.abc', Number(no)), set);
  }

  it('object map check: reports every difference and invalidates only for real errors', async () => {
    const image = new TestImage();
    image.sizes.set(4n, 8 * K);
    withObjects(image, { 0: headOnly(0n), 2: headOnly(4n), 5: headOnly(0n) });
    image.put(CEPH_NOSNAP, [C, N, E, N, N, C, E, N]);
    const map = await opened(image);
    assert.deepEqual(await map.check(), {
      mismatches: [{ objectNo: 6, current: E, expected: N, invalidates: false }],
      invalidated: false,
    });
    assert.equal(image.flagsAt(CEPH_NOSNAP), 0n);
    map.map.set(5, E);
    map.map.set(0, N);
    const report = await map.check();
    assert.deepEqual(
      report.mismatches.map((m) => [m.objectNo, m.current, m.expected, m.invalidates]),
      [
        [0, N, C, true],
        [5, E, C, true],
        [6, E, N, false],
      ],
    );
    assert.equal(report.invalidated, true);
    assert.equal(image.flagsAt(CEPH_NOSNAP), INVALID);
    assert.equal(image.fake.count('list_snaps'), 16);
  });

  it('object map rebuild: recomputes head and snapshot maps, keeps a head EXISTS, clears the flags', async () => {
    const image = new TestImage();
    image.sizes.set(4n, 8 * K);
    withObjects(image, {
      0: headOnly(0n),
      2: headOnly(4n),
      3: { seq: 4n, clones: [{ cloneId: 4n, snaps: [4n], overlap: [], size: 1n }] },
    });
    image.put(CEPH_NOSNAP, [N, N, N, E, E, N, N, N]);
    image.put(4n, [N, N, N, N, N, N, N, N]);
    image.fake.flags.set(CEPH_NOSNAP, INVALID);
    image.fake.flags.set(4n, INVALID);
    const head = await opened(image);
    assert.equal(await head.rebuild(), 2);
    // objects 3 and 4 are absent from the head but stay EXISTS (a write may be landing)
    assert.deepEqual(image.stored(CEPH_NOSNAP), [C, N, E, E, E, N, N, N]);
    assert.equal(image.flagsAt(CEPH_NOSNAP), 0n);
    await head.rebuild({ fromScratch: true });
    assert.deepEqual(image.stored(CEPH_NOSNAP), [C, N, E, N, N, N, N, N]);
    const snap = await opened(image, 4n);
    await snap.rebuild();
    assert.deepEqual(image.stored(4n), [E, N, N, E, N, N, N, N]);
    assert.equal(image.flagsAt(4n), 0n);
    assert.equal(image.fake.count('lock.assert_locked', objectMapName('abc', 4n)), 0);
  });

  it('object map rebuild: resizes a wrong-sized map first; a list-snaps error stops it', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [N, N, N, N, N, N, N, N, N, N]);
    const map = await opened(image);
    image.sizes.set(CEPH_NOSNAP, 6 * K);
    withObjects(image, { 1: headOnly(0n) });
    image.fake.failNext('list_snaps', 'EIO');
    assert.equal(await codeOf(map.rebuild()), 'EIO');
    assert.equal(map.size, 6);
    await map.rebuild();
    assert.deepEqual(image.stored(CEPH_NOSNAP), [N, E, N, N, N, N]);
  });

  it('object map rebuild: objects still marked past a shrink are trimmed, then the resize succeeds', async () => {
    const image = new TestImage();
    image.put(CEPH_NOSNAP, [N, N, N, N, N, N, E, N]);
    image.fake.flags.set(CEPH_NOSNAP, INVALID);
    const map = await opened(image);
    image.sizes.set(CEPH_NOSNAP, 4 * K);
    const trims: [number, number][] = [];
    await map.rebuild({
      trimImage: async (from, to) => {
        trims.push([from, to]);
        await map.updateStored(CEPH_NOSNAP, 4, 8, N);
      },
    });
    assert.deepEqual(trims, [[8 * K, 4 * K]]);
    assert.deepEqual(image.stored(CEPH_NOSNAP), [N, N, N, N]);
  });
});
