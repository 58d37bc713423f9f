/**
 * Our `rbd` against the real one on one real Pacific cluster (1 mon, 1 mgr,
 * 3 memstore OSDs), side by side:
 *
 *   node dist/bench/rbd/rbd-bench.js [rounds=2] [image-MiB=1024] [pool-size=1]
 *   (npm run bench:rbd builds first; RBD_BENCH_VERBOSE=1 echoes every command and its output)
 *
 *   1. `rbd bench`, one image per tool (bench-real, bench-ours), every case
 *      with --io-threads 16, interleaved real then ours for each round:
 *      4 MiB seq write, 4 MiB seq read (io-total 4× the image: seq wraps
 *      around, and the image ends fully written), 4 KiB rand write, 4 KiB
 *      rand read (io-total 256 MiB).
 *   2. flatten: bench-real (fully written) is snapshotted and protected; per
 *      round and tool a clone of it is made with the real tool and flattened
 *      by the tool under test (timed), checked parentless by the real
 *      `rbd info`, then removed.
 *   3. import / export of a file of random data the size of the image (in a
 *      temporary folder, deleted at the end): each tool imports it into its
 *      own image and exports that image to stdout, whose md5 must equal the
 *      file's.
 *
 * Every command runs under /usr/bin/time -v when present, which gives its
 * peak RSS; without it, our CLI gets a preload that reports
 * process.resourceUsage().maxRSS at exit. A command our CLI cannot run yet
 * (non-zero exit, e.g. EOPNOTSUPP) turns its row into "ours: unavailable
 * (<error>)" and the script goes on; where a later step needs what it would
 * have made (our bench image written, our imported image), the real tool
 * makes it instead. Wall-clock figures only: no assertion anywhere.
 *
 * The cluster uses basePort 48700 (daemons on 48710..48799), the same as
 * test/interop/rbd-flatten-stress.test.ts: run them one at a time.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRealCluster, waitForCleanPgs, type RealCluster } from '../../test/helpers/real-cluster.js';

const ourRbd = join(process.cwd(), 'bin', 'rbd.js');
const TIME = '/usr/bin/time';
const POOL = 'rbd';
const MiB = 1 << 20;
const SMALL_IO_TOTAL = '256M';

type Tool = 'real' | 'ours';
const TOOLS: readonly Tool[] = ['real', 'ours'];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  wallS: number;
  /** Peak resident set size of the tool's process, KiB (undefined when unknown). */
  maxRssKb: number | undefined;
  /** md5 of stdout, when it was streamed into a hash instead of kept. */
  stdoutMd5?: string;
  stdoutBytes: number;
}

/** The figures `rbd bench` prints on its last line. */
interface BenchFigures {
  /** Whole seconds, as the tool prints them. */
  elapsedS: number;
  ops: number;
  opsPerSec: number;
  bytesPerSec: number;
  /** The whole command, start-up and image open included (measured here). */
  wallS: number;
}

/** One measured run of one tool, or why it could not be measured. */
type Outcome<T> = { ok: true; value: T; maxRssKb: number | undefined } | { ok: false; error: string };

let cluster: RealCluster;
let tmp: string;
const haveTime = existsSync(TIME);

/** Our CLI's peak RSS without /usr/bin/time: a preload writes maxRSS (KiB) to a file at exit. */
function rusagePreload(): string {
  const path = join(tmp, 'rusage-preload.cjs');
  if (!existsSync(path)) {
    writeFileSync(
      path,
      "process.on('exit', () => require('fs').writeFileSync(process.env.RBD_BENCH_RUSAGE, String(process.resourceUsage().maxRSS)));\n",
    );
  }
  return path;
}

/** Run `rbd <args>` of one tool; never rejects (a failure is a non-zero code). */
function run(tool: Tool, args: string[], o: { hashStdout?: boolean } = {}): Promise<RunResult> {
  let cmd = tool === 'real' ? 'rbd' : process.execPath;
  let argv = tool === 'real' ? args : [ourRbd, ...args];
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: cluster.confPath };
  let rusageFile: string | undefined;
  if (haveTime) {
    argv = ['-v', cmd, ...argv];
    cmd = TIME;
  } else if (tool === 'ours') {
    rusageFile = join(tmp, `rusage-${process.pid}-${Date.now()}`);
    env.RBD_BENCH_RUSAGE = rusageFile;
    argv = ['--require', rusagePreload(), ...argv];
  }
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = o.hashStdout ? createHash('md5') : null;
    const out: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (hash) hash.update(b);
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (err) => (stderr += String(err)));
    child.on('close', (code, signal) => {
      const wallS = (performance.now() - started) / 1000;
      let maxRssKb: number | undefined;
      if (haveTime) {
        // time -v appends its report to stderr; take it out of the tool's own messages.
        const at = stderr.search(/^\s*Command (being timed|exited with non-zero status)/m);
        const report = at >= 0 ? stderr.slice(at) : '';
        if (at >= 0) stderr = stderr.slice(0, at);
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
        if (m) maxRssKb = Number(m[1]);
      } else if (rusageFile && existsSync(rusageFile)) {
        maxRssKb = Number(readFileSync(rusageFile, 'utf8'));
        rmSync(rusageFile, { force: true });
      }
      if (process.env.RBD_BENCH_VERBOSE)
        process.stderr.write(
          `[${tool}] rbd ${args.join(' ')} → ${code ?? signal} in ${wallS.toFixed(2)} s, RSS ${maxRssKb} KiB\n` +
            (o.hashStdout ? '' : Buffer.concat(out).toString()) +
            stderr,
        );
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString(),
        stderr,
        wallS,
        maxRssKb,
        stdoutMd5: hash?.digest('hex'),
        stdoutBytes,
      });
    });
  });
}

