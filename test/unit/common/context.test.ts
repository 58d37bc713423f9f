import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSocketRequest, formatCommandReply } from '../../../src/common/admin-socket.js';
import { ManualClock } from '../../../src/common/clock.js';
import { Config, ConfigLevel } from '../../../src/common/config.js';
import { CephContext } from '../../../src/common/context.js';
import { PerfCountersBuilder } from '../../../src/common/perf-counters.js';

process.env.TZ = 'UTC';

function makeContext(config = new Config({ environment: 'daemon' })): CephContext {
  config.set('log_file', '', ConfigLevel.FILE);
  config.applyChanges();
  return new CephContext(config, { clock: new ManualClock(), stderr: () => undefined });
}

async function run(cct: CephContext, cmd: Record<string, unknown>): Promise<string> {
  return formatCommandReply(await cct.adminSocket.execute({ format: 'json', ...cmd })).toString();
}

test('context: config set → "success" lists changed options nobody observes, like Pacific', async () => {
  const cct = makeContext();
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'rbd_cache_size', val: ['10M'] }),
    '{"success":"rbd_cache_size = \'10485760\' (not observed, change may require restart) "}',
  );
  assert.equal(await run(cct, { prefix: 'config set', var: 'debug_ms', val: ['5'] }), '{"success":""}');
  assert.equal(await run(cct, { prefix: 'config get', var: 'debug_ms' }), '{"debug_ms":"5/5"}');
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'mon_client_hunt_interval', val: ['2'] }),
    '{"success":"mon_client_hunt_interval = \'2.000000\' (not observed, change may require restart) "}',
  );
  // an observed option is not reported
  cct.config.addObserver(['rbd_cache'], () => undefined);
  assert.equal(await run(cct, { prefix: 'config set', var: 'rbd_cache', val: ['false'] }), '{"success":""}');
});

test('context: config errors → Pacific texts and errnos', async () => {
  const cct = makeContext();
  await cct.init();
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'debug_ms', val: ['zz'] }),
    "ERROR: (22) Invalid argument\nerror setting 'debug_ms' to 'zz': (22) Invalid argument\n",
  );
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'debug_ms', val: ['100'] }),
    "ERROR: (34) Numerical result out of range\nerror setting 'debug_ms' to '100': (34) Numerical result out of range\n",
  );
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'nope', val: ['zz'] }),
    "ERROR: (2) No such file or directory\nerror setting 'nope' to 'zz': (2) No such file or directory\n",
  );
  assert.equal(
    await run(cct, { prefix: 'config set', var: 'mon_dns_srv_name', val: ['a', 'b'] }),
    "ERROR: (1) Operation not permitted\nerror setting 'mon_dns_srv_name' to 'a b': (1) Operation not permitted\n",
  );
  assert.equal(
    await run(cct, { prefix: 'config unset', var: 'nope' }),
    "ERROR: (22) Invalid argument\nerror unsetting 'nope': (22) Invalid argument\n",
  );
  assert.equal(
    await run(cct, { prefix: 'config help', var: 'nope' }),
    "ERROR: (2) No such file or directory\nSetting not found: 'nope'\n",
  );
  await cct.shutDown();
});

test('context: config unset → {} and the value falls back; unsetting twice is fine', async () => {
  const cct = makeContext();
  await run(cct, { prefix: 'config set', var: 'debug_ms', val: ['5'] });
  assert.equal(await run(cct, { prefix: 'config unset', var: 'debug_ms' }), '{}');
  assert.equal(await run(cct, { prefix: 'config unset', var: 'debug_ms' }), '{}');
  assert.equal(cct.config.get('debug_ms'), '0/0');
});

test('context: config show / diff / help → sections named like Pacific (xml shows them)', async () => {
  const cct = makeContext();
  const show = JSON.parse(await run(cct, { prefix: 'config show' }));
  assert.equal(show.name, 'client.admin');
  assert.equal(Object.keys(show).length, 1810);
  assert.match(await run(cct, { prefix: 'config diff', format: 'xml' }), /^<config_diff><diff>/);
  assert.match(
    await run(cct, { prefix: 'config diff get', var: 'x', format: 'xml' }),
    /^<config_diff_get><diff>/,
  );
  const all = JSON.parse(await run(cct, { prefix: 'config help' }));
  assert.equal(all.options.length, 1744);
  assert.equal(all.options[0].name, 'host');
  assert.equal(
    JSON.parse(await run(cct, { prefix: 'config help', var: 'rbd cache' })).option.name,
    'rbd_cache',
  );
});

