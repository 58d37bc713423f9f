import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import {
  decodeEntityAddr,
  decodeEntityAddrVec,
  decodeUTime,
  encodeEntityAddr,
  encodeEntityAddrVec,
  encodeUTime,
  type EntityAddr,
  type EntityAddrVec,
  type UTime,
} from '../encoding/types.js';

/**
 * Payloads of msgr2 control frames (`frames_v2.h` ControlFrame subclasses):
 * fields encoded back to back with denc, addresses with the MSG_ADDR2 form
 * (Ceph encodes frames assuming MSG_ADDR2|SERVER_NAUTILUS of the peer).
 * Decoders ignore trailing bytes, as Ceph's do.
 */

/** `CEPH_MSG_CONNECT_LOSSY`: the ident flag saying this side treats the session as lossy. */
export const IDENT_FLAG_LOSSY = 1n;

/** HELLO: who I am and which address I see you at. */
export interface HelloFrame {
  /** Sender's entity type (CEPH_ENTITY_TYPE_*). */
  entityType: number;
  /** The receiver's address as seen by the sender (lets a client learn its IP). */
  peerAddr: EntityAddr;
}

/** AUTH_REQUEST: the client's chosen auth method and its first payload. */
export interface AuthRequestFrame {
  /** CEPH_AUTH_* method. */
  method: number;
  /** Connection modes in order of preference (CEPH_CON_MODE_*). */
  preferredModes: number[];
  /** Method-specific payload (for a mon: mode, entity name, global id, …). */
  payload: Buffer;
}

/** AUTH_BAD_METHOD: the server refuses the method and lists what it accepts. */
export interface AuthBadMethodFrame {
  /** The refused method. */
  method: number;
  /** Negative errno explaining why. */
  result: number;
  /** Methods the server accepts for this peer type. */
  allowedMethods: number[];
  /** Connection modes the server accepts. */
  allowedModes: number[];
}

/** AUTH_DONE: authentication succeeded. */
export interface AuthDoneFrame {
  /** The client's global id (assigned by a mon, echoed by other daemons). */
  globalId: bigint;
  /** Chosen connection mode (CEPH_CON_MODE_*). */
  conMode: number;
  /** Method-specific final payload. */
  payload: Buffer;
}

/** CLIENT_IDENT: a new session. */
export interface ClientIdentFrame {
  /** The client's addresses. */
  addrs: EntityAddrVec;
  /** The address the client is connecting to. */
  targetAddr: EntityAddr;
  /** The client's entity number (global id for clients, rank/id for daemons). */
  gid: bigint;
  /** Messenger-wide connection attempt counter of the client. */
  globalSeq: number;
  /** Feature bits the client supports. */
  supportedFeatures: bigint;
  /** Feature bits the client requires. */
  requiredFeatures: bigint;
  /** IDENT_FLAG_* bits. */
  flags: bigint;
  /** Random session id of the client (0 for lossy sessions). */
  cookie: bigint;
}

/** SERVER_IDENT: the server accepts the new session. */
export interface ServerIdentFrame {
  /** The server's addresses. */
  addrs: EntityAddrVec;
  /** The server's entity number. */
  gid: bigint;
  /** Messenger-wide counter of the server. */
  globalSeq: number;
  /** Feature bits the server supports. */
  supportedFeatures: bigint;
  /** Feature bits the server requires. */
  requiredFeatures: bigint;
  /** IDENT_FLAG_* bits (LOSSY makes the client's connection lossy). */
  flags: bigint;
  /** Random session id of the server (0 for lossy sessions). */
  cookie: bigint;
}

/** SESSION_RECONNECT: resume an existing session on a new socket. */
export interface ReconnectFrame {
  /** The client's addresses. */
  addrs: EntityAddrVec;
  /** Client cookie of the session. */
  clientCookie: bigint;
  /** Server cookie of the session. */
  serverCookie: bigint;
  /** Client's new global seq. */
  globalSeq: number;
  /** Client's connect seq (attempts to resume this session). */
  connectSeq: number;
  /** Highest message seq the client received (the server drops what it acknowledges). */
  msgSeq: number;
}

function enc(body: (e: Encoder) => void): Buffer {
  const e = new Encoder(64);
  body(e);
  return e.finish();
}

function u32List(d: Decoder): number[] {
  return d.list((x) => x.u32());
}

/** A u64 that must fit a JS number (sequence counters); garbage beyond 2^53 is a bad frame. */
function seq(d: Decoder): number {
  const v = d.u64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CephError('EBADMSG', `msgr2: sequence ${v} out of range`);
  return Number(v);
}

export const Hello = {
  encode: (f: HelloFrame): Buffer =>
    enc((e) => {
      e.u8(f.entityType);
      encodeEntityAddr(e, f.peerAddr);
    }),
  decode: (b: Buffer): HelloFrame => {
    const d = new Decoder(b);
    return { entityType: d.u8(), peerAddr: decodeEntityAddr(d) };
  },
};

export const AuthRequest = {
  encode: (f: AuthRequestFrame): Buffer =>
    enc((e) => {
      e.u32(f.method);
      e.list(f.preferredModes, (x, m) => x.u32(m));
      e.buffer(f.payload);
    }),
  decode: (b: Buffer): AuthRequestFrame => {
    const d = new Decoder(b);
    return { method: d.u32(), preferredModes: u32List(d), payload: d.buffer() };
  },
};

