import { CephError } from '../common/errors.js';

/**
 * A read cursor over a Buffer holding Ceph-encoded data (denc): little-endian
 * integers, u32-length-prefixed strings, buffers and containers, and the
 * versioned struct envelope. Slices share memory with the input (zero-copy).
 *
 * Every read checks bounds and throws CephError('EBADMSG') on underrun, so a
 * decoder of network input turns garbage into one error, never a crash.
 */
export class Decoder {
  /** Absolute offset of the next byte to read. */
  offset: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    /** Absolute offset one past the last readable byte. */
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  get eof(): boolean {
    return this.offset >= this.end;
  }

  private need(n: number, what: string): number {
    if (n < 0 || this.offset + n > this.end) {
      throw new CephError(
        'EBADMSG',
        `decode: buffer underrun reading ${what} (${n} bytes at ${this.offset}, end ${this.end})`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1, 'u8'));
  }
  i8(): number {
    return this.buf.readInt8(this.need(1, 'i8'));
  }
  u16(): number {
    return this.buf.readUInt16LE(this.need(2, 'u16'));
  }
  i16(): number {
    return this.buf.readInt16LE(this.need(2, 'i16'));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.need(4, 'u32'));
  }
  i32(): number {
    return this.buf.readInt32LE(this.need(4, 'i32'));
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8, 'u64'));
  }
  i64(): bigint {
    return this.buf.readBigInt64LE(this.need(8, 'i64'));
  }
  /** A u64 expected to fit in a JS number (sizes, counts, epochs); larger values are an error. */
  u64Number(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CephError('EOVERFLOW', `decode: u64 ${v} exceeds 2^53`);
    return Number(v);
  }
  /** An i64 expected to fit in a JS number (pool ids, -1 sentinels). */
  i64Number(): number {
    const v = this.i64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new CephError('EOVERFLOW', `decode: i64 ${v} exceeds 2^53`);
    }
    return Number(v);
  }
  f64(): number {
    return this.buf.readDoubleLE(this.need(8, 'f64'));
  }
  bool(): boolean {
    return this.u8() !== 0;
  }

  /** `n` raw bytes, sliced (no copy). */
  bytes(n: number): Buffer {
    const at = this.need(n, `${n} bytes`);
    return this.buf.subarray(at, at + n);
  }

  /** A u32 length followed by that many bytes (`bufferlist` / `bufferptr`), sliced. */
  buffer(): Buffer {
    return this.bytes(this.u32());
  }

  /** A u32 length followed by UTF-8 bytes (`std::string`). */
  string(): string {
    return this.buffer().toString('utf8');
  }

  /** A u32 count followed by that many elements (`std::vector`, `std::list`, `std::set`). */
  list<T>(element: (d: Decoder) => T): T[] {
    const n = this.u32();
    // Each element takes at least one byte; refuse counts the buffer cannot hold.
    if (n > this.remaining)
      throw new CephError('EBADMSG', `decode: list count ${n} exceeds remaining ${this.remaining}`);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = element(this);
    return out;
  }

  /** A u32 count followed by key/value pairs (`std::map`). */
  map<K, V>(key: (d: Decoder) => K, value: (d: Decoder) => V): Map<K, V> {
    const n = this.u32();
    if (n > this.remaining)
      throw new CephError('EBADMSG', `decode: map count ${n} exceeds remaining ${this.remaining}`);
    const out = new Map<K, V>();
    for (let i = 0; i < n; i++) {
      const k = key(this);
      out.set(k, value(this));
    }
    return out;
  }

  /** `std::optional` / `boost::optional`: a u8 presence flag, then the value. */
  optional<T>(value: (d: Decoder) => T): T | undefined {
    return this.bool() ? value(this) : undefined;
  }

  /**
   * A versioned struct (ENCODE_START/DECODE_START): u8 struct_v, u8 struct_compat,
   * u32 length, body. Rejects a compat newer than `maxCompat` (we cannot read it),
   * hands the body to `body` with the struct version, and skips whatever trailing
   * bytes a newer encoder added.
   */
  struct<T>(what: string, maxCompat: number, body: (d: Decoder, structV: number) => T): T {
    const structV = this.u8();
    const compat = this.u8();
    if (compat > maxCompat) {
      throw new CephError(
        'EINVAL',
        `decode ${what}: struct_compat ${compat} (v${structV}) is newer than supported ${maxCompat}`,
      );
    }
    const len = this.u32();
    const start = this.need(len, `${what} body`);
    const inner = new Decoder(this.buf, start, start + len);
    return body(inner, structV);
  }

  /** Like `struct` but for the legacy form where old versions had no envelope (DECODE_START_LEGACY_COMPAT_LEN). */
  sub(len: number): Decoder {
    const start = this.need(len, 'sub-buffer');
    return new Decoder(this.buf, start, start + len);
  }

  skip(n: number): void {
    this.need(n, 'skip');
  }

  /** The unread rest, sliced. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}
