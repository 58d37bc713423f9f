/**
 * Messenger throughput between two tsceph processes over loopback.
 *
 *   node dist/bench/msgr/msgr-bench.js [seconds-per-case]
 *
 * The parent starts a child process running a server messenger (stateless
 * server policy) that answers every request with an 8-byte reply; the parent
 * is a lossy client keeping 1 or 16 requests in flight, with a 4 KiB or
 * 4 MiB data segment each (zero-copy on both sides). Prints messages/s and
 * MB/s of request payload per case. No real-Ceph counterpart is run: the
 * Debian packages ship no messenger benchmark (ceph_perf_msgr_* live in the
 * absent ceph-test binaries).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AddrType, EntityType, makeAddr } from '../../src/encoding/types.js';
import type { Connection } from '../../src/msg/connection.js';
import { RawMessage, type Message } from '../../src/msg/message.js';
import { Messenger } from '../../src/msg/messenger.js';
import { Policy } from '../../src/msg/policy.js';

const REQUEST = 0x7e10;
const REPLY = 0x7e11;

function request(id: number, data: Buffer): RawMessage {
  const front = Buffer.alloc(8);
  front.writeUInt32LE(id, 0);
  return new RawMessage(REQUEST, { front, middle: Buffer.alloc(0), data: [data] });
}

async function runServer(): Promise<void> {
  const msgr = Messenger.create({ name: { type: EntityType.OSD, num: 0n } });
  msgr.setDefaultPolicy(Policy.statelessServer());
  const addrs = await msgr.bind('v2:127.0.0.1:0', { min: 0, max: 0 });
  await msgr.start();
  msgr.addDispatcherTail({
    msDispatch(msg: Message, con: Connection): boolean {
      if (msg.type !== REQUEST) return false;
      const front = Buffer.from((msg as RawMessage).payload.front.subarray(0, 8));
      con.sendMessage(new RawMessage(REPLY, { front, middle: Buffer.alloc(0), data: [] }));
      return true;
    },
  });
  process.stdout.write(`${addrs[0]!.port} ${addrs[0]!.nonce}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void msgr.shutdown().then(() => process.exit(0)));
}

interface Result {
  size: number;
  inflight: number;
  messages: number;
  seconds: number;
}

async function runCase(
  con: Connection,
  waiters: Map<number, () => void>,
  size: number,
  inflight: number,
  seconds: number,
): Promise<Result> {
  const data = Buffer.alloc(size, 0x5a);
  let next = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  await new Promise<void>((resolve) => {
    let outstanding = 0;
    let stopping = false;
    const issue = () => {
      while (!stopping && outstanding < inflight) {
        const id = next++;
        outstanding++;
        waiters.set(id, () => {
          outstanding--;
          done++;
          if (process.hrtime.bigint() >= deadline) stopping = true;
          if (stopping && outstanding === 0) resolve();
          else issue();
        });
        con.sendMessage(request(id, data));
      }
    };
    issue();
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { size, inflight, messages: done, seconds: elapsed };
}

async function runClient(secondsPerCase: number): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.trim());
    });
  });
  const [port, nonce] = line.split(' ').map(Number) as [number, number];
  const msgr = Messenger.create({ name: { type: EntityType.CLIENT, num: -1n } });
  msgr.setDefaultPolicy(Policy.lossyClient());
  const waiters = new Map<number, () => void>();
  msgr.addDispatcherTail({
    msDispatch(msg: Message): boolean {
      if (msg.type !== REPLY) return false;
      const id = (msg as RawMessage).payload.front.readUInt32LE(0);
      const w = waiters.get(id);
      waiters.delete(id);
      w?.();
      return true;
    },
  });
  await msgr.start();
  const con = msgr.connectTo(EntityType.OSD, [makeAddr(AddrType.MSGR2, '127.0.0.1', port, nonce)]);
  // warm up the connection and the JIT
  await runCase(con, waiters, 4096, 16, 0.5);
  const results: Result[] = [];
  for (const size of [4096, 4 << 20]) {
    for (const inflight of [1, 16]) results.push(await runCase(con, waiters, size, inflight, secondsPerCase));
  }
  const rows = results.map((r) => {
    const mps = r.messages / r.seconds;
    return [
      r.size >= 1 << 20 ? `${r.size >> 20} MiB` : `${r.size >> 10} KiB`,
      String(r.inflight),
      String(r.messages),
      mps.toFixed(0),
      ((mps * r.size) / (1 << 20)).toFixed(1),
    ];
  });
  const header = ['payload', 'in flight', 'messages', 'msgs/s', 'MB/s'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
  await msgr.shutdown();
  child.stdin!.end();
}

if (process.argv[2] === 'server') await runServer();
else await runClient(Number(process.argv[2] ?? 3));
