/**
 * `OSDMap::print_tree` in plain text (`osdmaptool --tree`, `ceph osd tree`):
 * CrushTreeDumper's walk (non-shadow roots in id order, children sorted by
 * class and name) plus OSDs that exist but sit in no bucket, laid out by
 * Ceph's TextTable (columns two spaces apart, each padded to its width).
 */
import {
  bucketItemWeight,
  crushFindRoots,
  crushItemClass,
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
  return f.toFixed(5);
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
      const weight = Math.fround(Math.fround(bucketItemWeight(b, k)) / 0x10000);
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
