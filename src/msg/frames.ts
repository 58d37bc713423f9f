import { CephError } from '../common/errors.js';
import { cephCrc32c } from '../common/crc32c.js';

/**
 * msgr2.1 framing in crc mode (Ceph's `frames_v2`, revision 1), as pure
 * functions.
 *
 * A connection starts with a banner from each side:
 *
 *   "ceph v2\n" | u16 payload_len (=16) | u64 supported | u64 required   (msgr2 feature bits)
 *
 * then exchanges frames. A frame has up to four segments (control frames use
 * one; MESSAGE uses header, front, middle, data):
 *
 *   preamble (32 bytes):
 *     u8 tag | u8 num_segments | 4 × (u32 length, u16 alignment) | u8[2] reserved | u32 crc
 *     crc = crc32c(seed 0) over the first 28 bytes
 *   segment 0, then u32 crc32c(seed -1) of it — both omitted when segment 0 is empty
 *   segments 1..n-1 back to back, then, only when n > 1, the epilogue (13 bytes):
 *     u8 late_status | 3 × u32 crc32c(seed -1) of segments 1..3 (0 for absent segments)
 *
 * Trailing empty segments are not counted in num_segments (a frame keeps at
 * least one); an inner empty segment is counted and its crc is that of no
 * bytes (0xffffffff).
 */

/** Frame tags (`ceph::msgr::v2::Tag`). */
export const FrameTag = {
  HELLO: 1,
  AUTH_REQUEST: 2,
  AUTH_BAD_METHOD: 3,
  AUTH_REPLY_MORE: 4,
  AUTH_REQUEST_MORE: 5,
  AUTH_DONE: 6,
  AUTH_SIGNATURE: 7,
  CLIENT_IDENT: 8,
  SERVER_IDENT: 9,
  IDENT_MISSING_FEATURES: 10,
  SESSION_RECONNECT: 11,
  SESSION_RESET: 12,
  SESSION_RETRY: 13,
  SESSION_RETRY_GLOBAL: 14,
  SESSION_RECONNECT_OK: 15,
  WAIT: 16,
  MESSAGE: 17,
  KEEPALIVE2: 18,
  KEEPALIVE2_ACK: 19,
  ACK: 20,
} as const;
export type FrameTag = (typeof FrameTag)[keyof typeof FrameTag];

const tagNames = new Map<number, string>(Object.entries(FrameTag).map(([k, v]) => [v, k]));

export function frameTagName(tag: number): string {
  return tagNames.get(tag) ?? `tag(${tag})`;
}

/** msgr2 protocol feature bits carried in the banner (`CEPH_MSGR2_FEATURE_*`). */
export const Msgr2Feature = {
  /** msgr2.1: inline segment-0 crc and the 13-byte epilogue. */
  REVISION_1: 1n << 0n,
  /** On-wire compression (Quincy and later; Pacific does not offer it). */
  COMPRESSION: 1n << 1n,
} as const;

/** What we offer in the banner: msgr2.1, as Pacific does (verified: a 16.2.15 mon sends supported=0x1). */
export const MSGR2_SUPPORTED_FEATURES = Msgr2Feature.REVISION_1;
/** What we require of the peer's banner (Pacific requires nothing; we need rev1, checked separately). */
export const MSGR2_REQUIRED_FEATURES = 0n;

export const BANNER_PREFIX = Buffer.from('ceph v2\n', 'latin1');
/** The msgr1 banner, recognised only to give a clear error. */
const BANNER_V1_PREFIX = Buffer.from('ceph v027', 'latin1');
/** Prefix plus the u16 payload length. */
export const BANNER_HEAD_SIZE = BANNER_PREFIX.length + 2;
/** Two u64 feature masks. */
export const BANNER_PAYLOAD_SIZE = 16;

export const PREAMBLE_SIZE = 32;
export const FRAME_CRC_SIZE = 4;
export const MAX_NUM_SEGMENTS = 4;
/** u8 late_status + crcs of segments 1..3. */
export const EPILOGUE_CRC_REV1_SIZE = 1 + 4 * (MAX_NUM_SEGMENTS - 1);

/** Segment alignment hints (`segment_t::DEFAULT_ALIGNMENT` = sizeof(void*), PAGE_SIZE_ALIGNMENT). */
export const SegmentAlignment = { DEFAULT: 8, PAGE: 4096 } as const;

