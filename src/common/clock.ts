/**
 * The one injectable source of time. Production code takes a `Clock` (default
 * `systemClock`); tests pass a `ManualClock` and move time forward explicitly,
 * so state machines with timeouts run without real sleeps.
 */
import { assert } from './errors.js';

/** An opaque timer handle. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (may be fractional). */
  now(): number;
  /** Call `fn` after `delayMs`; the returned handle cancels it. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A promise resolved after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
}

let nextTimerId = 1;

/** Real time: Date plus the high-resolution timer for sub-millisecond stamps; timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, delayMs) {
    const timer = setTimeout(fn, delayMs);
    timer.unref();
    const handle = { id: nextTimerId++, timer };
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout((handle as unknown as { timer: NodeJS.Timeout }).timer);
  },
  sleep(delayMs) {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  },
};

interface PendingTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * Simulated time. Timers fire, in due-time then creation order, only when the
 * test calls `advance()` / `runUntilIdle()`.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: PendingTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = { id: nextTimerId++, at: this.current + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due (timers set by timers included). */
  advance(ms: number): void {
    assert(ms >= 0, 'ManualClock: time only moves forward');
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** Fire timers until none is left, at most `maxTimers` of them (guards against self-rearming loops). */
  runUntilIdle(maxTimers = 10_000): void {
    for (let fired = 0; this.timers.length > 0; fired++) {
      assert(fired < maxTimers, 'ManualClock: timers keep rearming');
      const next = this.nextDue(Infinity)!;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}
