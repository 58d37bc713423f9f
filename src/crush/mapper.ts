/**
 * The CRUSH mapper (mapper.c, Pacific): crush_do_rule and the bucket choose
 * functions, bit for bit. Inputs are 32-bit values; every hash input is taken
 * as u32 the way the C casts do, every weight is 16.16 fixed point.
 *
 *   crush_do_rule: for each step
 *     TAKE item                  -> working set = [item]
 *     SET_* n                    -> override a tunable for this rule
 *     CHOOSE[LEAF]_FIRSTN n type -> depth-first, retries re-descend from the top
 *     CHOOSE[LEAF]_INDEP n type  -> breadth-first, positions are kept (NONE holes)
 *     EMIT                       -> append the working set to the result
 */
import { crushHash32_2, crushHash32_3, crushHash32_4 } from './hash.js';
import { crushLnTable } from './ln.js';
import {
  CRUSH_HASH_RJENKINS1,
  CRUSH_ITEM_NONE,
  CRUSH_ITEM_UNDEF,
  CrushBucketAlg,
  CrushRuleOp,
  type CrushBucket,
  type CrushBucketList,
  type CrushBucketStraw,
  type CrushBucketStraw2,
  type CrushBucketTree,
  type CrushChooseArg,
  type CrushChooseArgMap,
  type CrushMap,
} from './types.js';

/** Per-call state of one bucket's cached permutation (crush_work_bucket). */
interface PermWork {
  permX: number;
  permN: number;
  perm: number[];
}

/** Everything one crush_do_rule call shares between its recursive choose calls. */
interface MapperContext {
  map: CrushMap;
  weights: readonly number[];
  chooseArgs: CrushChooseArgMap | undefined;
  work: Map<number, PermWork>;
  /** crush_ln as a table. */
  ln: Float64Array;
  /** Histogram of tries per successful choice (--show-choose-tries), when profiling. */
  chooseTries: number[] | undefined;
}

function permWork(ctx: MapperContext, b: CrushBucket): PermWork {
  let w = ctx.work.get(b.id);
  if (w === undefined) {
    w = { permX: 0, permN: 0, perm: new Array<number>(b.items.length).fill(0) };
    ctx.work.set(b.id, w);
  }
  return w;
}

/** bucket_perm_choose: item at position r of a pseudo-random permutation of the bucket (per x). */
function bucketPermChoose(ctx: MapperContext, b: CrushBucket, x: number, r: number): number {
  const size = b.items.length;
  const work = permWork(ctx, b);
  const pr = (r >>> 0) % size;
  if (work.permX !== x >>> 0 || work.permN === 0) {
    work.permX = x >>> 0;
    // the common r = 0 case needs only the first slot
    if (pr === 0) {
      const s = crushHash32_3(b.hash, x, b.id, 0) % size;
      work.perm[0] = s;
      work.permN = 0xffff;
      return b.items[s]!;
    }
    for (let i = 0; i < size; i++) work.perm[i] = i;
    work.permN = 0;
  } else if (work.permN === 0xffff) {
    // expand the r = 0 shortcut into a real permutation prefix
    for (let i = 1; i < size; i++) work.perm[i] = i;
    work.perm[work.perm[0]!] = 0;
    work.permN = 1;
  }
  while (work.permN <= pr) {
    const p = work.permN;
    if (p < size - 1) {
      const i = crushHash32_3(b.hash, x, b.id, p) % (size - p);
      if (i !== 0) {
        const t = work.perm[p + i]!;
        work.perm[p + i] = work.perm[p]!;
        work.perm[p] = t;
      }
    }
    work.permN++;
  }
  return b.items[work.perm[pr]!]!;
}

function bucketListChoose(b: CrushBucketList, x: number, r: number): number {
  for (let i = b.items.length - 1; i >= 0; i--) {
    let w = crushHash32_4(b.hash, x, b.items[i]!, r, b.id) & 0xffff;
    w = Math.floor((w * b.sumWeights[i]!) / 0x10000);
    if (w < b.itemWeights[i]!) return b.items[i]!;
  }
  return b.items[0]!;
}

