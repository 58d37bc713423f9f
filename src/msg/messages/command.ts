import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat, decodeStringList, encodeStringList } from './mon-encoding.js';

const NIL_FSID = '00000000-0000-0000-0000-000000000000';

interface CommandInit {
  fsid?: string;
  cmd: string[];
  inbuf?: Buffer;
  tid?: bigint;
}

interface ReplyInit {
  r: number;
  rs?: string;
  outbuf?: Buffer;
  tid?: bigint;
}

/**
 * `MCommand`: a command sent straight to a daemon — `ceph tell osd.N …`,
 * `ceph tell mgr …`, `ceph pg <pgid> …` — as JSON in `cmd`, input in the data
 * segment. Answered by MCommandReply with the same tid.
 */
export class MCommand extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type: number = MonMessageType.MSG_COMMAND;
  override version = MCommand.HEAD_VERSION;
  override compatVersion = MCommand.COMPAT_VERSION;
  /** `uuid_d fsid`: the cluster (the mgr client leaves it zero). */
  fsid: string;
  /** `vector<string> cmd`: the command, usually one JSON object. */
  cmd: string[];
  /** Data segment: the command's input. */
  inbuf: Buffer;

  constructor(init: CommandInit) {
    super();
    this.fsid = init.fsid ?? NIL_FSID;
    this.cmd = init.cmd;
    this.inbuf = init.inbuf ?? Buffer.alloc(0);
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decodeFields(payload: MessagePayload, tid: bigint): CommandInit {
    const d = new Decoder(payload.front);
    const fsid = decodeUuid(d);
    return { fsid, cmd: decodeStringList(d), inbuf: dataBuffer(payload), tid };
  }

  static decode(header: MessageHeader, payload: MessagePayload): MCommand {
    checkCompat(header, MCommand.HEAD_VERSION, 'command');
    return new MCommand(MCommand.decodeFields(payload, header.tid));
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodeUuid(e, this.fsid);
      encodeStringList(e, this.cmd);
    });
    return { front, middle: Buffer.alloc(0), data: this.inbuf.length ? [this.inbuf] : [] };
  }

  get typeName(): string {
    return 'command';
  }
}

/** `MCommandReply`: a daemon's answer to MCommand: return code, status text, output in the data segment. */
export class MCommandReply extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type: number = MonMessageType.MSG_COMMAND_REPLY;
  override version = MCommandReply.HEAD_VERSION;
  override compatVersion = MCommandReply.COMPAT_VERSION;
  /** `errorcode32_t r`: 0 or a negative errno. */
  r: number;
  /** `string rs`: the status or error text. */
  rs: string;
  /** Data segment: the command's output. */
  outbuf: Buffer;

  constructor(init: ReplyInit) {
    super();
    this.r = init.r;
    this.rs = init.rs ?? '';
    this.outbuf = init.outbuf ?? Buffer.alloc(0);
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decodeFields(payload: MessagePayload, tid: bigint): ReplyInit {
    const d = new Decoder(payload.front);
    const r = d.i32();
    return { r, rs: d.string(), outbuf: dataBuffer(payload), tid };
  }

  static decode(header: MessageHeader, payload: MessagePayload): MCommandReply {
    checkCompat(header, MCommandReply.HEAD_VERSION, 'command_reply');
    return new MCommandReply(MCommandReply.decodeFields(payload, header.tid));
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => e.i32(this.r).string(this.rs));
    return { front, middle: Buffer.alloc(0), data: this.outbuf.length ? [this.outbuf] : [] };
  }

  get typeName(): string {
    return 'command_reply';
  }
}

/**
 * `MMgrCommand`: a command for the active mgr. Pacific's `ceph` CLI sends
 * every command whose description has the MGR flag (`pg stat`, `osd pool
 * autoscale-status`, module commands…) this way, to the mgr from the MgrMap;
 * the JSON then carries `"target": ["mon-mgr", ""]`. Same layout as MCommand
 * (the fsid is left zero), its own type number.
 */
export class MMgrCommand extends MCommand {
  override readonly type: number = MonMessageType.MSG_MGR_COMMAND;

  static override decode(header: MessageHeader, payload: MessagePayload): MMgrCommand {
    checkCompat(header, MMgrCommand.HEAD_VERSION, 'mgr_command');
    return new MMgrCommand(MCommand.decodeFields(payload, header.tid));
  }

  override get typeName(): string {
    return 'mgr_command';
  }
}

/** `MMgrCommandReply`: the mgr's answer to MMgrCommand; same layout as MCommandReply. */
export class MMgrCommandReply extends MCommandReply {
  override readonly type: number = MonMessageType.MSG_MGR_COMMAND_REPLY;

  static override decode(header: MessageHeader, payload: MessagePayload): MMgrCommandReply {
    checkCompat(header, MMgrCommandReply.HEAD_VERSION, 'mgr_command_reply');
    return new MMgrCommandReply(MCommandReply.decodeFields(payload, header.tid));
  }

  override get typeName(): string {
    return 'mgr_command_reply';
  }
}

registerMessage(MonMessageType.MSG_COMMAND, (header, payload) => MCommand.decode(header, payload));
registerMessage(MonMessageType.MSG_COMMAND_REPLY, (header, payload) => MCommandReply.decode(header, payload));
registerMessage(MonMessageType.MSG_MGR_COMMAND, (header, payload) => MMgrCommand.decode(header, payload));
registerMessage(MonMessageType.MSG_MGR_COMMAND_REPLY, (header, payload) =>
  MMgrCommandReply.decode(header, payload),
);
