/**
 * `ceph::BitVector<2>` (src/common/bit_vector.hpp): the packed array of 2-bit
 * object states an object map is, and its on-disk / on-wire encoding.
 *
 * Layout, 4 elements per byte, element 0 in the byte's HIGH bits
 * (shift = (3 - i % 4) * 2):
 *
 *   u32 header_len (14) | header: struct_v 1, compat 1, u32 8, u64 size
 *   data: ceil(size / 4) bytes, not length-prefixed
 *   u32 footer_len | footer (only when crcs are on):
 *     u32 header_crc   crc32c(0) of the 14 header bytes
 *     u32 block_count  one crc per 4096-byte data block
 *     u32 crc × block_count   crc32c(0) of each data block (the last may be short)
 *
 * The object stored by cls_rbd carries the crcs; `object_map_load` replies and
 * librbd's `object_map_save` / `object_map_snap_remove` inputs carry an empty
 * footer (crcs off). Decoding checks whatever crcs are present.
 */
import { CephError } from '../../common/errors.js';
import { cephCrc32c } from '../../common/crc32c.js';

/** Elements per byte for 2-bit entries. */
const PER_BYTE = 4;
/** Bytes of data covered by one crc (`BitVector::BLOCK_SIZE`). */
export const BIT_VECTOR_BLOCK_SIZE = 4096;
/** u32 length + 6-byte envelope + u64 size (`get_header_length`). */
export const BIT_VECTOR_HEADER_LENGTH = 18;

/** `BitVector::compute_index`: element → (byte, shift). Element 0 sits in bits 7..6. */
function shiftOf(index: number): number {
  return (PER_BYTE - 1 - (index % PER_BYTE)) * 2;
}

/** Byte → byte tables that rewrite every 2-bit lane, for whole-map passes. */
export function laneTable(map: (state: number) => number): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let out = 0;
    for (let lane = 0; lane < PER_BYTE; lane++) {
      const shift = lane * 2;
      out |= (map((b >> shift) & 3) & 3) << shift;
    }
    table[b] = out;
  }
  return table;
}

export interface BitVectorEncodeOptions {
  /** Write the header and per-block crcs in the footer (as the OSD stores it). Default true. */
  crc?: boolean;
}

export class BitVector {
  private bytes: Uint8Array;
  private elements: number;

  constructor(size = 0) {
    assertSize(size);
    this.elements = size;
    this.bytes = new Uint8Array(Math.ceil(size / PER_BYTE));
  }

  /** A vector holding `states` in order (tests, rebuilds). */
  static fromStates(states: ArrayLike<number>): BitVector {
    const v = new BitVector(states.length);
    for (let i = 0; i < states.length; i++) v.set(i, states[i]!);
    return v;
  }

  /** Number of elements. */
  get size(): number {
    return this.elements;
  }

  /** The packed bytes (a view: writes show through). */
  get data(): Uint8Array {
    return this.bytes;
  }

  get(index: number): number {
    if (!(index >= 0 && index < this.elements))
      throw new RangeError(`bit vector index ${index} out of ${this.elements}`);
    return (this.bytes[index >> 2]! >> shiftOf(index)) & 3;
  }

  set(index: number, state: number): void {
    if (!(index >= 0 && index < this.elements))
      throw new RangeError(`bit vector index ${index} out of ${this.elements}`);
    const shift = shiftOf(index);
    const at = index >> 2;
    this.bytes[at] = (this.bytes[at]! & ~(3 << shift)) | ((state & 3) << shift);
  }

  /**
   * Ceph's resize: bytes are cut or zero-extended, nothing else. Shrinking to
   * a size that is not a multiple of 4 leaves the dropped elements' bits in
   * the last byte (they are encoded, and reappear on a later grow) — callers
   * that grow set the new elements explicitly, as librbd and cls_rbd do.
   */
  resize(size: number): void {
    assertSize(size);
    const length = Math.ceil(size / PER_BYTE);
    if (length !== this.bytes.length) {
      const next = new Uint8Array(length);
      next.set(length > this.bytes.length ? this.bytes : this.bytes.subarray(0, length));
      this.bytes = next;
    }
    this.elements = size;
  }

  /** Set `[start, end)` to `state`. */
  fill(start: number, end: number, state: number): void {
    for (let i = start; i < end; i++) this.set(i, state);
  }

  /**
   * Rewrite every element < size through a byte table built by `laneTable`
   * (one lookup per 4 elements). Lanes past `size` in the last byte keep
   * their bits, as Ceph's element-wise loops leave them.
   */
  mapStates(table: Uint8Array): void {
    const whole = this.elements >> 2;
    for (let i = 0; i < whole; i++) this.bytes[i] = table[this.bytes[i]!]!;
    for (let i = whole * PER_BYTE; i < this.elements; i++) {
      const state = this.get(i);
      // A lane table maps each lane alike; read lane 0 of the table for this state.
      this.set(i, table[state]! & 3);
    }
  }

  /** Number of elements in each state (index = state). */
  countStates(): [number, number, number, number] {
    const counts: [number, number, number, number] = [0, 0, 0, 0];
    for (let i = 0; i < this.elements; i++) counts[this.get(i)]!++;
    return counts;
  }