/** High 32 bits of the 64-bit product of two u32 values, exactly. */
function mulHigh32(a: number, b: number): number {
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const p = a * bHi; // < 2^48
  const pHi = Math.floor(p / 0x10000);
  const pLo = p - pHi * 0x10000;
  return pHi + Math.floor((pLo * 0x10000 + a * bLo) / 0x100000000);
}

function treeHeight(n: number): number {
  let h = 0;
  while ((n & 1) === 0) {
    h++;
    n >>= 1;
  }
  return h;
}

/** glibc's chunk size for malloc/calloc(bytes): header word added, 16-aligned, at least 32. */
function glibcChunkBytes(bytes: number): number {
  return Math.max(32, (bytes + 8 + 15) & ~15);
}

/**
 * What Ceph reads at items[slot] when a tree descent ends on a leaf past the
 * bucket's last item. Ceph's own crush_add_tree_bucket_item grows
 * node_weights with realloc and never clears the new nodes, so trees it
 * builds (device-class shadow trees above all) carry garbage weights, which
 * it encodes; crush_decode reads them back verbatim and the descent can turn
 * into an empty subtree. The decoder calloc()s `items` (exactly `size`
 * slots) and then `node_weights`, so past the items lies glibc's heap:
 *
 *   - the chunk's rounding slack, zeroed by calloc: item 0;
 *   - the next chunk's 64-bit size word: its low half is that chunk's size
 *     with PREV_INUSE set, its high half 0. For items chunks above glibc's
 *     32-byte minimum the next chunk is node_weights, carved from the heap
 *     top right after; minimum-size items chunks (5 or 6 items) are
 *     recycled ones whose neighbour depends on the process's history (even
 *     on crushtool's arguments): we answer the 0x21 (osd.33) of a 32-byte
 *     neighbour, the value the tools were seen to read most;
 *   - then node_weights itself, its weights read as item ids, and its own
 *     zeroed slack.
 *
 * Measured with crushtool and osdmaptool on maps whose node weights force
 * every such slot. Beyond that lies memory nobody can predict (Ceph may
 * crash there): we answer an id no device has, so the caller skips the
 * replica or leaves a hole as it does for a bad item.
 */
function treeItemPastEnd(b: CrushBucketTree, slot: number): number {
  const itemsChunk = glibcChunkBytes(b.items.length * 4);
  const zeroedSlots = (itemsChunk - 8) / 4;
  if (slot < zeroedSlots) return 0;
  const weightsChunk = glibcChunkBytes(b.numNodes * 4);
  if (slot === zeroedSlots) return itemsChunk === 32 ? 0x21 : weightsChunk | 1;
  if (slot === zeroedSlots + 1) return 0;
  if (itemsChunk === 32) return CRUSH_ITEM_NONE;
  const node = slot - zeroedSlots - 2;
  if (node < b.numNodes) return (b.nodeWeights[node] ?? 0) | 0;
  if (node < (weightsChunk - 8) / 4) return 0;
  return CRUSH_ITEM_NONE;
}

function bucketTreeChoose(b: CrushBucketTree, x: number, r: number): number {
  let n = b.numNodes >> 1;
  if (n === 0) return b.items[0]!; // a tree whose u8 node count wrapped; Ceph would spin forever here
  while ((n & 1) === 0) {
    const w = b.nodeWeights[n] ?? 0;
    const t = mulHigh32(crushHash32_4(b.hash, x, n, r, b.id), w);
    const h = treeHeight(n);
    const l = n - (1 << (h - 1));
    n = t < (b.nodeWeights[l] ?? 0) ? l : n + (1 << (h - 1));
  }
  const slot = n >> 1;
  return slot < b.items.length ? b.items[slot]! : treeItemPastEnd(b, slot);
}

