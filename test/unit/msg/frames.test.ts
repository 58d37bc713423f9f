import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cephCrc32c } from '../../../src/common/crc32c.js';
import { isCephError } from '../../../src/common/errors.js';
import { EntityType, AddrType, makeAddr } from '../../../src/encoding/types.js';
import { CEPH_FEATURES_ALL, CephFeature } from '../../../src/encoding/features.js';
import {
  FrameTag,
  PREAMBLE_SIZE,
  EPILOGUE_CRC_REV1_SIZE,
  LateStatus,
  MESSAGE_SEGMENT_ALIGNMENTS,
  assembleControlFrame,
  assembleFrame,
  decodePreamble,
  encodeBanner,
} from '../../../src/msg/frames.js';
import {
  DIRECT_READ_MIN_BYTES,
  FrameReader,
  segmentBuffer,
  type ReceivedFrame,
} from '../../../src/msg/frame-reader.js';
import { POOL_MIN_ROOM, SocketReads } from '../../../src/msg/socket-reads.js';
import {
  AuthDone,
  AuthRequest,
  AuthSignature,
  ClientIdent,
  Hello,
  ServerIdent,
  U64Frame,
  Keepalive,
} from '../../../src/msg/control-frames.js';
import {
  decodeMessageHeader2,
  encodeMessageHeader2,
  DEFAULT_MESSAGE_FLAGS,
} from '../../../src/msg/message-header.js';
import { seededRandom } from '../../../src/msg/fault-injection.js';
import { MON_RX, MON_TX, MGR_TX } from './fixtures/pacific-session.js';

const hex = (s: string) => Buffer.from(s, 'hex');

/** Split a golden stream (banner + rev1 frames) at frame boundaries, using only the preamble lengths. */
function cutFrames(stream: Buffer): Buffer[] {
  const out = [stream.subarray(0, 26)];
  let o = 26;
  while (o < stream.length) {
    const n = stream[o + 1]!;
    const lens = Array.from({ length: n }, (_, i) => stream.readUInt32LE(o + 2 + i * 6));
    const len =
      PREAMBLE_SIZE +
      lens[0]! +
      (lens[0]! > 0 ? 4 : 0) +
      lens.slice(1).reduce((a, b) => a + b, 0) +
      (n > 1 ? 13 : 0);
    out.push(stream.subarray(o, o + len));
    o += len;
  }
  return out;
}

interface Collected {
  banner?: { supported: bigint; required: bigint };
  frames: ReceivedFrame[];
}

function collector(): { reader: FrameReader; got: Collected } {
  const got: Collected = { frames: [] };
  const reader = new FrameReader({
    onBanner: (supported, required) => (got.banner = { supported, required }),
    onFrame: (f) => got.frames.push(f),
  });
  return { reader, got };
}

/** A comparable summary of decoded frames: tag and every segment's bytes. */
function summary(frames: ReceivedFrame[]): string[] {
  return frames.map((f) => `${f.tag}:${f.segments.map((s) => Buffer.concat(s).toString('hex')).join('/')}`);
}

test('frames: banner → "ceph v2\\n", u16 16, supported rev1, required 0 (byte-equal to Pacific)', () => {
  assert.deepEqual(encodeBanner(), cutFrames(hex(MON_TX))[0]);
  assert.deepEqual(encodeBanner(), cutFrames(hex(MON_RX))[0]);
});

test('frames: preamble layout → tag, count, (len u32, align u16)×4, 2 reserved, crc32c(seed 0) of 28 bytes', () => {
  const frame = assembleControlFrame(FrameTag.KEEPALIVE2, Buffer.alloc(8, 0xab));
  assert.equal(frame[0], FrameTag.KEEPALIVE2);
  assert.equal(frame[1], 1);
  assert.equal(frame.readUInt32LE(2), 8);
  assert.equal(frame.readUInt16LE(6), 8);
  assert.deepEqual(frame.subarray(8, 28), Buffer.alloc(20));
  assert.equal(frame.readUInt32LE(28), cephCrc32c(0, frame.subarray(0, 28)));
  // segment 0 follows, then its crc32c with seed -1; one segment means no epilogue
  assert.equal(frame.length, PREAMBLE_SIZE + 8 + 4);
  assert.equal(frame.readUInt32LE(40), cephCrc32c(0xffffffff, Buffer.alloc(8, 0xab)));
});

