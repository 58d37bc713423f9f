/**
 * Our `ceph` CLI against a real Pacific cluster, side by side with the real
 * `ceph` CLI: same stdout bytes (JSON, after dropping time-varying fields),
 * same stderr and exit status for errors, mutations visible to the real CLI,
 * and the real `ceph --admin-daemon` served by our long-running `ceph -w`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

const run = promisify(execFile);
const ourCeph = join(process.cwd(), 'bin', 'ceph.js');
let cluster: RealCluster;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(cmd: string, args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, CEPH_CONF: cluster.confPath } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const ours = (args: string[]) => exec(process.execPath, [ourCeph, ...args]);
const real = (args: string[]) => exec('ceph', args);

/** Drop fields that change from one second to the next. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (/age|stamp|time|modified|last_|since|_sec$|uptime|bytes_sec|_ops|read_|write_/.test(k)) continue;
      out[k] = stable(v);
    }
    return out;
  }
  return value;
}

before(async () => {
  cluster = await startRealCluster({
    name: 'ceph-cli',
    basePort: 46700,
    osds: 1,
    objectStore: 'memstore',
    blockSizeBytes: 1 << 30,
  });
});

after(async () => {
  await cluster?.stop();
});

for (const words of [
  ['status'],
  ['mon', 'dump'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'dump'],
  ['osd', 'tree'],
  ['health'],
  ['mgr', 'stat'],
  ['versions'],
  ['pg', 'stat'],
]) {
  test(`ceph cli: ${words.join(' ')} --format json → same JSON as the real CLI`, async () => {
    // a live snapshot (usage, PG stats) can change between two calls: compare again, a few
    // times, until both saw the same state; a real difference persists and fails
    for (let attempt = 1; ; attempt++) {
      const [a, b] = [await ours([...words, '--format', 'json']), await real([...words, '--format', 'json'])];
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(a.stdout.startsWith('\n'), 'JSON output starts with the blank line Ceph prints');
      const [x, y] = [stable(JSON.parse(a.stdout)), stable(JSON.parse(b.stdout))];
      if (attempt === 5) {
        assert.deepEqual(x, y);
        break;
      }
      if (JSON.stringify(x) === JSON.stringify(y)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
}

test('ceph cli: mon dump plain → byte-identical to the real CLI', async () => {
  const [a, b] = [await ours(['mon', 'dump']), await real(['mon', 'dump'])];
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stderr, b.stderr);
  assert.equal(a.code, b.code);
});

for (const words of [
  ['osd', 'pool', 'get', 'nosuch', 'size'],
  ['osd', 'pool', 'rm', 'nosuch'],
  ['osd', 'pool', 'create'],
  ['no', 'such', 'command'],
]) {
  test(`ceph cli: ${words.join(' ')} → same stderr and exit status as the real CLI`, async () => {
    const [a, b] = [await ours(words), await real(words)];
    assert.equal(a.stderr, b.stderr);
    assert.equal(a.code, b.code);
    assert.equal(a.stdout, b.stdout);
  });
}

test('ceph cli: osd pool create/set/application enable/rm change the real cluster', async () => {
  assert.equal(
    (await ours(['osd', 'pool', 'create', 'tsceph-cli', '8'])).stderr,
    "pool 'tsceph-cli' created\n",
  );
  let pools = JSON.parse((await real(['osd', 'pool', 'ls', '--format', 'json'])).stdout) as string[];
  assert.ok(pools.includes('tsceph-cli'));
  assert.equal((await ours(['osd', 'pool', 'set', 'tsceph-cli', 'pg_num_min', '4'])).code, 0);
  const got = JSON.parse(
    (await real(['osd', 'pool', 'get', 'tsceph-cli', 'pg_num_min', '-f', 'json'])).stdout,
  ) as {
    pg_num_min: number;
  };
  assert.equal(got.pg_num_min, 4);
  assert.equal((await ours(['osd', 'pool', 'application', 'enable', 'tsceph-cli', 'rbd'])).code, 0);
  const apps = JSON.parse(
    (await real(['osd', 'pool', 'application', 'get', 'tsceph-cli', '-f', 'json'])).stdout,
  );
  assert.deepEqual(Object.keys(apps as object), ['rbd']);
  const rm = await ours(['osd', 'pool', 'rm', 'tsceph-cli', 'tsceph-cli', '--yes-i-really-really-mean-it']);
  assert.equal(rm.code, 0, rm.stderr);
  pools = JSON.parse((await real(['osd', 'pool', 'ls', '--format', 'json'])).stdout) as string[];
  assert.ok(!pools.includes('tsceph-cli'));
});

test('ceph cli: config set/get round trip through the real mon', async () => {
  assert.equal((await ours(['config', 'set', 'client.tsceph', 'rbd_cache', 'false'])).code, 0);
  assert.equal((await real(['config', 'get', 'client.tsceph', 'rbd_cache'])).stdout, 'false\n');
  assert.equal((await ours(['config', 'get', 'client.tsceph', 'rbd_cache'])).stdout, 'false\n');
  assert.equal((await ours(['config', 'rm', 'client.tsceph', 'rbd_cache'])).code, 0);
});

test('ceph cli: the real ceph --admin-daemon talks to our long-running ceph -w', async () => {
  const child = spawn(process.execPath, [ourCeph, '-w'], {
    env: { ...process.env, CEPH_CONF: cluster.confPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const socket = join(cluster.dir, 'run', `client.admin.${child.pid}.asok`);
  try {
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(socket), `admin socket ${socket} appears`);
    const version = JSON.parse((await real(['--admin-daemon', socket, 'version'])).stdout) as {
      release: string;
    };
    assert.equal(version.release, 'pacific');
    const help = JSON.parse((await real(['--admin-daemon', socket, 'help'])).stdout) as Record<
      string,
      string
    >;
    assert.ok('perf dump' in help && 'config show' in help);
    const config = JSON.parse((await real(['--admin-daemon', socket, 'config', 'show'])).stdout) as Record<
      string,
      string
    >;
    assert.equal(config.name, 'client.admin');
    assert.equal(config.admin_socket, socket);
    const perf = await real(['--admin-daemon', socket, 'perf', 'dump']);
    assert.equal(perf.code, 0);
    assert.doesNotThrow(() => JSON.parse(perf.stdout));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  assert.ok(!existsSync(socket), 'socket removed on exit');
});
