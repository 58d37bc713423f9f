/**
 * Request forwarding across implementations, through the CLIs: while one
 * tool's `rbd bench --io-type write` holds an image's exclusive lock, the
 * other tool's `rbd flatten`, `rbd resize` and `rbd snap create` on that
 * image are forwarded to the bench process (the lock owner), which runs them
 * (flatten progress relayed back). A SIGKILLed lock owner is blocklisted and
 * its lock broken by the next writer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

type Tool = 'ours' | 'real';
const ourRbd = join(process.cwd(), 'bin', 'rbd.js');
let cluster: RealCluster;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function command(tool: Tool, args: string[]): [string, string[]] {
  const full = ['-c', cluster.confPath, ...args];
  return tool === 'ours' ? [process.execPath, [ourRbd, ...full]] : ['rbd', full];
}

function run(tool: Tool, args: string[]): Promise<Result> {
  const [cmd, argv] = command(tool, args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

async function ok(tool: Tool, args: string[]): Promise<Result> {
  const r = await run(tool, args);
  assert.equal(r.code, 0, `${tool} rbd ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r;
}

/** A long-running write bench: it takes the exclusive lock and keeps it. */
function startBench(tool: Tool, image: string): ChildProcess {
  const [cmd, argv] = command(tool, [
    'bench',
    '--io-type',
    'write',
    '--io-size',
    '4K',
    '--io-threads',
    '2',
    '--io-total',
    '100G',
    '--io-pattern',
    'rand',
    image,
  ]);
  return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function stopBench(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function lockOwner(image: string): Promise<string | undefined> {
  const r = await ok('real', ['lock', 'ls', '--format', 'json', image]);
  const locks = JSON.parse(r.stdout) as { locker: string; address: string }[];
  return locks[0]?.address;
}

async function waitForLock(image: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const owner = await lockOwner(image);
    if (owner) return owner;
    if (Date.now() > deadline) throw new Error(`nobody took the lock on ${image}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  cluster = await startRealCluster({
    name: 'rbd-lockfw',
    basePort: 49100,
    osds: 1,
    objectStore: 'memstore',
    rbdPool: true,
  });
});

after(async () => {
  await cluster?.stop();
});

for (const [owner, asker] of [
  ['real', 'ours'],
  ['ours', 'real'],
] as [Tool, Tool][]) {
  test(`${asker} rbd's flatten, resize and snap create are forwarded to ${owner} rbd bench holding the lock`, async () => {
    const p = `${owner}-owned`;
    await ok('real', ['create', '--size', '64M', `${p}-parent`]);
    await ok('real', [
      'bench',
      '--io-type',
      'write',
      '--io-size',
      '1M',
      '--io-total',
      '64M',
      '--io-pattern',
      'seq',
      `${p}-parent`,
    ]);
    await ok('real', ['snap', 'create', `${p}-parent@s`]);
    await ok('real', ['snap', 'protect', `${p}-parent@s`]);
    await ok('real', ['clone', `${p}-parent@s`, p]);

    const bench = startBench(owner, p);
    try {
      const benchAddr = await waitForLock(p);
      const flatten = await ok(asker, ['flatten', p]);
      assert.match(
        flatten.stderr,
        /Image flatten: \d+% complete\.\.\./,
        'flatten progress relayed from the owner',
      );
      assert.match(flatten.stderr, /Image flatten: 100% complete\.\.\.done\./);
      await ok(asker, ['resize', '--size', '96M', p]);
      await ok(asker, ['snap', 'create', `${p}@forwarded`]);
      assert.equal(await lockOwner(p), benchAddr, 'the bench kept the lock throughout');
      assert.equal(bench.exitCode, null, 'the bench is still running');
    } finally {
      await stopBench(bench);
    }
    const info = JSON.parse((await ok('real', ['info', '--format', 'json', p])).stdout) as Record<
      string,
      unknown
    >;
    assert.equal(info.parent, undefined, 'flattened');
    assert.equal(info.size, 96 << 20);
    const snaps = JSON.parse((await ok('real', ['snap', 'ls', '--format', 'json', p])).stdout) as {
      name: string;
    }[];
    assert.deepEqual(
      snaps.map((s) => s.name),
      ['forwarded'],
    );
  });
}

for (const [victim, writer] of [
  ['real', 'ours'],
  ['ours', 'real'],
] as [Tool, Tool][]) {
  test(`a killed ${victim} lock owner is blocklisted and its lock broken by ${writer} rbd`, async () => {
    const image = `killed-${victim}`;
    await ok('real', ['create', '--size', '32M', image]);
    const bench = startBench(victim, image);
    const deadAddr = await waitForLock(image);
    await stopBench(bench, 'SIGKILL');
    await ok(writer, ['bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '64K', image]);
    const blocklist = await cluster.ceph(['osd', 'blocklist', 'ls']);
    assert.ok(blocklist.includes(deadAddr), `${deadAddr} blocklisted: ${blocklist}`);
    assert.equal(await lockOwner(image), undefined, 'the writer released the lock when it finished');
  });
}
