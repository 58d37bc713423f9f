import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CEPH_NOSNAP } from '../../../../src/encoding/osd-types.js';
import type { CloneInfo, SnapSet } from '../../../../src/rados/operation.js';
import {
  IntervalSet,
  SparseExtents,
  SparseExtentState as S,
  calcSnapSetDiff,
} from '../../../../src/rbd/api/diff-iterate.js';

const M = 1 << 20;

function clone(cloneId: bigint, snaps: bigint[], size: number, overlap: [number, number][] = []): CloneInfo {
  return { cloneId, snaps, size: BigInt(size), overlap: overlap.map(([o, l]) => [BigInt(o), BigInt(l)]) };
}
const head = (size: number): CloneInfo => clone(CEPH_NOSNAP, [], size);
const set = (seq: bigint, ...clones: CloneInfo[]): SnapSet => ({ seq, clones });

describe('rbd diff-iterate', () => {
  it('interval set: inserts merge touching ranges, erase splits, intersection and subtraction', () => {
    const s = new IntervalSet();
    s.insert(10, 5);
    s.insert(0, 5);
    s.insert(5, 5);
    assert.deepEqual(s.intervals(), [[0, 15]]);
    s.erase(4, 2);
    assert.deepEqual(s.intervals(), [
      [0, 4],
      [6, 9],
    ]);
    const t = IntervalSet.of(3, 5);
    assert.deepEqual(s.intersection(t).intervals(), [
      [3, 1],
      [6, 2],
    ]);
    assert.deepEqual(s.subtract(t).intervals(), [
      [0, 3],
      [8, 7],
    ]);
    assert.ok(new IntervalSet().empty);
  });

  it('sparse extents: a later insert replaces what it covers; touching extents of one state merge', () => {
    const x = new SparseExtents();
    x.insert(0, 100, S.DATA);
    x.insert(100, 50, S.DATA);
    x.insert(40, 20, S.ZEROED);
    assert.deepEqual(x.list(), [
      { offset: 0, length: 40, state: S.DATA },
      { offset: 40, length: 20, state: S.ZEROED },
      { offset: 60, length: 90, state: S.DATA },
    ]);
    x.insert(40, 20, S.DATA);
    assert.deepEqual(x.list(), [{ offset: 0, length: 150, state: S.DATA }]);
  });

  it('calc snap set diff: an object born after the start differs over its whole size', () => {
    const r = calcSnapSetDiff(set(0n, head(4 * M)), 0n, CEPH_NOSNAP);
    assert.deepEqual(r.diff.intervals(), [[0, 4 * M]]);
    assert.equal(r.endExists, true);
    assert.equal(r.endSize, 4 * M);
    assert.equal(r.cloneEndSnapId, CEPH_NOSNAP);
    const later = calcSnapSetDiff(set(5n, head(M)), 3n, CEPH_NOSNAP);
    assert.deepEqual(later.diff.intervals(), [[0, M]]);
  });

  it('calc snap set diff: across a clone boundary only what the clones do not share', () => {
    const ss = set(1n, clone(1n, [1n], 4 * M, [[0, M]]), head(4 * M));
    const r = calcSnapSetDiff(ss, 1n, CEPH_NOSNAP);
    assert.deepEqual(r.diff.intervals(), [[M, 3 * M]]);
    assert.equal(r.endExists, true);
    // at the snapshot itself nothing changed; the clone serves snap 1
    const at = calcSnapSetDiff(ss, 0n, 1n);
    assert.deepEqual(at.diff.intervals(), [[0, 4 * M]]);
    assert.equal(at.cloneEndSnapId, 1n);
  });

  it('calc snap set diff: a removed head leaves the start size as the diff and no object at the end', () => {
    const r = calcSnapSetDiff(set(1n, clone(1n, [1n], 4 * M)), 1n, CEPH_NOSNAP);
    assert.deepEqual(r.diff.intervals(), [[0, 4 * M]]);
    assert.equal(r.endExists, false);
    assert.equal(r.endSize, 0);
  });

  it('calc snap set diff: a shrunk object counts the larger size (Pacific, before the truncation rework)', () => {
    const r = calcSnapSetDiff(set(1n, clone(1n, [1n], 4 * M, [[0, M]]), head(M)), 1n, CEPH_NOSNAP);
    assert.deepEqual(r.diff.intervals(), [[M, 3 * M]]);
    assert.equal(r.endSize, M);
  });

  it('calc snap set diff: a clone with no snapshots can only be diffed as a whole object', () => {
    const r = calcSnapSetDiff(set(2n, clone(2n, [], M), head(M)), 1n, CEPH_NOSNAP);
    assert.equal(r.wholeObject, true);
    assert.ok(r.diff.empty);
  });
});
