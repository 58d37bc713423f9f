import { crc32c as crc32cStandard } from '@node-rs/crc32';

/**
 * Ceph's crc32c: the Castagnoli CRC over the raw register, with no pre- or
 * post-inversion (`ceph_crc32c(seed, data, len)`). The SIMD package computes
 * the standard form, which inverts on the way in and out; undo both.
 * msgr2 seeds with 0xffffffff (`-1` in Ceph's code).
 */
export function cephCrc32c(seed: number, data: Uint8Array): number {
  return ~crc32cStandard(data as Buffer, ~seed >>> 0) >>> 0;
}
