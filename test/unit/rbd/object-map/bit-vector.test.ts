import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { cephCrc32c } from '../../../../src/common/crc32c.js';
import { BitVector, laneTable } from '../../../../src/rbd/object-map/bit-vector.js';
import { ObjectMapState } from '../../../../src/rbd/object-map/types.js';
import { capturedImages, capturedMap } from './fixtures.js';

const isEinval = (err: unknown): boolean => isCephError(err) && err.code === 'EINVAL';

describe('bit-vector: golden maps from a real cluster', () => {
  for (const image of capturedImages()) {
    for (const [label, file] of Object.entries(image.maps)) {
      it(`bit-vector: ${image.name} ${label} decodes and re-encodes byte for byte`, () => {
        const stored = capturedMap(file);
        const map = BitVector.decode(stored);
        const objects = Math.ceil(
          (label === 'head' ? image.size : image.snaps.find((s) => s.name === label)!.size) /
            image.objectSize,
        );
        assert.equal(map.size, objects);
        assert.deepEqual(map.encode(), stored);
        // crc-less form (object_map_load replies): same header and data, empty footer
        const bare = map.encode({ crc: false });
        assert.deepEqual(bare.subarray(0, bare.length - 4), stored.subarray(0, bare.length - 4));
        assert.equal(bare.readUInt32LE(bare.length - 4), 0);
        assert.ok(BitVector.decode(bare).equals(map));
      });
    }
  }

  it('bit-vector: captured states are what the writes imply', () => {
    const image = capturedImages().find((i) => i.name === 'om-default')!;
    const head = BitVector.decode(capturedMap(image.maps.head!));
    const s1 = BitVector.decode(capturedMap(image.maps.s1!));
    const s2 = BitVector.decode(capturedMap(image.maps.s2!));
    const [, exists1, pending1, clean1] = s1.countStates();
    // s1 was the first snapshot: everything written before it is dirty there.
    assert.ok(exists1 > 1000 && clean1 === 0 && pending1 === 0, `s1 ${s1.countStates()}`);
    // s2 saw objects written before s1 (clean) and after (dirty).
    const [, exists2, , clean2] = s2.countStates();
    assert.ok(exists2 > 0 && clean2 > 0, `s2 ${s2.countStates()}`);
    // The head was shrunk from 10G to 9G then grown back: objects 2304.. are gone unless rewritten.
    const tail = [0, 0, 0, 0];
    for (let i = 2304; i < head.size; i++) tail[head.get(i)]!++;
    assert.equal(tail[ObjectMapState.EXISTS_CLEAN], 0);
    assert.equal(tail[ObjectMapState.PENDING], 0);
    assert.ok(tail[ObjectMapState.NONEXISTENT]! > 200);
  });

  it('bit-vector: the multi-block map carries one crc per 4 KiB of data', () => {
    const image = capturedImages().find((i) => i.name === 'om-multiblock')!;
    const stored = capturedMap(image.maps.head!);
    const map = BitVector.decode(stored);
    const blocks = Math.ceil(map.data.length / 4096);
    assert.equal(blocks, 10);
    const footerAt = 18 + map.data.length;
    assert.equal(stored.readUInt32LE(footerAt), 8 + 4 * blocks);
    assert.equal(stored.readUInt32LE(footerAt + 8), blocks);
    assert.equal(stored.readUInt32LE(footerAt + 12 + 4 * 9), cephCrc32c(0, map.data.subarray(9 * 4096)));
  });
});

describe('bit-vector: layout and damage', () => {
  it('bit-vector: element 0 sits in the high bits of byte 0', () => {
    const v = BitVector.fromStates([1, 2, 3, 0, 3]);
    assert.deepEqual([...v.data], [0b01101100, 0b11000000]);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => v.get(i)),
      [1, 2, 3, 0, 3],
    );
    assert.throws(() => v.get(5), RangeError);
  });

  it('bit-vector: an empty vector encodes a footer with no block crcs', () => {
    const bytes = new BitVector(0).encode();
    assert.equal(bytes.length, 18 + 4 + 8);
    assert.equal(bytes.readUInt32LE(18 + 8), 0);
    assert.equal(BitVector.decode(bytes).size, 0);
  });

  it('bit-vector: shrinking keeps the dropped bits of the last byte, as Ceph does', () => {
    const v = BitVector.fromStates([1, 1, 1, 1, 1]);
    v.resize(2);
    assert.equal(v.data[0], 0x55);
    v.resize(4);
    assert.equal(v.get(3), 1);
    v.resize(8);
    assert.equal(v.get(7), 0);
  });

  it('bit-vector: lane tables rewrite every element below size only', () => {
    const v = BitVector.fromStates([1, 0, 1, 2, 1, 1]);
    v.resize(5);
    v.mapStates(laneTable((s) => (s === 1 ? 3 : s)));
    v.resize(6);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((i) => v.get(i)),
      [3, 0, 3, 2, 3, 1],
    );
  });

  it('bit-vector: a flipped data bit, header crc or truncation is EINVAL', () => {
    const stored = capturedMap(capturedImages()[0]!.maps.head!);
    const dataFlip = Buffer.from(stored);
    dataFlip[40]! ^= 1;
    assert.throws(() => BitVector.decode(dataFlip), isEinval);
    const sizeFlip = Buffer.from(stored);
    sizeFlip[10]! ^= 4; // size changes by 4: data and footer shift, header crc no longer matches
    assert.throws(() => BitVector.decode(sizeFlip), isEinval);
    for (const cut of [0, 3, 17, 100, stored.length - 1]) {
      assert.throws(() => BitVector.decode(stored.subarray(0, cut)), isEinval, `cut ${cut}`);
    }
    const compat = Buffer.from(stored);
    compat[5] = 2;
    assert.throws(() => BitVector.decode(compat), isEinval);
  });

  it('bit-vector: random garbage never escapes as anything but EINVAL', () => {
    const seed = Number(process.env.BITVECTOR_SEED ?? Date.now() % 100000);
    let state = seed;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const base = capturedMap(capturedImages()[0]!.maps.s1!);
    for (let round = 0; round < 300; round++) {
      const buf = Buffer.from(base.subarray(0, rand(base.length + 1)));
      for (let k = rand(4); k > 0 && buf.length > 0; k--) buf[rand(buf.length)] = rand(256);
      try {
        BitVector.decode(buf);
      } catch (err) {
        assert.ok(isEinval(err), `seed ${seed} round ${round}: ${String(err)}`);
      }
    }
  });
});
