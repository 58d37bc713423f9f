/**
 * `OSDMap::build_simple` / `build_simple_with_pool`: the map `osdmaptool
 * --createsimple N [--with-default-pool]` writes — N OSD slots (none of them
 * existing yet), a CRUSH map with every OSD under host "localhost", rack
 * "localrack", root "default" at weight 1.0 and one "replicated_rule", an
 * optional `rbd` pool, and the default erasure-code profile.
 *
 * The CRUSH map is built as data in the order CrushWrapper's insert_item
 * would create it (bucket slots -1 root, -2 host, -3 rack; eight slots
 * allocated), so its encoding matches Ceph's byte for byte.
 */
import {
  CrushBucketAlg,
  CrushRuleOp,
  defaultTunables,
  emptyCrushMap,
  type CrushBucketStraw2,
  type CrushMap,
} from '../crush/index.js';
import type { UTime } from '../encoding/types.js';
import { CephStrHash } from './hash.js';
import { OSDMap } from './osdmap.js';
import { PgAutoscaleMode, PgPool, PoolFlag, PoolType } from './pg-pool.js';

/** The configuration values build_simple reads (names as in Ceph's options). */
export interface BuildSimpleConfig {
  osd_pool_default_size: number;
  osd_pool_default_min_size: number;
  osd_pool_default_flags: number;
  osd_pool_default_flag_hashpspool: boolean;
  osd_pool_default_flag_nodelete: boolean;
  osd_pool_default_flag_nopgchange: boolean;
  osd_pool_default_flag_nosizechange: boolean;
  osd_pool_default_flag_bulk: boolean;
  osd_pool_default_pg_autoscale_mode: string;
  osd_pool_default_erasure_code_profile: string;
  osd_crush_chooseleaf_type: number;
  osd_pool_default_crush_rule: number;
}

/** Pacific's defaults for the options above. */
export const BUILD_SIMPLE_DEFAULTS: BuildSimpleConfig = {
  osd_pool_default_size: 3,
  osd_pool_default_min_size: 0,
  osd_pool_default_flags: 0,
  osd_pool_default_flag_hashpspool: true,
  osd_pool_default_flag_nodelete: false,
  osd_pool_default_flag_nopgchange: false,
  osd_pool_default_flag_nosizechange: false,
  osd_pool_default_flag_bulk: false,
  osd_pool_default_pg_autoscale_mode: 'on',
  osd_pool_default_erasure_code_profile: 'plugin=jerasure technique=reed_sol_van k=2 m=2',
  osd_crush_chooseleaf_type: 1,
  osd_pool_default_crush_rule: -1,
};

/** `OSDMap::_build_crush_types`: the standard type hierarchy; returns the root type id. */
function buildCrushTypes(c: CrushMap): number {
  const names = [
    'osd',
    'host',
    'chassis',
    'rack',
    'row',
    'pdu',
    'pod',
    'room',
    'datacenter',
    'zone',
    'region',
    'root',
  ];
  names.forEach((n, i) => c.typeNames.set(i, n));
  return 11;
}

/** crush_add_bucket: the first free slot, growing the slot array 8, 16, 32... */
function addStraw2Bucket(c: CrushMap, type: number, items: number[], weights: number[]): number {
  let slot = 0;
  while (slot < c.maxBuckets && c.buckets.has(-1 - slot)) slot++;
  if (slot >= c.maxBuckets) c.maxBuckets = c.maxBuckets ? c.maxBuckets * 2 : 8;
  const id = -1 - slot;
  const b: CrushBucketStraw2 = {
    id,
    type,
    alg: CrushBucketAlg.STRAW2,
    hash: 0,
    weight: weights.reduce((s, w) => s + w, 0),
    items: [...items],
    itemWeights: [...weights],
  };
  c.buckets.set(id, b);
  return id;
}

/** Set an item's weight in a bucket and carry the difference up through the parents (adjust_item_weight_in_loc). */
function setWeightUpwards(c: CrushMap, item: number, weight: number): void {
  let cur = item;
  let w = weight;
  for (;;) {
    const parent = [...c.buckets.values()].find((b) => b.items.includes(cur)) as
      CrushBucketStraw2 | undefined;
    if (!parent) return;
    const pos = parent.items.indexOf(cur);
    parent.itemWeights[pos] = w;
    parent.weight = parent.itemWeights.reduce((s, x) => s + x, 0);
    cur = parent.id;
    w = parent.weight;
  }
}

