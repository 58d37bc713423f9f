import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntityType } from '../../../src/encoding/types.js';
import { seededRandom } from '../../../src/msg/fault-injection.js';
import { Policy } from '../../../src/msg/policy.js';
import { indexOf, makeClient, makeServer, testMessage } from '../../unit/msg/messenger-helpers.js';

/**
 * 100 000 messages each way between our client (lossless_client) and our
 * server (stateful_server) over loopback, with ms_inject_socket_failures = 200
 * on both sides: every read event and every write batch fails one time in
 * 200, so sessions break hundreds of times mid-stream. Each side must
 * receive every message exactly once and in order. The seed is printed;
 * MSGR_SIM_SEED=<seed> replays the same injected failures.
 */
test('msgr sim: 100k messages each way, 1-in-200 socket failures, lossless → none lost, duplicated or reordered', async (t) => {
  const seed = Number(process.env.MSGR_SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay with MSGR_SIM_SEED=${seed})`);
  console.log(`msgr sim seed ${seed}`);
  const rand = seededRandom(seed);
  const options = { ms_inject_socket_failures: 200, ms_initial_backoff: 0.002, ms_max_backoff: 0.02 };
  const server = await makeServer(Policy.statefulServer(), { options, random: rand });
  const client = await makeClient(Policy.losslessClient(), { options, random: rand });
  const total = 100_000;
  const window = 2_000;
  try {
    let serverNext = 0;
    let clientNext = 0;
    let serverBad = '';
    let clientBad = '';
    server.rec.onMessage = (msg, con) => {
      const i = indexOf(msg);
      if (i !== serverNext && !serverBad) serverBad = `server expected ${serverNext}, got ${i}`;
      serverNext++;
      con.sendMessage(testMessage(i, 32));
    };
    client.rec.onMessage = (msg) => {
      const i = indexOf(msg);
      if (i !== clientNext && !clientBad) clientBad = `client expected ${clientNext}, got ${i}`;
      clientNext++;
    };
    server.rec.received = client.rec.received = []; // the per-message checks above replace the big arrays
    const con = client.msgr.connectTo(EntityType.OSD, server.msgr.myAddrs);
    let sent = 0;
    const pump = () => {
      while (sent < total && sent - clientNext < window) con.sendMessage(testMessage(sent++, 32));
    };
    const origOnMessage = client.rec.onMessage;
    client.rec.onMessage = (msg, c) => {
      origOnMessage(msg, c);
      if (clientNext % 256 === 0) pump();
    };
    pump();
    await client.rec.until(() => clientNext >= total || !!serverBad || !!clientBad, 'all echoes', 55_000);
    assert.equal(serverBad, '');
    assert.equal(clientBad, '');
    assert.equal(serverNext, total);
    assert.equal(clientNext, total);
    t.diagnostic(`client reconnected ${con.connectSeq} times`);
    assert.ok(con.connectSeq >= 3, `socket failures were injected (connect_seq ${con.connectSeq})`);
    assert.deepEqual(
      client.rec.events.filter((e) => e !== 'connect'),
      [],
    );
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});

/**
 * Two lossless peers that both connect to each other (the OSD ↔ OSD case),
 * with 1-in-50 socket failures and ms_inject_internal_delays at the racy
 * handshake points: connection races, WAIT, session replacement and replay
 * all happen many times; 20 000 messages each way must still arrive exactly
 * once, in order, on each side.
 */
test('msgr sim: lossless peers connecting both ways, 1-in-50 failures + internal delays → exactly-once, in order', async (t) => {
  const seed = Number(process.env.MSGR_SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay with MSGR_SIM_SEED=${seed})`);
  console.log(`msgr peer sim seed ${seed}`);
  const rand = seededRandom(seed);
  const options = {
    ms_inject_socket_failures: 50,
    ms_inject_internal_delays: 0.001,
    ms_initial_backoff: 0.002,
    ms_max_backoff: 0.02,
  };
  const a = await makeServer(Policy.losslessPeer(), { options, random: rand });
  const b = await makeServer(Policy.losslessPeer(), { options, random: rand });
  const total = 20_000;
  try {
    const next = { a: 0, b: 0 };
    const bad: string[] = [];
    a.rec.onMessage = (msg) => {
      if (indexOf(msg) !== next.a) bad.push(`a expected ${next.a}, got ${indexOf(msg)}`);
      next.a++;
    };
    b.rec.onMessage = (msg) => {
      if (indexOf(msg) !== next.b) bad.push(`b expected ${next.b}, got ${indexOf(msg)}`);
      next.b++;
    };
    a.rec.received = b.rec.received = [];
    const ab = a.msgr.connectTo(EntityType.OSD, b.msgr.myAddrs);
    const ba = b.msgr.connectTo(EntityType.OSD, a.msgr.myAddrs);
    for (let i = 0; i < total; i++) {
      ab.sendMessage(testMessage(i, 64));
      ba.sendMessage(testMessage(i, 64));
    }
    // each recorder re-checks its predicate when it receives, so wait on each side for its own count
    await a.rec.until(() => next.a >= total || bad.length > 0, 'b → a', 55_000);
    await b.rec.until(() => next.b >= total || bad.length > 0, 'a → b', 55_000);
    assert.deepEqual(bad, []);
    assert.equal(next.a, total);
    assert.equal(next.b, total);
    t.diagnostic(`connect_seq a→b ${ab.connectSeq}, b→a ${ba.connectSeq}`);
  } finally {
    await a.msgr.shutdown();
    await b.msgr.shutdown();
  }
});
