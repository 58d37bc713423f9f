/**
 * `rados bench <seconds> write|seq|rand` and `rados cleanup`: Ceph's
 * ObjBencher, with its object names, metadata object, per-second table and
 * summaries.
 *
 *   write: C writes in flight; as each completes, start the next (object
 *          `benchmark_data_<host>_<pid>_object<N>`, contents "I'm the N th op!"
 *          padded with 'z') until the time is up or --max-objects are written
 *          → drain → summary → write the run's metadata object
 *          → [cleanup (default): remove the objects and the metadata]
 *   seq:   read the objects a previous write left, in order, verifying contents
 *   rand:  read random ones of them until the time is up
 *   a status line every second (header every 20 lines); the summary waits for
 *   the status printer's next tick, as the real tool's thread join does
 *
 * With --format the same figures are dumped as strings (Ceph's
 * `dump_format`), streamed so that lines printed meanwhile (cleanup) land
 * where the real tool puts them.
 */
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { escapeJson, formatDoubleFixed6, formatDoubleG } from '../../common/formatter.js';
import { utimeFromMs } from '../../encoding/types.js';
import { formatUTimeLocal } from '../../osdmap/format.js';
import { ALL_NSPACES, type IoCtx } from '../../rados/io-ctx.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import { errnoOf, fail, poolOf, usageError, type CommandHandler, type ToolContext } from './context.js';
import { cppStrerror, strtollWhole } from './format.js';

const BENCH_LASTRUN_METADATA = 'benchmark_last_metadata';
const BENCH_PREFIX = 'benchmark_data';

export const OP_WRITE = 1;
export const OP_SEQ_READ = 2;
export const OP_RAND_READ = 3;

/** rados.cc `OpWriteDest`. */
export const WriteDest = { OBJ: 2, OMAP: 4, XATTR: 8 } as const;

/** `ALLOC_HINT_FLAG_SEQUENTIAL_WRITE | SEQUENTIAL_READ | APPEND_ONLY | IMMUTABLE`. */
const BENCH_ALLOC_HINT_FLAGS = 0x1 | 0x4 | 0x10 | 0x20;

const EINVAL = -22;
const ENOENT = -2;
const EIO = -5;
const MIB = 1024 * 1024;

/** Ceph's `ostream << double` with its default six significant digits. */
const g = (v: number): string => formatDoubleG(v, 6);

const nowSec = (): number => performance.now() / 1000;

/** Wall-clock time with microseconds, for --show-time and the periodic latency line. */
const wallNow = () => formatUTimeLocal(utimeFromMs(performance.timeOrigin + performance.now()));

/** gethostname into a 30-byte buffer, the last byte forced to NUL: at most 29 characters. */
function shortHost(host: string): string {
  return host.slice(0, 29);
}

export function benchObjectPrefix(host: string, pid: number): string {
  return `${BENCH_PREFIX}_${shortHost(host)}_${pid}`;
}

export function benchObjectName(host: string, pid: number, objnum: number): string {
  return `${benchObjectPrefix(host, pid)}_object${objnum}`;
}

/**
 * What a bench op carries: `op_size` bytes of 'z' with "I'm the %16dth op!"
 * (and its NUL) written over the start, cut to fit as snprintf would.
 */
export function fillBenchContents(buf: Buffer, index: number): Buffer {
  buf.fill('z');
  return stampBenchContents(buf, index);
}

/**
 * Rewrite only the "I'm the N th op!" text of contents already filled by
 * `fillBenchContents` (the padding never changes: the text has a fixed width).
 */
export function stampBenchContents(buf: Buffer, index: number): Buffer {
  if (buf.length === 0) return buf;
  const text = Buffer.from(`I'm the ${String(index).padStart(16)}th op!\0`, 'latin1');
  const n = Math.min(text.length, buf.length);
  text.copy(buf, 0, 0, n);
  buf[n - 1] = 0;
  return buf;
}

/** The run's metadata object: u64 object size, i32 object count, i32 pid, u64 op size. */
export interface BenchMetadata {
  objectSize: number;
  numObjects: number;
  pid: number;
  opSize: number;
}

export function encodeBenchMetadata(m: BenchMetadata): Buffer {
  return encode((e) => e.u64(m.objectSize).i32(m.numObjects).i32(m.pid).u64(m.opSize));
}

export function decodeBenchMetadata(buf: Buffer): BenchMetadata {
  const d = new Decoder(buf);
  const objectSize = d.u64Number();
  const numObjects = d.i32();
  const pid = d.i32();
  const opSize = d.remaining > 0 ? d.u64Number() : objectSize;
  return { objectSize, numObjects, pid, opSize };
}

/**
 * Ceph's JSONFormatter as the bencher drives it: sections stay open across
 * flushes, and each flush hands out only what was added since the last one.
 */
class JsonStream {
  private text = '';
  private readonly stack: { array: boolean; size: number }[] = [];

  constructor(private readonly pretty: boolean) {}