  clone(): BitVector {
    const v = new BitVector(0);
    v.bytes = this.bytes.slice();
    v.elements = this.elements;
    return v;
  }

  /** `operator==`: same size and same bytes (including stray bits past the end). */
  equals(other: BitVector): boolean {
    if (this.elements !== other.elements || this.bytes.length !== other.bytes.length) return false;
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] !== other.bytes[i]) return false;
    return true;
  }

  /** Encoded length for `opts`. */
  encodedLength(opts: BitVectorEncodeOptions = {}): number {
    const blocks = Math.ceil(this.bytes.length / BIT_VECTOR_BLOCK_SIZE);
    const footer = opts.crc === false ? 0 : 8 + 4 * blocks;
    return BIT_VECTOR_HEADER_LENGTH + this.bytes.length + 4 + footer;
  }

  /** `BitVector::encode`, crcs on unless `opts.crc === false`. */
  encode(opts: BitVectorEncodeOptions = {}): Buffer {
    const crc = opts.crc !== false;
    const out = Buffer.allocUnsafe(this.encodedLength(opts));
    out.writeUInt32LE(14, 0);
    out.writeUInt8(1, 4);
    out.writeUInt8(1, 5);
    out.writeUInt32LE(8, 6);
    out.writeBigUInt64LE(BigInt(this.elements), 10);
    out.set(this.bytes, BIT_VECTOR_HEADER_LENGTH);
    let at = BIT_VECTOR_HEADER_LENGTH + this.bytes.length;
    if (!crc) {
      out.writeUInt32LE(0, at);
      return out;
    }
    const blocks = Math.ceil(this.bytes.length / BIT_VECTOR_BLOCK_SIZE);
    out.writeUInt32LE(8 + 4 * blocks, at);
    out.writeUInt32LE(cephCrc32c(0, out.subarray(4, BIT_VECTOR_HEADER_LENGTH)), at + 4);
    out.writeUInt32LE(blocks, at + 8);
    at += 12;
    for (let b = 0; b < blocks; b++, at += 4) {
      const start = b * BIT_VECTOR_BLOCK_SIZE;
      const block = this.bytes.subarray(start, Math.min(start + BIT_VECTOR_BLOCK_SIZE, this.bytes.length));
      out.writeUInt32LE(cephCrc32c(0, block), at);
    }
    return out;
  }

  /**
   * `BitVector::decode`: any damage (short buffer, unknown compat, crc
   * mismatch, wrong number of block crcs) is EINVAL — what cls_rbd and
   * librbd report for a corrupt object map. Bytes after the footer are
   * ignored, as Ceph ignores them.
   */
  static decode(buf: Uint8Array): BitVector {
    const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const fail = (why: string): never => {
      throw new CephError('EINVAL', `object map: ${why}`);
    };
    if (b.length < 4) fail('short header');
    const headerLength = b.readUInt32LE(0);
    if (headerLength < 6 || b.length < 4 + headerLength) fail('short header');
    const structV = b.readUInt8(4);
    const compat = b.readUInt8(5);
    const structLength = b.readUInt32LE(6);
    if (compat > 1) fail(`header compat ${compat} (struct_v ${structV}) is newer than 1`);
    if (structLength < 8 || 10 + structLength > 4 + headerLength) fail('header envelope too short');
    const size = Number(b.readBigUInt64LE(10));
    if (!Number.isSafeInteger(size)) fail(`size ${size} too large`);
    const dataLength = Math.ceil(size / PER_BYTE);
    const dataStart = 4 + headerLength;
    const footerAt = dataStart + dataLength;
    if (b.length < footerAt + 4) fail('data or footer length missing');
    const footerLength = b.readUInt32LE(footerAt);
    const footerStart = footerAt + 4;
    if (b.length < footerStart + footerLength) fail('short footer');
    const data = b.subarray(dataStart, footerAt);

    if (footerLength > 0) {
      let at = footerStart;
      const footerEnd = footerStart + footerLength;
      if (footerEnd - at >= 4) {
        const headerCrc = b.readUInt32LE(at);
        if (headerCrc !== cephCrc32c(0, b.subarray(4, dataStart))) fail('incorrect header CRC');
        at += 4;
      }
      if (footerEnd - at >= 4) at += 4; // block count as the writer saw it; Ceph re-derives it
      const blocks = Math.ceil(dataLength / BIT_VECTOR_BLOCK_SIZE);
      const crcs = Math.floor((footerEnd - at) / 4);
      if (crcs !== blocks) fail(`invalid data block CRCs (${crcs} for ${blocks} blocks)`);
      for (let i = 0; i < blocks; i++, at += 4) {
        const start = i * BIT_VECTOR_BLOCK_SIZE;
        const block = data.subarray(start, Math.min(start + BIT_VECTOR_BLOCK_SIZE, dataLength));
        if (b.readUInt32LE(at) !== cephCrc32c(0, block)) fail(`invalid data block CRC (block ${i})`);
      }
    }

    const v = new BitVector(0);
    v.bytes = Uint8Array.from(data);
    v.elements = size;
    return v;
  }
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bit vector size ${size}`);
}
