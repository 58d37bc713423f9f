import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import {
  decodeHObject,
  decodeSpgId,
  encodeHObject,
  encodeSpgId,
  type HObject,
  type SpgId,
} from '../../encoding/osd-types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { checkCompat } from './mon-encoding.js';
import { guardDecode } from './osd-encoding.js';
import { OsdMessageType } from './osd-message-types.js';
import { backoffOpName } from './osd-op-codes.js';

/** What `new MOSDBackoff(...)` takes. */
export interface MOSDBackoffInit {
  /** `spg_t pgid`: the PG the backoff is about. */
  pgid: SpgId;
  /** `epoch_t map_epoch`: the OSD's map epoch when it sent it. */
  mapEpoch: number;
  /** `uint8_t op`: BackoffOp (BLOCK, ACK_BLOCK, UNBLOCK). */
  op: number;
  /** `uint64_t id`: the backoff's id, unique within the session. */
  id: bigint;
  /** `hobject_t begin`: first object of the blocked range. */
  begin: HObject;
  /** `hobject_t end`: end of the range (exclusive; equal to begin for one object). */
  end: HObject;
}

/**
 * `MOSDBackoff` (CEPH_MSG_OSD_BACKOFF): an OSD tells a client to hold its ops
 * for a PG or an object range (BLOCK) — typically while the PG is peering or
 * not active — the client acknowledges (ACK_BLOCK, echoing the fields), and
 * the OSD later lifts it (UNBLOCK), after which the client resends what it
 * held. Layout: spg_t, u32 map_epoch, u8 op, u64 id, hobject_t begin, end.
 */
export class MOSDBackoff extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = OsdMessageType.CEPH_MSG_OSD_BACKOFF;
  override version = MOSDBackoff.HEAD_VERSION;
  override compatVersion = MOSDBackoff.COMPAT_VERSION;
  /** `spg_t pgid`. */
  pgid: SpgId;
  /** `epoch_t map_epoch`. */
  mapEpoch: number;
  /** `uint8_t op`. */
  op: number;
  /** `uint64_t id`. */
  id: bigint;
  /** `hobject_t begin`. */
  begin: HObject;
  /** `hobject_t end`. */
  end: HObject;

  constructor(init: MOSDBackoffInit) {
    super();
    this.pgid = init.pgid;
    this.mapEpoch = init.mapEpoch;
    this.op = init.op;
    this.id = init.id;
    this.begin = init.begin;
    this.end = init.end;
  }

  static decode(header: MessageHeader, payload: MessagePayload): MOSDBackoff {
    return guardDecode('osd_backoff', () => {
      checkCompat(header, MOSDBackoff.HEAD_VERSION, 'osd_backoff');
      const d = new Decoder(payload.front);
      const pgid = decodeSpgId(d);
      const mapEpoch = d.u32();
      const op = d.u8();
      const id = d.u64();
      const begin = decodeHObject(d);
      const end = decodeHObject(d);
      return new MOSDBackoff({ pgid, mapEpoch, op, id, begin, end });
    });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodeSpgId(e, this.pgid);
      e.u32(this.mapEpoch).u8(this.op).u64(this.id);
      encodeHObject(e, this.begin);
      encodeHObject(e, this.end);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  override toString(): string {
    const pg = `${this.pgid.pgid.pool}.${this.pgid.pgid.seed.toString(16)}`;
    return `osd_backoff(${pg} ${backoffOpName(this.op)} id ${this.id} e${this.mapEpoch})`;
  }

  get typeName(): string {
    return 'osd_backoff';
  }
}

registerMessage(OsdMessageType.CEPH_MSG_OSD_BACKOFF, (header, payload) =>
  MOSDBackoff.decode(header, payload),
);
