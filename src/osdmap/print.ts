/**
 * `OSDMap::print`: the text `osdmaptool --print` and `ceph osd dump` (plain)
 * show, byte for byte as Pacific prints it, and `get_min_compat_client`,
 * which it reports.
 */
import { CrushBucketAlg, CrushRuleOp, DEFAULT_CHOOSE_ARGS, type CrushMap } from '../crush/index.js';
import {
  CEPH_OSD_DEFAULT_PRIMARY_AFFINITY,
  CephRelease,
  cephReleaseName,
  osdMapFlagString,
  osdStateSet,
} from './constants.js';
import { formatAddr, formatAddrVec, formatFloat, formatIntVector, formatUTimeLocal } from './format.js';
import { formatOsdInfo, type BlocklistEntry } from './osd-types.js';
import { addrMemoryImage } from './osd-types.js';
import type { OSDMap } from './osdmap.js';
import { formatPoolSnap } from './pg-pool.js';
import { formatPgId } from '../encoding/osd-types.js';

// ---------------------------------------------------------------------------
// min_compat_client

function ruleUsesOp(c: CrushMap, ruleId: number, ops: readonly number[]): boolean {
  const r = c.rules.get(ruleId);
  return r !== undefined && r.steps.some((s) => ops.includes(s.op));
}

/** `CrushWrapper::has_incompat_choose_args`: anything but one default set of single-position weights. */
function hasIncompatChooseArgs(c: CrushMap): boolean {
  if (c.chooseArgs.size === 0) return false;
  if (c.chooseArgs.size > 1) return true;
  const [[id, args]] = [...c.chooseArgs] as [[number, Map<number, { weightSet: number[][]; ids: number[] }>]];
  if (id !== DEFAULT_CHOOSE_ARGS) return true;
  for (const arg of args.values()) {
    if (arg.weightSet.length === 0 && arg.ids.length === 0) continue;
    if (arg.weightSet.length !== 1) return true;
    if (arg.ids.length !== 0) return true;
  }
  return false;
}

/**
 * `OSDMap::get_min_compat_client`: the oldest client release that can use
 * this map, from the CRUSH tunables, bucket types and rules the pools use,
 * upmaps, cache tiers and primary affinity.
 */
export function minCompatClient(map: OSDMap): number {
  const c = map.crush;
  const upmap = map.pgUpmap.size > 0 || map.pgUpmapItems.size > 0;
  if (upmap || hasIncompatChooseArgs(c)) return CephRelease.LUMINOUS;
  let tunables5 = c.tunables.chooseleafStable !== 0;
  let tunables3 = c.tunables.chooseleafVaryR !== 0;
  let cachePool = false;
  let hashpspool = false;
  for (const pool of map.pools.values()) {
    if (pool.hasFlag(1)) hashpspool = true;
    if (pool.tiers.length || pool.isTier()) cachePool = true;
    const rule = pool.crushRule;
    if (ruleUsesOp(c, rule, [CrushRuleOp.SET_CHOOSELEAF_VARY_R])) tunables3 = true;
    if (ruleUsesOp(c, rule, [CrushRuleOp.SET_CHOOSELEAF_STABLE])) tunables5 = true;
  }
  if (tunables5) return CephRelease.JEWEL;
  if ([...c.buckets.values()].some((b) => b.alg === CrushBucketAlg.STRAW2)) return CephRelease.HAMMER;
  let affinity = false;
  if (map.osdPrimaryAffinity) {
    for (let i = 0; i < map.maxOsd; i++) {
      if (map.osdPrimaryAffinity[i] !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY) affinity = true;
    }
  }
  if (affinity || tunables3 || cachePool) return CephRelease.FIREFLY;
  if (c.tunables.chooseleafDescendOnce !== 0 || hashpspool) return CephRelease.DUMPLING;
  return CephRelease.ARGONAUT;
}

// ---------------------------------------------------------------------------
// the blocklist's print order

/** `rjhash32`: Robert Jenkins' 32-bit integer hash (include/rjhash.h). */
function rjhash32(x: number): number {
  let a = x >>> 0;
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return a;
}

/** `std::hash<entity_addr_t>`: blobhash (xor of the struct's u32 words, then rjhash32). */
function addrHash(entry: BlocklistEntry): number {
  const img = addrMemoryImage(entry.addr);
  let acc = 0;
  for (let i = 0; i + 4 <= img.length; i += 4) acc = (acc ^ img.readUInt32LE(i)) >>> 0;
  return rjhash32(acc);
}

