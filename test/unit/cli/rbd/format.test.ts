import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  cppDouble,
  ctimeString,
  percentage,
  ProgressContext,
  timestr,
} from '../../../../src/cli/rbd/utils.js';
import {
  benchHeader,
  benchSecondLine,
  benchSummary,
  type BenchSettings,
} from '../../../../src/cli/rbd/bench.js';
import { formatStatus } from '../../../../src/cli/rbd/status.js';
import { IndentStream } from '../../../../src/cli/rbd/indent-stream.js';
import type { RbdIo } from '../../../../src/cli/rbd/context.js';
import { utcTime } from './harness.js';

function io(): RbdIo & { err: string } {
  const x = {
    err: '',
    stdout: () => undefined,
    stderr: (t: string) => {
      x.err += t;
    },
    stdin: async function* () {},
    waitForEnter: () => Promise.resolve(),
    now: () => 0,
    monotonicMs: () => 0,
    localTime: utcTime,
  };
  return x;
}

describe('rbd text formats', () => {
  it('cppDouble prints like std::ostream << double (%g, 6 significant digits)', () => {
    const cases: [number, string][] = [
      [16000, '16000'],
      [4000, '4000'],
      [1333.3333333, '1333.33'],
      [666.6666667, '666.667'],
      [0.5, '0.5'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [123456, '123456'],
      [1234567, '1.23457e+06'],
      [999999.7, '1e+06'],
      [Infinity, 'inf'],
      [0, '0'],
      [2.5, '2.5'],
    ];
    for (const [x, want] of cases) assert.equal(cppDouble(x), want, String(x));
  });

  it('ctime: weekday, month, space-padded day, 24 h clock, year; timestr is ISO-like; 0 is empty', () => {
    const x = io();
    assert.equal(ctimeString(x, 1_700_000_000), 'Tue Nov 14 22:13:20 2023');
    assert.equal(ctimeString(x, 1_700_000_000 - 10 * 86400), 'Sat Nov  4 22:13:20 2023');
    assert.equal(timestr(x, 1_700_000_000), '2023-11-14 22:13:20');
    assert.equal(timestr(x, 0), '');
  });

  it('progress: \\r lines only when the percentage grows, then done or failed at the last value', () => {
    const x = io();
    const pc = new ProgressContext(x, 'Image flatten', false);
    pc.update(0, 3);
    pc.update(1, 3);
    pc.update(1, 3);
    pc.update(2, 3);
    pc.finish();
    assert.equal(
      x.err,
      '\rImage flatten: 33% complete...\rImage flatten: 66% complete...\rImage flatten: 100% complete...done.\n',
    );
    const y = io();
    const failing = new ProgressContext(y, 'Removing image', false);
    failing.update(1, 4);
    failing.fail();
    assert.equal(y.err, '\rRemoving image: 25% complete...\rRemoving image: 25% complete...failed.\n');
    const quiet = io();
    const none = new ProgressContext(quiet, 'x', true);
    none.update(1, 2);
    none.finish();
    none.fail();
    assert.equal(quiet.err, '');
    assert.equal(percentage(5, 0), 0);
  });

  it('bench lines as Pacific prints them', () => {
    const s: BenchSettings = {
      ioType: 'write',
      ioSize: 4096,
      ioThreads: 2,
      ioBytes: 262144,
      pattern: 'seq',
      readProportion: 0,
    };
    assert.equal(
      benchHeader(s),
      'bench  type write io_size 4096 io_threads 2 bytes 262144 pattern sequential\n',
    );
    assert.equal(
      benchHeader({
        ...s,
        ioType: 'readwrite',
        readProportion: 50,
        ioThreads: 16,
        ioBytes: 65536,
        pattern: 'rand',
      }),
      'bench  type readwrite read:write=50:50 io_size 4096 io_threads 16 bytes 65536 pattern random\n',
    );
    assert.equal(
      benchHeader({ ...s, ioType: 'read', pattern: 'full-seq' }),
      'bench  type read io_size 4096 io_threads 2 bytes 262144 pattern full sequential\n',
    );
    // rbd bench --io-type write --io-size 4K --io-total 256K --io-threads 2 on a real cluster
    assert.equal(
      benchSummary(0.004, 64, 262144, 0, 64, s),
      'elapsed: 0   ops: 64   ops/sec: 16000   bytes/sec: 62 MiB/s\n',
    );
    assert.equal(
      benchSummary(0.012, 16, 65536, 8, 8, { ...s, ioType: 'readwrite' }),
      'elapsed: 0   ops: 16   ops/sec: 1333.33   bytes/sec: 5.2 MiB/s\n' +
        'read_ops: 8   read_ops/sec: 666.667   read_bytes/sec: 2.6 MiB/s\n' +
        'write_ops: 8   write_ops/sec: 666.667   write_bytes/sec: 2.6 MiB/s\n',
    );
    assert.equal(benchSecondLine(3.2, 1234, 411.5, 1685504), '    3      1234     411.5   1.6 MiB/s\n');
  });

  it('status: none, or one watcher line each', () => {
    assert.equal(formatStatus([], undefined), 'Watchers: none\n');
    assert.equal(
      formatStatus([{ addr: '127.0.0.1:0/123', id: 4123n, cookie: 94000000000000n }], undefined),
      'Watchers:\n\twatcher=127.0.0.1:0/123 client.4123 cookie=94000000000000\n',
    );
  });

  it('indent stream: wraps at the last space, hard-cuts a word longer than the line', () => {
    const s = new IndentStream(10, 2, 20).write('aaaa bbbb cccc dddd\n').toString();
    assert.equal(s, '        aaaa bbbb\n          cccc dddd\n');
    const long = new IndentStream(4, 2, 10).write('abcdefghijkl\n').toString();
    assert.equal(long, '  abcdef\n    ghijkl\n');
    // a head as wide as the indent puts the text on the next line
    assert.equal(new IndentStream(4, 4, 10).write('ab\n').toString(), '\n    ab\n');
  });
});
