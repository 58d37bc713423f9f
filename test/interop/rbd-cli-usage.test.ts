/**
 * Our `rbd` side by side with the real Pacific `rbd`:
 *
 * * without a cluster: `rbd help <command>` for every command and alias, and
 *   the command lines both reject before connecting (test/fixtures/rbd-cli/
 *   misuse-cases.txt) — same stdout, stderr and exit status;
 * * on a real cluster (1 mon, 1 memstore OSD, ports 48200..48299): images,
 *   snapshots, a clone, locks, metadata and a trashed image made by the real
 *   rbd, then every listing and report command run by both tools on them —
 *   the same bytes (same images, so the same ids and timestamps), and the
 *   same files from export and export-diff.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

const ourRbd = join(process.cwd(), 'bin', 'rbd.js');
const fixtures = join(process.cwd(), 'test', 'fixtures', 'rbd-cli');

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function exec(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  input?: Buffer,
): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env, encoding: 'buffer', maxBuffer: 1 << 28 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.toString() });
      },
    );
    if (input) child.stdin?.end(input);
  });
}

/** The real client's own log lines on stderr ("<stamp> <thread> -1 …") are not output to compare. */
function withoutLogNoise(stderr: string): string {
  return stderr.replace(/\d{4}-\d\d-\d\dT\S+ [0-9a-f]+ -1 .*\n\n?/g, '');
}

