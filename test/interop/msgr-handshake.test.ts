import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddrType, EntityType, makeAddr, uuidToBytes } from '../../src/encoding/types.js';
import { CEPH_FEATURES_ALL } from '../../src/encoding/features.js';
import { AuthNoneClient, AuthNoneServer } from '../../src/auth/none.js';
import { ProtocolState } from '../../src/msg/connection.js';
import type { Dispatcher } from '../../src/msg/dispatch-queue.js';
import { RawMessage, type Message } from '../../src/msg/message.js';
import { Messenger } from '../../src/msg/messenger.js';
import { Policy } from '../../src/msg/policy.js';
import { startRealCluster } from '../helpers/real-cluster.js';

/** CEPH_MSG_MON_GET_MAP: empty payload; the mon answers with CEPH_MSG_MON_MAP. */
const MSG_MON_GET_MAP = 5;
const MSG_MON_MAP = 4;
const MSG_MON_SUBSCRIBE = 15;

/** Collects messages and connection events; `until` waits (bounded) for a condition. */
class Collector implements Dispatcher {
  messages: Message[] = [];
  events: string[] = [];
  msDispatch(msg: Message): boolean {
    this.messages.push(msg);
    return true;
  }
  msHandleConnect(): void {
    this.events.push('connect');
  }
  msHandleAccept(): void {
    this.events.push('accept');
  }
  msHandleReset(): boolean {
    this.events.push('reset');
    return true;
  }
  async until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function clientMessenger(): { msgr: Messenger; col: Collector } {
  const msgr = Messenger.create({ name: { type: EntityType.CLIENT, num: -1n } });
  msgr.setDefaultPolicy(Policy.lossyClient());
  const col = new Collector();
  msgr.addDispatcherTail(col);
  return { msgr, col };
}

test('msgr interop: our msgr2.1 client and server against real Ceph Pacific daemons and CLI', async (t) => {
  const cluster = await startRealCluster({
    name: 'msgr-interop',
    basePort: 46100,
    osds: 1,
    objectStore: 'memstore',
    blockSizeBytes: 1 << 30,
  });
  try {
    await t.test(
      'real ceph-mon: handshake, global id from AUTH_DONE, MMonGetMap → MMonMap of this cluster',
      async () => {
        const { msgr, col } = clientMessenger();
        try {
          await msgr.start();
          const port = Number(cluster.monAddr.split(':').pop());
          const con = msgr.connectTo(EntityType.MON, [makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0)]);
          con.sendMessage(
            new RawMessage(MSG_MON_GET_MAP, { front: Buffer.alloc(0), middle: Buffer.alloc(0), data: [] }),
          );
          await col.until(() => col.messages.some((m) => m.type === MSG_MON_MAP), 'MMonMap');
          assert.deepEqual(col.events, ['connect']);
          assert.equal(con.state, ProtocolState.READY);
          assert.equal(con.features, CEPH_FEATURES_ALL, 'the mon supports everything we do');
          assert.deepEqual(con.peerName, { type: EntityType.MON, num: 0n });
          assert.ok(con.globalId > 0n, 'the mon assigned a global id');
          assert.equal((msgr.authClient as AuthNoneClient).globalId, con.globalId);
          assert.equal(con.policy.lossy, true, 'the mon serves clients lossily');
          const monmap = (col.messages.find((m) => m.type === MSG_MON_MAP) as RawMessage).payload.front;
          // front = bufferlist(monmap): u32 length, then MonMap's envelope (v, compat, u32 len) and its fsid
          assert.deepEqual(monmap.subarray(10, 26), uuidToBytes(cluster.fsid));
          assert.equal(msgr.myAddrs[0]!.type, AddrType.ANY);
          assert.equal(msgr.myAddrs[0]!.ip, '127.0.0.1');
        } finally {
          await msgr.shutdown();
        }
      },
    );

    await t.test('real ceph-osd: handshake with an authorizer, KEEPALIVE2 → KEEPALIVE2_ACK', async () => {
      const dump = JSON.parse(await cluster.ceph(['osd', 'dump', '--format', 'json'])) as {
        osds: { osd: number; public_addrs: { addrvec: { type: string; addr: string; nonce: number }[] } }[];
      };
      const v2 = dump.osds[0]!.public_addrs.addrvec.find((a) => a.type === 'v2')!;
      const [ip, port] = v2.addr.split(':') as [string, string];
      const { msgr, col } = clientMessenger();
      try {
        await msgr.start();
        const con = msgr.connectTo(EntityType.OSD, [makeAddr(AddrType.MSGR2, ip, Number(port), v2.nonce)]);
        con.sendKeepalive();
        await col.until(() => con.lastKeepaliveAckMs > 0, 'KEEPALIVE2_ACK');
        assert.deepEqual(col.events, ['connect']);
        assert.deepEqual(con.peerName, { type: EntityType.OSD, num: BigInt(dump.osds[0]!.osd) });
        assert.equal(con.features, CEPH_FEATURES_ALL);
        assert.ok(Math.abs(con.lastKeepaliveAckMs - Date.now()) < 60_000, 'the ack echoes our stamp');
      } finally {
        await msgr.shutdown();
      }
    });

    await t.test(
      'real ceph CLI → our server posing as a mon: handshake completes, MMonGetMap and MMonSubscribe arrive',
      async () => {
        // A mon's address has nonce 0; the CLI checks SERVER_IDENT against mon_host.
        const mon = Messenger.create({ name: { type: EntityType.MON, num: 0n }, nonce: 0 });
        mon.setDefaultPolicy(Policy.statelessServer());
        let nextGid = 14_000n;
        mon.authServer = new AuthNoneServer({ nextGlobalId: () => nextGid++ });
        const col = new Collector();
        const dir = mkdtempSync(join(tmpdir(), 'tsceph-msgr-'));
        try {
          const addrs = await mon.bind('v2:127.0.0.1:0', { min: 0, max: 0 });
          await mon.start();
          mon.addDispatcherTail(col);
          const conf = join(dir, 'ceph.conf');
          writeFileSync(
            conf,
            [
              '[global]',
              `mon_host = [v2:127.0.0.1:${addrs[0]!.port}]`,
              'ms_bind_msgr1 = false',
              'auth_client_required = none',
              'auth_service_required = none',
              'auth_cluster_required = none',
              `admin_socket = ${dir}/$name.$pid.asok`,
              `log_file = ${dir}/$name.log`,
              '',
            ].join('\n'),
          );
          const cli = spawn('ceph', ['-c', conf, '--connect-timeout', '20', 'status'], { stdio: 'ignore' });
          try {
            await col.until(
              () => col.messages.some((m) => m.type === MSG_MON_SUBSCRIBE),
              'MMonSubscribe from the real client',
            );
          } finally {
            cli.kill('SIGKILL');
          }
          assert.ok(col.events.includes('accept'));
          assert.ok(col.messages.some((m) => m.type === MSG_MON_GET_MAP));
          const sub = col.messages.find((m) => m.type === MSG_MON_SUBSCRIBE)!;
          assert.ok(sub.header!.version >= 3, 'MMonSubscribe v3');
          assert.deepEqual(
            sub.source,
            { type: EntityType.CLIENT, num: -1n },
            'the CLI has no id yet in its ident',
          );
        } finally {
          await mon.shutdown();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  } finally {
    await cluster.stop();
  }
});
