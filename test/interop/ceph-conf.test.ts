/**
 * ceph.conf handling against the real `ceph-conf` of Pacific: the same files,
 * names and environment go to both, and every answer must be the same —
 * raw lookups with metavariable expansion (`--lookup`), effective option
 * values after file + CEPH_ARGS + command line (`--show-config-value`), and
 * which edge-case files are parse errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommonArgs } from '../../src/common/argparse.js';
import { ConfFile } from '../../src/common/conf-file.js';
import { isCephError } from '../../src/common/errors.js';

const haveCephConf = spawnSync('sh', ['-c', 'command -v ceph-conf'], { stdio: 'ignore' }).status === 0;
const skip = haveCephConf ? false : 'real ceph-conf not installed';

const dir = mkdtempSync(join(tmpdir(), 'tsceph-ceph-conf-'));
const home = join(dir, 'home');
mkdirSync(home);
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run the real ceph-conf; undefined when it reports "not found" or an error. */
function realCephConf(
  args: string[],
  env: Record<string, string> = {},
): { value?: string; status: number; stderr: string } {
  const r = spawnSync('ceph-conf', args, {
    encoding: 'utf8',
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
  });
  return {
    value: r.status === 0 ? r.stdout.replace(/\n$/, '') : undefined,
    status: r.status ?? -1,
    stderr: r.stderr,
  };
}

function writeConf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const META_CONF = `# metavariables and section precedence
[global]
  fsid = 11111111-2222-3333-4444-555555555555
  mon host = 127.0.0.1, [v2:127.0.0.2:3300,v1:127.0.0.2:6789]   # trailing comment
  run_dir = /tmp/run/$type
  admin socket = $run_dir/$cluster-$name.asok
  log-file = /var/log/$cluster/$name.$pid.log
  debug ms = 1/5
  quoted = "  hello \\# not \\" comment "   ; c
  cont = first \\
   second
  my_var = $host-$id-$num
  loop_a = $loop_b
  loop_b = $loop_a
  home_var = x$home/y
  braces = \${cluster}x$
  ms_bind_port_min = 7000
[client]
  debug ms = 3
  keyring = /etc/ceph/$cluster.$name.keyring
[client.admin]
  debug_monc = 20
  log_file = /tmp/admin.log
[client.rgw.gw1]
  debug_rgw = 5
[osd]
  debug ms = 7
[osd.3]
  osd_data = /var/lib/ceph/osd/$cluster-$id
`;

test(
  'ceph-conf interop: --lookup with metavariables → same raw value and expansion for every name',
  { skip },
  () => {
    const path = writeConf('meta.conf', META_CONF);
    const keys = [
      'fsid',
      'mon_host',
      'mon host',
      'log-file',
      'log_file',
      'run_dir',
      'admin_socket',
      'debug_ms',
      'debug_monc',
      'quoted',
      'cont',
      'my_var',
      'loop_a',
      'home_var',
      'braces',
      'keyring',
      'osd_data',
      'ms_bind_port_min',
      'nonexistent',
    ];
    for (const name of ['client.admin', 'osd.3', 'client.rgw.gw1', 'mon.a']) {
      const { config, confFile } = parseCommonArgs(
        ['-c', path, '--name', name],
        { HOME: home },
        { environment: 'daemon', pid: 42 },
      );
      for (const key of keys) {
        const raw = confFile!.lookup(config.sections, key);
        const ours = raw === undefined ? undefined : config.expandMeta(raw);
        const real = realCephConf(['-c', path, '--name', name, '--pid', '42', '--lookup', key]).value;
        assert.equal(ours, real, `${name} ${key}`);
      }
    }
  },
);

test(
  'ceph-conf interop: --show-config-value → same effective values from file, CEPH_ARGS and argv',
  { skip },
  () => {
    const path = writeConf(
      'prio.conf',
      '[global]\ndebug_ms = 4\nmon_host = 1.2.3.4\nrbd cache size = 5M\nlog-file = /x\n[client]\nrbd cache = false\n',
    );
    const keys = [
      'debug_ms',
      'mon_host',
      'rbd_cache_size',
      'rbd_cache',
      'log_file',
      'admin_socket',
      'keyring',
      'run_dir',
      'rbd_default_features',
      'ms_bind_port_min',
      'fsid',
      'mon_client_hunt_interval',
      'public_addr',
      'client_mount_timeout',
    ];
    const scenarios: { argv: string[]; env: Record<string, string> }[] = [
      { argv: ['-c', path], env: {} },
      { argv: ['-c', path, '--debug-ms', '3', '--rbd_cache_size=7M', '--name', 'client.x'], env: {} },
      {
        argv: ['-c', path, '--debug-ms=3'],
        env: { CEPH_ARGS: '--debug-ms 2 -m 9.9.9.9 --ms-bind-port-min 7100' },
      },
      { argv: ['--cluster', 'foo'], env: { CEPH_CONF: path, CEPH_KEYRING: '/k' } },
      { argv: ['-c', path, '--no-rbd-cache', '-k', '/kr', '--mon-client-hunt-interval', '2.5'], env: {} },
    ];
    for (const { argv, env } of scenarios) {
      const { config } = parseCommonArgs(argv, { HOME: home, ...env }, { environment: 'daemon' });
      for (const key of keys) {
        const real = realCephConf([...argv, '--show-config-value', key], env);
        assert.equal(config.getString(key), real.value, `${JSON.stringify({ argv, env })} ${key}`);
      }
    }
  },
);

test(
  'ceph-conf interop: tricky files → parse errors and values exactly where ceph-conf has them',
  { skip },
  () => {
    const cases = [
      '   \n[global]\nx=1\n',
      '[global]\nx = "a" b\n',
      '[global]\n\tx\t=\t1\n',
      '[global]\nx = a \\# b\n',
      '[global]\nx = a;b\n',
      '[global]\r\nx = 1\r\n',
      '[global]\nx = \\\n  y\n',
      '[global]\nx = a\\\n',
      '[global]\nx = "a\\"b"\n',
      "[global]\nx = 'a' ; c\n",
      '[global]\nx = 1 \\\n[client]\n',
      '[global]\nx = a\n[global]\nx = b\n',
      '[global]\nx = "hello # no"\n',
      '[global]\nx = 4',
      'x = 4\n[global]\n',
      '[glo#bal]\nx=1\n',
      '[global]\n=1\n',
      '[ global]\nx=1\n',
    ];
    cases.forEach((text, i) => {
      const path = writeConf(`edge${i}.conf`, text);
      const real = realCephConf(['-c', path, '--lookup', 'x']);
      const realError = /parse error/.test(real.stderr);
      let ours: string | undefined;
      let oursError = false;
      try {
        ours = ConfFile.load(path).lookup(['global'], 'x');
      } catch (err) {
        if (!isCephError(err, 'EINVAL')) throw err;
        oursError = true;
      }
      assert.equal(oursError, realError, `parse error for ${JSON.stringify(text)}`);
      if (!realError) assert.equal(ours, real.value, `value for ${JSON.stringify(text)}`);
    });
  },
);

test('ceph-conf interop: missing config file named with -c → both refuse', { skip }, () => {
  const real = realCephConf(['-c', join(dir, 'missing.conf'), '--show-config-value', 'fsid']);
  assert.notEqual(real.status, 0);
  assert.match(real.stderr, /unable to open config file from search list/);
  assert.throws(
    () => parseCommonArgs(['-c', join(dir, 'missing.conf')], { HOME: home }),
    (err: unknown) =>
      isCephError(err, 'ENOENT') && /unable to open config file from search list/.test(err.message),
  );
});
