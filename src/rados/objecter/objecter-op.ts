/**
 * An op in flight inside the Objecter (`Objecter::Op`): the target, the
 * OSDOps, the snap context, the attempt count, and the promise the caller
 * awaits.
 */
import type { OSDOp } from '../../msg/messages/osd-op.js';
import type { TimerHandle } from '../../msg/clock.js';
import type { UTime } from '../../encoding/types.js';
import type { EVersion } from '../../encoding/osd-types.js';
import type { OpTarget } from './op-target.js';
import type { OsdSession } from './osd-session.js';

/** `SnapContext`: the snaps a write must preserve (newest first) and their seq. */
export interface SnapContext {
  /** `seq`: the newest snap id the writer knows of. */
  seq: bigint;
  /** `snaps`: existing snap ids, descending. */
  snaps: bigint[];
}

/** What a completed op returns: the overall result, each op's rval/outdata, and the object version. */
export interface OpReply {
  /** The OSD's result: 0 (or a read length) on success, negative errno on failure. */
  result: number;
  /** The ops as the OSD returned them (rval and outdata per op). */
  ops: OSDOp[];
  /** `user_version`: the object's version after (or at) this op. */
  version: bigint;
  /** `replay_version`: the PG log position of a write. */
  replayVersion: EVersion;
  /** Epoch of the map the OSD replied in. */
  epoch: number;
}

export interface ObjecterOp {
  /** Transaction id; 0 until submitted. */
  tid: bigint;
  target: OpTarget;
  ops: OSDOp[];
  /** Read snap (CEPH_NOSNAP for the head). */
  snapId: bigint;
  snapc: SnapContext;
  mtime: UTime;
  /** How many times it was sent (the OSD sees attempts-1 as retry_attempt of the last send). */
  attempts: number;
  session: OsdSession | undefined;
  /** Budget taken from the in-flight window. */
  budgetBytes: number;
  /** Whether it holds a slot of objecter_inflight_ops/_op_bytes (caller ops do; internal ones do not). */
  budgeted: boolean;
  /** When it was last sent (ms), to spot laggy ops. */
  sentAtMs: number;
  /** `should_resend`: false for linger registrations, which re-register instead. */
  shouldResend: boolean;
  /** `rados_osd_op_timeout` timer. */
  timeout?: TimerHandle;
  /** Waiting for a newer map because the pool is not in ours (`_send_op_map_check`). */
  mapCheckPending: boolean;
  priority: number;
  resolve(reply: OpReply): void;
  reject(err: Error): void;
}