function bucketStrawChoose(b: CrushBucketStraw, x: number, r: number): number {
  let high = 0;
  let highDraw = 0;
  for (let i = 0; i < b.items.length; i++) {
    const draw = (crushHash32_3(b.hash, x, b.items[i]!, r) & 0xffff) * b.straws[i]!;
    if (i === 0 || draw > highDraw) {
      high = i;
      highDraw = draw;
    }
  }
  return b.items[high]!;
}

const LN_ONE = 0x1000000000000; // crush_ln(0xffff) ~ 2^48: the draw of a certain event

function bucketStraw2Choose(
  b: CrushBucketStraw2,
  x: number,
  r: number,
  arg: CrushChooseArg | undefined,
  position: number,
  ln: Float64Array,
): number {
  let weights = b.itemWeights;
  let ids = b.items;
  if (arg !== undefined) {
    const sets = arg.weightSet;
    if (sets.length > 0) weights = sets[position < sets.length ? position : sets.length - 1]!;
    if (arg.ids.length > 0) ids = arg.ids;
  }
  const size = b.items.length;
  const hash = b.hash;
  let high = 0;
  let highDraw = 0;
  for (let i = 0; i < size; i++) {
    // Ceph passes the u32 weight through an int parameter
    const w = weights[i]! | 0;
    let draw: number;
    if (w !== 0) {
      const u = crushHash32_3(hash, x, ids[i]!, r) & 0xffff;
      // ln <= 0; C's 64-bit division truncates toward zero, and the quotient is exact enough in a double
      draw = Math.trunc((ln[u]! - LN_ONE) / w);
    } else {
      draw = -Infinity; // S64_MIN
    }
    if (i === 0 || draw > highDraw) {
      high = i;
      highDraw = draw;
    }
  }
  return b.items[high]!;
}

function bucketChoose(ctx: MapperContext, b: CrushBucket, x: number, r: number, position: number): number {
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM:
      return bucketPermChoose(ctx, b, x, r);
    case CrushBucketAlg.LIST:
      return bucketListChoose(b, x, r);
    case CrushBucketAlg.TREE:
      return bucketTreeChoose(b, x, r);
    case CrushBucketAlg.STRAW:
      return bucketStrawChoose(b, x, r);
    case CrushBucketAlg.STRAW2:
      return bucketStraw2Choose(b, x, r, ctx.chooseArgs?.get(b.id), position, ctx.ln);
    default:
      return (b as CrushBucket).items[0]!;
  }
}

/** is_out: a device is out when past the weight vector, or rejected in proportion to its reweight. */
function isOut(ctx: MapperContext, item: number, x: number): boolean {
  if (item >= ctx.weights.length) return true;
  const w = ctx.weights[item]!;
  if (w >= 0x10000) return false;
  if (w === 0) return true;
  return (crushHash32_2(CRUSH_HASH_RJENKINS1, x, item) & 0xffff) >= w;
}

/** Type of an item: 0 for devices; undefined for a bucket id with an empty slot. */
function itemType(map: CrushMap, item: number): number | undefined {
  if (item >= 0) return 0;
  return map.buckets.get(item)?.type;
}

/** A slice of an output vector: positions are relative to `base`. */
interface Out {
  arr: number[];
  base: number;
}

/**
 * crush_choose_firstn: choose up to numrep distinct items of `type` below
 * `bucket`, writing out[outpos...]; returns the new outpos. With
 * recurseToLeaf, out2 gets one device under each chosen item.
 */
