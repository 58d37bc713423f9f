import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  assertValidLayout,
  dataObjectName,
  defaultLayout,
  extentToFile,
  fileToExtents,
  getFileOffset,
  getFirstObjectOfSet,
  getNumObjects,
  getObjectSetNo,
  getObjectSetNoOfOffset,
  getObjectTruncateSize,
  getPeriod,
  type FileLayout,
  type ObjectExtent,
} from '../../../src/rbd/io/striper.js';

const K = 1024;
const M = 1024 * K;

/** su 64K, 4 objects per stripe, 1M objects: 16 stripes per object, period 4M. */
const WIDE: FileLayout = { stripeUnit: 64 * K, stripeCount: 4, objectSize: M };
/** su 64K but one object per stripe: Ceph maps whole objects. */
const NARROW: FileLayout = { stripeUnit: 64 * K, stripeCount: 1, objectSize: 256 * K };
/** An odd stripe count: 8 stripes per 64K object, period 192K. */
const ODD: FileLayout = { stripeUnit: 8 * K, stripeCount: 3, objectSize: 64 * K };

function summary(extents: ObjectExtent[]): [number, number, number, [number, number][]][] {
  return extents.map((e) => [
    e.objectNo,
    e.offset,
    e.length,
    e.bufferExtents.map((b) => [b.offset, b.length]),
  ]);
}

