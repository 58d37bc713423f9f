import type { Clock, TimerHandle } from './clock.js';
import type { Message } from './message.js';

/**
 * Ceph's DelayedDelivery (ms_inject_delay_*): received messages of one
 * connection held back until their release time. Order is kept — a message
 * with no delay still waits behind an earlier delayed one.
 */
export class DelayedDelivery {
  private held: { msg: Message; release: () => void; atMs: number }[] = [];
  private timer?: TimerHandle;

  constructor(
    private readonly clock: Clock,
    /** Passes a message on to the dispatch queue. */
    private readonly deliver: (msg: Message, release: () => void) => void,
  ) {}

  get length(): number {
    return this.held.length;
  }

  /** Hold `msg` for `delayMs` (0 = only behind earlier ones). */
  queue(msg: Message, release: () => void, delayMs: number): void {
    this.held.push({ msg, release, atMs: this.clock.now() + delayMs });
    this.pump();
  }

  private pump(): void {
    const now = this.clock.now();
    while (this.held.length > 0 && this.held[0]!.atMs <= now) {
      const d = this.held.shift()!;
      this.deliver(d.msg, d.release);
    }
    if (this.held.length > 0 && !this.timer) {
      this.timer = this.clock.setTimer(() => {
        this.timer = undefined;
        this.pump();
      }, this.held[0]!.atMs - now);
    }
  }

  /** Deliver everything now (the connection is stopping). */
  flush(): void {
    this.cancelTimer();
    for (const d of this.held.splice(0)) this.deliver(d.msg, d.release);
  }

  /** Drop everything, returning throttle budget (the session was reset). */
  discard(): void {
    this.cancelTimer();
    for (const d of this.held.splice(0)) d.release();
  }

  private cancelTimer(): void {
    if (this.timer) this.clock.cancelTimer(this.timer);
    this.timer = undefined;
  }
}