/**
 * libstdc++'s `__prime_list` (the bucket counts of its prime rehash policy)
 * from 17 up to about a million.
 */
const PRIME_LIST = [
  17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127, 137, 139,
  149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409, 439, 467, 503, 541,
  577, 619, 661, 709, 761, 823, 887, 953, 1031, 1109, 1193, 1289, 1381, 1493, 1613, 1741, 1879, 2029, 2179,
  2357, 2549, 2753, 2971, 3209, 3469, 3739, 4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949, 7517, 8123, 8783,
  9497, 10273, 11113, 12011, 12983, 14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411,
  30727, 33223, 35933, 38873, 42043, 45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779, 85229, 92203,
  99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933, 187091, 202409, 218971, 236897, 256279,
  277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841, 608903, 658753, 712697,
  771049, 834181, 902483, 976369, 1056323,
];

/** libstdc++'s `_Prime_rehash_policy` (max load factor 1.0), as GCC 12 builds Ceph. */
class PrimeRehashPolicy {
  nextResize = 0;

  /** `_M_next_bkt`: the bucket count for at least `n` buckets; sets the next resize point. */
  nextBucketCount(n: number): number | undefined {
    const fast = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];
    if (n < fast.length) {
      if (n === 0) return 1;
      this.nextResize = fast[n]!;
      return fast[n];
    }
    const p = PRIME_LIST.find((x) => x >= n);
    if (p !== undefined) this.nextResize = p;
    return p;
  }

  /** `_M_need_rehash(buckets, elements, 1)`: the new bucket count, or 0 to keep the current one. */
  needRehash(buckets: number, elements: number): number | undefined {
    if (elements + 1 <= this.nextResize) return 0;
    // an empty table starts at 11 buckets' worth
    const minBuckets = Math.max(elements + 1, this.nextResize ? 0 : 11);
    if (minBuckets >= buckets) return this.nextBucketCount(Math.max(Math.floor(minBuckets) + 1, buckets * 2));
    this.nextResize = buckets;
    return 0;
  }
}

/**
 * The iteration order of the blocklist as Ceph decodes it into a libstdc++
 * `std::unordered_map`: entries are inserted in encoded order; each goes to
 * the front of its bucket's run, or to the front of the list when its bucket
 * is empty; a growing table re-threads the list bucket by bucket in list
 * order. Buckets are `std::hash<entity_addr_t>` (blobhash: rjhash32 of the
 * xor of the struct's words) modulo the bucket count. Beyond the prime table
 * kept here the encoded order is returned.
 */
export function unorderedMapOrder(entries: readonly BlocklistEntry[]): BlocklistEntry[] {
  type Node = { e: BlocklistEntry; h: number };
  const policy = new PrimeRehashPolicy();
  let buckets = 1;
  let list: Node[] = [];
  const insert = (nodes: Node[], node: Node, n: number): void => {
    const b = node.h % n;
    const at = nodes.findIndex((x) => x.h % n === b);
    if (at < 0) nodes.unshift(node);
    else nodes.splice(at, 0, node);
  };
  for (const e of entries) {
    const grow = policy.needRehash(buckets, list.length);
    if (grow === undefined) return [...entries];
    if (grow) {
      const relinked: Node[] = [];
      for (const x of list) insert(relinked, x, grow);
      list = relinked;
      buckets = grow;
    }
    insert(list, { e, h: addrHash(e) }, buckets);
  }
  return list.map((x) => x.e);
}

// ---------------------------------------------------------------------------
// print

