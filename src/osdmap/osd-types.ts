/**
 * The per-OSD records and keyed containers the OSD map and its incrementals
 * share: `osd_info_t`, `osd_xinfo_t`, maps keyed by `pg_t` (kept in `pg_t`
 * order as Ceph's std::map is), address-keyed blocklists with
 * `entity_addr_t`'s memcmp order, and the float fields.
 */
import type { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import { decodePgId, encodePgId, type PgId } from '../encoding/osd-types.js';
import {
  decodeEntityAddr,
  decodeEntityAddrVec,
  decodeUTime,
  encodeEntityAddr,
  encodeEntityAddrVec,
  encodeUTime,
  type EntityAddr,
  type EntityAddrVec,
  type UTime,
} from '../encoding/types.js';
import { compareBytes } from './constants.js';

// ---------------------------------------------------------------------------
// osd_info_t / osd_xinfo_t

/** `osd_info_t`: an OSD's interval history as the monitor records it. */
export interface OsdInfo {
  /** `epoch_t last_clean_begin`: start of the last interval that ended cleanly. */
  lastCleanBegin: number;
  /** `epoch_t last_clean_end`. */
  lastCleanEnd: number;
  /** `epoch_t up_from`: epoch the OSD last came up. */
  upFrom: number;
  /** `epoch_t up_thru`: last epoch the OSD asked to be considered alive through. */
  upThru: number;
  /** `epoch_t down_at`: epoch it last went down. */
  downAt: number;
  /** `epoch_t lost_at`: epoch it was declared lost (0 if never). */
  lostAt: number;
}

export function emptyOsdInfo(): OsdInfo {
  return { lastCleanBegin: 0, lastCleanEnd: 0, upFrom: 0, upThru: 0, downAt: 0, lostAt: 0 };
}

/** `osd_info_t::encode`: u8 struct_v 1 then six epochs (no envelope). */
export function encodeOsdInfo(e: Encoder, i: OsdInfo): void {
  e.u8(1).u32(i.lastCleanBegin).u32(i.lastCleanEnd).u32(i.upFrom).u32(i.upThru).u32(i.downAt);
  e.u32(i.lostAt);
}

export function decodeOsdInfo(d: Decoder): OsdInfo {
  d.u8(); // struct_v
  return {
    lastCleanBegin: d.u32(),
    lastCleanEnd: d.u32(),
    upFrom: d.u32(),
    upThru: d.u32(),
    downAt: d.u32(),
    lostAt: d.u32(),
  };
}

/** `operator<<(osd_info_t)`: what `OSDMap::print` shows for each OSD. */
export function formatOsdInfo(i: OsdInfo): string {
  let out =
    `up_from ${i.upFrom} up_thru ${i.upThru} down_at ${i.downAt}` +
    ` last_clean_interval [${i.lastCleanBegin},${i.lastCleanEnd})`;
  if (i.lostAt) out += ` lost_at ${i.lostAt}`;
  return out;
}

/** `osd_xinfo_t`: extended per-OSD state (laggy estimates, features). */
export interface OsdXInfo {
  /** `utime_t down_stamp`: when it was last marked down. */
  downStamp: UTime;
  /** The u32 fixed-point laggy probability as encoded (probability × 0xffffffff); kept raw for an exact round trip. */
  laggyProbabilityRaw: number;
  /** `__u32 laggy_interval` (seconds). */
  laggyInterval: number;
  /** `uint64_t features`: the OSD's connection features. */
  features: bigint;
  /** `__u32 old_weight`: weight before an automatic mark-out. */
  oldWeight: number;
  /** `utime_t last_purged_snaps_scrub`. */
  lastPurgedSnapsScrub: UTime;
  /** `epoch_t dead_epoch`: last epoch the OSD was known dead. */
  deadEpoch: number;
}

export function emptyOsdXInfo(): OsdXInfo {
  return {
    downStamp: { sec: 0, nsec: 0 },
    laggyProbabilityRaw: 0,
    laggyInterval: 0,
    features: 0n,
    oldWeight: 0,
    lastPurgedSnapsScrub: { sec: 0, nsec: 0 },
    deadEpoch: 0,
  };
}

/** `osd_xinfo_t::encode` with Octopus+ features: ENCODE_START(4, 1). */
export function encodeOsdXInfo(e: Encoder, x: OsdXInfo): void {
  e.struct(4, 1, (b) => {
    encodeUTime(b, x.downStamp);
    b.u32(x.laggyProbabilityRaw).u32(x.laggyInterval).u64(x.features).u32(x.oldWeight);
    encodeUTime(b, x.lastPurgedSnapsScrub);
    b.u32(x.deadEpoch);
  });
}

export function decodeOsdXInfo(d: Decoder): OsdXInfo {
  return d.struct('osd_xinfo_t', 4, (b, v) => {
    const x = emptyOsdXInfo();
    x.downStamp = decodeUTime(b);
    x.laggyProbabilityRaw = b.u32();
    x.laggyInterval = b.u32();
    if (v >= 2) x.features = b.u64();
    if (v >= 3) x.oldWeight = b.u32();
    if (v >= 4) {
      x.lastPurgedSnapsScrub = decodeUTime(b);
      x.deadEpoch = b.u32();
    }
    return x;
  });
}

// ---------------------------------------------------------------------------
// floats

/** A C `float` (IEEE single, little-endian). */
export function decodeFloat(d: Decoder): number {
  return d.bytes(4).readFloatLE(0);
}

export function encodeFloat(e: Encoder, v: number): void {
  const b = Buffer.allocUnsafe(4);
  b.writeFloatLE(v, 0);
  e.bytes(b);
}

// ---------------------------------------------------------------------------
// pg_t-keyed maps

/** `pg_t` order: pool, then seed. */
export function comparePgIds(a: PgId, b: PgId): number {
  return a.pool !== b.pool ? a.pool - b.pool : a.seed - b.seed;
}

function pgKey(pg: PgId): string {
  return `${pg.pool}.${pg.seed}`;
}

/** A `std::map<pg_t, V>`: keyed by value, iterated in pg_t order. */
export class PgMap<V> {
  private readonly m = new Map<string, { pg: PgId; value: V }>();

  get size(): number {
    return this.m.size;
  }

  get(pg: PgId): V | undefined {
    return this.m.get(pgKey(pg))?.value;
  }

  has(pg: PgId): boolean {
    return this.m.has(pgKey(pg));
  }

  set(pg: PgId, value: V): void {
    this.m.set(pgKey(pg), { pg: { pool: pg.pool, seed: pg.seed }, value });
  }

  delete(pg: PgId): boolean {
    return this.m.delete(pgKey(pg));
  }

  clear(): void {
    this.m.clear();
  }

  /** Entries in pg_t order. */
  entries(): [PgId, V][] {
    return [...this.m.values()].sort((a, b) => comparePgIds(a.pg, b.pg)).map((x) => [x.pg, x.value]);
  }

  keys(): PgId[] {
    return this.entries().map(([pg]) => pg);
  }

  clone(copy: (v: V) => V): PgMap<V> {
    const out = new PgMap<V>();
    for (const { pg, value } of this.m.values()) out.set(pg, copy(value));
    return out;
  }
}

export function encodePgMap<V>(e: Encoder, m: PgMap<V>, value: (e: Encoder, v: V) => void): void {
  const entries = m.entries();
  e.u32(entries.length);
  for (const [pg, v] of entries) {
    encodePgId(e, pg);
    value(e, v);
  }
}

export function decodePgMap<V>(d: Decoder, value: (d: Decoder) => V): PgMap<V> {
  const n = d.u32();
  const out = new PgMap<V>();
  for (let i = 0; i < n; i++) {
    const pg = decodePgId(d);
    out.set(pg, value(d));
  }
  return out;
}

/** `set<pg_t>`. */
export function encodePgSet(e: Encoder, pgs: PgId[]): void {
  const sorted = [...pgs].sort(comparePgIds);
  e.u32(sorted.length);
  for (const pg of sorted) encodePgId(e, pg);
}

export function decodePgSet(d: Decoder): PgId[] {
  return d.list(decodePgId);
}

export const encodeI32Vector = (e: Encoder, v: readonly number[]): void => {
  e.list(v, (x, n) => x.i32(n));
};
export const decodeI32Vector = (d: Decoder): number[] => d.list((x) => x.i32());

/** `vector<pair<int32,int32>>` (pg_upmap_items). */
export function encodeI32PairVector(e: Encoder, v: readonly [number, number][]): void {
  e.u32(v.length);
  for (const [a, b] of v) e.i32(a).i32(b);
}

export function decodeI32PairVector(d: Decoder): [number, number][] {
  return d.list((x) => [x.i32(), x.i32()] as [number, number]);
}

// ---------------------------------------------------------------------------
// integer-keyed maps

/** `map<int32, V>` in key order. */
export function encodeI32Map<V>(e: Encoder, m: Map<number, V>, value: (e: Encoder, v: V) => void): void {
  const keys = [...m.keys()].sort((a, b) => a - b);
  e.u32(keys.length);
  for (const k of keys) {
    e.i32(k);
    value(e, m.get(k)!);
  }
}

export function decodeI32Map<V>(d: Decoder, value: (d: Decoder) => V): Map<number, V> {
  return d.map((x) => x.i32(), value);
}

/** `map<string, map<string,string>>` (erasure code profiles). */
export function encodeProfiles(e: Encoder, m: Map<string, Map<string, string>>): void {
  const keys = [...m.keys()].sort(compareBytes);
  e.u32(keys.length);
  for (const k of keys) {
    e.string(k);
    const inner = m.get(k)!;
    const ik = [...inner.keys()].sort(compareBytes);
    e.u32(ik.length);
    for (const j of ik) e.string(j).string(inner.get(j)!);
  }
}

export function decodeProfiles(d: Decoder): Map<string, Map<string, string>> {
  return d.map(
    (x) => x.string(),
    (x) =>
      x.map(
        (y) => y.string(),
        (y) => y.string(),
      ),
  );
}

// ---------------------------------------------------------------------------
// addresses

export { decodeEntityAddrVec, encodeEntityAddrVec };

const AF_INET = 2;
const AF_INET6 = 10;

/**
 * The in-memory bytes of an `entity_addr_t` (type, nonce, 28-byte sockaddr
 * union): what its `operator<` memcmps and its std::hash folds.
 */
export function addrMemoryImage(a: EntityAddr): Buffer {
  const img = Buffer.alloc(36);
  img.writeUInt32LE(a.type >>> 0, 0);
  img.writeUInt32LE(a.nonce >>> 0, 4);
  img.writeUInt16LE(a.family, 8);
  if (a.family === AF_INET || a.family === AF_INET6) img.writeUInt16BE(a.port, 10);
  if (a.family === AF_INET) {
    const parts = a.ip.split('.').map(Number);
    for (let i = 0; i < 4; i++) img[12 + i] = parts[i] ?? 0;
  } else if (a.family === AF_INET6) {
    // reuse the codec's IPv6 parsing: encode and copy the address bytes out of the sockaddr
    const e = new Encoder(64);
    encodeEntityAddr(e, a);
    const enc = e.finish();
    // marker(1) + envelope(6) + type(4) + nonce(4) + len(4) = 19: sockaddr starts there
    enc.copy(img, 8, 19, 19 + 28);
  }
  return img;
}

/** `entity_addr_t::operator<` (memcmp of the in-memory struct). */
export function compareAddrs(a: EntityAddr, b: EntityAddr): number {
  return Buffer.compare(addrMemoryImage(a), addrMemoryImage(b));
}

export function addrsEqual(a: EntityAddr, b: EntityAddr): boolean {
  return compareAddrs(a, b) === 0;
}

/** One blocklist entry: an address and when its blocklisting expires. */
export interface BlocklistEntry {
  addr: EntityAddr;
  expires: UTime;
}

/** `map<entity_addr_t, utime_t>` in memcmp order (Ceph sorts the unordered blocklist before encoding). */
export function encodeBlocklist(e: Encoder, entries: readonly BlocklistEntry[]): void {
  const sorted = [...entries].sort((a, b) => compareAddrs(a.addr, b.addr));
  e.u32(sorted.length);
  for (const x of sorted) {
    encodeEntityAddr(e, x.addr);
    encodeUTime(e, x.expires);
  }
}

export function decodeBlocklist(d: Decoder): BlocklistEntry[] {
  return d.list((x) => ({ addr: decodeEntityAddr(x), expires: decodeUTime(x) }));
}

/** `vector<entity_addr_t>` (old_blocklist). */
export function encodeAddrList(e: Encoder, addrs: readonly EntityAddr[]): void {
  e.list(addrs, encodeEntityAddr);
}

export function decodeAddrList(d: Decoder): EntityAddr[] {
  return d.list(decodeEntityAddr);
}

export type { EntityAddrVec };
