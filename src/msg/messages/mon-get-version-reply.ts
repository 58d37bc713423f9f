import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/**
 * `MMonGetVersionReply`: the newest and oldest versions the monitor holds of
 * the map an MMonGetVersion asked about. Version 1 lacked `oldest_version`.
 */
export class MMonGetVersionReply extends Message {
  static readonly HEAD_VERSION = 2;
  static readonly COMPAT_VERSION = 2;
  readonly type = MonMessageType.CEPH_MSG_MON_GET_VERSION_REPLY;
  override version = MMonGetVersionReply.HEAD_VERSION;
  override compatVersion = MMonGetVersionReply.COMPAT_VERSION;
  /** `ceph_tid_t handle`: copied from the request. */
  handle: number;
  /** `version_t version`: the newest version (epoch) of the map. */
  mapVersion: number;
  /** `version_t oldest_version` (v2+): the oldest version still kept. */
  oldestVersion: number;

  constructor(init: { handle: number; version: number; oldestVersion?: number }) {
    super();
    this.handle = init.handle;
    this.mapVersion = init.version;
    this.oldestVersion = init.oldestVersion ?? 0;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonGetVersionReply {
    checkCompat(header, MMonGetVersionReply.HEAD_VERSION, 'mon_get_version_reply');
    const d = new Decoder(payload.front);
    const handle = d.u64Number();
    const version = d.u64Number();
    const oldestVersion = header.version >= 2 ? d.u64Number() : 0;
    return new MMonGetVersionReply({ handle, version, oldestVersion });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => e.u64(this.handle).u64(this.mapVersion).u64(this.oldestVersion), 24);
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mon_get_version_reply';
  }
}

registerMessage(MonMessageType.CEPH_MSG_MON_GET_VERSION_REPLY, (header, payload) =>
  MMonGetVersionReply.decode(header, payload),
);
