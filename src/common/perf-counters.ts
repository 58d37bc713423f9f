/**
 * Performance counters (common/perf_counters.h) with the exact `perf dump` and
 * `perf schema` output of Pacific, which monitoring tools (ceph-mgr's
 * prometheus module, collectd, `ceph daemonperf`) parse:
 *
 *   u64 counter   "op_w": 12                                     type 10 (U64|COUNTER)
 *   u64 gauge     "op_active": 3                                 type 2
 *   u64 average   "oplen_avg": {"avgcount": 2, "sum": 9}          type 6 (U64|LONGRUNAVG)
 *   time          "run_time": 1.500000000                        type 1 (TIME)
 *   time average  "op_latency": {"avgcount": 4, "sum": 0.020000000, "avgtime": 0.005000000}   type 5
 *
 * Loggers are listed by name in byte order; counters in the order they were
 * added. `perf reset` zeroes everything except plain u64 gauges, as Ceph does.
 * Time values are kept as integer nanoseconds (bigint) so long-running sums stay
 * exact; they print as seconds with nine decimals.
 */
import { assert } from './errors.js';
import type { Formatter } from './formatter.js';

/** `perfcounter_type_d` bits. */
export const PerfCounterType = {
  NONE: 0,
  TIME: 0x1,
  U64: 0x2,
  LONGRUNAVG: 0x4,
  COUNTER: 0x8,
  HISTOGRAM: 0x10,
} as const;
export type PerfCounterType = (typeof PerfCounterType)[keyof typeof PerfCounterType];

/** `PerfCountersBuilder::PRIO_*`: how interesting a counter is to dashboards. */
export const PerfCounterPriority = {
  CRITICAL: 10,
  INTERESTING: 8,
  USEFUL: 5,
  UNINTERESTING: 2,
  DEBUGONLY: 0,
} as const;

/** `unit_t`. */
export const PerfCounterUnit = {
  NONE: 0,
  BYTES: 1,
} as const;
export type PerfCounterUnit = (typeof PerfCounterUnit)[keyof typeof PerfCounterUnit];

interface CounterData {
  name: string;
  type: number;
  description: string;
  nick: string;
  prio: number;
  unit: PerfCounterUnit;
  /** u64 value, or the sum of an average. */
  u64: number;
  /** Time value or sum, in nanoseconds. */
  ns: bigint;
  avgcount: number;
}

export interface CounterDescription {
  description?: string;
  /** Short name `ceph daemonperf` shows as a column header. */
  nick?: string;
  prio?: number;
  unit?: PerfCounterUnit;
}

/**
 * Declares the counters of one logger. The counter names become the type
 * parameter, so `counters.inc('op_w')` is checked at compile time.
 */
export class PerfCountersBuilder<Names extends string = never> {
  private readonly data: CounterData[] = [];
  private prioDefault = 0;

  constructor(readonly name: string) {}

  /** Priority for counters added without one (`set_prio_default`). */
  setPrioDefault(prio: number): this {
    this.prioDefault = prio;
    return this;
  }

  addU64Counter<N extends string>(name: N, d: CounterDescription = {}): PerfCountersBuilder<Names | N> {
    return this.add(name, PerfCounterType.U64 | PerfCounterType.COUNTER, d);
  }

  addU64<N extends string>(name: N, d: CounterDescription = {}): PerfCountersBuilder<Names | N> {
    return this.add(name, PerfCounterType.U64, d);
  }

  addU64Avg<N extends string>(name: N, d: CounterDescription = {}): PerfCountersBuilder<Names | N> {
    return this.add(name, PerfCounterType.U64 | PerfCounterType.LONGRUNAVG, d);
  }

  addTime<N extends string>(name: N, d: CounterDescription = {}): PerfCountersBuilder<Names | N> {
    return this.add(name, PerfCounterType.TIME, d);
  }

  addTimeAvg<N extends string>(name: N, d: CounterDescription = {}): PerfCountersBuilder<Names | N> {
    return this.add(name, PerfCounterType.TIME | PerfCounterType.LONGRUNAVG, d);
  }

  build(): PerfCounters<Names> {
    return new PerfCounters<Names>(this.name, this.data);
  }

