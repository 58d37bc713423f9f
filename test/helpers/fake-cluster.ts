/**
 * An in-process cluster for Objecter simulation tests: N fake OSDs on
 * loopback sharing one FakeStore, an OSDMap built in-process
 * (`build_simple` with the `rbd` pool, every OSD up and in at its fake's
 * address), the history of full maps, and clients — each a real Messenger,
 * a FakeMonClient and our Objecter.
 *
 * Tests change the cluster with `updateMap` (one new epoch per call); the
 * new map reaches clients through their mon subscriptions, or at once
 * (`deliver: 'all'`, the default, standing for the OSDs sharing it).
 */
import { randomUUID } from 'node:crypto';
import { Config } from '../../src/common/config.js';
import { EntityType } from '../../src/encoding/types.js';
import { NO_SHARD, type PgId, type SpgId } from '../../src/encoding/osd-types.js';
import type { Clock } from '../../src/msg/clock.js';
import { Messenger } from '../../src/msg/messenger.js';
import type { MessengerOptions } from '../../src/msg/options.js';
import { Policy } from '../../src/msg/policy.js';
import type { MonClient } from '../../src/mon/mon-client.js';
import {
  BUILD_SIMPLE_DEFAULTS,
  buildSimpleOsdMap,
  CEPH_OSD_IN,
  decodeOSDMapIncremental,
  OSDMapIncremental,
  OSDMap,
  OsdMapFlag,
  OsdState,
} from '../../src/osdmap/index.js';
import { IoCtx } from '../../src/rados/io-ctx.js';
import { Objecter } from '../../src/rados/objecter/objecter.js';
import { FakeMonClient, type MapSource } from './fake-mon-client.js';
import { FakeOsd, type PrimaryOracle } from './fake-osd.js';
import { FakeStore, type ObjectName } from './fake-store.js';

export interface FakeClusterOptions {
  /** Number of OSDs (default 3). */
  osds?: number;
  /** pg_num = osds << pgBits (default 3). */
  pgBits?: number;
  /** Clock of the OSDs' timers (reply delays, notify timeouts); default real time. */
  clock?: Clock;
  /** Messenger options of the OSDs. */
  msgrOptions?: Partial<MessengerOptions>;
}

export interface FakeClientOptions {
  /** Config overrides (option → value), e.g. { objecter_inflight_ops: '8' }. */
  config?: Record<string, string>;
  /** The Objecter's clock (default real time). */
  clock?: Clock;
  /** Messenger options of the client (e.g. ms_inject_socket_failures). */
  msgrOptions?: Partial<MessengerOptions>;
  /** Randomness of the client's fault injection. */
  random?: () => number;
  /** Do not wait for the first map. */
  noWait?: boolean;
}

/** A client of the fake cluster: messenger, mon client and Objecter. */
export interface FakeClient {
  gid: bigint;
  messenger: Messenger;
  monc: FakeMonClient;
  objecter: Objecter;
  config: Config;
  /** An IoCtx on the `rbd` pool (or `pool`). */
  ioctx(pool?: number): IoCtx;
  shutDown(): Promise<void>;
}

export class FakeCluster implements PrimaryOracle, MapSource {
  readonly store = new FakeStore();
  readonly osds: FakeOsd[] = [];
  readonly fsid = randomUUID();
  /** The `rbd` pool build_simple creates. */
  readonly poolId = 1;
  map!: OSDMap;
  /** Full maps by epoch, encoded. */
  readonly history = new Map<number, Buffer>();
  /** Incrementals by epoch, encoded (for epochs made with `updateMapInc`). */
  readonly incrementals = new Map<number, Buffer>();
  readonly clients: FakeClient[] = [];
  private nextGid = 4100n;

