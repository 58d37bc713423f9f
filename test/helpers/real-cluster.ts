/**
 * Starts and stops a real Ceph Pacific cluster (1 mon, 1 mgr, N OSDs) on
 * 127.0.0.1 for interop tests and benchmarks: auth none, msgr2 only, its own
 * ports (mon on the first bindable port of basePort..basePort+9, everything
 * else in basePort+10..basePort+99) and its own data folder, so several can
 * run side by side. Only the processes this harness started are stopped, by PID.
 *
 * Our port ranges lie inside Linux's ephemeral range (32768–60999), so any
 * outgoing connection on the machine may hold one — and after it closes, its
 * TIME_WAIT keeps the port unbindable for 60 s. The mon, whose port is fixed
 * in the monmap, therefore takes the first of ten ports that binds now, and a
 * mon that still fails to bind is set up again on the next one.
 *
 *   <start> → PICK_MON_PORT → WRITE_CONF → MKFS_MON → RUN_MON → WAIT_QUORUM
 *             (mon exited: back to PICK_MON_PORT, three attempts) → RUN_MGR
 *           → for each OSD: OSD_NEW → MKFS_OSD → RUN_OSD
 *           → WAIT_OSDS_UP → WAIT_MGR → [CREATE_RBD_POOL] → <ready>
 *   any step fails → stop what was started → throw
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, rmSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RealClusterOptions {
  /** Folder name under the root; also the log prefix. */
  name: string;
  /** The mon's msgr2 port is one of basePort..basePort+9; other daemons bind in basePort+10..basePort+99. */
  basePort: number;
  /** Number of OSDs (0 for a mon+mgr only cluster). */
  osds: number;
  /** bluestore (sparse file) or memstore. */
  objectStore?: 'bluestore' | 'memstore';
  /** Size of each OSD's sparse block file / memstore device, bytes. */
  blockSizeBytes?: number;
  /** Create and `rbd pool init` a pool named rbd once OSDs are up. */
  rbdPool?: boolean;
  /** Extra `key = value` lines for [global]. */
  extraGlobal?: Record<string, string>;
  /** Root folder for cluster data (default /tmp/tsceph-real). */
  root?: string;
}

