/**
 * `tsceph osdmaptool` against the real Pacific `osdmaptool`: both run with
 * the same arguments on the same file (restored in between); stdout, stderr,
 * exit status and the file they leave must be identical. Where the real tool
 * stamps the time (--createsimple), ours is given the stamp the real run
 * wrote, so maps are compared byte for byte.
 *
 * Maps come from `--createsimple` (various sizes and pg bits), then get CRUSH
 * maps built by `crushtool --build` and compiled by `crushtool -c` from
 * generated text (racks, hosts, uneven weights, device classes, firstn and
 * indep rules, choose_args), and are then mutated by our encoder (extra
 * replicated and EC pools on every rule, pg_temp, primary_temp, pg_upmap,
 * pg_upmap_items, primary affinity, down and out OSDs). The real tool reading
 * those files also checks our encoder. Random choices come from a printed,
 * replayable seed (OSDMAPTOOL_SEED).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osdmaptoolMain } from '../../src/cli/tsceph/osdmaptool.js';
import { OSDMap } from '../../src/osdmap/index.js';
import { crushText, mutate, rng } from '../fixtures/osdmap/generate.js';

const work = mkdtempSync(join(tmpdir(), 'tsceph-osdmaptool-'));
// OSDMAPTOOL_KEEP=1 keeps the maps of a failing run for a closer look
after(() => {
  if (process.env['OSDMAPTOOL_KEEP']) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// a fixed default keeps `npm test` deterministic; set OSDMAPTOOL_SEED to explore others
const SEED = Number(process.env['OSDMAPTOOL_SEED'] ?? 404);
console.log(`osdmaptool interop seed: OSDMAPTOOL_SEED=${SEED}`);

interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
  file: Buffer | undefined;
}

const readIfFile = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, TZ: 'UTC' };
  delete env['CEPH_CONF'];
  delete env['CEPH_ARGS'];
  return env;
}

function runReal(args: string[], path: string): RunResult {
  const r = spawnSync('osdmaptool', args, { encoding: 'utf8', env: cleanEnv() });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1, file: readIfFile(path) };
}

async function runOurs(args: string[], path: string, real: RunResult): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  let created = { sec: 0, nsec: 0 };
  try {
    if (real.file) created = OSDMap.decode(real.file).created;
  } catch {
    // not a map: neither run wrote one
  }
  const status = await osdmaptoolMain(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    clock: () => ({ ...created }),
    env: cleanEnv(),
  });
  return { stdout, stderr, status, file: readIfFile(path) };
}

function setFile(path: string, content: Buffer | undefined): void {
  rmSync(path, { force: true, recursive: true });
  if (content !== undefined) writeFileSync(path, content);
}

/** Run both tools with `args` on `path` starting from `initial`; require identical results. */
async function same(
  args: string[],
  path: string,
  initial: Buffer | undefined,
  what = '',
): Promise<RunResult> {
  setFile(path, initial);
  const real = runReal(args, path);
  setFile(path, initial);
  const ours = await runOurs(args, path, real);
  const label = `${what} osdmaptool ${args.join(' ')} (seed ${SEED})`;
  assert.equal(ours.stderr, real.stderr, `stderr of ${label}`);
  if (ours.stdout !== real.stdout) {
    // name the first differing line: outputs run to thousands of lines
    const a = ours.stdout.split('\n');
    const b = real.stdout.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    assert.fail(`stdout of ${label}, line ${i + 1}:\n  ours: ${a[i]}\n  real: ${b[i]}`);
  }
  assert.equal(ours.status, real.status, `exit status of ${label}`);
  assert.deepEqual(ours.file, real.file, `map file after ${label}`);
  return real;
}

function crushtool(args: string[]): void {
  const r = spawnSync('crushtool', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `crushtool ${args.join(' ')}: ${r.stderr}`);
}

// ---------------------------------------------------------------------------
// tests

