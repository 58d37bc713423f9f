/**
 * `OSDMap::print_tree` in plain text (`osdmaptool --tree`, `ceph osd tree`):
 * CrushTreeDumper's walk (non-shadow roots in id order, children sorted by
 * class and name) plus OSDs that exist but sit in no bucket, laid out by
 * Ceph's TextTable (columns two spaces apart, each padded to its width).
 */
import { Formatter } from '../common/formatter.js';
import {
  bucketItemWeight,
  crushFindRoots,
  crushItemClass,
  DEFAULT_CHOOSE_ARGS,
  formatFixed,
  isValidCrushName,
  type CrushMap,
} from '../crush/index.js';
import { compareBytes } from './constants.js';
import type { OSDMap } from './osdmap.js';

/** `operator<<(weightf_t)`: `-` for negative, `0` for ~0, else five decimals. */
function formatWeightf(v: number): string {
  const f = Math.fround(v);
  if (f < Math.fround(-0.01)) return '-';
  if (f < Math.fround(0.000001)) return '0';
  return formatFixed(f, 5); // printf rounding: exact ties go to even (0.828125 → 0.82812)
}

interface Item {
  id: number;
  depth: number;
  weight: number;
}

/** One TextTable column: heading, alignment of heading and cells, width. */
interface Column {
  heading: string;
  headingRight: boolean;
  cellRight: boolean;
  width: number;
}

function pad(s: string, width: number, right: boolean): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

function renderTable(cols: Column[], rows: string[][]): string {
  for (const r of rows) r.forEach((cell, i) => (cols[i]!.width = Math.max(cols[i]!.width, cell.length)));
  let out = cols.map((c) => pad(c.heading, c.width, c.headingRight)).join('  ') + '\n';
  for (const r of rows) {
    const cells = cols.map((c, i) => pad(r[i] ?? '', c.width, c.cellRight));
    out += cells.join('  ') + '\n';
  }
  return out;
}

function bucketWeightf(c: CrushMap, id: number): number {
  return Math.fround(Math.fround(c.buckets.get(id)?.weight ?? 0) / 0x10000);
}

/** CrushTreeDumper::Dumper::next over every non-shadow root: items in print order. */
function walk(c: CrushMap): Item[] {
  const roots = crushFindRoots(c).filter((id) => {
    const name = c.names.get(id);
    return name === undefined || isValidCrushName(name);
  });
  const out: Item[] = [];
  const visit = (item: Item): void => {
    out.push(item);
    const b = c.buckets.get(item.id);
    if (item.id >= 0 || !b) return;
    const children: { key: string; id: number; weight: number }[] = [];
    for (let k = b.items.length - 1; k >= 0; k--) {
      const id = b.items[k]!;
      const key =
        id >= 0
          ? `${crushItemClass(c, id) ?? ''}_osd.${String(id).padStart(8, '0')}`
          : `_${c.names.get(id) ?? ''}`;
      // crush_get_bucket_item_weight hands the u32 back as an int
      const weight = Math.fround(Math.fround(bucketItemWeight(b, k) | 0) / 0x10000);
      const existing = children.findIndex((x) => x.key === key);
      if (existing >= 0) children[existing] = { key, id, weight };
      else children.push({ key, id, weight });
    }
    children.sort((a, b2) => compareBytes(a.key, b2.key));
    for (const ch of children) visit({ id: ch.id, depth: item.depth + 1, weight: ch.weight });
  };
  for (const r of roots) visit({ id: r, depth: 0, weight: bucketWeightf(c, r) });
  return out;
}

/** `OSDMap::print_tree(nullptr, &out)`: the plain table. */
export function printOsdTree(map: OSDMap): string {
  const c = map.crush;
  const cols: Column[] = [
    { heading: 'ID', headingRight: false, cellRight: true, width: 2 },
    { heading: 'CLASS', headingRight: false, cellRight: true, width: 5 },
    { heading: 'WEIGHT', headingRight: false, cellRight: true, width: 6 },
    { heading: 'TYPE NAME', headingRight: false, cellRight: false, width: 9 },
    { heading: 'STATUS', headingRight: false, cellRight: true, width: 6 },
    { heading: 'REWEIGHT', headingRight: false, cellRight: true, width: 8 },
    { heading: 'PRI-AFF', headingRight: false, cellRight: true, width: 7 },
  ];
  const rows: string[][] = [];
  const touched = new Set<number>();
  const row = (item: Item): void => {
    const name =
      ' '.repeat(4 * item.depth) +
      (item.id < 0
        ? `${c.typeNames.get(c.buckets.get(item.id)?.type ?? -1) ?? ''} ${c.names.get(item.id) ?? ''}`
        : `osd.${item.id}`);
    const cells = [String(item.id), crushItemClass(c, item.id) ?? '', formatWeightf(item.weight), name];
    if (item.id >= 0) {
      if (!map.exists(item.id)) cells.push('DNE', '0');
      else {
        const status = map.isUp(item.id) ? 'up' : map.isDestroyed(item.id) ? 'destroyed' : 'down';
        cells.push(
          status,
          formatWeightf(map.getWeightf(item.id)),
          formatWeightf(map.getPrimaryAffinityf(item.id)),
        );
      }
    }
    rows.push(cells);
  };
  for (const item of walk(c)) {
    touched.add(item.id);
    row(item);
  }
  for (let i = 0; i < map.maxOsd; i++) {
    if (map.exists(i) && !touched.has(i)) row({ id: i, depth: 0, weight: 0 });
  }
  return renderTable(cols, rows);
}

