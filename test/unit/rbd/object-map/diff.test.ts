import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CephError, isCephError } from '../../../../src/common/errors.js';
import { CEPH_NOSNAP } from '../../../../src/encoding/osd-types.js';
import { BitVector } from '../../../../src/rbd/object-map/bit-vector.js';
import {
  computeObjectDiffState,
  diffExtents,
  foldObjectMap,
  type DiffSource,
} from '../../../../src/rbd/object-map/diff.js';
import { DiffState, ObjectMapFlag, ObjectMapState } from '../../../../src/rbd/object-map/types.js';
import { capturedImages, capturedMap, type CapturedImage } from './fixtures.js';

const { NONEXISTENT: N, EXISTS: E, PENDING: P, EXISTS_CLEAN: C } = ObjectMapState;
const { HOLE, DATA, HOLE_UPDATED, DATA_UPDATED } = DiffState;
const FAST_DIFF = 1n << 4n;

function sourceOf(image: CapturedImage): DiffSource {
  const byId = new Map(image.snaps.map((s) => [BigInt(s.id), s]));
  return {
    layout: { stripeUnit: image.stripeUnit, stripeCount: image.stripeCount, objectSize: image.objectSize },
    features: FAST_DIFF | (1n << 3n),
    snapIds: () => [...byId.keys()],
    sizeAt: (id) => (id === CEPH_NOSNAP ? image.size : byId.get(id)!.size),
    flagsAt: () => 0n,
    loadObjectMap: async (id) => {
      const label = id === CEPH_NOSNAP ? 'head' : byId.get(id)!.name;
      return BitVector.decode(capturedMap(image.maps[label]!));
    },
  };
}

describe('object-map diff: equals the real rbd diff --whole-object', () => {
  for (const image of capturedImages()) {
    const source = sourceOf(image);
    const idOf = (name: string | null, none: bigint): bigint =>
      name === null ? none : BigInt(image.snaps.find((s) => s.name === name)!.id);
    for (const d of image.diffs) {
      it(`object-map diff: ${image.name} ${d.from ?? 'start'}..${d.to ?? 'head'}`, async () => {
        const from = idOf(d.from, 0n);
        const to = idOf(d.to, CEPH_NOSNAP);
        const state = await computeObjectDiffState(source, from, to, { diffIterate: true });
        const extents = diffExtents(source.layout, state, 0, source.sizeAt(to));
        const flat = extents.flatMap((e) => [e.offset, e.length, e.exists ? 1 : 0]);
        assert.equal(flat.length, d.extents.length);
        assert.deepEqual(flat, d.extents);
      });
    }
  }
});

