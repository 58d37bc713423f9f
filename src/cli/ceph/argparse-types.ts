/**
 * The argument types of Ceph's command descriptions (`CephInt`,
 * `CephString`, `CephChoices`…, from Pacific's src/pybind/ceph_argparse.py):
 * how each checks one word of the command line, what value it stores in the
 * command JSON, and how it prints itself in usage and error messages. Error
 * texts match the real CLI's, since `ceph` prints them after "Invalid command:".
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { intValue, pyFloat, pyFloatRepr, pyInt, pyStrRepr, type PyValue } from './argparse-python.js';

/** ceph_argparse's exception hierarchy; `kind` is the Python subclass. */
export type ArgumentErrorKind = 'error' | 'number' | 'format' | 'missing' | 'valid' | 'toofew' | 'prefix';

export class ArgumentError extends Error {
  constructor(
    readonly kind: ArgumentErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ArgumentError';
  }
}

const fail = (kind: ArgumentErrorKind, message: string): never => {
  throw new ArgumentError(kind, message);
};

/** The type names a description may use. */
export const ArgTypeNames = [
  'CephInt',
  'CephFloat',
  'CephString',
  'CephSocketpath',
  'CephIPAddr',
  'CephEntityAddr',
  'CephPoolname',
  'CephObjectname',
  'CephPgid',
  'CephName',
  'CephOsdName',
  'CephChoices',
  'CephBool',
  'CephFilepath',
  'CephFragment',
  'CephUUID',
  'CephPrefix',
] as const;
export type ArgTypeName = (typeof ArgTypeNames)[number];

export function isArgTypeName(s: string): s is ArgTypeName {
  return (ArgTypeNames as readonly string[]).includes(s);
}

/** One argument type with its parameters (range, goodchars, strings, prefix). */
export interface ArgType {
  readonly typeName: ArgTypeName;
  /** Check one word (`partial`: accept a prefix of a fixed string); the value to store, or throws ArgumentError. */
  valid(word: string, partial: boolean): PyValue;
  /** How ceph_argparse prints the type (`<int[0-]>`, `replicated|erasure`, `<poolname>`). */
  describe(): string;
}

/** The type parameters a description can carry (all strings in the mon's JSON). */
export interface ArgTypeParams {
  range?: string;
  goodchars?: string;
  strings?: string;
  prefix?: string;
}

/** Python's `string.printable`. */
const PRINTABLE = [
  ...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  ...' \t\n\r\x0b\x0c',
];

function parseIntRange(range: string | undefined): bigint[] {
  if (!range) return [];
  return range.split('|').map((x) => pyInt(x) ?? fail('error', `invalid range ${range}`));
}

function parseFloatRange(range: string | undefined): number[] {
  if (!range) return [];
  return range.split('|').map((x) => pyFloat(x) ?? fail('error', `invalid range ${range}`));
}

function rangeText(values: readonly (bigint | number)[]): string {
  return `[${values.map((v) => (typeof v === 'bigint' ? v.toString() : pyFloatRepr(v))).join(', ')}]`;
}

function describeRange(values: readonly (bigint | number)[]): string {
  const show = (v: bigint | number): string => (typeof v === 'bigint' ? v.toString() : pyFloatRepr(v));
  if (values.length === 1) return `[${show(values[0]!)}-]`;
  if (values.length === 2) return `[${show(values[0]!)}-${show(values[1]!)}]`;
  return '';
}

/** `[min]` bounds below, `[min, max]` both ways; any other length checks nothing (as in Python). */
function outOfRange<T extends bigint | number>(v: T, range: readonly T[]): boolean {
  if (range.length === 1) return v < range[0]!;
  if (range.length === 2) return v < range[0]! || v > range[1]!;
  return false;
}

class CephInt implements ArgType {
  readonly typeName = 'CephInt';
  private readonly range: bigint[];
  constructor(p: ArgTypeParams) {
    this.range = parseIntRange(p.range);
  }
  valid(s: string): PyValue {
    const v = pyInt(s, 0);
    if (v === undefined) return fail('valid', `${s} doesn't represent an int`);
    if (outOfRange(v, this.range)) fail('valid', `${v} not in range ${rangeText(this.range)}`);
    return intValue(v);
  }
  describe(): string {
    return `<int${describeRange(this.range)}>`;
  }
}

class CephFloat implements ArgType {
  readonly typeName = 'CephFloat';
  private readonly range: number[];
  constructor(p: ArgTypeParams) {
    this.range = parseFloatRange(p.range);
  }
  valid(s: string): PyValue {
    const v = pyFloat(s);
    if (v === undefined) return fail('valid', `${s} doesn't represent a float`);
    // NaN compares false both ways, so it passes any range, as in Python
    if (outOfRange(v, this.range)) fail('valid', `${pyFloatRepr(v)} not in range ${rangeText(this.range)}`);
    return v;
  }
  describe(): string {
    return `<float${describeRange(this.range)}>`;
  }
}