/** A few command lines at a time, each through both tools. */
async function both(
  list: string[][],
  env: Record<string, string | undefined>,
  check: (args: string[], ours: Result, real: Result) => void,
  parallel = 3,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const args = list[next++]!;
      const [ours, real] = await Promise.all([
        exec(process.execPath, [ourRbd, ...args], env),
        exec('rbd', args, env),
      ]);
      check(args, ours, real);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function same(args: string[], ours: Result, real: Result): void {
  const what = `rbd ${args.join(' ')}`;
  assert.equal(ours.stderr, withoutLogNoise(real.stderr), `${what}: stderr`);
  assert.equal(ours.stdout.toString('latin1'), real.stdout.toString('latin1'), `${what}: stdout`);
  assert.equal(ours.code, real.code, `${what}: exit status`);
}

/** Commands tsceph parses and explains but does not run. */
const NOT_IMPLEMENTED = new Set([
  'config',
  'device',
  'map',
  'unmap',
  'showmapped',
  'group',
  'journal',
  'migration',
  'mirror',
  'namespace',
  'nbd',
  'perf',
  'persistent-cache',
  'sparsify',
  'merge-diff',
  'encryption',
  'deep',
]);

describe('rbd CLI vs the real rbd without a cluster', () => {
  const env = { ...process.env, CEPH_ARGS: '' };

  it('rbd help and rbd help <command> for every command and alias', async () => {
    const words = readdirSync(join(fixtures, 'help'))
      .filter((f) => f.endsWith('.txt') && f !== '_top.txt')
      .map((f) =>
        f
          .replace(/^alias\./, '')
          .replace(/\.txt$/, '')
          .split('_'),
      );
    await both(
      [['-c', '/dev/null', 'help'], ...words.map((w) => ['-c', '/dev/null', 'help', ...w])],
      env,
      same,
      4,
    );
  });

  it('command lines rejected before connecting', async () => {
    const cases = readFileSync(join(fixtures, 'misuse-cases.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => JSON.parse(l) as string[])
      .filter((a) => !NOT_IMPLEMENTED.has(a[0] ?? ''));
    await both(
      cases.map((a) => ['-c', '/dev/null', ...a]),
      env,
      same,
      4,
    );
  });
});

describe('rbd CLI vs the real rbd on a real cluster', () => {
  let cluster: RealCluster;
  let tmp: string;
  let env: Record<string, string | undefined>;

  const real = async (...args: string[]) => {
    const r = await exec('rbd', args, env);
    assert.equal(r.code, 0, `setup: rbd ${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    cluster = await startRealCluster({
      name: 'rbd-cli-usage',
      basePort: 48200,
      osds: 1,
      objectStore: 'memstore',
      rbdPool: true,
    });
    env = { ...process.env, CEPH_CONF: cluster.confPath, CEPH_ARGS: '' };
    tmp = mkdtempSync(join(tmpdir(), 'rbd-cli-usage-'));
    const support = (await import(join(fixtures, 'session-support.mjs'))) as {
      makeDataFiles(dir: string): void;
    };
    support.makeDataFiles(tmp);
    // what the listings below look at, all made by the real rbd
    await real('import', '--no-progress', join(tmp, 'data1'), 'data');
    await real('snap', 'create', '--no-progress', 'data@s1');
    await real(
      'bench',
      '--io-type',
      'write',
      '--io-size',
      '4K',
      '--io-total',
      '64K',
      '--io-threads',
      '1',
      '--io-pattern',
      'full-seq',
      'data',
    );
    await real(
      'create',
      '-s',
      '64M',
      '--object-size',
      '1M',
      '--stripe-unit',
      '64K',
      '--stripe-count',
      '4',
      'striped',
    );
    await real('create', '-s', '10M', '--image-feature', 'layering,exclusive-lock', 'parent');
    await real('snap', 'create', '--no-progress', 'parent@p1');
    await real('snap', 'create', '--no-progress', 'parent@p2');
    await real('snap', 'protect', 'parent@p1');
    await real('snap', 'limit', 'set', 'parent', '--limit', '10');
    await real('clone', 'parent@p1', 'child');
    await real('create', '-s', '1M', 'locked');
    await real('lock', 'add', 'locked', 'l1');
    await real('create', '-s', '1M', 'shared');
    await real('lock', 'add', '--shared', 'tag', 'shared', 's1');
    await real('image-meta', 'set', 'data', 'conf_rbd_cache', 'false');
    await real('image-meta', 'set', 'data', 'user.key', 'some value');
    await real('create', '-s', '1M', 'trashed');
    await real('trash', 'mv', 'trashed');
    await real('create', '-s', '1M', 'kept');
    await real('trash', 'mv', '--expires-at', '2099-01-01', 'kept');
  });

  after(async () => {
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('listings and reports of images the real rbd made', async () => {
    const lines: string[][] = [
      ['ls'],
      ['ls', '-l'],
      ['ls', '--format', 'json'],
      ['ls', '-l', '--format', 'json', '--pretty-format'],
      ['ls', '-l', '--format', 'xml'],
      ['ls', 'nopool'],
      ['info', 'data'],
      ['info', 'data', '--format', 'json'],
      ['info', 'data@s1', '--format', 'xml', '--pretty-format'],
      ['info', 'striped'],
      ['info', 'parent'],
      ['info', 'child'],
      ['info', 'child', '--format', 'json', '--pretty-format'],
      ['info', 'nosuch'],
      ['info', 'data@nosnap'],
      ['snap', 'ls', 'data'],
      ['snap', 'ls', 'parent', '--format', 'json'],
      ['snap', 'ls', '--all', 'parent'],
      ['snap', 'ls', 'parent', '--format', 'xml', '--pretty-format'],
      ['children', 'parent@p1'],
      ['children', 'parent', '--format', 'json'],
      ['diff', 'data'],
      ['diff', 'data', '--format', 'json'],
      ['diff', '--whole-object', 'data'],
      ['diff', '--from-snap', 's1', 'data'],
      ['diff', 'data@s1'],
      ['du'],
      ['du', 'data'],
      ['du', '--format', 'json', '--pretty-format'],
      ['du', '--exact', 'data'],
      ['lock', 'ls', 'locked'],
      ['lock', 'ls', 'shared', '--format', 'json'],
      ['lock', 'ls', 'data'],
      ['status', 'data'],
      ['status', 'data', '--format', 'xml'],
      ['image-meta', 'ls', 'data'],
      ['image-meta', 'ls', 'data', '--format', 'json'],
      ['image-meta', 'get', 'data', 'user.key'],
      ['image-meta', 'get', 'data', 'nokey'],
      ['trash', 'ls'],
      ['trash', 'ls', '-l'],
      ['trash', 'ls', '--format', 'json', '--pretty-format'],
    ];
    // listings are compared in sequence: the real tool's opens bump access timestamps
    await both(lines, env, same, 1);
  });

  it('export (formats 1 and 2) and export-diff write the same bytes', async () => {
    const lines: [string[], string][] = [
      [['export', '--no-progress', 'data', '%'], 'v1'],
      [['export', '--no-progress', '--export-format', '2', 'data', '%'], 'v2'],
      [['export-diff', '--no-progress', 'data@s1', '%'], 'diff'],
      [['export-diff', '--no-progress', '--from-snap', 's1', 'data', '%'], 'diff-from'],
    ];
    for (const [args, name] of lines) {
      const ourPath = join(tmp, `ours-${name}`);
      const realPath = join(tmp, `real-${name}`);
      const [ours, realRun] = await Promise.all([
        exec(process.execPath, [ourRbd, ...args.map((a) => (a === '%' ? ourPath : a))], env),
        exec(
          'rbd',
          args.map((a) => (a === '%' ? realPath : a)),
          env,
        ),
      ]);
      assert.equal(ours.code, realRun.code, `${name}: exit status`);
      assert.ok(readFileSync(ourPath).equals(readFileSync(realPath)), `${name}: file bytes`);
    }
    const [ours, realRun] = await Promise.all([
      exec(process.execPath, [ourRbd, 'export', '--no-progress', 'data@s1', '-'], env),
      exec('rbd', ['export', '--no-progress', 'data@s1', '-'], env),
    ]);
    assert.ok(ours.stdout.equals(realRun.stdout), 'export to stdout');
  });

  it('images our rbd creates, snapshots and imports read back the same through the real rbd', async () => {
    const ours = (...args: string[]) => exec(process.execPath, [ourRbd, ...args], env);
    assert.equal((await ours('create', '-s', '10M', 'ours1')).code, 0);
    assert.equal((await ours('import', '--no-progress', join(tmp, 'data2'), 'ours2')).code, 0);
    assert.equal((await ours('snap', 'create', '--no-progress', 'ours2@a')).code, 0);
    assert.equal((await ours('image-meta', 'set', 'ours2', 'k', 'v')).code, 0);
    const read = await real('export', '--no-progress', 'ours2@a', '-');
    assert.ok(read.stdout.equals(readFileSync(join(tmp, 'data2'))), 'data written by our import');
    for (const args of [
      ['info', 'ours1'],
      ['snap', 'ls', 'ours2'],
      ['image-meta', 'ls', 'ours2'],
      ['diff', 'ours2'],
    ]) {
      const [a, b] = await Promise.all([ours(...args), exec('rbd', args, env)]);
      same(args, a, b);
    }
  });
});