const OBJECTS = [
  'foo',
  'rbd_data.1234.0000000000000000',
  'a',
  '',
  'x'.repeat(40),
  'obj-ünïcödé',
  'rbd_header.abc',
];

test('osdmaptool: --createsimple maps are byte-identical to the real tool', async () => {
  const path = join(work, 'simple');
  for (const [n, extra] of [
    [1, []],
    [3, ['--with-default-pool']],
    [5, ['--with-default-pool', '--pg-bits', '3', '--pgp-bits', '2']],
    [12, ['--with-default-pool', '--pg_bits', '2', '--pgp_bits', '4']],
    [33, ['--with-default-pool', '--pg-bits', '1']],
    [8, ['--with-default-pool', '--osd-pool-default-size', '2', '--osd-crush-chooseleaf-type', '0']],
  ] as [number, string[]][]) {
    await same(['--createsimple', String(n), ...extra, path], path, undefined);
    const created = readFileSync(path);
    await same([path, '--print'], path, created);
    await same([path, '--dump=json', '--mark-up-in'], path, created);
    await same([path, '--tree'], path, created);
    await same([path, '--mark-up-in', '--test-map-pgs-dump-all'], path, created);
    await same([path, '--mark-up-in', '--mark-out', '0', '--test-map-pgs', '--print'], path, created);
    await same([path, '--test-map-pgs'], path, created);
  }
});

test('osdmaptool: crushtool --build trees imported into a map place like the real tool', async () => {
  const path = join(work, 'built');
  const crush = join(work, 'built.crush');
  const layouts: [number, string[]][] = [
    [12, ['host', 'straw2', '3', 'rack', 'straw2', '2', 'root', 'straw2', '0']],
    [10, ['host', 'list', '4', 'root', 'uniform', '0']],
    [9, ['host', 'straw', '3', 'root', 'tree', '0']],
  ];
  for (const [n, layers] of layouts) {
    crushtool(['-o', crush, '--build', '--num_osds', String(n), ...layers]);
    await same(['--createsimple', String(n), '--with-default-pool', path], path, undefined);
    const base = readFileSync(path);
    await same([path, '--import-crush', crush], path, base);
    const imported = readFileSync(path);
    for (const args of [
      ['--print'],
      ['--tree'],
      ['--mark-up-in', '--test-map-pgs'],
      ['--mark-up-in', '--test-map-pgs-dump'],
      ['--mark-up-in', '--test-map-pg', '1.1f'],
      ['--mark-up-in', '--test-map-pgs-dump-all', '--pool', '1'],
    ]) {
      await same([path, ...args], path, imported);
    }
    for (const obj of OBJECTS) await same([path, '--mark-up-in', '--test-map-object', obj], path, imported);
  }
});

test('osdmaptool: generated CRUSH maps, pools on every rule, temps, upmaps, affinity', async () => {
  const r = rng(SEED);
  const path = join(work, 'gen');
  const text = join(work, 'gen.txt');
  const crush = join(work, 'gen.crush');
  for (let round = 0; round < 4; round++) {
    const gen = crushText(r, 2 + Math.floor(r() * 2), 2 + Math.floor(r() * 2), 1 + Math.floor(r() * 3));
    writeFileSync(text, gen.text);
    crushtool(['-c', text, '-o', crush]);
    await same(
      ['--createsimple', String(gen.numOsds), '--with-default-pool', '--pg-bits', '2', path],
      path,
      undefined,
    );
    await same([path, '--import-crush', crush], path, readFileSync(path));
    const map = OSDMap.decode(readFileSync(path));
    mutate(map, r, gen.rules);
    const mutated = map.encode();
    const what = `round ${round}`;
    await same([path, '--print'], path, mutated, what);
    await same([path, '--tree'], path, mutated, what);
    await same([path, '--test-map-pgs-dump-all'], path, mutated, what);
    await same([path, '--test-map-pgs'], path, mutated, what);
    await same([path, '--test-map-pgs-dump', '--pool', String(map.poolMax)], path, mutated, what);
    await same([path, '--mark-out', '1', '--mark-up', '2', '--test-map-pgs-dump-all'], path, mutated, what);
    await same([path, '--tree', 'json'], path, mutated, what);
    await same([path, '--dump', 'json-pretty'], path, mutated, what);
    await same([path, '--dump', 'xml', '--clean-temps'], path, mutated, what);
    await same([path, '--clear-temp', '--test-map-pgs-dump'], path, mutated, what);
    for (const poolId of map.pools.keys()) {
      const obj = OBJECTS[Math.floor(r() * OBJECTS.length)]!;
      await same([path, '--test-map-object', obj, '--pool', String(poolId)], path, mutated, what);
      await same(
        [path, '--test-map-pg', `${poolId}.${Math.floor(r() * 40).toString(16)}`],
        path,
        mutated,
        what,
      );
    }
  }
});

