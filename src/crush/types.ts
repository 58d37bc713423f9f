/**
 * The CRUSH map as Ceph Pacific holds it (crush.h's `crush_map` plus the
 * name tables, device classes and choose_args that CrushWrapper keeps next to
 * it). Plain data: every other file of this folder reads or builds it.
 *
 * Weights are 16.16 fixed point (0x10000 = 1.0) everywhere, as on the wire.
 */

/** crush.h CRUSH_MAGIC: first u32 of every encoded map. */
export const CRUSH_MAGIC = 0x00010000;

/** Result slot that could not be filled (indep rules keep positions). */
export const CRUSH_ITEM_NONE = 0x7fffffff;
/** Internal marker of a slot not chosen yet (never returned). */
export const CRUSH_ITEM_UNDEF = 0x7ffffffe;

/** CrushWrapper::DEFAULT_CHOOSE_ARGS: the choose_args used when a pool has none of its own. */
export const DEFAULT_CHOOSE_ARGS = -1;

/** crush.h CRUSH_MAX_RULES (rule ids are stored in a u8 mask). */
export const CRUSH_MAX_RULES = 256;

/** Bucket algorithms (crush.h CRUSH_BUCKET_*). */
export const CrushBucketAlg = {
  UNIFORM: 1,
  LIST: 2,
  TREE: 3,
  STRAW: 4,
  STRAW2: 5,
} as const;
export type CrushBucketAlg = (typeof CrushBucketAlg)[keyof typeof CrushBucketAlg];

/** Hash functions (hash.h); rjenkins1 is the only one Ceph has. */
export const CRUSH_HASH_RJENKINS1 = 0;

/** Rule step opcodes (crush.h CRUSH_RULE_*). */
export const CrushRuleOp = {
  NOOP: 0,
  TAKE: 1,
  CHOOSE_FIRSTN: 2,
  CHOOSE_INDEP: 3,
  EMIT: 4,
  CHOOSELEAF_FIRSTN: 6,
  CHOOSELEAF_INDEP: 7,
  SET_CHOOSE_TRIES: 8,
  SET_CHOOSELEAF_TRIES: 9,
  SET_CHOOSE_LOCAL_TRIES: 10,
  SET_CHOOSE_LOCAL_FALLBACK_TRIES: 11,
  SET_CHOOSELEAF_VARY_R: 12,
  SET_CHOOSELEAF_STABLE: 13,
} as const;
export type CrushRuleOp = (typeof CrushRuleOp)[keyof typeof CrushRuleOp];

/** Rule types Ceph gives names to (pg_pool_t TYPE_*). */
export const CrushRuleType = {
  REPLICATED: 1,
  ERASURE: 3,
} as const;

/** Allowed bucket algorithm mask of maps made before hammer: uniform | list | straw. */
export const CRUSH_LEGACY_ALLOWED_BUCKET_ALGS =
  (1 << CrushBucketAlg.UNIFORM) | (1 << CrushBucketAlg.LIST) | (1 << CrushBucketAlg.STRAW);

/** Fields every bucket has (crush_bucket). */
interface CrushBucketBase {
  /** s32 bucket id, always negative; its slot in the bucket array is -1-id. */
  id: number;
  /** u16 type id (0 is reserved for devices). */
  type: number;
  /** u8 hash function, CRUSH_HASH_RJENKINS1. */
  hash: number;
  /** u32 total weight, 16.16 fixed point. */
  weight: number;
  /** s32 items: devices (>= 0) and buckets (< 0), in position order. */
  items: number[];
}

/** All items weigh the same. */
export interface CrushBucketUniform extends CrushBucketBase {
  alg: typeof CrushBucketAlg.UNIFORM;
  /** u32 weight of every item. */
  itemWeight: number;
}

