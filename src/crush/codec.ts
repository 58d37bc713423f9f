/**
 * CrushWrapper::encode / decode for Pacific 16.2.15 (all features on, as
 * crushtool and the monitor write them):
 *
 *   u32 magic, s32 max_buckets, u32 max_rules, s32 max_devices
 *   max_buckets x bucket   (u32 alg, 0 = empty slot; then the bucket)
 *   max_rules x rule       (u32 present; u32 len, u8 ruleset/type/min/max, len x step)
 *   type names, item names, rule names   (map<s32,string>)
 *   tunables               (each group optional at the end of old maps)
 *   class_map, class_name, class_bucket  (luminous)
 *   choose_args            (map<s64, per-bucket weight sets and ids>)
 *
 * Decoding ends the way CrushWrapper::decode does: choose_args that cannot
 * apply are dropped or resized (update_choose_args) and max_devices is
 * recomputed (finalize), so decode -> encode gives what crushtool would write.
 */
import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import {
  CRUSH_MAGIC,
  CrushBucketAlg,
  legacyTunables,
  type CrushBucket,
  type CrushChooseArg,
  type CrushChooseArgMap,
  type CrushMap,
  type CrushRule,
} from './types.js';
import { finalizeCrushMap } from './wrapper.js';

/** Read `n` u32s, refusing counts the buffer cannot hold before allocating. */
function u32s(d: Decoder, n: number, what: string): number[] {
  if (n * 4 > d.remaining) throw new CephError('EBADMSG', `crush decode: ${what} count ${n} exceeds buffer`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = d.u32();
  return out;
}

function s32s(d: Decoder, n: number, what: string): number[] {
  if (n * 4 > d.remaining) throw new CephError('EBADMSG', `crush decode: ${what} count ${n} exceeds buffer`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = d.i32();
  return out;
}

function decodeBucket(d: Decoder): CrushBucket | undefined {
  const alg = d.u32();
  if (alg === 0) return undefined;
  if (alg < CrushBucketAlg.UNIFORM || alg > CrushBucketAlg.STRAW2) {
    throw new CephError('EINVAL', `unsupported bucket algorithm: ${alg}`);
  }
  const id = d.i32();
  const type = d.u16();
  // The header repeats the algorithm as a u8; the per-alg fields follow the repeated one.
  const innerAlg = d.u8();
  const hash = d.u8();
  const weight = d.u32();
  const size = d.u32();
  const items = s32s(d, size, 'bucket items');
  const base = { id, type, hash, weight, items };
  switch (innerAlg) {
    case CrushBucketAlg.UNIFORM:
      return { ...base, alg: CrushBucketAlg.UNIFORM, itemWeight: d.u32() };
    case CrushBucketAlg.LIST: {
      if (size * 8 > d.remaining) throw new CephError('EBADMSG', 'crush decode: list bucket exceeds buffer');
      const itemWeights: number[] = [];
      const sumWeights: number[] = [];
      for (let j = 0; j < size; j++) {
        itemWeights.push(d.u32());
        sumWeights.push(d.u32());
      }
      return { ...base, alg: CrushBucketAlg.LIST, itemWeights, sumWeights };
    }
    case CrushBucketAlg.TREE: {
      const numNodes = d.u8();
      return { ...base, alg: CrushBucketAlg.TREE, numNodes, nodeWeights: u32s(d, numNodes, 'tree nodes') };
    }
    case CrushBucketAlg.STRAW: {
      if (size * 8 > d.remaining) throw new CephError('EBADMSG', 'crush decode: straw bucket exceeds buffer');
      const itemWeights: number[] = [];
      const straws: number[] = [];
      for (let j = 0; j < size; j++) {
        itemWeights.push(d.u32());
        straws.push(d.u32());
      }
      return { ...base, alg: CrushBucketAlg.STRAW, itemWeights, straws };
    }
    case CrushBucketAlg.STRAW2:
      return { ...base, alg: CrushBucketAlg.STRAW2, itemWeights: u32s(d, size, 'straw2 weights') };
    default:
      // Ceph aborts here (the outer and inner algorithms disagree); we refuse the map.
      throw new CephError('EINVAL', `bucket ${id}: algorithm ${innerAlg} differs from ${alg}`);
  }
}

/**
 * map<int32,string> written by old releases with 64-bit keys: a zero string
 * length is taken as the high half of the key (names are never empty).
 */
function decodeNameMap(d: Decoder): Map<number, string> {
  const n = d.u32();
  if (n > d.remaining) throw new CephError('EBADMSG', `crush decode: name map count ${n} exceeds buffer`);
  const out = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const key = d.i32();
    let len = d.u32();
    if (len === 0) len = d.u32();
    out.set(key, d.bytes(len).toString('utf8'));
  }
  return out;
}

function decodeRule(d: Decoder): CrushRule | undefined {
  if (d.u32() === 0) return undefined;
  const len = d.u32();
  const ruleset = d.u8();
  const type = d.u8();
  const minSize = d.u8();
  const maxSize = d.u8();
  if (len * 12 > d.remaining)
    throw new CephError('EBADMSG', `crush decode: rule length ${len} exceeds buffer`);
  const steps = [];
  for (let j = 0; j < len; j++) steps.push({ op: d.u32(), arg1: d.i32(), arg2: d.i32() });
  return { ruleset, type, minSize, maxSize, steps };
}

function decodeChooseArgs(d: Decoder, map: CrushMap): void {
  const count = d.u32();
  for (let i = 0; i < count; i++) {
    const key = d.i64Number();
    const args: CrushChooseArgMap = new Map();
    const n = d.u32();
    for (let j = 0; j < n; j++) {
      const bucketIndex = d.u32();
      if (bucketIndex >= map.maxBuckets) {
        // Ceph asserts (and dies) here.
        throw new CephError('EINVAL', `choose_args ${key}: bucket index ${bucketIndex} >= ${map.maxBuckets}`);
      }
      const positions = d.u32();
      if (positions * 4 > d.remaining)
        throw new CephError('EBADMSG', 'crush decode: weight_set exceeds buffer');
      const weightSet: number[][] = [];
      for (let k = 0; k < positions; k++) weightSet.push(u32s(d, d.u32(), 'weight_set'));
      const idsSize = d.u32();
      let ids: number[] = [];
      if (idsSize > 0) {
        const bucket = map.buckets.get(-1 - bucketIndex);
        if (bucket === undefined || bucket.items.length !== idsSize) {
          throw new CephError(
            'EINVAL',
            `choose_args ${key}: ids of bucket ${-1 - bucketIndex} do not match it`,
          );
        }
        ids = s32s(d, idsSize, 'choose_args ids');
      }
      args.set(-1 - bucketIndex, { weightSet, ids });
    }
    map.chooseArgs.set(key, args);
  }
}

/** Decode a CRUSH map (crushtool's file, or the crush blob of an OSDMap). */
export function decodeCrushMap(buf: Buffer): CrushMap {
  return decodeCrushMapFrom(new Decoder(buf));
}

/** Decode a CRUSH map from a cursor, leaving it after the map (the map fills its buffer in an OSDMap). */
export function decodeCrushMapFrom(d: Decoder): CrushMap {
  const magic = d.u32();
  if (magic !== CRUSH_MAGIC) throw new CephError('EINVAL', 'bad magic number');
  const maxBuckets = d.i32();
  const maxRules = d.u32();
  const maxDevices = d.i32();
  const map: CrushMap = {
    maxBuckets,
    maxRules,
    maxDevices,
    buckets: new Map(),
    rules: new Map(),
    typeNames: new Map(),
    names: new Map(),
    ruleNames: new Map(),
    tunables: legacyTunables(),
    classMap: new Map(),
    classNames: new Map(),
    classBuckets: new Map(),
    chooseArgs: new Map(),
  };
  for (let i = 0; i < maxBuckets; i++) {
    const b = decodeBucket(d);
    if (b !== undefined) map.buckets.set(-1 - i, b);
  }
  for (let i = 0; i < maxRules; i++) {
    const r = decodeRule(d);
    if (r !== undefined) map.rules.set(i, r);
  }
  map.typeNames = decodeNameMap(d);
  map.names = decodeNameMap(d);
  map.ruleNames = decodeNameMap(d);
  const t = map.tunables;
  if (!d.eof) {
    t.chooseLocalTries = d.u32();
    t.chooseLocalFallbackTries = d.u32();
    t.chooseTotalTries = d.u32();
  }
  if (!d.eof) t.chooseleafDescendOnce = d.u32();
  if (!d.eof) t.chooseleafVaryR = d.u8();
  if (!d.eof) t.strawCalcVersion = d.u8();
  if (!d.eof) t.allowedBucketAlgs = d.u32();
  if (!d.eof) t.chooseleafStable = d.u8();
  if (!d.eof) {
    map.classMap = d.map(
      (x) => x.i32(),
      (x) => x.i32(),
    );
    map.classNames = d.map(
      (x) => x.i32(),
      (x) => x.string(),
    );
    map.classBuckets = d.map(
      (x) => x.i32(),
      (x) =>
        x.map(
          (y) => y.i32(),
          (y) => y.i32(),
        ),
    );
  }
  if (!d.eof) decodeChooseArgs(d, map);
  updateChooseArgs(map);
  finalizeCrushMap(map);
  return map;
}

/** Position count of a choose_args set: that of its first bucket (by slot) with weight sets, else 1. */
export function chooseArgsPositions(map: CrushMap, args: CrushChooseArgMap): number {
  for (let i = 0; i < map.maxBuckets; i++) {
    const arg = args.get(-1 - i);
    if (arg !== undefined && arg.weightSet.length > 0) return arg.weightSet.length;
  }
  return 1;
}

/**
 * CrushWrapper::update_choose_args: drop overrides of buckets that are gone or
 * not straw2, and resize weight vectors that no longer match their bucket.
 */
export function updateChooseArgs(map: CrushMap): void {
  for (const args of map.chooseArgs.values()) {
    const positions = chooseArgsPositions(map, args);
    for (const [id, arg] of args) {
      const b = map.buckets.get(id);
      if (b === undefined || b.alg !== CrushBucketAlg.STRAW2) {
        arg.ids = [];
        arg.weightSet = [];
        continue;
      }
      if (arg.weightSet.length === 0 || arg.weightSet.length !== positions) continue;
      arg.weightSet = arg.weightSet.map((ws) => {
        if (ws.length === b.items.length) return ws;
        const fixed = new Array<number>(b.items.length).fill(0);
        for (let k = 0; k < Math.min(ws.length, fixed.length); k++) fixed[k] = ws[k]!;
        return fixed;
      });
    }
  }
}

function encodeBucket(e: Encoder, b: CrushBucket | undefined): void {
  if (b === undefined) {
    e.u32(0);
    return;
  }
  e.u32(b.alg);
  e.i32(b.id);
  e.u16(b.type);
  e.u8(b.alg);
  e.u8(b.hash);
  e.u32(b.weight);
  e.u32(b.items.length);
  for (const item of b.items) e.i32(item);
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM:
      e.u32(b.itemWeight);
      break;
    case CrushBucketAlg.LIST:
      for (let j = 0; j < b.items.length; j++) {
        e.u32(b.itemWeights[j] ?? 0);
        e.u32(b.sumWeights[j] ?? 0);
      }
      break;
    case CrushBucketAlg.TREE:
      e.u8(b.numNodes);
      for (let j = 0; j < (b.numNodes & 0xff); j++) e.u32(b.nodeWeights[j] ?? 0);
      break;
    case CrushBucketAlg.STRAW:
      for (let j = 0; j < b.items.length; j++) {
        e.u32(b.itemWeights[j] ?? 0);
        e.u32(b.straws[j] ?? 0);
      }
      break;
    case CrushBucketAlg.STRAW2:
      for (let j = 0; j < b.items.length; j++) e.u32(b.itemWeights[j] ?? 0);
      break;
  }
}

