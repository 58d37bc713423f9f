/**
 * Where an op goes: the Objecter's `op_target_t` and `_calc_target`.
 *
 * A target remembers what the op was last mapped to (pg, acting set, pool
 * geometry). Recomputing it against a newer OSDMap says whether the op must
 * be resent: the primary changed, the PG entered a new interval, the PG split
 * or merged, the pool forced a resend, or a pause lifted. Ops are never resent
 * for map changes that leave their interval alone, because the OSD already
 * has them queued.
 */
import {
  cephStableMod,
  isNewInterval,
  OsdMapFlag,
  pgIsMergeSource,
  pgIsMergeTarget,
  pgIsSplit,
  type IntervalState,
  type OSDMap,
  type PgPool,
} from '../../osdmap/index.js';
import { NO_SHARD, type ObjectLocator, type PgId, type SpgId } from '../../encoding/osd-types.js';
import { OsdFlag } from '../../msg/messages/osd-op-codes.js';

/** `op_target_t`: the op's base address and what it last mapped to. */
export interface OpTarget {
  /** `CEPH_OSD_FLAG_*` of the op (READ/WRITE decide pausing and tiering). */
  flags: number;
  /** `base_oid`: the object as the caller named it. */
  baseOid: string;
  /** `base_oloc`: pool, key, namespace as the caller gave them. */
  baseOloc: ObjectLocator;
  /** `target_oid` after tiering. */
  targetOid: string;
  /** `target_oloc` after tiering (the pool may be a cache tier). */
  targetOloc: ObjectLocator;
  /** For PG ops (listing): the pg to address instead of hashing a name. */
  basePgid?: PgId;
  /** `pgid`: the raw pg (full 32-bit hash) last mapped. */
  pgid?: PgId;
  /** `actual_pgid`: the folded pg plus EC shard the message is addressed to. */
  actualPgid?: SpgId;
  /** `osd`: where the op goes; -1 when nowhere (homeless). */
  osd: number;
  /** Epoch of the map this target was computed from. */
  epoch: number;
  acting: number[];
  actingPrimary: number;
  up: number[];
  upPrimary: number;
  size: number;
  minSize: number;
  pgNum: number;
  pgNumMask: number;
  pgNumPending: number;
  sortBitwise: boolean;
  recoveryDeletes: boolean;
  /** `paused`: held back by PAUSERD/PAUSEWR/FULL. */
  paused: boolean;
  /** `last_force_resend`: the pool's force-resend epoch we already honoured. */
  lastForceResend: number;
  /** The op respects a full cluster/pool (writes without FULL_TRY/FULL_FORCE). */
  respectsFull: boolean;
}

export function newOpTarget(oid: string, oloc: ObjectLocator, flags: number, basePgid?: PgId): OpTarget {
  return {
    flags,
    baseOid: oid,
    baseOloc: { ...oloc },
    targetOid: oid,
    targetOloc: { ...oloc },
    basePgid,
    osd: -1,
    epoch: 0,
    acting: [],
    actingPrimary: -1,
    up: [],
    upPrimary: -1,
    size: -1,
    minSize: -1,
    pgNum: 0,
    pgNumMask: 0,
    pgNumPending: 0,
    sortBitwise: false,
    recoveryDeletes: false,
    paused: false,
    lastForceResend: 0,
    respectsFull: (flags & OsdFlag.WRITE) !== 0 && (flags & (OsdFlag.FULL_TRY | OsdFlag.FULL_FORCE)) === 0,
  };
}

/** What `_calc_target` concluded (`RECALC_OP_TARGET_*`). */
export const TargetChange = {
  NO_ACTION: 0,
  NEED_RESEND: 1,
  POOL_DNE: 2,
} as const;
export type TargetChange = (typeof TargetChange)[keyof typeof TargetChange];

const sameList = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** A fresh mapping, in the shape `isNewInterval` compares. */
interface Mapped extends IntervalState {
  acting: number[];
  up: number[];
}

/** `target_should_be_paused`: reads wait out PAUSERD, writes PAUSEWR and a full cluster or pool. */
export function targetShouldBePaused(map: OSDMap, t: OpTarget, epochBarrier = 0): boolean {
  const pool = map.getPool(t.baseOloc.pool);
  const pauseRead = map.testFlag(OsdMapFlag.PAUSERD);
  const pauseWrite =
    map.testFlag(OsdMapFlag.PAUSEWR) ||
    (t.respectsFull && (map.testFlag(OsdMapFlag.FULL) || (pool !== undefined && poolIsFull(pool))));
  return (
    ((t.flags & OsdFlag.READ) !== 0 && pauseRead) ||
    ((t.flags & OsdFlag.WRITE) !== 0 && pauseWrite) ||
    map.epoch < epochBarrier
  );
}

