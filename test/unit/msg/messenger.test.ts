import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephError } from '../../../src/common/errors.js';
import { EntityType } from '../../../src/encoding/types.js';
import { CEPH_FEATURES_ALL, CephFeature } from '../../../src/encoding/features.js';
import { AuthMethod, ConMode, type AuthServer } from '../../../src/auth/types.js';
import { AuthNoneClient, AuthNoneServer } from '../../../src/auth/none.js';
import { ManualClock } from '../../../src/msg/clock.js';
import { ProtocolState } from '../../../src/msg/connection.js';
import { encodeBanner, FrameTag, assembleControlFrame } from '../../../src/msg/frames.js';
import { Policy } from '../../../src/msg/policy.js';
import { Throttle } from '../../../src/msg/throttle.js';
import {
  captureLogger,
  closed,
  indexOf,
  makeClient,
  makeServer,
  rawSocket,
  settle,
  silentServer,
  testMessage,
  tick,
} from './messenger-helpers.js';

test('messenger: client ↔ server handshake → connect/accept events, features, messages both ways in order', async () => {
  const server = await makeServer(Policy.statelessServer());
  const client = await makeClient(Policy.lossyClient());
  try {
    server.rec.onMessage = (msg, con) => con.sendMessage(testMessage(1000 + indexOf(msg)));
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    for (let i = 0; i < 50; i++) con.sendMessage(testMessage(i));
    await server.rec.until(() => server.rec.received.length === 50, 'server receives 50');
    await client.rec.until(() => client.rec.received.length === 50, 'client receives 50 replies');
    assert.deepEqual(server.rec.received, [...Array(50).keys()]);
    assert.deepEqual(
      client.rec.received,
      [...Array(50).keys()].map((i) => 1000 + i),
    );
    assert.deepEqual(client.rec.events, ['connect']);
    assert.deepEqual(server.rec.events, ['accept']);
    assert.equal(con.features, CEPH_FEATURES_ALL);
    assert.deepEqual(con.peerName, { type: EntityType.OSD, num: 7n });
    assert.ok(con.isConnected());
    // the client learned its address from the server's HELLO: any:127.0.0.1:0/nonce
    assert.equal(client.msgr.myAddrs[0]!.ip, '127.0.0.1');
    assert.equal(client.msgr.myAddrs[0]!.port, 0);
    const [serverCon] = server.rec.cons;
    assert.equal(serverCon!.peerType, EntityType.CLIENT);
    assert.equal(serverCon!.policy.lossy, true);
    // connectTo the same address again returns the same connection
    assert.equal(client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs), con);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: garbage on one socket → that socket is closed with EBADMSG, the server keeps serving others', async () => {
  const log = captureLogger();
  const server = await makeServer(Policy.statelessServer(), { logger: log });
  const client = await makeClient(Policy.lossyClient());
  try {
    const port = server.msgr.myAddrs[0]!.port;
    const bad = await rawSocket(port);
    bad.on('error', () => {});
    bad.on('data', () => {});
    const corrupt = Buffer.from(assembleControlFrame(FrameTag.HELLO, Buffer.alloc(10, 1)));
    corrupt[40] = (corrupt[40]! + 1) & 0xff; // breaks the segment crc
    bad.write(Buffer.concat([encodeBanner(), corrupt]));
    await closed(bad);
    assert.ok(
      log.lines.some((l) => l.includes('EBADMSG') && l.includes('bad segment crc')),
      log.lines.join('\n'),
    );

    const http = await rawSocket(port);
    http.on('error', () => {});
    http.on('data', () => {});
    http.write('GET / HTTP/1.0\r\n\r\n');
    await closed(http);
    assert.ok(log.lines.some((l) => l.includes('EPROTO')));

    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    con.sendMessage(testMessage(42));
    await server.rec.until(() => server.rec.received.length === 1, 'message from a good client');
    assert.deepEqual(server.rec.received, [42]);
    assert.deepEqual(server.rec.events, ['accept'], 'garbage sockets produce no dispatcher events');
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: lossy client, server drops the session → msHandleReset, connection closed, queue dropped', async () => {
  const server = await makeServer(Policy.statelessServer());
  const client = await makeClient(Policy.lossyClient());
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    con.sendMessage(testMessage(1));
    await server.rec.until(() => server.rec.received.length === 1, 'first message');
    for (const c of server.rec.cons) c.markDown();
    await client.rec.until(() => client.rec.events.includes('reset'), 'reset event');
    assert.equal(con.state, ProtocolState.CLOSED);
    con.sendMessage(testMessage(2)); // dropped: the connection is closed
    assert.equal(con.queuedCount, 0);
    // a new connectTo makes a fresh connection that works
    const con2 = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    assert.notEqual(con2, con);
    con2.sendMessage(testMessage(3));
    await server.rec.until(() => server.rec.received.length === 2, 'message on the new connection');
    assert.deepEqual(server.rec.received, [1, 3]);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: lossless client ↔ stateful server, socket resets mid-stream → replay, none lost or duplicated', async () => {
  const server = await makeServer(Policy.statefulServer(), { options: { ms_initial_backoff: 0.001 } });
  const client = await makeClient(Policy.losslessClient(), { options: { ms_initial_backoff: 0.001 } });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    const total = 2000;
    let resets = 0;
    server.rec.onMessage = (_m, serverCon) => {
      const n = server.rec.received.length;
      if (n % 400 === 0 && n < total) {
        resets++;
        // alternate which side's socket breaks
        if (resets % 2) serverCon.faultSession(new CephError('ECONNRESET', 'test reset (server side)'));
        else con.faultSession(new CephError('ECONNRESET', 'test reset (client side)'));
      }
    };
    for (let i = 0; i < total; i++) con.sendMessage(testMessage(i, 256));
    await server.rec.until(() => server.rec.received.length >= total, 'all messages');
    await settle(() => con.unackedCount === 0, 'all acknowledged');
    assert.ok(resets >= 4);
    assert.deepEqual(server.rec.received, [...Array(total).keys()]);
    assert.ok(con.connectSeq >= 1, 'the client reconnected');
    assert.deepEqual(
      server.rec.events.filter((e) => e !== 'accept'),
      [],
      'no reset events on a lossless session',
    );
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: stateful server lost the session → SESSION_RESET → client msHandleRemoteReset, then a new session', async () => {
  const server = await makeServer(Policy.statefulServer(), { options: { ms_initial_backoff: 0.001 } });
  const client = await makeClient(Policy.losslessClient(), { options: { ms_initial_backoff: 0.001 } });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    con.sendMessage(testMessage(1));
    await server.rec.until(() => server.rec.received.length === 1, 'first message');
    server.msgr.markDownAll(); // the server forgets the session; the client reconnects with SESSION_RECONNECT
    await client.rec.until(() => client.rec.events.includes('remote_reset'), 'remote reset');
    con.sendMessage(testMessage(2));
    await server.rec.until(() => server.rec.received.length === 2, 'message on the new session');
    assert.deepEqual(server.rec.received, [1, 2]);
    assert.equal(con.state, ProtocolState.READY);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: keepalive → KEEPALIVE2_ACK echoes our stamp into lastKeepaliveAckMs', async () => {
  const clock = new ManualClock(1_800_000_000_123);
  const server = await makeServer(Policy.statelessServer());
  const client = await makeClient(Policy.lossyClient(), { clock });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    con.sendKeepalive();
    await settle(() => con.lastKeepaliveAckMs !== 0, 'keepalive ack');
    assert.equal(con.lastKeepaliveAckMs, 1_800_000_000_123);
    const [serverCon] = server.msgr.connections;
    assert.ok(serverCon!.lastKeepaliveMs > 0);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: ms_dispatch_throttle_bytes 16 KiB, 200 × 4 KiB messages → reading pauses, budget never exceeded, all delivered', async () => {
  const server = await makeServer(Policy.statelessServer(), {
    options: { ms_dispatch_throttle_bytes: 16 * 1024 },
  });
  const client = await makeClient(Policy.lossyClient());
  try {
    const throttle = server.msgr.dispatchThrottle;
    let maxSeen = 0;
    let sawWaiters = false;
    server.rec.onMessage = () => {
      maxSeen = Math.max(maxSeen, throttle.current);
      sawWaiters ||= throttle.waiting > 0;
    };
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    for (let i = 0; i < 200; i++) con.sendMessage(testMessage(i, 4096));
    await server.rec.until(() => server.rec.received.length === 200, '200 messages');
    assert.deepEqual(server.rec.received, [...Array(200).keys()]);
    assert.ok(maxSeen <= 16 * 1024, `dispatch throttle held ${maxSeen} bytes`);
    assert.ok(sawWaiters, 'the reader waited for throttle budget');
    await settle(() => throttle.current === 0, 'throttle drained');
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: policy throttlers (messages 3, bytes 8 KiB) bound what one peer holds', async () => {
  const policy = Policy.statelessServer();
  policy.throttlerMessages = new Throttle('osd_client_messages', 3);
  policy.throttlerBytes = new Throttle('osd_client_bytes', 8 * 1024);
  const server = await makeServer(policy);
  const client = await makeClient(Policy.lossyClient());
  try {
    let maxMsgs = 0;
    let maxBytes = 0;
    server.rec.onMessage = () => {
      maxMsgs = Math.max(maxMsgs, policy.throttlerMessages!.current);
      maxBytes = Math.max(maxBytes, policy.throttlerBytes!.current);
    };
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    for (let i = 0; i < 100; i++) con.sendMessage(testMessage(i, 1024));
    await server.rec.until(() => server.rec.received.length === 100, '100 messages');
    assert.ok(maxMsgs <= 3 && maxBytes <= 8 * 1024, `held ${maxMsgs} messages, ${maxBytes} bytes`);
    await settle(
      () => policy.throttlerMessages!.current === 0 && policy.throttlerBytes!.current === 0,
      'released',
    );
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: server refuses the auth method → AUTH_BAD_METHOD, client gives up and retries later, no accept', async () => {
  const clock = new ManualClock();
  let requests = 0;
  const refusing: AuthServer = {
    handleAuthRequest: () => {
      requests++;
      return {
        kind: 'reject',
        errno: -13,
        allowedMethods: [AuthMethod.CEPHX],
        allowedModes: [ConMode.SECURE],
      };
    },
  };
  const server = await makeServer(Policy.statelessServer());
  server.msgr.authServer = refusing;
  const client = await makeClient(Policy.lossyClient(), { clock });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    await settle(() => requests === 1 && con.session === undefined, 'refused and faulted');
    assert.equal(con.state, ProtocolState.START_CONNECT, 'a lossy client keeps trying while connecting');
    clock.advance(200); // ms_initial_backoff
    await settle(() => requests === 2, 'second attempt after backoff');
    assert.deepEqual(server.rec.events, []);
    assert.ok(!con.isConnected());
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: auth none server hands out global ids in mon mode; the client keeps its id', async () => {
  let next = 4096n;
  const server = await makeServer(Policy.statelessServer());
  server.msgr.authServer = new AuthNoneServer({ nextGlobalId: () => next++ });
  // pretend to be a monitor so the client uses the mon-mode request
  server.msgr.myName = { type: EntityType.MON, num: 0n };
  const client = await makeClient(Policy.lossyClient());
  try {
    const con = client.msgr.connectTo(EntityType.MON, server.msgr.myAddrs);
    await client.rec.until(() => client.rec.events.includes('connect'), 'connect');
    assert.equal(con.globalId, 4096n);
    assert.equal((client.msgr.authClient as AuthNoneClient).globalId, 4096n);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: peer answers HELLO with another entity type → connection stopped with a reset event', async () => {
  const server = await makeServer(Policy.statelessServer()); // an OSD
  const client = await makeClient(Policy.lossyClient());
  try {
    const con = client.msgr.connectTo(EntityType.MON, server.msgr.myAddrs);
    await client.rec.until(() => client.rec.events.includes('reset'), 'reset');
    assert.equal(con.state, ProtocolState.CLOSED);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: peer never answers → ms_connection_ready_timeout faults the attempt (manual clock)', async () => {
  const clock = new ManualClock();
  const stuck = await silentServer();
  const client = await makeClient(Policy.lossyClient(), { clock });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, [
      { type: 2, nonce: 0, family: 2, ip: '127.0.0.1', port: stuck.port },
    ]);
    await settle(() => stuck.sockets.length === 1, 'tcp connected');
    clock.advance(9_999);
    await tick();
    assert.ok(!stuck.sockets[0]!.destroyed && con.session !== undefined, 'still waiting before the timeout');
    clock.advance(1);
    await closed(stuck.sockets[0]!);
    assert.equal(con.state, ProtocolState.START_CONNECT, 'retrying after backoff');
  } finally {
    await client.msgr.shutdown();
    stuck.server.close();
    for (const s of stuck.sockets) s.destroy();
  }
});

test('messenger: idle lossy connection → ms_connection_idle_timeout → reset (manual clock)', async () => {
  const clock = new ManualClock();
  const server = await makeServer(Policy.statelessServer());
  const client = await makeClient(Policy.lossyClient(), { clock });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    await client.rec.until(() => client.rec.events.includes('connect'), 'connect');
    clock.advance(899_000);
    await tick();
    assert.ok(con.isConnected());
    clock.advance(1_802_000); // the tick re-arms every 900 s; the second one sees > 900 s of silence
    await client.rec.until(() => client.rec.events.includes('reset'), 'reset');
    assert.equal(con.state, ProtocolState.CLOSED);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: ms_inject_delay_* holds messages from delayed peer types, order kept (manual clock)', async () => {
  const clock = new ManualClock();
  const server = await makeServer(Policy.statelessServer(), {
    clock,
    options: { ms_inject_delay_type: 'client', ms_inject_delay_probability: 1, ms_inject_delay_max: 2 },
    random: () => 0.5,
  });
  const client = await makeClient(Policy.lossyClient());
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    for (let i = 0; i < 5; i++) con.sendMessage(testMessage(i));
    await settle(
      () => server.msgr.dispatchThrottle.current > 0 || server.rec.received.length > 0,
      'received',
    );
    for (let i = 0; i < 50; i++) await tick();
    assert.deepEqual(server.rec.received, [], 'held back by the injected delay');
    clock.advance(1000); // 0.5 × 2 s
    await server.rec.until(() => server.rec.received.length === 5, 'released');
    assert.deepEqual(server.rec.received, [0, 1, 2, 3, 4]);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: two lossless peers connecting to each other at once → one session each way works', async () => {
  const a = await makeServer(Policy.losslessPeer(), {
    options: { ms_initial_backoff: 0.001, ms_max_backoff: 0.01 },
  });
  const b = await makeServer(Policy.losslessPeer(), {
    options: { ms_initial_backoff: 0.001, ms_max_backoff: 0.01 },
  });
  try {
    const ab = a.msgr.connectTo(EntityType.OSD, b.msgr.myAddrs);
    const ba = b.msgr.connectTo(EntityType.OSD, a.msgr.myAddrs);
    for (let i = 0; i < 20; i++) {
      ab.sendMessage(testMessage(i));
      ba.sendMessage(testMessage(100 + i));
    }
    await b.rec.until(() => b.rec.received.length === 20, 'a → b');
    await a.rec.until(() => a.rec.received.length === 20, 'b → a');
    assert.deepEqual(b.rec.received, [...Array(20).keys()]);
    assert.deepEqual(
      a.rec.received,
      [...Array(20).keys()].map((i) => 100 + i),
    );
  } finally {
    await a.msgr.shutdown();
    await b.msgr.shutdown();
  }
});

test('messenger: CLIENT_IDENT lacking a required feature → IDENT_MISSING_FEATURES, never ready', async () => {
  const policy = Policy.statelessServer(CephFeature.SERVER_PACIFIC);
  const server = await makeServer(policy);
  const clientPolicy = Policy.lossyClient();
  clientPolicy.featuresSupported = CEPH_FEATURES_ALL & ~CephFeature.SERVER_PACIFIC;
  const clock = new ManualClock();
  const log = captureLogger();
  const client = await makeClient(clientPolicy, { clock, logger: log });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    await settle(() => log.lines.some((l) => l.includes('EOPNOTSUPP')), 'missing features reported');
    assert.ok(!con.isConnected());
    assert.deepEqual(server.rec.events, []);
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

test('messenger: shutdown is idempotent, wait() resolves, connectTo afterwards is refused', async () => {
  const server = await makeServer(Policy.statelessServer());
  const waited = server.msgr.wait();
  await Promise.all([server.msgr.shutdown(), server.msgr.shutdown()]);
  await waited;
  await server.msgr.wait();
  assert.throws(() => server.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs), /shut down/);
});

test('messenger: nothing listens at the address → msHandleRefused, then retries with backoff (manual clock)', async () => {
  const clock = new ManualClock();
  const stuck = await silentServer();
  const port = stuck.port;
  await new Promise<void>((r) => stuck.server.close(() => r())); // the port is now closed
  const client = await makeClient(Policy.lossyClient(), { clock });
  try {
    const con = client.msgr.connectTo(EntityType.OSD, [
      { type: 2, nonce: 0, family: 2, ip: '127.0.0.1', port },
    ]);
    await client.rec.until(() => client.rec.events.includes('refused'), 'refused');
    await settle(() => con.session === undefined, 'faulted');
    assert.equal(con.state, ProtocolState.START_CONNECT);
    clock.advance(200);
    await client.rec.until(
      () => client.rec.events.filter((e) => e === 'refused').length === 2,
      'second refusal',
    );
  } finally {
    await client.msgr.shutdown();
  }
});