/** `late_status` of the epilogue: low nibble says whether the sender completed or aborted the frame. */
export const LateStatus = { ABORTED: 0x1, COMPLETE: 0xe, ABORTED_MASK: 0xf } as const;

/** Segment indexes of a MESSAGE frame (`SegmentIndex::Msg`). */
export const MessageSegment = { HEADER: 0, FRONT: 1, MIDDLE: 2, DATA: 3 } as const;

/**
 * Largest segments we accept, so garbage lengths fail fast instead of
 * waiting for gigabytes. Control frames follow the kernel client's limit
 * (CEPH_MSG_MAX_CONTROL_LEN); message limits are generous (an OSDMap front
 * or a 4 MiB object write fit with room to spare).
 */
export const SegmentLimit = {
  CONTROL: 16 * 1024,
  FRONT: 64 << 20,
  MIDDLE: 64 << 20,
  DATA: 1 << 30,
} as const;

/** Length and alignment of one segment, as the preamble describes it. */
export interface SegmentDesc {
  length: number;
  alignment: number;
}

/** A decoded preamble. */
export interface Preamble {
  tag: number;
  segments: SegmentDesc[];
}

function bad(reason: string): CephError {
  return new CephError('EBADMSG', `msgr2: ${reason}`);
}

/** The 26-byte banner we send. */
export function encodeBanner(
  supported: bigint = MSGR2_SUPPORTED_FEATURES,
  required: bigint = MSGR2_REQUIRED_FEATURES,
): Buffer {
  const b = Buffer.alloc(BANNER_HEAD_SIZE + BANNER_PAYLOAD_SIZE);
  BANNER_PREFIX.copy(b, 0);
  b.writeUInt16LE(BANNER_PAYLOAD_SIZE, BANNER_PREFIX.length);
  b.writeBigUInt64LE(supported, BANNER_HEAD_SIZE);
  b.writeBigUInt64LE(required, BANNER_HEAD_SIZE + 8);
  return b;
}

/** Check the 10-byte banner head and return the payload length; EPROTO for a non-msgr2 peer. */
export function decodeBannerHead(head: Buffer): number {
  if (head.length !== BANNER_HEAD_SIZE) throw bad(`banner head of ${head.length} bytes`);
  if (!head.subarray(0, BANNER_PREFIX.length).equals(BANNER_PREFIX)) {
    const v1 = head
      .subarray(0, BANNER_PREFIX.length)
      .equals(BANNER_V1_PREFIX.subarray(0, BANNER_PREFIX.length));
    throw new CephError('EPROTO', v1 ? 'msgr2: peer speaks msgr v1' : 'msgr2: bad banner');
  }
  const len = head.readUInt16LE(BANNER_PREFIX.length);
  // Ceph reads the two u64 masks and ignores anything after; refuse absurd lengths.
  if (len < BANNER_PAYLOAD_SIZE || len > 4096)
    throw new CephError('EPROTO', `msgr2: bad banner payload length ${len}`);
  return len;
}

/** The peer's msgr2 feature masks from the banner payload. */
export function decodeBannerPayload(payload: Buffer): { supported: bigint; required: bigint } {
  if (payload.length < BANNER_PAYLOAD_SIZE) throw bad('short banner payload');
  return { supported: payload.readBigUInt64LE(0), required: payload.readBigUInt64LE(8) };
}

/** Trailing empty segments are dropped; a frame always has at least one segment. */
export function countSegments(lengths: readonly number[]): number {
  for (let i = lengths.length; i > 0; i--) if (lengths[i - 1]! > 0) return i;
  return 1;
}

/** Write a preamble for `segments` (already trimmed) into `out` at `at`. */
export function encodePreambleInto(
  out: Buffer,
  at: number,
  tag: number,
  segments: readonly SegmentDesc[],
): void {
  out.fill(0, at, at + PREAMBLE_SIZE);
  out.writeUInt8(tag, at);
  out.writeUInt8(segments.length, at + 1);
  for (let i = 0; i < segments.length; i++) {
    out.writeUInt32LE(segments[i]!.length, at + 2 + i * 6);
    out.writeUInt16LE(segments[i]!.alignment, at + 6 + i * 6);
  }
  out.writeUInt32LE(cephCrc32c(0, out.subarray(at, at + PREAMBLE_SIZE - 4)), at + PREAMBLE_SIZE - 4);
}

