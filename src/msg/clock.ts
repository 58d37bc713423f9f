/**
 * The messenger's source of time: wall-clock milliseconds (keepalive stamps,
 * timeouts) and timers (backoff, connection ticks, injected delays). Tests
 * pass a ManualClock so reconnect and timeout paths run without real sleeps.
 */

/** An opaque timer handle returned by `Clock.setTimer`. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Run `fn` once after `delayMs`; the handle cancels it. */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
}

let nextTimerId = 1;

/** The real clock: Date.now() and Node's timers (unref'd so they never keep a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { id: nextTimerId++, t } as TimerHandle;
  },
  cancelTimer(handle) {
    clearTimeout((handle as TimerHandle & { t: NodeJS.Timeout }).t);
  },
};

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to: `advance(ms)` fires due timers in
 * time order (timers scheduled by a firing timer fire too if they fall due).
 */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];

  constructor(private nowMs = 1_700_000_000_000) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer = { id: nextTimerId++, at: this.nowMs + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  cancelTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = Math.max(this.nowMs, next.at);
      next.fn();
    }
    this.nowMs = target;
  }
}

/** A promise that resolves after `ms` on `clock`. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}
