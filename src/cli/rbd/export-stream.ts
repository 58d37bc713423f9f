/**
 * The byte streams `rbd export`, `export-diff`, `import` and `import-diff`
 * read and write (Ceph's tools/rbd/Utils.h tags, Export.cc and Import.cc):
 *
 *   diff v1:  "rbd diff v1\n" { tag record }* 'e'
 *             records: 'f' string (from snap), 't' string (to snap),
 *                      's' u64 (image size), 'w' u64 off u64 len data, 'z' u64 off u64 len
 *   diff v2:  "rbd diff v2\n", every record but 'e' carries a u64 length after
 *             its tag (so readers can skip unknown tags), plus 'p' u8 (protected;
 *             its length field says 8, as Pacific writes it)
 *   image v2: "rbd image v2\n" { tag u64-length value }* 'E'
 *             tags: 'O' order, 'T' features, 'U' stripe unit, 'C' stripe count
 *             (u64 each), 'M' string key string value (metadata)
 *             then "rbd image diffs v2\n" u64 count, then count diff-v2 streams
 *             (one per snapshot, oldest first, then one for the head)
 *
 * Integers are little-endian; strings are u32 length + bytes.
 */

export const RBD_DIFF_BANNER = 'rbd diff v1\n';
export const RBD_DIFF_BANNER_V2 = 'rbd diff v2\n';
export const RBD_IMAGE_BANNER_V2 = 'rbd image v2\n';
export const RBD_IMAGE_DIFFS_BANNER_V2 = 'rbd image diffs v2\n';

/** Diff stream record tags. */
export const DiffTag = {
  FROM_SNAP: 0x66, // 'f'
  TO_SNAP: 0x74, // 't'
  IMAGE_SIZE: 0x73, // 's'
  WRITE: 0x77, // 'w'
  ZERO: 0x7a, // 'z'
  SNAP_PROTECTION_STATUS: 0x70, // 'p'
  END: 0x65, // 'e'
} as const;

/** Image header (export format 2) tags. */
export const ImageTag = {
  ORDER: 0x4f, // 'O'
  FEATURES: 0x54, // 'T'
  STRIPE_UNIT: 0x55, // 'U'
  STRIPE_COUNT: 0x43, // 'C'
  META: 0x4d, // 'M'
  END: 0x45, // 'E'
} as const;

function u8(v: number): Buffer {
  return Buffer.from([v]);
}

function u64(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

function str(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(4 + bytes.length);
  b.writeUInt32LE(bytes.length);
  bytes.copy(b, 4);
  return b;
}

/** What opens a diff stream: banner, snapshot names, protection, end size. */
export interface DiffHeader {
  fromSnap?: string;
  toSnap?: string;
  /** Only written in format 2, and only with a `toSnap`. */
  toSnapProtected?: boolean;
  imageSize: number;
}

/** The banner and header records of a diff stream (`do_export_diff_fd`'s header). */
export function encodeDiffHeader(h: DiffHeader, format: 1 | 2): Buffer {
  const parts: Buffer[] = [Buffer.from(format === 1 ? RBD_DIFF_BANNER : RBD_DIFF_BANNER_V2, 'latin1')];
  const record = (tag: number, body: Buffer, length = body.length) => {
    parts.push(u8(tag));
    if (format === 2) parts.push(u64(length));
    parts.push(body);
  };
  if (h.fromSnap !== undefined) record(DiffTag.FROM_SNAP, str(h.fromSnap));
  if (h.toSnap !== undefined) record(DiffTag.TO_SNAP, str(h.toSnap));
  // Pacific announces 8 bytes for the one-byte protection flag; readers take one byte
  if (h.toSnap !== undefined && format === 2) {
    record(DiffTag.SNAP_PROTECTION_STATUS, u8(h.toSnapProtected ? 1 : 0), 8);
  }
  record(DiffTag.IMAGE_SIZE, u64(h.imageSize));
  return Buffer.concat(parts);
}

/**
 * The record of one extent: 'w' (the `length` data bytes follow it) or 'z'.
 * In format 2 the record length counts the two u64s plus the data.
 */
export function encodeExtent(offset: number, length: number, data: boolean, format: 1 | 2): Buffer {
  const b = Buffer.alloc(format === 2 ? 25 : 17);
  let at = 0;
  b[at++] = data ? DiffTag.WRITE : DiffTag.ZERO;
  if (format === 2) {
    b.writeBigUInt64LE(BigInt(16 + (data ? length : 0)), at);
    at += 8;
  }
  b.writeBigUInt64LE(BigInt(offset), at);
  b.writeBigUInt64LE(BigInt(length), at + 8);
  return b;
}

export const DIFF_END = u8(DiffTag.END);

/** The export format 2 image header: properties, metadata (sorted by key), end tag. */
export interface ImageHeader {
  order: number;
  features: bigint;
  stripeUnit: number;
  stripeCount: number;
  metadata: Map<string, string>;
}

export function encodeImageHeader(h: ImageHeader): Buffer {
  const parts: Buffer[] = [Buffer.from(RBD_IMAGE_BANNER_V2, 'latin1')];
  for (const [tag, value] of [
    [ImageTag.ORDER, BigInt(h.order)],
    [ImageTag.FEATURES, h.features],
    [ImageTag.STRIPE_UNIT, BigInt(h.stripeUnit)],
    [ImageTag.STRIPE_COUNT, BigInt(h.stripeCount)],
  ] as const) {
    parts.push(u8(tag), u64(8), u64(value));
  }
  for (const key of [...h.metadata.keys()].sort()) {
    const k = str(key);
    const v = str(h.metadata.get(key)!);
    parts.push(u8(ImageTag.META), u64(k.length + v.length), k, v);
  }
  parts.push(u8(ImageTag.END));
  return Buffer.concat(parts);
}

/** "rbd image diffs v2\n" and the number of diff streams that follow. */
export function encodeDiffsBanner(count: number): Buffer {
  return Buffer.concat([Buffer.from(RBD_IMAGE_DIFFS_BANNER_V2, 'latin1'), u64(count)]);
}

/** A short read: the stream ended inside a record (rbd reports EIO/ENODATA-like errors as -EINVAL here). */
export class StreamEnd extends Error {
  constructor() {
    super('unexpected end of stream');
    this.name = 'StreamEnd';
  }
}

/**
 * Reads exact byte counts from a chunked source (a file or stdin), like
 * `safe_read_exact`, keeping count of what was consumed for progress.
 */
export class StreamReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;
  /** Bytes handed out so far (the file position). */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(want: number): Promise<void> {
    while (this.bufferedLength < want && !this.done) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      if (next.value.length > 0) {
        this.buffered.push(next.value);
        this.bufferedLength += next.value.length;
      }
    }
  }

  /** Up to `length` bytes (fewer only at the end); `read(2)` filling a block. */
  async readUpTo(length: number): Promise<Buffer> {
    await this.fill(length);
    const n = Math.min(length, this.bufferedLength);
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedLength = rest.length;
    this.position += n;
    return out;
  }

  /** Exactly `length` bytes, or StreamEnd. */
  async readExact(length: number): Promise<Buffer> {
    const b = await this.readUpTo(length);
    if (b.length < length) throw new StreamEnd();
    return b;
  }

  async u8(): Promise<number> {
    return (await this.readExact(1))[0]!;
  }

  async u64(): Promise<bigint> {
    return (await this.readExact(8)).readBigUInt64LE();
  }

  /** `read_string`: u32 length (at most `max`, else EINVAL) and the bytes. */
  async string(max: number): Promise<string> {
    const len = (await this.readExact(4)).readUInt32LE();
    if (len > max) throw Object.assign(new Error('string too long'), { errno: -22 });
    return (await this.readExact(len)).toString('utf8');
  }

  async skip(length: number): Promise<void> {
    let left = length;
    while (left > 0) {
      const b = await this.readExact(Math.min(left, 1 << 20));
      left -= b.length;
    }
  }
}

