/**
 * Our admin socket driven by the REAL Pacific CLI: a CephContext runs in this
 * test process and `ceph --admin-daemon <path> ...` (python, ceph_daemon.py)
 * talks to it — first get_command_descriptions, then the validated command —
 * exactly as it talks to a real daemon. Replies must parse and carry our values.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/common/clock.js';
import { Config, ConfigLevel } from '../../src/common/config.js';
import { CephContext } from '../../src/common/context.js';
import { PerfCountersBuilder } from '../../src/common/perf-counters.js';

const run = promisify(execFile);
const haveCeph = spawnSync('sh', ['-c', 'command -v ceph'], { stdio: 'ignore' }).status === 0;
const skip = haveCeph ? false : 'real ceph CLI not installed';

const dir = mkdtempSync(join(tmpdir(), 'tsceph-asok-interop-'));
let cct: CephContext;
let path: string;
const objecter = new PerfCountersBuilder('objecter')
  .addU64('op_active', { description: 'Operations active' })
  .addU64Counter('op_send', { description: 'Sent operations' })
  .addTimeAvg('op_latency', { description: 'Operation latency' })
  .build();

/** Run the real CLI against our socket (async: our server lives in this event loop). */
async function ceph(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('ceph', ['--admin-daemon', path, ...args], { timeout: 30_000 });
}

before(async () => {
  const config = new Config({ environment: 'daemon', name: 'client.admin', pid: 4242 });
  config.set('run_dir', dir, ConfigLevel.FILE);
  config.set('admin_socket', '$run_dir/$name.$pid.asok', ConfigLevel.FILE);
  config.set('log_file', join(dir, '$name.log'), ConfigLevel.FILE);
  config.applyChanges();
  cct = new CephContext(config, { clock: new ManualClock(), stderr: () => undefined });
  cct.perf.add(objecter);
  objecter.set('op_active', 2);
  objecter.inc('op_send', 5);
  objecter.tinc('op_latency', 3);
  await cct.init();
  path = cct.adminSocket.path;
});

after(async () => {
  await cct?.shutDown();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'asok interop: ceph --admin-daemon help → our command table, parsed by the real CLI',
  { skip },
  async () => {
    const { stdout } = await ceph('help');
    const help = JSON.parse(stdout) as Record<string, string>;
    // every command a Pacific client's socket lists, except the mempool/objecter ones other layers own
    for (const prefix of [
      'config diff',
      'config diff get',
      'config get',
      'config help',
      'config set',
      'config show',
      'config unset',
      'get_command_descriptions',
      'git_version',
      'help',
      'injectargs',
      'log dump',
      'log flush',
      'log reopen',
      'perf dump',
      'perf histogram dump',
      'perf histogram schema',
      'perf reset',
      'perf schema',
      'version',
    ]) {
      assert.ok(prefix in help, `help lists ${prefix}`);
    }
    assert.equal(help['config set'], 'config set <field> <val> [<val> ...]: set a config variable');
  },
);

test('asok interop: version → Pacific shape with our version string', { skip }, async () => {
  const version = JSON.parse((await ceph('version')).stdout);
  assert.deepEqual(Object.keys(version), ['version', 'release', 'release_type']);
  assert.match(version.version, /^16\.2\.15-tsceph-/);
  assert.equal(version.release, 'pacific');
  assert.equal(version.release_type, 'stable');
});

test('asok interop: config show → every option, our values (expanded admin_socket)', { skip }, async () => {
  const shown = JSON.parse((await ceph('config', 'show')).stdout) as Record<string, string>;
  assert.equal(shown.name, 'client.admin');
  assert.equal(shown.cluster, 'ceph');
  assert.equal(shown.admin_socket, path);
  assert.equal(shown.run_dir, dir);
  assert.equal(Object.keys(shown).length, 1810);
});

test(
  'asok interop: config get debug_ms → "0/0"; unknown option → the CLI prints our ERROR banner',
  { skip },
  async () => {
    assert.deepEqual(JSON.parse((await ceph('config', 'get', 'debug_ms')).stdout), { debug_ms: '0/0' });
    const { stdout } = await ceph('config', 'get', 'nope');
    assert.equal(
      stdout,
      "ERROR: (2) No such file or directory\nerror getting 'nope': (2) No such file or directory\n",
    );
  },
);

test('asok interop: config set debug_ms 5 → success, our Config and logging follow', { skip }, async () => {
  assert.deepEqual(JSON.parse((await ceph('config', 'set', 'debug_ms', '5')).stdout), { success: '' });
  assert.equal(cct.config.get('debug_ms'), '5/5');
  assert.deepEqual(cct.config.subsystemLevels('ms'), { log: 5, gather: 5 });
  assert.deepEqual(JSON.parse((await ceph('config', 'get', 'debug_ms')).stdout), { debug_ms: '5/5' });
  const multi = JSON.parse((await ceph('config', 'set', 'rbd_cache_size', '10M')).stdout);
  assert.deepEqual(multi, {
    success: "rbd_cache_size = '10485760' (not observed, change may require restart) ",
  });
  const diff = JSON.parse((await ceph('config', 'diff')).stdout).diff;
  assert.deepEqual(diff.debug_ms, { default: '0/0', override: '5/5', final: '5/5' });
  assert.deepEqual(diff.admin_socket, {
    default: '$run_dir/$cluster-$name.asok',
    file: '$run_dir/$name.$pid.asok',
    final: path,
  });
});

test("asok interop: perf dump / schema → our counters in Ceph's shape", { skip }, async () => {
  const dump = JSON.parse((await ceph('perf', 'dump')).stdout);
  assert.deepEqual(dump.objecter, {
    op_active: 2,
    op_send: 5,
    op_latency: { avgcount: 1, sum: 0.003, avgtime: 0.003 },
  });
  const schema = JSON.parse((await ceph('perf', 'schema')).stdout);
  assert.equal(schema.objecter.op_send.type, 10);
  assert.equal(schema.objecter.op_latency.value_type, 'real-integer-pair');
  const one = JSON.parse((await ceph('perf', 'dump', 'objecter', 'op_send')).stdout);
  assert.deepEqual(one, { objecter: { op_send: 5 } });
});

test(
  'asok interop: --format json and `ceph daemon <path>` → compact reply through the same socket',
  { skip },
  async () => {
    const { stdout } = await run('ceph', ['daemon', path, 'config', 'get', 'run_dir', '--format', 'json'], {
      timeout: 30_000,
    });
    assert.equal(stdout.trim(), JSON.stringify({ run_dir: dir }));
  },
);

test(
  'asok interop: words the descriptions do not allow → the real CLI refuses before sending',
  { skip },
  async () => {
    await assert.rejects(ceph('config', 'frobnicate'), (err: { stderr?: string }) =>
      /invalid command/.test(err.stderr ?? ''),
    );
  },
);
