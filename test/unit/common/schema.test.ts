import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommonArgs } from '../../../src/common/argparse.js';
import { Config } from '../../../src/common/config.js';
import { Formatter } from '../../../src/common/formatter.js';
import { OptionSchema } from '../../../src/common/options/schema.js';
import { dumpOptionSchema } from '../../../src/common/config.js';

const fixture = new URL('../../../../test/unit/common/fixtures/ceph-conf-D-16.2.15.txt', import.meta.url);

test('schema: Pacific table → 1744 options plus 64 debug_* subsystems', () => {
  const schema = OptionSchema.pacific();
  assert.equal(schema.names().length, 1808);
  assert.equal(schema.helpOrder().length, 1744);
  assert.equal(schema.subsystems.length, 64);
  assert.equal(schema.helpOrder()[0]!.name, 'host');
  assert.deepEqual(
    schema.subsystems.slice(0, 3).map((s) => s.name),
    ['none', 'lockdep', 'context'],
  );
});

test('schema: every daemon default → equals `ceph-conf -D` of 16.2.15, option by option', () => {
  const config = new Config({ environment: 'daemon', name: 'client.admin', hostname: 'vm' });
  const f = new Formatter('json');
  f.object('config_show', () => config.show(f));
  const ours = JSON.parse(f.flush()) as Record<string, string>;
  const lines = readFileSync(fixture, 'utf8').trim().split('\n');
  assert.equal(lines.length, Object.keys(ours).length);
  const mismatches: string[] = [];
  for (const line of lines) {
    const at = line.indexOf(' = ');
    const [name, value] = [line.slice(0, at), line.slice(at + 3)];
    // ceph-conf turns off file logging for itself at the default level
    const expected = name === 'log_to_file' ? 'true' : value;
    if (ours[name] !== expected) mismatches.push(`${name}: ceph-conf "${expected}", ours "${ours[name]}"`);
  }
  assert.deepEqual(mismatches, []);
});

test('schema: non-daemon defaults → admin_socket and log_file empty, log_to_stderr true', () => {
  const config = new Config({ environment: 'utility' });
  assert.equal(config.get('admin_socket'), '');
  assert.equal(config.get('log_file'), '');
  assert.equal(config.get('log_to_stderr'), true);
  assert.equal(config.get('err_to_stderr'), false);
  assert.equal(config.get('mon_client_hunt_interval'), 3);
  assert.equal(config.get('rbd_cache_size'), 33554432);
  assert.equal(config.get('rbd_default_features'), '61');
  assert.equal(config.get('debug_ms'), '0/0');
});

test('schema: config help of one option → the exact JSON a 16.2.15 client prints', () => {
  const f = new Formatter('json');
  f.object('config_help', () => dumpOptionSchema(f, OptionSchema.pacific().get('log_stop_at_utilization')!));
  assert.equal(
    f.flush(),
    '{"option":{"name":"log_stop_at_utilization","type":"float","level":"basic",' +
      '"desc":"stop writing to the log file when device utilization reaches this ratio","long_desc":"",' +
      '"default":0.96999999999999997,"daemon_default":"","tags":[],"services":[],"see_also":["log_file"],' +
      '"min":0,"max":1,"can_update_at_runtime":true,"flags":[]}}',
  );
  const g = new Formatter('json');
  g.object('config_help', () => dumpOptionSchema(g, OptionSchema.pacific().get('debug_ms')!));
  assert.equal(
    g.flush(),
    '{"option":{"name":"debug_ms","type":"str","level":"advanced","desc":"Debug level for ms","long_desc":' +
      "\"The value takes the form 'N' or 'N/M' where N and M are values between 0 and 99.  N is the debug level " +
      'to log (all values below this are included), and M is the level to gather and buffer in memory.  In the ' +
      'event of a crash, the most recent items <= M are dumped to the log file.","default":"0/0",' +
      '"daemon_default":"","tags":[],"services":[],"see_also":[],"enum_values":[],"min":"","max":"",' +
      '"can_update_at_runtime":true,"flags":["runtime"]}}',
  );
});

test('schema: define() → adds a tsceph option; redefining a Pacific name is an assertion', () => {
  const schema = OptionSchema.newPacific();
  schema.define({
    name: 'tsceph_demo',
    type: 'uint',
    level: 'dev',
    desc: '',
    longDesc: '',
    default: 3,
    tags: [],
    services: [],
    seeAlso: [],
    enumValues: [],
    flags: 0,
  });
  assert.equal(new Config({ schema }).getValue('tsceph_demo'), 3);
  assert.throws(() => schema.define({ ...schema.get('tsceph_demo')! }), /already defined/);
  assert.throws(() => schema.define({ ...schema.get('rbd_cache')! }), /already defined/);
  assert.equal(OptionSchema.pacific().has('tsceph_demo'), false);
});

test('schema: config show of a real `rbd watch` process → reproduced byte for byte from its ceph.conf and argv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsceph-show-'));
  try {
    const conf = join(dir, 'ceph.conf');
    copyFileSync(new URL('../../../../test/unit/common/fixtures/rbd-watch-ceph.conf', import.meta.url), conf);
    const { config } = parseCommonArgs(
      ['-c', conf, '--debug-monc', '0/3', 'watch', 'rbd/img'],
      { HOME: '/root' },
      { environment: 'utility', pid: 31527, hostname: 'vm' },
    );
    // what the rbd tool does for itself at startup
    config.set('rbd_cache_writethrough_until_flush', 'false');
    const f = new Formatter('json');
    f.object('config_show', () => config.show(f));
    const real = readFileSync(
      new URL('../../../../test/unit/common/fixtures/rbd-watch-config-show.json', import.meta.url),
      'utf8',
    );
    assert.equal(f.flush(), real);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schema: a bound beyond 2^53 → printed with every digit (rgw_rados_pool_recovery_priority min is -10 as a uint)', () => {
  const f = new Formatter('json');
  f.object('config_help', () =>
    dumpOptionSchema(f, OptionSchema.pacific().get('rgw_rados_pool_recovery_priority')!),
  );
  assert.match(f.flush(), /"min":18446744073709551606,"max":10,/);
});
