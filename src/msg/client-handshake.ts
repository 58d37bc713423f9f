import { CephError } from '../common/errors.js';
import { CephFeature } from '../encoding/features.js';
import { formatEntityAddr, formatEntityAddrVec } from '../encoding/types.js';
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
} from './control-frames.js';
import { ProtocolState, randomCookie, type Connection } from './connection.js';
import { FrameTag } from './frames.js';
import {
  HandshakeLimit,
  checkPeerBanner,
  expectFrame,
  sendControl,
  exchangeAuthSignatures,
} from './handshake-common.js';
import { dout } from './logger.js';
import type { Session } from './session.js';

/** Thrown (after the connection was already stopped) to end a handshake without a fault. */
class HandshakeAborted extends CephError {}

/**
 * The client side of one msgr2 session on a connected socket
 * (ProtocolV2's client methods).
 *
 *   BANNER_CONNECTING: send banner, read banner (incompatible → stop)
 *   HELLO_CONNECTING: send HELLO(our type, target addr), read HELLO
 *                     (wrong peer type → stop; learn our address)
 *   AUTH_CONNECTING: send AUTH_REQUEST
 *       AUTH_BAD_METHOD → auth client decides → send AUTH_REQUEST again
 *       AUTH_REPLY_MORE → send AUTH_REQUEST_MORE
 *       AUTH_DONE → AUTH_CONNECTING_SIGN
 *   AUTH_CONNECTING_SIGN: send AUTH_SIGNATURE(rx bytes), check the peer's (tx bytes)
 *   no server cookie → SESSION_CONNECTING: send CLIENT_IDENT
 *       SERVER_IDENT → READY (connect event)
 *       IDENT_MISSING_FEATURES → fault;  WAIT → WAIT state, fault (max backoff)
 *   server cookie → SESSION_RECONNECTING: send SESSION_RECONNECT
 *       SESSION_RECONNECT_OK → drop what the peer has → READY (connect event)
 *       SESSION_RETRY → connect_seq = theirs + 1, resend;  SESSION_RETRY_GLOBAL → new global_seq, resend
 *       SESSION_RESET → (full: reset session) → SESSION_CONNECTING;  WAIT → fault
 *
 * Any error closes the socket and the connection's fault path takes over.
 */
export async function runClientHandshake(con: Connection, s: Session): Promise<void> {
  const m = con.messenger;
  const alive = () => {
    if (s.closed || s !== con.session) throw new HandshakeAborted('ECONNABORTED', 'session replaced');
  };

  con.setState(ProtocolState.BANNER_CONNECTING);
  con.globalSeq = m.getGlobalSeq();
  s.sendBanner();
  await s.banner();
  alive();
  try {
    checkPeerBanner(s);
  } catch (err) {
    con.abort();
    throw err;
  }

  con.setState(ProtocolState.HELLO_CONNECTING);
  sendControl(s, FrameTag.HELLO, Hello.encode({ entityType: m.myName.type, peerAddr: con.targetAddr }));
  const hello = Hello.decode((await expectFrame(s, 'HELLO_CONNECTING', FrameTag.HELLO)).payload);
  alive();
  dout(
    m.log,
    5,
    () =>
      `${con} received hello: peer_type=${hello.entityType} peer_addr_for_me=${formatEntityAddr(hello.peerAddr)}`,
  );
  if (hello.entityType !== con.peerType) {
    con.abort();
    throw new HandshakeAborted('EPROTO', `peer type ${hello.entityType} does not match ${con.peerType}`);
  }
  if (m.needsAddress()) {
    m.learnedAddr(hello.peerAddr, s.socket.localAddress ?? '');
    const delay = m.injector.internalDelayMs();
    if (delay > 0 && m.injector.socketFailure()) await m.sleep(delay);
    alive();
  }

  const sessionKey = await authenticate(con, s, alive);

  con.setState(ProtocolState.AUTH_CONNECTING_SIGN);
  await exchangeAuthSignatures(s, sessionKey, 'AUTH_CONNECTING_SIGN', alive);

  await establishSession(con, s, alive);
}

