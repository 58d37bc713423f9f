/**
 * The payload of a notify's completion (built by the OSD when every watcher
 * acked or the timeout passed): the acks, keyed by (watcher gid, cookie),
 * then the watchers that did not answer.
 */
import { Decoder } from '../encoding/decoder.js';
import { encode } from '../encoding/encoder.js';

export interface NotifyAck {
  /** Global id of the watching client. */
  gid: bigint;
  /** Its watch cookie. */
  cookie: bigint;
  /** What it put in its notify_ack. */
  payload: Buffer;
}

export interface NotifyResult {
  acks: NotifyAck[];
  /** Watchers that did not ack in time. */
  timeouts: { gid: bigint; cookie: bigint }[];
}

/** `map<pair<u64,u64>, bufferlist>` acks, then `vector<pair<u64,u64>>` missed. */
export function decodeNotifyReply(buf: Buffer): NotifyResult {
  const d = new Decoder(buf);
  const acks: NotifyAck[] = d.list((x) => ({ gid: x.u64(), cookie: x.u64(), payload: x.buffer() }));
  const timeouts = d.remaining > 0 ? d.list((x) => ({ gid: x.u64(), cookie: x.u64() })) : [];
  return { acks, timeouts };
}

export function encodeNotifyReply(r: NotifyResult): Buffer {
  return encode((e) => {
    e.list(r.acks, (x, a) => x.u64(a.gid).u64(a.cookie).buffer(a.payload));
    e.list(r.timeouts, (x, t) => x.u64(t.gid).u64(t.cookie));
  });
}