function chooseFirstn(
  ctx: MapperContext,
  bucket: CrushBucket,
  x: number,
  numrep: number,
  type: number,
  out: Out,
  outpos: number,
  outSize: number,
  tries: number,
  recurseTries: number,
  localRetries: number,
  localFallbackRetries: number,
  recurseToLeaf: boolean,
  varyR: number,
  stable: number,
  out2: Out | undefined,
  parentR: number,
): number {
  const map = ctx.map;
  let count = outSize;
  for (let rep = stable ? 0 : outpos; rep < numrep && count > 0; rep++) {
    let ftotal = 0;
    let skipRep = false;
    let item = 0;
    let retryDescent: boolean;
    do {
      retryDescent = false;
      let inb = bucket;
      let flocal = 0;
      let retryBucket: boolean;
      do {
        let collide = false;
        retryBucket = false;
        const r = rep + parentR + ftotal;
        let reject = false;
        if (inb.items.length === 0) {
          reject = true;
        } else {
          if (localFallbackRetries > 0 && flocal >= inb.items.length >> 1 && flocal > localFallbackRetries) {
            item = bucketPermChoose(ctx, inb, x, r);
          } else {
            item = bucketChoose(ctx, inb, x, r, outpos);
          }
          if (item >= map.maxDevices) {
            skipRep = true;
            break;
          }
          const itype = itemType(map, item);
          if (itype === undefined) {
            skipRep = true; // a dangling bucket reference (Ceph would crash)
            break;
          }
          if (itype !== type) {
            if (item >= 0 || -1 - item >= map.maxBuckets) {
              skipRep = true;
              break;
            }
            inb = map.buckets.get(item)!;
            retryBucket = true;
            continue;
          }
          for (let i = 0; i < outpos; i++) {
            if (out.arr[out.base + i] === item) {
              collide = true;
              break;
            }
          }
          if (!collide && recurseToLeaf) {
            if (item < 0) {
              const subR = varyR ? r >> (varyR - 1) : 0;
              const got = chooseFirstn(
                ctx,
                map.buckets.get(item)!,
                x,
                stable ? 1 : outpos + 1,
                0,
                out2!,
                outpos,
                count,
                recurseTries,
                0,
                localRetries,
                localFallbackRetries,
                false,
                varyR,
                stable,
                undefined,
                subR,
              );
              if (got <= outpos) reject = true; // no leaf below
            } else {
              out2!.arr[out2!.base + outpos] = item; // already a leaf
            }
          }
          if (!reject && !collide && itype === 0) reject = isOut(ctx, item, x);
        }
        if (reject || collide) {
          ftotal++;
          flocal++;
          if (collide && flocal <= localRetries) retryBucket = true;
          else if (localFallbackRetries > 0 && flocal <= inb.items.length + localFallbackRetries)
            retryBucket = true;
          else if (ftotal < tries) retryDescent = true;
          else skipRep = true;
        }
      } while (retryBucket);
    } while (retryDescent);
    if (skipRep) continue;
    out.arr[out.base + outpos] = item;
    outpos++;
    count--;
    if (ctx.chooseTries !== undefined && ftotal <= map.tunables.chooseTotalTries) ctx.chooseTries[ftotal]!++;
  }
  return outpos;
}

/**
 * crush_choose_indep: fill out[outpos .. outpos+left) position by position,
 * retrying only the holes; what stays unfilled is CRUSH_ITEM_NONE.
 */
