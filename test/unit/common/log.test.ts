import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/common/clock.js';
import { Config } from '../../../src/common/config.js';
import { formatLogStamp, getDefaultLog, Log, logger, setDefaultLog } from '../../../src/common/log.js';

// Ceph stamps in local time with the offset; pin the zone so the expected text is fixed
process.env.TZ = 'UTC';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0, 123);

function makeLog(config: Config, stderr: string[] = []): { log: Log; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const log = new Log(config, { clock, threadId: '7f0a3c1d2e00', stderr: (t) => stderr.push(t) });
  return { log, clock };
}

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsceph-log-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('log: stamp → local time with offset, milliseconds (coarse) or microseconds', () => {
  assert.equal(formatLogStamp(T0), '2026-11-21T10:00:00.123+0000');
  assert.equal(formatLogStamp(T0 + 0.456, false), '2026-11-21T10:00:00.123456+0000');
});

test('log: entry line → "<stamp> <thread> <prio %2d> <prefix><message>" exactly as Ceph prints', () => {
  const stderr: string[] = [];
  const config = new Config({ environment: 'utility' });
  config.set('debug_monc', '20');
  const { log } = makeLog(config, stderr);
  log.logger('monc', 'monclient: ').debug(5, 'hunting');
  log.logger('monc', 'monclient: ').error('auth failed');
  log.flush();
  assert.deepEqual(stderr, [
    '2026-11-21T10:00:00.123+0000 7f0a3c1d2e00  5 monclient: hunting\n\n' +
      '2026-11-21T10:00:00.123+0000 7f0a3c1d2e00 -1 monclient: auth failed\n\n',
  ]);
  log.close();
});

test('log: levels N/M → above N not written, up to M kept for log dump, above M never built', () => {
  withTempDir((dir) => {
    const config = new Config({ environment: 'daemon' });
    config.set('log_file', join(dir, 'x.log'));
    config.set('debug_objecter', '1/5');
    config.applyChanges();
    const { log } = makeLog(config);
    const l = log.logger('objecter');
    let built = 0;
    l.debug(1, 'written');
    l.debug(5, 'gathered only');
    l.debug(6, () => {
      built++;
      return 'never';
    });
    assert.equal(built, 0);
    assert.equal(l.enabled(5), true);
    assert.equal(l.enabled(6), false);
    log.flush();
    assert.equal(
      readFileSync(join(dir, 'x.log'), 'utf8'),
      '2026-11-21T10:00:00.123+0000 7f0a3c1d2e00  1 objecter: written\n',
    );
    log.dumpRecent();
    const dumped = readFileSync(join(dir, 'x.log'), 'utf8').split('\n');
    assert.equal(dumped[1], '--- begin dump of recent events ---');
    assert.equal(dumped[2], '    -1> 2026-11-21T10:00:00.123+0000 7f0a3c1d2e00  1 objecter: written');
    assert.equal(dumped[3], '     0> 2026-11-21T10:00:00.123+0000 7f0a3c1d2e00  5 objecter: gathered only');
    assert.equal(dumped[4], '--- logging levels ---');
    assert.equal(dumped[5], '   0/ 5 none');
    assert.ok(dumped.includes('   1/ 5 objecter'));
    assert.ok(dumped.includes('   0/10 monc'));
    assert.ok(dumped.includes(`  log_file ${join(dir, 'x.log')}`));
    assert.equal(dumped[dumped.length - 2], '--- end dump of recent events ---');
    log.close();
  });
});

test('log: stderr thresholds → daemon sends only errors, library nothing, log_to_stderr everything logged', () => {
  const cases: [Config, string[]][] = [
    [new Config({ environment: 'daemon' }), ['-1 ms: bad']],
    [new Config({ environment: 'library' }), []],
    [new Config({ environment: 'utility' }), ['-1 ms: bad', ' 0 ms: zero']],
  ];
  for (const [config, expected] of cases) {
    config.set('log_file', '');
    config.applyChanges();
    const stderr: string[] = [];
    const { log } = makeLog(config, stderr);
    const l = log.logger('ms');
    l.error('bad');
    l.debug(0, 'zero');
    l.debug(1, 'one');
    log.flush();
    const lines = stderr
      .join('')
      .split('\n')
      .filter((s) => s !== '');
    assert.deepEqual(
      lines.map((s) => s.slice(42)),
      expected,
      config.environment,
    );
    log.close();
  }
});

test('log: log reopen → after the file is rotated away, new lines go to a new file', () => {
  withTempDir((dir) => {
    const path = join(dir, 'client.log');
    const config = new Config({ environment: 'daemon' });
    config.set('log_file', path);
    config.applyChanges();
    const { log } = makeLog(config);
    const l = log.logger('rbd');
    l.debug(0, 'before');
    log.flush();
    renameSync(path, `${path}.1`);
    log.reopen();
    l.debug(0, 'after');
    log.flush();
    assert.match(readFileSync(`${path}.1`, 'utf8'), /rbd: before\n$/);
    assert.match(readFileSync(path, 'utf8'), /^\S+ \S+ {2}0 rbd: after\n$/);
    log.close();
  });
});

test('log: log_file changed at runtime → the log follows the option', () => {
  withTempDir((dir) => {
    const config = new Config({ environment: 'daemon' });
    config.set('log_file', join(dir, 'a.log'));
    config.applyChanges();
    const { log } = makeLog(config);
    log.logger('rbd').debug(0, 'one');
    log.flush();
    config.set('log_file', join(dir, 'b.log'));
    config.applyChanges();
    log.logger('rbd').debug(0, 'two');
    log.flush();
    assert.match(readFileSync(join(dir, 'a.log'), 'utf8'), /one/);
    assert.match(readFileSync(join(dir, 'b.log'), 'utf8'), /two/);
    assert.equal(log.openFilePath, join(dir, 'b.log'));
    log.close();
  });
});

test('log: recent ring → holds log_max_recent entries, oldest dropped', () => {
  withTempDir((dir) => {
    const config = new Config({ environment: 'daemon' });
    config.set('log_file', join(dir, 'r.log'));
    config.set('log_max_recent', '3');
    config.set('debug_rbd', '0/20');
    config.applyChanges();
    const { log } = makeLog(config);
    for (let i = 0; i < 5; i++) log.logger('rbd').debug(10, `m${i}`);
    log.dumpRecent();
    const text = readFileSync(join(dir, 'r.log'), 'utf8');
    assert.doesNotMatch(text, /rbd: m1/);
    assert.match(text, /-2> \S+ \S+ 10 rbd: m2\n.*-1> .*m3\n.*0> .*m4\n/);
    log.close();
  });
});

test('log: module logger → follows setDefaultLog after it was created', () => {
  const stderr: string[] = [];
  const l = logger('rados', 'librados: ');
  const previous = getDefaultLog();
  const { log } = makeLog(new Config({ environment: 'utility' }), stderr);
  setDefaultLog(log);
  try {
    l.debug(0, 'connected');
    log.flush();
    assert.match(stderr.join(''), / 0 librados: connected\n/);
  } finally {
    setDefaultLog(previous);
    log.close();
  }
});

test("log: unknown subsystem → assertion (names are Ceph's subsystems)", () => {
  const { log } = makeLog(new Config());
  assert.throws(() => log.logger('nosuchsubsys'), /unknown logging subsystem/);
  log.close();
});