  private printName(name: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    if (top.size) this.text += this.pretty ? ',\n' : ',';
    else if (this.pretty) this.text += '\n';
    top.size++;
    if (this.pretty) this.text += '    '.repeat(this.stack.length);
    if (!top.array) this.text += `"${escapeJson(name)}":${this.pretty ? ' ' : ''}`;
  }

  open(name: string, array: boolean): void {
    this.printName(name);
    this.text += array ? '[' : '{';
    this.stack.push({ array, size: 0 });
  }

  close(): void {
    const top = this.stack.pop();
    if (!top) return;
    if (this.pretty && top.size) this.text += '\n' + '    '.repeat(this.stack.length);
    this.text += top.array ? ']' : '}';
    if (this.pretty && this.stack.length === 0) this.text += '\n';
  }

  /** `dump_format`: the formatted value as a JSON string. */
  dump(name: string, value: string): void {
    this.printName(name);
    this.text += `"${escapeJson(value)}"`;
  }

  flush(): string {
    const out = this.text;
    this.text = '';
    return out;
  }
}

/** `bench_interval_data`: per-second bandwidth and IOPS, with running mean and variance. */
interface IntervalData {
  minBandwidth: number;
  maxBandwidth: number;
  avgBandwidth: number;
  bandwidthCycles: number;
  bandwidthDiffSum: number;
  minIops: number;
  maxIops: number;
  avgIops: number;
  iopsCycles: number;
  iopsDiffSum: number;
}

/** `bench_data`. */
interface BenchData {
  done: boolean;
  objectSize: number;
  opSize: number;
  hints: boolean;
  inFlight: number;
  started: number;
  finished: number;
  minLatency: number;
  maxLatency: number;
  avgLatency: number;
  idata: IntervalData;
  latencyDiffSum: number;
  /** Seconds; undefined until the first op completes. */
  curLatency: number;
  startTime: number;
}

const INT_MAX = 2147483647;

function newBenchData(): BenchData {
  return {
    done: false,
    objectSize: 0,
    opSize: 0,
    hints: true,
    inFlight: 0,
    started: 0,
    finished: 0,
    minLatency: 9999.0,
    maxLatency: 0,
    avgLatency: 0,
    idata: {
      minBandwidth: Number.MAX_VALUE,
      maxBandwidth: 0,
      avgBandwidth: 0,
      bandwidthCycles: 0,
      bandwidthDiffSum: 0,
      minIops: INT_MAX,
      maxIops: 0,
      avgIops: 0,
      iopsCycles: 0,
      iopsDiffSum: 0,
    },
    latencyDiffSum: 0,
    curLatency: 0,
    startTime: 0,
  };
}

/** One in-flight op of the window. */
interface Slot {
  promise: Promise<void>;
  done: boolean;
  /** 0 or a negative errno. */
  result: number;
  startTime: number;
  /** When its completion was seen (latency end). */
  endTime: number;
  /** Read ops: what came back. */
  data?: Buffer;
}

/** `int` truncation of a double, as C does for an `int` assignment. */
const toInt = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : INT_MAX);

export interface BenchOutput {
  /** stdout. */
  out(text: string): void;
  /** stderr. */
  err(text: string): void;
  /** Where --format output goes (stdout, or the -o file). */
  formatted(text: string): void;
}

/** Ceph's ObjBencher over an IoCtx. */
export class RadosBencher {
  data = newBenchData();
  private wake: (() => void) | undefined;
  showTime = false;
  writeDestination: number = WriteDest.OBJ;

  constructor(
    private readonly ioCtx: IoCtx,
    private readonly output: BenchOutput,
    private readonly host: string,
    private readonly pid: number,
    private readonly stream: JsonStream | undefined,
  ) {}

  /** `ObjBencher::out`: the --show-time prefix. */
  private prefix(): string {
    return this.showTime ? `${wallNow()} ` : '';
  }

  private flushFormatted(): void {
    if (this.stream) this.output.formatted(this.stream.flush());
  }

  // ------------------------------------------------------------------ the op window

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private startSlot(op: () => Promise<Buffer | void>): Slot {
    const slot: Slot = {
      promise: Promise.resolve(),
      done: false,
      result: 0,
      startTime: nowSec(),
      endTime: 0,
    };
    slot.promise = op().then(
      (data) => {
        if (data) slot.data = data;
        slot.done = true;
        slot.endTime = nowSec();
        this.notify();
      },
      (err: unknown) => {
        slot.result = errnoOf(err);
        slot.done = true;
        slot.endTime = nowSec();
        this.notify();
      },
    );
    return slot;
  }