/** Linked list: good for growing clusters. */
export interface CrushBucketList extends CrushBucketBase {
  alg: typeof CrushBucketAlg.LIST;
  /** u32 weight of each item. */
  itemWeights: number[];
  /** u32 running sums: sumWeights[i] = itemWeights[0] + ... + itemWeights[i]. */
  sumWeights: number[];
}

/** Binary tree of weights; items sit at the odd node numbers. */
export interface CrushBucketTree extends CrushBucketBase {
  alg: typeof CrushBucketAlg.TREE;
  /** u8 node count (a power of two; wraps past 255 exactly as Ceph's u8 does). */
  numNodes: number;
  /** u32 weight of each node, numNodes entries. */
  nodeWeights: number[];
}

/** Straw (legacy): precomputed straw lengths. */
export interface CrushBucketStraw extends CrushBucketBase {
  alg: typeof CrushBucketAlg.STRAW;
  /** u32 weight of each item. */
  itemWeights: number[];
  /** u32 straw length of each item, 16.16. */
  straws: number[];
}

/** Straw2: exponential draw scaled by weight. */
export interface CrushBucketStraw2 extends CrushBucketBase {
  alg: typeof CrushBucketAlg.STRAW2;
  /** u32 weight of each item. */
  itemWeights: number[];
}

export type CrushBucket =
  CrushBucketUniform | CrushBucketList | CrushBucketTree | CrushBucketStraw | CrushBucketStraw2;

/** One rule step. */
export interface CrushRuleStep {
  /** u32 opcode, CrushRuleOp. */
  op: number;
  /** s32 first argument (take: item; choose: count, <= 0 means relative to the result size). */
  arg1: number;
  /** s32 second argument (choose: bucket type). */
  arg2: number;
}

/** A rule with Pacific's (legacy) mask. */
export interface CrushRule {
  /** u8 mask.ruleset: equals the rule id in every map Pacific writes. */
  ruleset: number;
  /** u8 mask.type: 1 replicated, 3 erasure. */
  type: number;
  /** u8 mask.min_size. */
  minSize: number;
  /** u8 mask.max_size. */
  maxSize: number;
  /** The steps, run in order by crush_do_rule. */
  steps: CrushRuleStep[];
}

/** Map-wide mapping knobs (the "tunables"). */
export interface CrushTunables {
  /** u32 collision retries in the same bucket before a new descent. */
  chooseLocalTries: number;
  /** u32 retries through a permutation of the bucket before a new descent. */
  chooseLocalFallbackTries: number;
  /** u32 descents before giving up (the mapper tries this + 1 times). */
  chooseTotalTries: number;
  /** u32 (0/1) chooseleaf recursion tries once instead of choose_total_tries times. */
  chooseleafDescendOnce: number;
  /** u8 feed r (shifted by vary_r - 1) into the chooseleaf recursion. */
  chooseleafVaryR: number;
  /** u8 straw bucket straw computation version (0 buggy, 1 fixed). */
  strawCalcVersion: number;
  /** u32 mask of bucket algorithms (bit = CrushBucketAlg) new buckets may use. */
  allowedBucketAlgs: number;
  /** u8 chooseleaf firstn recursion starts at rep 0 for every replica. */
  chooseleafStable: number;
}

/** Per-bucket override of the weights and ids straw2 sees (crush_choose_arg). */
export interface CrushChooseArg {
  /** One weight vector per result position (u32 16.16 each); the last one serves later positions. */
  weightSet: number[][];
  /** s32 ids hashed instead of the bucket's items (same length as the bucket), or empty. */
  ids: number[];
}

/** A choose_args set: bucket id -> override. */
export type CrushChooseArgMap = Map<number, CrushChooseArg>;

