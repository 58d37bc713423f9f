/**
 * librbd's write-around cache (`rbd_cache=true`, `rbd_cache_policy=writearound`,
 * the Pacific default; librbd/cache/WriteAroundObjectDispatch): object writes,
 * discards and write-sames complete to the caller as soon as they are sent, while
 * at most `rbd_cache_max_dirty` bytes are in flight. Nothing is cached: reads and
 * compare-and-write wait only for in-flight writes that overlap them, and an
 * error of a write already completed to its caller is reported by the next flush.
 * With `rbd_cache_writethrough_until_flush`, writes pass straight through until
 * the first user flush (a guest that flushes is trusted to flush).
 *
 * One object write:
 *
 *   <write> → [write-through: max dirty 0] → SEND, complete on its result
 *           → [FUA] → WAIT_OVERLAP → SEND, complete on its result
 *           → overlaps an in-flight/queued extent of the object → BLOCKED
 *               (in order per object, until the overlap completes) → QUEUED
 *           → QUEUED (FIFO) until nothing is in flight or the bytes fit under max dirty
 *           → DISPATCHED: the caller completes now; SEND runs on; its result goes to
 *             the next flush, and its end may unblock and dispatch others
 *
 *   <flush> → [user flush: enable write-around] → wait for every IO issued before
 *           it → throw the first background error since the last flush, if any
 */
/** An IO that waits its turn (blocked on an overlap or queued for capacity). */
interface WaitingIo {
  tid: number;
  objectNo: number;
  offset: number;
  length: number;
  send: () => Promise<void>;
  /** Completes the caller (on dispatch). */
  dispatched: () => void;
}

/** A read or compare-and-write waiting for overlapping writes to finish. */
interface WaitingUnoptimized {
  offset: number;
  length: number;
  resume: () => void;
}

import { Deque } from '../../msg/deque.js';
import type { ImageCtx } from '../image-ctx.js';

const overlaps = (a: readonly [number, number], offset: number, length: number): boolean =>
  a[0] < offset + length && offset < a[0] + a[1];

export class WriteAroundCache {
  private maxDirty: number;
  private userFlushed = false;
  private lastTid = 0;
  private inFlightBytes = 0;
  /** Tids of IOs issued and not finished (waiting or in flight), for flush ordering. */
  private readonly openTids = new Set<number>();
  /** Extents owned by queued and in-flight IOs, per object. */
  private readonly extents = new Map<number, [number, number][]>();
  private readonly blocked = new Map<number, WaitingIo[]>();
  private readonly blockedUnoptimized = new Map<number, WaitingUnoptimized[]>();
  /** In tid order: new IOs arrive in order; unblocked ones are put back in place (insertQueued). */
  private readonly queued = new Deque<WaitingIo>();
  private flushes: { tid: number; done: () => void }[] = [];
  private pendingError: unknown;

  /**
   * @param initMaxDirty `rbd_cache_max_dirty`: 0 makes the cache write-through
   * @param writethroughUntilFlush `rbd_cache_writethrough_until_flush`
   * @param track every SEND is handed here, so image drains (snapshot, lock release, close) wait for it
   */
  constructor(
    private readonly initMaxDirty: number,
    writethroughUntilFlush: boolean,
    private readonly track: (sent: Promise<unknown>) => void,
  ) {
    this.maxDirty = writethroughUntilFlush ? 0 : initMaxDirty;
  }

  /** True while writes complete before they reach the OSDs. */
  get active(): boolean {
    return this.maxDirty > 0;
  }

  /** Bytes sent and not yet acknowledged by the OSDs. */
  get dirtyBytes(): number {
    return this.inFlightBytes;
  }

  /** A write, discard or write-same of `length` bytes at `offset` in object `objectNo`. */
  async write(
    objectNo: number,
    offset: number,
    length: number,
    send: () => Promise<void>,
    fua = false,
  ): Promise<void> {
    if (this.maxDirty === 0) return send();
    if (fua) {
      await this.waitForOverlaps(objectNo, offset, length);
      return send();
    }
    const tid = ++this.lastTid;
    this.openTids.add(tid);
    await new Promise<void>((dispatched) => {
      const io: WaitingIo = { tid, objectNo, offset, length, send, dispatched };
      if (this.claimExtent(objectNo, offset, length)) {
        this.insertQueued(io);
        this.dispatchQueued();
      } else {
        const list = this.blocked.get(objectNo) ?? [];
        list.push(io);
        this.blocked.set(objectNo, list);
      }
    });
  }

  /** Reads and compare-and-write: wait until no write in flight overlaps the range. */
  waitForOverlaps(objectNo: number, offset: number, length: number): Promise<void> {
    const owned = this.extents.get(objectNo);
    if (!owned || !owned.some((e) => overlaps(e, offset, length))) return Promise.resolve();
    return new Promise((resume) => {
      const list = this.blockedUnoptimized.get(objectNo) ?? [];
      list.push({ offset, length, resume });
      this.blockedUnoptimized.set(objectNo, list);
    });
  }

