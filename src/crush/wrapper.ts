/**
 * Queries over a CrushMap with CrushWrapper's semantics (Pacific): names,
 * rule lookup by (ruleset, type, size), item weights, choose_args lookup with
 * the DEFAULT_CHOOSE_ARGS fallback, and finalize().
 */
import {
  DEFAULT_CHOOSE_ARGS,
  bucketItemWeight,
  type CrushBucket,
  type CrushChooseArgMap,
  type CrushMap,
} from './types.js';

/**
 * CrushWrapper::finalize: max_devices becomes one past the highest device any
 * bucket holds, raised to cover every named device.
 */
export function finalizeCrushMap(map: CrushMap): void {
  let maxDevices = 0;
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b === undefined) continue;
    for (const item of b.items) if (item >= maxDevices) maxDevices = item + 1;
  }
  let maxName: number | undefined;
  for (const id of map.names.keys()) if (maxName === undefined || id > maxName) maxName = id;
  if (maxName !== undefined && maxName >= maxDevices) maxDevices = maxName + 1;
  map.maxDevices = maxDevices;
}

/** The bucket with this (negative) id, if its slot is filled. */
export function crushBucket(map: CrushMap, id: number): CrushBucket | undefined {
  return id < 0 ? map.buckets.get(id) : undefined;
}

/** Name of an item (device >= 0 or bucket < 0). */
export function crushItemName(map: CrushMap, id: number): string | undefined {
  return map.names.get(id);
}

/** Id of a named item, or undefined. */
export function crushItemId(map: CrushMap, name: string): number | undefined {
  for (const [id, n] of map.names) if (n === name) return id;
  return undefined;
}

/** Name of a bucket type. */
export function crushTypeName(map: CrushMap, type: number): string | undefined {
  return map.typeNames.get(type);
}

/** Id of a named type, or undefined. */
export function crushTypeId(map: CrushMap, name: string): number | undefined {
  for (const [id, n] of map.typeNames) if (n === name) return id;
  return undefined;
}

/** Name of a rule. */
export function crushRuleName(map: CrushMap, ruleId: number): string | undefined {
  return map.ruleNames.get(ruleId);
}

/** Id of a named rule, or undefined. */
export function crushRuleId(map: CrushMap, name: string): number | undefined {
  for (const [id, n] of map.ruleNames) if (n === name) return id;
  return undefined;
}

/** CrushWrapper::rule_exists(ruleno). */
export function crushRuleExists(map: CrushMap, ruleId: number): boolean {
  return ruleId >= 0 && ruleId < map.maxRules && map.rules.has(ruleId);
}

/** CrushWrapper::get_max_devices. */
export function crushMaxDevices(map: CrushMap): number {
  return map.maxDevices;
}

/** Name of a device class, or undefined. */
export function crushClassName(map: CrushMap, classId: number): string | undefined {
  return map.classNames.get(classId);
}

/** Class name of an item, or undefined when it has none. */
export function crushItemClass(map: CrushMap, id: number): string | undefined {
  const c = map.classMap.get(id);
  return c === undefined ? undefined : map.classNames.get(c);
}

/**
 * crush_find_rule with Pacific's CrushWrapper::find_rule: the first rule (by
 * id) whose mask matches ruleset and type and whose [min_size, max_size]
 * holds `size`; -1 when none does. (Pacific's fast path for maps whose rule
 * ids equal their rulesets finds the same rule.)
 */
export function crushFindRule(map: CrushMap, ruleset: number, type: number, size: number): number {
  for (let i = 0; i < map.maxRules; i++) {
    const r = map.rules.get(i);
    if (
      r !== undefined &&
      r.ruleset === ruleset &&
      r.type === type &&
      r.minSize <= size &&
      r.maxSize >= size
    ) {
      return i;
    }
  }
  return -1;
}

/** CrushWrapper::has_legacy_rule_ids: some rule's ruleset differs from its id. */
export function crushHasLegacyRuleIds(map: CrushMap): boolean {
  for (const [id, r] of map.rules) if (r.ruleset !== id) return true;
  return false;
}

/**
 * CrushWrapper::get_item_weight in 16.16: a bucket's own weight, or the
 * weight of the item in the first bucket (by slot) that holds it; undefined
 * when nothing does.
 */
export function crushItemWeightRaw(map: CrushMap, id: number): number | undefined {
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b === undefined) continue;
    if (b.id === id) return b.weight;
    const pos = b.items.indexOf(id);
    if (pos >= 0) return bucketItemWeight(b, pos);
  }
  return undefined;
}

/** CrushWrapper::get_item_weightf: the weight as the float Ceph computes ((float)w / 0x10000); 0 if absent. */
export function crushItemWeight(map: CrushMap, id: number): number {
  const w = crushItemWeightRaw(map, id);
  return w === undefined ? 0 : Math.fround(Math.fround(w | 0) / 0x10000);
}

/** CrushWrapper::check_item_present: some bucket holds the item. */
export function crushItemPresent(map: CrushMap, id: number): boolean {
  for (const b of map.buckets.values()) if (b.items.includes(id)) return true;
  return false;
}

/**
 * CrushWrapper::choose_args_get_with_fallback: the set of this id, else the
 * DEFAULT_CHOOSE_ARGS set, else none (canonical weights).
 */
export function crushChooseArgsWithFallback(map: CrushMap, id: number): CrushChooseArgMap | undefined {
  return map.chooseArgs.get(id) ?? map.chooseArgs.get(DEFAULT_CHOOSE_ARGS);
}

/** Items that are in no bucket, in ascending id order (crush roots are the buckets among them). */
export function crushFindRoots(map: CrushMap): number[] {
  const roots: number[] = [];
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b === undefined) continue;
    if (!crushItemPresent(map, b.id)) roots.push(b.id);
  }
  return roots.sort((a, b) => a - b);
}
