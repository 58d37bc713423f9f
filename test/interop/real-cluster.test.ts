import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { startRealCluster } from '../helpers/real-cluster.js';

/**
 * An outgoing connection whose local port is `port`, made the way any client on the machine gets
 * its ephemeral port: a socket without SO_REUSEADDR (Node sets it on every socket it binds, so a
 * small python3 client does this). While it lives — and for TIME_WAIT's 60 s after it closes
 * first — Ceph cannot listen on 127.0.0.1:port.
 */
async function holdPortAsEphemeral(port: number): Promise<() => Promise<void>> {
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  // "busy": something on the machine holds the port already, which serves the test as well.
  const script = [
    'import socket, sys',
    's = socket.socket()',
    'try:',
    `    s.bind(("127.0.0.1", ${port}))`,
    'except OSError:',
    '    print("busy", flush=True); sys.exit(0)',
    `s.connect(("127.0.0.1", ${address.port}))`,
    'print("held", flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const client = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => client.once('exit', () => r()));
  const answer = await new Promise<string>((resolve, reject) => {
    client.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    client.once('exit', (code) => reject(new Error(`python3 client exited ${code}`)));
  });
  assert.ok(answer === 'held' || answer === 'busy', answer);
  return async () => {
    // The server end closes first, so TIME_WAIT stays on the server's port and `port` is free
    // again at once.
    for (const s of accepted) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    client.stdin.end();
    await exited;
    await new Promise<void>((r) => server.close(() => r()));
  };
}

test('real-cluster harness: starts a 1-OSD Pacific cluster on loopback and stops it', async () => {
  // The base port is held by a client connection: the mon must take the next port.
  const release = await holdPortAsEphemeral(46900);
  try {
    const cluster = await startRealCluster({
      name: 'harness-selftest',
      basePort: 46900,
      osds: 1,
      objectStore: 'memstore',
      blockSizeBytes: 1 << 30,
    });
    try {
      const monPort = Number(cluster.monAddr.split(':').pop());
      assert.ok(monPort > 46900 && monPort < 46910, cluster.monAddr);
      const status = JSON.parse(await cluster.ceph(['status', '--format', 'json'])) as {
        fsid: string;
        osdmap: { num_up_osds: number };
      };
      assert.equal(status.fsid, cluster.fsid);
      assert.equal(status.osdmap.num_up_osds, 1);
    } finally {
      await cluster.stop();
    }
  } finally {
    await release();
  }
});
