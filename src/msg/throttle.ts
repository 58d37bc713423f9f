import { assert } from '../common/errors.js';

/**
 * Ceph's `Throttle`: a counter with a maximum. `getOrFail` takes units if
 * they fit; `get` queues a FIFO waiter that is granted when enough units
 * come back. A request larger than the maximum is let through once the
 * throttle is empty (otherwise it could never pass). `max` 0 disables it.
 */
export class Throttle {
  private count = 0;
  private waiters: { units: number; grant: () => void }[] = [];

  constructor(
    readonly name: string,
    private maxUnits: number,
  ) {
    assert(maxUnits >= 0, `throttle ${name}: negative max`);
  }

  get current(): number {
    return this.count;
  }

  get max(): number {
    return this.maxUnits;
  }

  /** Waiters not yet granted. */
  get waiting(): number {
    return this.waiters.length;
  }

  private shouldWait(units: number): boolean {
    const m = this.maxUnits;
    if (m === 0) return false;
    // Normally stay under max; a single request above max waits until the throttle drains.
    return (units <= m && this.count + units > m) || (units > m && this.count > 0);
  }

  /** Take `units` now if they fit and nobody is queued ahead; false otherwise. */
  getOrFail(units = 1): boolean {
    if (this.waiters.length > 0 || this.shouldWait(units)) return false;
    this.count += units;
    return true;
  }

  /**
   * Queue for `units`; `onGranted` runs (from a microtask) once they are
   * taken. Returns a cancel function that withdraws a waiter not yet granted
   * (it does not return units already granted: call `put` for those).
   */
  get(units: number, onGranted: () => void): () => void {
    if (this.getOrFail(units)) {
      queueMicrotask(onGranted);
      return () => {};
    }
    const waiter = { units, grant: onGranted };
    this.waiters.push(waiter);
    return () => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) {
        this.waiters.splice(i, 1);
        this.wake();
      }
    };
  }

  /** Return `units`, waking queued waiters in order while they fit. */
  put(units = 1): void {
    assert(units <= this.count, `throttle ${this.name}: put ${units} > current ${this.count}`);
    this.count -= units;
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length > 0 && !this.shouldWait(this.waiters[0]!.units)) {
      const w = this.waiters.shift()!;
      this.count += w.units;
      queueMicrotask(w.grant);
    }
  }

  /** Change the maximum (config change); waiters that now fit are woken. */
  resetMax(maxUnits: number): void {
    this.maxUnits = maxUnits;
    this.wake();
  }
}
