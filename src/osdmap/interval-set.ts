/**
 * `interval_set<snapid_t>`: a set of snap ids kept as disjoint, sorted
 * `[start, start+len)` runs. Pools carry removed snaps this way and the OSD
 * map queues removed/purged snaps per pool with it.
 */
import type { Decoder } from '../encoding/decoder.js';
import type { Encoder } from '../encoding/encoder.js';

/** One run of an interval set: `len` ids from `start`. */
export interface SnapInterval {
  start: bigint;
  len: bigint;
}

export class SnapIntervalSet {
  /** Sorted, disjoint, non-adjacent runs (adjacent runs are merged, as Ceph's insert does). */
  readonly runs: SnapInterval[];

  constructor(runs: SnapInterval[] = []) {
    this.runs = runs;
  }

  get empty(): boolean {
    return this.runs.length === 0;
  }

  /** Number of ids in the set. */
  get size(): bigint {
    return this.runs.reduce((n, r) => n + r.len, 0n);
  }

  clone(): SnapIntervalSet {
    return new SnapIntervalSet(this.runs.map((r) => ({ ...r })));
  }

  contains(id: bigint): boolean {
    return this.runs.some((r) => id >= r.start && id < r.start + r.len);
  }

  /** Add `[start, start+len)`, merging with overlapping or touching runs. */
  insert(start: bigint, len: bigint): void {
    if (len <= 0n) return;
    let lo = start;
    let hi = start + len;
    const kept: SnapInterval[] = [];
    for (const r of this.runs) {
      const rEnd = r.start + r.len;
      if (rEnd < lo || r.start > hi) kept.push(r);
      else {
        if (r.start < lo) lo = r.start;
        if (rEnd > hi) hi = rEnd;
      }
    }
    kept.push({ start: lo, len: hi - lo });
    kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.runs.splice(0, this.runs.length, ...kept);
  }

  /** `union_of`: add every run of `other`. */
  unionOf(other: SnapIntervalSet): void {
    for (const r of other.runs) this.insert(r.start, r.len);
  }

  /** `subtract`: remove every id of `other` (which Ceph requires to be a subset; here any overlap is removed). */
  subtract(other: SnapIntervalSet): void {
    let runs = this.runs.map((r) => ({ ...r }));
    for (const o of other.runs) {
      const oEnd = o.start + o.len;
      const next: SnapInterval[] = [];
      for (const r of runs) {
        const rEnd = r.start + r.len;
        if (rEnd <= o.start || r.start >= oEnd) {
          next.push(r);
          continue;
        }
        if (r.start < o.start) next.push({ start: r.start, len: o.start - r.start });
        if (rEnd > oEnd) next.push({ start: oEnd, len: rEnd - oEnd });
      }
      runs = next;
    }
    this.runs.splice(0, this.runs.length, ...runs);
  }

  /** `operator<<`: `[start~len,...]` with snap ids in hex, as snapid_t prints. */
  toString(): string {
    return `[${this.runs.map((r) => `${r.start.toString(16)}~${r.len.toString(16)}`).join(',')}]`;
  }
}

/** Encoded as a map<u64 start, u64 len>. */
export function encodeSnapIntervalSet(e: Encoder, s: SnapIntervalSet): void {
  e.u32(s.runs.length);
  for (const r of s.runs) e.u64(r.start).u64(r.len);
}

export function decodeSnapIntervalSet(d: Decoder): SnapIntervalSet {
  const n = d.u32();
  const runs: SnapInterval[] = [];
  for (let i = 0; i < n; i++) {
    const start = d.u64();
    const len = d.u64();
    runs.push({ start, len });
  }
  return new SnapIntervalSet(runs);
}

/** `map<int64_t pool, snap_interval_set_t>`, in pool order. */
export function encodePoolSnapSets(e: Encoder, m: Map<number, SnapIntervalSet>): void {
  const keys = [...m.keys()].sort((a, b) => a - b);
  e.u32(keys.length);
  for (const k of keys) {
    e.i64(k);
    encodeSnapIntervalSet(e, m.get(k)!);
  }
}

export function decodePoolSnapSets(d: Decoder): Map<number, SnapIntervalSet> {
  return d.map(
    (x) => x.i64Number(),
    (x) => decodeSnapIntervalSet(x),
  );
}
