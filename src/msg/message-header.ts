import { CephError } from '../common/errors.js';
import type { MessageHeader } from './message.js';

/**
 * `ceph_msg_header2`: segment 0 of a MESSAGE frame, a packed 41-byte
 * little-endian struct (segment lengths live in the preamble instead).
 *
 *   u64 seq | u64 tid | u16 type | u16 priority | u16 version
 *   | u32 data_pre_padding_len | u16 data_off | u64 ack_seq | u8 flags
 *   | u16 compat_version | u16 reserved
 */
export const MSG_HEADER2_SIZE = 41;

/** `CEPH_MSG_FOOTER_*` flags carried in `flags`. */
export const MessageFooterFlag = {
  /** The sender finished the message (always set by Ceph). */
  COMPLETE: 1,
  /** No v1-style payload crcs were computed (msgr2 frames carry their own crcs). */
  NOCRC: 2,
  /** The v1 footer carries a signature. */
  SIGNED: 4,
} as const;

/** What Ceph's Message::encode sets for a msgr2 send: COMPLETE | NOCRC (seen on the wire from 16.2.15). */
export const DEFAULT_MESSAGE_FLAGS = MessageFooterFlag.COMPLETE | MessageFooterFlag.NOCRC;

export function encodeMessageHeader2(h: MessageHeader): Buffer {
  const b = Buffer.allocUnsafe(MSG_HEADER2_SIZE);
  b.writeBigUInt64LE(BigInt.asUintN(64, h.seq), 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, h.tid), 8);
  b.writeUInt16LE(h.type, 16);
  b.writeUInt16LE(h.priority, 18);
  b.writeUInt16LE(h.version, 20);
  b.writeUInt32LE(0, 22); // data_pre_padding_len: unused by Ceph
  b.writeUInt16LE(h.dataOff & 0xffff, 26);
  b.writeBigUInt64LE(BigInt.asUintN(64, h.ackSeq), 28);
  b.writeUInt8(h.flags, 36);
  b.writeUInt16LE(h.compatVersion, 37);
  b.writeUInt16LE(0, 39); // reserved
  return b;
}

export function decodeMessageHeader2(b: Buffer): MessageHeader {
  if (b.length !== MSG_HEADER2_SIZE) {
    throw new CephError(
      'EBADMSG',
      `msgr2: message header of ${b.length} bytes, expected ${MSG_HEADER2_SIZE}`,
    );
  }
  return {
    seq: b.readBigUInt64LE(0),
    tid: b.readBigUInt64LE(8),
    type: b.readUInt16LE(16),
    priority: b.readUInt16LE(18),
    version: b.readUInt16LE(20),
    dataOff: b.readUInt16LE(26),
    ackSeq: b.readBigUInt64LE(28),
    flags: b.readUInt8(36),
    compatVersion: b.readUInt16LE(37),
  };
}
