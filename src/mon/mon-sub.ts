/**
 * Subscription bookkeeping for the MonClient (what Ceph's MonSub does): which
 * maps we want from which epoch, what has been sent to the current mon, and
 * how a new session re-requests everything.
 *
 *   want(what, start, flags) → [new] --renewed()--> [sent] --got(what, epoch)--> start = epoch+1
 *                                ^                     |
 *                                +------ reload() -----+   (new mon session: send everything again)
 *
 * ONETIME subscriptions are dropped once satisfied.
 */

/** `CEPH_SUBSCRIBE_ONETIME`: deliver once, then forget the subscription. */
export const SUBSCRIBE_ONETIME = 1;

/** `ceph_mon_subscribe_item`: the first epoch wanted and flags. */
export interface SubscribeItem {
  start: number;
  flags: number;
}

export class MonSub {
  /** Subscriptions not yet sent to the current session. */
  private readonly pending = new Map<string, SubscribeItem>();
  /** Subscriptions sent to the current session. */
  private readonly sent = new Map<string, SubscribeItem>();

  /** Ask for `what` from epoch `start`; returns false when nothing changed. */
  want(what: string, start: number, flags: number): boolean {
    const cur = this.pending.get(what) ?? this.sent.get(what);
    if (cur && cur.start === start && cur.flags === flags) return false;
    this.pending.set(what, { start, flags });
    return true;
  }

  /** Ask for `what` only if we don't already want an epoch at or past `start`. */
  wantIncrement(what: string, start: number, flags: number): boolean {
    const cur = this.pending.get(what) ?? this.sent.get(what);
    if (cur && cur.start >= start) return false;
    this.pending.set(what, { start, flags });
    return true;
  }

  unwant(what: string): void {
    this.pending.delete(what);
    this.sent.delete(what);
  }

  haveNew(): boolean {
    return this.pending.size > 0;
  }

  /** What to put in the next MMonSubscribe, sorted by name as Ceph's std::map is. */
  getSubs(): Map<string, SubscribeItem> {
    return new Map([...this.pending.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The pending subscriptions were sent. */
  renewed(): void {
    for (const [what, item] of this.pending) this.sent.set(what, item);
    this.pending.clear();
  }

  /** A map `what` at `epoch` arrived: advance (or drop a one-time subscription). */
  got(what: string, epoch: number): void {
    for (const table of [this.pending, this.sent]) {
      const item = table.get(what);
      if (!item || item.start > epoch) continue;
      if (item.flags & SUBSCRIBE_ONETIME) table.delete(what);
      else item.start = epoch + 1;
    }
  }

  /** A new session starts: everything sent must be sent again. Returns whether there is anything to send. */
  reload(): boolean {
    for (const [what, item] of this.sent) if (!this.pending.has(what)) this.pending.set(what, item);
    this.sent.clear();
    return this.pending.size > 0;
  }
}
