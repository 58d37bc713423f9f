/**
 * `_prepare_osd_op`: the MOSDOp an op goes out as, exactly as a Pacific
 * client builds it (flags, priority, features, hash, snap context).
 */
import { CEPH_FEATURES_ALL } from '../../encoding/features.js';
import { MOSDOp } from '../../msg/messages/osd-op-message.js';
import { OsdFlag } from '../../msg/messages/osd-op-codes.js';
import type { ObjecterOp } from './objecter-op.js';

export function prepareOsdOp(op: ObjecterOp, epoch: number): MOSDOp {
  const t = op.target;
  if (!t.actualPgid || !t.pgid) throw new Error('prepareOsdOp: op has no target');
  // Every Pacific op carries ONDISK (pre-Luminous OSDs read it) and KNOWN_REDIR;
  // SUPPORTSPOOLEIO is Quincy's and is never sent by Pacific.
  let flags = t.flags | OsdFlag.KNOWN_REDIR | OsdFlag.ONDISK;
  if (op.attempts > 0) flags |= OsdFlag.RETRY;
  return new MOSDOp({
    tid: op.tid,
    pgid: t.actualPgid,
    // The raw (unfolded) placement hash of the object, or the PG seed for a PG op.
    hash: t.pgid.seed,
    osdmapEpoch: epoch,
    flags,
    mtime: op.mtime,
    oloc: t.targetOloc,
    oid: t.targetOid,
    ops: op.ops,
    snapid: op.snapId,
    snapSeq: op.snapc.seq,
    snaps: op.snapc.snaps,
    retryAttempt: op.attempts,
    features: CEPH_FEATURES_ALL,
    priority: op.priority,
  });
}