/** The first meaningful line of a failed run, for the "unavailable (…)" cell. */
function failure(r: RunResult): string {
  const line = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return `exit ${r.code}${line ? `: ${line.slice(0, 100)}` : ''}`;
}

/** Run a setup step with the real tool; it must work. */
async function must(args: string[]): Promise<string> {
  const r = await run('real', args);
  if (r.code !== 0) throw new Error(`rbd ${args.join(' ')}: ${failure(r)}`);
  return r.stdout;
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB, TiB: 1024 * 1024 * MiB };

/** `elapsed: 5   ops: 262144   ops/sec: 45628.5   bytes/sec: 178 MiB/s` (the last such line). */
function parseBench(out: string): Omit<BenchFigures, 'wallS'> {
  const lines = out.split('\n').filter((l) => /^\s*elapsed:/.test(l));
  const line = lines[lines.length - 1];
  const m =
    line &&
    /elapsed:\s*([\d.]+)\s+ops:\s*(\d+)\s+ops\/sec:\s*([\d.e+]+)\s+bytes\/sec:\s*([\d.e+]+)\s*([KMGT]?i?B)?/.exec(
      line,
    );
  if (!m) throw new Error(`no summary line in rbd bench output:\n${out.slice(-500)}`);
  return {
    elapsedS: Number(m[1]),
    ops: Number(m[2]),
    opsPerSec: Number(m[3]),
    bytesPerSec: Number(m[4]) * (UNITS[m[5] ?? 'B'] ?? 1),
  };
}

/** A file of `bytes` deterministic pseudo-random bytes (AES-CTR keystream); returns its md5. */
function writeRandomFile(path: string, bytes: number): string {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x5a), Buffer.alloc(16));
  const hash = createHash('md5');
  const fd = openSync(path, 'w');
  try {
    const zeros = Buffer.alloc(4 * MiB);
    for (let at = 0; at < bytes; at += zeros.length) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, bytes - at)));
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const maxOf = (xs: (number | undefined)[]) => {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length ? Math.max(...known) : undefined;
};

/** Results per case and tool, in the order they were first recorded. */
class Results<T> {
  readonly byCase = new Map<string, Map<Tool, Outcome<T>[]>>();

  record(label: string, tool: Tool, o: Outcome<T>): void {
    let perTool = this.byCase.get(label);
    if (!perTool) this.byCase.set(label, (perTool = new Map()));
    perTool.set(tool, [...(perTool.get(tool) ?? []), o]);
  }

  /** The successful runs of a tool, or the first error when any run failed. */
  summary(label: string, tool: Tool): { values: T[]; rssKb: number | undefined } | { error: string } {
    const runs = this.byCase.get(label)?.get(tool) ?? [];
    const bad = runs.find((r) => !r.ok);
    if (bad && !bad.ok) return { error: bad.error };
    if (runs.length === 0) return { error: 'not run' };
    const good = runs.filter((r): r is Extract<Outcome<T>, { ok: true }> => r.ok);
    return { values: good.map((r) => r.value), rssKb: maxOf(good.map((r) => r.maxRssKb)) };
  }
}

