/**
 * Ceph's option schema (`Option` in common/options.h): what an option is, how a
 * raw string becomes a typed value and how a value prints back. Parsing follows
 * Pacific's `Option::parse_value` exactly, because `config set`, `ceph.conf` and
 * `--flags` must accept and reject the same text real Ceph does:
 *
 *   raw text → validator (may normalize, e.g. debug "5" → "5/5") → enum check
 *            → type parse (strict_si_cast, strict_iecstrtoll, strict_strtob,
 *              parse_timespan, …) → min/max check → typed value
 */
import { CephError, type ErrnoName } from '../errors.js';
import { formatDoubleFixed6 } from '../formatter.js';
import {
  AddrType,
  formatEntityAddr,
  formatEntityAddrVec,
  parseEntityAddr,
  type EntityAddr,
  type EntityAddrVec,
} from '../../encoding/types.js';

/** Option value types (`Option::type_t`), by the names `config help` prints. */
export type OptionType =
  'str' | 'uint' | 'int' | 'float' | 'bool' | 'addr' | 'addrvec' | 'uuid' | 'size' | 'secs' | 'millisecs';

/** The TypeScript type a value of each option type has. */
export interface OptionValueOf {
  str: string;
  uint: number;
  int: number;
  float: number;
  bool: boolean;
  addr: EntityAddr;
  addrvec: EntityAddrVec;
  uuid: string;
  /** Bytes. */
  size: number;
  /** Whole seconds. */
  secs: number;
  /** Milliseconds. */
  millisecs: number;
}

export type OptionValue = OptionValueOf[OptionType];

/** `Option::level_t`: who is expected to touch an option. */
export type OptionLevel = 'basic' | 'advanced' | 'dev';

/** `Option::flag_t` bits, with the names `config help` prints (in bit order). */
export const OptionFlag = {
  /** May change at runtime even though it is a string. */
  RUNTIME: 0x1,
  /** The mon config database may not set it. */
  NO_MON_UPDATE: 0x2,
  /** Only read at startup; runtime changes are refused. */
  STARTUP: 0x4,
  /** Only used when a cluster is created. */
  CLUSTER_CREATE: 0x8,
  /** Only used when a daemon is created (mkfs). */
  CREATE: 0x10,
} as const;
export type OptionFlag = (typeof OptionFlag)[keyof typeof OptionFlag];

const flagNames: readonly [number, string][] = [
  [OptionFlag.RUNTIME, 'runtime'],
  [OptionFlag.NO_MON_UPDATE, 'no_mon_update'],
  [OptionFlag.STARTUP, 'startup'],
  [OptionFlag.CLUSTER_CREATE, 'cluster_create'],
  [OptionFlag.CREATE, 'create'],
];

export function optionFlagNames(flags: number): string[] {
  return flagNames.filter(([bit]) => flags & bit).map(([, name]) => name);
}

export function optionFlagsFromNames(names: readonly string[]): number {
  let flags = 0;
  for (const name of names) {
    const entry = flagNames.find(([, n]) => n === name);
    if (!entry) throw new CephError('EINVAL', `unknown option flag '${name}'`);
    flags |= entry[0];
  }
  return flags;
}

/**
 * A validator runs on the raw text before parsing (`Option::set_validator`).
 * It returns the possibly normalized text, or throws a CephError to reject it.
 */
export type OptionValidator = (value: string) => string;

/** One option of the schema. */
export interface OptionSpec {
  name: string;
  type: OptionType;
  level: OptionLevel;
  desc: string;
  longDesc: string;
  /** Default for every process. */
  default: OptionValue;
  /** Default for daemons when it differs (`daemon_default`). */
  daemonDefault?: OptionValue;
  tags: readonly string[];
  services: readonly string[];
  seeAlso: readonly string[];
  /** Permitted values of a `str` option; empty means any. */
  enumValues: readonly string[];
  /** Bounds; a bigint when the schema's bound is beyond 2^53 (Ceph has one: a uint with min -10). */
  min?: number | bigint;
  max?: number | bigint;
  /** OptionFlag bits. */
  flags: number;
  validator?: OptionValidator;
  /** For `debug_<subsys>` options: the subsystem whose levels the value sets. */
  subsys?: string;
}

/**
 * `Option::can_update_at_runtime`: flagged runtime, or neither startup/create
 * nor a string (strings are not safe to swap under running threads in Ceph,
 * and we keep the same observable rule).
 */
export function canUpdateAtRuntime(opt: OptionSpec): boolean {
  if (opt.flags & OptionFlag.RUNTIME) return true;
  if (opt.flags & (OptionFlag.STARTUP | OptionFlag.CREATE | OptionFlag.CLUSTER_CREATE)) return false;
  return opt.type !== 'str';
}