test('frames: control frames we assemble are byte-equal to the ceph CLI and ceph-mon', () => {
  const tx = cutFrames(hex(MON_TX));
  const rx = cutFrames(hex(MON_RX));
  const monAddr = makeAddr(AddrType.MSGR2, '127.0.0.1', 46100, 0);
  // client HELLO: our type (client) and the mon's address
  assert.deepEqual(
    assembleControlFrame(FrameTag.HELLO, Hello.encode({ entityType: EntityType.CLIENT, peerAddr: monAddr })),
    tx[1],
  );
  // mon HELLO decodes to type mon and the client's ephemeral socket address
  const hello = Hello.decode(rx[1]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 36));
  assert.equal(hello.entityType, EntityType.MON);
  assert.equal(hello.peerAddr.ip, '127.0.0.1');
  assert.equal(hello.peerAddr.port, 49350);
  // AUTH_SIGNATURE with no session key: 32 zero bytes, raw
  assert.deepEqual(
    assembleControlFrame(FrameTag.AUTH_SIGNATURE, AuthSignature.encode(Buffer.alloc(32))),
    tx[3],
  );
  assert.deepEqual(rx[3], tx[3]);
  // AUTH_DONE from the mon: global id 4136, crc mode, empty payload
  const done = AuthDone.decode(rx[2]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 16));
  assert.deepEqual(done, { globalId: 4136n, conMode: 1, payload: Buffer.alloc(0) });
  assert.deepEqual(assembleControlFrame(FrameTag.AUTH_DONE, AuthDone.encode(done)), rx[2]);
});

test('frames: CLIENT_IDENT and SERVER_IDENT decode and re-encode to the same bytes', () => {
  const tx = cutFrames(hex(MON_TX));
  const rx = cutFrames(hex(MON_RX));
  const ciPayload = tx[4]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 123);
  const ci = ClientIdent.decode(ciPayload);
  assert.equal(ci.addrs.length, 1);
  assert.equal(ci.addrs[0]!.type, AddrType.ANY);
  assert.equal(ci.addrs[0]!.port, 0);
  assert.equal(ci.targetAddr.port, 46100);
  assert.equal(ci.gid, -1n);
  assert.equal(ci.supportedFeatures, CEPH_FEATURES_ALL);
  assert.equal(ci.requiredFeatures, CephFeature.MSG_ADDR2);
  assert.deepEqual(ClientIdent.encode(ci), ciPayload);
  assert.deepEqual(assembleControlFrame(FrameTag.CLIENT_IDENT, ClientIdent.encode(ci)), tx[4]);

  const siPayload = rx[4]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 88);
  const si = ServerIdent.decode(siPayload);
  assert.equal(si.supportedFeatures, CEPH_FEATURES_ALL, 'ceph-mon advertises CEPH_FEATURES_ALL');
  assert.equal(si.flags, 1n, 'mon serves clients lossily');
  assert.equal(si.cookie, 0n);
  assert.deepEqual(ServerIdent.encode(si), siPayload);
});

test('frames: AUTH_REQUEST with auth none, mon mode → payload matches MonClient byte for byte', () => {
  const tx = cutFrames(hex(MON_TX));
  const req = AuthRequest.decode(tx[2]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 38));
  assert.equal(req.method, 1);
  assert.deepEqual(req.preferredModes, [1]);
  assert.equal(req.payload.toString('hex'), '0a080000000500000061646d696e0000000000000000');
  const mgrReq = AuthRequest.decode(cutFrames(hex(MGR_TX))[1]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 38));
  assert.equal(mgrReq.payload.toString('hex'), '01080000000500000061646d696e2910000000000000');
});

