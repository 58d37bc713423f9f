import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/**
 * `MMonMap`: the monitor's answer to MMonGetMap and to a "monmap"
 * subscription. It carries the encoded MonMap as an opaque bufferlist; the
 * MonMap codec (mon/monmap.ts) reads it.
 */
export class MMonMap extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.CEPH_MSG_MON_MAP;
  override version = MMonMap.HEAD_VERSION;
  override compatVersion = MMonMap.COMPAT_VERSION;
  /** `bufferlist monmapbl`: the encoded MonMap, exactly as the mon sent it. */
  monmapBuf: Buffer;

  constructor(init: { monmapBuf: Buffer }) {
    super();
    this.monmapBuf = init.monmapBuf;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonMap {
    checkCompat(header, MMonMap.HEAD_VERSION, 'mon_map');
    const d = new Decoder(payload.front);
    return new MMonMap({ monmapBuf: d.buffer() });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => e.buffer(this.monmapBuf), this.monmapBuf.length + 4);
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mon_map';
  }
}

registerMessage(MonMessageType.CEPH_MSG_MON_MAP, (header, payload) => MMonMap.decode(header, payload));
