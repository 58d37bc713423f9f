/**
 * The bitwise sort order of `hobject_t` (`cmp()` in hobject.cc), which OSDs
 * use for backoff ranges and listing cursors: max last, then pool, then the
 * bit-reversed hash, namespace, effective key, name and snap.
 */
import type { HObject } from '../../encoding/osd-types.js';
import { compareBytes } from '../../osdmap/index.js';

/** `hobject_t::get_bitwise_key_u32`: the hash with its bits reversed (PG children sort together). */
export function reverseBits32(v: number): number {
  let x = v >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  x = (x >>> 16) | (x << 16);
  return x >>> 0;
}

const cmp = <T extends number | bigint | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareHObjects(l: HObject, r: HObject): number {
  if (l.max !== r.max) return l.max ? 1 : -1;
  return (
    cmp(l.pool, r.pool) ||
    cmp(reverseBits32(l.hash), reverseBits32(r.hash)) ||
    compareBytes(l.nspace, r.nspace) ||
    compareBytes(l.key || l.oid, r.key || r.oid) ||
    compareBytes(l.oid, r.oid) ||
    cmp(l.snap, r.snap)
  );
}
