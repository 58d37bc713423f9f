/**
 * Connecting a command-line tool to a cluster from its Config: a client
 * messenger, a MonClient hunting across `mon_host`, and an MgrClient for
 * commands the mgr answers (librados' connect, reduced to what the CLIs use).
 *
 *   <start> → BUILD_MONMAP (mon_host) → START_MESSENGER → AUTHENTICATE (client_mount_timeout)
 *           → SUBSCRIBE mgrmap → <connected>
 *   any step fails → shut everything down → throw
 */
import { hostname } from 'node:os';
import { CephError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import { CephContext } from '../../common/context.js';
import { EntityType, parseEntityName } from '../../encoding/types.js';
import { Messenger, Policy, systemClock } from '../../msg/index.js';
import '../../msg/messages/index-mon.js';
import { MonClient, type MonCommandResult } from '../../mon/mon-client.js';
import { monMapFromMonHost } from '../../mon/monmap.js';
import { parseIpPortVec } from '../../mon/monmap-addr.js';
import { MgrClient } from '../../mgr/mgr-client.js';

export interface ClusterHandle {
  config: Config;
  /** Log, perf counters and the admin socket (bound when `admin_socket` is set). */
  cct: CephContext;
  messenger: Messenger;
  monc: MonClient;
  mgrc: MgrClient;
  /** A mon command (JSON string), or a mgr command when `toMgr`. */
  command(json: string, inbuf?: Buffer, toMgr?: boolean): Promise<MonCommandResult>;
  shutDown(): Promise<void>;
}

const secondsToMs = (v: unknown): number => Math.round(Number(v) * 1000);

export async function connectCluster(
  config: Config,
  opts: { timeoutMs?: number } = {},
): Promise<ClusterHandle> {
  const monHost = String(config.getValue('mon_host'));
  const addrvecs = monHost ? parseIpPortVec(monHost) : [];
  if (!addrvecs || addrvecs.length === 0) {
    throw new CephError('ENOENT', 'unable to get monitor info from DNS SRV with service name: ceph-mon');
  }
  const monmap = monMapFromMonHost(addrvecs);
  const cct = new CephContext(config).makeDefault();
  const messenger = Messenger.create({ name: { type: EntityType.CLIENT, num: -1n } });
  messenger.setPolicy(EntityType.MON, Policy.lossyClient());
  messenger.setPolicy(EntityType.MGR, Policy.lossyClient());
  messenger.setPolicy(EntityType.OSD, Policy.lossyClient());
  const monc = new MonClient({
    messenger,
    entityName: parseEntityName(config.name),
    initialMonMap: monmap,
    huntIntervalMs: secondsToMs(config.getValue('mon_client_hunt_interval')),
    huntParallel: Number(config.getValue('mon_client_hunt_parallel')),
    huntIntervalBackoff: Number(config.getValue('mon_client_hunt_interval_backoff')),
    huntIntervalMinMultiple: Number(config.getValue('mon_client_hunt_interval_min_multiple')),
    huntIntervalMaxMultiple: Number(config.getValue('mon_client_hunt_interval_max_multiple')),
    pingIntervalMs: secondsToMs(config.getValue('mon_client_ping_interval')),
    pingTimeoutMs: secondsToMs(config.getValue('mon_client_ping_timeout')),
    monOpTimeoutMs: secondsToMs(config.getValue('rados_mon_op_timeout')),
    hostname: hostname().split('.')[0] ?? '',
  });
  const mgrc = new MgrClient(messenger, systemClock);
  const opTimeoutMs = secondsToMs(config.getValue('rados_mon_op_timeout'));
  const shutDown = async () => {
    await mgrc.shutDown();
    await monc.shutDown();
    await messenger.shutdown();
    await cct.shutDown();
  };
  try {
    await cct.init();
    await messenger.start();
    await monc.init();
    mgrc.init();
    await monc.authenticate(opts.timeoutMs ?? secondsToMs(config.getValue('client_mount_timeout')));
    messenger.myName = { type: EntityType.CLIENT, num: monc.globalId };
    monc.subWant('mgrmap', 0, 0);
  } catch (err) {
    await shutDown();
    throw err;
  }
  return {
    config,
    cct,
    messenger,
    monc,
    mgrc,
    command: (json, inbuf = Buffer.alloc(0), toMgr = false) =>
      toMgr ? mgrc.command([json], inbuf, opTimeoutMs) : monc.command([json], inbuf),
    shutDown,
  };
}
