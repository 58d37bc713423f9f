import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  benchObjectName,
  benchObjectPrefix,
  decodeBenchMetadata,
  encodeBenchMetadata,
  fillBenchContents,
} from '../../../../src/cli/rados/bench.js';

describe('rados bench: objects', () => {
  it('names are benchmark_data_<host>_<pid>_object<N>, the host cut to 29 characters', () => {
    assert.equal(benchObjectPrefix('vm', 20674), 'benchmark_data_vm_20674');
    assert.equal(benchObjectName('vm', 20674, 1374), 'benchmark_data_vm_20674_object1374');
    assert.equal(benchObjectPrefix('a'.repeat(40), 1), `benchmark_data_${'a'.repeat(29)}_1`);
  });

  it('contents: "I\'m the %16dth op!", its NUL, then z padding', () => {
    const b = fillBenchContents(Buffer.alloc(40), 7);
    assert.equal(b.toString('latin1'), "I'm the                7th op!\0zzzzzzzzz");
    const big = fillBenchContents(Buffer.alloc(4096), 123456);
    assert.equal(big.subarray(0, 31).toString('latin1'), "I'm the           123456th op!\0");
    assert.ok(big.subarray(31).every((c) => c === 0x7a));
  });

  it('contents shorter than the text are cut as snprintf does (the last byte is the NUL)', () => {
    assert.equal(fillBenchContents(Buffer.alloc(5), 1).toString('latin1'), "I'm \0");
    assert.equal(fillBenchContents(Buffer.alloc(0), 1).length, 0);
  });
});

describe('rados bench: metadata object', () => {
  // benchmark_last_metadata as the real rados bench 3 write -b 4096 left it (9116 writes, pid 20674)
  const real = Buffer.from('00100000000000009c230000c250000000100000000000000', 'hex').subarray(0, 24);

  it('decodes what the real bench wrote', () => {
    assert.deepEqual(decodeBenchMetadata(real), {
      objectSize: 4096,
      numObjects: 9116,
      pid: 20674,
      opSize: 4096,
    });
  });

  it('encodes the same bytes', () => {
    assert.deepEqual(
      encodeBenchMetadata({ objectSize: 4096, numObjects: 9116, pid: 20674, opSize: 4096 }),
      real,
    );
  });

  it('an old metadata object without the op size means op size = object size', () => {
    assert.deepEqual(decodeBenchMetadata(real.subarray(0, 16)), {
      objectSize: 4096,
      numObjects: 9116,
      pid: 20674,
      opSize: 4096,
    });
  });
});
