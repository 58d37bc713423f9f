/**
 * Our `rados` CLI against a real Pacific cluster (3 memstore OSDs), side by
 * side with the real `rados`: what one writes the other reads back byte for
 * byte (objects, namespaces, locators, xattrs, omap, pool snapshots), the
 * listings and error messages are identical, locks taken by one exclude the
 * other, watchers of one get the other's notifies, and bench objects written
 * by one are read and verified (and cleaned up) by the other.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRealCluster, waitForCleanPgs, type RealCluster } from '../helpers/real-cluster.js';
import { Rados } from '../../src/rados/rados.js';

const ourRados = join(process.cwd(), 'bin', 'rados.js');
const POOL = 'rc';
let cluster: RealCluster;
let tmp: string;

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function exec(cmd: string, args: string[], input?: Buffer): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, CEPH_CONF: cluster.confPath }, encoding: 'buffer', maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.toString() });
      },
    );
    if (input) child.stdin?.end(input);
  });
}
const ours = (args: string[], input?: Buffer) => exec(process.execPath, [ourRados, ...args], input);
const real = (args: string[], input?: Buffer) => exec('rados', args, input);
const p = (...args: string[]) => ['-p', POOL, ...args];

/** Both tools, same arguments, at once: same stdout bytes, stderr and exit status. */
/**
 * The real client sometimes logs a race at shutdown ("<stamp> <thread> -1 monclient:
 * get_auth_request but no auth handler is set up", then a blank line) to stderr;
 * that is the real tool's noise, not output to compare.
 */
function withoutRealLogNoise(stderr: string): string {
  return stderr.replace(/^\d{4}-\d\d-\d\dT\S+ [0-9a-f]+ -1 monclient: .*\n\n?/gm, '');
}

/** The real tool, run again (at most twice) when it crashed in its own teardown (a Pacific bug seen on CI). */
async function realWithoutCrash(args: string[]): Promise<Result> {
  let r = await real(args);
  for (let i = 0; i < 2 && r.stderr.includes('*** Caught signal'); i++) r = await real(args);
  return r;
}

async function same(args: string[]): Promise<Result> {
  const [a, b] = await Promise.all([ours(args), realWithoutCrash(args)]);
  const what = `rados ${args.join(' ')}`;
  assert.equal(a.stderr, withoutRealLogNoise(b.stderr), `${what}: stderr`);
  assert.equal(a.stdout.toString('latin1'), b.stdout.toString('latin1'), `${what}: stdout`);
  assert.equal(a.code, b.code, `${what}: exit status`);
  return b;
}

