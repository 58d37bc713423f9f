import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeUuid, encodeUuid } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat, sortedByKey } from './mon-encoding.js';

/** `CEPH_SUBSCRIBE_ONETIME`: send one map at or past `start`, then drop the subscription. */
export const CEPH_SUBSCRIBE_ONETIME = 1;

/** `ceph_mon_subscribe_item` (packed, 9 bytes on the wire). */
export interface MonSubscribeItem {
  /** `__le64 start`: the first epoch wanted (0: the latest map, whatever it is). */
  start: number;
  /** `__u8 flags`: CEPH_SUBSCRIBE_ONETIME or 0. */
  flags: number;
}

/**
 * `MMonSubscribe`: what maps and streams a client wants from the monitor
 * ("monmap", "config", "osdmap", "mgrmap", "log-info"…) and from which epoch.
 * Version 1 (pre-Firefly) sent `{unused, have, onetime}` records instead of
 * `ceph_mon_subscribe_item`; version 3 added the sender's hostname.
 */
export class MMonSubscribe extends Message {
  static readonly HEAD_VERSION = 3;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.CEPH_MSG_MON_SUBSCRIBE;
  override version = MMonSubscribe.HEAD_VERSION;
  override compatVersion = MMonSubscribe.COMPAT_VERSION;
  /** `map<string, ceph_mon_subscribe_item> what`: subscriptions by name. */
  what: Map<string, MonSubscribeItem>;
  /** `string hostname` (v3+): the sender's short hostname, for `ceph config` masks. */
  hostname: string;

  constructor(init: { what?: ReadonlyMap<string, MonSubscribeItem>; hostname?: string } = {}) {
    super();
    this.what = new Map(init.what ?? []);
    this.hostname = init.hostname ?? '';
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonSubscribe {
    checkCompat(header, MMonSubscribe.HEAD_VERSION, 'mon_subscribe');
    const d = new Decoder(payload.front);
    let what: Map<string, MonSubscribeItem>;
    if (header.version < 2) {
      // old sub_rec: u64 unused, u64 have (last epoch held), u8 onetime
      const old = d.map(
        (x) => x.string(),
        (x) => ({ unused: x.u64(), have: x.u64Number(), onetime: x.bool() }),
      );
      what = new Map(
        [...old].map(([k, v]) => [
          k,
          { start: v.have ? v.have + 1 : 0, flags: v.onetime ? CEPH_SUBSCRIBE_ONETIME : 0 },
        ]),
      );
    } else {
      what = d.map(
        (x) => x.string(),
        (x) => ({ start: x.u64Number(), flags: x.u8() }),
      );
    }
    const hostname = header.version >= 3 ? d.string() : '';
    return new MMonSubscribe({ what, hostname });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      const entries = sortedByKey(this.what);
      e.u32(entries.length);
      for (const [name, item] of entries) e.string(name).u64(item.start).u8(item.flags);
      e.string(this.hostname);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mon_subscribe';
  }
}

/**
 * `MMonSubscribeAck`: how often (seconds) a legacy client should renew its
 * subscriptions, and the cluster fsid. Pacific monitors only send it to
 * clients without the stateful-subscription feature.
 */
export class MMonSubscribeAck extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.CEPH_MSG_MON_SUBSCRIBE_ACK;
  override version = MMonSubscribeAck.HEAD_VERSION;
  override compatVersion = MMonSubscribeAck.COMPAT_VERSION;
  /** `__u32 interval`: seconds until the subscriptions must be renewed. */
  interval: number;
  /** `ceph_fsid fsid`: the cluster's fsid (absent from very old monitors). */
  fsid: string;

  constructor(init: { interval: number; fsid?: string }) {
    super();
    this.interval = init.interval;
    this.fsid = init.fsid ?? '00000000-0000-0000-0000-000000000000';
  }

  static decode(header: MessageHeader, payload: MessagePayload): MMonSubscribeAck {
    checkCompat(header, MMonSubscribeAck.HEAD_VERSION, 'mon_subscribe_ack');
    const d = new Decoder(payload.front);
    const interval = d.u32();
    return new MMonSubscribeAck({ interval, fsid: d.eof ? undefined : decodeUuid(d) });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      e.u32(this.interval);
      encodeUuid(e, this.fsid);
    }, 20);
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'mon_subscribe_ack';
  }
}

registerMessage(MonMessageType.CEPH_MSG_MON_SUBSCRIBE, (header, payload) =>
  MMonSubscribe.decode(header, payload),
);
registerMessage(MonMessageType.CEPH_MSG_MON_SUBSCRIBE_ACK, (header, payload) =>
  MMonSubscribeAck.decode(header, payload),
);
