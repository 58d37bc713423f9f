/**
 * Building maps (builder.c and CrushWrapper's add_bucket / add_simple_rule):
 * bucket constructors with Ceph's derived fields (list running sums, tree node
 * weights, straw lengths for both straw_calc_versions), id allocation and the
 * growth of the bucket array, and `crushtool --build`.
 */
import { strerror } from '../common/errors.js';
import {
  CrushBucketAlg,
  CrushRuleOp,
  CrushRuleType,
  emptyCrushMap,
  type CrushBucket,
  type CrushMap,
  type CrushRule,
} from './types.js';
import { crushFindRoots, crushItemId, crushTypeId, finalizeCrushMap } from './wrapper.js';

const U32_MAX = 0xffffffff;

/** crush_addition_is_unsafe. */
function additionIsUnsafe(a: number, b: number): boolean {
  return U32_MAX - (b >>> 0) < a >>> 0;
}

/** crush_multiplication_is_unsafe: no items is safe, a zero weight is not (as in Ceph). */
function multiplicationIsUnsafe(a: number, b: number): boolean {
  if (a === 0) return false;
  if (b === 0) return true;
  return Math.floor(U32_MAX / (b >>> 0)) < a >>> 0;
}

/** Tree depth for `size` leaves (calc_depth). */
export function treeDepth(size: number): number {
  if (size === 0) return 0;
  let depth = 1;
  let t = size - 1;
  while (t) {
    t >>= 1;
    depth++;
  }
  return depth;
}

function treeHeight(n: number): number {
  let h = 0;
  while ((n & 1) === 0) {
    h++;
    n >>= 1;
  }
  return h;
}

/** Parent node number in the tree bucket's in-order labelling. */
export function treeParent(n: number): number {
  const h = treeHeight(n);
  return n & (1 << (h + 1)) ? n - (1 << h) : n + (1 << h);
}

/**
 * crush_calc_straw: straw lengths from the sorted weights. Version 0 is the
 * original (flawed) computation, version 1 the fixed one; both are kept
 * because the lengths are stored in the map and decide placement.
 */
export function calcStraws(weights: readonly number[], strawCalcVersion: number): number[] {
  const size = weights.length;
  const straws = new Array<number>(size).fill(0);
  // stable insertion order by ascending weight
  const reverse: number[] = [];
  if (size) reverse[0] = 0;
  for (let i = 1; i < size; i++) {
    let j = 0;
    for (j = 0; j < i; j++) {
      if (weights[i]! >>> 0 < weights[reverse[j]!]! >>> 0) {
        for (let k = i; k > j; k--) reverse[k] = reverse[k - 1]!;
        reverse[j] = i;
        break;
      }
    }
    if (j === i) reverse[i] = i;
  }
  const w = (k: number): number => weights[reverse[k]!]! >>> 0;
  const toU32 = (d: number): number => (Number.isFinite(d) ? Math.trunc(d) >>> 0 : 0);
  let numleft = size;
  let straw = 1.0;
  let wbelow = 0;
  let lastw = 0;
  let i = 0;
  while (i < size) {
    if (strawCalcVersion === 0) {
      if (w(i) === 0) {
        straws[reverse[i]!] = 0;
        i++;
        continue;
      }
      straws[reverse[i]!] = toU32(straw * 0x10000);
      i++;
      if (i === size) break;
      if (w(i) === w(i - 1)) continue;
      wbelow += (w(i - 1) - lastw) * numleft;
      for (let j = i; j < size; j++) {
        if (w(j) === w(i)) numleft--;
        else break;
      }
      // C multiplies an int by a u32 difference: the product wraps at 2^32
      const wnext = Math.imul(numleft, (w(i) - w(i - 1)) >>> 0) >>> 0;
      const pbelow = wbelow / (wbelow + wnext);
      straw *= Math.pow(1.0 / pbelow, 1.0 / numleft);
      lastw = w(i - 1);
    } else {
      if (w(i) === 0) {
        straws[reverse[i]!] = 0;
        i++;
        numleft--;
        continue;
      }
      straws[reverse[i]!] = toU32(straw * 0x10000);
      i++;
      if (i === size) break;
      wbelow += (w(i - 1) - lastw) * numleft;
      numleft--;
      const wnext = Math.imul(numleft, (w(i) - w(i - 1)) >>> 0) >>> 0;
      const pbelow = wbelow / (wbelow + wnext);
      straw *= Math.pow(1.0 / pbelow, 1.0 / numleft);
      lastw = w(i - 1);
    }
  }
  return straws;
}