/** `pg_pool_t::FLAG_FULL`. */
const POOL_FLAG_FULL = 1 << 1;

function poolIsFull(pool: PgPool): boolean {
  return (pool.flags & POOL_FLAG_FULL) !== 0;
}

/**
 * `_calc_target`: map `t` against `map`, updating it in place when the op
 * must move, and say whether it must be (re)sent.
 *
 *   pool gone → POOL_DNE (osd = -1)
 *   primary / interval / split / forced resend / unpause → NEED_RESEND
 *   otherwise → NO_ACTION
 */
export function calcTarget(map: OSDMap, t: OpTarget, anyChange: boolean, epochBarrier = 0): TargetChange {
  const isRead = (t.flags & OsdFlag.READ) !== 0;
  const isWrite = (t.flags & OsdFlag.WRITE) !== 0;
  t.epoch = map.epoch;
  let pool = map.getPool(t.baseOloc.pool);
  if (!pool) {
    t.osd = -1;
    return TargetChange.POOL_DNE;
  }
  let forceResend = false;
  if (map.epoch === pool.lastForceOpResend) {
    if (t.lastForceResend < pool.lastForceOpResend) {
      t.lastForceResend = pool.lastForceOpResend;
      forceResend = true;
    } else if (t.lastForceResend === 0) {
      forceResend = true;
    }
  }

  // Tiering: reads and writes may be redirected to a cache pool.
  t.targetOid = t.baseOid;
  t.targetOloc = { ...t.baseOloc };
  if ((t.flags & OsdFlag.IGNORE_OVERLAY) === 0) {
    if (isRead && pool.readTier >= 0) t.targetOloc.pool = pool.readTier;
    if (isWrite && pool.writeTier >= 0) t.targetOloc.pool = pool.writeTier;
    pool = map.getPool(t.targetOloc.pool);
    if (!pool) {
      t.osd = -1;
      return TargetChange.POOL_DNE;
    }
  }

  const pgid = t.basePgid ?? map.objectLocatorToPg(t.targetOid, t.targetOloc);
  const pgNum = pool.pgNum;
  const pgNumMask = pool.pgNumMask;
  const actualPg: PgId = { pool: pgid.pool, seed: cephStableMod(pgid.seed, pgNum, pgNumMask) };
  const mapping = map.pgToUpActing(actualPg);
  const now: Mapped = {
    acting: mapping.acting,
    actingPrimary: mapping.actingPrimary,
    up: mapping.up,
    upPrimary: mapping.upPrimary,
    size: pool.size,
    minSize: pool.minSize,
    pgNum,
    pgNumPending: pool.pgNumPending,
    sortBitwise: map.testFlag(OsdMapFlag.SORTBITWISE),
    recoveryDeletes: map.testFlag(OsdMapFlag.RECOVERY_DELETES),
  };
  const prevPgid: PgId = { pool: pgid.pool, seed: cephStableMod(pgid.seed, t.pgNum, t.pgNumMask) };
  if (anyChange && isNewInterval(t, now, prevPgid)) forceResend = true;

  const shouldPause = targetShouldBePaused(map, t, epochBarrier);
  const unpaused = t.paused && !shouldPause;
  t.paused = shouldPause;

  const legacyChange =
    t.pgid === undefined ||
    t.pgid.pool !== pgid.pool ||
    t.pgid.seed !== pgid.seed ||
    t.actingPrimary !== now.actingPrimary ||
    (anyChange && !sameList(t.acting, now.acting));
  const splitOrMerge =
    t.pgNum !== 0 &&
    (pgIsSplit(prevPgid, t.pgNum, pgNum) ||
      pgIsMergeSource(prevPgid, t.pgNum, pgNum) ||
      pgIsMergeTarget(prevPgid, t.pgNum, pgNum));

  if (legacyChange || splitOrMerge || forceResend) {
    t.pgid = pgid;
    Object.assign(t, now);
    t.pgNumMask = pgNumMask;
    let shard = NO_SHARD;
    if (pool.type === POOL_TYPE_ERASURE) {
      const i = now.acting.indexOf(now.actingPrimary);
      if (i >= 0) shard = i;
    }
    t.actualPgid = { pgid: actualPg, shard };
    t.osd = now.actingPrimary;
  }
  if (legacyChange || unpaused || forceResend || splitOrMerge) return TargetChange.NEED_RESEND;
  return TargetChange.NO_ACTION;
}

/** `pg_pool_t::TYPE_ERASURE`. */
const POOL_TYPE_ERASURE = 3;