  /** The first completed slot at or after `from` (round robin), waiting for one if none is. */
  private async waitAny(slots: (Slot | undefined)[], from: number): Promise<number> {
    for (;;) {
      for (let k = 0; k < slots.length; k++) {
        const i = (from + k) % slots.length;
        if (slots[i]?.done) return i;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  // ------------------------------------------------------------------ status printer

  /** `status_printer`: a line each second until `done`; resolves at the tick that sees it. */
  private startStatusPrinter(): { stop(): Promise<void> } {
    const data = this.data;
    const stream = this.stream;
    let i = 0;
    let previousWrites = 0;
    let cycleSinceChange = 0;
    let iops = 0;
    let timer: NodeJS.Timeout | undefined;
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    if (stream) stream.open('datas', true);
    const tick = () => {
      if (data.done) {
        if (stream) stream.close();
        if (iops < 0) {
          const runtime = nowSec() - data.startTime;
          data.idata.minIops = data.idata.maxIops = toInt(data.finished / runtime);
        }
        resolveDone();
        return;
      }
      const now = nowSec();
      const wall = wallNow();
      if (i % 20 === 0 && !stream) {
        let text = '';
        if (i > 0) {
          text +=
            `${wall} min lat: ${g(data.minLatency)} max lat: ${g(data.maxLatency)} ` +
            `avg lat: ${g(data.avgLatency)}\n`;
        }
        text +=
          (this.showTime ? `${wall} ` : '') +
          'sec'.padStart(5) +
          'Cur ops'.padStart(8) +
          'started'.padStart(10) +
          'finished'.padStart(10) +
          'avg MB/s'.padStart(10) +
          'cur MB/s'.padStart(10) +
          'last lat(s)'.padStart(12) +
          'avg lat(s)'.padStart(12) +
          '\n';
        this.output.out(text);
      }
      const bandwidth = cycleSinceChange
        ? ((data.finished - previousWrites) * data.opSize) / MIB / cycleSinceChange
        : -1;
      const id = data.idata;
      if (bandwidth > -1) {
        if (bandwidth > id.maxBandwidth) id.maxBandwidth = bandwidth;
        if (bandwidth < id.minBandwidth) id.minBandwidth = bandwidth;
        id.bandwidthCycles++;
        const delta = bandwidth - id.avgBandwidth;
        id.avgBandwidth += delta / id.bandwidthCycles;
        id.bandwidthDiffSum += delta * (bandwidth - id.avgBandwidth);
      }
      iops = cycleSinceChange ? toInt((data.finished - previousWrites) / cycleSinceChange) : -1;
      if (iops > -1) {
        if (iops > id.maxIops) id.maxIops = iops;
        if (iops < id.minIops) id.minIops = iops;
        id.iopsCycles++;
        const delta = iops - id.avgIops;
        id.avgIops += delta / id.iopsCycles;
        id.iopsDiffSum += delta * (iops - id.avgIops);
      }
      if (stream) stream.open('data', false);
      const elapsed = now - data.startTime;
      const avgBandwidth = (data.opSize * data.finished) / elapsed / MIB;
      const prefix = this.showTime ? `${wall} ` : '';
      if (previousWrites !== data.finished) {
        previousWrites = data.finished;
        cycleSinceChange = 0;
        if (!stream) {
          this.output.out(
            prefix +
              `${String(i).padStart(5)} ${String(data.inFlight).padStart(7)} ` +
              `${String(data.started).padStart(9)} ${String(data.finished).padStart(9)} ` +
              `${g(avgBandwidth).padStart(9)} ${g(bandwidth).padStart(9)} ` +
              `${g(data.curLatency).padStart(11)} ${g(data.avgLatency).padStart(11)}\n`,
          );
        } else {
          this.dumpStatus(stream, i, avgBandwidth, bandwidth, data.curLatency);
        }
      } else if (!stream) {
        this.output.out(
          prefix +
            `${String(i).padStart(5)} ${String(data.inFlight).padStart(7)} ` +
            `${String(data.started).padStart(9)} ${String(data.finished).padStart(9)} ` +
            `${g(avgBandwidth).padStart(9)} ${'0'.padStart(9)} ${'-'.padStart(11)} ` +
            `${g(data.avgLatency).padStart(11)}\n`,
        );
      } else {
        this.dumpStatus(stream, i, avgBandwidth, 0, 0);
      }
      if (stream) {
        stream.close();
        this.flushFormatted();
      }
      i++;
      cycleSinceChange++;
      timer = setTimeout(tick, 1000);
    };
    // the real printer thread usually gets going after the first ops were issued
    timer = setTimeout(tick, 0);
    return {
      stop: async () => {
        data.done = true;
        await finished;
        if (timer) clearTimeout(timer);
      },
    };
  }

  private dumpStatus(s: JsonStream, i: number, avgBw: number, curBw: number, lastLat: number): void {
    const d = this.data;
    s.dump('sec', String(i));
    s.dump('cur_ops', String(d.inFlight));
    s.dump('started', String(d.started));
    s.dump('finished', String(d.finished));
    s.dump('avg_bw', formatDoubleFixed6(avgBw));
    s.dump('cur_bw', formatDoubleFixed6(curBw));
    s.dump('last_lat', formatDoubleFixed6(lastLat));
    s.dump('avg_lat', formatDoubleFixed6(d.avgLatency));
  }

  // ------------------------------------------------------------------ object I/O

  private writeOp(oid: string, contents: Buffer, offset: number): Promise<void> {
    const op = new ObjectWriteOperation();
    if (this.writeDestination & WriteDest.OBJ) {
      if (this.data.hints) op.setAllocHint(this.data.objectSize, this.data.opSize, BENCH_ALLOC_HINT_FLAGS);
      op.write(offset, contents);
    }
    if (this.writeDestination & WriteDest.OMAP) {
      op.omapSet(new Map([[`bench-omap-key-${offset}`, contents]]));
    }
    if (this.writeDestination & WriteDest.XATTR) op.setXattr(`bench-xattr-key-${offset | 0}`, contents);
    return this.ioCtx.operate(oid, op).then(() => undefined);
  }

  /** `fetch_bench_metadata`: an empty or missing metadata object is ENOENT. */
  async fetchMetadata(runNameMeta: string): Promise<BenchMetadata | number> {
    let buf: Buffer;
    try {
      buf = await this.ioCtx.read(runNameMeta, 24, 0);
    } catch (err) {
      return errnoOf(err);
    }
    if (buf.length === 0) return ENOENT;
    return decodeBenchMetadata(buf);
  }

  // ------------------------------------------------------------------ aio_bench

  async aioBench(p: {
    operation: number;
    seconds: number;
    concurrentIos: number;
    opSize: number;
    objectSize: number;
    maxObjects: number;
    cleanup: boolean;
    hints: boolean;
    runName: string;
    reuseBench: boolean;
    noVerify: boolean;
  }): Promise<number> {
    if (p.concurrentIos <= 0) return EINVAL;
    const runNameMeta = p.runName === '' ? BENCH_LASTRUN_METADATA : p.runName;
    let { opSize, objectSize } = p;
    let numObjects = 0;
    let prevPid = 0;
    if (p.operation !== OP_WRITE || p.reuseBench) {
      const meta = await this.fetchMetadata(runNameMeta);
      if (typeof meta === 'number') {
        if (meta === ENOENT) {
          this.output.err(
            p.reuseBench
              ? 'Must write data before using reuse_bench for a write benchmark!\n'
              : 'Must write data before running a read benchmark!\n',
          );
        }
        return meta;
      }
      objectSize = meta.objectSize;
      opSize = meta.opSize;
      numObjects = meta.numObjects;
      prevPid = meta.pid;
    }
    const d = this.data;
    d.done = false;
    d.hints = p.hints;
    d.objectSize = objectSize;
    d.opSize = opSize;
    if (this.stream) this.stream.open('bench', false);
    let r = 0;
    try {
      if (p.operation === OP_WRITE) {
        r = await this.writeBench(p.seconds, p.concurrentIos, runNameMeta, p.maxObjects, prevPid);
      } else if (p.operation === OP_SEQ_READ) {
        r = await this.readBench(false, p.seconds, numObjects, p.concurrentIos, prevPid, p.noVerify);
      } else if (p.operation === OP_RAND_READ) {
        r = await this.readBench(true, p.seconds, numObjects, p.concurrentIos, prevPid, p.noVerify);
      }
      if (r !== 0) return r;
      if (p.operation === OP_WRITE && p.cleanup) {
        const meta = await this.fetchMetadata(runNameMeta);
        if (typeof meta === 'number') {
          if (meta === ENOENT)
            this.output.err('Should never happen: bench metadata missing for current run!\n');
          return (r = meta);
        }
        d.startTime = nowSec();
        this.output.out(`${this.prefix()}Cleaning up (deleting benchmark objects)\n`);
        r = await this.cleanUpObjects(meta.numObjects, meta.pid, p.concurrentIos);
        if (r !== 0) return r;
        const took = nowSec() - d.startTime;
        this.output.out(`${this.prefix()}Clean up completed and total clean up time :${g(took)}\n`);
        try {
          await this.ioCtx.remove(runNameMeta);
        } catch (err) {
          return (r = errnoOf(err));
        }
      }
      return r;
    } finally {
      if (this.stream) {
        this.stream.close();
        this.output.formatted(this.stream.flush() + '\n');
      }
    }
  }

  private async writeBench(
    seconds: number,
    concurrentIos: number,
    runNameMeta: string,
    maxObjects: number,
    prevPid: number,
  ): Promise<number> {
    const d = this.data;
    const s = this.stream;
    if (!s) {
      this.output.out(
        `${this.prefix()}Maintaining ${concurrentIos} concurrent writes of ${d.opSize} bytes to objects ` +
          `of size ${d.objectSize} for up to ${seconds} seconds or ${maxObjects} objects\n`,
      );
    } else {
      s.dump('concurrent_ios', String(concurrentIos));
      s.dump('object_size', String(d.objectSize));
      s.dump('op_size', String(d.opSize));
      s.dump('seconds_to_run', String(seconds));
      s.dump('max_objects', String(maxObjects));
    }
    const pid = prevPid || this.pid;
    const prefix = benchObjectPrefix(this.host, pid);
    if (!s) this.output.out(`${this.prefix()}Object prefix: ${prefix}\n`);
    else s.dump('object_prefix', prefix);
    const writesPerObject = d.opSize ? Math.floor(d.objectSize / d.opSize) || 1 : 1;
    const name = (n: number) => benchObjectName(this.host, pid, n);
    const contents = Array.from({ length: concurrentIos }, (_, i) =>
      fillBenchContents(Buffer.alloc(d.opSize), i),
    );
    let totalLatency = 0;
    const slots: (Slot | undefined)[] = new Array<Slot | undefined>(concurrentIos);
    const printer = this.startStatusPrinter();
    d.finished = 0;
    d.startTime = nowSec();
    const complete = (slot: Slot): number => {
      if (slot.result !== 0) return slot.result;
      const latency = slot.endTime - slot.startTime;
      totalLatency += latency;
      d.curLatency = latency;
      if (latency > d.maxLatency) d.maxLatency = latency;
      if (latency < d.minLatency) d.minLatency = latency;
      d.finished++;
      const delta = latency - d.avgLatency;
      d.avgLatency = totalLatency / d.finished;
      d.latencyDiffSum += delta * (latency - d.avgLatency);
      d.inFlight--;
      return 0;
    };
    let r = 0;
    try {
      for (let i = 0; i < concurrentIos; i++) {
        const oid = name(Math.floor(i / writesPerObject));
        const offset = d.opSize * (i % writesPerObject);
        slots[i] = this.startSlot(() => this.writeOp(oid, contents[i]!, offset));
        d.started++;
        d.inFlight++;
      }
      const stopTime = d.startTime + seconds;
      let slot = 0;
      while (seconds && nowSec() < stopTime) {
        slot = await this.waitAny(slots, slot);
        const newIndex = d.started;
        const newName = name(Math.floor(newIndex / writesPerObject));
        r = complete(slots[slot]!);
        if (r !== 0) return r;
        stampBenchContents(contents[slot]!, newIndex);
        const offset = d.opSize * (newIndex % writesPerObject);
        const buf = contents[slot]!;
        slots[slot] = this.startSlot(() => this.writeOp(newName, buf, offset));
        d.started++;
        d.inFlight++;
        if (
          d.opSize &&
          maxObjects &&
          d.started >= Math.floor((d.objectSize * maxObjects + d.opSize - 1) / d.opSize)
        )
          break;
      }
      while (d.finished < d.started) {
        slot = d.finished % concurrentIos;
        await slots[slot]!.promise;
        r = complete(slots[slot]!);
        if (r !== 0) return r;
      }
    } finally {
      if (r !== 0) await printer.stop();
    }
    const timePassed = nowSec() - d.startTime;
    await printer.stop();

    const bandwidth = (d.finished * d.opSize) / timePassed / MIB;
    const id = d.idata;
    const bandwidthStddev =
      id.bandwidthCycles > 1 ? Math.sqrt(id.bandwidthDiffSum / (id.bandwidthCycles - 1)) : 0;
    const iopsStddev = id.iopsCycles > 1 ? Math.sqrt(id.iopsDiffSum / (id.iopsCycles - 1)) : 0;
    const latencyStddev = d.finished > 1 ? Math.sqrt(d.latencyDiffSum / (d.finished - 1)) : 0;
    const avgIops = toInt(d.finished / timePassed);
    if (!s) {
      this.output.out(
        `${this.prefix()}Total time run:         ${g(timePassed)}\n` +
          `Total writes made:      ${d.finished}\n` +
          `Write size:             ${d.opSize}\n` +
          `Object size:            ${d.objectSize}\n` +
          `Bandwidth (MB/sec):     ${g(bandwidth)}\n` +
          `Stddev Bandwidth:       ${g(bandwidthStddev)}\n` +
          `Max bandwidth (MB/sec): ${g(id.maxBandwidth)}\n` +
          `Min bandwidth (MB/sec): ${g(id.minBandwidth)}\n` +
          `Average IOPS:           ${avgIops}\n` +
          `Stddev IOPS:            ${g(iopsStddev)}\n` +
          `Max IOPS:               ${id.maxIops}\n` +
          `Min IOPS:               ${id.minIops}\n` +
          `Average Latency(s):     ${g(d.avgLatency)}\n` +
          `Stddev Latency(s):      ${g(latencyStddev)}\n` +
          `Max latency(s):         ${g(d.maxLatency)}\n` +
          `Min latency(s):         ${g(d.minLatency)}\n`,
      );
    } else {
      s.dump('total_time_run', formatDoubleFixed6(timePassed));
      s.dump('total_writes_made', String(d.finished));
      s.dump('write_size', String(d.opSize));
      s.dump('object_size', String(d.objectSize));
      s.dump('bandwidth', formatDoubleFixed6(bandwidth));
      s.dump('stddev_bandwidth', formatDoubleFixed6(bandwidthStddev));
      s.dump('max_bandwidth', formatDoubleFixed6(id.maxBandwidth));
      s.dump('min_bandwidth', formatDoubleFixed6(id.minBandwidth));
      s.dump('average_iops', String(avgIops));
      // Ceph passes a double to "%d" here (undefined output); tsceph prints its integer part
      s.dump('stddev_iops', String(toInt(iopsStddev)));
      s.dump('max_iops', String(id.maxIops));
      s.dump('min_iops', String(id.minIops));
      s.dump('average_latency', formatDoubleFixed6(d.avgLatency));
      s.dump('stddev_latency', formatDoubleFixed6(latencyStddev));
      s.dump('max_latency', formatDoubleFixed6(d.maxLatency));
      s.dump('min_latency', formatDoubleFixed6(d.minLatency));
    }
    const numObjects = Math.floor((d.finished + writesPerObject - 1) / writesPerObject);
    const meta = encodeBenchMetadata({ objectSize: d.objectSize, numObjects, pid, opSize: d.opSize });
    // the real tool ignores a failure here, and so do we
    await this.ioCtx.writeFull(runNameMeta, meta).catch(() => undefined);
    return 0;
  }

  /** `seq_read_bench` (random = false) and `rand_read_bench`. */
  private async readBench(
    random: boolean,
    seconds: number,
    numObjects: number,
    concurrentIos: number,
    pid: number,
    noVerify: boolean,
  ): Promise<number> {
    if (concurrentIos <= 0) return EINVAL;
    const d = this.data;
    const s = this.stream;
    const readsPerObject = d.opSize ? Math.floor(d.objectSize / d.opSize) || 1 : 1;
    const name = (n: number) => benchObjectName(this.host, pid, n);
    const expected = fillBenchContents(Buffer.alloc(d.opSize), 0);
    const index = new Array<number>(concurrentIos).fill(0);
    const names = new Array<string>(concurrentIos).fill('');
    const slots: (Slot | undefined)[] = new Array<Slot | undefined>(concurrentIos);
    let errors = 0;
    let totalLatency = 0;
    const verify = (slot: number) => {
      if (noVerify) return;
      stampBenchContents(expected, index[slot]!);
      const got = slots[slot]!.data ?? Buffer.alloc(0);
      if (got.length !== d.opSize || !got.equals(expected)) {
        this.output.err(`${names[slot]} is not correct!\n`);
        errors++;
      }
    };
    const read = (oid: string, offset: number) => () => this.ioCtx.read(oid, d.opSize, offset);
    d.finished = 0;
    d.startTime = nowSec();
    const printer = this.startStatusPrinter();
    const finishTime = d.startTime + seconds;
    const account = (slot: Slot): number => {
      if (slot.result < 0) {
        this.output.err(`read got ${slot.result}\n`);
        return slot.result;
      }
      const latency = slot.endTime - slot.startTime;
      d.curLatency = latency;
      totalLatency += latency;
      if (latency > d.maxLatency) d.maxLatency = latency;
      if (latency < d.minLatency) d.minLatency = latency;
      d.finished++;
      d.avgLatency = totalLatency / d.finished;
      d.inFlight--;
      return 0;
    };
    let r = 0;
    try {
      for (let i = 0; i < concurrentIos; i++) {
        index[i] = i;
        names[i] = name(Math.floor(i / readsPerObject));
        slots[i] = this.startSlot(read(names[i]!, d.opSize * (i % readsPerObject)));
        d.started++;
        d.inFlight++;
      }
      let slot = 0;
      while (seconds && nowSec() < finishTime && (random || numObjects > d.started)) {
        slot = await this.waitAny(slots, slot);
        if (!random) verify(slot);
        const next = random ? Math.floor(Math.random() * 2147483648) % Math.max(numObjects, 1) : d.started;
        r = account(slots[slot]!);
        if (r !== 0) return r;
        if (random) verify(slot);
        index[slot] = next;
        names[slot] = name(Math.floor(next / readsPerObject));
        slots[slot] = this.startSlot(read(names[slot]!, d.opSize * (next % readsPerObject)));
        d.started++;
        d.inFlight++;
      }
      while (d.finished < d.started) {
        slot = d.finished % concurrentIos;
        await slots[slot]!.promise;
        r = account(slots[slot]!);
        if (r !== 0) return r;
        verify(slot);
      }
    } finally {
      if (r !== 0) await printer.stop();
    }
    const timePassed = nowSec() - d.startTime;
    await printer.stop();
    const bandwidth = (d.finished * d.opSize) / timePassed / MIB;
    const id = d.idata;
    const iopsStddev = id.iopsCycles > 1 ? Math.sqrt(id.iopsDiffSum / (id.iopsCycles - 1)) : 0;
    const avgIops = toInt(d.finished / timePassed);
    if (!s) {
      this.output.out(
        `${this.prefix()}Total time run:       ${g(timePassed)}\n` +
          `Total reads made:     ${d.finished}\n` +
          `Read size:            ${d.opSize}\n` +
          `Object size:          ${d.objectSize}\n` +
          `Bandwidth (MB/sec):   ${g(bandwidth)}\n` +
          `Average IOPS:         ${avgIops}\n` +
          `Stddev IOPS:          ${g(iopsStddev)}\n` +
          `Max IOPS:             ${id.maxIops}\n` +
          `Min IOPS:             ${id.minIops}\n` +
          `Average Latency(s):   ${g(d.avgLatency)}\n` +
          `Max latency(s):       ${g(d.maxLatency)}\n` +
          `Min latency(s):       ${g(d.minLatency)}\n`,
      );
    } else {
      s.dump('total_time_run', formatDoubleFixed6(timePassed));
      s.dump('total_reads_made', String(d.finished));
      s.dump('read_size', String(d.opSize));
      s.dump('object_size', String(d.objectSize));
      s.dump('bandwidth', formatDoubleFixed6(bandwidth));
      s.dump('average_iops', String(avgIops));
      s.dump('stddev_iops', formatDoubleFixed6(iopsStddev));
      s.dump('max_iops', String(id.maxIops));
      s.dump('min_iops', String(id.minIops));
      s.dump('average_latency', formatDoubleFixed6(d.avgLatency));
      s.dump('max_latency', formatDoubleFixed6(d.maxLatency));
      s.dump('min_latency', formatDoubleFixed6(d.minLatency));
    }
    return errors > 0 ? EIO : 0;
  }

  // ------------------------------------------------------------------ cleanup

  /** Remove `names` (object, namespace) with up to `concurrentIos` in flight; ENOENT is fine. */
  private async removeAll(
    objects: readonly { oid: string; nspace: string }[],
    concurrentIos: number,
  ): Promise<number> {
    const ctxByNs = new Map<string, IoCtx>();
    const ioFor = (ns: string) => {
      let c = ctxByNs.get(ns);
      if (!c) {
        c = this.ioCtx.dup();
        c.setNamespace(ns);
        ctxByNs.set(ns, c);
      }
      return c;
    };
    let next = 0;
    let removed = 0;
    let failure = 0;
    const worker = async () => {
      while (next < objects.length && failure === 0) {
        const o = objects[next++]!;
        try {
          await ioFor(o.nspace).remove(o.oid);
        } catch (err) {
          const e = errnoOf(err);
          if (e !== ENOENT) {
            this.output.err(`remove got ${e}\n`);
            failure = e;
            return;
          }
        }
        removed++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrentIos, objects.length)) }, worker));
    this.data.finished = removed;
    return failure;
  }

