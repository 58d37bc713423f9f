/**
 * Regenerates test/fixtures/crush/ from the real Pacific tools (crushtool,
 * osdmaptool). Run after `npx tsc -p .`:
 *
 *   node dist/test/unit/crush/regenerate-fixtures.js
 *
 * It writes map binaries made by the real tools, their `crushtool -d` text,
 * and cases.json: crushtool invocations (paths relative to the fixture
 * folder) with the real tool's stdout, stderr and exit status.
 * fixtures.test.ts replays all of it against tsceph without needing Ceph.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crushFindRoots, decodeCrushMap } from '../../../src/crush/index.js';
import { generateCrushText } from './crush-gen.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(here, '../../../../test/fixtures/crush');

function run(cmd: string, args: string[]): { stdout: string; stderr: string; code: number } {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

function must(cmd: string, args: string[]): void {
  const r = run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

// frozen-NAME.bin (and its source frozen-NAME.txt) are kept: crushtool -c of
// a map with device classes over tree buckets writes uninitialized node
// weights that change from run to run, and these particular bytes are the
// ones that send the mapper past a bucket's last item
const frozen = /^frozen-[^.]+\.(bin|txt)$/;
for (const f of readdirSync(dir)) {
  if (frozen.test(f)) continue;
  if (
    f.endsWith('.bin') ||
    f.endsWith('.txt') ||
    f.endsWith('.recompiled') ||
    f === 'cases.json' ||
    f === 'reweight.json'
  ) {
    rmSync(join(dir, f));
  }
}

/** Maps: name -> how it is made. */
const builds: Record<string, string[]> = {
  'build-straw2': [
    '--build',
    '--num_osds',
    '12',
    'host',
    'straw2',
    '3',
    'rack',
    'straw2',
    '2',
    'root',
    'straw2',
    '0',
  ],
  'build-legacy-algs': [
    '--build',
    '--num_osds',
    '16',
    'host',
    'uniform',
    '4',
    'rack',
    'list',
    '2',
    'root',
    'tree',
    '0',
  ],
  'build-straw': ['--build', '--num_osds', '10', 'host', 'straw', '3', 'root', 'straw', '0'],
};
for (const [name, args] of Object.entries(builds)) must('crushtool', [...args, '-o', `${name}.bin`]);
must('osdmaptool', ['--createsimple', '20', 'osdmap.tmp', '--clobber']);
must('osdmaptool', ['osdmap.tmp', '--export-crush', 'osdmaptool-20.bin']);
rmSync(join(dir, 'osdmap.tmp'));

// generated maps: chosen seeds cover classes, choose_args, indep rules, every algorithm and legacy tunables
const seeds = [2, 3, 7, 11, 13, 26];
for (const seed of seeds) {
  writeFileSync(join(dir, `seed-${seed}.txt`), generateCrushText(seed).text);
  must('crushtool', ['-c', `seed-${seed}.txt`, '-o', `seed-${seed}.bin`]);
}

const maps = readdirSync(dir)
  .filter((f) => f.endsWith('.bin'))
  .sort();
const cases: { args: string[]; stdout: string; stderr: string; code: number }[] = [];
const record = (args: string[]): void => {
  cases.push({ args, ...run('crushtool', args) });
};
for (const bin of maps) {
  const base = bin.slice(0, -4);
  writeFileSync(join(dir, `${base}.decompiled.txt`), run('crushtool', ['-d', bin]).stdout);
  // -d then -c is not always the identity (implicit ids, legacy rule ids); keep what crushtool makes of it
  must('crushtool', ['-c', `${base}.decompiled.txt`, '-o', `${base}.recompiled`]);
  record(['-d', bin]);
  record(['-i', bin, '--test', '--show-mappings', '--min-x', '0', '--max-x', '7']);
  record([
    '-i',
    bin,
    '--test',
    '--show-mappings',
    '--num-rep',
    '3',
    '--min-x',
    '500',
    '--max-x',
    '563',
    '--pool-id',
    '7',
  ]);
  record([
    '-i',
    bin,
    '--test',
    '--show-statistics',
    '--show-bad-mappings',
    '--num-rep',
    '5',
    '--max-x',
    '63',
    '--min-x',
    '0',
  ]);
  record([
    '-i',
    bin,
    '--test',
    '--show-utilization',
    '--num-rep',
    '2',
    '--weight',
    '1',
    '0.25',
    '--max-x',
    '127',
    '--min-x',
    '0',
  ]);
  record(['-i', bin, '--test', '--show-choose-tries', '--num-rep', '3', '--max-x', '63', '--min-x', '0']);
  record(['-i', bin, '--tree']);
  record(['-i', bin, '--dump']);
  record(['-i', bin, '--check', '5', '--show-location', '3']);
}
for (const bin of maps.filter((f) => f.startsWith('frozen-'))) {
  for (let rule = 0; rule < 5; rule++) {
    for (const numRep of ['3', '5']) {
      record([
        '-i',
        bin,
        '--test',
        '--show-mappings',
        '--rule',
        String(rule),
        '--num-rep',
        numRep,
        '--min-x',
        '0',
        '--max-x',
        '255',
      ]);
    }
  }
}
for (const seed of seeds) record(['-c', `seed-${seed}.txt`]);
record(['-c', 'seed-2.txt', '--show-mappings', '--test', '--x', '5', '--num-rep', '2']);
record(['--build', '--num_osds', '9', 'host', 'list', '3', 'root', 'straw2', '0']);
record(['--build', '--num_osds', '6', 'host', 'bogus', '2']);
record(['-i', 'build-straw2.bin', '--set-chooseleaf-vary-r', '0', '--set-choose-total-tries', '19']);
record([]);
record(['--foo']);
record(['-i', 'missing.bin', '--test']);
record(['-i', 'build-straw2.bin', '--test', '--num-rep', 'abc']);
record(['-i', 'build-straw2.bin', '--test', '--num-rep']);
record(['-i', 'build-straw2.bin', '--test', '--show-mappings', '--x', '1', 'extra']);
record(['-h']);
writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases, null, 1) + '\n');

// crushtool --reweight-item runs CrushWrapper::adjust_item_weightf: a device and a
// host bucket of maps with every bucket algorithm, classes and weight sets
const reweights: { map: string; name: string; weight: string; sha256: string }[] = [];
for (const bin of [
  'seed-2.bin',
  'seed-7.bin',
  'seed-11.bin',
  'build-legacy-algs.bin',
  'build-straw.bin',
  'frozen-tree-classes.bin',
]) {
  const map = decodeCrushMap(readFileSync(join(dir, bin)));
  const device = [...map.names.keys()].filter((id) => id >= 0).sort((a, b) => a - b)[1]!;
  const roots = new Set(crushFindRoots(map));
  const host = [...map.buckets.keys()]
    .filter((id) => !roots.has(id) && !map.names.get(id)!.includes('~'))
    .sort((a, b) => b - a)[0]!;
  for (const id of [device, host]) {
    for (const weight of ['0', '2.5', '0.123']) {
      const name = map.names.get(id)!;
      must('crushtool', ['-i', bin, '--reweight-item', name, weight, '-o', 'reweight.tmp']);
      const sha256 = createHash('sha256')
        .update(readFileSync(join(dir, 'reweight.tmp')))
        .digest('hex');
      rmSync(join(dir, 'reweight.tmp'));
      reweights.push({ map: bin, name, weight, sha256 });
    }
  }
}
writeFileSync(join(dir, 'reweight.json'), JSON.stringify(reweights, null, 1) + '\n');
console.log(`wrote ${maps.length} maps and ${cases.length} cases to ${dir}`);
