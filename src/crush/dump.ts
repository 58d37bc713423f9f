/**
 * CrushWrapper::dump (Pacific): the structure `crushtool --dump` and
 * `ceph osd crush dump` print through a Formatter — devices, types, buckets,
 * rules (with the legacy mask), tunables with the derived profile and
 * feature flags, and choose_args.
 */
import type { Formatter } from '../common/formatter.js';
import {
  CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
  CrushBucketAlg,
  CrushRuleOp,
  bucketItemWeight,
  crushBucketAlgName,
  crushHashName,
  type CrushMap,
  type CrushTunables,
} from './types.js';
import { sortedEntries } from './codec.js';

const HAMMER_ALGS =
  (1 << CrushBucketAlg.UNIFORM) |
  (1 << CrushBucketAlg.LIST) |
  (1 << CrushBucketAlg.STRAW) |
  (1 << CrushBucketAlg.STRAW2);

function ruleHasOp(map: CrushMap, ops: number[]): boolean {
  for (const r of map.rules.values()) for (const s of r.steps) if (ops.includes(s.op)) return true;
  return false;
}

/** CrushWrapper's feature and profile queries behind dump_tunables. */
export function crushTunableProfile(map: CrushMap): {
  profile: string;
  optimal: boolean;
  legacy: boolean;
  minimumRequiredVersion: string;
  requireTunables: boolean;
  requireTunables2: boolean;
  requireTunables3: boolean;
  requireTunables5: boolean;
  hasV2Rules: boolean;
  hasV3Rules: boolean;
  hasV4Buckets: boolean;
  hasV5Rules: boolean;
} {
  const t: CrushTunables = map.tunables;
  const base = (
    lt: number,
    lft: number,
    tt: number,
    d: number,
    v: number,
    s: number,
    algs: number,
  ): boolean =>
    t.chooseLocalTries === lt &&
    t.chooseLocalFallbackTries === lft &&
    t.chooseTotalTries === tt &&
    t.chooseleafDescendOnce === d &&
    t.chooseleafVaryR === v &&
    t.chooseleafStable === s &&
    t.allowedBucketAlgs === algs;
  const jewel = base(0, 0, 50, 1, 1, 1, HAMMER_ALGS);
  const hammer = base(0, 0, 50, 1, 1, 0, HAMMER_ALGS);
  const firefly = base(0, 0, 50, 1, 1, 0, CRUSH_LEGACY_ALLOWED_BUCKET_ALGS);
  const bobtail = base(0, 0, 50, 1, 0, 0, CRUSH_LEGACY_ALLOWED_BUCKET_ALGS);
  const argonaut = base(2, 5, 19, 0, 0, 0, CRUSH_LEGACY_ALLOWED_BUCKET_ALGS);
  const requireTunables =
    t.chooseLocalTries !== 2 || t.chooseLocalFallbackTries !== 5 || t.chooseTotalTries !== 19;
  const requireTunables2 = t.chooseleafDescendOnce !== 0;
  const requireTunables3 = t.chooseleafVaryR !== 0;
  const requireTunables5 = t.chooseleafStable !== 0;
  const hasV2Rules = ruleHasOp(map, [
    CrushRuleOp.CHOOSE_INDEP,
    CrushRuleOp.CHOOSELEAF_INDEP,
    CrushRuleOp.SET_CHOOSE_TRIES,
    CrushRuleOp.SET_CHOOSELEAF_TRIES,
  ]);
  const hasV3Rules = ruleHasOp(map, [CrushRuleOp.SET_CHOOSELEAF_VARY_R]);
  const hasV5Rules = ruleHasOp(map, [CrushRuleOp.SET_CHOOSELEAF_STABLE]);
  let hasV4Buckets = false;
  for (const b of map.buckets.values()) if (b.alg === CrushBucketAlg.STRAW2) hasV4Buckets = true;
  let minimumRequiredVersion = 'argonaut';
  if (hasV5Rules || requireTunables5) minimumRequiredVersion = 'jewel';
  else if (hasV4Buckets) minimumRequiredVersion = 'hammer';
  else if (requireTunables3) minimumRequiredVersion = 'firefly';
  else if (requireTunables2 || requireTunables) minimumRequiredVersion = 'bobtail';
  const profile = jewel
    ? 'jewel'
    : hammer
      ? 'hammer'
      : firefly
        ? 'firefly'
        : bobtail
          ? 'bobtail'
          : argonaut
            ? 'argonaut'
            : 'unknown';
  return {
    profile,
    optimal: jewel,
    legacy: argonaut,
    minimumRequiredVersion,
    requireTunables,
    requireTunables2,
    requireTunables3,
    requireTunables5,
    hasV2Rules,
    hasV3Rules,
    hasV4Buckets,
    hasV5Rules,
  };
}

