/**
 * Where a client socket's reads land, through Node's `onread` option (a
 * buffer generator plus a callback) instead of 'data' events:
 *
 *   after each read → ask the sink for a direct target (the unfilled tail of
 *   a large segment) → read there and report it with `onDirectRead`
 *                   → none: read into the unused tail of a shared pool
 *                     buffer and hand that slice to `onChunk`
 *
 * Small frames share one pool buffer (one allocation per POOL_BYTES, not one
 * per read), and a large data segment is written by the kernel straight into
 * its final buffer: no per-read chunks to allocate, concatenate and collect.
 * Until a sink is attached (the socket exists before its session), reads go
 * to the pool and are kept for the sink.
 */

/** What consumes a socket's reads (a msgr2 Session). */
export interface ReadSink {
  /** The buffer the next read should fill, or undefined for "anywhere". */
  directTarget(): Buffer | undefined;
  /** `n` bytes landed at the start of the buffer `directTarget` returned. */
  onDirectRead(n: number): void;
  /** Bytes read into a pool slice (the slice stays valid: pools are never reused). */
  onChunk(chunk: Buffer): void;
}

/** Size of each pool buffer; a new one starts when less than POOL_MIN_ROOM is left. */
export const POOL_BYTES = 256 * 1024;
export const POOL_MIN_ROOM = 16 * 1024;

export class SocketReads {
  private pool = Buffer.allocUnsafe(POOL_BYTES);
  private used = 0;
  /** True when the buffer handed out last was the sink's direct target. */
  private directPending = false;
  private sink?: ReadSink;
  private early: Buffer[] = [];

  /** The `onread` option for `net.connect`. */
  readonly onread = {
    buffer: (): Buffer => this.nextBuffer(),
    // Always true: pausing is the session's business (socket.pause at its gate).
    callback: (n: number): boolean => {
      this.onRead(n);
      return true;
    },
  };

  /** Start delivering to `sink` (first what arrived before it). */
  attach(sink: ReadSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const chunk of early) sink.onChunk(chunk);
  }

  private nextBuffer(): Buffer {
    const target = this.sink?.directTarget();
    if (target && target.length > 0) {
      this.directPending = true;
      return target;
    }
    this.directPending = false;
    if (POOL_BYTES - this.used < POOL_MIN_ROOM) {
      this.pool = Buffer.allocUnsafe(POOL_BYTES);
      this.used = 0;
    }
    return this.pool.subarray(this.used);
  }

  private onRead(n: number): void {
    if (this.directPending) {
      this.sink!.onDirectRead(n);
      return;
    }
    const chunk = this.pool.subarray(this.used, this.used + n);
    this.used += n;
    if (this.sink) this.sink.onChunk(chunk);
    else this.early.push(chunk);
  }
}