function compileGoodchars(goodchars: string): RegExp {
  try {
    // re.match(): anchored at the start, need not reach the end
    return new RegExp(`^(?:${goodchars})`);
  } catch {
    return fail('error', `CephString(): "${goodchars}" is not a valid RE`);
  }
}

class CephString implements ArgType {
  readonly typeName = 'CephString';
  readonly goodchars: string;
  /**
   * The printable ASCII characters the goodchars class admits. With no
   * goodchars every printable character matches, so (a quirk of the real CLI)
   * a plain CephString still refuses non-ASCII and control characters.
   */
  private readonly goodset: Set<string>;
  constructor(p: ArgTypeParams) {
    this.goodchars = p.goodchars ?? '';
    const re = compileGoodchars(this.goodchars);
    this.goodset = new Set(PRINTABLE.filter((c) => re.test(c)));
  }
  valid(s: string): PyValue {
    if (this.goodset.size) {
      const bad = [...new Set(s)].filter((c) => !this.goodset.has(c));
      // Python prints the set difference in hash order; first-seen order here
      if (bad.length) fail('format', `invalid chars ${bad.join('')} in ${s}`);
    }
    return s;
  }
  describe(): string {
    return this.goodchars ? `<string(goodchars ${this.goodchars})>` : '<string>';
  }
}

class CephSocketpath implements ArgType {
  readonly typeName = 'CephSocketpath';
  valid(s: string): PyValue {
    let isSocket = false;
    try {
      isSocket = statSync(s).isSocket();
    } catch {
      // the real CLI dies with a Python traceback on a missing path
    }
    if (!isSocket) fail('valid', `socket path ${s} is not a socket`);
    return s;
  }
  describe(): string {
    return '<admin-socket-path>';
  }
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(s: string): boolean {
  let octets = 0;
  let sawDigit = false;
  let cur = 0;
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') {
      if (sawDigit && cur === 0) return false;
      cur = cur * 10 + Number(ch);
      if (cur > 255) return false;
      if (!sawDigit) {
        if (++octets > 4) return false;
        sawDigit = true;
      }
    } else if (ch === '.' && sawDigit) {
      if (octets === 4) return false;
      cur = 0;
      sawDigit = false;
    } else return false;
  }
  return octets === 4;
}

/** glibc inet_pton(AF_INET6): hex groups, one `::`, an optional dotted IPv4 tail. */
export function inetPton6(s: string): boolean {
  let i = 0;
  if (s[0] === ':' && s[1] !== ':') return false;
  if (s[0] === ':') i = 1;
  let bytes = 0;
  let sawColonColon = false;
  let sawXdigit = false;
  let ndigits = 0;
  let curtok = i;
  while (i < s.length) {
    const ch = s[i++]!;
    if (/[0-9a-fA-F]/.test(ch)) {
      if (++ndigits > 4) return false;
      sawXdigit = true;
      continue;
    }
    if (ch === ':') {
      curtok = i;
      if (!sawXdigit) {
        if (sawColonColon) return false;
        sawColonColon = true;
        continue;
      }
      if (i === s.length) return false;
      if (bytes + 2 > 16) return false;
      bytes += 2;
      sawXdigit = false;
      ndigits = 0;
      continue;
    }
    if (ch === '.' && bytes + 4 <= 16 && inetPton4(s.slice(curtok))) {
      bytes += 4;
      sawXdigit = false;
      break;
    }
    return false;
  }
  if (sawXdigit) {
    if (bytes + 2 > 16) return false;
    bytes += 2;
  }
  if (sawColonColon) return bytes < 16;
  return bytes === 16;
}

