/**
 * `crushtool --tree`: CrushWrapper::dump_tree's plain-text table
 * (CrushTreePlainDumper over Ceph's TextTable), shadow trees included.
 *
 *   ID  CLASS  WEIGHT  [one column per choose_args set]  TYPE NAME
 *
 * Roots in ascending id order, then depth first; a bucket's children are
 * visited sorted by (class, "osd.%08d") for devices and by name for buckets.
 */
import { formatFixed } from './format.js';
import { DEFAULT_CHOOSE_ARGS, bucketItemWeight, type CrushMap } from './types.js';
import { sortedEntries } from './codec.js';

/** weightf_t: "-" below -0.01, "0" below 1e-6, else %.5f of the float. */
function weightf(v: number): string {
  if (v < Math.fround(-0.01)) return '-';
  if (v < Math.fround(0.000001)) return '0';
  return formatFixed(v, 5);
}

interface TreeItem {
  id: number;
  parent: number;
  depth: number;
  weight: number;
}

/** The items in CrushTreeDumper order. */
export function crushTreeItems(map: CrushMap, showShadow = true): TreeItem[] {
  const contained = new Set<number>();
  for (const b of map.buckets.values()) for (const item of b.items) contained.add(item);
  const roots: number[] = [];
  for (let i = 0; i < map.maxBuckets; i++) {
    const b = map.buckets.get(-1 - i);
    if (b === undefined || contained.has(b.id)) continue;
    const name = map.names.get(b.id);
    if (!showShadow && name !== undefined && !/^[-_.0-9A-Za-z]+$/.test(name)) continue;
    roots.push(b.id);
  }
  roots.sort((a, b) => a - b);
  const sortKey = (id: number): string => {
    if (id >= 0) {
      const c = map.classMap.get(id);
      return `${(c !== undefined ? map.classNames.get(c) : undefined) ?? ''}_osd.${String(id).padStart(8, '0')}`;
    }
    return `_${map.names.get(id) ?? ''}`;
  };
  const out: TreeItem[] = [];
  for (const root of roots) {
    const rootBucket = map.buckets.get(root)!;
    const stack: TreeItem[] = [
      { id: root, parent: 0, depth: 0, weight: Math.fround(rootBucket.weight / 0x10000) },
    ];
    while (stack.length > 0) {
      const qi = stack.pop()!;
      out.push(qi);
      const b = qi.id < 0 ? map.buckets.get(qi.id) : undefined;
      if (b === undefined) continue;
      const sorted = new Map<string, TreeItem>();
      for (let k = b.items.length - 1; k >= 0; k--) {
        const id = b.items[k]!;
        const weight = Math.fround(Math.fround(bucketItemWeight(b, k) | 0) / 0x10000);
        sorted.set(sortKey(id), { id, parent: qi.id, depth: qi.depth + 1, weight });
      }
      const children = [...sorted.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]![1]);
    }
  }
  return out;
}

/** Ceph's TextTable: columns padded to their widest cell, joined by two spaces. */
function textTable(headers: { name: string; right: boolean }[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.name.length, ...rows.map((r) => r[i]!.length)));
  const pad = (s: string, w: number, right: boolean): string => (right ? s.padStart(w) : s.padEnd(w));
  const line = (cells: string[], header: boolean): string =>
    cells.map((c, i) => pad(c, widths[i]!, header ? false : headers[i]!.right)).join('  ') + '\n';
  return (
    line(
      headers.map((h) => h.name),
      true,
    ) + rows.map((r) => line(r, false)).join('')
  );
}

/** The text `crushtool --tree` prints. */
export function crushTreeText(map: CrushMap): string {
  const sets = sortedEntries(map.chooseArgs);
  const headers = [
    { name: 'ID', right: true },
    { name: 'CLASS', right: true },
    { name: 'WEIGHT', right: true },
    ...sets.map(([key]) => ({ name: key === DEFAULT_CHOOSE_ARGS ? '(compat)' : String(key), right: true })),
    { name: 'TYPE NAME', right: false },
  ];
  const rows = crushTreeItems(map).map((qi) => {
    const cls = map.classMap.get(qi.id);
    const row = [
      String(qi.id),
      (cls !== undefined ? map.classNames.get(cls) : undefined) ?? '',
      weightf(qi.weight),
    ];
    for (const [, args] of sets) {
      const parent = qi.parent < 0 ? map.buckets.get(qi.parent) : undefined;
      const ws = qi.parent < 0 ? args.get(qi.parent)?.weightSet[0] : undefined;
      if (parent !== undefined && ws !== undefined) {
        let pos = 0;
        while (pos < ws.length && parent.items[pos] !== qi.id) pos++;
        row.push(weightf(Math.fround(Math.fround(ws[pos] ?? 0) / 0x10000)));
      } else {
        row.push('');
      }
    }
    const indent = '    '.repeat(qi.depth);
    if (qi.id < 0) {
      const b = map.buckets.get(qi.id)!;
      row.push(`${indent}${map.typeNames.get(b.type) ?? ''} ${map.names.get(qi.id) ?? ''}`);
    } else {
      row.push(`${indent}osd.${qi.id}`);
    }
    return row;
  });
  return textTable(headers, rows);
}