  /** `clean_up(num_objects, prevPid, concurrentios)`: the objects of one run, by name. */
  async cleanUpObjects(numObjects: number, prevPid: number, concurrentIos: number): Promise<number> {
    if (concurrentIos <= 0) return EINVAL;
    if (numObjects === 0) return 0;
    const ns = this.ioCtx.namespace;
    const objects = Array.from({ length: numObjects }, (_, i) => ({
      oid: benchObjectName(this.host, prevPid, i),
      nspace: ns,
    }));
    const r = await this.removeAll(objects, concurrentIos);
    if (r !== 0) return r;
    const n = this.data.finished;
    this.output.out(`${this.prefix()}Removed ${n} object${n !== 1 ? 's' : ''}\n`);
    return 0;
  }

  /** Every object of the IoCtx's namespace (or all, with ALL_NSPACES) whose name starts with `prefix`. */
  private async matching(prefix: string): Promise<{ oid: string; nspace: string }[]> {
    const out: { oid: string; nspace: string }[] = [];
    for await (const o of this.ioCtx.listObjects()) {
      if (o.oid.startsWith(prefix)) out.push({ oid: o.oid, nspace: o.nspace });
    }
    return out;
  }

  /** `clean_up_slow`: find the objects by listing. */
  async cleanUpSlow(prefix: string, concurrentIos: number): Promise<number> {
    if (concurrentIos <= 0) return EINVAL;
    this.output.out(`${this.prefix()}Warning: using slow linear search\n`);
    const objects = await this.matching(prefix);
    const r = await this.removeAll(objects, concurrentIos);
    if (r !== 0) return EIO;
    const n = this.data.finished;
    this.output.out(`${this.prefix()}Removed ${n} object${n !== 1 ? 's' : ''}\n`);
    return 0;
  }

