/**
 * CRUSH's hash: Robert Jenkins' 96-bit mix over 32-bit words (hash.c,
 * CRUSH_HASH_RJENKINS1). Inputs are taken as u32 (negative bucket ids wrap
 * the way C's casts do); results are u32.
 */
import { CRUSH_HASH_RJENKINS1 } from './types.js';

const SEED = 1315423911;
const X0 = 231232;
const Y0 = 1232;

// The mix runs on three u32 registers; a closure-free state object keeps it fast.
let ra = 0;
let rb = 0;
let rc = 0;

/** One round of Jenkins' mix over (ra, rb, rc); rc is the running hash. */
function mix(): void {
  let a = ra;
  let b = rb;
  let c = rc;
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
  ra = a;
  rb = b;
  rc = c;
}

/** crush_hash32 (one word). */
export function crushHash32(type: number, a: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  ra = a; // b = a
  rb = X0;
  rc = (SEED ^ a) >>> 0;
  mix(); // (b, x)
  ra = Y0;
  rb = a;
  mix(); // (y, a)
  return rc;
}

/** crush_hash32_2: used by is_out and by pool-salted inputs. */
export function crushHash32_2(type: number, a: number, b: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  rc = (SEED ^ a ^ b) >>> 0;
  ra = a;
  rb = b;
  mix(); // (a, b)
  a = ra;
  b = rb;
  ra = X0;
  rb = a;
  mix(); // (x, a)
  ra = b;
  rb = Y0;
  mix(); // (b, y)
  return rc;
}

/** crush_hash32_3: straw, straw2 and the uniform permutation. */
export function crushHash32_3(type: number, a: number, b: number, c: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  rc = (SEED ^ a ^ b ^ c) >>> 0;
  ra = a;
  rb = b;
  mix(); // (a, b)
  a = ra;
  b = rb;
  ra = c;
  rb = X0;
  mix(); // (c, x)
  c = ra;
  const x = rb;
  ra = Y0;
  rb = a;
  mix(); // (y, a)
  const y = ra;
  ra = b;
  rb = x;
  mix(); // (b, x)
  ra = y;
  rb = c;
  mix(); // (y, c)
  return rc;
}

/** crush_hash32_4: list and tree buckets. */
export function crushHash32_4(type: number, a: number, b: number, c: number, d: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  d >>>= 0;
  rc = (SEED ^ a ^ b ^ c ^ d) >>> 0;
  ra = a;
  rb = b;
  mix(); // (a, b)
  a = ra;
  b = rb;
  ra = c;
  rb = d;
  mix(); // (c, d)
  c = ra;
  d = rb;
  ra = a;
  rb = X0;
  mix(); // (a, x)
  let x = rb;
  ra = Y0;
  rb = b;
  mix(); // (y, b)
  const y = ra;
  ra = c;
  rb = x;
  mix(); // (c, x)
  x = rb;
  ra = y;
  rb = d;
  mix(); // (y, d)
  return rc;
}

/** crush_hash32_5 (not used by the mapper; hash.h has it). */
export function crushHash32_5(type: number, a: number, b: number, c: number, d: number, e: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  d >>>= 0;
  e >>>= 0;
  rc = (SEED ^ a ^ b ^ c ^ d ^ e) >>> 0;
  ra = a;
  rb = b;
  mix(); // (a, b)
  a = ra;
  b = rb;
  ra = c;
  rb = d;
  mix(); // (c, d)
  c = ra;
  d = rb;
  ra = e;
  rb = X0;
  mix(); // (e, x)
  e = ra;
  let x = rb;
  ra = Y0;
  rb = a;
  mix(); // (y, a)
  let y = ra;
  ra = b;
  rb = x;
  mix(); // (b, x)
  x = rb;
  ra = y;
  rb = c;
  mix(); // (y, c)
  y = ra;
  ra = d;
  rb = x;
  mix(); // (d, x)
  ra = y;
  rb = e;
  mix(); // (y, e)
  return rc;
}
