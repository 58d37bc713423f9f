/**
 * `tsceph demo`: what runs today with nothing but `npm ci`. It builds a
 * monmap the way `monmaptool --create` does and prints it, then starts a
 * msgr2 server and client on 127.0.0.1, pushes 2 000 messages of 4 KiB
 * through a lossless session (every one checked back in order) and reports
 * the rate. With real Ceph's `ceph.conf` at hand, `ceph -c FILE -s` with our
 * CLI is the next thing to try.
 */
import { EntityType, makeAddr, AddrType } from '../../encoding/types.js';
import { RawMessage } from '../../msg/message.js';
import { Messenger } from '../../msg/messenger.js';
import { Policy } from '../../msg/policy.js';
import { MonMap, formatMonMapPlain } from '../../mon/monmap.js';

const DEMO_REQUEST = 0x7e20;
const MESSAGES = 2000;
const PAYLOAD_BYTES = 4096;

export async function demoMain(print: (line: string) => void = console.log): Promise<number> {
  print('== a monmap, as monmaptool --create would make it');
  const map = new MonMap();
  map.fsid = '9e1c5d2a-6b1e-4a07-8a3e-2d2f5b0c1a11';
  const nowSec = Math.floor(Date.now() / 1000);
  map.created = { sec: nowSec, nsec: 0 };
  map.lastChanged = { sec: nowSec, nsec: 0 };
  map.add('a', [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300), makeAddr(AddrType.LEGACY, '127.0.0.1', 6789)]);
  print(formatMonMapPlain(map).trimEnd());

  print(`\n== msgr2 over loopback: ${MESSAGES} messages of ${PAYLOAD_BYTES} bytes, lossless session`);
  const server = Messenger.create({ name: { type: EntityType.OSD, num: 0n } });
  server.setDefaultPolicy(Policy.statelessServer());
  const addrs = await server.bind('v2:127.0.0.1:0');
  await server.start();
  let received = 0;
  let outOfOrder = 0;
  let done: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => (done = resolve));
  server.addDispatcherTail({
    msDispatch: (msg) => {
      if (msg.type !== DEMO_REQUEST) return false;
      if ((msg as RawMessage).payload.front.readUInt32LE(0) !== received) outOfOrder++;
      if (++received === MESSAGES) done();
      return true;
    },
  });
  const client = Messenger.create({ name: { type: EntityType.CLIENT, num: 4100n } });
  client.setDefaultPolicy(Policy.losslessClient());
  await client.start();
  client.addDispatcherTail({ msDispatch: () => false });
  const con = client.connectTo(EntityType.OSD, addrs);
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x5a);
  const started = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) {
    const front = Buffer.alloc(4);
    front.writeUInt32LE(i);
    con.sendMessage(new RawMessage(DEMO_REQUEST, { front, middle: Buffer.alloc(0), data: [payload] }));
  }
  await allReceived;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  print(`server at ${addrs.map((a) => `v2:${a.ip}:${a.port}`).join(',')}`);
  print(
    `received ${received}/${MESSAGES} in order (${outOfOrder} out of order) in ${seconds.toFixed(3)} s: ` +
      `${Math.round(MESSAGES / seconds)} msg/s, ${((MESSAGES * PAYLOAD_BYTES) / seconds / 2 ** 20).toFixed(1)} MiB/s`,
  );
  await client.shutdown();
  await server.shutdown();
  print('\nNext: point our CLI at a Ceph Pacific cluster: node bin/ceph.js -c /etc/ceph/ceph.conf -s');
  return outOfOrder === 0 && received === MESSAGES ? 0 : 1;
}