export interface RealCluster {
  confPath: string;
  /** `v2:127.0.0.1:PORT` */
  monAddr: string;
  dir: string;
  fsid: string;
  /** Run the real `ceph` CLI against this cluster; resolves stdout, rejects on non-zero exit. */
  ceph(args: string[], opts?: { timeoutMs?: number }): Promise<string>;
  /** Kill one OSD process (SIGKILL by default: a crash, not a clean stop); resolves when it exited. */
  killOsd(id: number, signal?: NodeJS.Signals): Promise<void>;
  /** Start a killed OSD again from its data folder. */
  startOsd(id: number): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`real cluster: timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** How many ports from basePort up the mon may take. */
const MON_PORT_CHOICES = 10;

/** True when 127.0.0.1:port can be listened on now (Node sets SO_REUSEADDR, as Ceph does). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first port of basePort..basePort+9 not yet tried that can be listened on now. */
async function pickMonPort(basePort: number, tried: Set<number>): Promise<number> {
  for (let port = basePort; port < basePort + MON_PORT_CHOICES; port++) {
    if (!tried.has(port) && (await canListen(port))) return port;
  }
  throw new Error(`real cluster: no free mon port in ${basePort}..${basePort + MON_PORT_CHOICES - 1}`);
}

function confText(
  o: Required<Omit<RealClusterOptions, 'extraGlobal' | 'root'>>,
  monPort: number,
  dir: string,
  fsid: string,
  extra: Record<string, string>,
): string {
  const size = o.osds >= 3 ? 3 : 1;
  const lines = [
    '[global]',
    `fsid = ${fsid}`,
    `mon_host = [v2:127.0.0.1:${monPort}]`,
    'public_addr = 127.0.0.1',
    'cluster_addr = 127.0.0.1',
    'ms_bind_msgr1 = false',
    'ms_bind_msgr2 = true',
    `ms_bind_port_min = ${o.basePort + 10}`,
    `ms_bind_port_max = ${o.basePort + 99}`,
    'auth_cluster_required = none',
    'auth_service_required = none',
    'auth_client_required = none',
    'auth_supported = none',
    `run_dir = ${dir}/run`,
    `admin_socket = ${dir}/run/$name.$pid.asok`,
    `log_file = ${dir}/log/$name.log`,
    `keyring = ${dir}/keyring`,
    `osd_pool_default_size = ${size}`,
    'osd_pool_default_min_size = 1',
    'osd_pool_default_pg_autoscale_mode = off',
    'osd_crush_chooseleaf_type = 0',
    'mon_allow_pool_size_one = true',
    'mon_allow_pool_delete = true',
    'mon_warn_on_pool_no_redundancy = false',
    'mon_warn_on_insecure_global_id_reclaim = false',
    'mon_warn_on_insecure_global_id_reclaim_allowed = false',
    'mon_data_avail_warn = 2',
    'mon_data_avail_crit = 1',
    'mon_max_pg_per_osd = 1000',
    `crash_dir = ${dir}/crash`,
    ...Object.entries(extra).map(([k, v]) => `${k} = ${v}`),
    '[mon]',
    `admin_socket = ${dir}/run/$name.asok`,
    `mon_data = ${dir}/$name`,
    `mon_cluster_log_file = ${dir}/log/cluster.log`,
    '[mgr]',
    `admin_socket = ${dir}/run/$name.asok`,
    `mgr_data = ${dir}/$name`,
    'mgr_initial_modules = iostat',
    '[osd]',
    `admin_socket = ${dir}/run/$name.asok`,
    `osd_data = ${dir}/$name`,
    `osd_objectstore = ${o.objectStore}`,
    `bluestore_block_size = ${o.blockSizeBytes}`,
    'bluestore_block_create = true',
    'bluestore_fsck_on_mkfs = false',
    'osd_memory_target = 1073741824',
    'osd_memory_target_autotune = false',
    `memstore_device_bytes = ${o.blockSizeBytes}`,
    'osd_op_num_threads_per_shard = 1',
    'osd_class_dir = /usr/lib/x86_64-linux-gnu/rados-classes',
    '',
  ];
  return lines.join('\n');
}

/** Wait until every PG is active+clean, so cluster state stops changing under a test. */
export async function waitForCleanPgs(
  ceph: (args: string[]) => Promise<string>,
  timeoutMs = 180_000,
): Promise<void> {
  await waitFor('all PGs active+clean', timeoutMs, async () => {
    const stat = JSON.parse(await ceph(['pg', 'stat', '-f', 'json'])) as {
      pg_summary: { num_pgs: number; num_pg_by_state: { name: string; num: number }[] };
    };
    const clean = stat.pg_summary.num_pg_by_state.find((s) => s.name === 'active+clean')?.num ?? 0;
    return clean === stat.pg_summary.num_pgs;
  });
}

export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const o = {
    objectStore: 'bluestore' as const,
    blockSizeBytes: 10 * 1024 ** 3,
    rbdPool: false,
    ...options,
  };
  const root = options.root ?? '/tmp/tsceph-real';
  const dir = join(root, o.name);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['run', 'log', 'mon.a', 'mgr.x', 'crash']) mkdirSync(join(dir, sub), { recursive: true });
  const fsid = randomUUID();
  const confPath = join(dir, 'ceph.conf');
  let monAddr = '';
  const children: ChildProcess[] = [];

  const run = async (cmd: string, args: string[], timeoutMs = 60_000): Promise<string> => {
    const { stdout } = await execFileAsync(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };
  const ceph = (args: string[], opts: { timeoutMs?: number } = {}) =>
    run('ceph', ['-c', confPath, '--connect-timeout', '15', ...args], opts.timeoutMs ?? 60_000);
  const osdChildren = new Map<number, ChildProcess>();
  const daemon = (tag: string, cmd: string, args: string[]): ChildProcess => {
    const out = openSync(join(dir, 'log', `${tag}.stdout`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: false });
    closeSync(out);
    children.push(child);
    writeFileSync(join(dir, 'pids'), children.map((c) => String(c.pid)).join('\n') + '\n');
    return child;
  };
  const startOsd = (id: number) => {
    osdChildren.set(id, daemon(`osd.${id}`, 'ceph-osd', ['-c', confPath, '-i', String(id), '-f']));
  };
  const killOsd = async (id: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const child = osdChildren.get(id);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };

  const stop = async () => {
    for (const child of [...children].reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    const deadline = Date.now() + 20_000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline)
      await sleep(200);
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.length = 0;
  };

  try {
    await run('ceph-authtool', [
      '--create-keyring',
      join(dir, 'keyring'),
      '--gen-key',
      '-n',
      'mon.',
      '--cap',
      'mon',
      'allow *',
    ]);
    const triedMonPorts = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      const monPort = await pickMonPort(o.basePort, triedMonPorts);
      triedMonPorts.add(monPort);
      monAddr = `v2:127.0.0.1:${monPort}`;
      writeFileSync(confPath, confText(o, monPort, dir, fsid, options.extraGlobal ?? {}));
      rmSync(join(dir, 'mon.a'), { recursive: true, force: true });
      mkdirSync(join(dir, 'mon.a'));
      await run('monmaptool', [
        '--create',
        '--clobber',
        '--fsid',
        fsid,
        '--addv',
        'a',
        `[${monAddr}]`,
        join(dir, 'monmap'),
      ]);
      await run('ceph-mon', [
        '-c',
        confPath,
        '--mkfs',
        '-i',
        'a',
        '--monmap',
        join(dir, 'monmap'),
        '--keyring',
        join(dir, 'keyring'),
      ]);
      const mon = daemon('mon.a', 'ceph-mon', ['-c', confPath, '-i', 'a', '-f']);
      const exited = new Promise<void>((resolve) => mon.once('exit', () => resolve()));
      let monDied = false;
      void exited.then(() => (monDied = true));
      await waitFor('mon quorum', 60_000, async () => {
        if (monDied) return true;
        return (await ceph(['mon', 'stat'], { timeoutMs: 10_000 })).length > 0;
      });
      if (!monDied) break;
      // The port was taken between the check and the mon's bind (the mon gives up after its own
      // bind retries and exits): set the mon up again on another port.
      if (attempt === 3) {
        throw new Error(
          `real cluster: ceph-mon exited three times (ports ${[...triedMonPorts].join(', ')} in use?)`,
        );
      }
    }
    daemon('mgr.x', 'ceph-mgr', ['-c', confPath, '-i', 'x', '-f']);
    for (let i = 0; i < o.osds; i++) {
      const uuid = randomUUID();
      const id = (await ceph(['osd', 'new', uuid])).trim();
      mkdirSync(join(dir, `osd.${id}`), { recursive: true });
      await run('ceph-osd', ['-c', confPath, '-i', id, '--mkfs', '--osd-uuid', uuid], 120_000);
      startOsd(Number(id));
    }
    if (o.osds > 0) {
      await waitFor(`${o.osds} osds up`, 120_000, async () => {
        const stat = JSON.parse(await ceph(['osd', 'stat', '-f', 'json'])) as {
          num_up_osds: number;
          num_in_osds: number;
        };
        return stat.num_up_osds === o.osds && stat.num_in_osds === o.osds;
      });
    }
    await waitFor('mgr available', 120_000, async () => {
      const stat = JSON.parse(await ceph(['mgr', 'stat', '-f', 'json'])) as { available: boolean };
      return stat.available;
    });
    if (o.rbdPool && o.osds > 0) {
      await ceph(['osd', 'pool', 'create', 'rbd', '32', '32', 'replicated']);
      await run('rbd', ['-c', confPath, 'pool', 'init', 'rbd'], 120_000);
    }
    if (o.osds > 0) await waitForCleanPgs(ceph);
  } catch (err) {
    await stop();
    throw err;
  }
  return { confPath, monAddr, dir, fsid, ceph, killOsd, startOsd, stop };
}

/** True when real Ceph's daemons and tools are installed on this machine. */
export function haveRealCeph(): boolean {
  return ['/usr/bin/ceph-mon', '/usr/bin/ceph', '/usr/bin/monmaptool'].every((p) => existsSync(p));
}