  private add<N extends string>(
    name: N,
    type: number,
    d: CounterDescription,
  ): PerfCountersBuilder<Names | N> {
    assert(!this.data.some((c) => c.name === name), `perf counter ${this.name}.${name} added twice`);
    this.data.push({
      name,
      type,
      description: d.description ?? '',
      nick: d.nick ?? '',
      prio: d.prio ?? this.prioDefault,
      unit: d.unit ?? PerfCounterUnit.NONE,
      u64: 0,
      ns: 0n,
      avgcount: 0,
    });
    return this as unknown as PerfCountersBuilder<Names | N>;
  }
}

/** The counters of one logger (e.g. "objecter", "librbd-<id>-<pool>-<image>"). */
export class PerfCounters<Names extends string = string> {
  private readonly byName = new Map<string, CounterData>();
  /** Set by the collection: counting stops while the `perf` option is false. */
  enabled = true;

  constructor(
    public name: string,
    private readonly data: readonly CounterData[],
  ) {
    for (const c of data) this.byName.set(c.name, c);
  }

  /** Add to a u64 counter or gauge; averages also count one sample. */
  inc(name: Names, amount = 1): void {
    const c = this.counter(name, PerfCounterType.U64);
    if (!this.enabled) return;
    c.u64 += amount;
    if (c.type & PerfCounterType.LONGRUNAVG) c.avgcount++;
  }

  /** Subtract from a u64 gauge (not allowed on averages). */
  dec(name: Names, amount = 1): void {
    const c = this.counter(name, PerfCounterType.U64);
    assert(!(c.type & PerfCounterType.LONGRUNAVG), `perf counter ${this.name}.${name}: dec on an average`);
    if (!this.enabled) return;
    c.u64 -= amount;
  }

  /** Set a u64 gauge (on an average: add one sample of this value as the new sum, as Ceph does). */
  set(name: Names, value: number): void {
    const c = this.counter(name, PerfCounterType.U64);
    if (!this.enabled) return;
    c.u64 = value;
    if (c.type & PerfCounterType.LONGRUNAVG) c.avgcount++;
  }

  get(name: Names): number {
    return this.counter(name, PerfCounterType.U64).u64;
  }

  /** Add a duration in milliseconds to a time counter (one sample for a time average). */
  tinc(name: Names, durationMs: number): void {
    this.tincNs(name, BigInt(Math.round(durationMs * 1e6)));
  }

  /** Add a duration in nanoseconds to a time counter. */
  tincNs(name: Names, durationNs: bigint): void {
    const c = this.counter(name, PerfCounterType.TIME);
    if (!this.enabled) return;
    c.ns += durationNs;
    if (c.type & PerfCounterType.LONGRUNAVG) c.avgcount++;
  }

  /** Set a time gauge, in milliseconds. */
  tset(name: Names, valueMs: number): void {
    const c = this.counter(name, PerfCounterType.TIME);
    assert(!(c.type & PerfCounterType.LONGRUNAVG), `perf counter ${this.name}.${name}: tset on an average`);
    if (!this.enabled) return;
    c.ns = BigInt(Math.round(valueMs * 1e6));
  }

  /** A time value in milliseconds. */
  tget(name: Names): number {
    return Number(this.counter(name, PerfCounterType.TIME).ns) / 1e6;
  }

  /** Sample count and sum of an average (sum in ns for time averages). */
  getAvg(name: Names): { avgcount: number; sum: number | bigint } {
    const c = this.counter(name, 0);
    assert(c.type & PerfCounterType.LONGRUNAVG, `perf counter ${this.name}.${name} is not an average`);
    return { avgcount: c.avgcount, sum: c.type & PerfCounterType.TIME ? c.ns : c.u64 };
  }

  /** Zero every counter except plain u64 gauges (`perf reset`). */
  reset(): void {
    for (const c of this.data) {
      if (c.type === PerfCounterType.U64) continue;
      c.u64 = 0;
      c.ns = 0n;
      c.avgcount = 0;
    }
  }

  /** Dump values (`schema` false) or the schema of this logger as one object section. */
  dump(f: Formatter, schema: boolean, counter = '', histograms = false): void {
    f.openObjectSection(this.name);
    for (const c of this.data) {
      if (counter !== '' && c.name !== counter) continue;
      if (((c.type & PerfCounterType.HISTOGRAM) !== 0) !== histograms) continue;
      if (schema) dumpSchema(f, c);
      else dumpValue(f, c);
    }
    f.closeSection();
  }

