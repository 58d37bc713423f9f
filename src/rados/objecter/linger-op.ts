/**
 * A linger registration (`Objecter::LingerOp`): a watch, or a notify waiting
 * for its completion. It outlives any one OSD: on a map change or a
 * connection reset the Objecter sends it again — a watch as a RECONNECT with
 * a new generation, so the OSD can tell a stale registration from a live one.
 */
import type { OSDOp } from '../../msg/messages/osd-op.js';
import type { UTime } from '../../encoding/types.js';
import type { OpTarget } from './op-target.js';
import type { OsdSession } from './osd-session.js';
import type { SnapContext } from './objecter-op.js';

/** A notification delivered to a watch (`CEPH_WATCH_EVENT_NOTIFY`). */
export interface WatchNotifyEvent {
  /** The OSD's id for this notify; `notifyAck` echoes it. */
  notifyId: bigint;
  /** The watch cookie (our linger id). */
  cookie: bigint;
  /** Global id of the client that sent the notify. */
  notifierGid: bigint;
  /** The notifier's payload. */
  payload: Buffer;
}

/** What a watcher supplies: notifications, and errors that mean the watch is gone. */
export interface WatchHandler {
  onNotify(event: WatchNotifyEvent): void;
  /** The watch was lost (ENOTCONN, EBLOCKLISTED…); the owner re-watches if it wants to. */
  onError(err: Error): void;
}

/** The completion of a notify: the acks (gid, cookie, payload) and the watchers that timed out. */
export interface NotifyCompletion {
  /** `return_code`: 0, or -ETIMEDOUT when some watchers did not ack. */
  result: number;
  /** The encoded reply (`map<pair<gid,cookie>, bufferlist>` acks then the timed-out list). */
  payload: Buffer;
}

export class LingerOp {
  /** Ops sent to register (WATCH, or NOTIFY). */
  ops: OSDOp[] = [];
  /** `registered`: the OSD confirmed the registration once. */
  registered = false;
  /** `register_gen`: bumped on each reconnect, echoed in pings. */
  registerGen = 0;
  /** `last_error`: once set, the watch is dead until the owner re-watches. */
  lastError = 0;
  /** `watch_valid_thru`: when the last ping that succeeded was sent (ms). */
  watchValidThruMs = 0;
  /** Tid of the op currently (re)registering, so a new send cancels the old one. */
  registerTid = 0n;
  session: OsdSession | undefined;
  /** `notify_id` from the notify op's reply. */
  notifyId = 0n;
  /** A NOTIFY_COMPLETE that arrived before the notify op's own reply. */
  earlyCompletion: NotifyCompletion | undefined;
  canceled = false;
  /** Resolved when the first registration is committed (or fails). */
  onRegistered: ((err: Error | undefined) => void) | undefined;
  /** For notifies: resolved with the completion. */
  onNotifyComplete: ((c: NotifyCompletion) => void) | undefined;

  constructor(
    /** `linger_id`: also the watch cookie and notify cookie. */
    readonly lingerId: bigint,
    readonly target: OpTarget,
    readonly isWatch: boolean,
    readonly snapc: SnapContext,
    readonly mtime: UTime,
    readonly handler: WatchHandler | undefined,
  ) {}

  get cookie(): bigint {
    return this.lingerId;
  }
}
