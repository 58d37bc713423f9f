/**
 * Our `rbd` and the real one on one real Pacific cluster (3 memstore OSDs),
 * both directions: one tool builds a set of images (plain and striped, with
 * snapshots, resized and rolled back, clone chains three deep in clone v1
 * and v2, one flattened), then both tools read them. The full-image exports
 * (md5) must be equal, and `info`, `ls -l`, `snap ls`, `children`, `du`,
 * `diff` and `status` JSON must be equal apart from timestamps; the real
 * `rbd object-map check` must pass on every image.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

const ourRbd = join(process.cwd(), 'bin', 'rbd.js');
let cluster: RealCluster;

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function exec(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, CEPH_CONF: cluster.confPath }, encoding: 'buffer', maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.toString() });
      },
    );
  });
}

type Tool = 'ours' | 'real';
const run = (tool: Tool, args: string[]): Promise<Result> =>
  tool === 'ours' ? exec(process.execPath, [ourRbd, ...args]) : exec('rbd', args);

async function ok(tool: Tool, args: string[]): Promise<Buffer> {
  const r = await run(tool, args);
  assert.equal(r.code, 0, `${tool} rbd ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Fields that differ between runs, not between implementations. */
const VOLATILE = new Set(['create_timestamp', 'access_timestamp', 'modify_timestamp', 'timestamp']);

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!VOLATILE.has(k)) out[k] = normalise(x);
    return out;
  }
  return v;
}

async function sameJson(args: string[]): Promise<void> {
  const [a, b] = await Promise.all([
    run('ours', [...args, '--format', 'json']),
    run('real', [...args, '--format', 'json']),
  ]);
  const what = `rbd ${args.join(' ')}`;
  assert.equal(a.code, b.code, `${what}: exit status (ours ${a.stderr} / real ${b.stderr})`);
  if (b.code !== 0) return;
  assert.deepEqual(
    normalise(JSON.parse(a.stdout.toString() || 'null')),
    normalise(JSON.parse(b.stdout.toString() || 'null')),
    `${what}: JSON`,
  );
}

async function md5(tool: Tool, spec: string): Promise<string> {
  const data = await ok(tool, ['export', '--no-progress', spec, '-']);
  return createHash('md5').update(data).digest('hex');
}

/** Build the image set with `tool`; returns every image and snapshot spec to compare. */
async function buildImages(tool: Tool, p: string): Promise<string[]> {
  const pool = 'rbd';
  const img = (n: string) => `${pool}/${p}${n}`;
  const bench = (spec: string, total: string, pattern = 'rand') =>
    ok(tool, [
      'bench',
      '--io-type',
      'write',
      '--io-size',
      '64K',
      '--io-threads',
      '4',
      '--io-total',
      total,
      '--io-pattern',
      pattern,
      spec,
    ]);

  await ok(tool, ['create', '--size', '64M', img('plain')]);
  await ok(tool, ['create', '--size', '64M', '--stripe-unit', '64K', '--stripe-count', '4', img('striped')]);
  await ok(tool, ['create', '--size', '32M', '--image-feature', 'layering', img('thin')]);
  await bench(img('plain'), '16M');
  await bench(img('striped'), '16M');
  await bench(img('thin'), '8M');
  await ok(tool, ['snap', 'create', `${img('plain')}@s1`]);
  await ok(tool, ['snap', 'create', `${img('striped')}@s1`]);
  await bench(img('plain'), '8M');
  await bench(img('striped'), '8M');
  await ok(tool, ['resize', '--size', '96M', img('plain')]);
  await ok(tool, ['snap', 'create', `${img('plain')}@s2`]);
  await ok(tool, ['resize', '--size', '48M', '--allow-shrink', img('striped')]);
  await ok(tool, ['snap', 'rollback', `${img('striped')}@s1`]);

  // Clone v2 chain, three deep, with writes at each level.
  await ok(tool, ['clone', '--rbd-default-clone-format', '2', `${img('plain')}@s1`, img('v2a')]);
  await bench(img('v2a'), '4M');
  await ok(tool, ['snap', 'create', `${img('v2a')}@c`]);
  await ok(tool, ['clone', '--rbd-default-clone-format', '2', `${img('v2a')}@c`, img('v2b')]);
  await bench(img('v2b'), '4M');
  await ok(tool, ['snap', 'create', `${img('v2b')}@c`]);
  await ok(tool, ['clone', '--rbd-default-clone-format', '2', `${img('v2b')}@c`, img('v2c')]);
  await bench(img('v2c'), '4M');

  // Clone v1 chain (protected snapshots), three deep; the middle one flattened.
  await ok(tool, ['snap', 'create', `${img('thin')}@s0`]);
  await ok(tool, ['snap', 'protect', `${img('thin')}@s0`]);
  await ok(tool, ['clone', '--rbd-default-clone-format', '1', `${img('thin')}@s0`, img('v1a')]);
  await bench(img('v1a'), '4M');
  await ok(tool, ['snap', 'create', `${img('v1a')}@c`]);
  await ok(tool, ['snap', 'protect', `${img('v1a')}@c`]);
  await ok(tool, ['clone', '--rbd-default-clone-format', '1', `${img('v1a')}@c`, img('v1b')]);
  await bench(img('v1b'), '4M');
  await ok(tool, ['snap', 'create', `${img('v1b')}@c`]);
  await ok(tool, ['snap', 'protect', `${img('v1b')}@c`]);
  await ok(tool, ['clone', '--rbd-default-clone-format', '1', `${img('v1b')}@c`, img('v1c')]);
  await bench(img('v1c'), '4M');
  await ok(tool, ['flatten', '--no-progress', img('v1b')]);

  return [
    img('plain'),
    `${img('plain')}@s1`,
    `${img('plain')}@s2`,
    img('striped'),
    `${img('striped')}@s1`,
    img('thin'),
    img('v2a'),
    `${img('v2a')}@c`,
    img('v2b'),
    img('v2c'),
    img('v1a'),
    img('v1b'),
    `${img('v1b')}@c`,
    img('v1c'),
  ];
}

async function compareAll(specs: string[]): Promise<void> {
  await sameJson(['ls', '-l', 'rbd']);
  for (const spec of specs) {
    assert.equal(await md5('ours', spec), await md5('real', spec), `export ${spec}: md5`);
    await sameJson(['info', spec]);
    await sameJson(['du', spec]);
    await sameJson(['diff', spec]);
    if (!spec.includes('@')) {
      await sameJson(['snap', 'ls', '--all', spec]);
      await sameJson(['status', spec]);
      // The thin image and its v1 clones have no object map (layering only).
      if (!/-(thin|v1[abc])$/.test(spec)) {
        const check = await run('real', ['object-map', 'check', spec]);
        assert.equal(check.code, 0, `real rbd object-map check ${spec}: ${check.stderr}`);
      }
    } else {
      await sameJson(['children', '--all', '--descendants', spec]);
    }
  }
}

before(async () => {
  cluster = await startRealCluster({
    name: 'rbd-interop',
    basePort: 48800,
    osds: 3,
    objectStore: 'memstore',
    rbdPool: true,
  });
});

after(async () => {
  await cluster?.stop();
});

test('images built by our rbd read the same through the real rbd', { timeout: 600_000 }, async () => {
  await compareAll(await buildImages('ours', 'o-'));
});

test('images built by the real rbd read the same through ours', { timeout: 600_000 }, async () => {
  await compareAll(await buildImages('real', 'r-'));
});
