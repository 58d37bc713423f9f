/**
 * A long-running `tsceph rados watch` serves its admin socket to the real
 * `ceph --admin-daemon`: `objecter_requests` shows the registered watch,
 * `config show` the process's configuration; and it prints the real `rados
 * notify` it receives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const radosBin = fileURLToPath(new URL('../../../bin/rados.js', import.meta.url));

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('rados watch: admin socket answers the real ceph --admin-daemon; real notify is received', async (t) => {
  const cluster = await startRealCluster({
    name: 'rados-watch-asok',
    basePort: 47800,
    osds: 1,
    objectStore: 'memstore',
  });
  t.after(() => cluster.stop());
  await cluster.ceph(['osd', 'pool', 'create', 'wp', '8']);
  const realRados = (args: string[]) =>
    execFileAsync('rados', ['-c', cluster.confPath, ...args], { timeout: 30_000 });
  await realRados(['-p', 'wp', 'put', 'watched', '/dev/null']);

  // Our client's own conf: the cluster's, with an admin socket in a folder of its own.
  const asokDir = join(cluster.dir, 'ours');
  await execFileAsync('mkdir', ['-p', asokDir]);
  const conf = join(asokDir, 'ceph.conf');
  writeFileSync(
    conf,
    `[global]\nmon_host = [${cluster.monAddr}]\nauth_client_required = none\nadmin_socket = ${asokDir}/$name.$pid.asok\n`,
  );

  // `rados watch` runs until enter is pressed: keep its stdin open.
  const child = spawn(process.execPath, [radosBin, '-c', conf, '-p', 'wp', 'watch', 'watched'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  await waitFor('watch to start', () => (out.includes('press enter to exit') ? true : undefined));
  const sock = await waitFor('admin socket', () => {
    const f = readdirSync(asokDir).find((n) => n.endsWith('.asok'));
    return f ? join(asokDir, f) : undefined;
  });
  assert.match(sock, new RegExp(`client\\.admin\\.${child.pid}\\.asok$`));

  const asok = async (cmd: string) =>
    JSON.parse((await execFileAsync('ceph', ['--admin-daemon', sock, ...cmd.split(' ')])).stdout) as unknown;
  const requests = (await asok('objecter_requests')) as {
    ops: unknown[];
    linger_ops: { object_id: string; registered: number; object_locator: string }[];
    pool_ops: unknown[];
  };
  assert.deepEqual(requests.ops, []);
  assert.equal(requests.linger_ops.length, 1);
  assert.equal(requests.linger_ops[0]!.object_id, 'watched');
  assert.equal(requests.linger_ops[0]!.registered, 1);
  assert.deepEqual(requests.pool_ops, []);
  const config = (await asok('config show')) as Record<string, string>;
  assert.equal(config.name, 'client.admin');
  assert.equal(config.mon_host, `[${cluster.monAddr}]`);
  // Shown expanded, as Ceph shows metavariables.
  assert.equal(config.admin_socket, sock);

  // The real notify reaches our watcher, which acks it echoing the payload as the real tool does
  // (the real notifier prints our reply: the encoded payload, 4 + 15 bytes).
  const notified = await realRados(['-p', 'wp', 'notify', 'watched', 'hello-from-real']);
  assert.match(notified.stdout, /reply client\.\d+ cookie \d+ : 19 bytes/);
  assert.match(notified.stdout, /hello-from-r/);
  await waitFor('notification printed', () => (out.includes('NOTIFY cookie') ? true : undefined));
  assert.match(out, /\|....hello-from-r\|/);

  child.stdin.end('\n');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  assert.deepEqual(
    readdirSync(asokDir).filter((n) => n.endsWith('.asok')),
    [],
    'socket removed at exit',
  );
});
