import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat, decodeStringList, encodeStringList } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';

/**
 * `MMonCommandAck`: the monitor's answer to MMonCommand (same tid): a return
 * code, a status string (what `ceph` prints on stderr) and the command echoed
 * back; the output (`outbl`, what `ceph` prints on stdout) is the data segment.
 */
export class MMonCommandAck extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_MON_COMMAND_ACK;
  override version = MMonCommandAck.HEAD_VERSION;
  override compatVersion = MMonCommandAck.COMPAT_VERSION;
  /** PaxosServiceMessage fields; `version` is the service's version after the command. */
  paxos: PaxosHeader;
  /** `__s32 r`: 0 or a negative errno. */
  r: number;
  /** `string rs`: the status or error text. */
  rs: string;
  /** `vector<string> cmd`: the command this answers. */
  cmd: string[];
  /** Data segment: the command's output. */
  outbuf: Buffer;

  constructor(init: {
    r: number;
    rs?: string;
    cmd?: string[];
    outbuf?: Buffer;
    tid?: bigint;
    paxos?: PaxosHeader;
  }) {
    super();
    this.r = init.r;
    this.rs = init.rs ?? '';
    this.cmd = init.cmd ?? [];
    this.outbuf = init.outbuf ?? Buffer.alloc(0);
    this.paxos = init.paxos ?? defaultPaxosHeader();
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonCommandAck {
    checkCompat(header, MMonCommandAck.HEAD_VERSION, 'mon_command_ack');
    const d = new Decoder(payload.front);
    const paxos = decodePaxosHeader(d);
    const r = d.i32();
    const rs = d.string();
    const cmd = decodeStringList(d);
    return new MMonCommandAck({ paxos, r, rs, cmd, outbuf: dataBuffer(payload), tid: header.tid });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      e.i32(this.r).string(this.rs);
      encodeStringList(e, this.cmd);
    });
    return { front, middle: Buffer.alloc(0), data: this.outbuf.length ? [this.outbuf] : [] };
  }

  get typeName(): string {
    // Ceph names the ack like the request
    return 'mon_command';
  }
}

registerMessage(MonMessageType.MSG_MON_COMMAND_ACK, (header, payload) =>
  MMonCommandAck.decode(header, payload),
);