export interface CrushMap {
  /** s32 number of bucket slots; bucket ids run -1 .. -maxBuckets. */
  maxBuckets: number;
  /** u32 number of rule slots; rule ids run 0 .. maxRules-1. */
  maxRules: number;
  /** s32 one past the highest device id. */
  maxDevices: number;
  /** Buckets by (negative) id; absent slots have no entry. */
  buckets: Map<number, CrushBucket>;
  /** Rules by id; absent slots have no entry. */
  rules: Map<number, CrushRule>;
  /** type id -> type name (0 is usually "osd"). */
  typeNames: Map<number, string>;
  /** item id (device >= 0, bucket < 0) -> name. */
  names: Map<number, string>;
  /** rule id -> rule name. */
  ruleNames: Map<number, string>;
  /** Mapping knobs. */
  tunables: CrushTunables;
  /** item id -> device class id. */
  classMap: Map<number, number>;
  /** device class id -> class name. */
  classNames: Map<number, string>;
  /** bucket id -> (class id -> id of that bucket's shadow bucket for the class). */
  classBuckets: Map<number, Map<number, number>>;
  /** choose_args sets by id (a pool id, or DEFAULT_CHOOSE_ARGS). */
  chooseArgs: Map<number, CrushChooseArgMap>;
}

/** Tunable profiles CrushWrapper knows. */
export function legacyTunables(): CrushTunables {
  return {
    chooseLocalTries: 2,
    chooseLocalFallbackTries: 5,
    chooseTotalTries: 19,
    chooseleafDescendOnce: 0,
    chooseleafVaryR: 0,
    strawCalcVersion: 0,
    allowedBucketAlgs: CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
    chooseleafStable: 0,
  };
}

/** CrushWrapper::set_tunables_default (jewel with straw_calc_version 1): what new maps get. */
export function defaultTunables(): CrushTunables {
  return {
    chooseLocalTries: 0,
    chooseLocalFallbackTries: 0,
    chooseTotalTries: 50,
    chooseleafDescendOnce: 1,
    chooseleafVaryR: 1,
    strawCalcVersion: 1,
    allowedBucketAlgs:
      (1 << CrushBucketAlg.UNIFORM) |
      (1 << CrushBucketAlg.LIST) |
      (1 << CrushBucketAlg.STRAW) |
      (1 << CrushBucketAlg.STRAW2),
    chooseleafStable: 1,
  };
}

/** An empty map, as crush_create() + set_tunables_default() leave it. */
export function emptyCrushMap(tunables: CrushTunables = defaultTunables()): CrushMap {
  return {
    maxBuckets: 0,
    maxRules: 0,
    maxDevices: 0,
    buckets: new Map(),
    rules: new Map(),
    typeNames: new Map(),
    names: new Map(),
    ruleNames: new Map(),
    tunables: { ...tunables },
    classMap: new Map(),
    classNames: new Map(),
    classBuckets: new Map(),
    chooseArgs: new Map(),
  };
}

/** crush_bucket_alg_name. */
export function crushBucketAlgName(alg: number): string {
  switch (alg) {
    case CrushBucketAlg.UNIFORM:
      return 'uniform';
    case CrushBucketAlg.LIST:
      return 'list';
    case CrushBucketAlg.TREE:
      return 'tree';
    case CrushBucketAlg.STRAW:
      return 'straw';
    case CrushBucketAlg.STRAW2:
      return 'straw2';
    default:
      return 'unknown';
  }
}

/** crush_hash_name. */
export function crushHashName(hash: number): string {
  return hash === CRUSH_HASH_RJENKINS1 ? 'rjenkins1' : 'unknown';
}

/** crush_get_bucket_item_weight: weight of the item at `pos` (0 when out of range). */
export function bucketItemWeight(b: CrushBucket, pos: number): number {
  if (pos < 0 || pos >= b.items.length) return 0;
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM:
      return b.itemWeight;
    case CrushBucketAlg.LIST:
    case CrushBucketAlg.STRAW:
    case CrushBucketAlg.STRAW2:
      return b.itemWeights[pos] ?? 0;
    case CrushBucketAlg.TREE:
      return b.nodeWeights[((pos + 1) << 1) - 1] ?? 0;
  }
}