/** The AUTH_* exchange; returns the session key (if the method has one). */
async function authenticate(con: Connection, s: Session, alive: () => void): Promise<Buffer | undefined> {
  const m = con.messenger;
  con.setState(ProtocolState.AUTH_CONNECTING);
  const sendRequest = () => {
    const req = m.authClient.getAuthRequest(con);
    sendControl(s, FrameTag.AUTH_REQUEST, AuthRequest.encode(req));
  };
  sendRequest();
  let badRounds = 0;
  let moreRounds = 0;
  for (;;) {
    const { frame, payload } = await expectFrame(
      s,
      'AUTH_CONNECTING',
      FrameTag.AUTH_BAD_METHOD,
      FrameTag.AUTH_REPLY_MORE,
      FrameTag.AUTH_DONE,
    );
    alive();
    if (frame.tag === FrameTag.AUTH_BAD_METHOD) {
      const bad = AuthBadMethod.decode(payload);
      dout(
        m.log,
        1,
        () => `${con} auth bad method ${bad.method} result ${bad.result} allowed ${bad.allowedMethods}`,
      );
      if (++badRounds > HandshakeLimit.BAD_METHOD_ROUNDS)
        throw new CephError('EACCES', 'msgr2: auth methods exhausted');
      m.authClient.handleAuthBadMethod(con, bad.method, bad.result, bad.allowedMethods, bad.allowedModes);
      sendRequest();
    } else if (frame.tag === FrameTag.AUTH_REPLY_MORE) {
      if (++moreRounds > HandshakeLimit.MORE_ROUNDS)
        throw new CephError('EACCES', 'msgr2: too many auth rounds');
      const reply = m.authClient.handleAuthReplyMore(con, AuthMore.decode(payload));
      sendControl(s, FrameTag.AUTH_REQUEST_MORE, AuthMore.encode(reply));
    } else {
      const done = AuthDone.decode(payload);
      if (done.conMode !== ConMode.CRC) {
        throw new CephError('EOPNOTSUPP', `msgr2: connection mode ${done.conMode} not supported (crc only)`);
      }
      const result = m.authClient.handleAuthDone(con, done.globalId, done.conMode, done.payload);
      con.globalId = done.globalId;
      return result?.sessionKey;
    }
  }
}

