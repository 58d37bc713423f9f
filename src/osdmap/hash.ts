/**
 * The hashes that place objects: object name → 32-bit hash (`ceph_str_hash`,
 * `include/ceph_hash.h`), the stable modulo that folds a hash into `pg_num`
 * buckets so that growing `pg_num` only splits PGs, and the two-integer
 * Jenkins hash the OSD map uses to mix a pool id into a placement seed and to
 * draw primary-affinity lots.
 */

/** `CEPH_STR_HASH_*`: the per-pool object-name hash (`pg_pool_t::object_hash`). */
export const CephStrHash = {
  LINUX: 0x1,
  RJENKINS: 0x2,
} as const;
export type CephStrHash = (typeof CephStrHash)[keyof typeof CephStrHash];

/** `ceph_str_hash_name`: the name `pg_pool_t` prints for an object hash type. */
export function cephStrHashName(type: number): string {
  switch (type) {
    case CephStrHash.LINUX:
      return 'linux';
    case CephStrHash.RJENKINS:
      return 'rjenkins';
    default:
      return 'unknown';
  }
}

/** The three-word state Bob Jenkins' mixing step works on; kept in one array so the step can update it in place. */
type Mix = Uint32Array;

/** Bob Jenkins' 96-bit mix, the core of both the string hash and CRUSH's rjenkins1. */
function mix(s: Mix): void {
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 13)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 8)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 13)) >>> 0;
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 12)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 16)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 5)) >>> 0;
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 3)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 10)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 15)) >>> 0;
  s[0] = a;
  s[1] = b;
  s[2] = c;
}

function toBytes(s: Uint8Array | string): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
}

/** A little-endian u32 from up to four bytes of `k` at `at` (missing bytes are zero). */
function le32(k: Uint8Array, at: number): number {
  return (k[at]! | (k[at + 1]! << 8) | (k[at + 2]! << 16) | (k[at + 3]! << 24)) >>> 0;
}

/**
 * `ceph_str_hash_rjenkins`: Jenkins' lookup2 over the bytes, twelve at a
 * time, with the total length folded into the last block. The default object
 * hash of every pool.
 */
export function cephStrHashRjenkins(input: Uint8Array | string): number {
  const k = toBytes(input);
  const length = k.length;
  const s: Mix = new Uint32Array([0x9e3779b9, 0x9e3779b9, 0]);
  let at = 0;
  let len = length;
  while (len >= 12) {
    s[0] = s[0]! + le32(k, at);
    s[1] = s[1]! + le32(k, at + 4);
    s[2] = s[2]! + le32(k, at + 8);
    mix(s);
    at += 12;
    len -= 12;
  }
  // The tail: the low byte of c is reserved for the length, so c takes bytes 8..10 shifted up by one.
  s[2] = s[2]! + length;
  const byte = (i: number): number => (i < len ? k[at + i]! : 0);
  s[2] = s[2]! + ((byte(10) << 24) >>> 0) + (byte(9) << 16) + (byte(8) << 8);
  s[1] = s[1]! + ((byte(7) << 24) >>> 0) + (byte(6) << 16) + (byte(5) << 8) + byte(4);
  s[0] = s[0]! + ((byte(3) << 24) >>> 0) + (byte(2) << 16) + (byte(1) << 8) + byte(0);
  mix(s);
  return s[2]!;
}

/** `ceph_str_hash_linux`: the dcache name hash (`(h + (c<<4) + (c>>4)) * 11`), truncated to 32 bits. */
export function cephStrHashLinux(input: Uint8Array | string): number {
  const k = toBytes(input);
  let hash = 0;
  for (const c of k) hash = Math.imul((hash + (c << 4) + (c >> 4)) >>> 0, 11) >>> 0;
  return hash;
}

/** `ceph_str_hash(type, s)`: dispatch on the pool's hash type; an unknown type hashes to -1 (0xffffffff) as Ceph does. */
export function cephStrHash(type: number, input: Uint8Array | string): number {
  switch (type) {
    case CephStrHash.LINUX:
      return cephStrHashLinux(input);
    case CephStrHash.RJENKINS:
      return cephStrHashRjenkins(input);
    default:
      return 0xffffffff;
  }
}

/**
 * `ceph_stable_mod(x, b, bmask)`: `x mod b` such that raising `b` towards the
 * next power of two only moves values whose low bits select the new buckets —
 * the property that makes PG splits local. `bmask` is the next power of two
 * minus one.
 */
export function cephStableMod(x: number, b: number, bmask: number): number {
  // Ceph's arguments are C ints: a pg_num of 2^31 or more compares as negative
  const low = x & bmask;
  return (low < (b | 0) ? low : x & ((bmask | 0) >> 1)) >>> 0;
}

/** `cbits(v)`: the number of significant bits of a u32 (0 for 0). */
export function cbits(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v >>> 0);
}
