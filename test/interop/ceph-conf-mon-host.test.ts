/**
 * mon_host → initial monitors, against the two real Pacific code paths:
 * `monmaptool --create --generate` (build_initial for mkfs) and a real client's
 * `build_initial_monmap` (printed at debug_monc 10 before it tries to connect).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monsFromMonHost, type InitialMon } from '../../src/common/mon-host.js';
import { formatEntityAddrVec } from '../../src/encoding/types.js';

const have = (tool: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'tsceph-monhost-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** "N: <addrs> mon.<name>" lines of a printed monmap, as a sorted set of "<addrs> mon.<name>". */
function monLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\d+: (\S+ mon\.\S+)$/.exec(line)?.[1])
    .filter((l): l is string => l !== undefined)
    .sort();
}

function ours(mons: InitialMon[]): string[] {
  return mons.map((m) => `${formatEntityAddrVec(m.addrs)} mon.${m.name}`).sort();
}

const MON_HOST =
  '10.0.0.1 10.0.0.2:7000, [v2:10.0.0.3:3300,v1:10.0.0.3:6789];10.0.0.4:6789 v2:10.0.0.5 [::6] v1:10.0.0.7';

test(
  'mon_host interop: monmaptool --generate → the same mons as buildInitial for mkfs',
  { skip: !have('monmaptool') },
  () => {
    // ';' would start a comment inside ceph.conf, so the file gets the list with commas
    const monHost = MON_HOST.replace(';', ',');
    const conf = join(dir, 'mm.conf');
    writeFileSync(conf, `[global]\nmon_host = ${monHost}\n`);
    const r = spawnSync(
      'monmaptool',
      ['--create', '--generate', '-c', conf, '--print', join(dir, 'mm.bin')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const real = monLines(r.stdout);
    assert.equal(real.length, 7);
    assert.deepEqual(ours(monsFromMonHost(monHost, true)), real);
  },
);

test(
  "mon_host interop: a real client's initial monmap → the same mons (with -legacy twins)",
  { skip: !have('ceph') },
  () => {
    const r = spawnSync(
      'ceph',
      [
        '-c',
        '/dev/null',
        '-m',
        MON_HOST,
        '--debug-monc=10',
        '--log-to-stderr',
        '--connect-timeout',
        '1',
        'health',
      ],
      { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: dir } },
    );
    const printed = `${r.stdout}\n${r.stderr}`;
    const start = printed.indexOf('monclient: monmap:');
    assert.ok(start >= 0, 'the client printed its initial monmap');
    const real = monLines(printed.slice(start));
    assert.ok(real.length >= 10, `parsed ${real.length} mons`);
    assert.deepEqual(ours(monsFromMonHost(MON_HOST)), real);
  },
);
