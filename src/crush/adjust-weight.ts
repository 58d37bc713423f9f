/**
 * Changing an item's CRUSH weight the way CrushWrapper does (Pacific):
 * adjust_item_weight[f] walks every bucket slot, changes the item wherever it
 * sits (shadow class buckets included, since devices sit in those too), and
 * pushes each changed bucket's new total into its own parents the same way,
 * up to the roots. choose_args weight sets follow: the item's own entry is
 * overwritten in every set, and each bucket that carries a weight set hands
 * its per-position sums to its parents' sets.
 *
 *   adjustItemWeight(id, w)
 *     for each bucket slot B holding id:
 *       bucketAdjustItemWeight(B, id, w)      (alg-specific, + weight sets)
 *       adjustItemWeight(B.id, B.weight)      (parents, weight sets untouched)
 *     for each bucket slot B with a weight set:
 *       chooseArgsAdjustItemWeight(B.id, per-position sums of B's set)
 *
 * All arithmetic is Ceph's: int/u32 mixes wrap modulo 2^32.
 */
import { CephError } from '../common/errors.js';
import { calcStraws, treeDepth, treeParent } from './builder.js';
import {
  bucketItemWeight,
  CrushBucketAlg,
  type CrushBucket,
  type CrushChooseArgMap,
  type CrushMap,
} from './types.js';

/** Buckets in slot order (-1, -2, ...), as CrushWrapper's loops over crush->buckets visit them. */
function bucketsBySlot(map: CrushMap): CrushBucket[] {
  const out: CrushBucket[] = [];
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b !== undefined) out.push(b);
  }
  return out;
}

/**
 * crush_bucket_adjust_item_weight: set the weight of `item` in bucket `b`
 * (16.16), keeping the algorithm's derived fields; returns the change of the
 * bucket's weight (as Ceph's int), 0 when the item is not there. A uniform
 * bucket has one weight for all its items, so every item changes.
 */
export function crushBucketAdjustItemWeight(
  map: CrushMap,
  b: CrushBucket,
  item: number,
  weight: number,
): number {
  const pos = b.items.indexOf(item);
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM: {
      // Ceph does not look for the item here
      const diff = Math.imul((weight - b.itemWeight) | 0, b.items.length);
      b.itemWeight = weight >>> 0;
      b.weight = Math.imul(b.itemWeight, b.items.length) >>> 0;
      return diff;
    }
    case CrushBucketAlg.LIST: {
      if (pos < 0) return 0;
      const diff = (weight - b.itemWeights[pos]!) | 0;
      b.itemWeights[pos] = weight >>> 0;
      b.weight = (b.weight + diff) >>> 0;
      for (let j = pos; j < b.items.length; j++) b.sumWeights[j] = (b.sumWeights[j]! + diff) >>> 0;
      return diff;
    }
    case CrushBucketAlg.TREE: {
      if (pos < 0) return 0;
      let node = ((pos + 1) << 1) - 1;
      const diff = (weight - (b.nodeWeights[node] ?? 0)) | 0;
      b.nodeWeights[node] = weight >>> 0;
      b.weight = (b.weight + diff) >>> 0;
      const depth = treeDepth(b.items.length);
      for (let j = 1; j < depth; j++) {
        node = treeParent(node);
        b.nodeWeights[node] = ((b.nodeWeights[node] ?? 0) + diff) >>> 0;
      }
      return diff;
    }
    case CrushBucketAlg.STRAW: {
      if (pos < 0) return 0;
      const diff = (weight - b.itemWeights[pos]!) | 0;
      b.itemWeights[pos] = weight >>> 0;
      b.weight = (b.weight + diff) >>> 0;
      b.straws = calcStraws(b.itemWeights, map.tunables.strawCalcVersion);
      return diff;
    }
    case CrushBucketAlg.STRAW2: {
      if (pos < 0) return 0;
      const diff = (weight - b.itemWeights[pos]!) | 0;
      b.itemWeights[pos] = weight >>> 0;
      b.weight = (b.weight + diff) >>> 0;
      return diff;
    }
  }
}

/** Position count of a choose_args set (get_choose_args_positions): that of the first bucket slot with one, else 1. */
function chooseArgsPositions(map: CrushMap, cmap: CrushChooseArgMap): number {
  for (let i = 0; i < map.maxBuckets; i++) {
    const n = cmap.get(-1 - i)?.weightSet.length ?? 0;
    if (n > 0) return n;
  }
  return 1;
}

/**
 * _choose_args_adjust_item_weight_in_bucket: in bucket `b`'s weight set,
 * give `id` the per-position `weights`. A bucket without a weight set first
 * gets one holding its canonical item weights (so, once any adjustment runs,
 * every bucket has one). Any change is summed and pushed to the parents.
 */
function chooseArgsAdjustInBucket(
  map: CrushMap,
  cmap: CrushChooseArgMap,
  b: CrushBucket,
  id: number,
  weights: readonly number[],
): number {
  let changed = 0;
  let arg = cmap.get(b.id);
  if (arg === undefined || arg.weightSet.length === 0) {
    const positions = chooseArgsPositions(map, cmap);
    const canonical = b.items.map((_, i) => bucketItemWeight(b, i) >>> 0);
    const weightSet = Array.from({ length: positions }, () => [...canonical]);
    if (arg === undefined) {
      arg = { weightSet, ids: [] };
      cmap.set(b.id, arg);
    } else {
      arg.weightSet = weightSet;
    }
    changed++;
  }
  if (arg.weightSet.length !== weights.length) return 0;
  for (let i = 0; i < b.items.length; i++) {
    if (b.items[i] !== id) continue;
    for (let j = 0; j < weights.length; j++) arg.weightSet[j]![i] = weights[j]! >>> 0;
    changed++;
  }
  if (changed) {
    const sums = weights.map((_, j) => {
      let s = 0;
      for (let i = 0; i < b.items.length; i++) s = (s + (arg.weightSet[j]![i] ?? 0)) | 0;
      return s;
    });
    crushChooseArgsAdjustItemWeight(map, cmap, b.id, sums);
  }
  return changed;
}