/** A rejected value: the errno Ceph returns and the message it would print. */
function reject(code: ErrnoName, message: string): never {
  throw new CephError(code, message);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** `strict_strtoll(str, 10)`: optional leading space and sign, digits, nothing after. */
export function strictStrtoll(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(text);
  if (!m) reject('EINVAL', `strict_strtoll: expected integer, got: '${text}'`);
  const v = BigInt(m[1]!);
  if (v < INT64_MIN || v > INT64_MAX)
    reject('EINVAL', `strict_strtoll: the value is out of range: '${text}'`);
  return v;
}

/** `strict_si_cast<T>`: an integer with an optional SI suffix K M G T P E (powers of 1000) or B. */
export function strictSiCast(text: string, signed: boolean): number {
  if (text === '') reject('EINVAL', 'empty string');
  let digits = text;
  let exponent = 0;
  if (/[^0-9+-]/.test(text)) {
    const unit = text[text.length - 1]!;
    const exponents: Record<string, number> = { K: 3, M: 6, G: 9, T: 12, P: 15, E: 18, B: 0 };
    if (!(unit in exponents)) reject('EINVAL', 'strict_si_cast: unit prefix not recognized');
    exponent = exponents[unit]!;
    digits = text.slice(0, -1);
  }
  const v = strictStrtoll(digits);
  if (v < 0n && !signed) reject('EINVAL', 'strict_si_cast: value should not be negative');
  const scaled = v * 10n ** BigInt(exponent);
  if (scaled > (signed ? INT64_MAX : UINT64_MAX) || scaled < (signed ? INT64_MIN : 0n)) {
    reject('EINVAL', 'strict_sistrtoll: value seems to be too large');
  }
  return Number(scaled);
}

/** `strict_iec_cast`: an integer with an optional K/Ki M/Mi … suffix (powers of 1024) or B. */
export function strictIecCast(text: string): number {
  if (text === '') reject('EINVAL', 'strict_iecstrtoll: value not specified');
  const at = text.search(/[^0-9+-]/);
  let digits = text;
  let shift = 0;
  if (at >= 0) {
    digits = text.slice(0, at);
    const unit = text.slice(at);
    if (unit.endsWith('i') && unit.startsWith('B'))
      reject('EINVAL', 'strict_iecstrtoll: illegal prefix "Bi"');
    if (unit.length > 2) reject('EINVAL', 'strict_iecstrtoll: illegal prefix (length > 2)');
    const shifts: Record<string, number> = { K: 10, M: 20, G: 30, T: 40, P: 50, E: 60, B: 0 };
    if (!(unit[0]! in shifts)) reject('EINVAL', 'strict_iecstrtoll: unit prefix not recognized');
    shift = shifts[unit[0]!]!;
  }
  const v = strictStrtoll(digits);
  if (v < 0n) reject('EINVAL', 'strict_iecstrtoll: value should not be negative');
  const scaled = v << BigInt(shift);
  if (scaled > UINT64_MAX) reject('EINVAL', 'strict_iecstrtoll: value seems to be too large');
  return Number(scaled);
}

/** `strict_strtod`: a C double literal with nothing after it. */
export function strictStrtod(text: string): number {
  const t = text.replace(/^[ \t\n\v\f\r]+/, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    reject('EINVAL', `strict_strtod: garbage at end of string. got: '${text}'`);
  }
  const v = Number(t);
  if (!Number.isFinite(v))
    reject('EINVAL', `strict_strtod: floating point overflow or underflow parsing '${text}'`);
  return v;
}

/** `strict_strtob`: "true"/"false" in any case, else an integer (non-zero is true). */
export function strictStrtob(text: string): boolean {
  if (text.toLowerCase() === 'false') return false;
  if (text.toLowerCase() === 'true') return true;
  const v = strictStrtoll(text);
  if (v < -(2n ** 31n) || v >= 2n ** 31n)
    reject('EINVAL', `strict_strtol: the value is out of range: '${text}'`);
  return v !== 0n;
}

const timespanUnits: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  wk: 604800,
  week: 604800,
  weeks: 604800,
  mo: 2592000,
  month: 2592000,
  months: 2592000,
  y: 31536000,
  yr: 31536000,
  year: 31536000,
  years: 31536000,
};