  static async start(opts: FakeClusterOptions = {}): Promise<FakeCluster> {
    const c = new FakeCluster();
    const n = opts.osds ?? 3;
    for (let i = 0; i < n; i++) {
      const osd = new FakeOsd({
        id: i,
        store: c.store,
        oracle: c,
        clock: opts.clock,
        msgrOptions: opts.msgrOptions,
      });
      await osd.start();
      c.osds.push(osd);
    }
    // One host holds every OSD, so replicas must be chosen per OSD (chooseleaf type 0), not per host.
    const m = buildSimpleOsdMap(
      n,
      opts.pgBits ?? 3,
      opts.pgBits ?? 3,
      true,
      { sec: 1_700_000_000, nsec: 0 },
      { ...BUILD_SIMPLE_DEFAULTS, osd_crush_chooseleaf_type: 0 },
    );
    m.fsid = c.fsid;
    m.flags |= OsdMapFlag.SORTBITWISE | OsdMapFlag.RECOVERY_DELETES;
    for (let i = 0; i < n; i++) {
      m.setState(i, OsdState.EXISTS | OsdState.UP);
      m.setWeight(i, CEPH_OSD_IN);
      m.clientAddrs[i] = c.osds[i]!.addrs;
    }
    m.epoch = 1;
    c.commit(m);
    return c;
  }

  // ------------------------------------------------------------------ PrimaryOracle / MapSource

  epoch(): number {
    return this.map.epoch;
  }

  primaryOf(pgid: SpgId): number {
    if (!this.map.getPool(pgid.pgid.pool)) return -1;
    return this.map.pgToUpActing(pgid.pgid).actingPrimary;
  }

  pgNum(pool: number): number {
    return this.map.getPool(pool)?.pgNum ?? 0;
  }

  place(name: ObjectName): { hash: number; pgSeed: number } {
    const raw = this.map.objectLocatorToPg(name.oid, {
      pool: name.pool,
      key: name.key,
      nspace: name.nspace,
      hash: -1,
    });
    return { hash: raw.seed, pgSeed: this.map.rawPgToPg(raw).seed };
  }

  fullMap(epoch: number): Buffer | undefined {
    return this.history.get(epoch);
  }

  incrementalMap(epoch: number): Buffer | undefined {
    return this.incrementals.get(epoch);
  }

  // ------------------------------------------------------------------ maps

  private commit(m: OSDMap): void {
    this.history.set(m.epoch, m.encode());
    this.map = OSDMap.decode(this.history.get(m.epoch)!);
  }

  /**
   * Make a new epoch: `change` edits a copy of the current map. The map goes
   * to every client at once (`deliver: 'all'`), only to clients whose mon
   * subscription asks for it ('subscribers'), or nowhere yet ('none').
   */
  updateMap(change: (m: OSDMap) => void, deliver: 'all' | 'subscribers' | 'none' = 'all'): number {
    const m = this.map.clone();
    change(m);
    m.epoch = this.map.epoch + 1;
    this.commit(m);
    for (const c of this.clients) {
      if (deliver === 'all') c.monc.send(m.epoch, m.epoch);
      else if (deliver === 'subscribers') c.monc.checkSubs();
    }
    return m.epoch;
  }

  /**
   * Make a new epoch from an incremental: `build` fills an OSDMap::Incremental
   * (the mon's pending_inc); it is encoded, applied to the current map, and
   * sent to clients as an incremental (the full map is kept too).
   */
  updateMapInc(
    build: (inc: OSDMapIncremental, current: OSDMap) => void,
    deliver: 'all' | 'subscribers' | 'none' = 'all',
  ): number {
    const inc = new OSDMapIncremental(this.map.epoch + 1);
    inc.fsid = this.fsid;
    inc.modified = { sec: 1_700_000_000 + inc.epoch, nsec: 0 };
    build(inc, this.map);
    const buf = inc.encode();
    const m = this.map.clone();
    m.applyIncremental(decodeOSDMapIncremental(buf));
    this.incrementals.set(m.epoch, buf);
    this.commit(m);
    for (const c of this.clients) {
      if (deliver === 'all') c.monc.send(m.epoch, m.epoch);
      else if (deliver === 'subscribers') c.monc.checkSubs();
    }
    return m.epoch;
  }