/** Entries of a number-keyed map in ascending key order (how std::map iterates). */
export function sortedEntries<V>(m: ReadonlyMap<number, V>): [number, V][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

function encodeNameMap(e: Encoder, m: ReadonlyMap<number, string>): void {
  e.u32(m.size);
  for (const [k, v] of sortedEntries(m)) {
    e.i32(k);
    e.string(v);
  }
}

function chooseArgIsEmpty(arg: CrushChooseArg | undefined): boolean {
  return arg === undefined || (arg.weightSet.length === 0 && arg.ids.length === 0);
}

/** Encode a CRUSH map as Pacific does with all features (CEPH_FEATURES_SUPPORTED_DEFAULT). */
export function encodeCrushMap(map: CrushMap): Buffer {
  const e = new Encoder(4096);
  encodeCrushMapTo(e, map);
  return e.finish();
}

export function encodeCrushMapTo(e: Encoder, map: CrushMap): void {
  e.u32(CRUSH_MAGIC);
  e.i32(map.maxBuckets);
  e.u32(map.maxRules);
  e.i32(map.maxDevices);
  for (let i = 0; i < map.maxBuckets; i++) encodeBucket(e, map.buckets.get(-1 - i));
  for (let i = 0; i < map.maxRules; i++) {
    const r = map.rules.get(i);
    if (r === undefined) {
      e.u32(0);
      continue;
    }
    e.u32(1);
    e.u32(r.steps.length);
    e.u8(r.ruleset);
    e.u8(r.type);
    e.u8(r.minSize);
    e.u8(r.maxSize);
    for (const s of r.steps) {
      e.u32(s.op);
      e.i32(s.arg1);
      e.i32(s.arg2);
    }
  }
  encodeNameMap(e, map.typeNames);
  encodeNameMap(e, map.names);
  encodeNameMap(e, map.ruleNames);
  const t = map.tunables;
  e.u32(t.chooseLocalTries);
  e.u32(t.chooseLocalFallbackTries);
  e.u32(t.chooseTotalTries);
  e.u32(t.chooseleafDescendOnce);
  e.u8(t.chooseleafVaryR);
  e.u8(t.strawCalcVersion);
  e.u32(t.allowedBucketAlgs);
  e.u8(t.chooseleafStable);
  // device classes
  e.u32(map.classMap.size);
  for (const [k, v] of sortedEntries(map.classMap)) e.i32(k).i32(v);
  e.u32(map.classNames.size);
  for (const [k, v] of sortedEntries(map.classNames)) e.i32(k).string(v);
  e.u32(map.classBuckets.size);
  for (const [k, inner] of sortedEntries(map.classBuckets)) {
    e.i32(k).u32(inner.size);
    for (const [c, id] of sortedEntries(inner)) e.i32(c).i32(id);
  }
  // choose_args, buckets in slot order (-1, -2, ...), empty overrides left out
  e.u32(map.chooseArgs.size);
  for (const [key, args] of sortedEntries(map.chooseArgs)) {
    e.i64(key);
    const present: [number, CrushChooseArg][] = [];
    for (let i = 0; i < map.maxBuckets; i++) {
      const arg = args.get(-1 - i);
      if (!chooseArgIsEmpty(arg)) present.push([i, arg!]);
    }
    e.u32(present.length);
    for (const [i, arg] of present) {
      e.u32(i);
      e.u32(arg.weightSet.length);
      for (const ws of arg.weightSet) {
        e.u32(ws.length);
        for (const w of ws) e.u32(w);
      }
      e.u32(arg.ids.length);
      for (const id of arg.ids) e.i32(id);
    }
  }
}
