/**
 * Type numbers (`CEPH_MSG_*` / `MSG_*`, from Ceph's include/ceph_fs.h and
 * msg/Message.h) of the messages librados's Objecter exchanges with OSDs and
 * with the monitor for pool operations and statistics.
 */
export const OsdMessageType = {
  CEPH_MSG_STATFS: 13,
  CEPH_MSG_STATFS_REPLY: 14,
  CEPH_MSG_OSD_OP: 42,
  CEPH_MSG_OSD_OPREPLY: 43,
  CEPH_MSG_WATCH_NOTIFY: 44,
  CEPH_MSG_POOLOP_REPLY: 48,
  CEPH_MSG_POOLOP: 49,
  MSG_GETPOOLSTATS: 58,
  MSG_GETPOOLSTATSREPLY: 59,
  CEPH_MSG_OSD_BACKOFF: 61,
} as const;
export type OsdMessageType = (typeof OsdMessageType)[keyof typeof OsdMessageType];
