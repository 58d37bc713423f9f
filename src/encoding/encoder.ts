/**
 * A write cursor producing Ceph-encoded data (denc). It writes into one
 * growing Buffer (doubling, so appends are amortised O(1)) and hands out a
 * slice of it at the end; struct envelopes reserve their length field and
 * fill it in when the body is done, so nothing is concatenated per field.
 */
export class Encoder {
  private buf: Buffer;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.pos + n) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1); // reserve first: it may replace this.buf
    this.buf.writeUInt8(v & 0xff, at);
    return this;
  }
  i8(v: number): this {
    const at = this.reserve(1);
    this.buf.writeInt8(v, at);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.buf.writeUInt16LE(v, at);
    return this;
  }
  i16(v: number): this {
    const at = this.reserve(2);
    this.buf.writeInt16LE(v, at);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.buf.writeInt32LE(v, at);
    return this;
  }
  u64(v: bigint | number): this {
    const at = this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), at);
    return this;
  }
  i64(v: bigint | number): this {
    const at = this.reserve(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), at);
    return this;
  }
  f64(v: number): this {
    const at = this.reserve(8);
    this.buf.writeDoubleLE(v, at);
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  /** Raw bytes, no length prefix. */
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** u32 length + bytes (`bufferlist`). */
  buffer(b: Uint8Array): this {
    this.u32(b.length);
    return this.bytes(b);
  }

  /** u32 length + UTF-8 bytes (`std::string`). */
  string(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.u32(len);
    const at = this.reserve(len);
    this.buf.write(s, at, len, 'utf8');
    return this;
  }

  /** u32 count + elements. */
  list<T>(items: readonly T[], element: (e: Encoder, item: T) => void): this {
    this.u32(items.length);
    for (const item of items) element(this, item);
    return this;
  }

  /** u32 count + key/value pairs, in the map's iteration order (callers sort where Ceph's std::map would). */
  map<K, V>(
    entries: Iterable<[K, V]> & { size: number },
    key: (e: Encoder, k: K) => void,
    value: (e: Encoder, v: V) => void,
  ): this {
    this.u32(entries.size);
    for (const [k, v] of entries) {
      key(this, k);
      value(this, v);
    }
    return this;
  }

  /** u8 presence flag + value. */
  optional<T>(v: T | undefined, value: (e: Encoder, v: T) => void): this {
    this.bool(v !== undefined);
    if (v !== undefined) value(this, v);
    return this;
  }

  /** ENCODE_START(v, compat) ... ENCODE_FINISH: u8 v, u8 compat, u32 body length, body. */
  struct(structV: number, compat: number, body: (e: Encoder) => void): this {
    this.u8(structV);
    this.u8(compat);
    const lenAt = this.reserve(4);
    const start = this.pos;
    body(this);
    this.buf.writeUInt32LE(this.pos - start, lenAt);
    return this;
  }

  /** The encoded bytes (a slice of the internal buffer; the encoder must not be reused after). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Encode with a fresh Encoder and return the bytes. */
export function encode(body: (e: Encoder) => void, initialCapacity?: number): Buffer {
  const e = new Encoder(initialCapacity);
  body(e);
  return e.finish();
}
