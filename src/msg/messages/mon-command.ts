import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat, decodeStringList, encodeStringList } from './mon-encoding.js';
import { decodePaxosHeader, defaultPaxosHeader, encodePaxosHeader, type PaxosHeader } from './mon-paxos.js';

/**
 * `MMonCommand`: a command for the monitor (what `ceph …` and
 * `rados_mon_command` send). `cmd` normally holds one JSON object such as
 * `{"prefix": "osd pool create", "pool": "rbd"}`; bulk input (`ceph -i FILE`)
 * travels in the data segment. Answered by MMonCommandAck with the same tid.
 */
export class MMonCommand extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_MON_COMMAND;
  override version = MMonCommand.HEAD_VERSION;
  override compatVersion = MMonCommand.COMPAT_VERSION;
  /** PaxosServiceMessage fields (version 0 for commands). */
  paxos: PaxosHeader;
  /** `uuid_d fsid`: the cluster the sender believes it talks to. */
  fsid: string;
  /** `vector<string> cmd`: the command, usually a single JSON object. */
  cmd: string[];
  /** Data segment: the command's input (`ceph -i`), often empty. */
  inbuf: Buffer;

  constructor(init: { fsid: string; cmd: string[]; inbuf?: Buffer; tid?: bigint; paxos?: PaxosHeader }) {
    super();
    this.fsid = init.fsid;
    this.cmd = init.cmd;
    this.inbuf = init.inbuf ?? Buffer.alloc(0);
    this.paxos = init.paxos ?? defaultPaxosHeader();
    if (init.tid !== undefined) this.tid = init.tid;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonCommand {
    checkCompat(header, MMonCommand.HEAD_VERSION, 'mon_command');
    const d = new Decoder(payload.front);
    const paxos = decodePaxosHeader(d);
    const fsid = decodeUuid(d);
    const cmd = decodeStringList(d);
    return new MMonCommand({ paxos, fsid, cmd, inbuf: dataBuffer(payload), tid: header.tid });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodePaxosHeader(e, this.paxos);
      encodeUuid(e, this.fsid);
      encodeStringList(e, this.cmd);
    });
    return { front, middle: Buffer.alloc(0), data: this.inbuf.length ? [this.inbuf] : [] };
  }

  get typeName(): string {
    return 'mon_command';
  }
}

registerMessage(MonMessageType.MSG_MON_COMMAND, (header, payload) => MMonCommand.decode(header, payload));
