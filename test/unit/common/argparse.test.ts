import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterFromConfPath,
  mergeCephArgs,
  parseCommonArgs,
  parseConfigArgv,
  splitCephArgs,
} from '../../../src/common/argparse.js';
import { Config, ConfigLevel } from '../../../src/common/config.js';
import { isCephError } from '../../../src/common/errors.js';
import { Formatter } from '../../../src/common/formatter.js';

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsceph-argparse-'));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    fn(dir);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

function diffOf(config: Config, name: string): Record<string, unknown> {
  const f = new Formatter('json');
  f.object('config_diff', () => f.object('diff', () => config.diff(f)));
  return (JSON.parse(f.flush()) as { diff: Record<string, Record<string, unknown>> }).diff[name]!;
}

test('argparse: CEPH_ARGS → its options go first so the command line wins; positional parts after --', () => {
  assert.deepEqual(splitCephArgs('  --debug-ms 2\t--id x '), ['--debug-ms', '2', '--id', 'x']);
  assert.deepEqual(mergeCephArgs(['ls', '--debug-ms=3'], '--debug-ms 2'), [
    '--debug-ms',
    '2',
    'ls',
    '--debug-ms=3',
  ]);
  assert.deepEqual(mergeCephArgs(['a', '--', 'b'], '-x -- y'), ['-x', 'a', '--', 'b', 'y']);
});

test('argparse: CEPH_ARGS and argv → env and cmdline levels both recorded, cmdline value wins (as rbd shows)', () => {
  withTempDir((dir) => {
    const { config, rest } = parseCommonArgs(['--debug-monc', '0/3', 'watch', 'rbd/img'], {
      HOME: dir,
      CEPH_ARGS: '--debug-ms 1 --rbd-cache-size 1M',
    });
    assert.deepEqual(rest, ['watch', 'rbd/img']);
    assert.deepEqual(diffOf(config, 'rbd_cache_size'), {
      default: '33554432',
      env: '1048576',
      cmdline: '1048576',
      final: '1048576',
    });
    assert.deepEqual(diffOf(config, 'debug_monc'), { default: '0/10', cmdline: '0/3', final: '0/3' });
    assert.equal(config.get('debug_ms'), '1/1');
  });
});

test('argparse: -m, -k and --mon-host → set as runtime overrides (Pacific set_val); --no-X and --default-X levels', () => {
  withTempDir((dir) => {
    const { config, rest } = parseCommonArgs(
      [
        '-m',
        'v2:127.0.0.1:46200',
        '-k',
        '/tmp/keyring',
        '--no-rbd-cache',
        '--default-rbd-cache-size',
        '2M',
        'ls',
      ],
      { HOME: dir },
    );
    assert.deepEqual(rest, ['ls']);
    assert.deepEqual(diffOf(config, 'mon_host'), {
      default: '',
      override: 'v2:127.0.0.1:46200',
      final: 'v2:127.0.0.1:46200',
    });
    assert.deepEqual(diffOf(config, 'keyring').override, '/tmp/keyring');
    assert.deepEqual(diffOf(config, 'rbd_cache'), { default: true, cmdline: false, final: false });
    assert.deepEqual(diffOf(config, 'rbd_cache_size'), { default: '2097152', final: '2097152' });
  });
});

test('argparse: option flags → dashes or underscores, =value or separate value, bool forms', () => {
  const c = new Config();
  const rest = parseConfigArgv(c, [
    '--debug_ms=5/10',
    '--mon-client-hunt-interval',
    '2.5',
    '--rbd-cache=false',
    '--log-to-stderr',
    'false',
    '--unknown-flag',
    '1',
    '-x',
  ]);
  assert.equal(c.get('debug_ms'), '5/10');
  assert.equal(c.get('mon_client_hunt_interval'), 2.5);
  assert.equal(c.get('rbd_cache'), false);
  // a bool flag takes no separate value: "false" is left for the tool, as in Ceph
  assert.equal(c.get('log_to_stderr'), true);
  assert.deepEqual(rest, ['false', '--unknown-flag', '1', '-x']);
});

test("argparse: -- → stops option parsing; what follows is the tool's even if it looks like an option", () => {
  const c = new Config();
  assert.deepEqual(parseConfigArgv(c, ['--debug-ms', '1', '--', '--debug-ms', '2']), [
    '--',
    '--debug-ms',
    '2',
  ]);
  assert.equal(c.get('debug_ms'), '1/1');
});

test('argparse: bad values → EINVAL naming the option; missing value → EINVAL', () => {
  const c = new Config();
  assert.throws(
    () => parseConfigArgv(c, ['--rbd-cache-size', '1.5G']),
    (err: unknown) => isCephError(err, 'EINVAL') && /rbd_cache_size/.test(err.message),
  );
  assert.throws(
    () => parseConfigArgv(c, ['--rbd-cache=maybe']),
    (err: unknown) => isCephError(err, 'EINVAL'),
  );
  assert.throws(
    () => parseConfigArgv(c, ['--debug-ms']),
    (err: unknown) => isCephError(err, 'EINVAL'),
  );
  assert.throws(
    () => parseConfigArgv(c, ['--debug-ms', '100']),
    (err: unknown) => isCephError(err, 'ERANGE'),
  );
});

