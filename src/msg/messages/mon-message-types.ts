/**
 * Type numbers (`CEPH_MSG_*` / `MSG_*`, from Ceph's include/ceph_fs.h and
 * msg/Message.h) of the monitor-facing messages, the cluster maps the mon
 * publishes, and the command messages daemons and the mgr answer.
 */
export const MonMessageType = {
  CEPH_MSG_MON_MAP: 4,
  CEPH_MSG_MON_GET_MAP: 5,
  CEPH_MSG_MON_SUBSCRIBE: 15,
  CEPH_MSG_MON_SUBSCRIBE_ACK: 16,
  CEPH_MSG_MON_GET_VERSION: 19,
  CEPH_MSG_MON_GET_VERSION_REPLY: 20,
  CEPH_MSG_OSD_MAP: 41,
  MSG_MON_COMMAND: 50,
  MSG_MON_COMMAND_ACK: 51,
  MSG_LOG: 52,
  MSG_LOGACK: 53,
  MSG_CONFIG: 62,
  MSG_GET_CONFIG: 63,
  MSG_COMMAND: 97,
  MSG_COMMAND_REPLY: 98,
  MSG_MGR_MAP: 0x704,
  MSG_MGR_COMMAND: 0x709,
  MSG_MGR_COMMAND_REPLY: 0x70a,
} as const;
export type MonMessageType = (typeof MonMessageType)[keyof typeof MonMessageType];
