/**
 * The option schema: every option Pacific 16.2.15 knows (loaded lazily from the
 * generated table), the `debug_<subsys>` options for Ceph's 64 logging
 * subsystems, and the few validators that change what a value means
 * (debug levels, rbd_default_features, rbd_default_pool, rbd_default_data_pool).
 *
 * Other layers may define extra options (tsceph-only knobs) with `define`; a
 * name Pacific already has is an assertion failure, so a typo cannot shadow a
 * real option.
 */
import { assert, CephError } from '../errors.js';
import {
  optionFlagsFromNames,
  OptionFlag,
  parseTypedValue,
  type OptionLevel,
  type OptionSpec,
  type OptionType,
  type OptionValue,
} from './option.js';
import { PACIFIC_OPTION_TABLE, PACIFIC_SUBSYSTEMS, type PacificOptionTypes } from './pacific-options.js';

/** Names of the options whose types are known at compile time. */
export type OptionName = keyof PacificOptionTypes;
export type { PacificOptionTypes };

/** A logging subsystem with its default log and gather (memory) levels. */
export interface Subsystem {
  name: string;
  log: number;
  gather: number;
}

const OPTION_TYPES: readonly OptionType[] = [
  'str',
  'uint',
  'int',
  'float',
  'bool',
  'addr',
  'addrvec',
  'uuid',
  'size',
  'secs',
  'millisecs',
];

function unescapeField(s: string): string {
  return s.replace(/\\(\\|t|n|x60|x7b)/g, (_, c: string) => {
    switch (c) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'x60':
        return '`';
      case 'x7b':
        return '{';
      default:
        return '\\';
    }
  });
}

function list(field: string): string[] {
  return field === '' ? [] : field.split(',');
}

function parseTableLine(line: string): OptionSpec {
  const f = line.split('\t').map(unescapeField);
  assert(f.length === 14, `option table: bad line '${line.slice(0, 60)}'`);
  const [name, type, level, flags, def, daemonDef, min, max, enums, services, tags, seeAlso, desc, longDesc] =
    f as [string, OptionType, OptionLevel, ...string[]];
  assert(OPTION_TYPES.includes(type), `option table: ${name} has unknown type ${type}`);
  const spec: OptionSpec = {
    name,
    type,
    level,
    desc: desc!,
    longDesc: longDesc!,
    default: parseTypedValue(type, def!),
    tags: list(tags!),
    services: list(services!),
    seeAlso: list(seeAlso!),
    enumValues: list(enums!),
    flags: optionFlagsFromNames(list(flags!)),
  };
  if (daemonDef !== '') spec.daemonDefault = parseTypedValue(type, daemonDef!);
  if (min !== '') spec.min = parseBound(min!);
  if (max !== '') spec.max = parseBound(max!);
  return spec;
}

/** A numeric bound, exact even past 2^53. */
function parseBound(text: string): number | bigint {
  const n = Number(text);
  return /^-?\d+$/.test(text) && !Number.isSafeInteger(n) ? BigInt(text) : n;
}

/** Validator of `debug_<subsys>`: "N" or "N/M" with 0 ≤ N, M ≤ 99; "N" normalizes to "N/N". */
export function validateDebugLevel(value: string): string {
  const m = /^\s*([+-]?\d+)(?:\/\s*([+-]?\d+))?/.exec(value);
  if (!m) throw new CephError('EINVAL', 'value must take the form N or N/M, where N and M are integers');
  const log = Number(m[1]);
  const gather = m[2] === undefined ? undefined : Number(m[2]);
  if (log < 0 || log > 99 || (gather !== undefined && (gather < 0 || gather > 99))) {
    throw new CephError('ERANGE', 'value must be in range [0, 99]');
  }
  return gather === undefined ? `${log}/${log}` : value;
}

/** Parse a debug option value ("N/M") into its log and gather levels. */
export function parseDebugLevels(value: string): { log: number; gather: number } {
  const m = /^\s*([+-]?\d+)(?:\/\s*([+-]?\d+))?/.exec(value);
  assert(m, `debug level '${value}' was not validated`);
  const log = Number(m[1]);
  return { log, gather: m[2] === undefined ? log : Number(m[2]) };
}

/** librbd feature bits (`RBD_FEATURE_*`) by the names `rbd_features_from_string` accepts. */
export const RBD_FEATURE_BITS: Readonly<Record<string, number>> = {
  layering: 1,
  striping: 2,
  'exclusive-lock': 4,
  'object-map': 8,
  'fast-diff': 16,
  'deep-flatten': 32,
  journaling: 64,
  'data-pool': 128,
  operations: 256,
  migrating: 512,
  'non-primary': 1024,
  'dirty-cache': 2048,
};
const RBD_FEATURES_ALL = 0xfffn;
/** Bits only librbd itself may set: operations, migrating, non-primary, dirty-cache. */
const RBD_FEATURES_INTERNAL = 0xf00n;
const RBD_FEATURES_DEFAULT = 61;

/**
 * `librbd::rbd_features_from_string` as the rbd_default_features validator uses
 * it: a number (unknown or internal bits rejected) or a comma list of names;
 * the value is always stored as the decimal bitmask.
 */
