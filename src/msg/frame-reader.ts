import { CephError } from '../common/errors.js';
import { cephCrc32c } from '../common/crc32c.js';
import {
  BANNER_HEAD_SIZE,
  EPILOGUE_CRC_REV1_SIZE,
  FRAME_CRC_SIZE,
  LateStatus,
  PREAMBLE_SIZE,
  decodeBannerHead,
  decodeBannerPayload,
  decodePreamble,
  frameTagName,
  segmentCrc,
  type Preamble,
} from './frames.js';

/** A complete, crc-checked frame. Segments are lists of slices of the received chunks (no copies). */
export interface ReceivedFrame {
  tag: number;
  /** One entry per segment in the preamble; each a list of slices. */
  segments: Buffer[][];
  /** The frame's bytes as received, when raw capture is on (pre-auth signatures). */
  raw?: Buffer[];
}

export interface FrameReaderHandlers {
  /** The peer's banner arrived (first thing on a connection). */
  onBanner(supported: bigint, required: bigint, raw: Buffer[]): void;
  /** A frame is complete and its crcs are good. */
  onFrame(frame: ReceivedFrame): void;
  /**
   * Called when a preamble is decoded, before its segments are read (Ceph
   * throttles MESSAGE frames here). Return false to stop reading; call
   * `unblock()` to continue with this frame.
   */
  gate?(preamble: Preamble): boolean;
  /** The sender aborted a frame that had passed the gate (late_status ABORTED). */
  onAborted?(preamble: Preamble): void;
}

/**
 * Data segments at least this long are read straight into their own buffer
 * (see `directTarget`); smaller ones are cut from the socket's chunks.
 */
export const DIRECT_READ_MIN_BYTES = 128 * 1024;

/** A segment being read straight from the socket into `target`. */
interface DirectSegment {
  target: Buffer;
  filled: number;
  /** Ceph crc32c of target[0, filled), seeded as msgr2 seeds segment crcs. */
  crc: number;
}

const enum Step {
  BANNER_HEAD,
  BANNER_PAYLOAD,
  PREAMBLE,
  GATE,
  SEGMENT0,
  SEGMENTS,
  EPILOGUE,
  STOPPED,
}

