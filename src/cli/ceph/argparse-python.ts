/**
 * The bits of Python semantics the real `ceph` CLI (a Python program) leaks
 * into what it sends and prints: how `int(s, base)` and `float(s)` read
 * numbers, how `repr()` prints strings, floats and lists, and how
 * `json.dumps()` writes the command the monitor receives. Matching these is
 * what makes our command JSON byte-identical to the real CLI's.
 */

/** Python's `str.isspace()` for one character: JS whitespace minus the BOM, plus the information separators and NEL. */
function isPySpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 0x1c && c <= 0x1f) || c === 0x85 || (c !== 0xfeff && /\s/.test(ch));
}

/** Python's `str.strip()`. */
function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s[start]!)) start++;
  while (end > start && isPySpace(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Digits of `body` in `base`, with PEP 515 underscores (single, between digits), or undefined. */
function digitsValue(body: string, base: number, allowLeadingUnderscore: boolean): bigint | undefined {
  if (body === '' || body.endsWith('_') || body.includes('__')) return undefined;
  if (body.startsWith('_') && !allowLeadingUnderscore) return undefined;
  let value = 0n;
  const b = BigInt(base);
  let sawDigit = false;
  for (const ch of body.toLowerCase()) {
    if (ch === '_') continue;
    const d = DIGITS.indexOf(ch);
    if (d < 0 || d >= base) return undefined;
    value = value * b + BigInt(d);
    sawDigit = true;
  }
  return sawDigit ? value : undefined;
}

/**
 * Python's `int(text, base)` for base 0 (auto: 0x/0o/0b prefixes, no leading
 * zeros in decimal), 10 and 16; undefined where Python raises ValueError.
 * Only ASCII digits are accepted (Python also takes other Unicode digits).
 */
export function pyInt(text: string, base: 0 | 10 | 16 = 10): bigint | undefined {
  let s = pyStrip(text);
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  let radix: number = base;
  let body = s;
  let prefixed = false;
  const prefix = s.slice(0, 2).toLowerCase();
  const prefixRadix = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : 0;
  if (prefixRadix && (base === 0 || base === prefixRadix)) {
    radix = prefixRadix;
    body = s.slice(2);
    prefixed = true;
  } else if (base === 0) {
    radix = 10;
    // "010" is an error with base 0; "000" and "0_0" are zero
    if (/^0/.test(s) && !/^0[0_]*$/.test(s)) return undefined;
  }
  const v = digitsValue(body, radix, prefixed);
  if (v === undefined) return undefined;
  return negative ? -v : v;
}

/** A bigint as a JS number when it fits exactly, else kept as bigint (Python ints are unbounded). */
export function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python's `float(text)`; undefined where Python raises ValueError. */
export function pyFloat(text: string): number | undefined {
  const s = pyStrip(text);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    const sign = special[1] === '-' ? -1 : 1;
    return special[2]!.toLowerCase() === 'nan' ? NaN : sign * Infinity;
  }
  const digits = '[0-9](?:_?[0-9])*';
  const re = new RegExp(`^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`);
  if (!re.test(s)) return undefined;
  return Number(s.replace(/_/g, ''));
}

/** Python's `repr(float)` / `str(float)`: shortest round-trip digits, `.0` for integral values, e-notation outside 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // digits × 10^(decpt - len)
  if (decpt > 16 || decpt < -3) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Characters `str.isprintable()` rejects (other than the ASCII controls handled first). */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr(str)`: single quotes unless the text has ' and no ", escapes for the unprintable. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && ch !== ' ' && NON_PRINTABLE.test(ch)) {
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's `str(list_of_str)`: `['a', 'b']`. */
export function pyStrListRepr(items: readonly string[]): string {
  return `[${items.map(pyStrRepr).join(', ')}]`;
}

/** A value in a command dictionary, as the CLI's validators produce it. */
export type PyValue = string | number | bigint | boolean | readonly PyValue[];

/** Python's `json.dumps` string escaping (ensure_ascii: everything past 0x7e as \uXXXX). */
function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** A Python float as `json.dumps` writes it (repr, or Infinity/NaN). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyFloatRepr(x);
}

/**
 * `json.dumps(value)` with Python's default separators (`", "`, `": "`).
 * Numbers are Python ints unless `isFloat(path)` says the value came from a
 * float (CephFloat), in which case they print as Python floats (`1.0`).
 */
export function pyJsonDumps(
  value: PyValue | Record<string, PyValue>,
  isFloat: (key: string) => boolean = () => false,
): string {
  const dump = (v: PyValue, key: string): string => {
    if (typeof v === 'string') return jsonString(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return isFloat(key) ? jsonFloat(v) : String(v);
    return `[${v.map((x) => dump(x, key)).join(', ')}]`;
  };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, PyValue>);
    return `{${entries.map(([k, v]) => `${jsonString(k)}: ${dump(v, k)}`).join(', ')}}`;
  }
  return dump(value as PyValue, '');
}

/**
 * Python's `repr()` of a command dictionary (what `ceph --verbose` prints
 * after "Submitting command: "): `True`/`False`, quoted strs, floats as
 * floats, and `tuple` keys (ceph_argparse's `target`) as `('mon-mgr', '')`.
 */
export function pyDictRepr(
  value: Record<string, PyValue>,
  isFloat: (key: string) => boolean = () => false,
  isTuple: (key: string) => boolean = () => false,
): string {
  const repr = (v: PyValue, key: string): string => {
    if (typeof v === 'string') return pyStrRepr(v);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return isFloat(key) ? pyFloatRepr(v) : String(v);
    const items = v.map((x) => repr(x, key));
    if (!isTuple(key)) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  };
  return `{${Object.entries(value)
    .map(([k, v]) => `${pyStrRepr(k)}: ${repr(v, k)}`)
    .join(', ')}}`;
}