/** CephIPAddr's parse of `[v1:|v2:|any:]addr[:port]`; returns the text left after the prefix. */
function checkIpAddr(input: string): string {
  let s = input;
  let family = 6;
  let port: string | undefined;
  let addr: string;
  if (s.startsWith('v1:')) {
    s = s.slice(3);
    family = 4;
  } else if (s.startsWith('v2:')) {
    // the real CLI then parses the rest as IPv6, so v2:1.2.3.4 is refused
    s = s.slice(3);
    family = 6;
  } else if (s.startsWith('any:')) {
    s = s.slice(4);
    family = 4;
  } else if (s.startsWith('[')) family = 6;
  else if (s.includes('.')) family = 4;

  const portNumber = (p: string): bigint => pyInt(p) ?? fail('valid', `${p}: invalid port`);
  if (family === 4) {
    const colon = s.indexOf(':');
    if (colon >= 0) {
      addr = s.slice(0, colon);
      port = s.slice(colon + 1);
      if (portNumber(port) > 65535n) fail('valid', `${port}: invalid IPv4 port`);
    } else addr = s;
    if (!inetPton4(addr)) fail('valid', `${addr}: invalid IPv4 address`);
  } else {
    if (s.startsWith('[')) {
      const end = s.indexOf(']');
      if (end < 0) fail('format', `${s} missing terminating ]`);
      if (end + 1 >= s.length) fail('valid', `${s}: bad port number`); // Python: IndexError
      if (s[end + 1] === ':') {
        // the real CLI reads only the first character of the port
        const first = s[end + 2];
        if (first === undefined || pyInt(first) === undefined) fail('valid', `${s}: bad port number`);
        port = first;
      }
      addr = s.slice(1, end);
    } else addr = s;
    if (!inetPton6(addr)) fail('valid', `${s} not valid IPv6 address`);
  }
  if (port !== undefined && portNumber(port) > 65535n) fail('valid', `${port} not a valid port number`);
  return s;
}

class CephIPAddr implements ArgType {
  readonly typeName: ArgTypeName = 'CephIPAddr';
  valid(s: string): PyValue {
    return checkIpAddr(s);
  }
  describe(): string {
    return '<IPaddr[:port]>';
  }
}

class CephEntityAddr implements ArgType {
  readonly typeName = 'CephEntityAddr';
  valid(s: string): PyValue {
    let ip = s;
    let nonce: string | undefined;
    if (s.includes('/')) {
      const parts = s.split('/');
      if (parts.length !== 2) fail('valid', `${s}: invalid entity address`); // Python: ValueError
      [ip, nonce] = parts as [string, string];
      if (nonce.endsWith(']')) {
        nonce = nonce.slice(0, -1);
        ip += ']';
      }
    }
    checkIpAddr(ip);
    if (nonce) {
      const n = pyInt(nonce);
      if (n === undefined || n < 0n) fail('valid', `${s}: invalid entity, nonce ${nonce} not integer > 0`);
    }
    return s;
  }
  describe(): string {
    return '<EntityAddr>';
  }
}

/** Types that take any word as is. */
class CephAnyString implements ArgType {
  constructor(
    readonly typeName: ArgTypeName,
    private readonly text: string,
  ) {}
  valid(s: string): PyValue {
    return s;
  }
  describe(): string {
    return this.text;
  }
}

class CephPgid implements ArgType {
  readonly typeName = 'CephPgid';
  valid(s: string): PyValue {
    const dot = s.indexOf('.');
    if (dot < 0) fail('format', 'pgid has no .');
    const poolText = s.slice(0, dot);
    const pgText = s.slice(dot + 1);
    const pool = pyInt(poolText);
    if (pool === undefined) return fail('format', `pool ${poolText} not integer`);
    if (pool < 0n) fail('format', `pool ${pool} < 0`);
    if (pyInt(pgText, 16) === undefined) fail('format', `pgnum ${pgText} not hex integer`);
    return s;
  }
  describe(): string {
    return '<pgid>';
  }
}

class CephName implements ArgType {
  readonly typeName = 'CephName';
  valid(s: string): PyValue {
    if (s === '*' || s === 'mgr' || s === 'mon') return s;
    const dot = s.indexOf('.');
    if (dot < 0) fail('format', `CephName: no . in ${s}`);
    const t = s.slice(0, dot);
    const id = s.slice(dot + 1);
    if (!['osd', 'mon', 'client', 'mds', 'mgr'].includes(t)) fail('valid', `unknown type ${t}`);
    if (t === 'osd' && id !== '*' && pyInt(id) === undefined) fail('format', `osd id ${id} not integer`);
    return s;
  }
  describe(): string {
    return '<name (type.id)>';
  }
}

class CephOsdName implements ArgType {
  readonly typeName = 'CephOsdName';
  valid(s: string): PyValue {
    if (s === '*') return s;
    let id = s;
    const dot = s.indexOf('.');
    if (dot >= 0) {
      const t = s.slice(0, dot);
      if (t !== 'osd') fail('valid', `unknown type ${t}`);
      id = s.slice(dot + 1);
    }
    const n = pyInt(id);
    if (n === undefined) return fail('format', `osd id ${id} not integer`);
    if (n < 0n) fail('format', `osd id ${n} is less than 0`);
    return intValue(n);
  }
  describe(): string {
    return '<osdname (id|osd.id)>';
  }
}

