/**
 * PG interval logic the Objecter uses to decide when to resend an op
 * (`PastIntervals::is_new_interval`, `pg_t::is_split`, merges), from
 * osd_types.cc. A new interval means the PG may have a new primary or new
 * state, so in-flight ops must go out again.
 */
import type { PgId } from '../encoding/osd-types.js';
import { cbits, cephStableMod } from './hash.js';

/** `pg_t::is_split`: does growing pg_num from old to new split this pg? */
export function pgIsSplit(pg: PgId, oldPgNum: number, newPgNum: number): boolean {
  return pgSplitChildren(pg, oldPgNum, newPgNum).length > 0;
}

/** The children `pg_t::is_split` reports (seeds ≥ oldPgNum that fold back onto this pg). */
export function pgSplitChildren(pg: PgId, oldPgNum: number, newPgNum: number): PgId[] {
  const seed = pg.seed >>> 0;
  if (seed >= oldPgNum || newPgNum <= oldPgNum) return [];
  const oldBits = cbits(oldPgNum);
  const oldMask = (2 ** oldBits - 1) >>> 0;
  const out: PgId[] = [];
  for (let n = 1; ; n++) {
    const nextBit = n * 2 ** (oldBits - 1);
    const s = (nextBit | seed) >>> 0;
    if (nextBit >= 2 ** 32) break;
    if (s < oldPgNum || s === seed) continue;
    if (s >= newPgNum) break;
    // the same child can come up for several n (std::set in Ceph): keep one
    if (cephStableMod(s, oldPgNum, oldMask) === seed && !out.some((c) => c.seed === s)) {
      out.push({ pool: pg.pool, seed: s });
    }
  }
  return out.sort((a, b) => a.seed - b.seed);
}

/** `pg_t::get_parent`: clear the highest set bit of the seed. */
export function pgParent(pg: PgId): PgId {
  const bits = cbits(pg.seed);
  return { pool: pg.pool, seed: (pg.seed & ~(2 ** (bits - 1))) >>> 0 };
}

/** `pg_t::is_merge_source`: shrinking pg_num from old to new merges this pg away. */
export function pgIsMergeSource(pg: PgId, oldPgNum: number, newPgNum: number): boolean {
  return pg.seed < oldPgNum && pg.seed >= newPgNum;
}

/** `pg_t::is_merge_target`: shrinking pg_num from old to new merges some pg into this one. */
export function pgIsMergeTarget(pg: PgId, oldPgNum: number, newPgNum: number): boolean {
  return pg.seed < newPgNum && pgIsSplit(pg, newPgNum, oldPgNum);
}

/** One side (old or new map) of an interval comparison. */
export interface IntervalState {
  actingPrimary: number;
  acting: readonly number[];
  upPrimary: number;
  up: readonly number[];
  size: number;
  minSize: number;
  pgNum: number;
  pgNumPending: number;
  sortBitwise: boolean;
  recoveryDeletes: boolean;
  /** Stretch pools' `peering_crush_bucket_count` (0 otherwise). */
  crushCount?: number;
  /** `peering_crush_bucket_target`. */
  crushTarget?: number;
  /** `peering_crush_bucket_barrier`. */
  crushBarrier?: number;
  /** `peering_crush_mandatory_member`. */
  crushMember?: number;
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `PastIntervals::is_new_interval` (Pacific): primaries, acting/up sets,
 * size/min_size, a split or merge (including pending merges), the sort order
 * or recovery-deletes flags, or stretch peering parameters changed.
 */
export function isNewInterval(oldS: IntervalState, newS: IntervalState, pg: PgId): boolean {
  return (
    oldS.actingPrimary !== newS.actingPrimary ||
    !sameVector(newS.acting, oldS.acting) ||
    oldS.upPrimary !== newS.upPrimary ||
    !sameVector(newS.up, oldS.up) ||
    oldS.minSize !== newS.minSize ||
    oldS.size !== newS.size ||
    pgIsSplit(pg, oldS.pgNum, newS.pgNum) ||
    pgIsMergeSource(pg, oldS.pgNumPending, newS.pgNumPending) ||
    pgIsMergeSource(pg, newS.pgNumPending, oldS.pgNumPending) ||
    pgIsMergeSource(pg, oldS.pgNum, newS.pgNum) ||
    pgIsMergeTarget(pg, oldS.pgNumPending, newS.pgNumPending) ||
    pgIsMergeTarget(pg, newS.pgNumPending, oldS.pgNumPending) ||
    pgIsMergeTarget(pg, oldS.pgNum, newS.pgNum) ||
    oldS.sortBitwise !== newS.sortBitwise ||
    oldS.recoveryDeletes !== newS.recoveryDeletes ||
    (oldS.crushCount ?? 0) !== (newS.crushCount ?? 0) ||
    (oldS.crushTarget ?? 0) !== (newS.crushTarget ?? 0) ||
    (oldS.crushBarrier ?? 0) !== (newS.crushBarrier ?? 0) ||
    (oldS.crushMember ?? 0) !== (newS.crushMember ?? 0)
  );
}

/**
 * `OSDMap::primary_changed_broken` (what the Objecter's `_calc_target` uses):
 * the acting set appeared/disappeared, the primary changed, or its rank did.
 */
export function primaryChanged(
  oldPrimary: number,
  oldActing: readonly number[],
  newPrimary: number,
  newActing: readonly number[],
): boolean {
  if (oldActing.length === 0 && newActing.length === 0) return false;
  if ((oldActing.length === 0) !== (newActing.length === 0)) return true;
  if (oldPrimary !== newPrimary) return true;
  return oldActing.indexOf(oldPrimary) !== newActing.indexOf(newPrimary);
}