export const AuthBadMethod = {
  encode: (f: AuthBadMethodFrame): Buffer =>
    enc((e) => {
      e.u32(f.method).i32(f.result);
      e.list(f.allowedMethods, (x, m) => x.u32(m));
      e.list(f.allowedModes, (x, m) => x.u32(m));
    }),
  decode: (b: Buffer): AuthBadMethodFrame => {
    const d = new Decoder(b);
    return { method: d.u32(), result: d.i32(), allowedMethods: u32List(d), allowedModes: u32List(d) };
  },
};

/** AUTH_REPLY_MORE and AUTH_REQUEST_MORE: one opaque auth payload. */
export const AuthMore = {
  encode: (payload: Buffer): Buffer => enc((e) => e.buffer(payload)),
  decode: (b: Buffer): Buffer => new Decoder(b).buffer(),
};

export const AuthDone = {
  encode: (f: AuthDoneFrame): Buffer =>
    enc((e) => {
      e.u64(f.globalId).u32(f.conMode);
      e.buffer(f.payload);
    }),
  decode: (b: Buffer): AuthDoneFrame => {
    const d = new Decoder(b);
    return { globalId: d.u64(), conMode: d.u32(), payload: d.buffer() };
  },
};

/** Size of `sha256_digest_t`, sent raw (no length prefix). */
export const AUTH_SIGNATURE_SIZE = 32;

/** AUTH_SIGNATURE: HMAC-SHA256 of the peer's pre-auth bytes (all zero when there is no session key). */
export const AuthSignature = {
  encode: (signature: Buffer): Buffer => {
    if (signature.length !== AUTH_SIGNATURE_SIZE)
      throw new CephError('EINVAL', 'auth signature must be 32 bytes');
    return Buffer.from(signature);
  },
  decode: (b: Buffer): Buffer => new Decoder(b).bytes(AUTH_SIGNATURE_SIZE),
};

export const ClientIdent = {
  encode: (f: ClientIdentFrame): Buffer =>
    enc((e) => {
      encodeEntityAddrVec(e, f.addrs);
      encodeEntityAddr(e, f.targetAddr);
      e.i64(f.gid)
        .u64(f.globalSeq)
        .u64(f.supportedFeatures)
        .u64(f.requiredFeatures)
        .u64(f.flags)
        .u64(f.cookie);
    }),
  decode: (b: Buffer): ClientIdentFrame => {
    const d = new Decoder(b);
    return {
      addrs: decodeEntityAddrVec(d),
      targetAddr: decodeEntityAddr(d),
      gid: d.i64(),
      globalSeq: seq(d),
      supportedFeatures: d.u64(),
      requiredFeatures: d.u64(),
      flags: d.u64(),
      cookie: d.u64(),
    };
  },
};

export const ServerIdent = {
  encode: (f: ServerIdentFrame): Buffer =>
    enc((e) => {
      encodeEntityAddrVec(e, f.addrs);
      e.i64(f.gid)
        .u64(f.globalSeq)
        .u64(f.supportedFeatures)
        .u64(f.requiredFeatures)
        .u64(f.flags)
        .u64(f.cookie);
    }),
  decode: (b: Buffer): ServerIdentFrame => {
    const d = new Decoder(b);
    return {
      addrs: decodeEntityAddrVec(d),
      gid: d.i64(),
      globalSeq: seq(d),
      supportedFeatures: d.u64(),
      requiredFeatures: d.u64(),
      flags: d.u64(),
      cookie: d.u64(),
    };
  },
};

export const Reconnect = {
  encode: (f: ReconnectFrame): Buffer =>
    enc((e) => {
      encodeEntityAddrVec(e, f.addrs);
      e.u64(f.clientCookie).u64(f.serverCookie).u64(f.globalSeq).u64(f.connectSeq).u64(f.msgSeq);
    }),
  decode: (b: Buffer): ReconnectFrame => {
    const d = new Decoder(b);
    return {
      addrs: decodeEntityAddrVec(d),
      clientCookie: d.u64(),
      serverCookie: d.u64(),
      globalSeq: seq(d),
      connectSeq: seq(d),
      msgSeq: seq(d),
    };
  },
};

/** SESSION_RESET: the server has no (matching) session; `full` also discards the client's queued messages. */
export const SessionReset = {
  encode: (full: boolean): Buffer => enc((e) => e.bool(full)),
  decode: (b: Buffer): boolean => new Decoder(b).bool(),
};

/**
 * One u64 counter: IDENT_MISSING_FEATURES (missing feature mask),
 * SESSION_RETRY (server's connect seq), SESSION_RETRY_GLOBAL (server's view
 * of the client's global seq), SESSION_RECONNECT_OK (server's in seq), ACK
 * (highest seq received).
 */
export const U64Frame = {
  encode: (v: bigint | number): Buffer => enc((e) => e.u64(v)),
  decode: (b: Buffer): bigint => new Decoder(b).u64(),
  decodeSeq: (b: Buffer): number => seq(new Decoder(b)),
};

/** KEEPALIVE2 and KEEPALIVE2_ACK: a utime_t stamp (the ack echoes the keepalive's). */
export const Keepalive = {
  encode: (stamp: UTime): Buffer => enc((e) => encodeUTime(e, stamp)),
  decode: (b: Buffer): UTime => decodeUTime(new Decoder(b)),
};