  /** `clean_up(prefix, concurrentios, run_name)`: the `cleanup` command. */
  async cleanUp(origPrefix: string, concurrentIos: number, runName: string): Promise<number> {
    const runNameMeta = runName === '' ? BENCH_LASTRUN_METADATA : runName;
    const prefix = origPrefix === '' ? `${BENCH_PREFIX}_${shortHost(this.host)}` : origPrefix;
    if (!prefix.startsWith(BENCH_PREFIX)) {
      this.output.err(`Specified --prefix invalid, it must begin with "${BENCH_PREFIX}"\n`);
      return EINVAL;
    }
    const metaNamespaces = new Set<string>();
    const allNamespaces = new Set<string>();
    for await (const o of this.ioCtx.listObjects()) {
      if (o.oid === runNameMeta) metaNamespaces.add(o.nspace);
      if (o.oid.startsWith(prefix)) allNamespaces.add(o.nspace);
    }
    const sorted = [...allNamespaces].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const ns of sorted) {
      const scoped = new RadosBencher(this.scopedIoCtx(ns), this.output, this.host, this.pid, undefined);
      scoped.showTime = this.showTime;
      if (!metaNamespaces.has(ns)) {
        // listing again under the one namespace, as the real tool's fresh iterator does
        const r = await scoped.cleanUpSlow(prefix, concurrentIos);
        if (r < 0) {
          this.output.err(`clean_up_slow error r= ${r}\n`);
          return r;
        }
        continue;
      }
      const meta = await scoped.fetchMetadata(runNameMeta);
      if (typeof meta === 'number') return meta;
      const r = await scoped.cleanUpObjects(meta.numObjects, meta.pid, concurrentIos);
      if (r !== 0) return r;
      try {
        await scoped.ioCtx.remove(runNameMeta);
      } catch (err) {
        return errnoOf(err);
      }
    }
    return 0;
  }

  private scopedIoCtx(ns: string): IoCtx {
    const c = this.ioCtx.dup();
    c.setNamespace(ns);
    return c;
  }
}