test('frames: MESSAGE frames (header only; header+front with epilogue) are byte-equal to Pacific', () => {
  const tx = cutFrames(hex(MON_TX));
  const header = (seq: bigint, type: number, version: number) =>
    encodeMessageHeader2({
      seq,
      tid: 0n,
      type,
      priority: 127,
      version,
      compatVersion: 1,
      dataOff: 0,
      ackSeq: 0n,
      flags: DEFAULT_MESSAGE_FLAGS,
    });
  // MMonGetMap: empty front → one segment, no epilogue
  const getMap = Buffer.concat(
    assembleFrame(FrameTag.MESSAGE, [[header(1n, 5, 1)], [], [], []], MESSAGE_SEGMENT_ALIGNMENTS),
  );
  assert.deepEqual(getMap, tx[5]);
  // MMonSubscribe: header + front; epilogue = COMPLETE, crc(front), 0, 0
  const front = tx[6]!.subarray(PREAMBLE_SIZE + 41 + 4, PREAMBLE_SIZE + 41 + 4 + 48);
  const sub = Buffer.concat(
    assembleFrame(FrameTag.MESSAGE, [[header(2n, 15, 3)], [front], [], []], MESSAGE_SEGMENT_ALIGNMENTS),
  );
  assert.deepEqual(sub, tx[6]);
  const epilogue = sub.subarray(sub.length - EPILOGUE_CRC_REV1_SIZE);
  assert.equal(epilogue[0], LateStatus.COMPLETE);
  assert.equal(epilogue.readUInt32LE(1), cephCrc32c(0xffffffff, front));
  assert.equal(epilogue.readUInt32LE(5), 0);
  assert.equal(epilogue.readUInt32LE(9), 0);
});

test('frames: an inner empty segment is counted and gets the crc of no bytes', () => {
  const parts = assembleFrame(
    FrameTag.MESSAGE,
    [[Buffer.alloc(41)], [], [], [Buffer.from('data')]],
    MESSAGE_SEGMENT_ALIGNMENTS,
  );
  const frame = Buffer.concat(parts);
  const p = decodePreamble(frame.subarray(0, PREAMBLE_SIZE));
  assert.deepEqual(
    p.segments.map((s) => [s.length, s.alignment]),
    [
      [41, 8],
      [0, 8],
      [0, 8],
      [4, 4096],
    ],
  );
  const epilogue = frame.subarray(frame.length - EPILOGUE_CRC_REV1_SIZE);
  assert.equal(epilogue.readUInt32LE(1), 0xffffffff);
  assert.equal(epilogue.readUInt32LE(5), 0xffffffff);
  // data travels as the caller's buffer, not a copy
  assert.ok(parts.some((b) => b.toString() === 'data'));
});

test('frames: a WAIT frame has an empty segment 0 and no crc after it', () => {
  const wait = assembleControlFrame(FrameTag.WAIT, Buffer.alloc(0));
  assert.equal(wait.length, PREAMBLE_SIZE);
  const { reader, got } = collector();
  reader.feed(encodeBanner());
  reader.feed(wait);
  assert.equal(got.frames.length, 1);
  assert.equal(got.frames[0]!.tag, FrameTag.WAIT);
  assert.equal(segmentBuffer(got.frames[0]!, 0).length, 0);
});

test('frames: message header2 → 41 bytes, fields at Ceph offsets', () => {
  const tx = cutFrames(hex(MON_TX));
  const h = decodeMessageHeader2(tx[6]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 41));
  assert.equal(h.seq, 2n);
  assert.equal(h.type, 15);
  assert.equal(h.priority, 127);
  assert.equal(h.version, 3);
  assert.equal(h.compatVersion, 1);
  assert.equal(h.flags, 3);
  assert.deepEqual(encodeMessageHeader2(h), tx[6]!.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + 41));
});

test('frame reader: the mon stream split at every point → same frames as fed whole', () => {
  const stream = hex(MON_RX);
  const whole = collector();
  whole.reader.feed(stream);
  assert.equal(whole.got.frames.length, 7);
  assert.deepEqual(whole.got.banner, { supported: 1n, required: 0n });
  const expected = summary(whole.got.frames);
  for (let cut = 1; cut < stream.length; cut++) {
    const { reader, got } = collector();
    reader.feed(stream.subarray(0, cut));
    reader.feed(stream.subarray(cut));
    assert.deepEqual(summary(got.frames), expected, `split at ${cut}`);
    assert.equal(reader.bufferedBytes, 0);
  }
});