/** SESSION_CONNECTING / SESSION_RECONNECTING until READY. */
async function establishSession(con: Connection, s: Session, alive: () => void): Promise<void> {
  const m = con.messenger;
  const sendClientIdent = () => {
    con.setState(ProtocolState.SESSION_CONNECTING);
    if (!con.policy.lossy && !con.clientCookie) con.clientCookie = randomCookie();
    const ident = {
      addrs: m.myAddrs,
      targetAddr: con.targetAddr,
      gid: m.myName.num,
      globalSeq: con.globalSeq,
      supportedFeatures: con.policy.featuresSupported,
      requiredFeatures: con.policy.featuresRequired | CephFeature.MSG_ADDR2,
      flags: con.policy.lossy ? IDENT_FLAG_LOSSY : 0n,
      cookie: con.clientCookie,
    };
    dout(
      m.log,
      5,
      () => `${con} sending client ident addrs=${formatEntityAddrVec(ident.addrs)} gs=${ident.globalSeq}`,
    );
    sendControl(s, FrameTag.CLIENT_IDENT, ClientIdent.encode(ident));
  };
  const sendReconnect = () => {
    con.setState(ProtocolState.SESSION_RECONNECTING);
    dout(m.log, 5, () => `${con} reconnect gs=${con.globalSeq} cs=${con.connectSeq} ms=${con.inSeq}`);
    sendControl(
      s,
      FrameTag.SESSION_RECONNECT,
      Reconnect.encode({
        addrs: m.myAddrs,
        clientCookie: con.clientCookie,
        serverCookie: con.serverCookie,
        globalSeq: con.globalSeq,
        connectSeq: con.connectSeq,
        msgSeq: con.inSeq,
      }),
    );
  };

  if (!con.serverCookie) sendClientIdent();
  else sendReconnect();

  for (let round = 0; round < HandshakeLimit.SESSION_ROUNDS; round++) {
    const connecting = con.state === ProtocolState.SESSION_CONNECTING;
    const { frame, payload } = connecting
      ? await expectFrame(
          s,
          'SESSION_CONNECTING',
          FrameTag.SERVER_IDENT,
          FrameTag.IDENT_MISSING_FEATURES,
          FrameTag.WAIT,
        )
      : await expectFrame(
          s,
          'SESSION_RECONNECTING',
          FrameTag.SESSION_RECONNECT_OK,
          FrameTag.SESSION_RETRY,
          FrameTag.SESSION_RETRY_GLOBAL,
          FrameTag.SESSION_RESET,
          FrameTag.WAIT,
        );
    alive();
    switch (frame.tag) {
      case FrameTag.SERVER_IDENT: {
        const ident = ServerIdent.decode(payload);
        const target = con.targetAddr;
        if (!ident.addrs.some((a) => sameAddr(a, target))) {
          throw new CephError(
            'EPROTO',
            `peer identifies as ${formatEntityAddrVec(ident.addrs)}, not ${formatEntityAddr(target)}`,
          );
        }
        con.serverCookie = ident.cookie;
        con.peerAddrs = ident.addrs;
        con.peerName = { type: con.peerType, num: ident.gid };
        con.features = ident.supportedFeatures & con.policy.featuresSupported;
        con.peerGlobalSeq = ident.globalSeq;
        con.policy.lossy = (ident.flags & IDENT_FLAG_LOSSY) !== 0n;
        con.resetBackoff();
        con.announce('connect');
        con.ready(s);
        return;
      }
      case FrameTag.IDENT_MISSING_FEATURES: {
        const missing = U64Frame.decode(payload);
        throw new CephError('EOPNOTSUPP', `server requires features we lack: 0x${missing.toString(16)}`);
      }
      case FrameTag.WAIT:
        dout(m.log, 1, () => `${con} received WAIT (connection race)`);
        con.setState(ProtocolState.WAIT);
        throw new CephError('EAGAIN', 'msgr2: peer asked us to wait (connection race)');
      case FrameTag.SESSION_RESET: {
        const full = SessionReset.decode(payload);
        dout(m.log, 1, () => `${con} received session reset full=${full}`);
        if (full) {
          con.resetSession();
        } else {
          con.serverCookie = 0n;
          con.connectSeq = 0;
          con.inSeq = 0;
        }
        sendClientIdent();
        break;
      }
      case FrameTag.SESSION_RETRY:
        con.connectSeq = U64Frame.decodeSeq(payload) + 1;
        sendReconnect();
        break;
      case FrameTag.SESSION_RETRY_GLOBAL:
        con.globalSeq = m.getGlobalSeq(U64Frame.decodeSeq(payload));
        sendReconnect();
        break;
      case FrameTag.SESSION_RECONNECT_OK: {
        const msgSeq = U64Frame.decodeSeq(payload);
        dout(m.log, 5, () => `${con} reconnect accepted: sms=${msgSeq}`);
        con.outSeq = con.discardRequeuedUpTo(con.outSeq, msgSeq);
        con.resetBackoff();
        con.announce('connect');
        con.ready(s);
        return;
      }
    }
  }
  throw new CephError('EPROTO', 'msgr2: session establishment did not converge');
}

/** entity_addr_t equality: type, nonce, family, ip, port. */
export function sameAddr(
  a: { type: number; nonce: number; ip: string; port: number; family: number },
  b: typeof a,
): boolean {
  return (
    a.type === b.type && a.nonce === b.nonce && a.family === b.family && a.ip === b.ip && a.port === b.port
  );
}
