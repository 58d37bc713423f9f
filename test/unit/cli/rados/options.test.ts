import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createFormatter,
  needUsage,
  parseRadosOptions,
  takeFormatShortOption,
  type RadosOptionMap,
} from '../../../../src/cli/rados/options.js';
import { GENERIC_CLIENT_USAGE, RADOS_USAGE } from '../../../../src/cli/rados/usage.js';
import { main } from '../../../../src/cli/rados/main.js';
import type { RadosIo } from '../../../../src/cli/rados/context.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../../test/fixtures/rados-cli/${name}`, import.meta.url), 'utf8');

function parse(args: string[], lastValue = '') {
  const opts: RadosOptionMap = new Map();
  const r = parseRadosOptions(args, opts, lastValue);
  return { r, opts };
}

/** Captures a run of `main` that never reaches the cluster. */
function capture(): RadosIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(d: string | Buffer) {
      io.out += d.toString();
    },
    stderr(t: string) {
      io.err += t;
    },
    readStdin: () => Promise.resolve(Buffer.alloc(0)),
    waitForEnter: () => Promise.resolve(),
    hostname: () => 'host',
    pid: () => 1,
  };
  return io;
}

describe('rados options: usage', () => {
  it('the usage text is the real rados --help byte for byte', () => {
    assert.equal(RADOS_USAGE + GENERIC_CLIENT_USAGE, fixture('help.txt'));
  });

  it('-h/--help anywhere, or no argument, asks for the usage', () => {
    assert.equal(needUsage([]), true);
    assert.equal(needUsage(['-p', 'x', 'ls', '--help']), true);
    assert.equal(needUsage(['-p', 'x', '-h']), true);
    assert.equal(needUsage(['-p', 'x', 'ls']), false);
  });

  it('main: --help prints everything to stdout and exits 0; no argument exits 1', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io, {}), 0);
    assert.equal(io.out, fixture('help.txt'));
    assert.equal(io.err, '');
    const none = capture();
    assert.equal(await main([], none, {}), 1);
    assert.equal(none.err, 'rados: -h or --help for usage\n');
  });

  it('main: options only, no command: "you must give an action"', async () => {
    const io = capture();
    assert.equal(await main(['-p', 'pool', '--no-cleanup'], io, { CEPH_CONF: '/dev/null' }), 1);
    assert.equal(io.err, 'rados: you must give an action. Try --help\n');
  });

  it('main: an option missing its value is reported with the name as typed', async () => {
    const io = capture();
    assert.equal(await main(['ls', '-p'], io, { CEPH_CONF: '/dev/null' }), 1);
    assert.equal(io.err, 'Option -p requires an argument.\n');
  });

  it('main: a bad number in an option exits 234 (rados.cc returns -EINVAL from main)', async () => {
    const io = capture();
    assert.equal(
      await main(['-p', 'p', '-t', 'x', 'bench', '1', 'write'], io, { CEPH_CONF: '/dev/null' }),
      234,
    );
    assert.equal(io.err, 'Invalid value for concurrent-ios: strict_iecstrtoll: unit prefix not recognized\n');
    const fmt = capture();
    assert.equal(await main(['-p', 'p', '--format', 'plain', 'ls'], fmt, { CEPH_CONF: '/dev/null' }), 234);
    assert.equal(fmt.err, 'unrecognized format: plain\n');
  });
});

describe('rados options: the option loop', () => {
  it('options go in the map by rados.cc key, the rest are positional, in order', () => {
    const { r, opts } = parse([
      '-p',
      'mypool',
      'put',
      '--object-locator',
      'k',
      'obj',
      '-N',
      'ns',
      'file',
      '--all',
    ]);
    assert.deepEqual(r, { nargs: ['put', 'obj', 'file'] });
    assert.equal(opts.get('pool'), 'mypool');
    assert.equal(opts.get('object_locator'), 'k');
    assert.equal(opts.get('namespace'), 'ns');
    assert.equal(opts.get('all'), 'true');
  });

  it('--name=value and dashes/underscores alike', () => {
    const { r, opts } = parse(['--pool=p1', '--run_name', 'r', '--no_cleanup', '--lock-type=shared', 'x']);
    assert.deepEqual(r, { nargs: ['x'] });
    assert.equal(opts.get('pool'), 'p1');
    assert.equal(opts.get('run-name'), 'r');
    assert.equal(opts.get('no-cleanup'), 'true');
    assert.equal(opts.get('lock-type'), 'shared');
  });

  it('-b and --block-size, -O and --object-size share a key', () => {
    assert.equal(parse(['-b', '4096']).opts.get('block-size'), '4096');
    assert.equal(parse(['--block-size', '8K']).opts.get('block-size'), '8K');
    assert.equal(parse(['-O', '4M']).opts.get('object-size'), '4M');
  });

  it('"--" ends the options', () => {
    const { r } = parse(['-p', 'p', '--', 'rm', '-p', '--all']);
    assert.deepEqual(r, { nargs: ['rm', '-p', '--all'] });
  });

  it('an unknown argument after a value starting with "-" is a usage error (rados.cc quirk)', () => {
    assert.deepEqual(parse(['--run-name', '-x', 'ls']).r, { kind: 'usage' });
    assert.deepEqual(parse(['ls', 'obj'], '-weird').r, { kind: 'usage' });
    assert.deepEqual(parse(['ls', 'obj'], 'json').r, { nargs: ['ls', 'obj'] });
  });

  it('a missing value names the option as typed', () => {
    assert.deepEqual(parse(['ls', '--pool']).r, {
      kind: 'error',
      message: 'Option --pool requires an argument.',
    });
  });
});

describe('rados options: -f', () => {
  it('"-f FORMAT" is taken out before the common parser sees -f', () => {
    assert.deepEqual(takeFormatShortOption(['-p', 'x', '-f', 'json', 'ls']), {
      args: ['-p', 'x', 'ls'],
      format: 'json',
      lastValue: 'json',
    });
  });

  it('an unknown format stays for the common parser (it means --foreground there)', () => {
    assert.deepEqual(takeFormatShortOption(['-f', 'foo', 'ls']), {
      args: ['-f', 'foo', 'ls'],
      lastValue: 'foo',
    });
    assert.deepEqual(takeFormatShortOption(['--', '-f', 'json']), {
      args: ['--', '-f', 'json'],
      lastValue: '',
    });
  });

  it('createFormatter: json/xml variants, "" is json-pretty, plain is unknown', () => {
    assert.equal(createFormatter('json')?.format, 'json');
    assert.equal(createFormatter('')?.format, 'json-pretty');
    assert.equal(createFormatter('xml-pretty')?.format, 'xml-pretty');
    assert.equal(createFormatter('plain'), undefined);
  });
});
