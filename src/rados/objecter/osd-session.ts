/**
 * One OSD as the Objecter sees it (`Objecter::OSDSession`): the connection,
 * the ops and linger registrations currently addressed to it, and the
 * backoffs it asked us to honour. The homeless session (osd -1) holds ops
 * that have nowhere to go until a newer map arrives.
 */
import type { Connection } from '../../msg/connection.js';
import type { HObject, SpgId } from '../../encoding/osd-types.js';
import { compareHObjects } from './hobject-order.js';
import type { LingerOp } from './linger-op.js';
import type { ObjecterOp } from './objecter-op.js';

/** A range of objects in one PG that the OSD told us not to send ops for (`OSDBackoff`). */
export interface Backoff {
  /** The PG (with shard) the block applies to. */
  pgid: SpgId;
  /** The OSD's id for this backoff, echoed in our ACK_BLOCK. */
  id: bigint;
  /** First object blocked. */
  begin: HObject;
  /** First object past the block. */
  end: HObject;
}

export class OsdSession {
  /** In-flight ops by tid, in tid order (Map keeps insertion order and tids only grow). */
  readonly ops = new Map<bigint, ObjecterOp>();
  /** Linger registrations (watch/notify) by linger id. */
  readonly lingers = new Map<bigint, LingerOp>();
  /** Backoffs by PG key (`pool.seed.shard`). */
  readonly backoffs = new Map<string, Backoff[]>();
  /** Bumped each time the connection is replaced, so late events for an old one are ignored. */
  incarnation = 0;

  constructor(
    /** The OSD id, or -1 for the homeless session. */
    readonly osd: number,
    /** The connection (none for the homeless session). */
    public con: Connection | undefined,
  ) {}

  get isHomeless(): boolean {
    return this.osd < 0;
  }

  /** The backoff covering `hobj` in `pgid`, if any. */
  backoffFor(pgid: SpgId, hobj: HObject): Backoff | undefined {
    const list = this.backoffs.get(pgKey(pgid));
    if (!list) return undefined;
    return list.find((b) => containedBy(hobj, b.begin, b.end));
  }

  addBackoff(b: Backoff): void {
    const key = pgKey(b.pgid);
    const list = this.backoffs.get(key) ?? [];
    list.push(b);
    this.backoffs.set(key, list);
  }

  /** Remove the backoff with this id; returns it (its range says which held ops to send). */
  removeBackoff(pgid: SpgId, id: bigint): Backoff | undefined {
    const key = pgKey(pgid);
    const list = this.backoffs.get(key);
    if (!list) return undefined;
    const i = list.findIndex((b) => b.id === id);
    if (i < 0) return undefined;
    const [b] = list.splice(i, 1);
    if (list.length === 0) this.backoffs.delete(key);
    return b;
  }

  /** Sorted by tid, which is the order ops must be (re)sent in to keep per-object ordering. */
  opsInOrder(): ObjecterOp[] {
    return [...this.ops.values()].sort((a, b) => (a.tid < b.tid ? -1 : a.tid > b.tid ? 1 : 0));
  }
}

/**
 * `op_target_t::contained_by`: the object is the range's first, or strictly
 * inside it — so a one-object backoff (begin == end) holds exactly that object.
 */
export function containedBy(hobj: HObject, begin: HObject, end: HObject): boolean {
  const r = compareHObjects(hobj, begin);
  return r === 0 || (r > 0 && compareHObjects(hobj, end) < 0);
}

export function pgKey(pgid: SpgId): string {
  return `${pgid.pgid.pool}.${pgid.pgid.seed}.${pgid.shard}`;
}