/**
 * crush_make_bucket: a bucket of `alg` holding `items` with `weights`
 * (16.16); undefined where Ceph's constructor fails (weights overflowing u32,
 * a uniform bucket with no items or zero weight).
 */
export function makeBucket(
  map: CrushMap,
  alg: number,
  hash: number,
  type: number,
  items: readonly number[],
  weights: readonly number[],
): CrushBucket | undefined {
  const size = items.length;
  const base = { id: 0, type, hash, items: [...items] };
  switch (alg) {
    case CrushBucketAlg.UNIFORM: {
      const itemWeight = size && weights.length ? weights[0]! >>> 0 : 0;
      if (multiplicationIsUnsafe(size, itemWeight)) return undefined;
      return { ...base, alg, weight: (size * itemWeight) >>> 0, itemWeight };
    }
    case CrushBucketAlg.LIST: {
      const itemWeights: number[] = [];
      const sumWeights: number[] = [];
      let w = 0;
      for (let i = 0; i < size; i++) {
        const wi = weights[i]! >>> 0;
        itemWeights.push(wi);
        if (additionIsUnsafe(w, wi)) return undefined;
        w = (w + wi) >>> 0;
        sumWeights.push(w);
      }
      return { ...base, alg, weight: w, itemWeights, sumWeights };
    }
    case CrushBucketAlg.TREE: {
      if (size === 0) return { ...base, alg, weight: 0, numNodes: 0, nodeWeights: [] };
      const depth = treeDepth(size);
      const nodeCount = 1 << depth;
      const nodeWeights = new Array<number>(nodeCount).fill(0);
      let weight = 0;
      for (let i = 0; i < size; i++) {
        const wi = weights[i]! >>> 0;
        let node = ((i + 1) << 1) - 1;
        nodeWeights[node] = wi;
        if (additionIsUnsafe(weight, wi)) return undefined;
        weight = (weight + wi) >>> 0;
        for (let j = 1; j < depth; j++) {
          node = treeParent(node);
          if (additionIsUnsafe(nodeWeights[node]!, wi)) return undefined;
          nodeWeights[node] = (nodeWeights[node]! + wi) >>> 0;
        }
      }
      // the node count is a u8 in crush_bucket_tree
      return { ...base, alg, weight, numNodes: nodeCount & 0xff, nodeWeights };
    }
    case CrushBucketAlg.STRAW: {
      const itemWeights = weights.slice(0, size).map((x) => x >>> 0);
      let weight = 0;
      for (const wi of itemWeights) weight = (weight + wi) >>> 0;
      const straws = calcStraws(itemWeights, map.tunables.strawCalcVersion);
      return { ...base, alg, weight, itemWeights, straws };
    }
    case CrushBucketAlg.STRAW2: {
      const itemWeights = weights.slice(0, size).map((x) => x >>> 0);
      let weight = 0;
      for (const wi of itemWeights) weight = (weight + wi) >>> 0;
      return { ...base, alg, weight, itemWeights };
    }
    default:
      return undefined;
  }
}

/** crush_get_next_bucket_id: the id of the first empty slot. */
export function nextBucketId(map: CrushMap): number {
  let pos = 0;
  while (pos < map.maxBuckets && map.buckets.has(-1 - pos)) pos++;
  return -1 - pos;
}

/**
 * crush_add_bucket: place `bucket` at `id` (0 = first free slot), doubling
 * the slot array (from 8) as needed; `bucket.id` is set. Returns 0, or
 * -EEXIST when the slot is taken.
 */
export function addBucket(map: CrushMap, id: number, bucket: CrushBucket): number {
  if (id === 0) id = nextBucketId(map);
  const pos = -1 - id;
  while (pos >= map.maxBuckets) map.maxBuckets = map.maxBuckets ? map.maxBuckets * 2 : 8;
  if (map.buckets.has(id)) return -17;
  bucket.id = id;
  map.buckets.set(id, bucket);
  return 0;
}

