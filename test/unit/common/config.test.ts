import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config, ConfigLevel } from '../../../src/common/config.js';
import { ConfFile } from '../../../src/common/conf-file.js';
import { isCephError } from '../../../src/common/errors.js';
import { Formatter } from '../../../src/common/formatter.js';

function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isCephError(err) && err.code === code);
}

function diffJson(config: Config): unknown {
  const f = new Formatter('json');
  f.object('config_diff', () => f.object('diff', () => config.diff(f)));
  return (JSON.parse(f.flush()) as { diff: unknown }).diff;
}

test('config: levels → cmdline beats file beats default; override beats all; removing it falls back', () => {
  const c = new Config();
  c.set('rbd_cache_size', '1M', ConfigLevel.FILE);
  assert.equal(c.get('rbd_cache_size'), 1048576);
  c.set('rbd_cache_size', '2M', ConfigLevel.CMDLINE);
  assert.equal(c.set('rbd_cache_size', '3M', ConfigLevel.FILE), 'no_effect');
  assert.equal(c.get('rbd_cache_size'), 2097152);
  assert.equal(c.set('rbd_cache_size', '4M'), 'have_effect');
  assert.equal(c.set('rbd_cache_size', '4M'), 'no_change');
  assert.equal(c.sourceOf('rbd_cache_size'), ConfigLevel.OVERRIDE);
  assert.equal(c.rm('rbd_cache_size'), 'have_effect');
  assert.equal(c.get('rbd_cache_size'), 2097152);
  rejects(() => c.rm('rbd_cache_size'), 'ENOENT');
  rejects(() => c.rm('no_such_option'), 'EINVAL');
});

test('config: config diff → default first unless set at default level, every level, then final (Pacific shape)', () => {
  const c = new Config({ name: 'client.admin', pid: 26731 });
  c.set('admin_socket', '/run/$name.$pid.asok', ConfigLevel.FILE);
  c.set('debug_ms', '5');
  c.set('mon_client_hunt_interval', '2.5');
  c.set('ms_bind_port_min', '46210', ConfigLevel.FILE);
  c.set('rbd_cache', 'true', ConfigLevel.FILE);
  assert.deepEqual(diffJson(c), {
    admin_socket: { default: '', file: '/run/$name.$pid.asok', final: '/run/client.admin.26731.asok' },
    debug_ms: { default: '0/0', override: '5/5', final: '5/5' },
    err_to_stderr: { default: false, final: false },
    log_flush_on_exit: { default: false, final: false },
    log_to_stderr: { default: false, final: false },
    mon_client_hunt_interval: { default: 3, override: 2.5, final: 2.5 },
    ms_bind_port_min: { default: 6800, file: 46210, final: 46210 },
    rbd_cache: { default: true, file: true, final: true },
    rbd_default_features: { default: '61', final: '61' },
  });
});

test('config: setting the same value at a new level → have_effect (a new level always counts)', () => {
  const c = new Config();
  assert.equal(c.set('mon_dns_srv_name', 'ceph-mon'), 'have_effect');
  assert.deepEqual(c.applyChanges(), ['mon_dns_srv_name']);
  assert.deepEqual(c.applyChanges(), []);
});

test('config: after start → startup/string options refuse a different value with EPERM, the same value passes', () => {
  const c = new Config();
  c.set('fsid', 'b2577215-0df3-486d-8721-9c8ef02e2810', ConfigLevel.FILE);
  c.markStarted();
  rejects(() => c.set('mon_host', '1.2.3.4'), 'EPERM');
  rejects(() => c.set('rbd_default_map_options', 'x'), 'EPERM');
  rejects(() => c.set('fsid', '00000000-0000-0000-0000-000000000001'), 'EPERM');
  assert.equal(c.set('fsid', 'b2577215-0df3-486d-8721-9c8ef02e2810'), 'have_effect');
  assert.equal(c.set('rbd_cache_size', '10M'), 'have_effect');
  c.set('debug_ms', '3');
});

test('config: an observed startup option → may change at runtime; its observer gets exactly its keys', () => {
  const c = new Config();
  const seen: string[][] = [];
  const stop = c.addObserver(['mon_host', 'rbd_cache'], (keys) => seen.push([...keys].sort()));
  c.markStarted();
  c.set('mon_host', '10.0.0.1');
  c.set('rbd_cache_size', '1M');
  assert.deepEqual(c.applyChanges(), ['rbd_cache_size']);
  assert.deepEqual(seen, [['mon_host']]);
  stop();
  rejects(() => c.set('mon_host', '10.0.0.2'), 'EPERM');
});

test('config: bad values → EINVAL/ERANGE and the old value stays; unknown names ENOENT', () => {
  const c = new Config();
  rejects(() => c.set('debug_ms', '100'), 'ERANGE');
  rejects(() => c.set('rbd_cache', 'yes'), 'EINVAL');
  rejects(() => c.set('fsid', '1'), 'EINVAL');
  rejects(() => c.set('nope', '1'), 'ENOENT');
  rejects(() => c.getValue('nope'), 'ENOENT');
  assert.equal(c.get('debug_ms'), '0/0');
  assert.equal(c.get('rbd_cache'), true);
});

