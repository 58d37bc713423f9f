import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';

/**
 * The fields every `PaxosServiceMessage` (MMonCommand, MMonCommandAck, MLog…)
 * puts before its own, written by Ceph's `paxos_encode()`. The two session
 * fields date from mon-to-mon forwarding and are sent as -1 and 0 by Pacific.
 */
export interface PaxosHeader {
  /** `version_t version`: the map version the sender has seen (0 when it does not matter). */
  version: number;
  /** `__s16 deprecated_session_mon`: always -1 from Pacific peers. */
  deprecatedSessionMon: number;
  /** `u64 deprecated_session_mon_tid`: always 0 from Pacific peers. */
  deprecatedSessionMonTid: bigint;
}

export function defaultPaxosHeader(version = 0): PaxosHeader {
  return { version, deprecatedSessionMon: -1, deprecatedSessionMonTid: 0n };
}

export function encodePaxosHeader(e: Encoder, p: PaxosHeader): void {
  e.u64(p.version).i16(p.deprecatedSessionMon).u64(p.deprecatedSessionMonTid);
}

export function decodePaxosHeader(d: Decoder): PaxosHeader {
  return { version: d.u64Number(), deprecatedSessionMon: d.i16(), deprecatedSessionMonTid: d.u64() };
}