/**
 * CrushWrapper::choose_args_adjust_item_weight: set `id`'s per-position
 * weights (16.16, one per weight-set position) in every bucket of the
 * choose_args set `cmap`, keeping each parent's entry the sum of its
 * children. Returns how many buckets changed (Ceph's -ENOENT is 0 here).
 */
export function crushChooseArgsAdjustItemWeight(
  map: CrushMap,
  cmap: CrushChooseArgMap,
  id: number,
  weights: readonly number[],
): number {
  let changed = 0;
  for (const b of bucketsBySlot(map)) changed += chooseArgsAdjustInBucket(map, cmap, b, id, weights);
  return changed;
}

/** CrushWrapper::bucket_adjust_item_weight: the weight sets' entries for the item follow (osd_crush_update_weight_set). */
function bucketAdjustItemWeight(
  map: CrushMap,
  b: CrushBucket,
  item: number,
  weight: number,
  updateWeightSets: boolean,
): number {
  if (updateWeightSets) {
    const pos = b.items.indexOf(item);
    for (const cmap of map.chooseArgs.values()) {
      const arg = cmap.get(b.id);
      if (arg === undefined) continue;
      for (const ws of arg.weightSet) ws[pos] = weight >>> 0;
    }
  }
  return crushBucketAdjustItemWeight(map, b, item, weight);
}

/** CrushWrapper::adjust_item_weight_in_bucket. */
function adjustItemWeightInBucket(
  map: CrushMap,
  id: number,
  weight: number,
  b: CrushBucket,
  updateWeightSets: boolean,
): number {
  let changed = 0;
  for (let i = 0; i < b.items.length; i++) {
    if (b.items[i] !== id) continue;
    bucketAdjustItemWeight(map, b, id, weight, updateWeightSets);
    adjustItemWeight(map, b.id, b.weight | 0, false);
    changed++;
  }
  // every bucket with a weight set re-offers its sums to its parents, changed or not
  for (const cmap of map.chooseArgs.values()) {
    const arg = cmap.get(b.id);
    if (arg === undefined || arg.weightSet.length === 0) continue;
    const sums = arg.weightSet.map((ws) => {
      let s = 0;
      for (let i = 0; i < b.items.length; i++) s = (s + (ws[i] ?? 0)) | 0;
      return s;
    });
    crushChooseArgsAdjustItemWeight(map, cmap, b.id, sums);
  }
  return changed;
}

function adjustItemWeight(map: CrushMap, id: number, weight: number, updateWeightSets: boolean): number {
  let changed = 0;
  for (const b of bucketsBySlot(map)) {
    if (adjustItemWeightInBucket(map, id, weight, b, updateWeightSets) > 0) changed++;
  }
  return changed;
}

/**
 * CrushWrapper::adjust_item_weight: give item `id` (a device or a bucket)
 * the CRUSH weight `weight` (16.16) in every bucket holding it, and update
 * the weights of all the buckets above it. Returns the number of buckets that
 * held it (0 where Ceph returns -ENOENT).
 */
export function crushAdjustItemWeight(
  map: CrushMap,
  id: number,
  weight: number,
  updateWeightSets = true,
): number {
  return adjustItemWeight(map, id, weight | 0, updateWeightSets);
}

/**
 * CrushWrapper::adjust_item_weightf: the weight as a C float, converted the
 * way Ceph does ((int)(weight * (float)0x10000), in single precision), after
 * validate_weightf: a weight whose 16.16 value does not fit an int is refused
 * with EOVERFLOW, judged through Ceph's float → uint64 conversion (so
 * negative weights and NaN are refused too, while +inf slips through).
 */
export function crushAdjustItemWeightf(
  map: CrushMap,
  id: number,
  weight: number,
  updateWeightSets = true,
): number {
  if (floatToU64AsX86(Math.fround(Math.fround(weight) * 0x10000)) > 0x7fffffffn) {
    throw new CephError('EOVERFLOW', `weight ${weight} does not fit in 16.16`);
  }
  return crushAdjustItemWeight(map, id, floatWeightToFixed(weight), updateWeightSets);
}

/** (int)(w * (float)0x10000) for a C float w: single-precision product, truncated, int-wrapped like x86. */
export function floatWeightToFixed(weight: number): number {
  const product = Math.fround(Math.fround(weight) * 0x10000);
  // cvttss2si answers 0x80000000 ("integer indefinite") for NaN and out-of-range values
  if (!(product < 2 ** 31 && product > -(2 ** 31) - 1)) return -0x80000000;
  return Math.trunc(product) | 0;
}

/** A float converted to uint64_t as gcc compiles it for x86-64 (two cvttss2si paths around 2^63). */
function floatToU64AsX86(f: number): bigint {
  const indefinite = 0x8000000000000000n;
  const cvt = (v: number): bigint =>
    v < 2 ** 63 && v >= -(2 ** 63) ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : indefinite;
  if (f >= 2 ** 63) return BigInt.asUintN(64, cvt(Math.fround(f - 2 ** 63)) ^ indefinite);
  return cvt(f); // NaN lands here too (the comparison is unordered)
}