function chooseIndep(
  ctx: MapperContext,
  bucket: CrushBucket,
  x: number,
  left: number,
  numrep: number,
  type: number,
  out: Out,
  outpos: number,
  tries: number,
  recurseTries: number,
  recurseToLeaf: boolean,
  out2: Out | undefined,
  parentR: number,
): void {
  const map = ctx.map;
  const endpos = outpos + left;
  const o = out.arr;
  const ob = out.base;
  for (let rep = outpos; rep < endpos; rep++) {
    o[ob + rep] = CRUSH_ITEM_UNDEF;
    if (out2) out2.arr[out2.base + rep] = CRUSH_ITEM_UNDEF;
  }
  let ftotal = 0;
  for (ftotal = 0; left > 0 && ftotal < tries; ftotal++) {
    for (let rep = outpos; rep < endpos; rep++) {
      if (o[ob + rep] !== CRUSH_ITEM_UNDEF) continue;
      let inb = bucket;
      for (;;) {
        // the position, not the try, seeds the choice, so replicas keep their slots
        let r = rep + parentR;
        if (inb.alg === CrushBucketAlg.UNIFORM && inb.items.length % numrep === 0) r += (numrep + 1) * ftotal;
        else r += numrep * ftotal;
        if (inb.items.length === 0) break;
        const item = bucketChoose(ctx, inb, x, r, outpos);
        if (item >= map.maxDevices) {
          o[ob + rep] = CRUSH_ITEM_NONE;
          if (out2) out2.arr[out2.base + rep] = CRUSH_ITEM_NONE;
          left--;
          break;
        }
        const itype = itemType(map, item);
        if (itype === undefined || (itype !== type && (item >= 0 || -1 - item >= map.maxBuckets))) {
          o[ob + rep] = CRUSH_ITEM_NONE;
          if (out2) out2.arr[out2.base + rep] = CRUSH_ITEM_NONE;
          left--;
          break;
        }
        if (itype !== type) {
          inb = map.buckets.get(item)!;
          continue;
        }
        let collide = false;
        for (let i = outpos; i < endpos; i++) {
          if (o[ob + i] === item) {
            collide = true;
            break;
          }
        }
        if (collide) break;
        if (recurseToLeaf) {
          if (item < 0) {
            chooseIndep(
              ctx,
              map.buckets.get(item)!,
              x,
              1,
              numrep,
              0,
              out2!,
              rep,
              recurseTries,
              0,
              false,
              undefined,
              r,
            );
            if (out2!.arr[out2!.base + rep] === CRUSH_ITEM_NONE) break; // no leaf below
          } else if (out2) {
            out2.arr[out2.base + rep] = item;
          }
        }
        if (itype === 0 && isOut(ctx, item, x)) break;
        o[ob + rep] = item;
        left--;
        break;
      }
    }
  }
  for (let rep = outpos; rep < endpos; rep++) {
    if (o[ob + rep] === CRUSH_ITEM_UNDEF) o[ob + rep] = CRUSH_ITEM_NONE;
    if (out2 && out2.arr[out2.base + rep] === CRUSH_ITEM_UNDEF) out2.arr[out2.base + rep] = CRUSH_ITEM_NONE;
  }
  if (ctx.chooseTries !== undefined && ftotal <= map.tunables.chooseTotalTries) ctx.chooseTries[ftotal]!++;
}

/** Options of the lower-level mapper entry point. */
export interface CrushDoRuleOptions {
  /** The choose_args set to use (already resolved), or undefined for canonical weights. */
  chooseArgs?: CrushChooseArgMap | undefined;
  /**
   * A histogram (length choose_total_tries + 1) incremented by the number of
   * tries each choice took, like crush_map->choose_tries.
   */
  chooseTries?: number[] | undefined;
}

/**
 * crush_do_rule: map input x through rule `ruleId`, returning at most
 * `resultMax` items. `weights` is the per-device 16.16 reweight vector
 * (index = device id; devices past its end are out).
 */
