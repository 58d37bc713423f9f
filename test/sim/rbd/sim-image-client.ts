/**
 * A simulated librbd client of one image: an ImageWatcher and an
 * ExclusiveLock over a FakeHeaderClient, with a host that records what the
 * watcher and the lock asked of the image, and a RemoteOperationHandler
 * whose operations take simulated time and report progress.
 */
import type { ManualClock } from '../../../src/common/clock.js';
import { CephError } from '../../../src/common/errors.js';
import { ExclusiveLock, type ExclusiveLockPolicy } from '../../../src/rbd/exclusive-lock/index.js';
import {
  ImageWatcher,
  type ImageWatcherHost,
  type ProgressCallback,
  type RemoteOperationHandler,
} from '../../../src/rbd/watcher/index.js';
import type { InvokeAsyncRequestHost } from '../../../src/rbd/operation/invoke-async-request.js';
import type { FakeHeaderClient, FakeHeaderCluster } from './fake-header-cluster.js';

export interface SimClientOptions {
  /** Operations this client runs for others (default: resize/flatten/snapCreate below). */
  operations?: RemoteOperationHandler | null;
  policy?: (lock: ExclusiveLock) => ExclusiveLockPolicy;
  requestTimedOutSeconds?: number;
  /** Steps a simulated flatten/resize takes, 1 s of simulated time each. */
  opSteps?: number;
}

export class SimImageClient implements InvokeAsyncRequestHost {
  readonly events: string[] = [];
  headerUpdates = 0;
  /** Operations this client executed on behalf of anyone (itself included): "resize 1024". */
  readonly executed: string[] = [];
  size = 0n;
  readonly readOnly = false;
  readonly watcher: ImageWatcher;
  readonly lock: ExclusiveLock;
  /** Make the next postAcquire hook fail with this errno name. */
  failPostAcquire: 'EIO' | undefined;
  private requestSeq = 0n;
  /** Local operations in flight: the pre-release hook waits for them, as ImageCtx's must. */
  private readonly localOps = new Set<Promise<unknown>>();

  constructor(
    readonly cluster: FakeHeaderCluster,
    readonly io: FakeHeaderClient,
    readonly oid: string,
    readonly clock: ManualClock,
    o: SimClientOptions = {},
  ) {
    const steps = o.opSteps ?? 3;
    const work = async (name: string, progress: ProgressCallback): Promise<void> => {
      for (let i = 1; i <= steps; i++) {
        await clock.sleep(1000);
        if (!this.lock.isLockOwner()) throw new CephError('ERESTART', `lost the lock during ${name}`);
        progress(i, steps);
      }
    };
    const operations: RemoteOperationHandler | undefined =
      o.operations === null
        ? undefined
        : (o.operations ?? {
            resize: async (size, _allowShrink, progress) => {
              await work('resize', progress);
              this.size = size;
              this.record(`resize ${size}`);
              await this.watcher.notifyHeaderUpdate();
            },
            flatten: async (progress) => {
              await work('flatten', progress);
              this.record('flatten');
            },
            snapCreate: async (_ns, name) => {
              if (this.executed.includes(`snap ${name}`)) throw new CephError('EEXIST', name);
              this.record(`snap ${name}`);
            },
          });
    const host: ImageWatcherHost = {
      handleHeaderUpdate: () => {
        this.headerUpdates++;
        this.events.push('header-update');
      },
      onWatchLost: (err) => this.events.push(`watch-lost ${err.code}`),
      onRewatchComplete: (r) => this.events.push(`rewatch ${r}`),
      quiesce: () => {
        this.events.push('quiesce');
        return Promise.resolve();
      },
      unquiesce: () => {
        this.events.push('unquiesce');
        return Promise.resolve();
      },
    };
    this.watcher = new ImageWatcher({
      io,
      oid,
      host,
      operations,
      clock,
      requestTimedOutSeconds: o.requestTimedOutSeconds ?? 30,
    });
    this.lock = new ExclusiveLock({
      io,
      oid,
      watcher: this.watcher,
      clock,
      hooks: {
        preAcquire: () => {
          this.events.push('pre-acquire');
          return Promise.resolve();
        },
        postAcquire: () => {
          this.events.push('post-acquire');
          const fail = this.failPostAcquire;
          this.failPostAcquire = undefined;
          return fail ? Promise.reject(new CephError(fail, 'post acquire')) : Promise.resolve();
        },
        preRelease: async (shuttingDown) => {
          this.events.push(`pre-release${shuttingDown ? ' shutdown' : ''}`);
          while (this.localOps.size > 0) await Promise.allSettled([...this.localOps]);
        },
        postRelease: (shuttingDown) => {
          this.events.push(`post-release${shuttingDown ? ' shutdown' : ''}`);
          return Promise.resolve();
        },
      },
    });
    if (o.policy) this.lock.setPolicy(o.policy(this.lock));
  }

  static async open(
    cluster: FakeHeaderCluster,
    oid: string,
    clock: ManualClock,
    o: SimClientOptions = {},
  ): Promise<SimImageClient> {
    const c = new SimImageClient(cluster, cluster.client(), oid, clock, o);
    await c.watcher.init();
    c.lock.init();
    return c;
  }

  async close(): Promise<void> {
    await this.lock.shutDown();
    await this.watcher.shutDown();
  }

  /**
   * Note an operation's effect. A crashed (frozen) process has none, and neither has a
   * blocklisted one: the OSDs reject every write of a fenced client.
   */
  record(what: string): void {
    if (this.io.alive && !this.io.blocklisted) this.executed.push(what);
  }

  /** Run a maintenance operation here (we own the lock); release waits for it. */
  runLocal(fn: () => Promise<void>): Promise<void> {
    const p = fn();
    this.localOps.add(p);
    const forget = () => this.localOps.delete(p);
    p.then(forget, forget);
    return p;
  }

  nextRequestId(): bigint {
    return ++this.requestSeq;
  }

  // InvokeAsyncRequestHost
  isSnapshot(): boolean {
    return false;
  }

  exclusiveLock(): ExclusiveLock {
    return this.lock;
  }

  hasImageWatcher(): boolean {
    return true;
  }
}
