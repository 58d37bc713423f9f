/**
 * crushtool's --check and --show-location (CrushTester::check_overlapped_rules,
 * check_name_maps; CrushWrapper::get_full_location).
 */
import { isValidCrushName } from './decompiler.js';
import type { CrushMap } from './types.js';

function isShadow(map: CrushMap, id: number): boolean {
  const name = map.names.get(id);
  return name !== undefined && !isValidCrushName(name);
}

/**
 * CrushWrapper::get_full_location: type name -> bucket name for each ancestor,
 * following the first (non-shadow) bucket holding the item at each level.
 * Sorted by type name, like the std::map crushtool prints.
 */
export function crushFullLocation(map: CrushMap, id: number): [string, string][] {
  const loc = new Map<string, string>();
  if (!map.names.has(id)) return [];
  let cur = id;
  for (let guard = 0; guard < 1000; guard++) {
    let parent: number | undefined;
    for (let i = 0; i < map.maxBuckets && parent === undefined; i++) {
      const b = map.buckets.get(-1 - i);
      if (b === undefined || isShadow(map, b.id)) continue;
      if (b.items.includes(cur)) parent = b.id;
    }
    if (parent === undefined) break;
    const bucket = map.buckets.get(parent)!;
    const typeName = map.typeNames.get(bucket.type) ?? '';
    const name = map.names.get(parent) ?? '';
    // later (higher) ancestors of the same type do not replace the nearer one
    if (!loc.has(typeName)) loc.set(typeName, name);
    // Ceph continues from the parent's id as found by name
    let next: number | undefined;
    for (const [iid, n] of map.names) if (n === name && (next === undefined || iid > next)) next = iid;
    if (next === undefined) break;
    cur = next;
  }
  return [...loc.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * CrushTester::check_overlapped_rules: rules sharing a (ruleset, type) whose
 * size ranges overlap, one line per run of sizes with the same set of rules.
 */
export function crushCheckOverlappedRules(map: CrushMap): string {
  const groups = new Map<string, { ruleset: number; names: Map<number, Set<string>> }>();
  const keys: [number, number][] = [];
  for (let r = 0; r < map.maxRules; r++) {
    const rule = map.rules.get(r);
    if (rule === undefined) continue;
    const key = `${rule.ruleset}/${rule.type}`;
    let g = groups.get(key);
    if (g === undefined) {
      groups.set(key, (g = { ruleset: rule.ruleset, names: new Map() }));
      keys.push([rule.ruleset, rule.type]);
    }
    const name = map.ruleNames.get(r) ?? `rule${r}`;
    for (let size = rule.minSize; size <= rule.maxSize; size++) {
      let s = g.names.get(size);
      if (s === undefined) g.names.set(size, (s = new Set()));
      s.add(name);
    }
  }
  keys.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = '';
  for (const [ruleset, type] of keys) {
    const g = groups.get(`${ruleset}/${type}`)!;
    let prev = '';
    let prevSize = -2;
    for (const size of [...g.names.keys()].sort((a, b) => a - b)) {
      const names = [...g.names.get(size)!].sort();
      const joined = names.join(', ');
      // adjacent sizes with the same rules form one interval
      if (size === prevSize + 1 && joined === prev) {
        prevSize = size;
        continue;
      }
      if (names.length > 1) out += `overlapped rules in ruleset ${ruleset}: ${joined}\n`;
      prev = joined;
      prevSize = size;
    }
  }
  return out;
}

/**
 * CrushTester::check_name_maps: walk the (non-shadow) tree; every bucket needs
 * a name, every item a type name, and devices must be below maxId (when > 0).
 * Returns Ceph's error line, or undefined when the map is self-contained.
 */
export function crushCheckNameMaps(map: CrushMap, maxId: number): string | undefined {
  const check = (id: number): string | undefined => {
    let type: number;
    if (id < 0) {
      if (!map.names.has(id)) return `unknown item name: item#${id}\n`;
      type = map.buckets.get(id)?.type ?? -2;
    } else {
      if (maxId > 0 && id >= maxId) return `item id too large: item#${id}\n`;
      type = 0;
    }
    if (!map.typeNames.has(type)) return `unknown type name: item#${id}\n`;
    return undefined;
  };
  const contained = new Set<number>();
  for (const b of map.buckets.values()) for (const item of b.items) contained.add(item);
  const roots: number[] = [];
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b !== undefined && !contained.has(b.id) && !isShadow(map, b.id)) roots.push(b.id);
  }
  roots.sort((a, b) => a - b);
  // CrushTreeDumper's order: depth first, children sorted by class and name
  const sortKey = (id: number): string => {
    if (id >= 0) {
      const c = map.classMap.get(id);
      return `${(c !== undefined ? map.classNames.get(c) : undefined) ?? ''}_osd.${String(id).padStart(8, '0')}`;
    }
    return `_${map.names.get(id) ?? ''}`;
  };
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const e = check(id);
      if (e !== undefined) return e;
      const b = id < 0 ? map.buckets.get(id) : undefined;
      if (b === undefined) continue;
      const byKey = new Map<string, number>();
      for (let k = b.items.length - 1; k >= 0; k--) byKey.set(sortKey(b.items[k]!), b.items[k]!);
      const sorted = [...byKey.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (let k = sorted.length - 1; k >= 0; k--) stack.push(sorted[k]![1]);
    }
  }
  return check(0);
}
