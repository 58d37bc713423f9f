import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import { EntityType, decodeEntityName, encodeEntityName, type EntityName } from '../encoding/types.js';
import {
  AuthMethod,
  AuthPayloadMode,
  ConMode,
  type AuthClient,
  type AuthConnection,
  type AuthRequest,
  type AuthServer,
  type AuthServerResult,
} from './types.js';

/**
 * Auth "none": no secrets, one round.
 *
 * To a monitor the client sends MonClient's request (MonConnection::
 * get_auth_request): u8 AUTH_MODE_MON (10), EntityName, u64 global id (0 the
 * first time, then the one the mon gave, to reclaim it); the mon answers
 * AUTH_DONE with the global id it assigned. To any other daemon it sends an
 * AuthNoneAuthorizer: u8 struct_v 1, EntityName, u64 global id. The
 * connection mode is always crc. Verified against ceph-mon and ceph-mgr
 * 16.2.15: these bytes are what the real `ceph` CLI sends.
 */
export class AuthNoneClient implements AuthClient {
  /** Our auth identity, e.g. client.admin. */
  readonly name: EntityName;
  /** Global id from the last AUTH_DONE of a monitor (0 until then). */
  globalId: bigint;

  constructor(opts: { name: EntityName; globalId?: bigint }) {
    this.name = opts.name;
    this.globalId = opts.globalId ?? 0n;
  }

  getAuthRequest(con: AuthConnection): AuthRequest {
    const e = new Encoder(32);
    e.u8(con.peerType === EntityType.MON ? AuthPayloadMode.MON : AuthPayloadMode.AUTHORIZER);
    encodeEntityName(e, this.name);
    e.u64(this.globalId);
    return { method: AuthMethod.NONE, preferredModes: [ConMode.CRC], payload: e.finish() };
  }

  handleAuthReplyMore(): Buffer {
    throw new CephError('EPROTO', 'auth none: server asked for another round');
  }

  handleAuthDone(con: AuthConnection, globalId: bigint, conMode: number): void {
    if (conMode !== ConMode.CRC)
      throw new CephError('EOPNOTSUPP', `auth none: connection mode ${conMode} unsupported`);
    if (con.peerType === EntityType.MON) this.globalId = globalId;
  }

  handleAuthBadMethod(_con: AuthConnection, method: number, result: number, allowedMethods: number[]): void {
    throw new CephError(
      result < 0 ? result : 'EACCES',
      `auth none: server refused method ${method}; it allows [${allowedMethods.join(',')}]`,
    );
  }
}

/**
 * Server side of auth none: accepts either payload form, takes the entity
 * name as given and completes in one round in crc mode. A monitor passes
 * `nextGlobalId` so that clients asking with global id 0 get a fresh one;
 * other daemons echo the id the client presents.
 */
export class AuthNoneServer implements AuthServer {
  private readonly nextGlobalId?: () => bigint;
  /** The entity name of the last accepted request, per connection (for daemons that check caps). */
  readonly names = new WeakMap<AuthConnection, EntityName>();

  constructor(opts: { nextGlobalId?: () => bigint } = {}) {
    this.nextGlobalId = opts.nextGlobalId;
  }

  handleAuthRequest(
    con: AuthConnection,
    method: number,
    payload: Buffer,
    isMore: boolean,
    preferredModes: number[],
  ): AuthServerResult {
    const refuse = (errno: number): AuthServerResult => ({
      kind: 'reject',
      errno,
      allowedMethods: [AuthMethod.NONE],
      allowedModes: [ConMode.CRC],
    });
    if (method !== AuthMethod.NONE) return refuse(-95 /* EOPNOTSUPP */);
    if (preferredModes.length > 0 && !preferredModes.includes(ConMode.CRC)) return refuse(-95);
    if (isMore) throw new CephError('EPROTO', 'auth none: unexpected AUTH_REQUEST_MORE');
    const d = new Decoder(payload);
    const mode = d.u8();
    const name = decodeEntityName(d);
    let globalId = d.u64();
    if (mode >= AuthPayloadMode.MON && mode <= AuthPayloadMode.MON_MAX) {
      if (globalId === 0n && this.nextGlobalId) globalId = this.nextGlobalId();
    } else if (mode < AuthPayloadMode.AUTHORIZER || mode > AuthPayloadMode.AUTHORIZER_MAX) {
      throw new CephError('EBADMSG', `auth none: unknown payload mode ${mode}`);
    }
    this.names.set(con, name);
    return { kind: 'done', globalId, conMode: ConMode.CRC, reply: Buffer.alloc(0) };
  }
}

/** The auth identity a messenger uses by default: client.admin for clients, TYPE.NUM for daemons. */
export function defaultAuthName(type: number, num: bigint): EntityName {
  return { type, id: type === EntityType.CLIENT ? 'admin' : String(num) };
}