test('osdmaptool: --adjust-crush-weight and --mark-up-in reweight CRUSH like the real tool', async () => {
  // a stream of its own, so the rounds above keep their maps for a given seed
  const r = rng(SEED * 31 + 7);
  const path = join(work, 'adj');
  const text = join(work, 'adj.txt');
  const crush = join(work, 'adj.crush');
  for (let round = 0; round < 3; round++) {
    // every bucket algorithm, device classes (shadow trees), 10% zero weights, weight sets
    const gen = crushText(r, 2 + Math.floor(r() * 2), 2 + Math.floor(r() * 2), 1 + Math.floor(r() * 3));
    writeFileSync(text, gen.text);
    crushtool(['-c', text, '-o', crush]);
    await same(['--createsimple', String(gen.numOsds), '--with-default-pool', path], path, undefined);
    await same([path, '--import-crush', crush], path, readFileSync(path));
    const map = readFileSync(path);
    const picks: string[] = [];
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
      const w = r() < 0.2 ? '0' : (r() * 4).toFixed(1 + Math.floor(r() * 4));
      picks.push(`${Math.floor(r() * gen.numOsds)}:${w}`);
    }
    picks.push(`${gen.numOsds + 3}:1`); // not in the CRUSH map: reported, nothing changes
    const adjust = picks.join(',');
    const what = `adjust round ${round}`;
    await same([path, '--adjust-crush-weight', adjust, '--save'], path, map, what);
    // (a bare --tree here would print JSON: it inherits the adjustment's value)
    await same([path, '--adjust-crush-weight', adjust, '--tree', 'plain'], path, map, what);
    await same(
      [path, '--adjust-crush-weight', adjust, '--mark-up-in', '--test-map-pgs-dump-all'],
      path,
      map,
      what,
    );
    await same([path, '--mark-up-in', '--test-map-pgs'], path, map, what);
    await same([path, '--mark-up-in', '--tree', 'plain'], path, map, what);
    // --mark-up-in reweights in memory only; --save writes it along with the adjustment
    await same([path, '--mark-up-in', '--adjust-crush-weight', adjust, '--save', '--print'], path, map, what);
  }
});