export function crushDoRuleRaw(
  map: CrushMap,
  ruleId: number,
  x: number,
  resultMax: number,
  weights: readonly number[],
  options: CrushDoRuleOptions = {},
): number[] {
  const result: number[] = [];
  if (ruleId < 0 || ruleId >= map.maxRules) return result;
  const rule = map.rules.get(ruleId);
  if (rule === undefined || resultMax <= 0) return result;
  const ctx: MapperContext = {
    map,
    weights,
    chooseArgs: options.chooseArgs,
    work: new Map(),
    ln: crushLnTable(),
    chooseTries: options.chooseTries,
  };
  x |= 0;
  const t = map.tunables;
  const a = new Array<number>(resultMax).fill(0);
  const b = new Array<number>(resultMax).fill(0);
  const c = new Array<number>(resultMax).fill(0);
  let w = a;
  let o = b;
  let wsize = 0;
  // the original choose_total_tries counted retries, not tries
  let chooseTries = t.chooseTotalTries + 1;
  let chooseLeafTries = 0;
  let chooseLocalRetries = t.chooseLocalTries;
  let chooseLocalFallbackRetries = t.chooseLocalFallbackTries;
  let varyR = t.chooseleafVaryR;
  let stable = t.chooseleafStable;

  for (const step of rule.steps) {
    switch (step.op) {
      case CrushRuleOp.TAKE: {
        const item = step.arg1;
        if (
          (item >= 0 && item < map.maxDevices) ||
          (item < 0 && -1 - item < map.maxBuckets && map.buckets.has(item))
        ) {
          w[0] = item;
          wsize = 1;
        }
        break;
      }
      case CrushRuleOp.SET_CHOOSE_TRIES:
        if (step.arg1 > 0) chooseTries = step.arg1;
        break;
      case CrushRuleOp.SET_CHOOSELEAF_TRIES:
        if (step.arg1 > 0) chooseLeafTries = step.arg1;
        break;
      case CrushRuleOp.SET_CHOOSE_LOCAL_TRIES:
        if (step.arg1 >= 0) chooseLocalRetries = step.arg1;
        break;
      case CrushRuleOp.SET_CHOOSE_LOCAL_FALLBACK_TRIES:
        if (step.arg1 >= 0) chooseLocalFallbackRetries = step.arg1;
        break;
      case CrushRuleOp.SET_CHOOSELEAF_VARY_R:
        if (step.arg1 >= 0) varyR = step.arg1;
        break;
      case CrushRuleOp.SET_CHOOSELEAF_STABLE:
        if (step.arg1 >= 0) stable = step.arg1;
        break;
      case CrushRuleOp.CHOOSELEAF_FIRSTN:
      case CrushRuleOp.CHOOSE_FIRSTN:
      case CrushRuleOp.CHOOSELEAF_INDEP:
      case CrushRuleOp.CHOOSE_INDEP: {
        if (wsize === 0) break;
        const firstn = step.op === CrushRuleOp.CHOOSELEAF_FIRSTN || step.op === CrushRuleOp.CHOOSE_FIRSTN;
        const recurseToLeaf =
          step.op === CrushRuleOp.CHOOSELEAF_FIRSTN || step.op === CrushRuleOp.CHOOSELEAF_INDEP;
        let osize = 0;
        for (let i = 0; i < wsize; i++) {
          let numrep = step.arg1;
          if (numrep <= 0) {
            numrep += resultMax;
            if (numrep <= 0) continue;
          }
          const bno = -1 - w[i]!;
          if (bno < 0 || bno >= map.maxBuckets) continue; // w[i] is a device or NONE
          const start = map.buckets.get(w[i]!);
          if (start === undefined) continue;
          if (firstn) {
            let recurseTries: number;
            if (chooseLeafTries) recurseTries = chooseLeafTries;
            else if (t.chooseleafDescendOnce) recurseTries = 1;
            else recurseTries = chooseTries;
            osize += chooseFirstn(
              ctx,
              start,
              x,
              numrep,
              step.arg2,
              { arr: o, base: osize },
              0,
              resultMax - osize,
              chooseTries,
              recurseTries,
              chooseLocalRetries,
              chooseLocalFallbackRetries,
              recurseToLeaf,
              varyR,
              stable,
              { arr: c, base: osize },
              0,
            );
          } else {
            const outSize = Math.min(numrep, resultMax - osize);
            chooseIndep(
              ctx,
              start,
              x,
              outSize,
              numrep,
              step.arg2,
              { arr: o, base: osize },
              0,
              chooseTries,
              chooseLeafTries ? chooseLeafTries : 1,
              recurseToLeaf,
              { arr: c, base: osize },
              0,
            );
            osize += outSize;
          }
        }
        if (recurseToLeaf) for (let i = 0; i < osize; i++) o[i] = c[i]!;
        const tmp = o;
        o = w;
        w = tmp;
        wsize = osize;
        break;
      }
      case CrushRuleOp.EMIT:
        for (let i = 0; i < wsize && result.length < resultMax; i++) result.push(w[i]!);
        wsize = 0;
        break;
      default:
        break;
    }
  }
  return result;
}
