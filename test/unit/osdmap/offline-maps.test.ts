/**
 * Maps made by the real osdmaptool/crushtool (test/fixtures/osdmap/offline,
 * see make-offline-fixtures.ts): tsceph re-encodes them to the same bytes and
 * `tsceph osdmaptool` prints, maps objects and pgs exactly as the real tool
 * did — object hashes (rjenkins and linux), CRUSH placement with classes and
 * choose_args, EC positions, temps, upmaps and primary affinity — without
 * Ceph installed.
 */
process.env['TZ'] = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osdmaptoolMain } from '../../../src/cli/tsceph/osdmaptool.js';
import { OSDMap } from '../../../src/osdmap/index.js';

const dir = new URL('../../../../test/fixtures/osdmap/offline/', import.meta.url).pathname;

interface GoldenRun {
  map: string;
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
}

const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenRun[];

test('osdmap offline: maps re-encode to the same bytes', () => {
  const maps = readdirSync(dir).filter((f) => f.endsWith('.osdmap'));
  assert.ok(maps.length >= 3);
  for (const name of maps) {
    const buf = readFileSync(join(dir, name));
    assert.deepEqual(OSDMap.decode(buf).encode(), buf, name);
  }
});

for (const map of [...new Set(golden.map((g) => g.map))]) {
  test(`osdmap offline: tsceph osdmaptool on ${map} matches the real tool`, async () => {
    const work = mkdtempSync(join(tmpdir(), 'tsceph-osdmap-offline-'));
    try {
      const path = join(work, map);
      for (const g of golden.filter((x) => x.map === map)) {
        copyFileSync(join(dir, map), path);
        let stdout = '';
        let stderr = '';
        const status = await osdmaptoolMain([path, ...g.args], {
          stdout: (s) => (stdout += s),
          stderr: (s) => (stderr += s),
          env: { TZ: 'UTC' },
        });
        const label = `osdmaptool ${map} ${g.args.join(' ')}`;
        assert.equal(stderr.split(path).join('MAPFILE'), g.stderr, `stderr, ${label}`);
        assert.equal(stdout, g.stdout, `stdout, ${label}`);
        assert.equal(status, g.status, `status, ${label}`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