test('frame reader: random multi-way chunking of both directions (seeded) → same frames', () => {
  const seed = Number(process.env.MSGR_FUZZ_SEED ?? 20240611);
  const rand = seededRandom(seed);
  for (const stream of [hex(MON_RX), hex(MON_TX)]) {
    const whole = collector();
    whole.reader.feed(stream);
    const expected = summary(whole.got.frames);
    for (let round = 0; round < 300; round++) {
      const { reader, got } = collector();
      let at = 0;
      while (at < stream.length) {
        const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 200));
        reader.feed(stream.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(summary(got.frames), expected, `seed ${seed} round ${round}`);
    }
  }
});

test('frame reader: a data segment spanning chunks arrives as slices of them (no copy)', () => {
  const data = Buffer.alloc(100_000, 7);
  const frame = Buffer.concat(
    assembleFrame(FrameTag.MESSAGE, [[Buffer.alloc(41)], [], [], [data]], MESSAGE_SEGMENT_ALIGNMENTS),
  );
  const { reader, got } = collector();
  reader.feed(encodeBanner());
  const chunks: Buffer[] = [];
  for (let at = 0; at < frame.length; at += 16384) chunks.push(Buffer.from(frame.subarray(at, at + 16384)));
  for (const c of chunks) reader.feed(c);
  const seg = got.frames[0]!.segments[3]!;
  assert.ok(seg.length > 1);
  assert.ok(seg.every((s) => chunks.some((c) => c.buffer === s.buffer)));
  assert.deepEqual(Buffer.concat(seg), data);
});

/**
 * Feed `stream` the way SocketReads does: before each read ask for a direct target; a read of
 * `sizes()` bytes (at most the target's room) lands there, else in an ordinary chunk.
 */
function feedLikeSocket(reader: FrameReader, stream: Buffer, sizes: () => number): { direct: number } {
  let at = 0;
  let direct = 0;
  while (at < stream.length) {
    const target = reader.directTarget();
    const n = Math.min(sizes(), stream.length - at, target ? target.length : Infinity);
    if (target) {
      stream.copy(target, 0, at, at + n);
      reader.feedDirect(n);
      direct += n;
    } else {
      reader.feed(Buffer.from(stream.subarray(at, at + n)));
    }
    at += n;
  }
  return { direct };
}

function bigMessageFrames(seed: number): { stream: Buffer; datas: Buffer[] } {
  const rand = seededRandom(seed);
  const datas: Buffer[] = [];
  const parts: Buffer[] = [encodeBanner()];
  for (let i = 0; i < 6; i++) {
    // Around the direct-read threshold, and well past it.
    const len = [DIRECT_READ_MIN_BYTES - 1, DIRECT_READ_MIN_BYTES, 4 << 20, 300_000, 10, 1 << 20][i]!;
    const data = Buffer.alloc(len);
    for (let j = 0; j < len; j += 4096) data[j] = Math.floor(rand() * 256);
    datas.push(data);
    const front = Buffer.from(`front ${i}`);
    parts.push(
      ...assembleFrame(
        FrameTag.MESSAGE,
        [[Buffer.alloc(41, i)], [front], [], [data]],
        MESSAGE_SEGMENT_ALIGNMENTS,
      ),
    );
  }
  return { stream: Buffer.concat(parts), datas };
}

test('frame reader: large data segments read straight into their own buffer → same frames, one buffer each', () => {
  const { stream, datas } = bigMessageFrames(5);
  for (const seed of [1, 2, 3]) {
    const rand = seededRandom(seed);
    const { reader, got } = collector();
    const { direct } = feedLikeSocket(reader, stream, () => 1 + Math.floor(rand() * 200_000));
    assert.equal(got.frames.length, datas.length);
    assert.ok(direct > 4 << 20, `most of the large segments were read directly (${direct})`);
    got.frames.forEach((f, i) => {
      assert.deepEqual(Buffer.concat(f.segments[3]!), datas[i], `frame ${i} data`);
      assert.equal(Buffer.concat(f.segments[1]!).toString(), `front ${i}`);
      if (datas[i]!.length >= DIRECT_READ_MIN_BYTES)
        assert.equal(f.segments[3]!.length, 1, `frame ${i} is one buffer`);
    });
  }
});

