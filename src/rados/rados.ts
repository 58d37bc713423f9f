/**
 * `Rados`: a client's connection to a cluster (librados `RadosClient`): the
 * messenger, the MonClient, the MgrClient and the Objecter, configured from
 * a `Config` (ceph.conf + environment + command line).
 *
 *   connect: BUILD_MONMAP (mon_host) → START_MESSENGER → AUTHENTICATE (client_mount_timeout)
 *          → SUBSCRIBE mgrmap → START_OBJECTER → WAIT_FOR_OSDMAP → <connected>
 *   any step fails → shut everything down → throw
 *
 * Pools are created and removed with mon commands and looked up in the
 * current OSDMap; an `IoCtx` does object I/O in one pool.
 */
import { hostname } from 'node:os';
import { CephError } from '../common/errors.js';
import type { Config } from '../common/config.js';
import { CephContext } from '../common/context.js';
import { EntityType, parseEntityName } from '../encoding/types.js';
import { Messenger, Policy, systemClock } from '../msg/index.js';
import '../msg/messages/index-mon.js';
import { MonClient, type MonCommandResult } from '../mon/mon-client.js';
import { monMapFromMonHost } from '../mon/monmap.js';
import { parseIpPortVec } from '../mon/monmap-addr.js';
import { MgrClient } from '../mgr/mgr-client.js';
import { Objecter } from './objecter/objecter.js';
import { IoCtx } from './io-ctx.js';
import { PoolOp } from '../msg/messages/osd-op-codes.js';
import type { PoolStat } from '../msg/messages/pool-stat.js';

/** librados `pool_stat_t`, as `Rados::get_pool_stats` derives it from the mon's `pool_stat_t`. */
export interface RadosPoolStat {
  numBytes: number;
  numKb: number;
  numObjects: number;
  numObjectClones: number;
  numObjectCopies: number;
  numObjectsMissingOnPrimary: number;
  numObjectsUnfound: number;
  numObjectsDegraded: number;
  numRd: number;
  numRdKb: number;
  numWr: number;
  numWrKb: number;
  numUserBytes: number;
  compressedBytesOrig: number;
  compressedBytes: number;
  compressedBytesAlloc: number;
}

/** `ceph_statfs`: the cluster's raw capacity and object count. */
export interface ClusterStat {
  kb: bigint;
  kbUsed: bigint;
  kbAvail: bigint;
  numObjects: bigint;
}

/**
 * librados' per-pool figures: allocated and user bytes come from the store
 * stats when every OSD keeps them per pool, else from the object sums.
 */
export function radosPoolStat(p: PoolStat, perPool: boolean): RadosPoolStat {
  const sum = p.stats;
  const allocatedData = perPool ? p.storeStats.allocated : sum.numBytes + sum.numBytesHitSetArchive;
  const allocatedOmap = perPool ? p.storeStats.omapAllocated : sum.numOmapBytes;
  const userData = perPool ? p.storeStats.dataStored : sum.numBytes + sum.numBytesHitSetArchive;
  const userOmap = perPool ? p.storeStats.omapAllocated : 0;
  const allocated = allocatedData + allocatedOmap;
  return {
    numBytes: allocated,
    numKb: Math.ceil(allocated / 1024),
    numObjects: sum.numObjects,
    numObjectClones: sum.numObjectClones,
    numObjectCopies: sum.numObjectCopies,
    numObjectsMissingOnPrimary: sum.numObjectsMissingOnPrimary,
    numObjectsUnfound: sum.numObjectsUnfound,
    numObjectsDegraded: sum.numObjectsDegraded,
    numRd: sum.numRd,
    numRdKb: sum.numRdKb,
    numWr: sum.numWr,
    numWrKb: sum.numWrKb,
    numUserBytes: userData + userOmap,
    compressedBytesOrig: p.storeStats.dataCompressedOriginal,
    compressedBytes: p.storeStats.dataCompressed,
    compressedBytesAlloc: p.storeStats.dataCompressedAllocated,
  };
}

