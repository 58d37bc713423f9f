/**
 * `TaskFinisher`: keyed one-shot tasks, either queued to run at once (on the
 * next turn) or timed. A key holds at most one task: queueing a key that is
 * already queued drops the new one — this is what throttles ASYNC_PROGRESS to
 * one pending notification per request — while queueing a key that waits on
 * a timer replaces the timer with an immediate run. Cancelling runs the task
 * with `canceled = true` (Ceph completes the context with -ECANCELED), so a
 * task can decide to act on cancellation too (the quiesce timer does).
 */
import type { Clock, TimerHandle } from '../../common/clock.js';

export type Task = (canceled: boolean) => void;

interface Entry {
  task: Task;
  /** Set while the task waits on a timer; undefined once queued to run. */
  timer: TimerHandle | undefined;
}

export class TaskFinisher {
  private readonly tasks = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** Is a task pending under `key`? */
  has(key: string): boolean {
    return this.tasks.has(key);
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Run `task` on the next turn unless one is already queued under `key` (returns false then). */
  queue(key: string, task: Task): boolean {
    const existing = this.tasks.get(key);
    if (existing) {
      if (existing.timer === undefined) return false;
      this.clock.clearTimeout(existing.timer);
    }
    const entry: Entry = { task, timer: undefined };
    this.tasks.set(key, entry);
    queueMicrotask(() => this.complete(key, entry));
    return true;
  }

  /** Run `task` after `delayMs` unless something is already pending under `key` (returns false then). */
  addEventAfter(key: string, delayMs: number, task: Task): boolean {
    if (this.tasks.has(key)) return false;
    const entry: Entry = { task, timer: undefined };
    entry.timer = this.clock.setTimeout(() => this.complete(key, entry), delayMs);
    this.tasks.set(key, entry);
    return true;
  }

  /** Restart the timer of a timed task (false when there is none, or it is already queued). */
  rescheduleEventAfter(key: string, delayMs: number): boolean {
    const entry = this.tasks.get(key);
    if (!entry || entry.timer === undefined) return false;
    this.clock.clearTimeout(entry.timer);
    entry.timer = this.clock.setTimeout(() => this.complete(key, entry), delayMs);
    return true;
  }

  /** Cancel the task under `key`, running it with `canceled = true`. */
  cancel(key: string): boolean {
    const entry = this.tasks.get(key);
    if (!entry) return false;
    this.tasks.delete(key);
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.task(true);
    return true;
  }

  cancelAll(): void {
    for (const key of [...this.tasks.keys()]) this.cancel(key);
  }

  private complete(key: string, entry: Entry): void {
    if (this.tasks.get(key) !== entry) return; // cancelled or replaced
    this.tasks.delete(key);
    entry.task(false);
  }
}