/** `CrushTreeDumper::dump_item_fields` + the OSD fields of `OSDTreeFormattingDumper`. */
function dumpTreeItem(
  f: Formatter,
  map: OSDMap,
  item: Item & { parent: number; children: number[] },
  chooseArgNames: Map<number, string>,
): void {
  const c = map.crush;
  f.openObjectSection('item');
  f.dumpInt('id', item.id);
  const cls = crushItemClass(c, item.id);
  if (cls !== undefined) f.dumpString('device_class', cls);
  if (item.id < 0) {
    const type = c.buckets.get(item.id)?.type ?? 0;
    f.dumpString('name', c.names.get(item.id) ?? '');
    f.dumpString('type', c.typeNames.get(type) ?? '');
    f.dumpInt('type_id', type);
  } else {
    f.dumpString('name', `osd.${item.id}`);
    f.dumpString('type', c.typeNames.get(0) ?? '');
    f.dumpInt('type_id', 0);
    f.dumpFloat('crush_weight', item.weight);
    f.dumpUnsigned('depth', item.depth);
  }
  if (item.parent < 0) {
    f.openObjectSection('pool_weights');
    const parent = c.buckets.get(item.parent);
    for (const id of [...c.chooseArgs.keys()].sort((a, b) => a - b)) {
      const arg = c.chooseArgs.get(id)!.get(item.parent);
      if (!parent || !arg || arg.weightSet.length < 1) continue;
      let pos = 0;
      while (pos < arg.weightSet[0]!.length && parent.items[pos] !== item.id) pos++;
      const name = id === DEFAULT_CHOOSE_ARGS ? '(compat)' : (chooseArgNames.get(id) ?? String(id));
      const w = (set: number[]): number => Math.fround(Math.fround(set[pos] ?? 0) / 0x10000);
      // Pacific dumps every weight set as an array, one entry per position
      f.array(name, () => arg.weightSet.forEach((s) => f.dumpFloat('pos', w(s))));
    }
    f.closeSection();
  }
  if (item.id >= 0) {
    const status = map.isUp(item.id) ? 'up' : map.isDestroyed(item.id) ? 'destroyed' : 'down';
    f.dumpUnsigned('exists', map.exists(item.id) ? 1 : 0);
    f.dumpString('status', status);
    f.dumpFloat('reweight', map.getWeightf(item.id));
    f.dumpFloat('primary_affinity', map.getPrimaryAffinityf(item.id));
  } else {
    f.array('children', () => item.children.forEach((ch) => f.dumpInt('child', ch)));
  }
  f.closeSection();
}

/**
 * `OSDMap::print_tree(f, nullptr)` as osdmaptool prints it: `{"nodes":[...],"stray":[...]}`
 * in the given format (json, json-pretty, xml, xml-pretty), followed by a newline.
 */
export function printOsdTreeFormatted(map: OSDMap, format: string): string {
  const f = Formatter.create(format, 'json');
  const c = map.crush;
  const names = new Map<number, string>();
  for (const [id, name] of map.poolNames) names.set(id, name);
  f.openObjectSection('tree');
  f.openArraySection('nodes');
  const touched = new Set<number>();
  for (const item of walkWithParents(c)) {
    touched.add(item.id);
    dumpTreeItem(f, map, item, names);
  }
  f.closeSection();
  f.openArraySection('stray');
  for (let i = 0; i < map.maxOsd; i++) {
    if (map.exists(i) && !touched.has(i))
      dumpTreeItem(f, map, { id: i, depth: 0, weight: 0, parent: 0, children: [] }, names);
  }
  f.closeSection();
  f.closeSection();
  return f.flush() + '\n';
}

/** The walk of `walk`, with each item's parent and its children in dump order. */
function walkWithParents(c: CrushMap): (Item & { parent: number; children: number[] })[] {
  const items = walk(c);
  const out: (Item & { parent: number; children: number[] })[] = [];
  const stack: { id: number; depth: number }[] = [];
  for (const it of items) {
    while (stack.length && stack[stack.length - 1]!.depth >= it.depth) stack.pop();
    const parent = stack.length ? stack[stack.length - 1]!.id : 0;
    const node = { ...it, parent, children: [] as number[] };
    const b = c.buckets.get(it.id);
    out.push(node);
    if (it.id < 0 && b) stack.push({ id: it.id, depth: it.depth });
    const parentNode = [...out].reverse().find((x) => x.id === parent && x !== node);
    if (parentNode) parentNode.children.unshift(it.id);
  }
  return out;
}
