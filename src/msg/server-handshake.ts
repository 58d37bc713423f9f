import { CephError } from '../common/errors.js';
import { CephFeature } from '../encoding/features.js';
import {
  AddrType,
  formatEntityAddr,
  formatEntityAddrVec,
  type EntityAddr,
  type EntityAddrVec,
} from '../encoding/types.js';
import { ConMode } from '../auth/types.js';
import {
  AuthBadMethod,
  AuthDone,
  AuthMore,
  AuthRequest,
  ClientIdent,
  Hello,
  IDENT_FLAG_LOSSY,
  Reconnect,
  ServerIdent,
  SessionReset,
  U64Frame,
  type ClientIdentFrame,
  type ReconnectFrame,
} from './control-frames.js';
import { ProtocolState, randomCookie, type Connection } from './connection.js';
import { sameAddr } from './client-handshake.js';
import { FrameTag } from './frames.js';
import {
  HandshakeLimit,
  checkPeerBanner,
  expectFrame,
  sendControl,
  exchangeAuthSignatures,
} from './handshake-common.js';
import { dout } from './logger.js';
import { copyPolicy } from './policy.js';
import type { Session } from './session.js';

/**
 * What the server does after a CLIENT_IDENT or SESSION_RECONNECT:
 * answer on this connection, hand the socket to an existing connection,
 * or reply and wait for the client's next attempt on the same socket.
 */
type SessionOutcome =
  | { kind: 'new' }
  | { kind: 'reuse'; existing: Connection; reconnecting: boolean }
  | { kind: 'reply'; tag: number; payload: Buffer }
  | { kind: 'stop' };

/**
 * The server side of one msgr2 session on an accepted socket.
 *
 *   BANNER_ACCEPTING: send banner, read banner
 *   HELLO_ACCEPTING: send HELLO(our type, the client's socket addr), read HELLO
 *                    → policy for the peer's type
 *   AUTH_ACCEPTING ⇄ AUTH_ACCEPTING_MORE: auth server decides each request:
 *       reject → AUTH_BAD_METHOD;  more → AUTH_REPLY_MORE;  done → AUTH_DONE
 *   AUTH_ACCEPTING_SIGN: send AUTH_SIGNATURE(rx bytes), check the client's (tx bytes)
 *   SESSION_ACCEPTING:
 *     CLIENT_IDENT → missing features: IDENT_MISSING_FEATURES
 *                  → no existing connection to that peer: SERVER_IDENT → READY (accept event)
 *                  → existing: resolve (handle_existing_connection):
 *                      stale → stop this;  lossy existing → replace it;
 *                      peer reset / interrupted / existing idle → move socket into existing;
 *                      connection race → lower address wins, loser gets WAIT
 *     SESSION_RECONNECT → no session: SESSION_RESET(full);  stale: RETRY / RETRY_GLOBAL;
 *                  cookie mismatch: SESSION_RESET;  race: WAIT;
 *                  else move socket into existing → SESSION_RECONNECT_OK → READY
 */
export async function runServerHandshake(con: Connection, s: Session): Promise<void> {
  const m = con.messenger;
  const alive = () => {
    if (s.closed || s !== con.session) throw new CephError('ECONNABORTED', 'session closed');
  };

  con.setState(ProtocolState.BANNER_ACCEPTING);
  s.sendBanner();
  await s.banner();
  alive();
  checkPeerBanner(s);

  con.setState(ProtocolState.HELLO_ACCEPTING);
  sendControl(s, FrameTag.HELLO, Hello.encode({ entityType: m.myName.type, peerAddr: con.targetAddr }));
  const hello = Hello.decode((await expectFrame(s, 'HELLO_ACCEPTING', FrameTag.HELLO)).payload);
  alive();
  con.peerType = hello.entityType;
  con.policy = copyPolicy(m.getPolicy(hello.entityType));
  dout(
    m.log,
    10,
    () =>
      `${con} accept of host type ${hello.entityType}, lossy=${con.policy.lossy} server=${con.policy.server}`,
  );
  if (m.needsAddress()) m.learnedAddr(hello.peerAddr, s.socket.localAddress ?? '');

  const sessionKey = await authenticate(con, s, alive);

  con.setState(ProtocolState.AUTH_ACCEPTING_SIGN);
  await exchangeAuthSignatures(s, sessionKey, 'AUTH_ACCEPTING_SIGN', alive);

  con.setState(ProtocolState.SESSION_ACCEPTING);
  for (let round = 0; round < HandshakeLimit.SESSION_ROUNDS; round++) {
    const { frame, payload } = await expectFrame(
      s,
      'SESSION_ACCEPTING',
      FrameTag.CLIENT_IDENT,
      FrameTag.SESSION_RECONNECT,
    );
    alive();
    const outcome =
      frame.tag === FrameTag.CLIENT_IDENT
        ? handleClientIdent(con, ClientIdent.decode(payload))
        : handleReconnect(con, Reconnect.decode(payload));
    const delay = m.injector.internalDelayMs();
    if (delay > 0) {
      await m.sleep(delay);
      alive();
    }
    switch (outcome.kind) {
      case 'new':
        sendServerIdent(con, s);
        return;
      case 'reuse':
        reuseConnection(con, s, outcome.existing, outcome.reconnecting);
        return;
      case 'stop':
        con.abort();
        return;
      case 'reply':
        sendControl(s, outcome.tag, outcome.payload);
        break;
    }
  }
  throw new CephError('EPROTO', 'msgr2: session establishment did not converge');
}