describe('object-map diff: fold rules', () => {
  const fold = (
    diff: BitVector,
    states: number[],
    at: { isStart: boolean; isEnd: boolean; diffIterate: boolean },
  ) => foldObjectMap(diff, BitVector.fromStates(states), states.length, at);
  const states = (v: BitVector): number[] => Array.from({ length: v.size }, (_, i) => v.get(i));

  it('object-map diff: from a snapshot, clean data is unchanged and dirty or gone is updated', () => {
    const diff = new BitVector(0);
    fold(diff, [N, E, E, E, C, P], { isStart: true, isEnd: false, diffIterate: true });
    assert.deepEqual(states(diff), [HOLE, DATA, DATA, DATA, DATA, DATA_UPDATED]);
    fold(diff, [E, C, E, N, C, N], { isStart: false, isEnd: true, diffIterate: true });
    assert.deepEqual(states(diff), [DATA_UPDATED, DATA, DATA_UPDATED, HOLE_UPDATED, DATA, HOLE_UPDATED]);
  });

  it('object-map diff: diff-iterate keeps a hole through intermediate snapshots, deep-copy does not', () => {
    for (const diffIterate of [true, false]) {
      const diff = new BitVector(0);
      fold(diff, [N, N], { isStart: true, isEnd: false, diffIterate });
      fold(diff, [E, E], { isStart: false, isEnd: false, diffIterate });
      fold(diff, [N, C], { isStart: false, isEnd: true, diffIterate });
      assert.deepEqual(states(diff), diffIterate ? [HOLE, DATA_UPDATED] : [HOLE_UPDATED, DATA_UPDATED]);
    }
  });

  it('object-map diff: a grown image starts its new objects as holes; deep-copy keeps a shrunk tail', () => {
    const diff = new BitVector(0);
    fold(diff, [E], { isStart: true, isEnd: false, diffIterate: false });
    fold(diff, [C, E, N], { isStart: false, isEnd: false, diffIterate: false });
    assert.deepEqual(states(diff), [DATA, DATA_UPDATED, HOLE]);
    fold(diff, [C], { isStart: false, isEnd: true, diffIterate: false });
    assert.deepEqual(states(diff), [DATA, HOLE_UPDATED, HOLE]);
  });

  it('object-map diff: a map smaller than its version is EINVAL', () => {
    assert.throws(
      () =>
        foldObjectMap(new BitVector(0), BitVector.fromStates([E]), 2, {
          isStart: true,
          isEnd: true,
          diffIterate: true,
        }),
      (err: unknown) => isCephError(err) && err.code === 'EINVAL',
    );
  });

  it('object-map diff: refuses without fast-diff or with FAST_DIFF_INVALID; skips lost intermediate maps', async () => {
    const maps = new Map<bigint, BitVector>([
      [1n, BitVector.fromStates([E, N])],
      [3n, BitVector.fromStates([C, E])],
      [CEPH_NOSNAP, BitVector.fromStates([C, E])],
    ]);
    const base: DiffSource = {
      layout: { stripeUnit: 4096, stripeCount: 1, objectSize: 4096 },
      features: FAST_DIFF,
      snapIds: () => [1n, 2n, 3n],
      sizeAt: () => 8192,
      flagsAt: () => 0n,
      loadObjectMap: async (id) => {
        const m = maps.get(id);
        if (!m) throw new CephError('ENOENT', 'no map');
        return m.clone();
      },
    };
    const code = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'ok',
        (err: unknown) => (isCephError(err) ? err.code : String(err)),
      );
    const got = await computeObjectDiffState(base, 1n, CEPH_NOSNAP, { diffIterate: true });
    assert.deepEqual([got.get(0), got.get(1)], [DATA, DATA_UPDATED]);
    assert.equal(
      await code(computeObjectDiffState({ ...base, features: 0n }, 1n, 3n, { diffIterate: true })),
      'EINVAL',
    );
    assert.equal(
      await code(
        computeObjectDiffState(
          { ...base, flagsAt: (id) => (id === 3n ? ObjectMapFlag.FAST_DIFF_INVALID : 0n) },
          1n,
          3n,
          {
            diffIterate: true,
          },
        ),
      ),
      'EINVAL',
    );
    assert.equal(await code(computeObjectDiffState(base, 2n, 3n, { diffIterate: true })), 'ENOENT');
    assert.equal(await code(computeObjectDiffState(base, 3n, 1n, { diffIterate: true })), 'EINVAL');
    assert.equal((await computeObjectDiffState(base, 3n, 3n, { diffIterate: true })).size, 0);
  });

  it('object-map diff: extents of a striped layout merge only within one period', () => {
    const layout = { stripeUnit: 1024, stripeCount: 2, objectSize: 2048 };
    // period 4096 = objects {0,1}, {2,3}; all dirty → one extent per period
    const diff = BitVector.fromStates([DATA_UPDATED, DATA_UPDATED, DATA_UPDATED, HOLE_UPDATED]);
    assert.deepEqual(diffExtents(layout, diff, 0, 8192), [
      { offset: 0, length: 4096, exists: true },
      { offset: 4096, length: 1024, exists: true },
      { offset: 5120, length: 1024, exists: false },
      { offset: 6144, length: 1024, exists: true },
      { offset: 7168, length: 1024, exists: false },
    ]);
  });
});