/** CrushWrapper::dump_tunables. */
export function dumpCrushTunables(map: CrushMap, f: Formatter): void {
  const t = map.tunables;
  f.dumpInt('choose_local_tries', t.chooseLocalTries);
  f.dumpInt('choose_local_fallback_tries', t.chooseLocalFallbackTries);
  f.dumpInt('choose_total_tries', t.chooseTotalTries);
  f.dumpInt('chooseleaf_descend_once', t.chooseleafDescendOnce);
  f.dumpInt('chooseleaf_vary_r', t.chooseleafVaryR);
  f.dumpInt('chooseleaf_stable', t.chooseleafStable);
  f.dumpInt('straw_calc_version', t.strawCalcVersion);
  f.dumpInt('allowed_bucket_algs', t.allowedBucketAlgs);
  const p = crushTunableProfile(map);
  f.dumpString('profile', p.profile);
  f.dumpInt('optimal_tunables', Number(p.optimal));
  f.dumpInt('legacy_tunables', Number(p.legacy));
  f.dumpString('minimum_required_version', p.minimumRequiredVersion);
  f.dumpInt('require_feature_tunables', Number(p.requireTunables));
  f.dumpInt('require_feature_tunables2', Number(p.requireTunables2));
  f.dumpInt('has_v2_rules', Number(p.hasV2Rules));
  f.dumpInt('require_feature_tunables3', Number(p.requireTunables3));
  f.dumpInt('has_v3_rules', Number(p.hasV3Rules));
  f.dumpInt('has_v4_buckets', Number(p.hasV4Buckets));
  f.dumpInt('require_feature_tunables5', Number(p.requireTunables5));
  f.dumpInt('has_v5_rules', Number(p.hasV5Rules));
}

const CHOOSE_OPS: Record<number, string> = {
  [CrushRuleOp.CHOOSE_FIRSTN]: 'choose_firstn',
  [CrushRuleOp.CHOOSE_INDEP]: 'choose_indep',
  [CrushRuleOp.CHOOSELEAF_FIRSTN]: 'chooseleaf_firstn',
  [CrushRuleOp.CHOOSELEAF_INDEP]: 'chooseleaf_indep',
};

/** CrushWrapper::dump_rule. */
export function dumpCrushRule(map: CrushMap, ruleId: number, f: Formatter): void {
  const r = map.rules.get(ruleId)!;
  f.openObjectSection('rule');
  f.dumpInt('rule_id', ruleId);
  const name = map.ruleNames.get(ruleId);
  if (name !== undefined) f.dumpString('rule_name', name);
  f.dumpInt('ruleset', r.ruleset);
  f.dumpInt('type', r.type);
  f.dumpInt('min_size', r.minSize);
  f.dumpInt('max_size', r.maxSize);
  f.openArraySection('steps');
  for (const s of r.steps) {
    f.openObjectSection('step');
    const choose = CHOOSE_OPS[s.op];
    if (s.op === CrushRuleOp.NOOP) {
      f.dumpString('op', 'noop');
    } else if (s.op === CrushRuleOp.TAKE) {
      f.dumpString('op', 'take');
      f.dumpInt('item', s.arg1);
      f.dumpString('item_name', map.names.get(s.arg1) ?? '');
    } else if (s.op === CrushRuleOp.EMIT) {
      f.dumpString('op', 'emit');
    } else if (choose !== undefined) {
      f.dumpString('op', choose);
      f.dumpInt('num', s.arg1);
      f.dumpString('type', map.typeNames.get(s.arg2) ?? '');
    } else if (s.op === CrushRuleOp.SET_CHOOSE_TRIES) {
      f.dumpString('op', 'set_choose_tries');
      f.dumpInt('num', s.arg1);
    } else if (s.op === CrushRuleOp.SET_CHOOSELEAF_TRIES) {
      f.dumpString('op', 'set_chooseleaf_tries');
      f.dumpInt('num', s.arg1);
    } else {
      f.dumpInt('opcode', s.op);
      f.dumpInt('arg1', s.arg1);
      f.dumpInt('arg2', s.arg2);
    }
    f.closeSection();
  }
  f.closeSection();
  f.closeSection();
}

