import { Deque } from './deque.js';
import { MessagePriority, type Message } from './message.js';

/**
 * A connection's outgoing side (ProtocolV2's out_queue and sent list):
 * messages wait per priority (highest first, FIFO within a priority); once
 * written on a lossless connection they move to `sent` until acknowledged,
 * and a fault puts them back at the head of the queue to be replayed.
 */
export class OutQueue {
  private queues = new Map<number, Deque<Message>>();
  /** Priorities present, highest first. */
  private priorities: number[] = [];
  /** Written but not yet acknowledged (lossless connections only). */
  readonly sent = new Deque<Message>();

  push(priority: number, msg: Message, front = false): void {
    let q = this.queues.get(priority);
    if (!q) {
      q = new Deque<Message>();
      this.queues.set(priority, q);
      this.priorities.push(priority);
      this.priorities.sort((a, b) => b - a);
    }
    if (front) q.unshift(msg);
    else q.push(msg);
  }

  /** The next message to write: highest priority first. */
  next(): Message | undefined {
    for (const p of this.priorities) {
      const m = this.queues.get(p)!.shift();
      if (m) return m;
    }
    return undefined;
  }

  get empty(): boolean {
    for (const q of this.queues.values()) if (q.length > 0) return false;
    return true;
  }

  /** Messages waiting to be written. */
  get length(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Put unacknowledged messages back at the head of the HIGHEST queue, in
   * their original order (they keep their seqs). Returns how many moved.
   */
  requeueSent(): number {
    const n = this.sent.length;
    for (let m = this.sent.pop(); m; m = this.sent.pop()) this.push(MessagePriority.HIGHEST, m, true);
    return n;
  }

  /**
   * Drop requeued messages the peer already has (seq ≤ `seq`) and return the
   * new out_seq. Mirrors ProtocolV2::discard_requeued_up_to, quirks included:
   * with nothing in the HIGHEST queue it returns `seq` itself.
   */
  discardRequeuedUpTo(outSeq: number, seq: number): number {
    const q = this.queues.get(MessagePriority.HIGHEST);
    if (!q || q.length === 0) return seq;
    let count = outSeq;
    for (let m = q.peek(); m; m = q.peek()) {
      const s = Number(m.seq);
      if (s === 0 || s > seq) break;
      q.shift();
      count++;
    }
    return count;
  }

  /** The peer has everything up to `seq`: forget those sent messages. */
  trimAcked(seq: number): void {
    for (let m = this.sent.peek(); m && Number(m.seq) <= seq; m = this.sent.peek()) this.sent.shift();
  }

  clear(): void {
    this.sent.clear();
    this.queues.clear();
    this.priorities = [];
  }
}
