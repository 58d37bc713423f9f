// monmaptool prints times in the local zone; the fixtures' text was captured in UTC.
process.env.TZ = 'UTC';

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monmaptoolMain } from '../../../src/cli/tsceph/monmaptool.js';
import { decodeMonMapFromBuffer } from '../../../src/mon/monmap.js';

const fixtures = new URL('../../../../test/fixtures/monmap/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const work = mkdtempSync(join(tmpdir(), 'tsceph-monmap-tool-'));
after(() => rmSync(work, { recursive: true, force: true }));
const FSID = '11111111-2222-3333-4444-555555555555';

/** Run our monmaptool with the clock set to when the real tool made `like` (a fixture). */
async function run(args: string[], like?: string): Promise<{ out: string; err: string; status: number }> {
  let out = '';
  let err = '';
  const created = like ? decodeMonMapFromBuffer(fixture(like)).created : { sec: 0, nsec: 0 };
  const status = await monmaptoolMain(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    clock: () => ({ ...created }),
    randomUuid: () => FSID,
    env: {},
  });
  return { out, err, status };
}

/** The commands make-fixtures.sh ran with the real monmaptool, re-run with ours. */
const recreated: [string, string[], string?][] = [
  ['one-mon.bin', ['--create', '--fsid', FSID, '--add', 'a', '10.0.0.1:6789']],
  [
    'three-mons.bin',
    [
      '--create',
      '--enable-all-features',
      '--fsid',
      FSID,
      '--addv',
      'a',
      '[v2:10.0.0.1:3300,v1:10.0.0.1:6789]',
      '--addv',
      'b',
      '[v2:10.0.0.2:3300,v1:10.0.0.2:6789]',
      '--addv',
      'c',
      '[v2:10.0.0.3:3300,v1:10.0.0.3:6789]',
    ],
  ],
  [
    'ipv6.bin',
    [
      '--create',
      '--enable-all-features',
      '--fsid',
      FSID,
      '--add',
      'a',
      '[::1]:3300',
      '--addv',
      'b',
      '[v2:[fd00::2]:3300,v1:[fd00::2]:6789]',
      '--add',
      'c',
      '[2001:db8:0:0:1:0:0:3]',
    ],
  ],
  ['after-rm.bin', ['--rm', 'b'], 'three-mons.bin'],
  ['min-mon-release.bin', ['--set-min-mon-release', 'pacific'], 'one-mon.bin'],
  [
    'features.bin',
    [
      '--feature-set',
      'luminous',
      '--feature-set',
      '256',
      '--optional',
      '--feature-set',
      '-1',
      '--feature-unset',
      '4096',
      '--optional',
    ],
    'one-mon.bin',
  ],
  [
    'legacy-ranks.bin',
    [
      '--create',
      '--fsid',
      FSID,
      '--add',
      'x',
      '10.0.0.1:7000',
      '--add',
      'z',
      '10.0.0.3:3300/77',
      '--add',
      'w',
      '10.0.0.9/5',
      '--add',
      'v',
      '1.1.1.1:6789',
      '--add',
      'u',
      'v2:1.1.1.2',
      '--add',
      's',
      'v1:1.1.1.3',
      '--add',
      'r',
      '::1',
      '--addv',
      'q',
      '1.2.3.4',
      '--addv',
      'p',
      '[::2]:1',
      '--addv',
      'o',
      '[v1:9.9.9.9:1/2,v2:9.9.9.9:2]',
      '--addv',
      'n',
      '-',
    ],
  ],
  [
    'generate.bin',
    [
      '--create',
      '--fsid',
      FSID,
      '--generate',
      '--mon-host',
      '1.2.3.4,5.6.7.8:6789 [v2:9.9.9.9:3300,v1:9.9.9.9:6789];10.0.0.1:3300,v1:10.0.0.2,v2:10.0.0.3,10.0.0.4:7777',
    ],
  ],
];

for (const [name, args, start] of recreated) {
  test(`monmaptool: the command that made ${name} → the same bytes from tsceph`, async () => {
    const path = join(work, name);
    if (start) copyFileSync(new URL(start, fixtures), path);
    else rmSync(path, { force: true });
    const r = await run([...args, path], name);
    assert.equal(r.err, '');
    assert.equal(r.status, 0);
    assert.deepEqual(readFileSync(path), fixture(name));
  });

  test(`monmaptool: --print ${name} → the text real monmaptool printed`, async () => {
    const path = join(work, `print-${name}`);
    copyFileSync(new URL(name, fixtures), path);
    const golden = readFileSync(new URL(name.replace('.bin', '.txt'), fixtures), 'utf8');
    const r = await run(['--print', path]);
    assert.equal(r.out, golden.replace(/^monmaptool: monmap file .*\n/, `monmaptool: monmap file ${path}\n`));
    assert.equal(r.status, 0);
  });
}

test('monmaptool: misuse → Ceph exit statuses (1 for usage, 255 for return -1)', async () => {
  const path = join(work, 'misuse.bin');
  copyFileSync(new URL('one-mon.bin', fixtures), path);
  assert.equal((await run([])).status, 1);
  assert.equal((await run(['--help'])).status, 0);
  assert.equal((await run([path])).status, 1);
  assert.equal((await run(['--print', join(work, 'missing')])).status, 255);
  assert.equal((await run(['--add', 'x', 'nonsense', path])).status, 255);
  assert.equal((await run(['--create', '--add', 'x', '1.2.3.4', path])).status, 255);
  const r = await run(['--rm', 'nope', path]);
  assert.deepEqual(
    [r.status, r.err],
    [1, 'monmaptool: map does not contain nope\nmonmaptool -h for usage\n'],
  );
  assert.deepEqual(readFileSync(path), fixture('one-mon.bin'));
});