test('config: key names → whitespace runs become "_" but dashes stay distinct', () => {
  const c = new Config();
  assert.equal(c.getString('mon dns  srv name'), 'ceph-mon');
  c.set(' rbd cache size ', '1M');
  assert.equal(c.get('rbd_cache_size'), 1048576);
  rejects(() => c.set('mon-dns-srv-name', 'x'), 'ENOENT');
});

test('config: debug_* → subsystem levels follow at once, "N" is "N/N"', () => {
  const c = new Config();
  assert.deepEqual(c.subsystemLevels('monc'), { log: 0, gather: 10 });
  c.set('debug_monc', '20');
  assert.deepEqual(c.subsystemLevels('monc'), { log: 20, gather: 20 });
  c.set('debug_monc', '1/5', ConfigLevel.FILE);
  assert.deepEqual(c.subsystemLevels('monc'), { log: 20, gather: 20 });
  c.rm('debug_monc');
  assert.deepEqual(c.subsystemLevels('monc'), { log: 1, gather: 5 });
  assert.deepEqual(c.applyChanges(), [], 'debug levels are not reported as changed options');
});

test('config: metavariables → $cluster $type $id $name $host $pid and options, recursively', () => {
  const c = new Config({ name: 'osd.3', cluster: 'backup', hostname: 'node1.example.com', pid: 42 });
  c.set('run_dir', '/run/$cluster/$type', ConfigLevel.FILE);
  c.set('admin_socket', '$run_dir/$cluster-$name.$pid.asok', ConfigLevel.FILE);
  assert.equal(c.get('admin_socket'), '/run/backup/osd/backup-osd.3.42.asok');
  assert.equal(c.expandMeta('$host-$id-$num-${cluster}x'), 'node1-3-3-backupx');
  assert.equal(c.get('keyring'), '/var/lib/ceph/osd/backup-3/keyring', 'osd keyrings default to $osd_data');
  c.set('host', 'myhost', ConfigLevel.FILE);
  assert.equal(c.expandMeta('$host'), 'myhost');
});

test('config: metavariables → unknown names stay, "$" alone stays, loops stop at "$option", $home replaces the prefix', () => {
  const c = new Config({ home: '/root' });
  assert.equal(c.expandMeta('$nope/$5 and $'), '$nope/$5 and $');
  assert.equal(c.expandMeta('x$home/y'), '/root/y');
  c.set('log_file', 'a$admin_socket', ConfigLevel.FILE);
  c.set('admin_socket', 'b$log_file', ConfigLevel.FILE);
  assert.equal(c.get('log_file'), 'a$log_file');
  assert.equal(c.get('admin_socket'), 'b$admin_socket');
});

test('config: config show → name, cluster, then every option sorted with its text value', () => {
  const c = new Config({ name: 'client.rgw.gw1' });
  const f = new Formatter('json');
  f.object('config_show', () => c.show(f));
  const shown = JSON.parse(f.flush()) as Record<string, string>;
  const keys = Object.keys(shown);
  assert.deepEqual(keys.slice(0, 3), ['name', 'cluster', 'admin_socket']);
  assert.deepEqual(keys.slice(2), [...keys.slice(2)].sort());
  assert.equal(shown.name, 'client.rgw.gw1');
  assert.equal(shown.mon_client_hunt_interval, '3.000000');
  assert.equal(shown.public_addr, '-');
  assert.equal(c.entityId, 'rgw.gw1');
});

test('config: applyConfFile → [name] beats [type] beats [global]; unparsable values become warnings', () => {
  const conf = ConfFile.parse(
    '[global]\ndebug ms = 1\nrbd cache size = 2M\nms_bind_port_min = abc\nlog-file = /dash\n' +
      '[client]\ndebug ms = 3\n[client.admin]\ndebug_monc = 20\n[osd]\ndebug ms = 7\n',
  );
  const c = new Config({ name: 'client.admin' });
  const warnings = c.applyConfFile(conf);
  assert.equal(c.get('debug_ms'), '3/3');
  assert.equal(c.get('debug_monc'), '20/20');
  assert.equal(c.get('rbd_cache_size'), 2097152);
  assert.equal(c.get('ms_bind_port_min'), 6800);
  assert.equal(c.get('log_file'), '', 'a dashed key in a file does not set the option');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /ms_bind_port_min/);
});

test('config: entity names → TYPE.ID required with a known type', () => {
  rejects(() => new Config({ name: 'admin' }), 'EINVAL');
  rejects(() => new Config({ name: 'bogus.1' }), 'EINVAL');
  assert.equal(new Config({ name: 'mon.a' }).name, 'mon.a');
});
