/**
 * What our `rbd bench` puts on the wire, judged by a real OSD: the same op
 * shapes as the real `rbd bench` for each pattern — `write`/`read` with
 * `[fadvise_random]` for --io-pattern rand and `[fadvise_sequential]`
 * otherwise (Bench.cc's op_flags, passed through librbd's write2/read2 to
 * set_op_flags2), and SETALLOCHINT(object size) before the first write to an
 * object the object map says is absent (librbd's add_write_hint); and the
 * hints `export`, `export-diff`, `import` and `import-diff` put on their IO.
 * The OSD's `dump_historic_ops` descriptions are compared per client, offsets
 * aside.
 * Cluster: 1 memstore OSD, ports 49200..49299.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);
const ourRbd = join(process.cwd(), 'bin', 'rbd.js');

test(
  'rbd op flags: bench, export and import send the same op shapes and fadvise hints as the real rbd',
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
        const m = /^osd_op\((client\.\d+)\.\d+:\d+ \S+ \S+:::rbd_data\.[^:]+:\S+ \[(.*)\] snapc/.exec(
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

    /**
     * Run `step` for the real rbd, then for ours (each one client), and return the data-object op
     * shapes each sent, [real, ours].
     */
    const shapesOf = async (
      what: string,
      step: (tool: 'real' | 'ours') => Promise<void>,
    ): Promise<string[][]> => {
      // Earlier steps' ops reach the history a moment after their replies: wait until it is still.
      let before = new Set((await shapesByClient()).keys());
      for (let attempt = 0; attempt < 20; attempt++) {
        await new Promise((r) => setTimeout(r, 500));
        const now = new Set((await shapesByClient()).keys());
        if (now.size === before.size) break;
        before = now;
      }
      for (const tool of ['real', 'ours'] as const) await step(tool);
      // The OSD files an op in its history as the op is released, a moment after the reply.
      let fresh: [string, Set<string>][] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        fresh = [...(await shapesByClient()).entries()].filter(([client]) => !before.has(client));
        if (fresh.length >= 2) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const summary = JSON.stringify(fresh.map(([c, shapes]) => [c, [...shapes]]));
      assert.equal(fresh.length, 2, `${what}: two new clients touched data objects: ${summary}`);
      // Client ids grow: the real rbd ran first.
      fresh.sort((x, y) => Number(x[0].split('.')[1]) - Number(y[0].split('.')[1]));
      const [real, ours] = fresh.map(([, shapes]) => [...shapes].sort());
      assert.deepEqual(ours, real, `${what}: our op shapes equal the real rbd's`);
      return [real!, ours!];
    };

    /** A 64 MiB image the real rbd has written all over (before a step: its client is not counted). */
    const writtenImage = async (image: string): Promise<void> => {
      await rbd('real', ['create', '--size', '64M', image]);
      await rbd('real', ['bench', '--io-type', 'write', '--io-size', '4M', '--io-total', '64M', image]);
    };

    // Bench on images written all over first: every object exists, so the op shapes do not depend
    // on how the IO interleaves with object-map updates.
    for (const [pattern, hint] of [
      ['rand', 'fadvise_random'],
      ['seq', 'fadvise_sequential'],
    ] as const) {
      for (const tool of ['real', 'ours'] as const) await writtenImage(`rbd/flags-${pattern}-${tool}`);
      const [real] = await shapesOf(`bench ${pattern}`, async (tool) => {
        const image = `rbd/flags-${pattern}-${tool}`;
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
      });
      assert.deepEqual(
        real,
        [`read [${hint}]`, `write [${hint}]`].sort(),
        `bench ${pattern}: ${real!.join(' | ')}`,
      );
    }

    // One write to an object that does not exist yet: SETALLOCHINT first.
    const [hinted] = await shapesOf('first write to an object', async (tool) => {
      const image = `rbd/hint-${tool}`;
      await rbd('real', ['create', '--size', '64M', image]);
      await rbd(tool, [
        'bench',
        '--io-type',
        'write',
        '--io-size',
        '4K',
        '--io-threads',
        '1',
        '--io-total',
        '4K',
        image,
      ]);
    });
    assert.deepEqual(hinted, [
      'set-alloc-hint object_size 4194304 write_size 4194304,write [fadvise_sequential]',
    ]);

    // export, export-diff, import and import-diff: the hints of Export.cc and Import.cc.
    const tmp = mkdtempSync(join(tmpdir(), 'rbd-op-flags-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    await rbd('real', ['snap', 'create', '--no-progress', 'rbd/flags-rand-real@s1']);
    const [exportReads] = await shapesOf('export', (tool) =>
      rbd(tool, ['export', '--no-progress', 'rbd/flags-rand-real@s1', join(tmp, `export-${tool}`)]).then(
        () => undefined,
      ),
    );
    assert.ok(
      exportReads!.every((x) => x.startsWith('read ') || x.startsWith('sparse-read ')),
      exportReads!.join(' | '),
    );
    await shapesOf('export-diff', (tool) =>
      rbd(tool, ['export-diff', '--no-progress', 'rbd/flags-rand-real@s1', join(tmp, `diff-${tool}`)]).then(
        () => undefined,
      ),
    );
    const file = Buffer.alloc(6 << 20);
    for (let i = 0; i < file.length; i += 4096) file[i] = (i >> 12) & 0xff || 1;
    writeFileSync(join(tmp, 'raw'), file);
    await shapesOf('import', (tool) =>
      rbd(tool, ['import', '--no-progress', join(tmp, 'raw'), `rbd/imported-${tool}`]).then(() => undefined),
    );
    // Existing objects: no allocation hints, whatever order the diff's writes land in.
    for (const tool of ['real', 'ours'] as const) await writtenImage(`rbd/idiff-${tool}`);
    await shapesOf('import-diff', async (tool) => {
      await rbd(tool, ['import-diff', '--no-progress', join(tmp, 'diff-real'), `rbd/idiff-${tool}`]);
    });
  },
);
