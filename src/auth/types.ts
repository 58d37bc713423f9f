import type { EntityAddrVec } from '../encoding/types.js';

/**
 * The contract between the messenger and authentication (Ceph's
 * `AuthClient` / `AuthServer` in src/auth). The messenger carries opaque
 * payloads in AUTH_* frames and asks these handlers what to send; the
 * handlers never touch sockets. They throw a CephError to refuse.
 */

/** Authentication methods (`CEPH_AUTH_*`). */
export const AuthMethod = {
  UNKNOWN: 0,
  NONE: 1,
  CEPHX: 2,
} as const;
export type AuthMethod = (typeof AuthMethod)[keyof typeof AuthMethod];

/** Connection modes negotiated during auth (`CEPH_CON_MODE_*`). */
export const ConMode = {
  UNKNOWN: 0,
  /** Frames protected by crc32c only. */
  CRC: 1,
  /** Frames encrypted with AES-GCM (needs a session key; not offered by auth none). */
  SECURE: 2,
} as const;
export type ConMode = (typeof ConMode)[keyof typeof ConMode];

/** First byte of an auth payload says what it is (`AUTH_MODE_*` in auth/Auth.h). */
export const AuthPayloadMode = {
  NONE: 0,
  /** An authorizer for a non-mon service (AuthNoneAuthorizer writes struct_v 1 here). */
  AUTHORIZER: 1,
  AUTHORIZER_MAX: 9,
  /** A MonClient authenticating to a monitor: entity name and global id follow. */
  MON: 10,
  MON_MAX: 19,
} as const;

/** What auth handlers see of a connection. The messenger's Connection implements it. */
export interface AuthConnection {
  /** CEPH_ENTITY_TYPE_* of the peer. */
  readonly peerType: number;
  readonly peerAddrs: EntityAddrVec;
  /** The authenticated global id (set by the messenger after AUTH_DONE). */
  globalId: bigint;
}

export interface AuthRequest {
  /** CEPH_AUTH_* method. */
  method: number;
  /** Acceptable connection modes, most preferred first. */
  preferredModes: number[];
  /** The method's initial payload. */
  payload: Buffer;
}

/** Optional result of a completed client auth: a session key signs the pre-auth exchange (cephx). */
export interface AuthDoneResult {
  sessionKey?: Buffer;
}

export interface AuthClient {
  /** Build the AUTH_REQUEST for `con` (called again after AUTH_BAD_METHOD). */
  getAuthRequest(con: AuthConnection): AuthRequest;
  /** The server wants another round; return the AUTH_REQUEST_MORE payload. */
  handleAuthReplyMore(con: AuthConnection, payload: Buffer): Buffer;
  /** Authentication finished; `globalId` is ours as the server sees it. */
  handleAuthDone(
    con: AuthConnection,
    globalId: bigint,
    conMode: number,
    payload: Buffer,
  ): void | AuthDoneResult;
  /** The server refused our method; throw to give up, return to retry with a new getAuthRequest. */
  handleAuthBadMethod(
    con: AuthConnection,
    method: number,
    result: number,
    allowedMethods: number[],
    allowedModes: number[],
  ): void;
}

export type AuthServerResult =
  | { kind: 'done'; globalId: bigint; conMode: number; reply: Buffer; sessionKey?: Buffer }
  | { kind: 'more'; reply: Buffer }
  | { kind: 'reject'; errno: number; allowedMethods: number[]; allowedModes: number[] };

export interface AuthServer {
  /**
   * Handle AUTH_REQUEST (`isMore` false) or AUTH_REQUEST_MORE (`isMore`
   * true). `preferredModes` are the client's modes from its AUTH_REQUEST.
   */
  handleAuthRequest(
    con: AuthConnection,
    method: number,
    payload: Buffer,
    isMore: boolean,
    preferredModes: number[],
  ): AuthServerResult;
}
