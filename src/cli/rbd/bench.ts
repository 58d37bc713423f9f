/**
 * `rbd bench`: keep --io-threads reads and/or writes of --io-size in flight
 * until --io-total bytes, sequential or random, printing a line per second
 * (rolling 5 s rates) and a summary.
 */
import { randomInt } from 'node:crypto';
import { OsdOpFlag } from '../../msg/messages/osd-op-codes.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image } from './librbd-api.js';
import { u32Value, u64Value, type OptionsDescription, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

export type IoType = 'read' | 'write' | 'readwrite';
export type IoPattern = 'rand' | 'seq' | 'full-seq';

export interface BenchSettings {
  ioType: IoType;
  ioSize: number;
  ioThreads: number;
  ioBytes: number;
  pattern: IoPattern;
  readProportion: number;
}

/** "bench  type write io_size 4096 io_threads 16 bytes 1073741824 pattern sequential". */
export function benchHeader(s: BenchSettings): string {
  const mix = s.ioType === 'readwrite' ? ` read:write=${s.readProportion}:${100 - s.readProportion}` : '';
  const pattern = s.pattern === 'rand' ? 'random' : s.pattern === 'seq' ? 'sequential' : 'full sequential';
  return `bench  type ${s.ioType}${mix} io_size ${s.ioSize} io_threads ${s.ioThreads} bytes ${s.ioBytes} pattern ${pattern}\n`;
}

export const BENCH_COLUMNS = '  SEC       OPS   OPS/SEC   BYTES/SEC\n';

/** A per-second line: "%5d%10d%10g%10s/s" the way the C++ stream widths print it. */
export function benchSecondLine(
  seconds: number,
  ops: number,
  opsPerSec: number,
  bytesPerSec: number,
): string {
  return (
    String(Math.trunc(seconds)).padStart(5) +
    String(ops).padStart(10) +
    utils.cppDouble(opsPerSec).padStart(10) +
    utils.formatByteU(Math.trunc(bytesPerSec)).padStart(10) +
    '/s\n'
  );
}

/** The closing "elapsed: … ops: … ops/sec: … bytes/sec: …" lines. */
export function benchSummary(
  elapsedSec: number,
  ios: number,
  bytes: number,
  readOps: number,
  writeOps: number,
  s: BenchSettings,
): string {
  const rate = (n: number) => utils.cppDouble(n / elapsedSec);
  const bps = (n: number) => `${utils.formatByteU(Math.trunc(n / elapsedSec))}/s`;
  let out = `elapsed: ${Math.trunc(elapsedSec)}   ops: ${ios}   ops/sec: ${rate(ios)}   bytes/sec: ${bps(bytes)}\n`;
  if (s.ioType === 'readwrite') {
    out += `read_ops: ${readOps}   read_ops/sec: ${rate(readOps)}   read_bytes/sec: ${bps(readOps * s.ioSize)}\n`;
    out += `write_ops: ${writeOps}   write_ops/sec: ${rate(writeOps)}   write_bytes/sec: ${bps(writeOps * s.ioSize)}\n`;
  }
  return out;
}

/** Where each worker's next I/O goes (Pacific's thread offsets). */
class Offsets {
  private readonly offsets: number[] = [];
  private readonly chunk: number;

  constructor(
    private readonly size: number,
    private readonly s: BenchSettings,
  ) {
    this.chunk = Math.floor(size / s.ioSize / s.ioThreads) * s.ioSize;
    for (let i = 0; i < s.ioThreads; i++) {
      this.offsets.push(
        s.pattern === 'rand' ? this.random() : s.pattern === 'seq' ? this.chunk * i : i * s.ioSize,
      );
    }
  }

  private random(): number {
    return randomInt(Math.floor(this.size / this.s.ioSize)) * this.s.ioSize;
  }

  at(i: number): number {
    return this.offsets[i]!;
  }

  /** After a round of I/O, `off` bytes issued in total. */
  advance(off: number): void {
    const { s, size } = this;
    for (let i = 0; i < s.ioThreads; i++) {
      if (s.pattern === 'rand') this.offsets[i] = this.random();
      else if (s.pattern === 'seq') {
        this.offsets[i] = off < this.chunk * s.ioThreads ? this.offsets[i]! + s.ioSize : off + i * s.ioSize;
        if (this.offsets[i]! + s.ioSize > size) this.offsets[i] = this.chunk * i;
      } else {
        this.offsets[i] = this.offsets[i]! + s.ioSize * s.ioThreads;
        if (this.offsets[i]! >= size) this.offsets[i] = i * s.ioSize;
      }
    }
  }
}

/** `do_bench`: run the I/O and print as it goes. Returns 0 or a negative errno. */
export async function doBench(ctx: RbdContext, image: Image, s: BenchSettings): Promise<number> {
  const size = await image.getSize();
  if (s.ioSize > size) {
    ctx.io.stderr(
      `rbd: io-size ${utils.formatByteU(s.ioSize)} larger than image size ${utils.formatByteU(size)}\n`,
    );
    return -utils.EINVAL;
  }
  if (s.ioSize > 0xffffffff) {
    ctx.io.stderr('rbd: io-size should be less than 4G\n');
    return -utils.EINVAL;
  }
  const flushed = await utils.call(() => image.flush());
  if (flushed.r < 0 && (flushed.r !== -30 || s.ioType !== 'read')) {
    ctx.io.stderr(`rbd: failed to flush: ${utils.cppStrerror(flushed.r)}\n`);
    return flushed.r;
  }
  const pattern = Buffer.alloc(s.ioSize, randomInt(256));
  await ctx.io.stdout(benchHeader(s));
  const start = ctx.io.monotonicMs();
  let last = 0;
  let ios = 0;
  let readOps = 0;
  let writeOps = 0;
  const window: { time: number; ios: number; bytes: number }[] = [];
  let curIos = 0;
  let curBytes = 0;
  const offsets = new Offsets(size, s);
  await ctx.io.stdout(BENCH_COLUMNS);
  // Like Bench.cc: a random pattern hints FADVISE_RANDOM on every IO, the others FADVISE_SEQUENTIAL.
  const opFlags = s.pattern === 'rand' ? OsdOpFlag.FADVISE_RANDOM : OsdOpFlag.FADVISE_SEQUENTIAL;
  const inFlight = new Set<Promise<void>>();
  let failure: { type: IoType; r: number } | undefined;
  let off = 0;
  while (off < s.ioBytes && !failure) {
    for (let i = 0; i < s.ioThreads && off < s.ioBytes; i++) {
      while (inFlight.size > s.ioThreads - 1) await Promise.race(inFlight);
      const read = randomInt(100) < s.readProportion;
      const at = offsets.at(i);
      const op: Promise<void> = (
        read ? image.read(at, s.ioSize, opFlags).then(() => undefined) : image.write(at, pattern, opFlags)
      ).catch((err: unknown) => {
        failure ??= { type: read ? 'read' : 'write', r: utils.errnoOf(err) };
      });
      const tracked: Promise<void> = op.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      ios++;
      off += s.ioSize;
      curIos++;
      curBytes += s.ioSize;
      if (read) readOps++;
      else writeOps++;
    }
    offsets.advance(off);
    const elapsed = (ctx.io.monotonicMs() - start) / 1000;
    if (last === 0) last = elapsed;
    else if (Math.trunc(elapsed) !== Math.trunc(last)) {
      window.push({ time: elapsed - last, ios: curIos, bytes: curBytes });
      if (window.length > 5) window.shift();
      curIos = 0;
      curBytes = 0;
      const time = window.reduce((a, w) => a + w.time, 0);
      const wIos = window.reduce((a, w) => a + w.ios, 0);
      const wBytes = window.reduce((a, w) => a + w.bytes, 0);
      await ctx.io.stdout(benchSecondLine(elapsed, ios - s.ioThreads, wIos / time, wBytes / time));
      last = elapsed;
    }
  }
  await Promise.all(inFlight);
  if (failure) {
    await ctx.io.stdout(`${failure.type} error: ${utils.cppStrerror(failure.r)}\n`);
    return failure.r;
  }
  if (s.ioType !== 'read') {
    const r = await utils.call(() => image.flush());
    if (r.r < 0) ctx.io.stderr(`rbd: failed to flush at the end: ${utils.cppStrerror(r.r)}\n`);
  }
  const elapsed = (ctx.io.monotonicMs() - start) / 1000;
  await ctx.io.stdout(benchSummary(elapsed, ios, off, readOps, writeOps, s));
  return 0;
}

function benchArguments(pos: OptionsDescription, opt: OptionsDescription, withType: boolean): void {
  at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
  opt
    .add('io-size', at.iecSizeValue(), 'IO size (in B/K/M/G/T) [default: 4K]')
    .add('io-threads', u32Value(), 'ios in flight [default: 16]')
    .add('io-total', at.iecSizeValue(), 'total size for IO (in B/K/M/G/T) [default: 1G]')
    .add(
      'io-pattern',
      at.choiceValue<IoPattern>({ rand: 'rand', seq: 'seq', 'full-seq': 'full-seq' }),
      'IO pattern (rand, seq, or full-seq) [default: seq]',
    )
    .add('rw-mix-read', u64Value(), 'read proportion in readwrite (<= 100) [default: 50]');
  if (withType) {
    opt.add(
      'io-type',
      at
        .choiceValue<IoType>({ read: 'read', write: 'write', readwrite: 'readwrite', rw: 'readwrite' })
        .required(),
      'IO type (read, write, or readwrite(rw))',
    );
  }
}

async function benchExecute(vm: VariablesMap, ctx: RbdContext, ioType: IoType): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: ioType === 'read' ? utils.SnapshotPresence.PERMITTED : utils.SnapshotPresence.NONE,
    },
  );
  const ioSize = vm.opt<number>('io-size') ?? 4096;
  if (ioSize === 0) utils.fail(ctx.io, 'rbd: --io-size should be greater than zero.');
  const ioThreads = vm.opt<number>('io-threads') ?? 16;
  if (ioThreads === 0) utils.fail(ctx.io, 'rbd: --io-threads should be greater than zero.');
  const ioBytes = vm.opt<number>('io-total') ?? 1 << 30;
  const pattern = vm.opt<IoPattern>('io-pattern') ?? 'seq';
  let readProportion = ioType === 'read' ? 100 : 0;
  if (ioType === 'readwrite') {
    readProportion = vm.opt<number>('rw-mix-read') ?? 50;
    if (readProportion > 100) utils.fail(ctx.io, 'rbd: --rw-mix-read should not be larger than 100.');
  }
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', spec.snap, false),
    async (s) => {
      const r = await doBench(ctx, s.image, { ioType, ioSize, ioThreads, ioBytes, pattern, readProportion });
      if (r < 0) ctx.io.stderr(`bench failed: ${utils.cppStrerror(r)}\n`);
      return r;
    },
  );
}

export const benchActions: Action[] = [
  {
    spec: ['bench-write'],
    description: 'Simple write benchmark. (Deprecated, please use `rbd bench --io-type write` instead.)',
    visible: false,
    getArguments: (pos, opt) => benchArguments(pos, opt, false),
    execute: (vm, ctx) => {
      ctx.io.stderr('rbd: bench-write is deprecated, use rbd bench --io-type write ...\n');
      return benchExecute(vm, ctx, 'write');
    },
  },
  {
    spec: ['bench'],
    description: 'Simple benchmark.',
    getArguments: (pos, opt) => benchArguments(pos, opt, true),
    execute: (vm, ctx) => {
      const ioType = vm.opt<IoType>('io-type');
      if (ioType === undefined) utils.fail(ctx.io, 'rbd: --io-type must be specified.');
      return benchExecute(vm, ctx, ioType);
    },
  },
];
