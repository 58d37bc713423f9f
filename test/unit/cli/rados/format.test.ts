import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  cppStrerror,
  formatByteU,
  formatFixedC,
  hexdump,
  prettify,
  strictIecStrtoll,
  strtollWhole,
  TextTable,
} from '../../../../src/cli/rados/format.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../../test/fixtures/rados-cli/${name}`, import.meta.url), 'utf8');

/** The inputs capture.sh wrote before the real `rados getomapval` printed hexdump-NAME.txt. */
const hexdumpInputs: Record<string, Buffer> = {
  runs: Buffer.concat([
    Buffer.alloc(64, 'a'),
    Buffer.alloc(16, 'b'),
    Buffer.alloc(40, 0),
    Buffer.alloc(3, 'c'),
  ]),
  same32: Buffer.alloc(32, 'a'),
  allbytes: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  short: Buffer.from('bin\x01key', 'latin1'),
  empty: Buffer.alloc(0),
};

describe('rados format: bufferlist::hexdump', () => {
  for (const [name, data] of Object.entries(hexdumpInputs)) {
    it(`${name}: same text as the real rados getomapval`, () => {
      assert.equal(`value (${data.length} bytes) :\n${hexdump(data)}\n`, fixture(`hexdump-${name}.txt`));
    });
  }

  it('a run of repeated rows folds into one "*" but the last row always prints', () => {
    const text = hexdump(Buffer.alloc(64, 'z'));
    assert.deepEqual(text.split('\n').slice(0, 4), [
      '00000000  7a 7a 7a 7a 7a 7a 7a 7a  7a 7a 7a 7a 7a 7a 7a 7a  |zzzzzzzzzzzzzzzz|',
      '*',
      '00000030  7a 7a 7a 7a 7a 7a 7a 7a  7a 7a 7a 7a 7a 7a 7a 7a  |zzzzzzzzzzzzzzzz|',
      '00000040',
    ]);
  });
});

describe('rados format: byte_u_t', () => {
  it('whole multiples print without a fraction; values seen in a real rados df', () => {
    assert.equal(formatByteU(0), '0 B');
    assert.equal(formatByteU(15), '15 B');
    assert.equal(formatByteU(1023), '1023 B');
    assert.equal(formatByteU(16384), '16 KiB');
    assert.equal(formatByteU(7168), '7 KiB');
    assert.equal(formatByteU(147n << 10n), '147 KiB');
    assert.equal(formatByteU(12582912n << 10n), '12 GiB');
  });

  it('fractions take as many decimals as fit in seven characters', () => {
    // the unit's " KiB" counts: two decimals never fit, one fits a single-digit value
    assert.equal(formatByteU(1536), '1.5 KiB');
    assert.equal(formatByteU(10239), '10 KiB');
    assert.equal(formatByteU(1024 * 1024 + 1), '1.0 MiB');
    assert.equal(formatByteU(1024 * 1024 * 1024 - 1), '1024 MiB');
    // printf rounds exact halves to even
    assert.equal(formatByteU(150 * 1024 + 512), '150 KiB');
    assert.equal(formatByteU(15 * 1024 + 512), '16 KiB');
  });

  it('%.Nf rounds the exact binary value, ties to even', () => {
    assert.equal(formatFixedC(2.5, 0), '2');
    assert.equal(formatFixedC(3.5, 0), '4');
    assert.equal(formatFixedC(0.125, 2), '0.12');
    assert.equal(formatFixedC(0.1, 1), '0.1');
    assert.equal(formatFixedC(1.005, 2), '1.00');
    assert.equal(formatFixedC(9.999, 2), '10.00');
  });
});

