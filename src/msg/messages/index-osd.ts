/**
 * The messages librados's Objecter exchanges with OSDs (ops, replies,
 * backoffs, watch/notify events) and with the monitor (pool ops, pool stats,
 * statfs), plus the RADOS op vocabulary. Importing this module registers every
 * decoder with decodeMessage().
 */
export { OsdMessageType } from './osd-message-types.js';
export * from './osd-op-codes.js';
export {
  CEPH_OSD_OP_ARGS_SIZE,
  CEPH_OSD_OP_SIZE,
  OSDOp,
  decodeOsdOpHead,
  encodeOsdOpHead,
  type OSDOpInit,
  type OsdOpAllocHint,
  type OsdOpChecksum,
  type OsdOpCloneRange,
  type OsdOpCls,
  type OsdOpCopyFrom,
  type OsdOpExtent,
  type OsdOpPgls,
  type OsdOpWatch,
  type OsdOpWriteSame,
  type OsdOpXattr,
} from './osd-op.js';
export { emptyTrace, guardDecode, type BlkinTraceInfo } from './osd-encoding.js';
export { MOSDOp, type MOSDOpInit } from './osd-op-message.js';
export {
  MOSDOpReply,
  decodeRequestRedirect,
  encodeRequestRedirect,
  type MOSDOpReplyInit,
  type RequestRedirect,
} from './osd-op-reply.js';
export { MOSDBackoff, type MOSDBackoffInit } from './osd-backoff.js';
export { MWatchNotify, type MWatchNotifyInit } from './watch-notify.js';
export { MPoolOp, MPoolOpReply, type MPoolOpInit, type MPoolOpReplyInit } from './pool-op.js';
export {
  decodeObjectStatSum,
  decodePoolStat,
  decodeStoreStatfs,
  emptyObjectStatSum,
  emptyPoolStat,
  emptyStoreStatfs,
  encodeObjectStatSum,
  encodePoolStat,
  encodeStoreStatfs,
  type ObjectStatSum,
  type PoolStat,
  type StoreStatfs,
} from './pool-stat.js';
export { MGetPoolStats, MGetPoolStatsReply } from './get-pool-stats.js';
export { MStatfs, MStatfsReply, type CephStatfs } from './statfs.js';