/** `ceph::parse_timespan`: "30", "30s", "5 min", "1h30m"; the empty string is 0. */
export function parseTimespan(text: string): number {
  let total = 0;
  let pos = 0;
  const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (pos < text.length) {
    while (isSpace(text[pos])) pos++;
    if (pos >= text.length) break;
    const valueStart = pos;
    while (pos < text.length && /[0-9]/.test(text[pos]!)) pos++;
    if (valueStart === pos) reject('EINVAL', 'expected digit');
    const value = Number(text.slice(valueStart, pos));
    if (value > 2 ** 31 - 1) reject('EINVAL', 'value is not an integer');
    while (isSpace(text[pos])) pos++;
    const unitStart = pos;
    while (pos < text.length && /[A-Za-z]/.test(text[pos]!)) pos++;
    if (unitStart !== pos) {
      const unit = text.slice(unitStart, pos);
      const factor = timespanUnits[unit];
      if (factor === undefined) reject('EINVAL', `unrecogized unit '${unit}'`);
      total += value * factor;
    } else if (pos < text.length) {
      reject('EINVAL', `unexpected trailing '${text.slice(pos)}'`);
    } else {
      total += value;
    }
  }
  return total;
}

/** `uuid_d::parse`: dashed or plain hex, optionally in braces; returns the lower-case dashed form. */
export function parseUuid(text: string): string {
  const m =
    /^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/.exec(
      text,
    );
  if (!m || text.startsWith('{') !== text.endsWith('}')) reject('EINVAL', `invalid uuid '${text}'`);
  return m.slice(1).join('-').toLowerCase();
}

function parseAddr(text: string): EntityAddr {
  if (text === '-' || text === '') return { type: AddrType.NONE, nonce: 0, family: 0, ip: '', port: 0 };
  try {
    return parseEntityAddr(text, AddrType.MSGR2);
  } catch {
    return reject('EINVAL', `invalid address '${text}'`);
  }
}

function parseAddrVec(text: string): EntityAddrVec {
  if (text === '') return [];
  if (!text.startsWith('[')) return [parseAddr(text)];
  if (!text.endsWith(']')) reject('EINVAL', `invalid address vector '${text}'`);
  const inner = text.slice(1, -1);
  if (inner === '') return [];
  // IPv6 addresses are bracketed too, so split on commas outside brackets only
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '[') depth++;
    else if (inner[i] === ']') depth--;
    else if (inner[i] === ',' && depth === 0) {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  items.push(inner.slice(start));
  return items.map(parseAddr);
}

/** Parse raw text into a value of `type`, without validator, enum or range checks. */
export function parseTypedValue(type: OptionType, text: string): OptionValue {
  switch (type) {
    case 'str':
      return text;
    case 'int':
      return strictSiCast(text, true);
    case 'uint':
      return strictSiCast(text, false);
    case 'float':
      return strictStrtod(text);
    case 'bool':
      return strictStrtob(text);
    case 'addr':
      return parseAddr(text);
    case 'addrvec':
      return parseAddrVec(text);
    case 'uuid':
      return parseUuid(text);
    case 'size':
      return strictIecCast(text);
    case 'secs':
      return parseTimespan(text);
    case 'millisecs': {
      if (!/^\d+$/.test(text)) reject('EINVAL', `bad lexical cast: '${text}'`);
      return Number(text);
    }
  }
}

/** `Option::parse_value`: the full pipeline a raw value goes through. */
export function parseOptionValue(opt: OptionSpec, raw: string): OptionValue {
  let text = raw;
  if (opt.validator) text = opt.validator(text);
  if (opt.type === 'str' && opt.enumValues.length > 0 && !opt.enumValues.includes(text)) {
    reject('EINVAL', `'${text}' is not one of the permitted values: ${opt.enumValues.join(', ')}`);
  }
  const value = parseTypedValue(opt.type, text);
  if (typeof value === 'number') {
    if (opt.min !== undefined && value < opt.min)
      reject('EINVAL', `value must be greater than or equal to ${opt.min}`);
    if (opt.max !== undefined && value > opt.max)
      reject('EINVAL', `value must be less than or equal to ${opt.max}`);
  }
  return value;
}

/** `Option::to_str`: the text `config get`/`config show` print for a value. */
export function optionValueToString(type: OptionType, value: OptionValue): string {
  switch (type) {
    case 'float':
      return formatDoubleFixed6(value as number);
    case 'bool':
      return value ? 'true' : 'false';
    case 'addr': {
      const addr = value as EntityAddr;
      return addr.type === AddrType.NONE && addr.family === 0 ? '-' : formatEntityAddr(addr);
    }
    case 'addrvec': {
      const vec = value as EntityAddrVec;
      return vec.length === 0 ? '' : formatEntityAddrVec(vec);
    }
    default:
      return String(value);
  }
}

/** Two values of one option type are the same setting. */
export function optionValuesEqual(type: OptionType, a: OptionValue, b: OptionValue): boolean {
  if (type === 'addr' || type === 'addrvec')
    return optionValueToString(type, a) === optionValueToString(type, b);
  if (type === 'float') return Object.is(a, b) || a === b;
  return a === b;
}