async function authenticate(con: Connection, s: Session, alive: () => void): Promise<Buffer | undefined> {
  const m = con.messenger;
  con.setState(ProtocolState.AUTH_ACCEPTING);
  let method = 0;
  let preferredModes: number[] = [];
  for (let round = 0; round < HandshakeLimit.BAD_METHOD_ROUNDS + HandshakeLimit.MORE_ROUNDS; round++) {
    const more = con.state === ProtocolState.AUTH_ACCEPTING_MORE;
    const { payload } = more
      ? await expectFrame(s, 'AUTH_ACCEPTING_MORE', FrameTag.AUTH_REQUEST_MORE)
      : await expectFrame(s, 'AUTH_ACCEPTING', FrameTag.AUTH_REQUEST);
    alive();
    let authPayload: Buffer;
    if (more) {
      authPayload = AuthMore.decode(payload);
    } else {
      const req = AuthRequest.decode(payload);
      method = req.method;
      preferredModes = req.preferredModes;
      authPayload = req.payload;
      dout(
        m.log,
        10,
        () => `${con} auth request method=${method} modes=${preferredModes} len=${authPayload.length}`,
      );
    }
    const result = m.authServer.handleAuthRequest(con, method, authPayload, more, preferredModes);
    if (result.kind === 'reject') {
      dout(m.log, 1, () => `${con} auth method ${method} refused: ${result.errno}`);
      sendControl(
        s,
        FrameTag.AUTH_BAD_METHOD,
        AuthBadMethod.encode({
          method,
          result: result.errno,
          allowedMethods: result.allowedMethods,
          allowedModes: result.allowedModes,
        }),
      );
      con.setState(ProtocolState.AUTH_ACCEPTING);
    } else if (result.kind === 'more') {
      con.setState(ProtocolState.AUTH_ACCEPTING_MORE);
      sendControl(s, FrameTag.AUTH_REPLY_MORE, AuthMore.encode(result.reply));
    } else {
      if (result.conMode !== ConMode.CRC) {
        throw new CephError(
          'EOPNOTSUPP',
          `msgr2: auth server chose mode ${result.conMode}; only crc is implemented`,
        );
      }
      con.globalId = result.globalId;
      sendControl(
        s,
        FrameTag.AUTH_DONE,
        AuthDone.encode({ globalId: result.globalId, conMode: result.conMode, payload: result.reply }),
      );
      return result.sessionKey;
    }
  }
  throw new CephError('EACCES', 'msgr2: too many auth rounds');
}

/**
 * The msgr2 address of an addrvec (entity_addrvec_t::msgr2_addr), laid out
 * as entity_addr_t sits in memory, so that comparisons order addresses as
 * Ceph's memcmp-based operator< does (connection races must be decided the
 * same way on both sides, whichever implementation each side runs).
 */
export function addrSortKey(addrs: EntityAddrVec): Buffer {
  const a = addrs.find((x) => x.type === AddrType.MSGR2);
  const key = Buffer.alloc(8 + 28);
  if (!a) return key;
  key.writeUInt32LE(a.type, 0);
  key.writeUInt32LE(a.nonce, 4);
  key.writeUInt16LE(a.family, 8);
  key.writeUInt16BE(a.port, 10);
  if (a.family === 2) {
    a.ip.split('.').forEach((p, i) => key.writeUInt8(Number(p), 12 + i));
  } else if (a.family === 10) {
    // sockaddr_in6: family, port, flowinfo (4 bytes), then the 16 address bytes.
    expandIpv6(a.ip).copy(key, 16);
  }
  return key;
}

