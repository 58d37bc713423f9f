import { connect as tcpConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { CephError, isCephError } from '../common/errors.js';
import {
  formatEntityAddr,
  formatEntityAddrVec,
  formatEntityNameT,
  utimeFromMs,
  utimeToMs,
  type EntityAddr,
  type EntityAddrVec,
  type EntityNameT,
} from '../encoding/types.js';
import type { AuthConnection } from '../auth/types.js';
import { Keepalive, U64Frame } from './control-frames.js';
import {
  FrameTag,
  MESSAGE_SEGMENT_ALIGNMENTS,
  MessageSegment,
  assembleControlFrame,
  assembleFrame,
  frameTagName,
  type Preamble,
} from './frames.js';
import { segmentBuffer, type ReceivedFrame } from './frame-reader.js';
import type { TimerHandle } from './clock.js';
import { DelayedDelivery } from './delayed-delivery.js';
import { dout } from './logger.js';
import { decodeMessage, type Message } from './message.js';
import { DEFAULT_MESSAGE_FLAGS, decodeMessageHeader2, encodeMessageHeader2 } from './message-header.js';
import type { Messenger } from './messenger.js';
import { copyPolicy, type Policy } from './policy.js';
import { Session, type SessionOwner } from './session.js';
import { SocketReads } from './socket-reads.js';
import { OutQueue } from './out-queue.js';
import { Reservation } from './read-gate.js';
import { runClientHandshake } from './client-handshake.js';
import { runServerHandshake } from './server-handshake.js';

/**
 * Protocol states (ProtocolV2::State, Pacific order: ranges are compared).
 * Ceph's THROTTLE_* / READ_MESSAGE_COMPLETE sub-states of READY are tracked
 * per frame by the read gate instead.
 */
export const ProtocolState = {
  NONE: 0,
  START_CONNECT: 1,
  BANNER_CONNECTING: 2,
  HELLO_CONNECTING: 3,
  AUTH_CONNECTING: 4,
  AUTH_CONNECTING_SIGN: 5,
  SESSION_CONNECTING: 6,
  SESSION_RECONNECTING: 7,
  START_ACCEPT: 8,
  BANNER_ACCEPTING: 9,
  HELLO_ACCEPTING: 10,
  AUTH_ACCEPTING: 11,
  AUTH_ACCEPTING_MORE: 12,
  AUTH_ACCEPTING_SIGN: 13,
  SESSION_ACCEPTING: 14,
  READY: 15,
  STANDBY: 16,
  WAIT: 17,
  CLOSED: 18,
} as const;
export type ProtocolState = (typeof ProtocolState)[keyof typeof ProtocolState];

const stateNames = new Map<number, string>(Object.entries(ProtocolState).map(([k, v]) => [v, k]));
export const protocolStateName = (s: number): string => stateNames.get(s) ?? String(s);

/** A random non-zero u64 (session cookies). */
export function randomCookie(): bigint {
  for (;;) {
    const v = randomBytes(8).readBigUInt64LE(0);
    if (v !== 0n) return v;
  }
}

let nextConnectionId = 1;

/**
 * A messenger session with one peer (Ceph's AsyncConnection + the session
 * part of ProtocolV2). It outlives sockets: a lossless connection replays
 * unacknowledged messages on a new socket after a fault.
 *
 *   client:  START_CONNECT → (client handshake, see client-handshake.ts) → READY
 *   server:  START_ACCEPT → (server handshake, see server-handshake.ts) → READY
 *   READY --fault--> lossy: CLOSED (msHandleReset)
 *                    lossless client/peer: START_CONNECT now (requeue sent)
 *                    server policy or standby with nothing queued: STANDBY
 *   connecting --fault--> START_CONNECT after backoff (ms_initial_backoff doubling to
 *                         ms_max_backoff; WAIT → ms_max_backoff)
 *   STANDBY --message queued (client side)--> START_CONNECT
 *   any --markDown()/shutdown--> CLOSED (queues discarded, no event)
 */
export class Connection implements AuthConnection, SessionOwner {
  readonly id = nextConnectionId++;
  /** CEPH_ENTITY_TYPE_* of the peer (-1 until an accepted peer says hello). */
  peerType: number;
  /** The peer's addresses (what we connect to, then what its ident says). */
  peerAddrs: EntityAddrVec;
  /** The address we (re)connect to; for an accepted peer, its socket address until ident. */
  targetAddr: EntityAddr;
  /** The peer's entity name, once its ident arrived. */
  peerName?: EntityNameT;
  /** Features negotiated with the peer (ours ∩ theirs); message encoders look at these. */
  features = 0n;
  policy: Policy;
  /** The authenticated global id of the client side of this connection. */
  globalId = 0n;
  /** Wall-clock ms the peer stamped on the last KEEPALIVE2 it acknowledged (0 = never). */
  lastKeepaliveAckMs = 0;
  /** Wall-clock ms we last received a KEEPALIVE2. */
  lastKeepaliveMs = 0;
  state: ProtocolState = ProtocolState.NONE;

  // --- session identity (ProtocolV2 members) ---
  clientCookie = 0n;
  serverCookie = 0n;
  globalSeq = 0;
  connectSeq = 0;
  peerGlobalSeq = 0;
  /** The peer's in_seq from its SESSION_RECONNECT (server side). */
  messageSeq = 0;
  /** Features agreed during ident, applied when the session becomes ready. */
  connectionFeatures = 0n;
  inSeq = 0;
  outSeq = 0;
  /** Messages received since we last told the peer our in_seq. */
  private ackLeft = 0;
  replacing = false;
  reconnecting = false;
  canWrite = false;
  /** The current socket, if any. */
  session?: Session;

  private readonly out = new OutQueue();
  private keepalivePending = false;
  private writeScheduled = false;
  private backoffMs = 0;
  private connectTimer?: TimerHandle;
  private tickTimer?: TimerHandle;
  private lastConnectStartedMs = 0;
  private gate?: Reservation;
  /** ms_inject_delay queue (only for peer types listed in ms_inject_delay_type). */
  private delayed?: DelayedDelivery;
  /**
   * Dispatchers know this connection: they created it (connectTo) or got its
   * accept event. Only such connections produce reset events; a half-open
   * incoming socket that dies early is closed silently.
   */
  private announced: boolean;

  constructor(
    readonly messenger: Messenger,
    init: {
      peerType: number;
      peerAddrs: EntityAddrVec;
      targetAddr: EntityAddr;
      policy: Policy;
      outgoing: boolean;
    },
  ) {
    this.announced = init.outgoing;
    this.peerType = init.peerType;
    this.peerAddrs = init.peerAddrs;
    this.targetAddr = init.targetAddr;
    this.policy = copyPolicy(init.policy);
  }

  toString(): string {
    const peer = this.peerName ? formatEntityNameT(this.peerName) : `type ${this.peerType}`;
    return `conn(${this.id} ${peer} ${formatEntityAddrVec(this.peerAddrs)} s=${protocolStateName(this.state)} cs=${this.connectSeq} l=${this.policy.lossy ? 1 : 0})`;
  }

  private get log() {
    return this.messenger.log;
  }

  private get clock() {
    return this.messenger.clock;
  }

  /** True when messages can be written now (READY). */
  isConnected(): boolean {
    return this.canWrite;
  }

  setState(state: ProtocolState): void {
    this.state = state;
  }

  // ------------------------------------------------------------------ send path

  /** Queue a message; it goes out in priority order once the session is ready. */
  sendMessage(msg: Message): void {
    if (this.state === ProtocolState.CLOSED) {
      dout(this.log, 10, () => `${this} closed, dropping ${msg.typeName}`);
      return;
    }
    this.out.push(msg.priority, msg);
    if ((!this.replacing && this.canWrite) || this.state === ProtocolState.STANDBY) this.scheduleWrite();
  }

  /** Ask the peer for a KEEPALIVE2_ACK (sets `lastKeepaliveAckMs` when it comes). */
  sendKeepalive(): void {
    if (this.state === ProtocolState.CLOSED) return;
    this.keepalivePending = true;
    this.scheduleWrite();
  }

  /** Close for good: queued and unacknowledged messages are dropped; no dispatcher event. */
  markDown(): void {
    this.stop();
  }

  /** Messages waiting to be written (for tests and `ceph daemon ... messenger` style dumps). */
  get queuedCount(): number {
    return this.out.length;
  }

  /** Messages written but not yet acknowledged (lossless only). */
  get unackedCount(): number {
    return this.out.sent.length;
  }

  scheduleWrite(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    queueMicrotask(() => {
      this.writeScheduled = false;
      this.writeEvent();
    });
  }

  onDrain(session: Session): void {
    if (session === this.session) this.scheduleWrite();
  }

  /** ProtocolV2::write_event: flush keepalive, queued messages and an ACK on the ready socket. */
  private writeEvent(): void {
    const s = this.session;
    if (!this.canWrite || !s) {
      if (this.state === ProtocolState.STANDBY && !this.policy.server && !this.out.empty) {
        // Only a session that was established counts as a reconnect attempt.
        if (this.serverCookie) this.connectSeq++;
        this.startConnect();
      }
      return;
    }
    if (s.needsDrain) return;
    s.cork();
    try {
      if (this.keepalivePending) {
        this.keepalivePending = false;
        s.write([assembleControlFrame(FrameTag.KEEPALIVE2, Keepalive.encode(utimeFromMs(this.clock.now())))]);
      }
      while (this.canWrite && !s.closed && !s.needsDrain) {
        const msg = this.out.next();
        if (!msg) break;
        this.writeMessage(s, msg);
      }
      if (this.canWrite && !s.closed && this.ackLeft > 0) {
        this.ackLeft = 0;
        s.write([assembleControlFrame(FrameTag.ACK, U64Frame.encode(this.inSeq))]);
      }
    } finally {
      s.uncork();
    }
  }

  private writeMessage(s: Session, msg: Message): void {
    let payload;
    try {
      payload = msg.encodePayload(this.features);
    } catch (err) {
      dout(
        this.log,
        0,
        () => `${this} failed to encode ${msg.typeName}, dropping it: ${(err as Error).stack}`,
      );
      return;
    }
    if (!this.policy.lossy) this.out.sent.push(msg);
    const seq = ++this.outSeq;
    msg.seq = BigInt(seq);
    this.ackLeft = 0;
    const header = encodeMessageHeader2({
      seq: msg.seq,
      tid: msg.tid,
      type: msg.type,
      priority: msg.priority,
      version: msg.version,
      compatVersion: msg.compatVersion,
      dataOff: msg.dataOff,
      ackSeq: BigInt(this.inSeq),
      flags: DEFAULT_MESSAGE_FLAGS,
    });
    dout(this.log, 20, () => `${this} tx ${msg.typeName} seq ${seq}`);
    s.write(
      assembleFrame(
        FrameTag.MESSAGE,
        [[header], [payload.front], [payload.middle], payload.data],
        MESSAGE_SEGMENT_ALIGNMENTS,
      ),
    );
  }

  /** Put unacknowledged messages back at the head of the queue (they are re-sent with the same seqs). */
  private requeueSent(): void {
    this.outSeq -= this.out.requeueSent();
  }

  /** Drop requeued messages the peer already has (seq ≤ `seq`); returns the new out_seq. */
  discardRequeuedUpTo(outSeq: number, seq: number): number {
    return this.out.discardRequeuedUpTo(outSeq, seq);
  }

  // ------------------------------------------------------------------ receive path

  /** Preamble of a MESSAGE: reserve throttle budget (messages, bytes, dispatch) before reading its body. */
  gateMessage(session: Session, preamble: Preamble): boolean {
    if (session !== this.session) return false;
    let size = 0;
    for (let i = 1; i < preamble.segments.length; i++) size += preamble.segments[i]!.length;
    const r = new Reservation(
      [this.policy.throttlerMessages, this.policy.throttlerBytes, this.messenger.dispatchThrottle],
      size,
    );
    this.gate = r;
    const complete = r.acquire(() => {
      if (this.gate === r && session === this.session) session.resumeReading();
    });
    if (!complete) {
      dout(this.log, 10, () => `${this} throttle ${r.waitingOn?.name} full, pausing reads`);
      session.pauseReading();
    }
    return complete;
  }

  onAbortedMessage(session: Session): void {
    if (session !== this.session) return;
    this.gate?.release();
    this.gate = undefined;
  }

  /** A frame on a ready session. Throwing closes the socket (the fault path takes over). */
  onReadyFrame(session: Session, frame: ReceivedFrame): void {
    if (session !== this.session) return;
    switch (frame.tag) {
      case FrameTag.MESSAGE:
        this.handleMessage(frame);
        return;
      case FrameTag.KEEPALIVE2: {
        const stamp = Keepalive.decode(segmentBuffer(frame, 0));
        this.lastKeepaliveMs = this.clock.now();
        session.write([assembleControlFrame(FrameTag.KEEPALIVE2_ACK, Keepalive.encode(stamp))]);
        return;
      }
      case FrameTag.KEEPALIVE2_ACK:
        this.lastKeepaliveAckMs = utimeToMs(Keepalive.decode(segmentBuffer(frame, 0)));
        return;
      case FrameTag.ACK:
        if (!this.policy.lossy) this.out.trimAcked(U64Frame.decodeSeq(segmentBuffer(frame, 0)));
        return;
      default:
        throw new CephError('EPROTO', `msgr2: unexpected ${frameTagName(frame.tag)} on a ready session`);
    }
  }

  private handleMessage(frame: ReceivedFrame): void {
    const g = this.gate;
    this.gate = undefined;
    const release = () => g?.release();
    let msg: Message;
    let seq: number;
    let ackSeq: number;
    try {
      const header = decodeMessageHeader2(segmentBuffer(frame, MessageSegment.HEADER));
      seq = Number(header.seq);
      ackSeq = Number(header.ackSeq);
      msg = decodeMessage(
        header,
        {
          front: segmentBuffer(frame, MessageSegment.FRONT),
          middle: segmentBuffer(frame, MessageSegment.MIDDLE),
          data: frame.segments[MessageSegment.DATA] ?? [],
        },
        this.features,
      );
    } catch (err) {
      release();
      throw isCephError(err)
        ? err
        : new CephError('EBADMSG', `decode message failed: ${(err as Error).message}`);
    }
    if (seq <= this.inSeq) {
      dout(this.log, 0, () => `${this} got old message ${seq} <= ${this.inSeq}, discarding`);
      release();
      return;
    }
    if (seq > this.inSeq + 1)
      dout(this.log, 0, () => `${this} missed message? skipped from seq ${this.inSeq} to ${seq}`);
    this.inSeq = seq;
    msg.source = this.peerName;
    dout(this.log, 20, () => `${this} rx ${msg.typeName} seq ${seq}`);
    if (!this.policy.lossy) this.ackLeft++;
    this.deliver(msg, release);
    if (!this.policy.lossy) this.out.trimAcked(ackSeq);
    if (this.ackLeft > 0 && this.canWrite) this.scheduleWrite();
  }

  /** Hand a message to the dispatch queue, through the injected-delay queue when configured. */
  private deliver(msg: Message, release: () => void): void {
    const m = this.messenger;
    if (!m.injector.delaysType(this.peerType)) {
      m.dispatchQueue.enqueueMessage(this, msg, release);
      return;
    }
    this.delayed ??= new DelayedDelivery(this.clock, (dm, r) => m.dispatchQueue.enqueueMessage(this, dm, r));
    this.delayed.queue(msg, release, m.injector.deliveryDelayMs(this.peerType));
  }

  // ------------------------------------------------------------------ lifecycle

  /** Start (or restart) connecting as the client side. */
  startConnect(): void {
    if (this.state === ProtocolState.CLOSED) return;
    this.cancelConnectTimer();
    this.session?.discard();
    this.session = undefined;
    this.canWrite = false;
    this.state = ProtocolState.START_CONNECT;
    this.lastConnectStartedMs = this.clock.now();
    this.armTick(this.messenger.options.ms_connection_ready_timeout * 1000);
    const addr = this.targetAddr;
    dout(this.log, 1, () => `${this} connecting to ${formatEntityAddr(addr)}`);
    const reads = new SocketReads();
    const socket = tcpConnect({
      host: addr.ip,
      port: addr.port,
      noDelay: this.messenger.options.ms_tcp_nodelay,
      onread: reads.onread,
    });
    const session = this.messenger.newSession(socket, this);
    reads.attach(session.readSink());
    this.session = session;
    socket.once('connect', () => {
      if (session !== this.session || session.closed) return;
      runClientHandshake(this, session).catch((err: unknown) => this.handshakeFailed(session, err));
    });
  }

  /** Start the server side on an accepted socket. */
  startAccept(session: Session): void {
    this.session = session;
    this.state = ProtocolState.START_ACCEPT;
    this.lastConnectStartedMs = this.clock.now();
    this.armTick(this.messenger.options.ms_connection_ready_timeout * 1000);
    runServerHandshake(this, session).catch((err: unknown) => this.handshakeFailed(session, err));
  }

  /** A handshake step threw: close that socket; the fault path decides what comes next. */
  private handshakeFailed(session: Session, err: unknown): void {
    const e = isCephError(err) ? err : new CephError('EPROTO', String((err as Error)?.stack ?? err));
    if (!isCephError(err)) dout(this.log, 0, () => `${this} handshake bug: ${e.message}`);
    if (!session.closed) session.close(e);
  }

  onSessionClosed(session: Session, err: CephError): void {
    if (session !== this.session) return;
    dout(this.log, 1, () => `${this} socket closed: ${err.code} ${err.message}`);
    if (err.code === 'ECONNREFUSED' && this.state === ProtocolState.START_CONNECT) {
      this.messenger.dispatchQueue.enqueueEvent('refused', this);
    }
    this.fault();
  }

  /** The handshake completed: the session carries messages from now on. */
  ready(session: Session): void {
    if (session !== this.session || session.closed) return;
    this.reconnecting = false;
    this.replacing = false;
    this.armTick(this.messenger.options.ms_connection_idle_timeout * 1000);
    this.canWrite = true;
    this.state = ProtocolState.READY;
    dout(this.log, 1, () => `${this} ready in_seq=${this.inSeq} out_seq=${this.outSeq}`);
    session.becomeReady();
    if (!this.out.empty || this.keepalivePending || this.ackLeft > 0) this.scheduleWrite();
  }

  /** Queue the connect (client) or accept (server) event for dispatchers. */
  announce(kind: 'connect' | 'accept'): void {
    this.announced = true;
    this.messenger.dispatchQueue.enqueueEvent(kind, this);
  }

  /** ProtocolV2::_fault. */
  fault(): void {
    const S = ProtocolState;
    if (this.state === S.CLOSED || this.state === S.NONE) return;
    const connecting = this.state >= S.START_CONNECT && this.state <= S.SESSION_RECONNECTING;
    if (this.policy.lossy && !connecting) {
      dout(this.log, 2, () => `${this} fault on lossy channel, failing`);
      this.abort();
      return;
    }
    this.canWrite = false;
    this.requeueSent();
    const accepting = this.state >= S.START_ACCEPT && this.state <= S.SESSION_ACCEPTING;
    if (this.out.empty && accepting && !this.replacing) {
      dout(this.log, 2, () => `${this} fault with nothing to send in the half accept state, closing`);
      this.abort();
      return;
    }
    this.replacing = false;
    this.session?.discard();
    this.session = undefined;
    this.resetRecvState();
    this.reconnecting = false;
    if (this.policy.standby && this.out.empty && !this.keepalivePending && this.state !== S.WAIT) {
      dout(this.log, 1, () => `${this} fault with nothing to send, going to standby`);
      this.state = S.STANDBY;
      return;
    }
    if (this.policy.server) {
      dout(this.log, 1, () => `${this} fault, server, going to standby`);
      this.state = S.STANDBY;
      return;
    }
    if (!connecting && this.state !== S.WAIT && this.state !== S.SESSION_ACCEPTING) {
      dout(this.log, 1, () => `${this} fault, initiating reconnect`);
      this.connectSeq++;
      this.globalSeq = this.messenger.getGlobalSeq();
      this.state = S.START_CONNECT;
      this.backoffMs = 0;
      this.scheduleConnect(0);
      return;
    }
    const { ms_initial_backoff, ms_max_backoff } = this.messenger.options;
    if (this.state === S.WAIT) this.backoffMs = ms_max_backoff * 1000;
    else if (this.backoffMs === 0) this.backoffMs = ms_initial_backoff * 1000;
    else this.backoffMs = Math.min(this.backoffMs * 2, ms_max_backoff * 1000);
    if (this.serverCookie) this.connectSeq++;
    this.globalSeq = this.messenger.getGlobalSeq();
    this.state = S.START_CONNECT;
    dout(this.log, 1, () => `${this} fault, waiting ${this.backoffMs} ms`);
    this.scheduleConnect(this.backoffMs);
  }

  /** Stop and tell dispatchers that know this connection (Ceph: stop() + queue_reset). */
  abort(): void {
    const announced = this.announced;
    this.stop();
    if (announced) this.messenger.dispatchQueue.enqueueEvent('reset', this);
  }

  /** A successful session establishment resets the backoff. */
  resetBackoff(): void {
    this.backoffMs = 0;
  }

  private scheduleConnect(delayMs: number): void {
    this.cancelConnectTimer();
    this.connectTimer = this.clock.setTimer(() => {
      this.connectTimer = undefined;
      if (this.state === ProtocolState.START_CONNECT) this.startConnect();
    }, delayMs);
  }

  private cancelConnectTimer(): void {
    if (this.connectTimer) this.clock.cancelTimer(this.connectTimer);
    this.connectTimer = undefined;
  }

  private armTick(ms: number): void {
    if (this.tickTimer) this.clock.cancelTimer(this.tickTimer);
    this.tickTimer = this.clock.setTimer(() => this.tick(), ms);
  }

  /** AsyncConnection::tick: fault a connection stuck connecting, or idle for too long. */
  private tick(): void {
    this.tickTimer = undefined;
    if (this.state === ProtocolState.CLOSED) return;
    const { ms_connection_ready_timeout, ms_connection_idle_timeout } = this.messenger.options;
    const now = this.clock.now();
    if (!this.canWrite) {
      if (this.state === ProtocolState.STANDBY) return;
      const readyMs = ms_connection_ready_timeout * 1000;
      if (now - this.lastConnectStartedMs >= readyMs) {
        dout(this.log, 1, () => `${this} no progress in ${readyMs} ms while connecting, fault`);
        this.faultSession(new CephError('ETIMEDOUT', 'connection ready timeout'));
      } else {
        this.armTick(readyMs);
      }
      return;
    }
    const idleMs = ms_connection_idle_timeout * 1000;
    const idle = now - (this.session?.lastActiveMs ?? now);
    if (idle > idleMs) {
      dout(this.log, 1, () => `${this} idle for ${idle} ms, fault`);
      this.faultSession(new CephError('ETIMEDOUT', 'connection idle timeout'));
    } else {
      this.armTick(idleMs);
    }
  }

  /** Close the current socket with `err` (its close handler runs the fault path). */
  faultSession(err: CephError): void {
    if (this.session && !this.session.closed) this.session.close(err);
    else this.fault();
  }

  /** Release what the read side holds (a gated frame's throttle budget). */
  resetRecvState(): void {
    this.gate?.release();
    this.gate = undefined;
  }

  /** ProtocolV2::reset_session: the peer lost our session; forget everything queued and tell dispatchers. */
  resetSession(): void {
    this.delayed?.discard();
    this.messenger.dispatchQueue.discardConnection(this);
    this.out.clear();
    this.messenger.dispatchQueue.enqueueEvent('remote_reset', this);
    this.outSeq = 0;
    this.inSeq = 0;
    this.clientCookie = 0n;
    this.serverCookie = 0n;
    this.connectSeq = 0;
    this.peerGlobalSeq = 0;
    this.messageSeq = 0;
    this.ackLeft = 0;
    this.canWrite = false;
  }

  /** ProtocolV2::stop: close for good. */
  stop(): void {
    if (this.state === ProtocolState.CLOSED) return;
    this.delayed?.flush();
    this.resetRecvState();
    this.out.clear();
    this.session?.discard();
    this.session = undefined;
    this.cancelConnectTimer();
    if (this.tickTimer) this.clock.cancelTimer(this.tickTimer);
    this.tickTimer = undefined;
    this.canWrite = false;
    this.state = ProtocolState.CLOSED;
    this.messenger.unregisterConnection(this);
    dout(this.log, 1, () => `${this} stopped`);
  }

  /**
   * Move an accepted socket into this (existing) connection, replacing its
   * old socket (ProtocolV2::reuse_connection, the existing side).
   */
  adoptSession(
    session: Session,
    from: { clientCookie: bigint; peerName?: EntityNameT; connectionFeatures: bigint; peerGlobalSeq: number },
    reconnecting: boolean,
  ): void {
    this.cancelConnectTimer();
    this.session?.discard();
    this.resetRecvState();
    if (!reconnecting) {
      this.clientCookie = from.clientCookie;
      this.peerName = from.peerName;
      this.connectionFeatures = from.connectionFeatures;
      this.features = from.connectionFeatures;
    }
    this.peerGlobalSeq = from.peerGlobalSeq;
    this.canWrite = false;
    this.reconnecting = reconnecting;
    this.replacing = true;
    this.requeueSent();
    this.session = session;
    session.setOwner(this);
    this.state = ProtocolState.SESSION_ACCEPTING;
    this.lastConnectStartedMs = this.clock.now();
    this.armTick(this.messenger.options.ms_connection_ready_timeout * 1000);
  }
}