/** CrushWrapper::dump: the body of the "crush_map" section. */
export function dumpCrushMap(map: CrushMap, f: Formatter): void {
  f.openArraySection('devices');
  for (let i = 0; i < map.maxDevices; i++) {
    f.openObjectSection('device');
    f.dumpInt('id', i);
    f.dumpString('name', map.names.get(i) ?? `device${i}`);
    const c = map.classMap.get(i);
    const cn = c === undefined ? undefined : map.classNames.get(c);
    if (cn !== undefined) f.dumpString('class', cn);
    f.closeSection();
  }
  f.closeSection();

  f.openArraySection('types');
  let n = map.typeNames.size;
  for (let i = 0; n > 0 && i <= 0xffff; i++) {
    const name = map.typeNames.get(i);
    if (name === undefined) {
      if (i === 0) {
        f.openObjectSection('type');
        f.dumpInt('type_id', 0);
        f.dumpString('name', 'device');
        f.closeSection();
      }
      continue;
    }
    n--;
    f.openObjectSection('type');
    f.dumpInt('type_id', i);
    f.dumpString('name', name);
    f.closeSection();
  }
  f.closeSection();

  f.openArraySection('buckets');
  for (let i = 0; i < map.maxBuckets; i++) {
    const id = -1 - i;
    const b = map.buckets.get(id);
    if (b === undefined) continue;
    f.openObjectSection('bucket');
    f.dumpInt('id', id);
    const name = map.names.get(id);
    if (name !== undefined) f.dumpString('name', name);
    f.dumpInt('type_id', b.type);
    const tn = map.typeNames.get(b.type);
    if (tn !== undefined) f.dumpString('type_name', tn);
    f.dumpInt('weight', b.weight | 0);
    f.dumpString('alg', crushBucketAlgName(b.alg));
    f.dumpString('hash', crushHashName(b.hash));
    f.openArraySection('items');
    b.items.forEach((item, pos) => {
      f.openObjectSection('item');
      f.dumpInt('id', item);
      f.dumpInt('weight', bucketItemWeight(b, pos) | 0);
      f.dumpInt('pos', pos);
      f.closeSection();
    });
    f.closeSection();
    f.closeSection();
  }
  f.closeSection();

  f.openArraySection('rules');
  for (let i = 0; i < map.maxRules; i++) if (map.rules.has(i)) dumpCrushRule(map, i, f);
  f.closeSection();

  f.openObjectSection('tunables');
  dumpCrushTunables(map, f);
  f.closeSection();

  f.openObjectSection('choose_args');
  for (const [key, args] of sortedEntries(map.chooseArgs)) {
    f.openArraySection(String(key));
    for (let i = 0; i < map.maxBuckets; i++) {
      const arg = args.get(-1 - i);
      if (arg === undefined || (arg.weightSet.length === 0 && arg.ids.length === 0)) continue;
      f.openObjectSection('choose_args');
      f.dumpInt('bucket_id', -1 - i);
      if (arg.weightSet.length > 0) {
        f.openArraySection('weight_set');
        for (const ws of arg.weightSet) {
          f.openArraySection('weights');
          for (const w of ws) f.dumpFloat('weight', Math.fround(Math.fround(w) / 0x10000));
          f.closeSection();
        }
        f.closeSection();
      }
      if (arg.ids.length > 0) {
        f.openArraySection('ids');
        for (const id of arg.ids) f.dumpInt('id', id);
        f.closeSection();
      }
      f.closeSection();
    }
    f.closeSection();
  }
  f.closeSection();
}