test('frame reader: a corrupt byte in a directly read segment → EBADMSG at the epilogue', () => {
  const { stream } = bigMessageFrames(6);
  const bad = Buffer.from(stream);
  // 1 000 bytes into the third frame's 4 MiB data segment, which follows its front.
  const third = stream.indexOf(Buffer.from('front 2')) + 'front 2'.length + 1000;
  bad[third] = bad[third]! ^ 0xff;
  const { reader, got } = collector();
  assert.throws(
    () => feedLikeSocket(reader, bad, () => 65536),
    (e: unknown) => isCephError(e) && e.code === 'EBADMSG',
  );
  assert.equal(got.frames.length, 2);
  assert.ok(reader.stopped);
  assert.equal(reader.directTarget(), undefined);
});

test('frame reader: bytes fed as chunks while a direct read is pending continue the segment', () => {
  const { stream, datas } = bigMessageFrames(7);
  const { reader, got } = collector();
  let at = 0;
  let k = 0;
  while (at < stream.length) {
    const target = reader.directTarget();
    const n = Math.min(50_000, stream.length - at);
    // Every other read ignores the target, as a read already under way elsewhere would.
    if (target && k++ % 2 === 0) {
      const m = Math.min(n, target.length);
      stream.copy(target, 0, at, at + m);
      reader.feedDirect(m);
      at += m;
    } else {
      reader.feed(Buffer.from(stream.subarray(at, at + n)));
      at += n;
    }
  }
  assert.deepEqual(
    got.frames.map((f) => Buffer.concat(f.segments[3]!)),
    datas,
  );
});

test('socket reads: small reads share pool buffers; a direct target is used when the sink offers one', () => {
  const chunks: Buffer[] = [];
  const directReads: number[] = [];
  let target: Buffer | undefined;
  const reads = new SocketReads();
  // A read before the sink is attached is kept for it.
  const early = reads.onread.buffer();
  early.write('early');
  reads.onread.callback(5);
  reads.attach({
    directTarget: () => target,
    onDirectRead: (n) => directReads.push(n),
    onChunk: (c) => chunks.push(c),
  });
  assert.deepEqual(
    chunks.map((c) => c.toString()),
    ['early'],
  );
  for (let i = 0; i < 40; i++) {
    const b = reads.onread.buffer();
    assert.ok(b.length >= POOL_MIN_ROOM);
    b.fill(i, 0, 10_000);
    reads.onread.callback(10_000);
  }
  assert.equal(chunks.length, 41);
  // 400 000 bytes in 10 000-byte reads: two pool buffers, each chunk intact (pools are not reused).
  assert.equal(new Set(chunks.slice(1).map((c) => c.buffer)).size, 2);
  chunks.slice(1).forEach((c, i) => assert.ok(c.every((x) => x === i)));
  target = Buffer.alloc(1000);
  const b = reads.onread.buffer();
  assert.equal(b, target);
  reads.onread.callback(600);
  target = undefined;
  reads.onread.buffer();
  reads.onread.callback(7);
  assert.deepEqual(directReads, [600]);
  assert.equal(chunks.length, 42);
});

function expectGarbage(bytes: Buffer, code: string) {
  const { reader } = collector();
  assert.throws(
    () => reader.feed(bytes),
    (err: unknown) => isCephError(err) && err.code === code,
  );
  assert.ok(reader.stopped);
}