describe('rados format: TextTable', () => {
  it('lays out rados df as the real tool did', () => {
    // from a real `rados df` (Pacific 16.2.15), with the stats it reported
    const expected =
      'POOL_NAME              USED  OBJECTS  CLONES  COPIES  MISSING_ON_PRIMARY  UNFOUND  DEGRADED  RD_OPS      RD  WR_OPS     WR  USED COMPR  UNDER COMPR\n' +
      'device_health_metrics   0 B        0       0       0                   0        0         0       0     0 B       0    0 B         0 B          0 B\n' +
      'p                      15 B        5       1      15                   0        0         0      25  16 KiB      11  7 KiB         0 B          0 B\n' +
      'rbd                    19 B        1       0       3                   0        0         0       0     0 B       2  2 KiB         0 B          0 B\n';
    const t = new TextTable().defineColumn('POOL_NAME', 'left', 'left');
    for (const h of [
      'USED',
      'OBJECTS',
      'CLONES',
      'COPIES',
      'MISSING_ON_PRIMARY',
      'UNFOUND',
      'DEGRADED',
      'RD_OPS',
      'RD',
      'WR_OPS',
      'WR',
      'USED COMPR',
      'UNDER COMPR',
    ])
      t.defineColumn(h, 'right', 'right');
    const row = (
      name: string,
      used: number,
      objs: number,
      clones: number,
      copies: number,
      rdOps: number,
      rd: number,
      wrOps: number,
      wr: number,
    ) =>
      t.addRow([
        name,
        formatByteU(used),
        objs,
        clones,
        copies,
        0,
        0,
        0,
        rdOps,
        formatByteU(rd),
        wrOps,
        formatByteU(wr),
        formatByteU(0),
        formatByteU(0),
      ]);
    row('device_health_metrics', 0, 0, 0, 0, 0, 0, 0, 0);
    row('p', 15, 5, 1, 15, 25, 16384, 11, 7168);
    row('rbd', 19, 1, 0, 3, 0, 0, 2, 2048);
    assert.equal(t.toString(), expected);
  });
});

describe('rados format: strict_iecstrtoll', () => {
  it('takes plain numbers and IEC or SI-letter suffixes', () => {
    assert.deepEqual(strictIecStrtoll('16'), { value: 16n });
    assert.deepEqual(strictIecStrtoll('4K'), { value: 4096n });
    assert.deepEqual(strictIecStrtoll('4Ki'), { value: 4096n });
    assert.deepEqual(strictIecStrtoll('1M'), { value: 1048576n });
    assert.deepEqual(strictIecStrtoll('2B'), { value: 2n });
    assert.deepEqual(strictIecStrtoll('-3'), { value: -3n });
  });

  it('rejects with the real tool messages', () => {
    // "Invalid value for lock-duration: ..." and "... concurrent-ios: ..." printed by the real rados
    assert.deepEqual(strictIecStrtoll('abc'), { error: 'strict_iecstrtoll: illegal prefix (length > 2)' });
    assert.deepEqual(strictIecStrtoll('x'), { error: 'strict_iecstrtoll: unit prefix not recognized' });
    assert.deepEqual(strictIecStrtoll(''), { error: 'strict_iecstrtoll: value not specified' });
    assert.deepEqual(strictIecStrtoll('Bi'), { error: 'strict_iecstrtoll: illegal prefix "Bi"' });
    assert.deepEqual(strictIecStrtoll('1-2'), { error: "Expected option value to be integer, got '1-2'" });
    assert.deepEqual(strictIecStrtoll('9E'), { error: 'strict_iecstrtoll: value seems to be too large' });
  });
});

describe('rados format: small helpers', () => {
  it('strtoll with an end check: whole numbers only, empty is 0', () => {
    assert.equal(strtollWhole('12'), 12n);
    assert.equal(strtollWhole(' -5'), -5n);
    assert.equal(strtollWhole(''), 0n);
    assert.equal(strtollWhole('5x'), undefined);
    assert.equal(strtollWhole('x'), undefined);
  });

  it('cpp_strerror and prettify', () => {
    assert.equal(cppStrerror(-2), '(2) No such file or directory');
    assert.equal(cppStrerror(16), '(16) Device or resource busy');
    assert.equal(prettify('obj1'), 'obj1');
    assert.equal(prettify('bin\x01key'), '(binary key)');
  });
});
