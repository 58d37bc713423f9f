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
    assert.ok(con.connectSeq > 10, `socket failures were injected (connect_seq ${con.connectSeq})`);
    assert.deepEqual(
      client.rec.events.filter((e) => e !== 'connect'),
      [],
    );
  } finally {
    await client.msgr.shutdown();
    await server.msgr.shutdown();
  }
});