/** `same` for many read-only argument lists, a few at a time. */
async function sameAll(list: string[][], parallel = 2): Promise<Result[]> {
  const results: Result[] = new Array<Result>(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results[i] = await same(list[i]!);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

/** A long-running `rados watch`: its output so far, and a way to end it with Enter. */
interface Watcher {
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number>;
}

function watch(cmd: string, args: readonly string[]): Watcher {
  const child: ChildProcess = spawn(cmd, [...args], {
    env: { ...process.env, CEPH_CONF: cluster.confPath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return {
    output: () => out,
    waitFor: async (re, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`watcher never printed ${re}; got:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return out;
    },
    stop: async () => {
      child.stdin!.end('\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rados-cli-'));
  cluster = await startRealCluster({
    name: 'rados-cli',
    basePort: 47500,
    osds: 3,
    objectStore: 'memstore',
    blockSizeBytes: 1 << 30,
  });
  await cluster.ceph(['osd', 'pool', 'create', POOL, '8']);
  await waitForCleanPgs((a) => cluster.ceph(a));
});

after(async () => {
  await cluster?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('rados cli: usage and misuse print what the real rados prints, with its exit status', async () => {
  await sameAll([
    [],
    ['--help'],
    p(),
    ['ls'],
    ['-p', 'nosuchpool', 'ls'],
    p('get'),
    p('frob'),
    p('--format', 'foo', 'ls'),
    p('-f', 'foo', 'ls'),
    p('-t', 'x', 'bench', '1', 'write'),
    p('bench', 'x', 'write'),
    p('bench', '1', 'seq'),
    p('bench', '1', 'seq', '-b', '4096'),
    p('stat', 'nosuchobj'),
    p('truncate', 'nosuchobj', '5x'),
    p('lock', 'info', 'nosuchobj'),
    p('lock', 'list', 'nosuchobj'),
    p('lock', 'get', 'x', 'l', '--lock-type', 'foo'),
    p('rm', 'nosuchobj'),
    p('-N', 'ns', 'rm', 'nosuchobj'),
    p('-s', 'nosuchsnap', 'get', 'x', '-'),
    p('listwatchers', 'nosuchobj'),
    p('cleanup', '--prefix', 'foo'),
  ]);
});

test('rados cli: objects, namespaces, locators, xattrs and omap cross between the two tools', async () => {
  const data = randomBytes(100_000);
  const file = join(tmp, 'data');
  writeFileSync(file, data);
  const keyFile = join(tmp, 'key');
  writeFileSync(keyFile, Buffer.from('bin\x01key', 'latin1'));
  const valueFile = join(tmp, 'value');
  writeFileSync(valueFile, Buffer.concat([Buffer.alloc(40, 'v'), Buffer.alloc(20, 0), Buffer.from('end')]));
  // ours writes o*, the real tool writes r*, both at once
  const writer = async (tool: typeof ours, prefix: string) => {
    ok(await tool(p('put', `${prefix}1`, file)), 'put');
    ok(await tool(p('-N', 'ns1', 'put', `${prefix}2`, file)), 'put -N');
    ok(await tool(p('--object-locator', 'lk', 'put', `${prefix}3`, file)), 'put --object-locator');
    ok(await tool(p('put', `${prefix}4`, '-'), Buffer.from('from stdin')), 'put -');
    ok(await tool(p('append', `${prefix}4`, file)), 'append');
    ok(await tool(p('truncate', `${prefix}4`, '1000')), 'truncate');
    ok(await tool(p('create', `${prefix}5`)), 'create');
    ok(await tool(p('setxattr', `${prefix}1`, 'user.a', 'value-a')), 'setxattr');
    ok(await tool(p('setxattr', `${prefix}1`, 'b', 'vb')), 'setxattr');
    ok(await tool(p('setomapval', `${prefix}1`, 'k1', 'value1')), 'setomapval');
    ok(
      await tool(p('setomapval', `${prefix}1`, '--omap-key-file', keyFile, 'binary')),
      'setomapval --omap-key-file',
    );
    ok(await tool(p('setomapval', `${prefix}1`, 'k2', '--input-file', valueFile)), 'setomapval --input-file');
    ok(await tool(p('setomapheader', `${prefix}1`, 'the header')), 'setomapheader');
  };
  await Promise.all([writer(ours, 'o'), writer(real, 'r')]);
  await sameAll([
    p('ls'),
    p('--all', 'ls'),
    p('-N', 'ns1', 'ls'),
    p('--all', 'ls', '--format', 'json'),
    p('--all', 'ls', '--format', 'json-pretty'),
    p('ls', '--format', 'xml'),
  ]);
  for (const o of ['o', 'r']) {
    const [full, ns, located] = await sameAll([
      p('get', `${o}1`, '-'),
      p('-N', 'ns1', 'get', `${o}2`, '-'),
      p('--object-locator', 'lk', 'get', `${o}3`, '-'),
      p('stat', `${o}1`),
      p('stat2', `${o}4`),
      p('stat', `${o}5`),
      p('get', `${o}4`, '-'),
      p('listxattr', `${o}1`),
      p('getxattr', `${o}1`, 'user.a'),
      p('listomapkeys', `${o}1`),
      p('listomapvals', `${o}1`),
      p('getomapval', `${o}1`, 'k2'),
      p('getomapval', `${o}1`, 'nokey'),
      p('getomapheader', `${o}1`),
      p('mapext', `${o}1`),
    ]);
    assert.deepEqual(full!.stdout, data);
    assert.deepEqual(ns!.stdout, data);
    assert.deepEqual(located!.stdout, data);
  }
  // removals by one tool are seen by the other
  ok(await ours(p('rmomapkey', 'r1', 'k1')), 'rmomapkey');
  ok(await ours(p('rmxattr', 'r1', 'b')), 'rmxattr');
  ok(await real(p('clearomap', 'o1')), 'clearomap');
  await sameAll([p('listomapvals', 'r1'), p('listomapvals', 'o1'), p('listxattr', 'r1')]);
  ok(await ours(p('touch', 'o6', '1700000000')), 'touch');
  await sameAll([p('stat', 'o6'), p('touch', 'o6', 'x')]);
  ok(await ours(p('cp', 'r1', 'r1-copy')), 'cp');
  assert.deepEqual((await real(p('get', 'r1-copy', '-'))).stdout, data);
  ok(await ours(p('rm', 'o5', 'r5', 'o6', 'r1-copy')), 'rm');
  ok(await real(p('rm', 'o4')), 'rm');
  await same(p('--all', 'ls'));
});

test('rados cli: a lock held through one tool excludes the other; info, list and break agree', async () => {
  ok(await ours(p('create', 'lk')), 'create');
  ok(
    await ours(
      p('lock', 'get', 'lk', 'l1', '--lock-cookie', 'c1', '--lock-tag', 't', '--lock-description', 'ours'),
    ),
    'lock get',
  );
  ok(
    await real(p('lock', 'get', 'lk', 'l2', '--lock-cookie', 'c2', '--lock-duration', '3600')),
    'real lock get',
  );
  // each tool is refused the other's exclusive lock with the same message
  const [a, b] = await Promise.all([
    ours(p('lock', 'get', 'lk', 'l2', '--lock-cookie', 'x')),
    real(p('lock', 'get', 'lk', 'l1', '--lock-cookie', 'x')),
  ]);
  assert.equal(a.code, 1);
  assert.equal(
    a.stderr,
    'ERROR: failed locking: (16) Device or resource busy\nerror 16: (16) Device or resource busy\n',
  );
  assert.equal(b.stderr, a.stderr);
  assert.equal(b.code, a.code);
  // shared locks from both
  ok(await ours(p('lock', 'get', 'lk', 'sh', '--lock-type', 'shared', '--lock-cookie', 's1')), 'shared');
  ok(await real(p('lock', 'get', 'lk', 'sh', '--lock-type', 'shared', '--lock-cookie', 's2')), 'shared');
  await sameAll([
    p('lock', 'list', 'lk'),
    ...['l1', 'l2', 'sh', 'none'].flatMap((l) => [
      p('lock', 'info', 'lk', l),
      p('lock', 'info', 'lk', l, '--pretty-format'),
    ]),
  ]);
  // ours breaks the real tool's lock, then takes it
  const info = JSON.parse((await real(p('lock', 'info', 'lk', 'l2'))).stdout.toString()) as {
    lockers: { name: string }[];
  };
  ok(await ours(p('lock', 'break', 'lk', 'l2', info.lockers[0]!.name, '--lock-cookie', 'c2')), 'break');
  await same(p('lock', 'info', 'lk', 'l2'));
  ok(await ours(p('lock', 'get', 'lk', 'l2', '--lock-cookie', 'mine')), 'lock after break');
  await same(p('lock', 'break', 'lk', 'l2', 'client.1', '--lock-cookie', 'nobody'));
  await same(p('lock', 'break', 'lk', 'l2', 'bogus'));
});

test('rados cli: our watch gets the real notify and acks it; the real watch gets ours', async () => {
  ok(await real(p('create', 'w')), 'create');
  // the ack echoes the notify payload: the message as an encoded string
  const payload = '0d 00 00 00 68 65 6c 6c  6f 20 77 61 74 63 68 65';
  const dump = `00000000  ${payload}  \\|\\.\\.\\.\\.hello watche\\|\\n00000010  72 [ ]+\\|r\\|\\n00000011\\n`;
  for (const [watcherCmd, watcherArgs, notifier] of [
    [process.execPath, [ourRados, ...p('watch', 'w')], real],
    ['rados', p('watch', 'w'), ours],
  ] as const) {
    const w = watch(watcherCmd, watcherArgs);
    try {
      await w.waitFor(/press enter to exit\.\.\.\n/);
      await same(p('listwatchers', 'w'));
      const n = await notifier(p('notify', 'w', 'hello watcher'));
      assert.equal(n.code, 0, n.stderr);
      assert.match(n.stdout.toString(), new RegExp(`^reply client\\.\\d+ cookie \\d+ : 17 bytes\\n${dump}$`));
      await w.waitFor(/NOTIFY cookie \d+ notify_id \d+ from \d+\n/);
      // the other tool's notify of the same message gets the same reply
      await same(p('notify', 'w', 'hello watcher'));
    } finally {
      assert.equal(await w.stop(), 0);
    }
    // the real tool flushes its hexdumps only at exit
    const lines = new RegExp(
      `^press enter to exit\\.\\.\\.\\n(NOTIFY cookie \\d+ notify_id \\d+ from \\d+\\n${dump}){3}$`,
    );
    assert.match(w.output(), lines);
  }
  await sameAll([p('listwatchers', 'w'), p('notify', 'w', 'nobody listens')]);
});

test('rados cli: pool snapshots, listsnaps and rollback agree with the real tool', async () => {
  const v1 = join(tmp, 'v1');
  const v2 = join(tmp, 'v2');
  writeFileSync(v1, 'version one');
  writeFileSync(v2, 'version two, longer');
  ok(await ours(p('put', 'snapobj', v1)), 'put');
  ok(await real(p('mksnap', 's1')), 'real mksnap');
  await same(p('lssnap'));
  ok(await real(p('put', 'snapobj', v2)), 'put');
  await same(p('listsnaps', 'snapobj'));
  await same(p('listsnaps', 'snapobj', '--pretty-format'));
  await same(p('listsnaps', 'snapobj', '--format', 'json'));
  await same(p('-s', 's1', 'get', 'snapobj', '-'));
  await same(p('mksnap', 's1'));
  ok(await ours(p('rollback', 'snapobj', 's1')), 'rollback');
  assert.equal((await real(p('get', 'snapobj', '-'))).stdout.toString(), 'version one');
  await same(p('rollback', 'snapobj', 'nosnap'));
  ok(await ours(p('mksnap', 's2')), 'our mksnap');
  await same(p('lssnap'));
  ok(await ours(p('rmsnap', 's1')), 'our rmsnap');
  ok(await real(p('rmsnap', 's2')), 'real rmsnap');
  await same(p('lssnap'));
  await same(p('rmsnap', 's1'));
});

test(
  'rados cli: df matches the real tool',
  { skip: !('poolStats' in Rados.prototype) && 'the library has no Rados.poolStats yet' },
  async () => {
    await same(p('df', '--format', 'json'));
  },
);

test('rados cli: bench objects written by one tool are verified and cleaned up by the other', async () => {
  const w = await ours(
    p('bench', '2', 'write', '-b', '4096', '-t', '4', '--no-cleanup', '--run-name', 'ourrun'),
  );
  assert.equal(w.code, 0, w.stderr);
  const written = /Total writes made: +(\d+)/.exec(w.stdout.toString());
  assert.ok(written, w.stdout.toString());
  const seq = ok(await real(p('bench', '10', 'seq', '-t', '4', '--run-name', 'ourrun')), 'real seq');
  assert.equal(seq.stderr, '');
  assert.match(seq.stdout.toString(), new RegExp(`Total reads made: +${written[1]}\\n`));
  const cleanup = ok(await real(p('cleanup', '--run-name', 'ourrun')), 'real cleanup');
  assert.equal(cleanup.stdout.toString(), `Removed ${written[1]} objects\n`);

  ok(
    await real(p('bench', '2', 'write', '-b', '4096', '-t', '4', '--no-cleanup', '--run-name', 'realrun')),
    'write',
  );
  const ourSeq = ok(await ours(p('bench', '10', 'seq', '-t', '4', '--run-name', 'realrun')), 'our seq');
  assert.equal(ourSeq.stderr, '');
  assert.match(ourSeq.stdout.toString(), /^hints = 1\n {2}sec Cur ops {3}started {2}finished {2}avg MB\/s/);
  const ourRand = ok(await ours(p('bench', '1', 'rand', '-t', '4', '--run-name', 'realrun')), 'our rand');
  assert.equal(ourRand.stderr, '');
  const ourCleanup = ok(await ours(p('cleanup', '--run-name', 'realrun')), 'our cleanup');
  assert.match(ourCleanup.stdout.toString(), /^Removed \d+ objects\n$/);
  await same(p('bench', '1', 'seq', '--run-name', 'realrun'));
});
