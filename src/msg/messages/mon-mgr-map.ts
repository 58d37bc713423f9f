import { CephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/**
 * `MMgrMap`: the MgrMap (active mgr, standbys, modules, services), sent by the
 * monitor to subscribers of "mgrmap". Unlike MMonMap the map is not wrapped in
 * a bufferlist: the payload is the MgrMap's own versioned encoding, kept here
 * as those bytes (struct_v, struct_compat, u32 length, body) for the MgrMap
 * codec to read.
 */
export class MMgrMap extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_MGR_MAP;
  override version = MMgrMap.HEAD_VERSION;
  override compatVersion = MMgrMap.COMPAT_VERSION;
  /** The encoded MgrMap, envelope included. */
  mgrmapBuf: Buffer;

  constructor(init: { mgrmapBuf: Buffer }) {
    super();
    this.mgrmapBuf = init.mgrmapBuf;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMgrMap {
    checkCompat(header, MMgrMap.HEAD_VERSION, 'mgrmap');
    const d = new Decoder(payload.front);
    d.u8(); // struct_v
    d.u8(); // struct_compat
    const len = d.u32();
    if (len > d.remaining) throw new CephError('EBADMSG', `mgrmap: MgrMap length ${len} exceeds payload`);
    return new MMgrMap({ mgrmapBuf: payload.front.subarray(0, 6 + len) });
  }

  encodePayload(): MessagePayload {
    return { front: this.mgrmapBuf, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mgrmap';
  }
}

registerMessage(MonMessageType.MSG_MGR_MAP, (header, payload) => MMgrMap.decode(header, payload));
