import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/**
 * `MMonGetVersion`: ask which versions of a map ("osdmap", "mdsmap"…) the
 * monitor holds, so a client can wait for the newest (librados's
 * wait_for_latest_osdmap). Answered by MMonGetVersionReply with the same handle.
 */
export class MMonGetVersion extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.CEPH_MSG_MON_GET_VERSION;
  override version = MMonGetVersion.HEAD_VERSION;
  override compatVersion = MMonGetVersion.COMPAT_VERSION;
  /** `ceph_tid_t handle`: the requester's id for matching the reply. */
  handle: number;
  /** `string what`: the map's name ("osdmap", "mdsmap", "fsmap", "monmap", "mgrmap"). */
  what: string;

  constructor(init: { handle: number; what: string }) {
    super();
    this.handle = init.handle;
    this.what = init.what;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonGetVersion {
    checkCompat(header, MMonGetVersion.HEAD_VERSION, 'mon_get_version');
    const d = new Decoder(payload.front);
    return new MMonGetVersion({ handle: d.u64Number(), what: d.string() });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => e.u64(this.handle).string(this.what));
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mon_get_version';
  }
}

registerMessage(MonMessageType.CEPH_MSG_MON_GET_VERSION, (header, payload) =>
  MMonGetVersion.decode(header, payload),
);
