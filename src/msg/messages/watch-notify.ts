import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { Message, dataBuffer, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import { guardDecode } from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';

/** What `new MWatchNotify(...)` takes. */
export interface MWatchNotifyInit {
  /** `uint64_t cookie`: the watch (or, for NOTIFY_COMPLETE, the notify linger op) it is for. */
  cookie: bigint;
  /** `uint64_t ver`: the object version (unused by Pacific clients). */
  ver?: bigint;
  /** `uint64_t notify_id`: the notify being delivered or completed. */
  notifyId: bigint;
  /** `uint8_t opcode`: WatchEvent (NOTIFY, NOTIFY_COMPLETE, DISCONNECT). */
  opcode: number;
  /** `bufferlist bl`: the notify payload (NOTIFY). */
  bl?: Buffer;
  /** `int32_t return_code`: NOTIFY_COMPLETE's result (-ETIMEDOUT when watchers did not ack), DISCONNECT's error. */
  returnCode?: number;
  /** `uint64_t notifier_gid`: the notifying client's global id (NOTIFY). */
  notifierGid?: bigint;
  /** Data segment: NOTIFY_COMPLETE's encoded acks and timeouts (`map<pair<gid,cookie>,bl>` + `set<pair<gid,cookie>>`). */
  data?: Buffer;
}

/**
 * `MWatchNotify` (CEPH_MSG_WATCH_NOTIFY): OSD → client events of the
 * watch/notify protocol: a notify for a watcher to acknowledge, the completion
 * of a notify for the notifier (with every watcher's reply in the data
 * segment), or a disconnected watch. Pacific's v3 layout: u8 msg_ver (1),
 * u8 opcode, u64 cookie, u64 ver, u64 notify_id, bufferlist bl,
 * i32 return_code, u64 notifier_gid.
 */
export class MWatchNotify extends Message {
  static readonly HEAD_VERSION = 3;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.CEPH_MSG_WATCH_NOTIFY;
  override version = MWatchNotify.HEAD_VERSION;
  override compatVersion = MWatchNotify.COMPAT_VERSION;
  /** `uint64_t cookie`. */
  cookie: bigint;
  /** `uint64_t ver`. */
  ver: bigint;
  /** `uint64_t notify_id`. */
  notifyId: bigint;
  /** `uint8_t opcode`. */
  opcode: number;
  /** `bufferlist bl`. */
  bl: Buffer;
  /** `int32_t return_code`. */
  returnCode: number;
  /** `uint64_t notifier_gid`. */
  notifierGid: bigint;
  /** Data segment (NOTIFY_COMPLETE's reply buffer). */
  data: Buffer;

  constructor(init: MWatchNotifyInit) {
    super();
    this.cookie = init.cookie;
    this.ver = init.ver ?? 0n;
    this.notifyId = init.notifyId;
    this.opcode = init.opcode;
    this.bl = init.bl ?? Buffer.alloc(0);
    this.returnCode = init.returnCode ?? 0;
    this.notifierGid = init.notifierGid ?? 0n;
    this.data = init.data ?? Buffer.alloc(0);
  }

  static decode(header: MessageHeader, payload: MessagePayload): MWatchNotify {
    return guardDecode('watch-notify', () => {
      checkCompat(header, MWatchNotify.HEAD_VERSION, 'watch-notify');
      const d = new Decoder(payload.front);
      const msgVer = d.u8();
      const opcode = d.u8();
      const cookie = d.u64();
      const ver = d.u64();
      const notifyId = d.u64();
      const bl = msgVer >= 1 ? d.buffer() : Buffer.alloc(0);
      const returnCode = header.version >= 2 ? d.i32() : 0;
      const notifierGid = header.version >= 3 ? d.u64() : 0n;
      const data = dataBuffer(payload);
      return new MWatchNotify({ cookie, ver, notifyId, opcode, bl, returnCode, notifierGid, data });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      e.u8(1).u8(this.opcode).u64(this.cookie).u64(this.ver).u64(this.notifyId);
      e.buffer(this.bl).i32(this.returnCode).u64(this.notifierGid);
    }, 42 + this.bl.length);
    return { front, middle: Buffer.alloc(0), data: this.data.length ? [this.data] : [] };
  }

  override toString(): string {
    return `watch-notify(c=${this.cookie} v=${this.ver} i=${this.notifyId} opcode=${this.opcode} r = ${this.returnCode})`;
  }

  get typeName(): string {
    return 'watch-notify';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_WATCH_NOTIFY, (header, payload) =>
  MWatchNotify.decode(header, payload),
);
