import { CephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import { encode, type Encoder } from '../../encoding/encoder.js';
import {
  decodeEntityAddr,
  decodeEntityAddrVec,
  decodeEntityName,
  decodeEntityNameT,
  decodeUTime,
  decodeUuid,
  encodeEntityAddrVec,
  encodeEntityName,
  encodeEntityNameT,
  encodeUTime,
  encodeUuid,
  formatEntityName,
  type EntityAddrVec,
  type EntityName,
  type EntityNameT,
  type UTime,
} from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';

/** `clog_type`: the priority of a cluster log entry (a u16 on the wire). */
export const ClogType = {
  DEBUG: 0,
  INFO: 1,
  SEC: 2,
  WARN: 3,
  ERROR: 4,
} as const;
export type ClogType = (typeof ClogType)[keyof typeof ClogType];

const clogTags: Record<number, string> = { 0: '[DBG]', 1: '[INF]', 2: '[SEC]', 3: '[WRN]', 4: '[ERR]' };

/** How Ceph prints a clog_type: `[INF]`, `[WRN]`…, `[???]` for anything else. */
export function formatClogType(prio: number): string {
  return clogTags[prio] ?? '[???]';
}

/** `LogEntry`: one cluster-log line (what `ceph log last` lists and `ceph -w` streams). */
export interface LogEntry {
  /** `EntityName name`: who logged it (client.admin, mgr.x, osd.0). */
  name: EntityName;
  /** `entity_name_t rank`: the sender's instance (client.4123, mon.0). */
  rank: EntityNameT;
  /** `entity_addrvec_t addrs`: the sender's addresses. */
  addrs: EntityAddrVec;
  /** `utime_t stamp`: when it was logged. */
  stamp: UTime;
  /** `uint64_t seq`: the sender's sequence number for its entries. */
  seq: number;
  /** `clog_type prio`: see ClogType. */
  prio: number;
  /** `string msg`: the text. */
  msg: string;
  /** `string channel`: "cluster", "audit", "cephadm"… */
  channel: string;
}

/** The LogEntry struct version Pacific writes (v6, with epoch and LogMsg, came after Pacific). */
const LOG_ENTRY_VERSION = 5;
const LOG_ENTRY_COMPAT = 5;

export function encodeLogEntry(e: Encoder, entry: LogEntry): void {
  e.struct(LOG_ENTRY_VERSION, LOG_ENTRY_COMPAT, (s) => {
    encodeEntityName(s, entry.name);
    encodeEntityNameT(s, entry.rank);
    encodeEntityAddrVec(s, entry.addrs);
    encodeUTime(s, entry.stamp);
    s.u64(entry.seq).u16(entry.prio).string(entry.msg).string(entry.channel);
  });
}

/**
 * Decode a LogEntry. Versions 2–4 (before Nautilus) carried an entity_inst_t
 * instead of name/rank/addrs and added the channel (v3) and name (v4); version
 * 1 had no envelope at all and is refused.
 */
export function decodeLogEntry(d: Decoder): LogEntry {
  const structV = d.u8();
  d.offset -= 1;
  if (structV < 2) throw new CephError('EBADMSG', `LogEntry: unsupported legacy struct_v ${structV}`);
  return d.struct('LogEntry', LOG_ENTRY_VERSION, (s, v) => {
    if (v >= 5) {
      const name = decodeEntityName(s);
      const rank = decodeEntityNameT(s);
      const addrs = decodeEntityAddrVec(s);
      const stamp = decodeUTime(s);
      const seq = s.u64Number();
      const prio = s.u16();
      const msg = s.string();
      return { name, rank, addrs, stamp, seq, prio, msg, channel: s.string() };
    }
    const rank = decodeEntityNameT(s);
    const addr = decodeEntityAddr(s);
    const stamp = decodeUTime(s);
    const seq = s.u64Number();
    const prio = s.u16();
    const msg = s.string();
    // before channels existed everything went to the cluster log
    const channel = v >= 3 ? s.string() : 'cluster';
    const name = v >= 4 ? decodeEntityName(s) : { type: rank.type, id: String(rank.num) };
    return { name, rank, addrs: [addr], stamp, seq, prio, msg, channel };
  });
}

/**
 * A `utime_t` as Ceph's ostream operator prints it: ISO 8601 in local time
 * with microseconds and the UTC offset (`2024-05-01T12:00:00.123456+0000`), or
 * `sec.usec` for values under ten years (durations).
 */
export function formatUTime(
  t: UTime,
  utcOffsetMinutes = -new Date(t.sec * 1000).getTimezoneOffset(),
): string {
  const usec = String(Math.floor(t.nsec / 1000)).padStart(6, '0');
  if (t.sec < 60 * 60 * 24 * 365 * 10) return `${t.sec}.${usec}`;
  const local = new Date((t.sec + utcOffsetMinutes * 60) * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const off = Math.abs(utcOffsetMinutes);
  const zone = `${utcOffsetMinutes < 0 ? '-' : '+'}${p2(Math.floor(off / 60))}${p2(off % 60)}`;
  return (
    `${String(local.getUTCFullYear()).padStart(4, '0')}-${p2(local.getUTCMonth() + 1)}-${p2(local.getUTCDate())}` +
    `T${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}.${usec}${zone}`
  );
}

/** The line librados hands `ceph -w` for an entry: `STAMP NAME [PRIO] MSG`. */
export function formatLogLine(entry: LogEntry, utcOffsetMinutes?: number): string {
  return `${formatUTime(entry.stamp, utcOffsetMinutes)} ${formatEntityName(entry.name)} ${formatClogType(entry.prio)} ${entry.msg}`;
}

/**
 * `MLog`: cluster-log entries. Daemons and clients send their entries to the
 * monitor (which answers MLogAck); the monitor sends entries to subscribers of
 * "log-<level>" (what `ceph -w` shows), with `paxos.version` the LogMonitor
 * version so a client can drop entries it has seen.
 */
export class MLog extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_LOG;
  override version = MLog.HEAD_VERSION;
  override compatVersion = MLog.COMPAT_VERSION;
  /** PaxosServiceMessage fields. */
  paxos: PaxosHeader;
  /** `uuid_d fsid`: the cluster. */
  fsid: string;
  /** `deque<LogEntry> entries`. */
  entries: LogEntry[];

  constructor(init: { fsid: string; entries?: LogEntry[]; paxos?: PaxosHeader }) {
    super();
    this.fsid = init.fsid;
    this.entries = init.entries ?? [];
    this.paxos = init.paxos ?? defaultPaxosHeader();
  }

  static decode(header: MessageHeader, payload: MessagePayload): MLog {
    checkCompat(header, MLog.HEAD_VERSION, 'log');
    const d = new Decoder(payload.front);
    const paxos = decodePaxosHeader(d);
    const fsid = decodeUuid(d);
    return new MLog({ paxos, fsid, entries: d.list(decodeLogEntry) });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      e.list(this.entries, encodeLogEntry);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'log';
  }
}

/** `MLogAck`: the monitor committed the sender's entries up to `last` on `channel`. */
export class MLogAck extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_LOGACK;
  override version = MLogAck.HEAD_VERSION;
  override compatVersion = MLogAck.COMPAT_VERSION;
  /** `uuid_d fsid`: the cluster. */
  fsid: string;
  /** `version_t last`: the highest LogEntry seq committed. */
  last: number;
  /** `string channel`: the channel acknowledged (Pacific monitors send ''). */
  channel: string;

  constructor(init: { fsid: string; last: number; channel?: string }) {
    super();
    this.fsid = init.fsid;
    this.last = init.last;
    this.channel = init.channel ?? '';
  }

  static decode(header: MessageHeader, payload: MessagePayload): MLogAck {
    checkCompat(header, MLogAck.HEAD_VERSION, 'log_ack');
    const d = new Decoder(payload.front);
    const fsid = decodeUuid(d);
    const last = d.u64Number();
    return new MLogAck({ fsid, last, channel: d.eof ? '' : d.string() });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodeUuid(e, this.fsid);
      e.u64(this.last).string(this.channel);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'log_ack';
  }
}

registerMessage(MonMessageType.MSG_LOG, (header, payload) => MLog.decode(header, payload));
registerMessage(MonMessageType.MSG_LOGACK, (header, payload) => MLogAck.decode(header, payload));