function benchOutput(ctx: ToolContext, outFile: string | undefined): BenchOutput {
  const { io } = ctx;
  return {
    out: (t) => io.stdout(t),
    err: (t) => io.stderr(t),
    formatted: (t) => {
      if (outFile === undefined) io.stdout(t);
      else writeFileSync(outFile, t, { flag: 'a' });
    },
  };
}

/** `purge`'s removal of every object (`clean_up_slow` with an empty prefix). */
export async function cleanUpSlow(
  ctx: ToolContext,
  ioCtx: IoCtx,
  prefix: string,
  concurrentIos: number,
  _opts: { fullTry?: boolean } = {},
): Promise<number> {
  const bencher = new RadosBencher(
    ioCtx,
    benchOutput(ctx, undefined),
    ctx.io.hostname(),
    ctx.io.pid(),
    undefined,
  );
  return bencher.cleanUpSlow(prefix, concurrentIos);
}

const bench: CommandHandler = async (ctx, nargs) => {
  const { io, settings } = ctx;
  if (ctx.poolName === undefined || nargs.length < 3) return usageError(io);
  const { ioCtx } = poolOf(ctx);
  const secondsParsed = strtollWhole(nargs[1]!);
  if (secondsParsed === undefined) return fail(io, `Invalid value for seconds: '${nargs[1]}'`);
  const seconds = Number(BigInt.asIntN(32, secondsParsed));
  const operation =
    nargs[2] === 'write'
      ? OP_WRITE
      : nargs[2] === 'seq'
        ? OP_SEQ_READ
        : nargs[2] === 'rand'
          ? OP_RAND_READ
          : 0;
  if (!operation) return usageError(io);
  let writeDest = settings.benchWriteDest;
  if (operation !== OP_WRITE) {
    if (settings.blockSizeSpecified) {
      return fail(io, "-b|--block_size option can be used only with 'write' bench test");
    }
    if (writeDest !== 0) {
      return fail(
        io,
        "--write-object, --write-omap and --write-xattr options can only be used with the 'write' bench test",
      );
    }
  } else if (writeDest === 0) {
    writeDest = WriteDest.OBJ;
  }
  if (!ctx.formatter && ctx.output !== undefined) {
    return fail(io, "-o|--output option can only be used with '--format' option");
  }
  let stream: JsonStream | undefined;
  if (ctx.formatter) {
    // Ceph streams JSON as it goes; XML output is rendered as JSON's structure would be (not yet supported)
    stream = new JsonStream(ctx.formatter.pretty);
    if (ctx.output !== undefined) writeFileSync(ctx.output, '');
  }
  const bencher = new RadosBencher(ioCtx, benchOutput(ctx, ctx.output), io.hostname(), io.pid(), stream);
  bencher.showTime = settings.showTime;
  bencher.writeDestination = writeDest;
  let opSize = settings.opSize;
  let objectSize = settings.objectSize;
  if (!objectSize) objectSize = opSize;
  else if (objectSize < opSize) opSize = objectSize;
  io.stdout(`hints = ${settings.hints ? 1 : 0}\n`);
  const ret = await bencher.aioBench({
    operation,
    seconds,
    concurrentIos: settings.concurrentIos,
    opSize,
    objectSize,
    maxObjects: settings.maxObjects,
    cleanup: settings.cleanup,
    hints: settings.hints,
    runName: settings.runName,
    reuseBench: settings.reuseBench,
    noVerify: settings.noVerify,
  });
  if (ret !== 0) io.stderr(`error during benchmark: ${cppStrerror(ret)}\n`);
  return ret;
};

const cleanup: CommandHandler = async (ctx) => {
  if (ctx.poolName === undefined) return usageError(ctx.io);
  const { ioCtx } = poolOf(ctx);
  if (ctx.wildcard) ioCtx.setNamespace(ALL_NSPACES);
  const bencher = new RadosBencher(
    ioCtx,
    benchOutput(ctx, undefined),
    ctx.io.hostname(),
    ctx.io.pid(),
    undefined,
  );
  bencher.showTime = ctx.settings.showTime;
  const ret = await bencher.cleanUp(ctx.settings.prefix, ctx.settings.concurrentIos, ctx.settings.runName);
  if (ret !== 0) ctx.io.stderr(`error during cleanup: ${cppStrerror(ret)}\n`);
  return ret;
};

export const benchCommands: Record<string, CommandHandler> = { bench, cleanup };