export function validateRbdFeatures(value: string): string {
  const text = value.trim();
  if (text === '') return String(RBD_FEATURES_DEFAULT);
  // boost::lexical_cast<uint64_t> takes a leading '-' and wraps, which then trips the unknown-bit check
  if (/^[+-]?\d+$/.test(text)) {
    let bits = BigInt(text);
    if (bits < 0n) bits += 2n ** 64n;
    if (bits >= 2n ** 64n || bits & ~RBD_FEATURES_ALL) {
      throw new CephError(
        'EINVAL',
        `ignoring unknown feature mask 0x${(bits & ~RBD_FEATURES_ALL).toString(16)}`,
      );
    }
    if (bits & RBD_FEATURES_INTERNAL) {
      throw new CephError(
        'EINVAL',
        `ignoring internal feature mask 0x${(bits & RBD_FEATURES_INTERNAL).toString(16)}`,
      );
    }
    return bits.toString();
  }
  let bits = 0;
  const unknown: string[] = [];
  for (const name of text.split(',').map((s) => s.trim())) {
    const bit = RBD_FEATURE_BITS[name];
    if (bit === undefined) unknown.push(name);
    else bits += bit;
  }
  if (unknown.length > 0) {
    throw new CephError('EINVAL', unknown.map((n) => `ignoring unknown feature ${n}`).join(', '));
  }
  return String(bits);
}

/** Extra behaviour Pacific attaches to a few options. */
const VALIDATORS: Record<string, (value: string) => string> = {
  rbd_default_features: validateRbdFeatures,
  // a pool name may not contain '@' or '/'; Ceph silently falls back instead of failing
  rbd_default_pool: (value) => (/^[^@/]+$/.test(value) ? value : 'rbd'),
  rbd_default_data_pool: (value) => (/^[^@/]*$/.test(value) ? value : ''),
};

function debugOption(sub: Subsystem): OptionSpec {
  return {
    name: `debug_${sub.name}`,
    type: 'str',
    level: 'advanced',
    desc: `Debug level for ${sub.name}`,
    longDesc:
      "The value takes the form 'N' or 'N/M' where N and M are values between 0 and 99.  N is the debug " +
      'level to log (all values below this are included), and M is the level to gather and buffer in memory.  ' +
      'In the event of a crash, the most recent items <= M are dumped to the log file.',
    default: `${sub.log}/${sub.gather}`,
    tags: [],
    services: [],
    seeAlso: [],
    enumValues: [],
    flags: OptionFlag.RUNTIME,
    validator: validateDebugLevel,
    subsys: sub.name,
  };
}

/** The set of options a Config knows about. */
export class OptionSchema {
  private readonly byName = new Map<string, OptionSpec>();
  /** Definition order, which is what `config help` lists. */
  private readonly ordered: OptionSpec[] = [];
  private sortedNames: string[] | undefined;
  readonly subsystems: readonly Subsystem[];

  constructor(options: readonly OptionSpec[], subsystems: readonly Subsystem[]) {
    this.subsystems = subsystems;
    for (const opt of options) this.add(opt);
    for (const sub of subsystems) this.add(debugOption(sub));
  }

  /** Pacific's full schema, shared by every Config of the process (parsed once; the table is large). */
  static pacific(): OptionSchema {
    pacificSchema ??= OptionSchema.newPacific();
    return pacificSchema;
  }

  /** A separate copy of Pacific's schema, for a program that defines options of its own. */
  static newPacific(): OptionSchema {
    return new OptionSchema(loadPacificOptions(), PACIFIC_SUBSYSTEMS);
  }

  /** Add options that Pacific does not have (tsceph-specific). */
  define(...specs: OptionSpec[]): void {
    for (const spec of specs) {
      assert(!this.byName.has(spec.name), `option ${spec.name} is already defined`);
      this.add(spec);
    }
  }

  get(name: string): OptionSpec | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** All names in byte order, the order `config show` and `config diff` print. */
  names(): readonly string[] {
    this.sortedNames ??= [...this.byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedNames;
  }

  /** Options in definition order, without the debug_* ones (what `config help` lists). */
  helpOrder(): readonly OptionSpec[] {
    return this.ordered.filter((o) => o.subsys === undefined);
  }

  /** The default a process of this kind starts with. */
  defaultOf(opt: OptionSpec, isDaemon: boolean): OptionValue {
    return isDaemon && opt.daemonDefault !== undefined ? opt.daemonDefault : opt.default;
  }

  private add(spec: OptionSpec): void {
    this.byName.set(spec.name, spec);
    this.ordered.push(spec);
    this.sortedNames = undefined;
  }
}

let pacificSchema: OptionSchema | undefined;

function loadPacificOptions(): OptionSpec[] {
  const specs: OptionSpec[] = [];
  for (const line of PACIFIC_OPTION_TABLE.split('\n')) {
    if (line === '') continue;
    const spec = parseTableLine(line);
    const validator = VALIDATORS[spec.name];
    if (validator) spec.validator = validator;
    specs.push(spec);
  }
  return specs;
}
