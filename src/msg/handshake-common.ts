import { createHmac } from 'node:crypto';
import { CephError } from '../common/errors.js';
import { AUTH_SIGNATURE_SIZE, AuthSignature } from './control-frames.js';
import {
  MSGR2_REQUIRED_FEATURES,
  MSGR2_SUPPORTED_FEATURES,
  Msgr2Feature,
  FrameTag,
  assembleControlFrame,
  frameTagName,
} from './frames.js';
import { segmentBuffer, type ReceivedFrame } from './frame-reader.js';
import type { Session } from './session.js';

/** Bounds on handshake loops, so a misbehaving peer cannot keep a socket busy forever. */
export const HandshakeLimit = {
  /** AUTH_BAD_METHOD rounds before giving up. */
  BAD_METHOD_ROUNDS: 8,
  /** AUTH_REPLY_MORE / AUTH_REQUEST_MORE rounds. */
  MORE_ROUNDS: 16,
  /** SESSION_RETRY / RETRY_GLOBAL / RESET / WAIT exchanges on one socket. */
  SESSION_ROUNDS: 16,
} as const;

/**
 * Banner compatibility (ProtocolV2::_handle_peer_banner_payload): each side's
 * required msgr2 features must be supported by the other. We also insist on
 * msgr2.1 (every Pacific peer offers it); rev0 framing is not implemented.
 */
export function checkPeerBanner(s: Session): void {
  if ((MSGR2_REQUIRED_FEATURES & ~s.peerSupported) !== 0n) {
    throw new CephError(
      'EPROTO',
      `msgr2: peer does not support all required features (supported=0x${s.peerSupported.toString(16)})`,
    );
  }
  if ((s.peerRequired & ~MSGR2_SUPPORTED_FEATURES) !== 0n) {
    throw new CephError(
      'EPROTO',
      `msgr2: peer requires msgr2 features 0x${s.peerRequired.toString(16)} we lack`,
    );
  }
  if ((s.peerSupported & Msgr2Feature.REVISION_1) === 0n) {
    throw new CephError('EPROTO', 'msgr2: peer does not speak msgr2.1 (revision 0 framing is not supported)');
  }
}

/**
 * AUTH_SIGNATURE content: HMAC-SHA256 with the session key over the bytes
 * exchanged before authentication finished; 32 zero bytes when the method
 * has no session key (auth none), exactly as Ceph sends.
 */
export function preAuthSignature(sessionKey: Buffer | undefined, bytes: readonly Buffer[]): Buffer {
  if (!sessionKey || sessionKey.length === 0) return Buffer.alloc(AUTH_SIGNATURE_SIZE);
  const h = createHmac('sha256', sessionKey);
  for (const b of bytes) h.update(b);
  return h.digest();
}

/** Write one control frame. */
export function sendControl(s: Session, tag: number, payload: Buffer): void {
  s.write([assembleControlFrame(tag, payload)]);
}

/** Await the next frame; it must carry one of `tags`. Returns the frame and its payload. */
export async function expectFrame(
  s: Session,
  stateName: string,
  ...tags: number[]
): Promise<{ frame: ReceivedFrame; payload: Buffer }> {
  const frame = await s.nextFrame();
  if (!tags.includes(frame.tag)) {
    throw new CephError('EPROTO', `msgr2: unexpected ${frameTagName(frame.tag)} in state ${stateName}`);
  }
  if (frame.segments.length !== 1) {
    throw new CephError(
      'EBADMSG',
      `msgr2: control frame ${frameTagName(frame.tag)} with ${frame.segments.length} segments`,
    );
  }
  return { frame, payload: segmentBuffer(frame, 0) };
}

/**
 * The AUTH_SIGNATURE exchange that ends the pre-auth phase, the same on both
 * sides: send the HMAC of every byte we received, then check that the peer's
 * frame is the HMAC of every byte we sent (all zeros without a session key).
 */
export async function exchangeAuthSignatures(
  s: Session,
  sessionKey: Buffer | undefined,
  stateName: string,
  alive: () => void,
): Promise<void> {
  sendControl(s, FrameTag.AUTH_SIGNATURE, AuthSignature.encode(preAuthSignature(sessionKey, s.preAuth.rx)));
  s.endPreAuth();
  s.preAuth.rx.length = 0;
  const sig = AuthSignature.decode((await expectFrame(s, stateName, FrameTag.AUTH_SIGNATURE)).payload);
  alive();
  if (!sig.equals(preAuthSignature(sessionKey, s.preAuth.tx))) {
    throw new CephError('EACCES', 'msgr2: pre-auth signature mismatch');
  }
  s.preAuth.tx.length = 0;
}
