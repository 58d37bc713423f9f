/**
 * CRUSH's hash: Robert Jenkins' 96-bit mix over 32-bit words (hash.c,
 * CRUSH_HASH_RJENKINS1). Inputs are taken as u32 (negative bucket ids wrap
 * the way C's casts do); results are u32.
 */
import { CRUSH_HASH_RJENKINS1 } from './types.js';

const SEED = 1315423911;
const X0 = 231232;
const Y0 = 1232;

// The mix runs on three 32-bit registers kept in a typed array: V8 optimizes
// this far better than module-level variables, and no call allocates.
const R = new Int32Array(3);

/**
 * One round of Jenkins' mix over (R[0], R[1], R[2]); R[2] is the running
 * hash. Values stay int32: each subtraction is exact in a double and the
 * following XOR wraps it to 32 bits, and >>> shifts see the unsigned value.
 */
function mix(): void {
  let a = R[0]!;
  let b = R[1]!;
  let c = R[2]!;
  a = (a - b - c) ^ (c >>> 13);
  b = (b - c - a) ^ (a << 8);
  c = (c - a - b) ^ (b >>> 13);
  a = (a - b - c) ^ (c >>> 12);
  b = (b - c - a) ^ (a << 16);
  c = (c - a - b) ^ (b >>> 5);
  a = (a - b - c) ^ (c >>> 3);
  b = (b - c - a) ^ (a << 10);
  c = (c - a - b) ^ (b >>> 15);
  R[0] = a;
  R[1] = b;
  R[2] = c;
}

/** crush_hash32 (one word). */
export function crushHash32(type: number, a: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  R[0] = a; // b = a
  R[1] = X0;
  R[2] = (SEED ^ a) >>> 0;
  mix(); // (b, x)
  R[0] = Y0;
  R[1] = a;
  mix(); // (y, a)
  return R[2]! >>> 0;
}

/** crush_hash32_2: used by is_out and by pool-salted inputs. */
export function crushHash32_2(type: number, a: number, b: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  R[2] = (SEED ^ a ^ b) >>> 0;
  R[0] = a;
  R[1] = b;
  mix(); // (a, b)
  a = R[0]!;
  b = R[1]!;
  R[0] = X0;
  R[1] = a;
  mix(); // (x, a)
  R[0] = b;
  R[1] = Y0;
  mix(); // (b, y)
  return R[2]! >>> 0;
}

/** crush_hash32_3: straw, straw2 and the uniform permutation. */
export function crushHash32_3(type: number, a: number, b: number, c: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  R[2] = (SEED ^ a ^ b ^ c) >>> 0;
  R[0] = a;
  R[1] = b;
  mix(); // (a, b)
  a = R[0]!;
  b = R[1]!;
  R[0] = c;
  R[1] = X0;
  mix(); // (c, x)
  c = R[0]!;
  const x = R[1]!;
  R[0] = Y0;
  R[1] = a;
  mix(); // (y, a)
  const y = R[0]!;
  R[0] = b;
  R[1] = x;
  mix(); // (b, x)
  R[0] = y;
  R[1] = c;
  mix(); // (y, c)
  return R[2]! >>> 0;
}

/** crush_hash32_4: list and tree buckets. */
export function crushHash32_4(type: number, a: number, b: number, c: number, d: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  d >>>= 0;
  R[2] = (SEED ^ a ^ b ^ c ^ d) >>> 0;
  R[0] = a;
  R[1] = b;
  mix(); // (a, b)
  a = R[0]!;
  b = R[1]!;
  R[0] = c;
  R[1] = d;
  mix(); // (c, d)
  c = R[0]!;
  d = R[1]!;
  R[0] = a;
  R[1] = X0;
  mix(); // (a, x)
  let x = R[1]!;
  R[0] = Y0;
  R[1] = b;
  mix(); // (y, b)
  const y = R[0]!;
  R[0] = c;
  R[1] = x;
  mix(); // (c, x)
  x = R[1]!;
  R[0] = y;
  R[1] = d;
  mix(); // (y, d)
  return R[2]! >>> 0;
}

/** crush_hash32_5 (not used by the mapper; hash.h has it). */
export function crushHash32_5(type: number, a: number, b: number, c: number, d: number, e: number): number {
  if (type !== CRUSH_HASH_RJENKINS1) return 0;
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  d >>>= 0;
  e >>>= 0;
  R[2] = (SEED ^ a ^ b ^ c ^ d ^ e) >>> 0;
  R[0] = a;
  R[1] = b;
  mix(); // (a, b)
  a = R[0]!;
  b = R[1]!;
  R[0] = c;
  R[1] = d;
  mix(); // (c, d)
  c = R[0]!;
  d = R[1]!;
  R[0] = e;
  R[1] = X0;
  mix(); // (e, x)
  e = R[0]!;
  let x = R[1]!;
  R[0] = Y0;
  R[1] = a;
  mix(); // (y, a)
  let y = R[0]!;
  R[0] = b;
  R[1] = x;
  mix(); // (b, x)
  x = R[1]!;
  R[0] = y;
  R[1] = c;
  mix(); // (y, c)
  y = R[0]!;
  R[0] = d;
  R[1] = x;
  mix(); // (d, x)
  R[0] = y;
  R[1] = e;
  mix(); // (y, e)
  return R[2]! >>> 0;
}