  markDown(osd: number, deliver: 'all' | 'subscribers' | 'none' = 'all'): number {
    return this.updateMap((m) => m.setState(osd, m.getState(osd) & ~OsdState.UP), deliver);
  }

  /** Mark up at the OSD's current address. */
  markUp(osd: number, deliver: 'all' | 'subscribers' | 'none' = 'all'): number {
    const addrs = this.osds[osd]!.addrs;
    return this.updateMap((m) => {
      m.setState(osd, m.getState(osd) | OsdState.UP | OsdState.EXISTS);
      m.clientAddrs[osd] = addrs;
    }, deliver);
  }

  /** Where an object maps: its raw pg, the folded pg the Objecter addresses, the acting set. */
  locate(
    oid: string,
    pool = this.poolId,
    nspace = '',
  ): { raw: PgId; pgid: SpgId; acting: number[]; primary: number } {
    const raw = this.map.objectLocatorToPg(oid, { pool, key: '', nspace, hash: -1 });
    const folded = this.map.rawPgToPg(raw);
    const ua = this.map.pgToUpActing(folded);
    return { raw, pgid: { pgid: folded, shard: NO_SHARD }, acting: ua.acting, primary: ua.actingPrimary };
  }

  /** An object name whose primary is `osd` (and, optionally, satisfying `extra`). */
  objectOn(osd: number, prefix = 'obj', extra: (oid: string) => boolean = () => true): string {
    for (let i = 0; i < 100_000; i++) {
      const oid = `${prefix}-${i}`;
      if (this.locate(oid).primary === osd && extra(oid)) return oid;
    }
    throw new Error(`no object maps to osd.${osd}`);
  }

  // ------------------------------------------------------------------ OSD faults

  /** Crash an OSD; optionally mark it down in a new epoch. */
  async crashOsd(osd: number, opts: { markDown?: boolean } = {}): Promise<void> {
    await this.osds[osd]!.crash();
    if (opts.markDown) this.markDown(osd);
  }

  /** Restart an OSD on a new address; optionally mark it up there in a new epoch. */
  async restartOsd(osd: number, opts: { markUp?: boolean } = {}): Promise<void> {
    await this.osds[osd]!.restart();
    if (opts.markUp) this.markUp(osd);
  }

  // ------------------------------------------------------------------ clients

  async client(opts: FakeClientOptions = {}): Promise<FakeClient> {
    const gid = this.nextGid++;
    const config = new Config();
    for (const [k, v] of Object.entries(opts.config ?? {})) config.set(k, v);
    const messenger = Messenger.create({
      name: { type: EntityType.CLIENT, num: gid },
      options: opts.msgrOptions,
      random: opts.random,
    });
    messenger.setPolicy(EntityType.OSD, Policy.lossyClient());
    await messenger.start();
    const monc = new FakeMonClient(this, gid);
    const objecter = new Objecter({
      messenger,
      monc: monc as unknown as MonClient,
      config,
      clock: opts.clock,
    });
    monc.attach(objecter);
    await objecter.init();
    if (!opts.noWait) await objecter.waitForMap();
    const poolId = this.poolId;
    const client: FakeClient = {
      gid,
      messenger,
      monc,
      objecter,
      config,
      ioctx: (pool = poolId) => new IoCtx(objecter, pool, pool === poolId ? 'rbd' : `pool-${pool}`),
      shutDown: async () => {
        await objecter.shutDown();
        await messenger.shutdown();
      },
    };
    this.clients.push(client);
    return client;
  }

  async shutdown(): Promise<void> {
    for (const c of this.clients) await c.shutDown();
    for (const o of this.osds) await o.shutdown();
  }
}

/** Poll `pred` on real time until it holds; fail after `timeoutMs`. */
export async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Let pending I/O and timers run for `ms` of real time. */
export function settle(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
