import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRealCluster } from '../helpers/real-cluster.js';

test('real-cluster harness: starts a 1-OSD Pacific cluster on loopback and stops it', async () => {
  const cluster = await startRealCluster({
    name: 'harness-selftest',
    basePort: 46900,
    osds: 1,
    objectStore: 'memstore',
    blockSizeBytes: 1 << 30,
  });
  try {
    const status = JSON.parse(await cluster.ceph(['status', '--format', 'json'])) as {
      fsid: string;
      osdmap: { num_up_osds: number };
    };
    assert.equal(status.fsid, cluster.fsid);
    assert.equal(status.osdmap.num_up_osds, 1);
  } finally {
    await cluster.stop();
  }
});
