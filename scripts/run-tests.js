#!/usr/bin/env node
// Runs the compiled test files under dist/test/<suite>/ with node's test runner.
// Usage: node scripts/run-tests.js [unit|sim|interop ...]   (default: all suites)
// Interop suites need real Ceph (ceph-mon, monmaptool...). Outside CI a missing
// install skips them with a notice; under CI=true it is an error, so CI can
// never pass without having run them.
import { readdirSync, statSync, existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'sim', 'interop'];

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

function haveRealCeph() {
  return spawnSync('sh', ['-c', 'command -v ceph-mon && command -v monmaptool'], { stdio: 'ignore' }).status === 0;
}

const files = [];
for (const suite of suites) {
  if (suite === 'interop' && !haveRealCeph()) {
    if (process.env.CI) {
      console.error('interop tests need real Ceph (apt-get install ceph ceph-common rbd-mirror); not found');
      process.exit(1);
    }
    console.error('notice: real Ceph not installed; skipping interop suite (see README)');
    continue;
  }
  files.push(...findTests(join('dist', 'test', suite)));
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// TAP goes to stdout as it happens; the failure summary goes to a file that is
// printed last, so a log cut to its tail still names every failed test.
const summaryDir = mkdtempSync(join(tmpdir(), 'tsceph-test-summary-'));
const summaryFile = join(summaryDir, 'failures.txt');
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./failure-summary.js', import.meta.url).pathname}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
if (existsSync(summaryFile)) process.stdout.write(`\n# ---- summary ----\n${readFileSync(summaryFile, 'utf8')}`);
rmSync(summaryDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
