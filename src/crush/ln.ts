/**
 * crush_ln: 2^44 * log2(x + 1) for x in [0, 0xffff], in fixed point, exactly
 * as mapper.c computes it from its two lookup tables. straw2 feeds it the low
 * 16 bits of a hash, so the whole function is a 65536-entry table, filled on
 * first use. Every value is below 2^49, so doubles hold them exactly.
 */
import { LL_TABLE, RH_LH_TABLE } from './ln-table.js';

const TWO24 = 0x1000000;
const TWO48 = 0x1000000000000;

/** Bits 48..55 of the 64-bit product x * rh (x < 2^18, rh < 2^50), without BigInt. */
function productByte6(x: number, rh: number): number {
  const rhHi = Math.floor(rh / TWO24);
  const rhLo = rh - rhHi * TWO24;
  const a = x * rhHi; // < 2^43
  const b = x * rhLo; // < 2^42
  const ah = Math.floor(a / TWO24);
  const al = a - ah * TWO24;
  const carry = Math.floor((al * TWO24 + b) / TWO48);
  return (ah + carry) & 0xff;
}

/** The computation of crush_ln for one input (used to fill the table). */
function computeLn(xin: number): number {
  let x = xin + 1;
  let iexpon = 15;
  if ((x & 0x18000) === 0) {
    // normalize so that bit 15 is the top bit, in one shift
    const bits = Math.clz32(x & 0x1ffff) - 16;
    x <<= bits;
    iexpon = 15 - bits;
  }
  const index1 = (x >> 8) << 1;
  const rh = RH_LH_TABLE[index1 - 256]!;
  const lh = RH_LH_TABLE[index1 + 1 - 256]!;
  const index2 = productByte6(x, rh);
  const ll = LL_TABLE[index2]!;
  // (lh + ll) >> (48 - 12 - 32); both terms are below 2^49
  return iexpon * 2 ** 44 + Math.floor((lh + ll) / 16);
}

let table: Float64Array | undefined;

/** The whole crush_ln function as a table indexed by u (filled on first use, ~65k entries). */
export function crushLnTable(): Float64Array {
  if (table === undefined) {
    table = new Float64Array(0x10000);
    for (let i = 0; i < 0x10000; i++) table[i] = computeLn(i);
  }
  return table;
}

/** crush_ln(u) for u in [0, 0xffff]. */
export function crushLn(u: number): number {
  return crushLnTable()[u & 0xffff]!;
}