test('osdmaptool: errors and odd arguments behave like the real tool', async () => {
  const path = join(work, 'errs');
  await same(['--createsimple', '4', '--with-default-pool', path], path, undefined);
  const map = readFileSync(path);
  const missing = join(work, 'does-not-exist');
  const cases: [string[], Buffer | undefined][] = [
    [[], map],
    [['--help'], map],
    [[path], map],
    [[path, path], map],
    [['--print'], map],
    [[missing, '--print'], undefined],
    [[path, '--print'], Buffer.from('not an osdmap')],
    [[path, '--print'], Buffer.alloc(0)],
    [['--createsimple', '3', path], map],
    [['--createsimple', '0', path, '--clobber'], map],
    [['--createsimple', 'x', path], map],
    [[path, '--pool'], map],
    [[path, '--pool', 'abc', '--test-map-pgs'], map],
    [[path, '--test-map-object', 'foo', '--pool', '7'], map],
    [[path, '--test-map-pgs', '--pool', '9'], map],
    [[path, '--test-map-pg', 'zz'], map],
    [[path, '--test-map-pg', '1.zz'], map],
    [[path, '--test-map-pg', '3.7'], map],
    [[path, '--test-map-pg', ' 1.0x1fjunk'], map],
    [[path, '--mark-up-in'], map],
    [[path, '--clean-temps'], map],
    [[path, '--dump'], map],
    [[path, '--dump', 'plain'], map],
    [[path, '--dump', 'bogus-format'], map],
    [[path, '--mark-up', '2', '--mark-in', '1', '--test-map-pgs'], map],
    [[path, '--test-map-pgs', '--pg_num', '40', '--mark-up-in'], map],
    [[path, '--test-map-pgs', '--pg_num', 'q'], map],
    [[path, '--export-crush'], map],
    [[path, '--', '--print'], map],
    [[path, '--upmap-deviation', '0'], map],
    [[path, '--tree', '--print'], map],
    [[path, '--tree', 'json-pretty'], map],
    [[path, '--mark-up-in', '--tree=xml'], map],
    // string options share one value: a trailing --tree or --pg_num sees the previous one's
    [[path, '--mark-out', '1', '--tree'], map],
    [[path, '--adjust-crush-weight', '0:2', '--tree'], map],
    [[path, '--test-map-pgs', '--pg_num'], map],
    [[path, '--mark-up', '1', '--test-map-pgs', '--pg_num'], map],
    // weights Ceph refuses (negative, NaN, past 16.16) are still reported; +inf slips through
    [[path, '--adjust-crush-weight', ',0:2.5,,1:-2,2:nan,3:40000,', '--tree', 'plain'], map],
    [[path, '--adjust-crush-weight', '0:inf,1:1e30,2:0x1p2,3:-0.00001', '--save'], map],
    [[path, '--adjust-crush-weight', '0:1,3', '--tree'], map],
  ];
  for (const [args, initial] of cases) await same(args, path, initial);
});

test('osdmaptool: --range-first/--range-last read DIR/N maps like the real tool', async () => {
  const dir = join(work, 'range');
  mkdirSync(dir, { recursive: true });
  const one = join(work, 'range-src');
  await same(['--createsimple', '3', '--with-default-pool', one], one, undefined);
  writeFileSync(join(dir, '1'), readFileSync(one));
  writeFileSync(join(dir, '2'), readFileSync(one));
  for (const args of [
    [dir, '--range-first', '1', '--range-last', '2'],
    [dir, '--range-first', '0', '--range-last', '2'],
    [dir, '--range-first', '2', '--range-last', '1', '--print'],
  ]) {
    const real = runReal(args, dir);
    const ours = await runOurs(args, dir, real);
    assert.deepEqual(
      [ours.stdout, ours.stderr, ours.status],
      [real.stdout, real.stderr, real.status],
      args.join(' '),
    );
  }
});

test('osdmaptool: --export-crush writes the same bytes; --import-crush of a bigger map fails alike', async () => {
  const path = join(work, 'exp');
  const out = join(work, 'exp.crush');
  await same(['--createsimple', '6', '--with-default-pool', path], path, undefined);
  const map = readFileSync(path);
  rmSync(out, { force: true });
  spawnSync('osdmaptool', [path, '--export-crush', out], { env: cleanEnv() });
  const realCrush = readFileSync(out);
  rmSync(out, { force: true });
  await runOurs([path, '--export-crush', out], path, runReal([path, '--print'], path));
  assert.deepEqual(readFileSync(out), realCrush);
  crushtool(['-o', out, '--build', '--num_osds', '9', 'host', 'straw2', '3', 'root', 'straw2', '0']);
  await same([path, '--import-crush', out], path, map);
  await same([path, '--import-crush', join(work, 'nope')], path, map);
});