describe('striper: hand-derived mappings', () => {
  it('striper: plain chunking maps a range to consecutive objects', () => {
    const layout = defaultLayout(4 * M);
    assert.deepEqual(summary(fileToExtents(layout, 3 * M, 6 * M)), [
      [0, 3 * M, M, [[0, M]]],
      [1, 0, 4 * M, [[M, 4 * M]]],
      [2, 0, M, [[5 * M, M]]],
    ]);
    assert.deepEqual(summary(fileToExtents(layout, 5 * M + 7, 9, 100)), [[1, M + 7, 9, [[100, 9]]]]);
    assert.deepEqual(fileToExtents(layout, 123, 0), []);
  });

  it('striper: one full stripe puts one stripe unit in each object', () => {
    assert.deepEqual(summary(fileToExtents(WIDE, 0, 256 * K)), [
      [0, 0, 64 * K, [[0, 64 * K]]],
      [1, 0, 64 * K, [[64 * K, 64 * K]]],
      [2, 0, 64 * K, [[128 * K, 64 * K]]],
      [3, 0, 64 * K, [[192 * K, 64 * K]]],
    ]);
  });

  it('striper: a second pass over an object extends its extent and adds a buffer extent', () => {
    // 32K~320K: obj0 gets 32K of block 0 and all of block 4, obj1 block 1 and half of block 5.
    assert.deepEqual(summary(fileToExtents(WIDE, 32 * K, 320 * K)), [
      [
        0,
        32 * K,
        96 * K,
        [
          [0, 32 * K],
          [224 * K, 64 * K],
        ],
      ],
      [
        1,
        0,
        96 * K,
        [
          [32 * K, 64 * K],
          [288 * K, 32 * K],
        ],
      ],
      [2, 0, 64 * K, [[96 * K, 64 * K]]],
      [3, 0, 64 * K, [[160 * K, 64 * K]]],
    ]);
  });

  it('striper: an object first reached late in the stripe is sorted before the others', () => {
    // 64K~4M covers blocks 1..64: obj1,2,3 come first, then obj0 (stripe 1), then obj4 (next set).
    const extents = fileToExtents(WIDE, 64 * K, 4 * M);
    assert.deepEqual(
      extents.map((e) => [e.objectNo, e.offset, e.length, e.bufferExtents.length]),
      [
        [0, 64 * K, 15 * 64 * K, 15],
        [1, 0, M, 16],
        [2, 0, M, 16],
        [3, 0, M, 16],
        [4, 0, 64 * K, 1],
      ],
    );
    assert.deepEqual(extents[0]!.bufferExtents[0], { offset: 192 * K, length: 64 * K });
    assert.deepEqual(extents[1]!.bufferExtents[1], { offset: 256 * K, length: 64 * K });
    assert.deepEqual(extents[4]!.bufferExtents, [{ offset: 63 * 64 * K, length: 64 * K }]);
  });

  it('striper: a range across an object set boundary goes to the next set', () => {
    assert.deepEqual(summary(fileToExtents(WIDE, 4 * M - 64 * K, 128 * K)), [
      [3, 960 * K, 64 * K, [[0, 64 * K]]],
      [4, 0, 64 * K, [[64 * K, 64 * K]]],
    ]);
  });

  it('striper: stripe count 1 maps whole objects even with a smaller stripe unit', () => {
    assert.deepEqual(summary(fileToExtents(NARROW, 0, 300 * K)), [
      [0, 0, 256 * K, [[0, 256 * K]]],
      [1, 0, 44 * K, [[256 * K, 44 * K]]],
    ]);
    // extent_to_file does not widen: one image extent per stripe unit.
    assert.deepEqual(extentToFile(NARROW, 1, 0, 128 * K), [
      { offset: 256 * K, length: 64 * K },
      { offset: 320 * K, length: 64 * K },
    ]);
  });

  it('striper: object ranges map back to the image one stripe unit at a time', () => {
    // Object 5 = set 1, position 1: its byte 60K is in stripe 16 → block 65.
    assert.deepEqual(extentToFile(WIDE, 5, 60 * K, 8 * K), [
      { offset: 65 * 64 * K + 60 * K, length: 4 * K },
      { offset: 69 * 64 * K, length: 4 * K },
    ]);
    assert.equal(getFileOffset(WIDE, 5, 100), 65 * 64 * K + 100);
    // Object 4 = set 1 (stripes 8..15), position 1: its byte 9K is in stripe 9 → block 28.
    assert.equal(getFileOffset(ODD, 4, 9 * K), 28 * 8 * K + K);
    assert.deepEqual(extentToFile(WIDE, 0, 0, 0), []);
  });

  it('striper: object counts drop the objects a partial last set never reaches', () => {
    assert.equal(getNumObjects(WIDE, 0), 0);
    assert.equal(getNumObjects(WIDE, 1), 1);
    assert.equal(getNumObjects(WIDE, 128 * K + 1), 3);
    assert.equal(getNumObjects(WIDE, 256 * K), 4);
    assert.equal(getNumObjects(WIDE, 4 * M + 1), 5);
    assert.equal(getNumObjects(ODD, M + 12 * K), 18);
    assert.equal(getNumObjects(ODD, 960 * K + 10 * K), 17);
    assert.equal(getNumObjects(defaultLayout(4 * M), 2 ** 50), 2 ** 28);
    assert.equal(getNumObjects(defaultLayout(4 * M), 2 ** 50 + 1), 2 ** 28 + 1);
  });

  it('striper: object set and period math', () => {
    assert.equal(getPeriod(WIDE), 4 * M);
    assert.equal(getObjectSetNo(WIDE, 7), 1);
    assert.equal(getObjectSetNoOfOffset(WIDE, 8 * M), 2);
    assert.equal(getFirstObjectOfSet(ODD, 5), 15);
  });

  it('striper: truncate sizes per object around the cut', () => {
    // Cut at 4M+64K+10: block 65 = object 5, byte 10 of its first stripe.
    const cut = 4 * M + 64 * K + 10;
    assert.equal(getObjectTruncateSize(WIDE, 3, cut), M);
    assert.equal(getObjectTruncateSize(WIDE, 4, cut), 64 * K);
    assert.equal(getObjectTruncateSize(WIDE, 5, cut), 10);
    assert.equal(getObjectTruncateSize(WIDE, 6, cut), 0);
    assert.equal(getObjectTruncateSize(WIDE, 8, cut), 0);
    assert.equal(getObjectTruncateSize(WIDE, 8, 0), 0);
  });

  it('striper: images near 2^53 bytes map exactly', () => {
    const layout = defaultLayout(4 * M);
    const offset = 2 ** 53 - 4 * M - 5;
    const [extent] = fileToExtents(layout, offset, 3);
    assert.equal(extent!.objectNo, 2 ** 31 - 2);
    assert.equal(extent!.offset, 4 * M - 5);
    assert.equal(getFileOffset(layout, extent!.objectNo, extent!.offset), offset);
    const [wide] = fileToExtents(WIDE, 2 ** 53 - 64 * K, 4 * K);
    assert.equal(getFileOffset(WIDE, wide!.objectNo, wide!.offset), 2 ** 53 - 64 * K);
  });

  it('striper: names and layout validation', () => {
    assert.equal(dataObjectName('rbd_data.10ab2d3c', 0x1f), 'rbd_data.10ab2d3c.000000000000001f');
    assertValidLayout(WIDE);
    assert.throws(() => assertValidLayout({ stripeUnit: 3 * K, stripeCount: 2, objectSize: 64 * K }));
    assert.throws(() => assertValidLayout({ stripeUnit: 128 * K, stripeCount: 2, objectSize: 64 * K }));
    assert.throws(() => assertValidLayout({ stripeUnit: 64 * K, stripeCount: 0, objectSize: 64 * K }));
  });
});