test('frame reader: garbage → EBADMSG/EPROTO, reader stops', () => {
  const stream = hex(MON_RX);
  expectGarbage(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'EPROTO');
  expectGarbage(Buffer.from('ceph v027\0\0\0\0\0\0'), 'EPROTO');
  // every single-bit flip in the first frame's preamble or body is caught by a crc
  const firstFrameEnd = 26 + 72;
  for (let i = 26; i < firstFrameEnd; i++) {
    const bad = Buffer.from(stream);
    bad[i]! ^= 0x10;
    expectGarbage(bad.subarray(0, firstFrameEnd), 'EBADMSG');
  }
  // a flipped byte in the MMonMap front is caught by the epilogue crc
  const bad = Buffer.from(stream);
  bad[stream.indexOf(hex('d886929c'))]! ^= 1;
  expectGarbage(bad, 'EBADMSG');
});

test('frame reader: valid crc but absurd fields → EBADMSG (segment count, last empty, oversized control)', () => {
  const withPreamble = (mutate: (p: Buffer) => void) => {
    const f = Buffer.from(assembleControlFrame(FrameTag.ACK, U64Frame.encode(5n)));
    mutate(f);
    f.writeUInt32LE(cephCrc32c(0, f.subarray(0, 28)), 28);
    return Buffer.concat([encodeBanner(), f]);
  };
  expectGarbage(
    withPreamble((p) => (p[1] = 0)),
    'EBADMSG',
  );
  expectGarbage(
    withPreamble((p) => (p[1] = 5)),
    'EBADMSG',
  );
  expectGarbage(
    withPreamble((p) => (p[1] = 2)),
    'EBADMSG',
  ); // segment 1 is empty but counted
  expectGarbage(
    withPreamble((p) => p.writeUInt32LE(1 << 30, 2)),
    'EBADMSG',
  );
  expectGarbage(
    withPreamble((p) => (p[0] = 99)),
    'EBADMSG',
  );
});

test('frame reader: truncated input waits for more bytes without error', () => {
  const stream = hex(MON_RX);
  const { reader, got } = collector();
  reader.feed(stream.subarray(0, 26 + 40));
  assert.equal(got.frames.length, 0);
  // the 32-byte preamble was decoded; 8 bytes of HELLO's payload wait for the rest
  assert.equal(reader.bufferedBytes, 8);
  reader.feed(stream.subarray(26 + 40));
  assert.equal(got.frames.length, 7);
});

test('frame reader: an aborted frame (late_status ABORTED) is dropped, later frames flow', () => {
  const parts = assembleFrame(
    FrameTag.MESSAGE,
    [[Buffer.alloc(41)], [Buffer.from('x')]],
    MESSAGE_SEGMENT_ALIGNMENTS,
  );
  const aborted = Buffer.concat(parts);
  aborted[aborted.length - EPILOGUE_CRC_REV1_SIZE] = LateStatus.ABORTED;
  let abortedCount = 0;
  const frames: number[] = [];
  const reader = new FrameReader({
    onBanner: () => {},
    onFrame: (f) => frames.push(f.tag),
    onAborted: () => abortedCount++,
  });
  reader.feed(
    Buffer.concat([
      encodeBanner(),
      aborted,
      assembleControlFrame(FrameTag.KEEPALIVE2, Keepalive.encode({ sec: 1, nsec: 2 })),
    ]),
  );
  assert.equal(abortedCount, 1);
  assert.deepEqual(frames, [FrameTag.KEEPALIVE2]);
});

test('frame reader: a gate that refuses holds the frame until unblock()', () => {
  const frames: number[] = [];
  let open = false;
  const reader = new FrameReader({
    onBanner: () => {},
    onFrame: (f) => frames.push(f.tag),
    gate: (p) => p.tag !== FrameTag.MESSAGE || open,
  });
  const msg = Buffer.concat(
    assembleFrame(FrameTag.MESSAGE, [[Buffer.alloc(41)]], MESSAGE_SEGMENT_ALIGNMENTS),
  );
  const ack = assembleControlFrame(FrameTag.ACK, U64Frame.encode(1n));
  reader.feed(Buffer.concat([encodeBanner(), ack, msg, ack]));
  assert.deepEqual(frames, [FrameTag.ACK]);
  assert.ok(reader.blocked);
  open = true;
  reader.unblock();
  assert.deepEqual(frames, [FrameTag.ACK, FrameTag.MESSAGE, FrameTag.ACK]);
});