class CephChoices implements ArgType {
  readonly typeName = 'CephChoices';
  readonly strings: string[];
  constructor(p: ArgTypeParams) {
    this.strings = (p.strings ?? '').split('|');
  }
  valid(s: string, partial: boolean): PyValue {
    if (partial ? this.strings.some((t) => t.startsWith(s)) : this.strings.includes(s)) return s;
    return fail('valid', `${s} not in ${this.describe()}`);
  }
  describe(): string {
    return this.strings.join('|');
  }
}

class CephBool implements ArgType {
  readonly typeName = 'CephBool';
  valid(s: string): PyValue {
    const lower = s.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    return fail('valid', `${s} not one of 'true', 'false'`);
  }
  describe(): string {
    return '<bool>';
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

class CephFilepath implements ArgType {
  readonly typeName = 'CephFilepath';
  valid(word: string): PyValue {
    const s = resolve(word);
    if (!canAccess(s, constants.R_OK)) {
      let st: ReturnType<typeof statSync> | undefined;
      try {
        st = statSync(s);
      } catch {
        st = undefined;
      }
      if (st) {
        if (!st.isFile()) fail('valid', `${s} is not file`);
        if (!canAccess(s, constants.W_OK)) fail('valid', `${s} is not writable`);
      } else if (!canAccess(dirname(s), constants.W_OK)) {
        fail('valid', `cannot create file in ${dirname(s)}`);
      }
    }
    return s;
  }
  describe(): string {
    return '<outfilename>';
  }
}

class CephFragment implements ArgType {
  readonly typeName = 'CephFragment';
  valid(s: string): PyValue {
    if (!s.includes('/')) fail('format', `${s}: no /`);
    const parts = s.split('/');
    if (parts.length !== 2) fail('format', `${s}: no /`); // Python: ValueError
    const [val, bits] = parts as [string, string];
    if (!val.startsWith('0x')) fail('format', `${val} not a hex integer`);
    // the real CLI converts "0x…" with int(val), base 10, which always fails
    if (pyInt(val) === undefined) fail('format', `can't convert ${val} to integer`);
    if (pyInt(bits) === undefined) fail('format', `can't convert ${bits} to integer`);
    return s;
  }
  describe(): string {
    return '<CephFS fragment ID (0xvvv/bbb)>';
  }
}

class CephUUID implements ArgType {
  readonly typeName = 'CephUUID';
  valid(s: string): PyValue {
    // uuid.UUID(): drop urn:/uuid:, braces at the ends and dashes, then 32 hex digits
    let hex = s.replaceAll('urn:', '').replaceAll('uuid:', '');
    hex = hex.replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '');
    if (hex.length !== 32) fail('format', `invalid UUID ${s}: badly formed hexadecimal UUID string`);
    if (pyInt(hex, 16) === undefined) {
      fail('format', `invalid UUID ${s}: invalid literal for int() with base 16: ${pyStrRepr(hex)}`);
    }
    return s;
  }
  describe(): string {
    return '<uuid>';
  }
}

class CephPrefix implements ArgType {
  readonly typeName = 'CephPrefix';
  readonly prefix: string;
  constructor(p: ArgTypeParams) {
    this.prefix = p.prefix ?? '';
  }
  valid(s: string, partial: boolean): PyValue {
    if (partial ? this.prefix.startsWith(s) : s === this.prefix) return s;
    return fail('prefix', `no match for ${s}`);
  }
  describe(): string {
    return this.prefix;
  }
}

/** Build the checker for a type name and its parameters. */
export function makeArgType(name: ArgTypeName, params: ArgTypeParams): ArgType {
  switch (name) {
    case 'CephInt':
      return new CephInt(params);
    case 'CephFloat':
      return new CephFloat(params);
    case 'CephString':
      return new CephString(params);
    case 'CephSocketpath':
      return new CephSocketpath();
    case 'CephIPAddr':
      return new CephIPAddr();
    case 'CephEntityAddr':
      return new CephEntityAddr();
    case 'CephPoolname':
      return new CephAnyString('CephPoolname', '<poolname>');
    case 'CephObjectname':
      return new CephAnyString('CephObjectname', '<objectname>');
    case 'CephPgid':
      return new CephPgid();
    case 'CephName':
      return new CephName();
    case 'CephOsdName':
      return new CephOsdName();
    case 'CephChoices':
      return new CephChoices(params);
    case 'CephBool':
      return new CephBool();
    case 'CephFilepath':
      return new CephFilepath();
    case 'CephFragment':
      return new CephFragment();
    case 'CephUUID':
      return new CephUUID();
    case 'CephPrefix':
      return new CephPrefix(params);
  }
}