/** Limit of segment `index` of a frame with `tag`. */
function segmentLimit(tag: number, index: number): number {
  if (tag !== FrameTag.MESSAGE) return index === 0 ? SegmentLimit.CONTROL : 0;
  return [SegmentLimit.CONTROL, SegmentLimit.FRONT, SegmentLimit.MIDDLE, SegmentLimit.DATA][index]!;
}

/**
 * Decode and validate a 32-byte preamble: crc first (nothing else is
 * trusted before it), then the segment count, the last-segment rule, the
 * tag and the per-segment limits.
 */
export function decodePreamble(b: Buffer): Preamble {
  if (b.length !== PREAMBLE_SIZE) throw bad(`preamble of ${b.length} bytes`);
  const expected = b.readUInt32LE(PREAMBLE_SIZE - 4);
  const crc = cephCrc32c(0, b.subarray(0, PREAMBLE_SIZE - 4));
  if (crc !== expected) throw bad(`bad preamble crc calculated=${crc} expected=${expected}`);
  const tag = b.readUInt8(0);
  const n = b.readUInt8(1);
  if (n < 1 || n > MAX_NUM_SEGMENTS) throw bad(`bad number of segments num_segments=${n}`);
  if (!tagNames.has(tag)) throw bad(`unknown frame tag ${tag}`);
  const segments: SegmentDesc[] = [];
  for (let i = 0; i < n; i++) {
    const length = b.readUInt32LE(2 + i * 6);
    const alignment = b.readUInt16LE(6 + i * 6);
    if (length > segmentLimit(tag, i))
      throw bad(`${frameTagName(tag)} segment ${i} too long (${length} bytes)`);
    segments.push({ length, alignment });
  }
  if (n > 1 && segments[n - 1]!.length === 0) throw bad('last segment empty');
  return { tag, segments };
}

/** crc32c (seed -1) over a segment given as slices. */
export function segmentCrc(slices: readonly Buffer[]): number {
  let crc = 0xffffffff;
  for (const s of slices) crc = cephCrc32c(crc, s);
  return crc;
}

function totalLength(slices: readonly Buffer[]): number {
  let n = 0;
  for (const s of slices) n += s.length;
  return n;
}

/**
 * Assemble a frame in rev1 crc mode. Each segment is a list of slices that
 * is passed through untouched (zero-copy); only the preamble, segment 0 with
 * its crc (always small: a control payload or a 41-byte message header) and
 * the epilogue are freshly allocated. Returns the buffers to write, in order.
 */
export function assembleFrame(
  tag: number,
  segments: readonly (readonly Buffer[])[],
  alignments: readonly number[],
): Buffer[] {
  const lengths = segments.map(totalLength);
  const n = countSegments(lengths);
  const descs: SegmentDesc[] = [];
  for (let i = 0; i < n; i++)
    descs.push({ length: lengths[i]!, alignment: alignments[i] ?? SegmentAlignment.DEFAULT });

  const len0 = lengths[0]!;
  const head = Buffer.allocUnsafe(PREAMBLE_SIZE + len0 + (len0 > 0 ? FRAME_CRC_SIZE : 0));
  encodePreambleInto(head, 0, tag, descs);
  if (len0 > 0) {
    let at = PREAMBLE_SIZE;
    for (const s of segments[0]!) {
      head.set(s, at);
      at += s.length;
    }
    head.writeUInt32LE(cephCrc32c(0xffffffff, head.subarray(PREAMBLE_SIZE, at)), at);
  }
  const out: Buffer[] = [head];
  if (n === 1) return out;

  const epilogue = Buffer.alloc(EPILOGUE_CRC_REV1_SIZE);
  epilogue.writeUInt8(LateStatus.COMPLETE, 0);
  for (let i = 1; i < n; i++) {
    for (const s of segments[i]!) if (s.length > 0) out.push(s);
    epilogue.writeUInt32LE(segmentCrc(segments[i]!), 1 + (i - 1) * 4);
  }
  out.push(epilogue);
  return out;
}

/** A one-segment control frame as a single buffer. */
export function assembleControlFrame(tag: number, payload: Buffer): Buffer {
  const parts = assembleFrame(tag, [[payload]], [SegmentAlignment.DEFAULT]);
  return parts[0]!;
}

/** Alignments Ceph announces for MESSAGE segments: header, front, middle default; data page-aligned. */
export const MESSAGE_SEGMENT_ALIGNMENTS = [
  SegmentAlignment.DEFAULT,
  SegmentAlignment.DEFAULT,
  SegmentAlignment.DEFAULT,
  SegmentAlignment.PAGE,
] as const;
