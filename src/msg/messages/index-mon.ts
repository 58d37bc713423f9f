/**
 * The monitor-facing messages, the cluster maps the monitor publishes and the
 * command messages. Importing this module registers every decoder with
 * decodeMessage().
 */
export { MonMessageType } from './mon-message-types.js';
export { defaultPaxosHeader, type PaxosHeader } from './mon-paxos.js';
export { MMonGetMap } from './mon-get-map.js';
export { MMonMap } from './mon-map.js';
export {
  CEPH_SUBSCRIBE_ONETIME,
  MMonSubscribe,
  MMonSubscribeAck,
  type MonSubscribeItem,
} from './mon-subscribe.js';
export { MMonGetVersion } from './mon-get-version.js';
export { MMonGetVersionReply } from './mon-get-version-reply.js';
export { MMonCommand } from './mon-command.js';
export { MMonCommandAck } from './mon-command-ack.js';
export { MConfig, MGetConfig } from './config.js';
export {
  ClogType,
  MLog,
  MLogAck,
  decodeLogEntry,
  encodeLogEntry,
  formatClogType,
  formatLogLine,
  formatUTime,
  type LogEntry,
} from './log.js';
export { MOSDMap, type SnapInterval } from './mon-osd-map.js';
export { MMgrMap } from './mon-mgr-map.js';
export { MCommand, MCommandReply, MMgrCommand, MMgrCommandReply } from './command.js';