/**
 * Incremental msgr2.1 (crc mode) decoder. Bytes arrive in chunks of any
 * size; complete units (banner, preamble, segments, epilogue) are cut out
 * as slices of those chunks. A large data segment spanning many chunks stays
 * a list of slices, so nothing on the data path is concatenated.
 *
 * `feed` throws a CephError (EBADMSG for a corrupt frame, EPROTO for a
 * non-msgr2 peer) on garbage; the reader is then stopped and the owner
 * closes the connection. Errors thrown by the handlers propagate the same
 * way.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  /** Offset into chunks[0] of the first unread byte. */
  private head = 0;
  private available = 0;
  private step: Step = Step.BANNER_HEAD;
  private bannerPayloadLen = 0;
  private preamble?: Preamble;
  private segments: Buffer[][] = [];
  /** Crcs already computed while a segment was read directly, by segment index. */
  private knownCrcs: (number | undefined)[] = [];
  private direct?: DirectSegment;
  private raw?: Buffer[];
  /** Keep each frame's raw bytes (needed until AUTH_DONE for the pre-auth signature). */
  captureRaw = false;

  constructor(private readonly handlers: FrameReaderHandlers) {}

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.available;
  }

  /** True while a gate refused the current frame. */
  get blocked(): boolean {
    return this.step === Step.GATE;
  }

  get stopped(): boolean {
    return this.step === Step.STOPPED;
  }

  /** Stop for good: later input is ignored (the connection is going away). */
  stop(): void {
    this.step = Step.STOPPED;
    this.direct = undefined;
    this.chunks = [];
    this.available = 0;
    this.head = 0;
  }

  feed(chunk: Buffer): void {
    if (this.step === Step.STOPPED || chunk.length === 0) return;
    if (this.direct) {
      // Bytes read elsewhere while a segment is being read directly: they continue it.
      const d = this.direct;
      const n = Math.min(chunk.length, d.target.length - d.filled);
      chunk.copy(d.target, d.filled, 0, n);
      this.feedDirect(n);
      this.feed(chunk.subarray(n));
      return;
    }
    this.chunks.push(chunk);
    this.available += chunk.length;
    this.pump();
  }

  /**
   * Where the next socket read should land, when the reader is waiting for
   * the rest of a large segment (≥ DIRECT_READ_MIN_BYTES, after the gate,
   * outside pre-auth capture): the unfilled tail of a buffer of the
   * segment's exact length. The bytes already buffered for it are moved in
   * first. The kernel then copies the segment to its final place, with no
   * per-chunk buffers to assemble and collect later. Report what landed with
   * `feedDirect`. Undefined otherwise: read into any buffer and `feed` it.
   */
  directTarget(): Buffer | undefined {
    if (this.step !== Step.SEGMENTS || this.raw) return undefined;
    if (!this.direct) {
      const length = this.preamble!.segments[this.segments.length]!.length;
      if (length < DIRECT_READ_MIN_BYTES || this.available >= length) return undefined;
      const target = Buffer.allocUnsafe(length);
      let filled = 0;
      for (const slice of this.take(this.available)) {
        slice.copy(target, filled);
        filled += slice.length;
      }
      this.direct = { target, filled, crc: cephCrc32c(0xffffffff, target.subarray(0, filled)) };
    }
    return this.direct.target.subarray(this.direct.filled);
  }

  /** `n` bytes were read into the buffer `directTarget` returned last. */
  feedDirect(n: number): void {
    const d = this.direct;
    if (this.step === Step.STOPPED || !d || n === 0) return;
    if (n > d.target.length - d.filled) {
      this.stop();
      throw new CephError('EINVAL', `msgr2: direct read of ${n} bytes overruns its segment`);
    }
    // The bytes are still in cache: checksum them now rather than in one pass at the epilogue.
    d.crc = cephCrc32c(d.crc, d.target.subarray(d.filled, d.filled + n));
    d.filled += n;
    if (d.filled < d.target.length) return;
    this.direct = undefined;
    this.knownCrcs[this.segments.length] = d.crc;
    this.segments.push([d.target]);
    if (this.segments.length === this.preamble!.segments.length) this.step = Step.EPILOGUE;
    this.pump();
  }

  /** Resume a frame held at the gate. */
  unblock(): void {
    if (this.step !== Step.GATE) return;
    this.step = Step.SEGMENT0;
    this.pump();
  }

  /** Take exactly `n` buffered bytes as slices. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    while (n > 0) {
      const c = this.chunks[0]!;
      const room = c.length - this.head;
      if (room <= n) {
        out.push(this.head === 0 ? c : c.subarray(this.head));
        this.chunks.shift();
        this.head = 0;
        n -= room;
        this.available -= room;
      } else {
        out.push(c.subarray(this.head, this.head + n));
        this.head += n;
        this.available -= n;
        n = 0;
      }
    }
    if (this.raw) this.raw.push(...out);
    return out;
  }

  /** Take `n` bytes as one buffer (copies only if they span chunks). */
  private takeContiguous(n: number): Buffer {
    const slices = this.take(n);
    if (slices.length === 1) return slices[0]!;
    return slices.length === 0 ? Buffer.alloc(0) : Buffer.concat(slices, n);
  }

  private pump(): void {
    try {
      while (this.advance());
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  /** Perform one step if its bytes are available; false when waiting (for bytes, the gate, or stopped). */
  private advance(): boolean {
    switch (this.step) {
      case Step.BANNER_HEAD: {
        if (this.available < BANNER_HEAD_SIZE) return false;
        this.raw = [];
        this.bannerPayloadLen = decodeBannerHead(this.takeContiguous(BANNER_HEAD_SIZE));
        this.step = Step.BANNER_PAYLOAD;
        return true;
      }
      case Step.BANNER_PAYLOAD: {
        if (this.available < this.bannerPayloadLen) return false;
        const { supported, required } = decodeBannerPayload(this.takeContiguous(this.bannerPayloadLen));
        const raw = this.raw ?? [];
        this.raw = undefined;
        this.step = Step.PREAMBLE;
        this.handlers.onBanner(supported, required, raw);
        return this.step === Step.PREAMBLE;
      }
      case Step.PREAMBLE: {
        if (this.available < PREAMBLE_SIZE) return false;
        this.raw = this.captureRaw ? [] : undefined;
        this.preamble = decodePreamble(this.takeContiguous(PREAMBLE_SIZE));
        this.segments = [];
        this.knownCrcs = [];
        this.step = Step.GATE;
        if (this.handlers.gate && !this.handlers.gate(this.preamble)) return false;
        if (this.step === Step.GATE) this.step = Step.SEGMENT0;
        return this.step === Step.SEGMENT0;
      }
      case Step.GATE:
      case Step.STOPPED:
        return false;
      case Step.SEGMENT0: {
        const len = this.preamble!.segments[0]!.length;
        const need = len > 0 ? len + FRAME_CRC_SIZE : 0;
        if (this.available < need) return false;
        if (len > 0) {
          const seg = this.takeContiguous(len);
          const expected = this.takeContiguous(FRAME_CRC_SIZE).readUInt32LE(0);
          const crc = cephCrc32c(0xffffffff, seg);
          if (crc !== expected) {
            throw new CephError('EBADMSG', `msgr2: bad segment crc calculated=${crc} expected=${expected}`);
          }
          this.segments.push([seg]);
        } else {
          this.segments.push([]);
        }
        this.step = this.preamble!.segments.length > 1 ? Step.SEGMENTS : Step.PREAMBLE;
        if (this.step === Step.PREAMBLE) this.emit(true);
        return true;
      }
      case Step.SEGMENTS: {
        if (this.direct) return false;
        const desc = this.preamble!.segments[this.segments.length]!;
        if (this.available < desc.length) return false;
        this.segments.push(desc.length > 0 ? this.take(desc.length) : []);
        if (this.segments.length === this.preamble!.segments.length) this.step = Step.EPILOGUE;
        return true;
      }
      case Step.EPILOGUE: {
        if (this.available < EPILOGUE_CRC_REV1_SIZE) return false;
        const e = this.takeContiguous(EPILOGUE_CRC_REV1_SIZE);
        const late = e.readUInt8(0) & LateStatus.ABORTED_MASK;
        if (late !== LateStatus.COMPLETE && late !== LateStatus.ABORTED) {
          throw new CephError('EBADMSG', `msgr2: bad late_status 0x${e.readUInt8(0).toString(16)}`);
        }
        for (let i = 1; i < this.segments.length; i++) {
          const expected = e.readUInt32LE(1 + (i - 1) * 4);
          const crc = this.knownCrcs[i] ?? segmentCrc(this.segments[i]!);
          if (crc !== expected) {
            throw new CephError('EBADMSG', `msgr2: bad segment crc calculated=${crc} expected=${expected}`);
          }
        }
        this.step = Step.PREAMBLE;
        this.emit(late === LateStatus.COMPLETE);
        return true;
      }
    }
  }

  private emit(complete: boolean): void {
    const preamble = this.preamble!;
    const frame: ReceivedFrame = { tag: preamble.tag, segments: this.segments };
    if (this.raw) frame.raw = this.raw;
    this.raw = undefined;
    this.preamble = undefined;
    this.segments = [];
    if (complete) this.handlers.onFrame(frame);
    else this.handlers.onAborted?.(preamble);
  }
}

/** Segment `index` as one buffer (empty if absent); concatenates only when it spans chunks. */
export function segmentBuffer(frame: ReceivedFrame, index: number): Buffer {
  const slices = frame.segments[index];
  if (!slices || slices.length === 0) return Buffer.alloc(0);
  return slices.length === 1 ? slices[0]! : Buffer.concat(slices);
}

/** A readable description for logs. */
export function describeFrame(frame: ReceivedFrame): string {
  const lens = frame.segments.map((s) => s.reduce((n, b) => n + b.length, 0));
  return `${frameTagName(frame.tag)} [${lens.join(',')}]`;
}
