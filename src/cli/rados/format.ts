/**
 * The small text formats the `rados` tool prints with C++ streams, byte for
 * byte as Pacific does: `bufferlist::hexdump`, `byte_u_t` sizes, the
 * TextTable of `rados df`, `cpp_strerror`, `strict_iecstrtoll`, and the
 * "(binary key)" substitution for names that are not printable.
 */
import { strerror } from '../../common/errors.js';

/** `cpp_strerror(r)`: "(2) No such file or directory". */
export function cppStrerror(r: number): string {
  const n = Math.abs(r);
  return `(${n}) ${strerror(n)}`;
}

/** C's `isprint` in the C locale: printable ASCII, space included. */
function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

/** True when every byte of the (UTF-8) string is printable ASCII. */
export function isPrintableString(s: string): boolean {
  for (const b of Buffer.from(s, 'utf8')) if (!isPrintable(b)) return false;
  return true;
}

/** rados.cc `prettify`: names with unprintable bytes show as "(binary key)". */
export function prettify(s: string): string {
  return isPrintableString(s) ? s : '(binary key)';
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * `bufferlist::hexdump(out)` (trailing newline on): `hexdump -C` layout, a
 * run of rows that all repeat the previous row's byte is folded into one
 * "*" line (never the last row), then the length in hex. Empty input
 * prints nothing.
 */
export function hexdump(data: Buffer): string {
  if (data.length === 0) return '';
  const per = 16;
  const parts: string[] = [];
  let lastRowByte = data[0]!;
  let wasSame = false;
  let didStar = false;
  for (let o = 0; o < data.length; o += per) {
    if (o + per < data.length) {
      let rowIsSame = true;
      for (let i = 0; i < per && o + i < data.length; i++) {
        const c = data[o + i]!;
        if (c === lastRowByte) continue;
        if (i === 0) {
          // a new run starts at this row
          lastRowByte = c;
          wasSame = false;
          didStar = false;
        } else {
          rowIsSame = false;
        }
      }
      if (rowIsSame) {
        if (wasSame) {
          if (!didStar) {
            parts.push('\n*');
            didStar = true;
          }
          continue;
        }
        wasSame = true;
      } else {
        wasSame = false;
        didStar = false;
      }
    }
    if (o) parts.push('\n');
    let line = `${hex8(o)} `;
    let i = 0;
    for (; i < per && o + i < data.length; i++) {
      if (i === 8) line += ' ';
      line += ' ' + data[o + i]!.toString(16).padStart(2, '0');
    }
    for (; i < per; i++) {
      if (i === 8) line += ' ';
      line += '   ';
    }
    line += '  |';
    for (i = 0; i < per && o + i < data.length; i++) {
      const c = data[o + i]!;
      line += isPrintable(c) ? String.fromCharCode(c) : '.';
    }
    parts.push(line + '|');
  }
  parts.push(`\n${hex8(data.length)}\n`);
  return parts.join('');
}

const BYTE_UNITS = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];

/**
 * `operator<<(byte_u_t)`: "0 B", "16 KiB", "1.5 MiB" — whole multiples print
 * without a fraction, others with as many decimals (2, 1, 0) as fit in 7
 * characters.
 */
export function formatByteU(value: bigint | number): string {
  const v = BigInt(value);
  let n = v;
  let index = 0;
  while (n >= 1024n && index < 7) {
    n /= 1024n;
    index++;
  }
  const unit = BYTE_UNITS[index]!;
  const mult = 1n << BigInt(10 * index);
  if (index === 0 || v % mult === 0n) return `${n}${unit}`;
  const d = Number(v) / Number(mult);
  let text = '';
  for (let digits = 2; digits >= 0; digits--) {
    text = `${formatFixedC(d, digits)}${unit}`;
    if (text.length <= 7) break;
  }
  return text;
}

/**
 * C's `%.<digits>f`: the exact value of the double rounded to `digits`
 * decimals, ties to even (JavaScript's toFixed rounds ties up).
 */