test('argparse: -n/-i → entity name in the order given; bad -n → EINVAL', () => {
  withTempDir((dir) => {
    assert.equal(parseCommonArgs(['--id', 'foo'], { HOME: dir }).config.name, 'client.foo');
    assert.equal(parseCommonArgs(['-n', 'osd.3'], { HOME: dir }).config.name, 'osd.3');
    assert.equal(parseCommonArgs(['-n', 'osd.3', '-i', '4'], { HOME: dir }).config.name, 'osd.4');
    assert.equal(parseCommonArgs(['--user', 'bob'], { HOME: dir }).config.name, 'client.bob');
    assert.throws(
      () => parseCommonArgs(['-n', 'admin'], { HOME: dir }),
      (err: unknown) => isCephError(err, 'EINVAL'),
    );
  });
});

test('argparse: -c FILE → read it, cluster named after it; [name] [type] [global] sections apply', () => {
  withTempDir((dir) => {
    const path = join(dir, 'backup.conf');
    writeFileSync(
      path,
      '[global]\nrun_dir = /run/$cluster\nadmin socket = $run_dir/$name.asok\n[client.admin]\ndebug ms = 4\n',
    );
    const { config, confPath, warnings } = parseCommonArgs(['-c', path], { HOME: dir });
    assert.equal(confPath, path);
    assert.deepEqual(warnings, []);
    assert.equal(config.cluster, 'backup');
    assert.equal(config.get('admin_socket'), '/run/backup/client.admin.asok');
    assert.equal(config.get('debug_ms'), '4/4');
    assert.equal(parseCommonArgs(['-c', path, '--cluster', 'x'], { HOME: dir }).config.cluster, 'x');
  });
});

test('argparse: CEPH_CONF → read it but the cluster stays "ceph" (Pacific sets it before reading)', () => {
  withTempDir((dir) => {
    const path = join(dir, 'dash.conf');
    writeFileSync(path, '[global]\nrbd cache = false\n');
    const { config, confPath } = parseCommonArgs([], { HOME: dir, CEPH_CONF: path });
    assert.equal(confPath, path);
    assert.equal(config.cluster, 'ceph');
    assert.equal(config.get('rbd_cache'), false);
  });
});

test('argparse: default search → ~/.ceph/$cluster.conf then ./$cluster.conf; none found is only a warning', () => {
  withTempDir((dir) => {
    const none = parseCommonArgs([], { HOME: dir });
    assert.equal(none.confPath, undefined);
    assert.deepEqual(none.warnings, ['did not load config file, using default settings.']);
    writeFileSync(join(dir, 'ceph.conf'), '[global]\ndebug ms = 2\n');
    assert.equal(parseCommonArgs([], { HOME: dir }).confPath, 'ceph.conf');
    mkdirSync(join(dir, '.ceph'));
    writeFileSync(join(dir, '.ceph', 'ceph.conf'), '[global]\ndebug ms = 3\n');
    const home = parseCommonArgs([], { HOME: dir });
    assert.equal(home.confPath, join(dir, '.ceph', 'ceph.conf'));
    assert.equal(home.config.get('debug_ms'), '3/3');
    assert.equal(parseCommonArgs([], { HOME: dir }, { noDefaultConfigFile: true }).confPath, undefined);
  });
});

test('argparse: named config that does not exist → ENOENT; one that does not parse → EINVAL', () => {
  withTempDir((dir) => {
    assert.throws(
      () => parseCommonArgs(['-c', join(dir, 'nope.conf')], { HOME: dir }),
      (err: unknown) =>
        isCephError(err, 'ENOENT') && /unable to open config file from search list/.test(err.message),
    );
    writeFileSync(join(dir, 'bad.conf'), '[global]\nfoo\n');
    assert.throws(
      () => parseCommonArgs(['-c', join(dir, 'bad.conf')], { HOME: dir }),
      (err: unknown) => isCephError(err, 'EINVAL'),
    );
    writeFileSync(join(dir, 'good.conf'), '[global]\n');
    const list = `${join(dir, 'nope.conf')},${join(dir, 'good.conf')}`;
    assert.equal(parseCommonArgs(['-c', list], { HOME: dir }).confPath, join(dir, 'good.conf'));
  });
});

test('argparse: CEPH_KEYRING → keyring at env level; --show-config-value → reported to the tool', () => {
  withTempDir((dir) => {
    const r = parseCommonArgs(['--show-config-value', 'fsid'], { HOME: dir, CEPH_KEYRING: '/k' });
    assert.equal(r.config.get('keyring'), '/k');
    assert.equal(r.config.sourceOf('keyring'), ConfigLevel.ENV);
    assert.equal(r.showConfigValue, 'fsid');
    assert.deepEqual(r.rest, []);
  });
});

test('argparse: clusterFromConfPath → basename up to ".conf", else "ceph"', () => {
  assert.equal(clusterFromConfPath('/etc/ceph/backup.conf'), 'backup');
  assert.equal(clusterFromConfPath('a.conf.bak'), 'a');
  assert.equal(clusterFromConfPath('/dev/null'), 'ceph');
});