const secondsToMs = (v: unknown): number => Math.round(Number(v) * 1000);

export interface ConnectOptions {
  /** Overrides client_mount_timeout (ms). */
  timeoutMs?: number;
  /** Skip the Objecter (tools that only talk to mons and mgrs). */
  withoutObjecter?: boolean;
}

export class Rados {
  private stopped = false;

  private constructor(
    readonly config: Config,
    /** Log, perf counters and the admin socket (bound when `admin_socket` is set). */
    readonly cct: CephContext,
    readonly messenger: Messenger,
    readonly monc: MonClient,
    readonly mgrc: MgrClient,
    private readonly objecterOrNone: Objecter | undefined,
  ) {}

  /** Connect to the cluster `config` names (mon_host). */
  static async connect(config: Config, opts: ConnectOptions = {}): Promise<Rados> {
    const monHost = String(config.getValue('mon_host'));
    const addrvecs = monHost ? parseIpPortVec(monHost) : [];
    if (!addrvecs || addrvecs.length === 0) {
      throw new CephError('ENOENT', 'unable to get monitor info from DNS SRV with service name: ceph-mon');
    }
    const cct = new CephContext(config).makeDefault();
    const messenger = Messenger.create({ name: { type: EntityType.CLIENT, num: -1n } });
    messenger.setPolicy(EntityType.MON, Policy.lossyClient());
    messenger.setPolicy(EntityType.MGR, Policy.lossyClient());
    messenger.setPolicy(EntityType.OSD, Policy.lossyClient());
    const monc = new MonClient({
      messenger,
      entityName: parseEntityName(config.name),
      initialMonMap: monMapFromMonHost(addrvecs),
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
    const objecter = opts.withoutObjecter ? undefined : new Objecter({ messenger, monc, config });
    const rados = new Rados(config, cct, messenger, monc, mgrc, objecter);
    const timeoutMs = opts.timeoutMs ?? secondsToMs(config.getValue('client_mount_timeout'));
    try {
      await cct.init();
      await messenger.start();
      await monc.init();
      mgrc.init();
      await monc.authenticate(timeoutMs);
      messenger.myName = { type: EntityType.CLIENT, num: monc.globalId };
      monc.subWant('mgrmap', 0, 0);
      if (objecter) {
        await objecter.init();
        await withTimeout(objecter.waitForMap(), timeoutMs, 'waiting for the osdmap');
        cct.adminSocket.registerCommand(
          { prefix: 'objecter_requests', help: 'show in-progress osd requests' },
          ({ f }) => objecter.dumpRequests(f),
        );
      }
    } catch (err) {
      await rados.shutDown();
      throw err;
    }
    return rados;
  }

  /** The Objecter (throws when connected without one). */
  get objecter(): Objecter {
    if (!this.objecterOrNone) throw new CephError('EINVAL', 'connected without an objecter');
    return this.objecterOrNone;
  }

  /** This client's global id (`client.<id>`, the notifier/watcher id others see). */
  get instanceId(): bigint {
    return this.monc.globalId;
  }

  get fsid(): string {
    return this.monc.fsid;
  }

  /** A mon command (JSON string), or a mgr command when `toMgr`; resolves even when r < 0. */
  command(json: string, inbuf: Buffer = Buffer.alloc(0), toMgr = false): Promise<MonCommandResult> {
    return toMgr
      ? this.mgrc.command([json], inbuf, secondsToMs(this.config.getValue('rados_mon_op_timeout')))
      : this.monc.command([json], inbuf);
  }

  /** A mon command that must succeed (throws its errno with the mon's message). */
  async monCommand(cmd: Record<string, unknown>): Promise<MonCommandResult> {
    const r = await this.monc.command([JSON.stringify(cmd)], Buffer.alloc(0));
    if (r.r < 0) throw new CephError(r.r, r.rs);
    return r;
  }

  /** Pools in the current map, by id. */
  async poolList(): Promise<{ id: number; name: string }[]> {
    await this.objecter.waitForLatestMap();
    const map = this.objecter.osdmap;
    return [...map.pools.keys()]
      .sort((a, b) => a - b)
      .map((id) => ({ id, name: map.poolNames.get(id) ?? '' }));
  }

  /** The pool's id; ENOENT when there is none by that name (after checking for a newer map). */
  async poolLookup(name: string): Promise<number> {
    let id = this.objecter.osdmap.lookupPool(name);
    if (id < 0) {
      await this.objecter.waitForLatestMap();
      id = this.objecter.osdmap.lookupPool(name);
    }
    if (id < 0) throw new CephError('ENOENT', `pool '${name}' does not exist`);
    return id;
  }

  async poolCreate(name: string, opts: { pgNum?: number; crushRule?: string } = {}): Promise<void> {
    const cmd: Record<string, unknown> = { prefix: 'osd pool create', pool: name };
    if (opts.pgNum !== undefined) cmd.pg_num = opts.pgNum;
    if (opts.crushRule !== undefined) cmd.rule = opts.crushRule;
    await this.monCommand(cmd);
    await this.objecter.waitForLatestMap();
  }

  async poolDelete(name: string): Promise<void> {
    await this.monCommand({
      prefix: 'osd pool rm',
      pool: name,
      pool2: name,
      yes_i_really_really_mean_it: true,
    });
    await this.objecter.waitForLatestMap();
  }

  /** Per-pool usage (`rados df`), keyed by pool name. */
  async poolStats(poolNames: string[]): Promise<Map<string, RadosPoolStat>> {
    const reply = await this.objecter.monOps.poolStats(poolNames);
    const out = new Map<string, RadosPoolStat>();
    for (const [name, stat] of reply.stats) out.set(name, radosPoolStat(stat, reply.perPool));
    return out;
  }

  /** Cluster capacity and object count (`MStatfs`). */
  async clusterStats(): Promise<ClusterStat> {
    const st = await this.objecter.monOps.statfs();
    return { kb: st.kb, kbUsed: st.kbUsed, kbAvail: st.kbAvail, numObjects: st.numObjects };
  }

  /** Create a pool snapshot (EEXIST when the name is taken); visible in our map on return. */
  async poolSnapCreate(poolName: string, snapName: string): Promise<void> {
    const pool = await this.poolLookup(poolName);
    // As Objecter::create_pool_snap: the mon would accept a duplicate silently, the client refuses it.
    if (this.poolSnapExists(pool, snapName)) throw new CephError('EEXIST', `snapshot '${snapName}' exists`);
    await this.objecter.monOps.poolOp(pool, PoolOp.CREATE_SNAP, { name: snapName });
  }

  /** Remove a pool snapshot (ENOENT when there is none by that name). */
  async poolSnapRemove(poolName: string, snapName: string): Promise<void> {
    const pool = await this.poolLookup(poolName);
    if (!this.poolSnapExists(pool, snapName)) throw new CephError('ENOENT', `no snapshot '${snapName}'`);
    await this.objecter.monOps.poolOp(pool, PoolOp.DELETE_SNAP, { name: snapName });
  }

  private poolSnapExists(pool: number, snapName: string): boolean {
    const p = this.objecter.osdmap.getPool(pool);
    return p !== undefined && [...p.snaps.values()].some((x) => x.name === snapName);
  }

  /** An IoCtx for a pool, by name or id. */
  async ioCtx(pool: string | number): Promise<IoCtx> {
    const id = typeof pool === 'number' ? pool : await this.poolLookup(pool);
    const name = this.objecter.osdmap.poolNames.get(id);
    if (name === undefined) throw new CephError('ENOENT', `pool ${id} does not exist`);
    return new IoCtx(this.objecter, id, name);
  }

  /** Disconnect: fail in-flight ops, close sessions, stop the messenger. Safe to call twice. */
  async shutDown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.objecterOrNone?.shutDown();
    await this.mgrc.shutDown();
    await this.monc.shutDown();
    await this.messenger.shutdown();
    await this.cct.shutDown();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new CephError('ETIMEDOUT', `timed out ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}