export function formatFixedC(d: number, digits: number): string {
  if (!Number.isFinite(d)) return String(d);
  const negative = d < 0 || Object.is(d, -0);
  // toFixed(100) is the exact decimal expansion for the magnitudes printed here
  const exact = Math.abs(d).toFixed(100);
  const [whole, frac] = exact.split('.') as [string, string];
  const kept = BigInt(whole + frac.slice(0, digits));
  const rest = frac.slice(digits);
  const half = '5' + '0'.repeat(rest.length - 1);
  let rounded = kept;
  if (rest > half || (rest === half && kept % 2n === 1n)) rounded += 1n;
  let text = rounded.toString().padStart(digits + 1, '0');
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return (negative ? '-' : '') + text;
}

export type TextAlign = 'left' | 'right';

/**
 * Ceph's `TextTable` as `rados df` prints it: a heading row, then the rows,
 * each cell padded to its column's widest entry, columns two spaces apart.
 */
export class TextTable {
  private readonly columns: { heading: string; headingAlign: TextAlign; align: TextAlign }[] = [];
  private readonly rows: string[][] = [];

  defineColumn(heading: string, headingAlign: TextAlign, align: TextAlign): this {
    this.columns.push({ heading, headingAlign, align });
    return this;
  }

  addRow(cells: readonly (string | number | bigint)[]): this {
    this.rows.push(cells.map(String));
    return this;
  }

  toString(): string {
    const widths = this.columns.map((c, i) =>
      Math.max(c.heading.length, ...this.rows.map((r) => (r[i] ?? '').length)),
    );
    const pad = (s: string, width: number, align: TextAlign) =>
      align === 'left' ? s.padEnd(width) : s.padStart(width);
    const line = (cells: string[], heading: boolean) =>
      cells
        .map((cell, i) => {
          const col = this.columns[i]!;
          return pad(cell, widths[i]!, heading ? col.headingAlign : col.align);
        })
        .join('  ') + '\n';
    let out = line(
      this.columns.map((c) => c.heading),
      true,
    );
    for (const r of this.rows) out += line(r, false);
    return out;
  }
}

/** The outcome of `strict_iecstrtoll`: a value or Ceph's error text. */
export type IecResult = { value: bigint } | { error: string };

/**
 * `strict_iecstrtoll`: an integer with an optional IEC (or old SI letter)
 * suffix — K, M, G, T, P, E, with or without a trailing "i", or B — that
 * multiplies by a power of 1024; the error texts are Ceph's.
 */
export function strictIecStrtoll(text: string): IecResult {
  if (text === '') return { error: 'strict_iecstrtoll: value not specified' };
  const u = text.search(/[^0-9+-]/);
  let digits = text;
  let shift = 0n;
  if (u >= 0) {
    digits = text.slice(0, u);
    const unit = text.slice(u);
    if (unit.endsWith('i') && unit.startsWith('B'))
      return { error: 'strict_iecstrtoll: illegal prefix "Bi"' };
    if (unit.length > 2) return { error: 'strict_iecstrtoll: illegal prefix (length > 2)' };
    const shifts: Record<string, bigint> = { K: 10n, M: 20n, G: 30n, T: 40n, P: 50n, E: 60n, B: 0n };
    const s = shifts[unit[0]!];
    if (s === undefined) return { error: 'strict_iecstrtoll: unit prefix not recognized' };
    shift = s;
  }
  if (!/^[+-]?\d+$/.test(digits)) {
    return { error: `Expected option value to be integer, got '${digits}'` };
  }
  const ll = BigInt(digits);
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  if (ll > max || ll < min) return { error: `The option value '${digits}' seems to be invalid` };
  if (ll < min >> shift) return { error: 'strict_iecstrtoll: value seems to be too small' };
  if (ll > max >> shift) return { error: 'strict_iecstrtoll: value seems to be too large' };
  return { value: ll << shift };
}

/**
 * C's `strtol(s, &end, 10)` followed by a check that all of `s` was used:
 * the value, or undefined when anything is left over. As in C, an empty
 * string parses as 0, leading whitespace is skipped, and overflow saturates.
 */
export function strtollWhole(s: string): bigint | undefined {
  if (s === '') return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return undefined;
  if (m[0].length !== s.length) return undefined;
  const v = BigInt(m[1]!);
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  return v > max ? max : v < min ? min : v;
}
