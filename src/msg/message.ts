import type { EntityNameT } from '../encoding/types.js';

/** Message priorities (`CEPH_MSG_PRIO_*`). */
export const MessagePriority = {
  LOW: 64,
  DEFAULT: 127,
  HIGH: 196,
  HIGHEST: 255,
} as const;

/**
 * The fields of `ceph_msg_header2` a message carries besides its payload.
 * `seq` and `ackSeq` belong to the connection and are filled in by it.
 */
export interface MessageHeader {
  /** Connection-level sequence number of this message. */
  seq: bigint;
  /** Transaction id, for matching replies to requests. */
  tid: bigint;
  /** `CEPH_MSG_*` / `MSG_*` type number. */
  type: number;
  priority: number;
  /** Encoding version of the front payload (HEAD_VERSION). */
  version: number;
  /** Oldest version a decoder must understand (COMPAT_VERSION). */
  compatVersion: number;
  /** Offset hint for the data payload (sub-page alignment), usually 0. */
  dataOff: number;
  /** Highest seq the sender has received from us. */
  ackSeq: bigint;
  flags: number;
}

/** The three payload segments of a message; `data` may be several buffers sent back to back (zero-copy). */
export interface MessagePayload {
  front: Buffer;
  middle: Buffer;
  data: Buffer[];
}

/**
 * A Ceph message. Subclasses set `type`, `version`, `compatVersion` and encode
 * their payload for the peer's features at send time.
 */
export abstract class Message {
  abstract readonly type: number;
  /** HEAD_VERSION this class encodes. */
  version = 1;
  /** COMPAT_VERSION this class encodes. */
  compatVersion = 1;
  tid = 0n;
  priority: number = MessagePriority.DEFAULT;
  /** `data_off` header hint: offset the data segment belongs at (OSD writes set it for alignment); usually 0. */
  dataOff = 0;
  /** Set by the connection on send/receive. */
  seq = 0n;
  /** Who sent it (filled in on receive from the connection's peer name). */
  source?: EntityNameT;
  /** Header of a received message (version/compat the sender used). */
  header?: MessageHeader;

  /** Encode the payload for a peer with `features`. */
  abstract encodePayload(features: bigint): MessagePayload;

  /** Short type name for logs, e.g. `mon_command`. */
  abstract get typeName(): string;
}

/** Builds a Message from a received header and payload; throws CephError('EBADMSG') on garbage. */
export type MessageFactory = (header: MessageHeader, payload: MessagePayload, features: bigint) => Message;

const factories = new Map<number, MessageFactory>();

/** Register the decoder of one message type (each `msg/messages/*.ts` file calls this for its type). */
export function registerMessage(type: number, factory: MessageFactory): void {
  factories.set(type, factory);
}

/** A message whose type no decoder is registered for: kept as raw bytes. */
export class RawMessage extends Message {
  constructor(
    readonly type: number,
    readonly payload: MessagePayload,
  ) {
    super();
  }
  encodePayload(): MessagePayload {
    return this.payload;
  }
  get typeName(): string {
    return `raw(${this.type})`;
  }
}

/** Decode a received message with its registered factory, or keep it raw. */
export function decodeMessage(header: MessageHeader, payload: MessagePayload, features: bigint): Message {
  const factory = factories.get(header.type);
  const msg = factory ? factory(header, payload, features) : new RawMessage(header.type, payload);
  msg.header = header;
  msg.tid = header.tid;
  msg.seq = header.seq;
  msg.priority = header.priority;
  msg.dataOff = header.dataOff;
  return msg;
}

/** Concatenate the data segment's buffers (for decoders that need it contiguous). */
export function dataBuffer(payload: MessagePayload): Buffer {
  return payload.data.length === 1 ? payload.data[0]! : Buffer.concat(payload.data);
}

export const emptyPayload = (): MessagePayload => ({
  front: Buffer.alloc(0),
  middle: Buffer.alloc(0),
  data: [],
});