function expandIpv6(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

/** The address to reconnect to from a peer's addrvec (AsyncConnection::_infer_target_addr). */
function inferTargetAddr(addrs: EntityAddrVec, socketFamily: number): EntityAddr | undefined {
  return addrs.find((a) => a.type !== AddrType.LEGACY && a.family === socketFamily);
}

/** ProtocolV2::handle_client_ident. */
function handleClientIdent(con: Connection, ident: ClientIdentFrame): SessionOutcome {
  const m = con.messenger;
  dout(
    m.log,
    5,
    () => `${con} received client ident addrs=${formatEntityAddrVec(ident.addrs)} gs=${ident.globalSeq}`,
  );
  if (ident.addrs.length === 0 || ident.addrs[0]!.type === AddrType.NONE) {
    throw new CephError('EPROTO', 'msgr2: client ident without addresses');
  }
  if (!m.myAddrs.some((a) => sameAddr(a, ident.targetAddr))) {
    throw new CephError(
      'EPROTO',
      `msgr2: peer is trying to reach ${formatEntityAddr(ident.targetAddr)}, which is not us`,
    );
  }
  con.peerAddrs = ident.addrs;
  con.targetAddr = inferTargetAddr(ident.addrs, con.targetAddr.family) ?? con.targetAddr;
  con.peerName = { type: con.peerType, num: ident.gid };
  con.clientCookie = ident.cookie;
  const missing = (con.policy.featuresRequired | CephFeature.MSG_ADDR2) & ~ident.supportedFeatures;
  if (missing !== 0n) {
    dout(m.log, 1, () => `${con} peer missing required features 0x${missing.toString(16)}`);
    return { kind: 'reply', tag: FrameTag.IDENT_MISSING_FEATURES, payload: U64Frame.encode(missing) };
  }
  con.connectionFeatures = ident.supportedFeatures & con.policy.featuresSupported;
  con.peerGlobalSeq = ident.globalSeq;

  const existing = m.lookupConnection(con.peerAddrs);
  if (!existing || existing === con) return { kind: 'new' };
  return handleExistingConnection(con, existing);
}

/** ProtocolV2::handle_existing_connection. */
function handleExistingConnection(con: Connection, existing: Connection): SessionOutcome {
  const m = con.messenger;
  const log = (what: string) => dout(m.log, 1, () => `${con} existing ${existing}: ${what}`);
  if (existing.state === ProtocolState.CLOSED) return { kind: 'new' };
  if (existing.replacing) {
    log('racing replace in progress, WAIT');
    return { kind: 'reply', tag: FrameTag.WAIT, payload: Buffer.alloc(0) };
  }
  if (existing.peerGlobalSeq > con.peerGlobalSeq) {
    log('this is a stale connection, stopping it');
    return { kind: 'stop' };
  }
  if (existing.policy.lossy) {
    log('is lossy, replacing it with this one');
    existing.abort();
    return { kind: 'new' };
  }
  if (existing.serverCookie && existing.clientCookie && existing.clientCookie !== con.clientCookie) {
    log('found previous session, peer must have reset');
    if (con.policy.resetcheck) existing.resetSession();
    return { kind: 'reuse', existing, reconnecting: false };
  }
  if (existing.clientCookie === con.clientCookie) {
    log('session establishment was interrupted, continuing it');
    return { kind: 'reuse', existing, reconnecting: false };
  }
  if (existing.state === ProtocolState.READY || existing.state === ProtocolState.STANDBY) {
    log('is READY/STANDBY, reusing it');
    return { kind: 'reuse', existing, reconnecting: false };
  }
  // Both sides are connecting to each other: the lower address (or a server) wins.
  if (Buffer.compare(addrSortKey(con.peerAddrs), addrSortKey(m.myAddrs)) < 0 || existing.policy.server) {
    log('connection race, replacing existing socket by this one');
    return { kind: 'reuse', existing, reconnecting: false };
  }
  log('connection race, this connection loses: WAIT');
  existing.sendKeepalive();
  return { kind: 'reply', tag: FrameTag.WAIT, payload: Buffer.alloc(0) };
}

/** ProtocolV2::handle_reconnect. */
function handleReconnect(con: Connection, r: ReconnectFrame): SessionOutcome {
  const m = con.messenger;
  dout(m.log, 5, () => `${con} received reconnect gs=${r.globalSeq} cs=${r.connectSeq} ms=${r.msgSeq}`);
  con.peerAddrs = r.addrs;
  con.targetAddr = inferTargetAddr(r.addrs, con.targetAddr.family) ?? con.targetAddr;
  con.peerGlobalSeq = r.globalSeq;
  const reset = (full: boolean): SessionOutcome => ({
    kind: 'reply',
    tag: FrameTag.SESSION_RESET,
    payload: SessionReset.encode(full),
  });
  const existing = m.lookupConnection(con.peerAddrs);
  if (!existing || existing === con || existing.state === ProtocolState.CLOSED) {
    dout(m.log, 0, () => `${con} reconnect: no existing connection, resetting client`);
    return reset(true);
  }
  if (existing.replacing) {
    return {
      kind: 'reply',
      tag: FrameTag.SESSION_RETRY_GLOBAL,
      payload: U64Frame.encode(existing.peerGlobalSeq),
    };
  }
  if (existing.clientCookie !== r.clientCookie) {
    dout(m.log, 1, () => `${con} reconnect: client cookie mismatch, I must have reset`);
    return reset(con.policy.resetcheck);
  }
  if (existing.serverCookie === 0n) {
    // We were the client and never got SERVER_IDENT; ask the peer to start over.
    return reset(false);
  }
  if (existing.peerGlobalSeq > r.globalSeq) {
    return {
      kind: 'reply',
      tag: FrameTag.SESSION_RETRY_GLOBAL,
      payload: U64Frame.encode(existing.peerGlobalSeq),
    };
  }
  if (existing.connectSeq > r.connectSeq) {
    return { kind: 'reply', tag: FrameTag.SESSION_RETRY, payload: U64Frame.encode(existing.connectSeq) };
  }
  if (existing.connectSeq === r.connectSeq) {
    // Both sides are reconnecting to each other.
    if (
      Buffer.compare(addrSortKey(existing.peerAddrs), addrSortKey(m.myAddrs)) > 0 &&
      !existing.policy.server
    ) {
      return { kind: 'reply', tag: FrameTag.WAIT, payload: Buffer.alloc(0) };
    }
  }
  existing.connectSeq = r.connectSeq;
  existing.messageSeq = r.msgSeq;
  return { kind: 'reuse', existing, reconnecting: true };
}

/** ProtocolV2::reuse_connection: the accepted socket continues the existing connection's session. */
function reuseConnection(con: Connection, s: Session, existing: Connection, reconnecting: boolean): void {
  const from = {
    clientCookie: con.clientCookie,
    peerName: con.peerName,
    connectionFeatures: con.connectionFeatures,
    peerGlobalSeq: con.peerGlobalSeq,
  };
  const peerAddrs = con.peerAddrs;
  const targetAddr = con.targetAddr;
  const globalId = con.globalId;
  // This temporary connection steps aside without closing the socket it hands over.
  con.session = undefined;
  con.stop();
  existing.adoptSession(s, from, reconnecting);
  existing.peerAddrs = peerAddrs;
  existing.targetAddr = targetAddr;
  existing.globalId = globalId;
  if (reconnecting) sendReconnectOk(existing, s);
  else sendServerIdent(existing, s);
}

/** ProtocolV2::send_server_ident. */
function sendServerIdent(con: Connection, s: Session): void {
  const m = con.messenger;
  con.outSeq = con.discardRequeuedUpTo(con.outSeq, 0);
  con.inSeq = 0;
  if (!con.policy.lossy) con.serverCookie = randomCookie();
  const gs = m.getGlobalSeq();
  const payload = ServerIdent.encode({
    addrs: m.myAddrs,
    gid: m.myName.num,
    globalSeq: gs,
    supportedFeatures: con.policy.featuresSupported,
    requiredFeatures: con.policy.featuresRequired | CephFeature.MSG_ADDR2,
    flags: con.policy.lossy ? IDENT_FLAG_LOSSY : 0n,
    cookie: con.serverCookie,
  });
  if (!m.acceptConnection(con))
    throw new CephError('EBUSY', 'msgr2: another connection to this peer is being accepted');
  con.features = con.connectionFeatures;
  con.announce('accept');
  sendControl(s, FrameTag.SERVER_IDENT, payload);
  con.ready(s);
}

/** ProtocolV2::send_reconnect_ok. */
function sendReconnectOk(con: Connection, s: Session): void {
  const m = con.messenger;
  con.outSeq = con.discardRequeuedUpTo(con.outSeq, con.messageSeq);
  if (!m.acceptConnection(con))
    throw new CephError('EBUSY', 'msgr2: another connection to this peer is being accepted');
  con.announce('accept');
  sendControl(s, FrameTag.SESSION_RECONNECT_OK, U64Frame.encode(con.inSeq));
  con.ready(s);
}
