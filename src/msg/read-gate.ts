import type { Throttle } from './throttle.js';

/**
 * Throttle budget held by one incoming MESSAGE frame, from its preamble
 * until its dispatch ends (ProtocolV2's THROTTLE_MESSAGE → THROTTLE_BYTES →
 * THROTTLE_DISPATCH_QUEUE → THROTTLE_DONE). Stages are taken in that order:
 * one unit of the peer policy's message throttler, the message's bytes from
 * the policy's byte throttler, then its bytes from the messenger's dispatch
 * throttler. A stage whose throttle is full queues a waiter; reading of the
 * socket stays paused until every stage is held.
 */
export class Reservation {
  private readonly taken = [0, 0, 0];
  private stage = 0;
  private cancelWait?: () => void;
  private released = false;

  constructor(
    /** [messages, bytes, dispatch bytes] throttles; undefined ones are skipped. */
    private readonly throttles: readonly [Throttle | undefined, Throttle | undefined, Throttle],
    /** Bytes of front, middle and data. */
    readonly size: number,
  ) {}

  private units(stage: number): number {
    return stage === 0 ? 1 : this.size;
  }

  /** The throttle this reservation is waiting on, if any (for logs). */
  get waitingOn(): Throttle | undefined {
    return this.cancelWait ? this.throttles[this.stage] : undefined;
  }

  /**
   * Take every stage that is available now. Returns true when all are held;
   * otherwise `onComplete` runs once the remaining stages were granted.
   */
  acquire(onComplete: () => void): boolean {
    while (this.stage < 3) {
      const stage = this.stage;
      const throttle = this.throttles[stage];
      const units = this.units(stage);
      if (!throttle || units === 0) {
        this.stage++;
        continue;
      }
      if (throttle.getOrFail(units)) {
        this.taken[stage] = units;
        this.stage++;
        continue;
      }
      this.cancelWait = throttle.get(units, () => {
        this.cancelWait = undefined;
        if (this.released) {
          throttle.put(units);
          return;
        }
        this.taken[stage] = units;
        this.stage++;
        if (this.acquire(onComplete)) onComplete();
      });
      return false;
    }
    return true;
  }

  /** Give everything back (dispatch finished, frame aborted, or connection reset). Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.cancelWait?.();
    this.cancelWait = undefined;
    for (let stage = 0; stage < 3; stage++) {
      if (this.taken[stage]! > 0) this.throttles[stage]!.put(this.taken[stage]!);
      this.taken[stage] = 0;
    }
  }
}