/** CrushWrapper::get_default_bucket_alg: the best algorithm the map allows. */
export function defaultBucketAlg(map: CrushMap): number {
  const allowed = map.tunables.allowedBucketAlgs;
  for (const alg of [
    CrushBucketAlg.STRAW2,
    CrushBucketAlg.STRAW,
    CrushBucketAlg.TREE,
    CrushBucketAlg.LIST,
    CrushBucketAlg.UNIFORM,
  ]) {
    if (allowed & (1 << alg)) return alg;
  }
  return 0;
}

/** crush_add_rule: place `rule` at `ruleno` (< 0: first free slot). Returns the id or -ENOSPC. */
export function addRule(map: CrushMap, rule: CrushRule, ruleno: number): number {
  let r = ruleno;
  if (r < 0) {
    for (r = 0; r < map.maxRules; r++) if (!map.rules.has(r)) break;
  }
  if (r >= map.maxRules) {
    if (map.maxRules + 1 > 256) return -28;
    map.maxRules = r + 1;
  }
  map.rules.set(r, rule);
  return r;
}

/**
 * CrushWrapper::add_simple_rule_at: take `rootName` (or its class shadow),
 * then choose(leaf) firstn/indep 0 across `failureDomain`, then emit.
 * Returns the rule id, or { error } with Ceph's message.
 */
export function addSimpleRuleAt(
  map: CrushMap,
  name: string,
  rootName: string,
  failureDomain: string,
  deviceClass: string,
  mode: string,
  ruleType: number,
  rno: number,
): number | { code: number; error: string } {
  for (const n of map.ruleNames.values()) if (n === name) return { code: -17, error: `rule ${name} exists` };
  if (rno >= 0) {
    if (map.rules.has(rno)) return { code: -17, error: `rule with ruleno ${rno} exists` };
  } else {
    for (rno = 0; rno < map.maxRules; rno++) if (!map.rules.has(rno)) break;
  }
  let root = crushItemId(map, rootName);
  if (root === undefined) return { code: -2, error: `root item ${rootName} does not exist` };
  let type = 0;
  if (failureDomain.length > 0) {
    const t = crushTypeId(map, failureDomain);
    if (t === undefined) return { code: -22, error: `unknown type ${failureDomain}` };
    type = t;
  }
  if (deviceClass.length > 0) {
    let c: number | undefined;
    for (const [cid, n] of map.classNames) if (n === deviceClass) c = cid;
    if (c === undefined) return { code: -22, error: `device class ${deviceClass} does not exist` };
    const shadow = map.classBuckets.get(root)?.get(c);
    if (shadow === undefined) {
      return { code: -22, error: `root ${rootName} has no devices with class ${deviceClass}` };
    }
    root = shadow;
  }
  if (mode !== 'firstn' && mode !== 'indep') return { code: -22, error: `unknown mode ${mode}` };
  const firstn = mode === 'firstn';
  const steps = [];
  if (!firstn) {
    steps.push({ op: CrushRuleOp.SET_CHOOSELEAF_TRIES, arg1: 5, arg2: 0 });
    steps.push({ op: CrushRuleOp.SET_CHOOSE_TRIES, arg1: 100, arg2: 0 });
  }
  steps.push({ op: CrushRuleOp.TAKE, arg1: root, arg2: 0 });
  if (type) {
    steps.push({
      op: firstn ? CrushRuleOp.CHOOSELEAF_FIRSTN : CrushRuleOp.CHOOSELEAF_INDEP,
      arg1: 0,
      arg2: type,
    });
  } else {
    steps.push({ op: firstn ? CrushRuleOp.CHOOSE_FIRSTN : CrushRuleOp.CHOOSE_INDEP, arg1: 0, arg2: 0 });
  }
  steps.push({ op: CrushRuleOp.EMIT, arg1: 0, arg2: 0 });
  const rule: CrushRule = {
    ruleset: rno & 0xff,
    type: ruleType & 0xff,
    minSize: firstn ? 1 : 3,
    maxSize: firstn ? 10 : 20,
    steps,
  };
  const ret = addRule(map, rule, rno);
  if (ret < 0) {
    return { code: ret, error: `failed to add rule ${rno} because (${-ret}) ${strerror(ret)}` };
  }
  map.ruleNames.set(rno, name);
  return rno;
}