  /**
   * Wait for every IO issued so far, then report the first error of a write
   * that completed early. The first user flush turns write-around on.
   */
  async flush(source: 'user' | 'internal'): Promise<void> {
    if (source === 'user' && !this.userFlushed) {
      this.userFlushed = true;
      if (this.maxDirty === 0 && this.initMaxDirty > 0) this.maxDirty = this.initMaxDirty;
    }
    if (this.openTids.size > 0) {
      const tid = this.lastTid;
      await new Promise<void>((done) => this.flushes.push({ tid, done }));
    }
    const err = this.pendingError;
    this.pendingError = undefined;
    if (err !== undefined) throw err;
  }

  /** Own [offset, offset+length) of the object unless an owned extent overlaps it. */
  private claimExtent(objectNo: number, offset: number, length: number): boolean {
    const owned = this.extents.get(objectNo) ?? [];
    if (owned.some((e) => overlaps(e, offset, length))) return false;
    owned.push([offset, length]);
    this.extents.set(objectNo, owned);
    return true;
  }

  /** Dispatch queued IOs in order while nothing is in flight or they fit under max dirty. */
  private dispatchQueued(): void {
    for (let io = this.queued.peek(); io; io = this.queued.peek()) {
      if (this.inFlightBytes > 0 && this.inFlightBytes + io.length > this.maxDirty) return;
      this.queued.shift();
      this.inFlightBytes += io.length;
      const sent = io.send().then(
        () => this.finished(io, undefined),
        (err: unknown) => this.finished(io, err),
      );
      this.track(sent);
      io.dispatched();
    }
  }

  private finished(io: WaitingIo, err: unknown): void {
    this.inFlightBytes -= io.length;
    this.openTids.delete(io.tid);
    if (err !== undefined) this.pendingError ??= err;
    this.release(io.objectNo, io.offset, io.length);
    this.dispatchQueued();
    this.completeFlushes();
  }

  /** Drop an extent; resume reads it held, then move this object's blocked writes along in order. */
  private release(objectNo: number, offset: number, length: number): void {
    const owned = (this.extents.get(objectNo) ?? []).filter((e) => !(e[0] === offset && e[1] === length));
    const waitingReads = this.blockedUnoptimized.get(objectNo) ?? [];
    const stillWaiting: WaitingUnoptimized[] = [];
    for (const w of waitingReads) {
      if (owned.some((e) => overlaps(e, w.offset, w.length))) stillWaiting.push(w);
      else w.resume();
    }
    if (stillWaiting.length > 0) this.blockedUnoptimized.set(objectNo, stillWaiting);
    else this.blockedUnoptimized.delete(objectNo);

    const writes = this.blocked.get(objectNo) ?? [];
    let moved = 0;
    for (const w of writes) {
      // A read still waiting keeps later overlapping writes behind it, as in librbd.
      if (stillWaiting.some((r) => overlaps([r.offset, r.length], w.offset, w.length))) break;
      if (owned.some((e) => overlaps(e, w.offset, w.length))) break;
      owned.push([w.offset, w.length]);
      this.insertQueued(w);
      moved++;
    }
    if (moved === writes.length) this.blocked.delete(objectNo);
    else this.blocked.set(objectNo, writes.slice(moved));
    if (owned.length > 0) this.extents.set(objectNo, owned);
    else this.extents.delete(objectNo);
  }

  /** Queue `io` in tid order (it is almost always the newest: then this is a push). */
  private insertQueued(io: WaitingIo): void {
    const later: WaitingIo[] = [];
    for (let last = this.queued.pop(); last; last = this.queued.pop()) {
      if (last.tid < io.tid) {
        this.queued.push(last);
        break;
      }
      later.push(last);
    }
    this.queued.push(io);
    for (let i = later.length - 1; i >= 0; i--) this.queued.push(later[i]!);
  }

  /** Flushes issued before the oldest open IO are done. */
  private completeFlushes(): void {
    if (this.flushes.length === 0) return;
    let oldest = Infinity;
    for (const tid of this.openTids) oldest = Math.min(oldest, tid);
    const ready = this.flushes.filter((f) => f.tid < oldest);
    if (ready.length === 0) return;
    this.flushes = this.flushes.filter((f) => f.tid >= oldest);
    for (const f of ready) f.done();
  }
}

/** The cache an image opened for writing gets from its options (librbd's OpenRequest::send_init_cache). */
export function writeAroundFor(ictx: ImageCtx): WriteAroundCache | null {
  // The writethrough and writeback policies use librbd's ObjectCacher, which tsceph does not
  // have: images under them write through.
  if (ictx.option('rbd_cache') !== true || ictx.stringOption('rbd_cache_policy') !== 'writearound')
    return null;
  return new WriteAroundCache(
    Number(ictx.option('rbd_cache_max_dirty')),
    ictx.option('rbd_cache_writethrough_until_flush') === true,
    (sent) => ictx.trackWrite(sent),
  );
}