  private counter(name: string, kind: number): CounterData {
    const c = this.byName.get(name);
    assert(c, `perf counter ${this.name}.${name} does not exist`);
    assert(kind === 0 || c.type & kind, `perf counter ${this.name}.${name} has type ${c.type}, not ${kind}`);
    return c;
  }
}

/** Seconds with nine decimals from nanoseconds, as Ceph prints times. */
function formatNs(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return `${s}.${frac.toString().padStart(9, '0')}`;
}

function dumpValue(f: Formatter, c: CounterData): void {
  if (c.type & PerfCounterType.LONGRUNAVG) {
    f.openObjectSection(c.name);
    f.dumpUnsigned('avgcount', c.avgcount);
    if (c.type & PerfCounterType.U64) {
      f.dumpUnsigned('sum', c.u64);
    } else {
      f.dumpUnquoted('sum', formatNs(c.ns));
      f.dumpUnquoted('avgtime', formatNs(c.avgcount > 0 ? c.ns / BigInt(c.avgcount) : 0n));
    }
    f.closeSection();
  } else if (c.type & PerfCounterType.U64) {
    f.dumpUnsigned(c.name, c.u64);
  } else {
    f.dumpUnquoted(c.name, formatNs(c.ns));
  }
}

function dumpSchema(f: Formatter, c: CounterData): void {
  const time = (c.type & PerfCounterType.TIME) !== 0;
  f.openObjectSection(c.name);
  f.dumpInt('type', c.type);
  f.dumpString('metric_type', c.type & PerfCounterType.COUNTER ? 'counter' : 'gauge');
  let valueType: string;
  if (c.type & PerfCounterType.LONGRUNAVG) valueType = time ? 'real-integer-pair' : 'integer-integer-pair';
  else if (c.type & PerfCounterType.HISTOGRAM)
    valueType = time ? 'real-2d-histogram' : 'integer-2d-histogram';
  else valueType = time ? 'real' : 'integer';
  f.dumpString('value_type', valueType);
  f.dumpString('description', c.description);
  f.dumpString('nick', c.nick);
  f.dumpInt('priority', Math.max(0, Math.min(PerfCounterPriority.CRITICAL, c.prio)));
  f.dumpString('units', c.unit === PerfCounterUnit.BYTES ? 'bytes' : 'none');
  f.closeSection();
}

/** All loggers of one entity (`PerfCountersCollection`). */
export class PerfCountersCollection {
  private readonly loggers = new Map<string, PerfCounters<string>>();
  private uniqueSuffix = 0;
  private enabled = true;

  /** Register a logger; a name already in use gets a unique suffix, as Ceph does. */
  add(counters: PerfCounters<string>): void {
    while (this.loggers.has(counters.name)) counters.name = `${counters.name}-${++this.uniqueSuffix}`;
    counters.enabled = this.enabled;
    this.loggers.set(counters.name, counters);
  }

  remove(counters: PerfCounters<string>): void {
    assert(
      this.loggers.get(counters.name) === counters,
      `perf counters ${counters.name} not in this collection`,
    );
    this.loggers.delete(counters.name);
  }

  get(name: string): PerfCounters<string> | undefined {
    return this.loggers.get(name);
  }

  /** Follow the `perf` option: while false nothing counts. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    for (const l of this.loggers.values()) l.enabled = enabled;
  }

  /** `perf reset <name|all>`; false when no logger has that name. */
  reset(name: string): boolean {
    if (name === 'all') {
      for (const l of this.loggers.values()) l.reset();
      return true;
    }
    const l = this.loggers.get(name);
    l?.reset();
    return l !== undefined;
  }

  /**
   * `perf dump` / `perf schema` (and their histogram variants): every logger,
   * or only `logger` (and only `counter` in it), inside a "perfcounter_collection" section.
   */
  dump(
    f: Formatter,
    opts: { schema?: boolean; histograms?: boolean; logger?: string; counter?: string } = {},
  ): void {
    f.openObjectSection('perfcounter_collection');
    const names = [...this.loggers.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (opts.logger && opts.logger !== name) continue;
      this.loggers.get(name)!.dump(f, opts.schema ?? false, opts.counter ?? '', opts.histograms ?? false);
    }
    f.closeSection();
  }
}