/** `OSDMap::print_pools`. */
function printPools(map: OSDMap): string {
  let out = '';
  for (const id of [...map.pools.keys()].sort((a, b) => a - b)) {
    const pool = map.pools.get(id)!;
    out += `pool ${id} '${map.poolNames.get(id) ?? '<unknown>'}' ${pool.format()}\n`;
    for (const snapId of [...pool.snaps.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      out += `${formatPoolSnap(pool.snaps.get(snapId)!)}\n`;
    }
    if (!pool.removedSnaps.empty) out += `\tremoved_snaps ${pool.removedSnaps.toString()}\n`;
    const q = map.removedSnapsQueue.get(id);
    if (q) out += `\tremoved_snaps_queue ${q.toString()}\n`;
  }
  return out + '\n';
}

/** `OSDMap::print_osd`. */
function printOsd(map: OSDMap, id: number): string {
  let out = `osd.${id}`;
  out += map.isUp(id) ? ' up  ' : ' down';
  out += map.isIn(id) ? ' in ' : ' out';
  out += ` weight ${formatFloat(map.getWeightf(id))}`;
  if (map.getPrimaryAffinity(id) !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY) {
    out += ` primary_affinity ${formatFloat(map.getPrimaryAffinityf(id))}`;
  }
  out += ` ${formatOsdInfo(map.getInfo(id))}`;
  out += ` ${formatAddrVec(map.getAddrs(id))} ${formatAddrVec(map.getClusterAddrs(id))}`;
  out += ` ${osdStateSet(map.getState(id)).join(',')}`;
  const uuid = map.getUuid(id);
  if (uuid !== '00000000-0000-0000-0000-000000000000') out += ` ${uuid}`;
  return out + '\n';
}

/** `vector<pair<int,int>>` prints as a flat `[a,b,c,d]`. */
function formatPairs(v: readonly [number, number][]): string {
  return `[${v.map(([a, b]) => `${a},${b}`).join(',')}]`;
}

/** `OSDMap::print` (Pacific). */
export function printOsdMap(map: OSDMap): string {
  let out =
    `epoch ${map.epoch}\n` +
    `fsid ${map.fsid}\n` +
    `created ${formatUTimeLocal(map.created)}\n` +
    `modified ${formatUTimeLocal(map.modified)}\n` +
    `flags ${osdMapFlagString(map.flags)}\n` +
    `crush_version ${map.crushVersion}\n` +
    `full_ratio ${formatFloat(map.fullRatio)}\n` +
    `backfillfull_ratio ${formatFloat(map.backfillfullRatio)}\n` +
    `nearfull_ratio ${formatFloat(map.nearfullRatio)}\n`;
  if (map.requireMinCompatClient !== CephRelease.UNKNOWN) {
    out += `require_min_compat_client ${cephReleaseName(map.requireMinCompatClient)}\n`;
  }
  out += `min_compat_client ${cephReleaseName(minCompatClient(map))}\n`;
  if (map.requireOsdRelease > CephRelease.UNKNOWN) {
    out += `require_osd_release ${cephReleaseName(map.requireOsdRelease)}\n`;
  }
  out += `stretch_mode_enabled ${map.stretchModeEnabled ? 'true' : 'false'}\n`;
  if (map.stretchModeEnabled) {
    out +=
      `stretch_bucket_count ${map.stretchBucketCount}\n` +
      `degraded_stretch_mode ${map.degradedStretchMode}\n` +
      `recovering_stretch_mode ${map.recoveringStretchMode}\n` +
      `stretch_mode_bucket ${map.stretchModeBucket}\n`;
  }
  const snapshot = map.getClusterSnapshot();
  if (snapshot.length) out += `cluster_snapshot ${snapshot}\n`;
  out += '\n';
  out += printPools(map);
  out += `max_osd ${map.maxOsd}\n`;
  for (let i = 0; i < map.maxOsd; i++) if (map.exists(i)) out += printOsd(map, i);
  out += '\n';
  for (const [pg, osds] of map.pgUpmap.entries())
    out += `pg_upmap ${formatPgId(pg)} ${formatIntVector(osds)}\n`;
  for (const [pg, items] of map.pgUpmapItems.entries()) {
    out += `pg_upmap_items ${formatPgId(pg)} ${formatPairs(items)}\n`;
  }
  for (const [pg, osds] of map.pgTemp.entries())
    out += `pg_temp ${formatPgId(pg)} ${formatIntVector(osds)}\n`;
  for (const [pg, osd] of map.primaryTemp.entries()) out += `primary_temp ${formatPgId(pg)} ${osd}\n`;
  for (const b of unorderedMapOrder(map.blocklist)) {
    out += `blocklist ${formatAddr(b.addr)} expires ${formatUTimeLocal(b.expires)}\n`;
  }
  for (const b of map.rangeBlocklist) {
    out += `range blocklist ${formatAddr(b.addr)} expires ${formatUTimeLocal(b.expires)}\n`;
  }
  return out;
}