test('context: injectargs → options applied as overrides; leftovers EINVAL', async () => {
  const cct = makeContext();
  assert.equal(
    await run(cct, { prefix: 'injectargs', injected_args: ['--debug-ms=3 --rbd-cache=false'] }),
    '{}',
  );
  assert.equal(cct.config.get('debug_ms'), '3/3');
  assert.equal(cct.config.get('rbd_cache'), false);
  assert.equal(cct.config.sourceOf('rbd_cache'), ConfigLevel.OVERRIDE);
  assert.match(
    await run(cct, { prefix: 'injectargs', injected_args: ['--bogus', '1'] }),
    /^ERROR: \(22\).*\n failed to parse arguments: --bogus,1\n$/,
  );
});

test('context: perf dump / schema / reset → collection output; unknown reset name is an "error" field', async () => {
  const cct = makeContext();
  const pc = new PerfCountersBuilder('objecter').addU64Counter('op_send').build();
  cct.perf.add(pc);
  pc.inc('op_send', 2);
  assert.equal(await run(cct, { prefix: 'perf dump' }), '{"objecter":{"op_send":2}}');
  assert.equal(
    await run(cct, { prefix: 'perf dump', logger: 'objecter', counter: 'op_send' }),
    '{"objecter":{"op_send":2}}',
  );
  assert.equal(await run(cct, { prefix: '1' }), '{"objecter":{"op_send":2}}');
  assert.match(await run(cct, { prefix: 'perf schema' }), /"op_send":\{"type":10,/);
  assert.equal(await run(cct, { prefix: 'perf reset', var: 'nope' }), '{"error":"Not find: nope"}');
  assert.equal(await run(cct, { prefix: 'perf reset', var: 'all' }), '{"success":"perf reset all"}');
  assert.equal(pc.get('op_send'), 0);
  assert.equal(await run(cct, { prefix: 'perf histogram dump' }), '{"objecter":{}}');
});

test('context: perf option false → counters stop counting', () => {
  const cct = makeContext();
  const pc = new PerfCountersBuilder('x').addU64Counter('n').build();
  cct.perf.add(pc);
  cct.config.set('perf', 'false');
  cct.config.applyChanges();
  pc.inc('n');
  assert.equal(pc.get('n'), 0);
});

test('context: init → admin socket at the expanded admin_socket path; shutDown removes it; log dump writes the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsceph-cct-'));
  try {
    const config = new Config({ environment: 'daemon', name: 'client.admin', pid: 4242 });
    config.set('run_dir', dir, ConfigLevel.FILE);
    config.set('admin_socket', '$run_dir/$name.$pid.asok', ConfigLevel.FILE);
    config.set('log_file', join(dir, '$name.log'), ConfigLevel.FILE);
    config.applyChanges();
    const cct = new CephContext(config, { clock: new ManualClock(), stderr: () => undefined });
    await cct.init();
    await cct.init();
    const path = join(dir, 'client.admin.4242.asok');
    assert.equal(cct.adminSocket.path, path);
    assert.equal(
      (
        await adminSocketRequest(path, { prefix: 'config get', var: 'admin_socket', format: 'json' })
      ).toString(),
      `{"admin_socket":"${path}"}`,
    );
    await adminSocketRequest(path, { prefix: 'log dump' });
    assert.match(readFileSync(join(dir, 'client.admin.log'), 'utf8'), /--- begin dump of recent events ---/);
    await cct.shutDown();
    await cct.shutDown();
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('context: admin socket that cannot bind → logged as an error, the context still starts', async () => {
  const errors: string[] = [];
  const config = new Config({ environment: 'daemon' });
  config.set('admin_socket', '/nonexistent-dir/x.asok', ConfigLevel.FILE);
  config.set('log_file', '', ConfigLevel.FILE);
  config.applyChanges();
  const cct = new CephContext(config, { clock: new ManualClock(), stderr: (t) => errors.push(t) });
  await cct.init();
  cct.log.flush();
  assert.equal(cct.adminSocket.path, '');
  assert.match(
    errors.join(''),
    / -1 asok\(0x[0-9a-f]+\) AdminSocketConfigObs::init: failed: .*failed to bind the UNIX domain socket to '\/nonexistent-dir\/x.asok'/,
  );
  await cct.shutDown();
});
