/**
 * The Objecter's requests to the monitors (pool ops, pool stats, statfs):
 * each has a tid, is resent when the mon session changes, times out after
 * `rados_mon_op_timeout`, and a pool op completes only once our OSDMap has
 * reached the epoch the mon names in its reply (so the caller sees its
 * change in the map right away).
 *
 *   send (tid) → mon reply(tid) → [pool op: wait for map epoch] → done
 *   new mon session → resend all pending;  timeout → ETIMEDOUT;  shutdown → ESHUTDOWN
 */
import { CephError } from '../../common/errors.js';
import type { Clock, TimerHandle } from '../../msg/clock.js';
import type { Message } from '../../msg/message.js';
import { MPoolOp, MPoolOpReply } from '../../msg/messages/pool-op.js';
import { MGetPoolStats, MGetPoolStatsReply } from '../../msg/messages/get-pool-stats.js';
import { MStatfs, MStatfsReply, type CephStatfs } from '../../msg/messages/statfs.js';
import { defaultPaxosHeader } from '../../msg/messages/mon-paxos.js';
import type { PoolStat } from '../../msg/messages/pool-stat.js';
import type { MonClient } from '../../mon/mon-client.js';

interface PendingMonOp {
  tid: bigint;
  build(): Message;
  onReply(m: Message): void;
  reject(err: Error): void;
  timer?: TimerHandle;
}

export interface PoolStatsReply {
  stats: Map<string, PoolStat>;
  /** Every OSD keeps per-pool store stats (decides how USED/STORED are computed). */
  perPool: boolean;
}

export class MonOps {
  private readonly pending = new Map<bigint, PendingMonOp>();
  private lastTid = 0n;

  constructor(
    private readonly monc: MonClient,
    private readonly clock: Clock,
    private readonly timeoutMs: () => number,
    /** Our current osdmap epoch (the "last seen version" pool ops carry). */
    private readonly mapEpoch: () => number,
    /** Resolves once our map reaches an epoch. */
    private readonly waitForMap: (epoch: number) => Promise<void>,
  ) {}

  /** A pool op (`POOL_OP_*`); resolves with the reply once our map has its epoch. */
  poolOp(pool: number, op: number, opts: { name?: string; snapid?: bigint } = {}): Promise<MPoolOpReply> {
    return this.start<MPoolOpReply>(
      (tid) => {
        const m = new MPoolOp({
          tid,
          fsid: this.monc.fsid,
          pool,
          op,
          name: opts.name ?? '',
          snapid: opts.snapid ?? 0n,
          paxos: defaultPaxosHeader(this.mapEpoch()),
        });
        return m;
      },
      (reply, resolve, reject) => {
        const r = reply as MPoolOpReply;
        if (r.replyCode < 0) {
          reject(new CephError(r.replyCode, `pool op ${op} on pool ${pool}`));
          return;
        }
        void this.waitForMap(r.epoch).then(() => resolve(r));
      },
    );
  }

  poolStats(pools: string[]): Promise<PoolStatsReply> {
    return this.start<PoolStatsReply>(
      (tid) => new MGetPoolStats({ tid, fsid: this.monc.fsid, pools, paxos: defaultPaxosHeader(0) }),
      (reply, resolve) => {
        const r = reply as MGetPoolStatsReply;
        resolve({ stats: r.poolStats, perPool: r.perPool });
      },
    );
  }

  statfs(): Promise<CephStatfs> {
    return this.start<CephStatfs>(
      (tid) => new MStatfs({ tid, fsid: this.monc.fsid, paxos: defaultPaxosHeader(0) }),
      (reply, resolve) => resolve((reply as MStatfsReply).st),
    );
  }

  /** Route a mon reply; false when it is not ours. */
  handle(m: Message): boolean {
    if (!(m instanceof MPoolOpReply || m instanceof MGetPoolStatsReply || m instanceof MStatfsReply)) {
      return false;
    }
    const p = this.pending.get(m.tid);
    if (!p) return true;
    this.pending.delete(m.tid);
    if (p.timer) this.clock.cancelTimer(p.timer);
    p.onReply(m);
    return true;
  }

  /** A new mon session: everything unanswered goes again. */
  resendAll(): void {
    for (const p of this.pending.values()) this.monc.sendMonMessage(p.build());
  }

  shutDown(): void {
    const err = new CephError('ESHUTDOWN', 'objecter shut down');
    for (const p of this.pending.values()) {
      if (p.timer) this.clock.cancelTimer(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }

  private start<T>(
    build: (tid: bigint) => Message,
    onReply: (m: Message, resolve: (v: T) => void, reject: (e: Error) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const tid = ++this.lastTid;
      const p: PendingMonOp = {
        tid,
        build: () => build(tid),
        onReply: (m) => onReply(m, resolve, reject),
        reject,
      };
      const ms = this.timeoutMs();
      if (ms > 0) {
        p.timer = this.clock.setTimer(() => {
          this.pending.delete(tid);
          reject(new CephError('ETIMEDOUT', `mon op ${tid} timed out`));
        }, ms);
      }
      this.pending.set(tid, p);
      this.monc.sendMonMessage(p.build());
    });
  }
}
