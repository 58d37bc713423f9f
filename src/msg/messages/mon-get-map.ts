import {
  Message,
  emptyPayload,
  registerMessage,
  type MessageHeader,
  type MessagePayload,
} from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat } from './mon-encoding.js';

/**
 * `MMonGetMap`: ask the monitor for its current monmap. A msgr2 client sends
 * it first on every new mon session; the mon answers with MMonMap. The payload
 * is empty.
 */
export class MMonGetMap extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.CEPH_MSG_MON_GET_MAP;
  override version = MMonGetMap.HEAD_VERSION;
  override compatVersion = MMonGetMap.COMPAT_VERSION;

  static decode(header: MessageHeader): MMonGetMap {
    checkCompat(header, MMonGetMap.HEAD_VERSION, 'mon_getmap');
    return new MMonGetMap();
  }

  encodePayload(): MessagePayload {
    return emptyPayload();
  }

  get typeName(): string {
    return 'mon_getmap';
  }
}

registerMessage(MonMessageType.CEPH_MSG_MON_GET_MAP, (header: MessageHeader, _payload: MessagePayload) =>
  MMonGetMap.decode(header),
);