/** One record of a diff stream as `do_import_diff_fd` sees it. */
export type DiffRecord =
  | { tag: 'from'; name: string }
  | { tag: 'to'; name: string }
  | { tag: 'protected'; value: boolean }
  | { tag: 'size'; size: number }
  | { tag: 'write'; offset: number; data: Buffer }
  | { tag: 'zero'; offset: number; length: number }
  | { tag: 'unknown'; byte: number; length: number }
  | { tag: 'end' };

/**
 * Read the next record of a diff stream (after its banner). Format 2 records
 * carry a length, so an unknown tag is skipped; in format 1 one ends the stream
 * as the C++ reader would misparse it.
 */
export async function readDiffRecord(r: StreamReader, format: 1 | 2): Promise<DiffRecord> {
  const tag = await r.u8();
  if (tag === DiffTag.END) return { tag: 'end' };
  let length = 0;
  if (format === 2) length = Number(await r.u64());
  switch (tag) {
    case DiffTag.FROM_SNAP:
      return { tag: 'from', name: await r.string(4096) };
    case DiffTag.TO_SNAP:
      return { tag: 'to', name: await r.string(4096) };
    case DiffTag.SNAP_PROTECTION_STATUS:
      return { tag: 'protected', value: (await r.u8()) !== 0 };
    case DiffTag.IMAGE_SIZE:
      return { tag: 'size', size: Number(await r.u64()) };
    case DiffTag.WRITE: {
      const offset = Number(await r.u64());
      const len = Number(await r.u64());
      return { tag: 'write', offset, data: await r.readExact(len) };
    }
    case DiffTag.ZERO: {
      const offset = Number(await r.u64());
      return { tag: 'zero', offset, length: Number(await r.u64()) };
    }
    default:
      await r.skip(length);
      return { tag: 'unknown', byte: tag, length };
  }
}

/** Check a banner; false when the bytes differ (the caller prints rbd's message). */
export async function readBanner(r: StreamReader, banner: string): Promise<boolean> {
  const got = await r.readExact(banner.length);
  return got.toString('latin1') === banner;
}

/** The image header of an export format 2 stream (after its banner). */
export async function readImageHeader(
  r: StreamReader,
  onUnknown?: (tag: number) => void,
): Promise<{
  order?: number;
  features?: bigint;
  stripeUnit?: number;
  stripeCount?: number;
  metadata: Map<string, string>;
}> {
  const out: {
    order?: number;
    features?: bigint;
    stripeUnit?: number;
    stripeCount?: number;
    metadata: Map<string, string>;
  } = {
    metadata: new Map(),
  };
  for (;;) {
    const tag = await r.u8();
    if (tag === ImageTag.END) return out;
    const length = Number(await r.u64());
    switch (tag) {
      case ImageTag.ORDER:
        out.order = Number(await r.u64());
        break;
      case ImageTag.FEATURES:
        out.features = await r.u64();
        break;
      case ImageTag.STRIPE_UNIT:
        out.stripeUnit = Number(await r.u64());
        break;
      case ImageTag.STRIPE_COUNT:
        out.stripeCount = Number(await r.u64());
        break;
      case ImageTag.META: {
        const key = await r.string(length);
        out.metadata.set(key, await r.string(length));
        break;
      }
      default:
        onUnknown?.(tag);
        await r.skip(length);
    }
  }
}
