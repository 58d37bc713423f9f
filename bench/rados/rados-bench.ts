/**
 * `rados bench` side by side: our `rados` against the real one, on the same
 * pool of one real Pacific cluster (1 mon, 1 mgr, 3 memstore OSDs, size 3).
 *
 *   node dist/bench/rados/rados-bench.js [seconds-per-case] [rounds]
 *
 * For 4 KiB and 4 MiB objects, each round runs, interleaved so that drift
 * in the machine's load hits both alike: real write, our write, real seq
 * (over the real write's objects), our seq (over ours), then both cleanups.
 * Every run uses -t 16; 4 MiB writes stop at --max-objects 64 so memstore
 * stays small. Prints bandwidth, IOPS and average latency per case and tool,
 * averaged over the rounds, and ours/real for each.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startRealCluster, waitForCleanPgs } from '../../test/helpers/real-cluster.js';

const ourRados = join(process.cwd(), 'bin', 'rados.js');
const POOL = 'bench';

interface Figures {
  bandwidthMBs: number;
  iops: number;
  latencyS: number;
}

function run(cmd: string, args: string[], conf: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, CEPH_CONF: conf }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** The summary lines ObjBencher prints. */
function figures(out: string): Figures {
  const num = (label: string): number => {
    const m = new RegExp(`^${label.replace(/[()/]/g, '\\$&')}:\\s+(\\S+)$`, 'm').exec(out);
    if (!m) throw new Error(`no "${label}" in:\n${out}`);
    return Number(m[1]);
  };
  return {
    bandwidthMBs: num('Bandwidth (MB/sec)'),
    iops: num('Average IOPS'),
    latencyS: num('Average Latency(s)'),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 2);
  const cluster = await startRealCluster({
    name: 'rados-bench',
    basePort: 47500,
    osds: 3,
    objectStore: 'memstore',
    blockSizeBytes: 2 * 1024 ** 3,
  });
  const results = new Map<string, Figures[]>();
  const record = (key: string, f: Figures) => results.set(key, [...(results.get(key) ?? []), f]);
  try {
    await cluster.ceph(['osd', 'pool', 'create', POOL, '32']);
    await waitForCleanPgs((a) => cluster.ceph(a));
    const tools = {
      real: (args: string[]) => run('rados', ['-p', POOL, ...args], cluster.confPath),
      ours: (args: string[]) => run(process.execPath, [ourRados, '-p', POOL, ...args], cluster.confPath),
    };
    for (const [label, size, extra] of [
      ['4 KiB', 4096, []],
      ['4 MiB', 4 << 20, ['--max-objects', '64']],
    ] as const) {
      for (let round = 0; round < rounds; round++) {
        for (const tool of ['real', 'ours'] as const) {
          const out = await tools[tool]([
            'bench',
            String(seconds),
            'write',
            '-b',
            String(size),
            '-t',
            '16',
            '--no-cleanup',
            '--run-name',
            `run-${tool}`,
            ...extra,
          ]);
          record(`${label} write|${tool}`, figures(out));
        }
        for (const tool of ['real', 'ours'] as const) {
          const out = await tools[tool]([
            'bench',
            String(seconds),
            'seq',
            '-t',
            '16',
            '--run-name',
            `run-${tool}`,
          ]);
          record(`${label} seq|${tool}`, figures(out));
        }
        for (const tool of ['real', 'ours'] as const)
          await tools[tool](['cleanup', '--run-name', `run-${tool}`]);
        process.stderr.write(`done: ${label} round ${round + 1}/${rounds}\n`);
      }
    }
  } finally {
    await cluster.stop();
  }

  const header = ['case', 'tool', 'MB/s', 'IOPS', 'avg lat ms', 'MB/s ours/real', 'lat ours/real'];
  const rows: string[][] = [];
  for (const c of ['4 KiB write', '4 KiB seq', '4 MiB write', '4 MiB seq']) {
    const avg = (tool: string): Figures => {
      const runs = results.get(`${c}|${tool}`) ?? [];
      return {
        bandwidthMBs: mean(runs.map((r) => r.bandwidthMBs)),
        iops: mean(runs.map((r) => r.iops)),
        latencyS: mean(runs.map((r) => r.latencyS)),
      };
    };
    const [r, o] = [avg('real'), avg('ours')];
    for (const [tool, f] of [
      ['real', r],
      ['ours', o],
    ] as const) {
      rows.push([
        c,
        tool,
        f.bandwidthMBs.toFixed(2),
        f.iops.toFixed(0),
        (f.latencyS * 1000).toFixed(3),
        tool === 'ours' ? (o.bandwidthMBs / r.bandwidthMBs).toFixed(2) : '',
        tool === 'ours' ? (o.latencyS / r.latencyS).toFixed(2) : '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`rados bench, ${seconds} s per case, -t 16, ${rounds} round(s), 3 memstore OSDs, pool size 3`);
  console.log(fmt(header));
  for (const row of rows) console.log(fmt(row));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