/** `OSDMap::build_simple_crush_map`. */
export function buildSimpleCrushMap(
  numOsd: number,
  cfg: BuildSimpleConfig = BUILD_SIMPLE_DEFAULTS,
): CrushMap {
  const c = emptyCrushMap(defaultTunables());
  const rootType = buildCrushTypes(c);
  const root = addStraw2Bucket(c, rootType, [], []);
  c.names.set(root, 'default');
  const loc: [number, string][] = [
    [1, 'localhost'],
    [3, 'localrack'],
    [11, 'default'],
  ];
  for (let o = 0; o < numOsd; o++) {
    // insert_item: create missing ancestors bottom-up, link the chain into the first existing one
    let cur = o;
    for (const [type, name] of loc) {
      const existing = [...c.names].find(([, n]) => n === name)?.[0];
      if (existing === undefined) {
        const id = addStraw2Bucket(c, type, [cur], [0]);
        c.names.set(id, name);
        cur = id;
        continue;
      }
      const b = c.buckets.get(existing) as CrushBucketStraw2;
      b.items.push(cur);
      b.itemWeights.push(0);
      break;
    }
    setWeightUpwards(c, o, 0x10000);
    c.names.set(o, `osd.${o}`);
  }
  // build_simple_crush_rules: one firstn rule over the failure-domain type
  const domain = cfg.osd_crush_chooseleaf_type;
  const ruleId = cfg.osd_pool_default_crush_rule >= 0 ? cfg.osd_pool_default_crush_rule : 0;
  c.rules.set(ruleId, {
    ruleset: ruleId,
    type: PoolType.REPLICATED,
    minSize: 1,
    maxSize: 10,
    steps: [
      { op: CrushRuleOp.TAKE, arg1: root, arg2: 0 },
      domain
        ? { op: CrushRuleOp.CHOOSELEAF_FIRSTN, arg1: 0, arg2: domain }
        : { op: CrushRuleOp.CHOOSE_FIRSTN, arg1: 0, arg2: 0 },
      { op: CrushRuleOp.EMIT, arg1: 0, arg2: 0 },
    ],
  });
  c.maxRules = ruleId + 1;
  c.ruleNames.set(ruleId, 'replicated_rule');
  // finalize: max_devices covers every device in a bucket or named
  let maxDevices = 0;
  for (const b of c.buckets.values()) for (const i of b.items) if (i >= maxDevices) maxDevices = i + 1;
  for (const id of c.names.keys()) if (id >= maxDevices) maxDevices = id + 1;
  c.maxDevices = maxDevices;
  return c;
}

/** `get_json_str_map` for the simple `k=v k=v` form (or a flat JSON object). */
export function parseStrMap(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const t = s.trim();
  if (t.startsWith('{')) {
    const obj = JSON.parse(t) as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) out.set(k, String(v));
    return out;
  }
  for (const part of t.split(/[ \t\n,;]+/)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.set(part, '');
    else out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/**
 * `OSDMap::build_simple_optioned(epoch 0, zero fsid, numOsd, pgBits, pgpBits, withPool)`.
 * `now` stamps created/modified.
 */
export function buildSimpleOsdMap(
  numOsd: number,
  pgBits: number,
  pgpBits: number,
  withPool: boolean,
  now: UTime,
  cfg: BuildSimpleConfig = BUILD_SIMPLE_DEFAULTS,
): OSDMap {
  const m = new OSDMap();
  m.epoch = 0;
  m.created = { ...now };
  m.modified = { ...now };
  m.setMaxOsd(numOsd);
  m.setCrush(buildSimpleCrushMap(numOsd, cfg));
  const poolbase = m.maxOsd ? m.maxOsd : 1;
  if (withPool) {
    const bits = Math.min(pgpBits, pgBits);
    const id = ++m.poolMax;
    const p = new PgPool();
    p.type = PoolType.REPLICATED;
    p.flags = cfg.osd_pool_default_flags >>> 0;
    if (cfg.osd_pool_default_flag_hashpspool) p.setFlag(PoolFlag.HASHPSPOOL);
    if (cfg.osd_pool_default_flag_nodelete) p.setFlag(PoolFlag.NODELETE);
    if (cfg.osd_pool_default_flag_nopgchange) p.setFlag(PoolFlag.NOPGCHANGE);
    if (cfg.osd_pool_default_flag_nosizechange) p.setFlag(PoolFlag.NOSIZECHANGE);
    if (cfg.osd_pool_default_flag_bulk) p.setFlag(PoolFlag.BULK);
    p.size = cfg.osd_pool_default_size;
    p.minSize = cfg.osd_pool_default_min_size || p.size - Math.floor(p.size / 2);
    p.crushRule = cfg.osd_pool_default_crush_rule >= 0 ? cfg.osd_pool_default_crush_rule : 0;
    p.objectHash = CephStrHash.RJENKINS;
    p.setPgNum((poolbase << pgBits) >>> 0);
    p.setPgpNum((poolbase << bits) >>> 0);
    p.pgNumTarget = (poolbase << pgBits) >>> 0;
    p.pgpNumTarget = (poolbase << bits) >>> 0;
    p.lastChange = m.epoch;
    p.applicationMetadata.set('rbd', new Map());
    const mode = cfg.osd_pool_default_pg_autoscale_mode;
    p.pgAutoscaleMode =
      mode === 'on' ? PgAutoscaleMode.ON : mode === 'warn' ? PgAutoscaleMode.WARN : PgAutoscaleMode.OFF;
    m.pools.set(id, p);
    m.poolNames.set(id, 'rbd');
  }
  m.erasureCodeProfiles.set('default', parseStrMap(cfg.osd_pool_default_erasure_code_profile));
  return m;
}
