/**
 * A fake MonClient with exactly the surface the Objecter uses — the
 * 'session' event, subWant / renewSubs / subGot, getVersion('osdmap'), fsid
 * and globalId — and the monitor's side of the "osdmap" subscription: a
 * renewed subscription whose start the cluster has reached is answered with
 * MOSDMap (every full map from start to the newest; only the newest when
 * start is 0), then dropped if ONETIME or moved past the newest epoch if
 * continuous. The maps are dispatched to the Objecter's `msDispatch`
 * asynchronously, as if they came off the mon connection.
 */
import { EventEmitter } from 'node:events';
import type { Connection } from '../../src/msg/connection.js';
import type { Dispatcher } from '../../src/msg/dispatch-queue.js';
import { MOSDMap } from '../../src/msg/messages/mon-osd-map.js';

/** `CEPH_SUBSCRIBE_ONETIME`. */
export const SUBSCRIBE_ONETIME = 1;

/** Where the fake mon gets its maps. */
export interface MapSource {
  readonly fsid: string;
  /** The newest epoch. */
  epoch(): number;
  /** The full map of an epoch, encoded. */
  fullMap(epoch: number): Buffer | undefined;
  /** The incremental that made an epoch, encoded, if there is one. */
  incrementalMap(epoch: number): Buffer | undefined;
}

interface Sub {
  start: number;
  flags: number;
}

export class FakeMonClient extends EventEmitter {
  readonly fsid: string;
  /** Subscriptions as the client wants them (`sub_new`/`sub_sent` merged). */
  readonly wanted = new Map<string, Sub>();
  /** Subscriptions the "monitor" holds (sent by renewSubs). */
  readonly monSubs = new Map<string, Sub>();
  /** Every call the Objecter made, for assertions (`subWant osdmap 5 1`, `renewSubs`, `getVersion osdmap`). */
  readonly calls: string[] = [];
  /** Epochs delivered, one list per MOSDMap sent. */
  readonly deliveries: number[][] = [];
  /** Send incrementals where an epoch has one (default); false sends full maps only. */
  useIncrementals = true;
  /** Answer getVersion with this epoch instead of the newest (undefined: the newest). */
  versionOverride: number | undefined;
  private target: Dispatcher | undefined;

  constructor(
    private readonly source: MapSource,
    readonly globalId: bigint,
  ) {
    super();
    this.fsid = source.fsid;
  }

  /** Where MOSDMaps go (the Objecter). */
  attach(target: Dispatcher): void {
    this.target = target;
  }

  subWant(what: string, start: number, flags = 0): void {
    this.calls.push(`subWant ${what} ${start} ${flags}`);
    const cur = this.wanted.get(what);
    if (cur && cur.start === start && cur.flags === flags) return;
    this.wanted.set(what, { start, flags });
    this.renewSubs();
  }

  renewSubs(): void {
    this.calls.push('renewSubs');
    for (const [what, sub] of this.wanted) this.monSubs.set(what, { ...sub });
    this.checkSubs();
  }

  subGot(what: string, epoch: number): void {
    this.calls.push(`subGot ${what} ${epoch}`);
    const sub = this.wanted.get(what);
    if (!sub || sub.start > epoch) return;
    if (sub.flags & SUBSCRIBE_ONETIME) this.wanted.delete(what);
    else sub.start = epoch + 1;
  }

  getVersion(what: string): Promise<{ version: number; oldestVersion: number }> {
    this.calls.push(`getVersion ${what}`);
    return Promise.resolve({ version: this.versionOverride ?? this.source.epoch(), oldestVersion: 1 });
  }

  /** The monitor committed a new epoch: answer subscriptions that wait for it. */
  checkSubs(): void {
    const sub = this.monSubs.get('osdmap');
    const newest = this.source.epoch();
    if (!sub || newest === 0 || sub.start > newest) return;
    const from = sub.start === 0 ? newest : sub.start;
    if (sub.flags & SUBSCRIBE_ONETIME) this.monSubs.delete('osdmap');
    else sub.start = newest + 1;
    // start 0 means "I have no map": the mon answers with the newest full map.
    this.send(from, newest, sub.start === 0);
  }

  /**
   * Send epochs `from..to` now, whatever the subscriptions say (an OSD
   * sharing its map does this): as an incremental where the epoch has one,
   * else as a full map; `firstFull` sends the first epoch as a full map.
   */
  send(from: number, to: number, firstFull = false): void {
    const maps = new Map<number, Buffer>();
    const incrementals = new Map<number, Buffer>();
    for (let e = Math.max(1, from); e <= to; e++) {
      const full = firstFull && e === Math.max(1, from);
      const inc = this.useIncrementals && !full ? this.source.incrementalMap(e) : undefined;
      if (inc) {
        incrementals.set(e, inc);
        continue;
      }
      const m = this.source.fullMap(e);
      if (m) maps.set(e, m);
    }
    if (maps.size === 0 && incrementals.size === 0) return;
    this.deliveries.push([...maps.keys(), ...incrementals.keys()].sort((a, b) => a - b));
    const msg = new MOSDMap({
      fsid: this.fsid,
      maps,
      incrementalMaps: incrementals,
      oldestMap: 1,
      newestMap: this.source.epoch(),
    });
    const target = this.target;
    setImmediate(() => target?.msDispatch(msg, undefined as unknown as Connection));
  }

  /** A new mon session (after a hunt): the Objecter re-checks its subscription. */
  newSession(): void {
    this.emit('session');
  }
}