/** One layer of `crushtool --build`: bucket type name, algorithm name, items per bucket (0: one bucket). */
export interface CrushBuildLayer {
  name: string;
  bucketType: string;
  size: number;
}

const BUILD_ALGS: Record<string, number> = {
  uniform: CrushBucketAlg.UNIFORM,
  list: CrushBucketAlg.LIST,
  straw: CrushBucketAlg.STRAW,
  straw2: CrushBucketAlg.STRAW2,
  tree: CrushBucketAlg.TREE,
};

/**
 * `crushtool --build --num_osds N layer...`: devices osd.0..N-1 of weight
 * 1.0, each layer grouping the previous one `size` at a time (type ids 1, 2,
 * ...), then OSDMap::build_simple_crush_rules' "replicated_rule" over the
 * last layer's first bucket, failing over type 1. `err` is what Ceph prints
 * to stderr; `code` the exit status when no map results.
 */
export function buildCrushMap(
  numOsds: number,
  layers: readonly CrushBuildLayer[],
): { map?: CrushMap; err: string; code: number } {
  const map = emptyCrushMap();
  let err = '';
  map.maxDevices = numOsds;
  let lowerItems: number[] = [];
  let lowerWeights: number[] = [];
  for (let i = 0; i < numOsds; i++) {
    lowerItems.push(i);
    lowerWeights.push(0x10000);
    map.names.set(i, `osd.${i}`);
  }
  map.typeNames.set(0, 'osd');
  let type = 1;
  for (const l of layers) {
    map.typeNames.set(type, l.name);
    const alg = BUILD_ALGS[l.bucketType];
    if (alg === undefined) {
      return { err: `${err}unknown bucket type '${l.bucketType}'\n`, code: 1 };
    }
    const curItems: number[] = [];
    const curWeights: number[] = [];
    let lowerPos = 0;
    let i = 0;
    while (lowerPos < lowerItems.length) {
      const items: number[] = [];
      const weights: number[] = [];
      let weight = 0;
      for (let j = 0; j < l.size || l.size === 0; j++) {
        if (lowerPos === lowerItems.length) break;
        items.push(lowerItems[lowerPos]!);
        weights.push(lowerWeights[lowerPos]!);
        weight = (weight + lowerWeights[lowerPos]!) | 0;
        lowerPos++;
      }
      const b = makeBucket(map, alg, 0, type, items, weights);
      if (b === undefined) throw new Error(`crush: cannot make a ${l.bucketType} bucket (Ceph asserts here)`);
      const r = addBucket(map, 0, b);
      if (r < 0) return { err: `${err} Couldn't add bucket: (${-r}) ${strerror(r)}\n`, code: r & 0xff };
      const id = b.id;
      // Ceph formats into char[20] buffers
      const name = l.size ? `${l.name.slice(0, 16)}${i}`.slice(0, 19) : l.name.slice(0, 19);
      if (/^[-_.0-9A-Za-z]+$/.test(name)) map.names.set(id, name);
      curItems.push(id);
      curWeights.push(weight);
      i++;
    }
    lowerItems = curItems;
    lowerWeights = curWeights;
    type++;
  }
  const last = layers[layers.length - 1]!;
  const root = last.size === 0 ? last.name : `${last.name}0`;
  const roots = crushFindRoots(map);
  if (roots.length > 1) {
    err +=
      `The crush rulesets will use the root ${root}\n` +
      'and ignore the others.\n' +
      `There are ${roots.length} roots, they can be\n` +
      'grouped into a single root by appending something like:\n' +
      '  root straw 0\n\n';
  }
  // osd_crush_chooseleaf_type defaults to 1; osd_pool_default_crush_rule to -1
  const failureDomain = map.typeNames.get(1) ?? '';
  const r = addSimpleRuleAt(
    map,
    'replicated_rule',
    root,
    failureDomain,
    '',
    'firstn',
    CrushRuleType.REPLICATED,
    -1,
  );
  if (typeof r !== 'number') return { err: err + r.error, code: 1 };
  finalizeCrushMap(map);
  return { map, err, code: 0 };
}