function table(header: string[], rows: string[][], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i < leftColumns || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

const rssMiB = (kb: number | undefined) => (kb === undefined ? '?' : (kb / 1024).toFixed(0));

interface BenchCase {
  label: string;
  ioType: 'write' | 'read';
  ioSize: string;
  ioSizeBytes: number;
  pattern: 'seq' | 'rand';
  ioTotal: string;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const imageMiB = Number(process.argv[3] ?? 1024);
  const poolSize = Number(process.argv[4] ?? 1);
  const imageSize = `${imageMiB}M`;
  const bigIoTotal = `${4 * imageMiB}M`;
  tmp = mkdtempSync(join(tmpdir(), 'rbd-bench-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);

  cluster = await startRealCluster({
    name: 'rbd-bench',
    basePort: 48700,
    osds: 3,
    objectStore: 'memstore',
    blockSizeBytes: 6 * 1024 ** 3,
    rbdPool: true,
  });
  const bench = new Results<BenchFigures>();
  const timed = new Results<number>();
  const notes: string[] = [];
  try {
    if (poolSize !== 3) {
      await cluster.ceph(['osd', 'pool', 'set', POOL, 'size', String(poolSize), '--yes-i-really-mean-it']);
      await waitForCleanPgs((a) => cluster.ceph(a));
    }

    // --- rbd bench ---------------------------------------------------------
    const image = (tool: Tool) => `${POOL}/bench-${tool}`;
    await must(['create', '--size', imageSize, image('real')]);
    const created = await run('ours', ['create', '--size', imageSize, image('ours')]);
    if (created.code !== 0) {
      notes.push(`bench-ours was created by the real rbd (ours: ${failure(created)})`);
      await must(['create', '--size', imageSize, image('ours')]);
    }
    const cases: BenchCase[] = [
      {
        label: '4 MiB seq write',
        ioType: 'write',
        ioSize: '4M',
        ioSizeBytes: 4 * MiB,
        pattern: 'seq',
        ioTotal: bigIoTotal,
      },
      {
        label: '4 MiB seq read',
        ioType: 'read',
        ioSize: '4M',
        ioSizeBytes: 4 * MiB,
        pattern: 'seq',
        ioTotal: bigIoTotal,
      },
      {
        label: '4 KiB rand write',
        ioType: 'write',
        ioSize: '4K',
        ioSizeBytes: 4096,
        pattern: 'rand',
        ioTotal: SMALL_IO_TOTAL,
      },
      {
        label: '4 KiB rand read',
        ioType: 'read',
        ioSize: '4K',
        ioSizeBytes: 4096,
        pattern: 'rand',
        ioTotal: SMALL_IO_TOTAL,
      },
    ];
    for (const c of cases) {
      for (let round = 0; round < rounds; round++) {
        for (const tool of TOOLS) {
          const r = await run(tool, [
            'bench',
            '--io-type',
            c.ioType,
            '--io-size',
            c.ioSize,
            '--io-threads',
            '16',
            '--io-total',
            c.ioTotal,
            '--io-pattern',
            c.pattern,
            image(tool),
          ]);
          if (r.code !== 0) {
            bench.record(c.label, tool, { ok: false, error: failure(r) });
            continue;
          }
          try {
            bench.record(c.label, tool, {
              ok: true,
              value: { ...parseBench(r.stdout), wallS: r.wallS },
              maxRssKb: r.maxRssKb,
            });
          } catch (err) {
            bench.record(c.label, tool, { ok: false, error: (err as Error).message.split('\n')[0]! });
          }
        }
        log(`done: ${c.label} round ${round + 1}/${rounds}`);
      }
      // Reads must find data: when our bench could not write our image, the real tool fills it.
      if (c.label === '4 MiB seq write' && 'error' in bench.summary(c.label, 'ours')) {
        notes.push('bench-ours was filled by the real rbd bench (our write unavailable)');
        await must([
          'bench',
          '--io-type',
          'write',
          '--io-size',
          '4M',
          '--io-threads',
          '16',
          '--io-total',
          imageSize,
          '--io-pattern',
          'seq',
          image('ours'),
        ]);
      }
    }
    await must(['rm', '--no-progress', image('ours')]);

    // --- flatten -----------------------------------------------------------
    await must(['snap', 'create', `${image('real')}@flat`]);
    await must(['snap', 'protect', `${image('real')}@flat`]);
    for (let round = 0; round < rounds; round++) {
      for (const tool of TOOLS) {
        const clone = `${POOL}/flat-${tool}-${round}`;
        await must(['clone', `${image('real')}@flat`, clone]);
        const r = await run(tool, ['flatten', '--no-progress', clone]);
        if (r.code !== 0) {
          timed.record('flatten', tool, { ok: false, error: failure(r) });
        } else {
          const info = JSON.parse(await must(['info', '--format', 'json', clone])) as { parent?: unknown };
          timed.record(
            'flatten',
            tool,
            info.parent === undefined
              ? { ok: true, value: r.wallS, maxRssKb: r.maxRssKb }
              : { ok: false, error: 'exit 0 but the clone still has a parent' },
          );
        }
        await must(['rm', '--no-progress', clone]);
      }
      log(`done: flatten round ${round + 1}/${rounds}`);
    }
    await must(['snap', 'unprotect', `${image('real')}@flat`]);
    await must(['snap', 'purge', '--no-progress', image('real')]);
    await must(['rm', '--no-progress', image('real')]);

    // --- import / export ---------------------------------------------------
    const file = join(tmp, 'data.bin');
    const fileMd5 = writeRandomFile(file, imageMiB * MiB);
    for (let round = 0; round < rounds; round++) {
      for (const tool of TOOLS) {
        const dest = `${POOL}/imp-${tool}`;
        const imp = await run(tool, ['import', '--no-progress', file, dest]);
        if (imp.code === 0)
          timed.record('import', tool, { ok: true, value: imp.wallS, maxRssKb: imp.maxRssKb });
        else {
          timed.record('import', tool, { ok: false, error: failure(imp) });
          await run('real', ['rm', '--no-progress', dest]);
          await must(['import', '--no-progress', file, dest]);
        }
        const exp = await run(tool, ['export', '--no-progress', dest, '-'], { hashStdout: true });
        if (exp.code !== 0) timed.record('export', tool, { ok: false, error: failure(exp) });
        else if (exp.stdoutMd5 !== fileMd5)
          timed.record('export', tool, {
            ok: false,
            error: `exit 0 but ${exp.stdoutBytes} bytes with md5 ${exp.stdoutMd5} (file: ${fileMd5})`,
          });
        else timed.record('export', tool, { ok: true, value: exp.wallS, maxRssKb: exp.maxRssKb });
        await must(['rm', '--no-progress', dest]);
      }
      log(`done: import/export round ${round + 1}/${rounds}`);
    }
  } finally {
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  // --- report --------------------------------------------------------------
  console.log(
    `rbd bench (--io-threads 16; 4 MiB cases --io-total ${bigIoTotal}, 4 KiB cases --io-total ${SMALL_IO_TOTAL}), ` +
      `${rounds} round(s) interleaved, 3 memstore OSDs, pool size ${poolSize}, image ${imageSize}`,
  );
  const benchRows: string[][] = [];
  for (const label of bench.byCase.keys()) {
    const real = bench.summary(label, 'real');
    const ours = bench.summary(label, 'ours');
    const c = label.startsWith('4 MiB') ? 4 * MiB : 4096;
    const cells = (s: typeof real): string[] =>
      'error' in s
        ? ['', '', '', '']
        : [
            mean(s.values.map((v) => v.opsPerSec)).toFixed(0),
            ((mean(s.values.map((v) => v.opsPerSec)) * c) / MiB).toFixed(1),
            mean(s.values.map((v) => v.wallS)).toFixed(1),
            rssMiB(s.rssKb),
          ];
    for (const [tool, s] of [
      ['real', real],
      ['ours', ours],
    ] as const) {
      const ratio =
        tool === 'ours' && !('error' in real) && !('error' in ours)
          ? (mean(ours.values.map((v) => v.opsPerSec)) / mean(real.values.map((v) => v.opsPerSec))).toFixed(2)
          : '';
      benchRows.push([
        label,
        tool,
        ...cells(s),
        ratio,
        'error' in s ? `${tool}: unavailable (${s.error})` : '',
      ]);
    }
  }
  console.log(
    table(
      ['case', 'tool', 'ops/s', 'MiB/s', 'wall s', 'peak RSS MiB', 'ops/s ours/real', 'note'],
      benchRows,
      2,
    ),
  );
  console.log('');
  console.log(
    `wall-clock seconds per command (${imageSize}; flatten of a clone of a fully written image), mean of ${rounds}`,
  );
  const timedRows: string[][] = [];
  for (const label of timed.byCase.keys()) {
    const real = timed.summary(label, 'real');
    const ours = timed.summary(label, 'ours');
    const secs = (s: typeof real) => ('error' in s ? '' : mean(s.values).toFixed(2));
    const rss = (s: typeof real) => ('error' in s ? '' : rssMiB(s.rssKb));
    const ratio =
      !('error' in real) && !('error' in ours) ? (mean(ours.values) / mean(real.values)).toFixed(2) : '';
    const note = [real, ours]
      .map((s, i) => ('error' in s ? `${i === 0 ? 'real' : 'ours'}: unavailable (${s.error})` : ''))
      .filter((n) => n !== '')
      .join('; ');
    timedRows.push([label, secs(real), secs(ours), ratio, rss(real), rss(ours), note]);
  }
  console.log(
    table(
      ['case', 'real s', 'ours s', 'time ours/real', 'real RSS MiB', 'ours RSS MiB', 'note'],
      timedRows,
      1,
    ),
  );
  if (!haveTime) console.log('(peak RSS of the real rbd unknown: /usr/bin/time not installed)');
  for (const n of notes) console.log(`note: ${n}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