interface CapturedCase {
  name: string;
  objectSize: number;
  stripeUnit: number;
  stripeCount: number;
  size: number;
  infoObjects: number;
  dataObjects: number;
  /** Flat triples [block index, object number, offset in object]. */
  observed: number[];
}

const captured = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/rbd-object-map/striper-layouts.json', import.meta.url),
    'utf8',
  ),
) as { blockBytes: number; cases: CapturedCase[] };

describe('striper: agrees with where the real librbd put each block', () => {
  const block = captured.blockBytes;
  for (const c of captured.cases) {
    const layout: FileLayout = {
      stripeUnit: c.stripeUnit,
      stripeCount: c.stripeCount,
      objectSize: c.objectSize,
    };
    // "objectNo:offset" → block index, as the real OSD holds it.
    const where = new Map<string, number>();
    for (let i = 0; i < c.observed.length; i += 3) {
      where.set(`${c.observed[i + 1]}:${c.observed[i + 2]}`, c.observed[i]!);
    }

    it(`striper: ${c.name}: every block is where fileToExtents says`, () => {
      assert.equal(c.observed.length / 3, c.size / block, 'capture holds every block once');
      for (let i = 0; i < c.observed.length; i += 3) {
        const [blockNo, objectNo, offset] = [c.observed[i]!, c.observed[i + 1]!, c.observed[i + 2]!];
        const extents = fileToExtents(layout, blockNo * block, block);
        assert.deepEqual(summary(extents), [[objectNo, offset, block, [[0, block]]]], `block ${blockNo}`);
        assert.deepEqual(extentToFile(layout, objectNo, offset, block), [
          { offset: blockNo * block, length: block },
        ]);
        assert.equal(getFileOffset(layout, objectNo, offset), blockNo * block);
      }
    });

    it(`striper: ${c.name}: object count equals rbd info and the objects written`, () => {
      assert.equal(getNumObjects(layout, c.size), c.infoObjects);
      assert.equal(getNumObjects(layout, c.size), c.dataObjects);
    });

    it(`striper: ${c.name}: whole-image and odd ranges carry each block to its place`, () => {
      const ranges: [number, number][] = [
        [0, c.size],
        [block, c.size - 2 * block],
        [3 * block, Math.min(c.size - 3 * block, 7 * c.stripeUnit + 5 * block)],
      ];
      for (const [start, length] of ranges) {
        const extents = fileToExtents(layout, start, length, 0);
        for (let i = 1; i < extents.length; i++) {
          assert.ok(extents[i - 1]!.objectNo <= extents[i]!.objectNo, 'sorted by object');
        }
        let covered = 0;
        for (const e of extents) {
          let objectOffset = e.offset;
          let sum = 0;
          for (const b of e.bufferExtents) {
            for (let x = 0; x < b.length; x += block) {
              const blockNo = (start + b.offset + x) / block;
              assert.equal(where.get(`${e.objectNo}:${objectOffset + x}`), blockNo);
            }
            objectOffset += b.length;
            sum += b.length;
          }
          assert.equal(sum, e.length);
          covered += e.length;
        }
        assert.equal(covered, length);
      }
    });
  }
});

describe('striper: randomized ranges', () => {
  it('striper: random ranges round-trip through extentToFile and are merged per object', () => {
    const seed = Number(process.env.STRIPER_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const layouts = [
      WIDE,
      NARROW,
      ODD,
      defaultLayout(4 * M),
      { stripeUnit: 4 * K, stripeCount: 7, objectSize: 32 * K },
    ];
    for (let round = 0; round < 500; round++) {
      const layout = layouts[rand(layouts.length)]!;
      const offset = rand(64 * M);
      const length = 1 + rand(12 * M);
      const bufferOffset = rand(3) * 512;
      const extents = fileToExtents(layout, offset, length, bufferOffset);
      let total = 0;
      const seen = new Set<string>();
      for (const e of extents) {
        const back = extentToFile(layout, e.objectNo, e.offset, e.length);
        // The extent's image pieces, in object order, are exactly its buffer extents.
        const merged: { offset: number; length: number }[] = [];
        for (const f of back) {
          const last = merged[merged.length - 1];
          if (last && last.offset + last.length === f.offset) last.length += f.length;
          else merged.push({ ...f });
        }
        assert.deepEqual(
          merged,
          e.bufferExtents.map((b) => ({ offset: b.offset - bufferOffset + offset, length: b.length })),
          `seed ${seed} round ${round}`,
        );
        const key = `${e.objectNo}:${e.offset}`;
        assert.ok(!seen.has(key), `seed ${seed}`);
        seen.add(key);
        total += e.length;
      }
      assert.equal(total, length, `seed ${seed} round ${round}`);
    }
  });
});
