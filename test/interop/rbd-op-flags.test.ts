/**
 * What our `rbd bench` puts on the wire, judged by a real OSD: the same op
 * shapes as the real `rbd bench` for each pattern — `write`/`read` with
 * `[fadvise_random]` for --io-pattern rand and `[fadvise_sequential]`
 * otherwise (Bench.cc's op_flags, passed through librbd's write2/read2 to
 * set_op_flags2), and SETALLOCHINT(object size) before the first write to an
 * object the object map says is absent (librbd's add_write_hint). The OSD's
 * `dump_historic_ops` descriptions are compared per client, offsets aside.
 * Cluster: 1 memstore OSD, ports 49200..49299.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);
const ourRbd = join(process.cwd(), 'bin', 'rbd.js');

test(
  'rbd bench op flags: ours and the real rbd send the same fadvise hints per pattern',
  { timeout: 300_000 },
  async (t) => {
    const cluster = await startRealCluster({
      name: 'rbd-op-flags',
      basePort: 49200,
      osds: 1,
      objectStore: 'memstore',
      blockSizeBytes: 1 << 30,
      rbdPool: true,
      // Keep every op of the run in the history (the default keeps 20).
      extraGlobal: { osd_op_history_size: '2000', osd_op_history_duration: '3600' },
    });
    t.after(() => cluster.stop());
    const rbd = (tool: 'ours' | 'real', args: string[]) =>
      tool === 'real'
        ? execFileAsync('rbd', ['-c', cluster.confPath, ...args])
        : execFileAsync(process.execPath, [ourRbd, '-c', cluster.confPath, ...args]);

    /** Op shapes (`write [fadvise_random]`) of the data ops of each client seen so far. */
    const shapesByClient = async (): Promise<Map<string, Set<string>>> => {
      const asok = join(cluster.dir, 'run', 'osd.0.asok');
      const { stdout } = await execFileAsync('ceph', ['--admin-daemon', asok, 'dump_historic_ops'], {
        maxBuffer: 64 << 20,
      });
      const out = new Map<string, Set<string>>();
      for (const op of (JSON.parse(stdout) as { ops: { description: string }[] }).ops) {
        const m = /^osd_op\((client\.\d+)\.\d+:\d+ \S+ \S+:::rbd_data\.\S+:head \[(.*)\] snapc/.exec(
          op.description,
        );
        if (!m) continue;
        const shape = m[2]!.replace(/ \d+~\d+/g, '');
        const set = out.get(m[1]!) ?? new Set<string>();
        set.add(shape);
        out.set(m[1]!, set);
      }
      return out;
    };

    for (const [pattern, hint] of [
      ['rand', 'fadvise_random'],
      ['seq', 'fadvise_sequential'],
    ] as const) {
      const before = new Set((await shapesByClient()).keys());
      // Each tool benches its own new image, so both write to objects that do not exist yet.
      for (const tool of ['real', 'ours'] as const) {
        const image = `rbd/flags-${pattern}-${tool}`;
        await rbd('real', ['create', '--size', '64M', image]);
        await rbd(tool, [
          'bench',
          '--io-type',
          'readwrite',
          '--io-size',
          '4K',
          '--io-threads',
          '4',
          '--io-total',
          '512K',
          '--io-pattern',
          pattern,
          image,
        ]);
      }
      // The OSD files an op in its history as the op is released, a moment after the reply.
      let fresh: [string, Set<string>][] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        fresh = [...(await shapesByClient()).entries()].filter(([client]) => !before.has(client));
        if (fresh.length >= 2) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const summary = JSON.stringify(fresh.map(([c, shapes]) => [c, [...shapes]]));
      assert.equal(fresh.length, 2, `two new clients wrote data objects (${pattern}): ${summary}`);
      // Client ids grow: the real rbd ran first.
      fresh.sort((a, b) => Number(a[0].split('.')[1]) - Number(b[0].split('.')[1]));
      const [real, ours] = fresh.map(([, shapes]) => [...shapes].sort());
      assert.deepEqual(ours, real, `${pattern}: our op shapes equal the real rbd's`);
      for (const shape of [
        `read [${hint}]`,
        `write [${hint}]`,
        `set-alloc-hint object_size 4194304 write_size 4194304,write [${hint}]`,
      ]) {
        assert.ok(real!.includes(shape), `${pattern}: ${shape} in ${real!.join(' | ')}`);
      }
    }
  },
);
