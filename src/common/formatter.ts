/**
 * Ceph's structured output: the `Formatter` that daemons and CLIs use for
 * `--format json|json-pretty|xml|xml-pretty`. Output is built as a tree and
 * rendered on `flush()`, byte for byte the way Pacific's JSONFormatter and
 * XMLFormatter print it:
 *
 * * json-pretty indents by 4 spaces and ends with a newline; json is compact
 *   with no trailing newline.
 * * Strings escape `"` `\` tab and newline as two-character sequences and every
 *   other control character (and DEL) as `\u00XX`; `/` and non-ASCII pass through.
 * * Floats print like C++ `setprecision(17)` (`%.17g`): `2.5`, `259200`,
 *   `0.10000000000000001`.
 * * XML element names get spaces replaced by `_`; text escapes `& < > ' "` and
 *   control characters as `&#xNN;`. Names of items inside arrays only matter to XML.
 */
import { assert } from './errors.js';

/** The output formats Ceph's `Formatter::create` knows that tsceph renders. */
export type FormatName = 'json' | 'json-pretty' | 'xml' | 'xml-pretty';

type Scalar =
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

interface Section {
  kind: 'object' | 'array';
  name: string;
  children: Node[];
}

type Node = { name: string; scalar: Scalar } | { name: string; section: Section };

/** True when `format` is one Ceph would accept as a formatter name. */
export function isFormatName(format: unknown): format is FormatName {
  return format === 'json' || format === 'json-pretty' || format === 'xml' || format === 'xml-pretty';
}

/**
 * A Ceph-style formatter. Every dump takes a name (ignored inside JSON arrays,
 * used as the element name in XML), mirroring Ceph's Formatter API so code that
 * prints Ceph's structures reads like the C++ it replaces.
 */
export class Formatter {
  readonly format: FormatName;
  private root: Node[] = [];
  private stack: Section[] = [];

  constructor(format: FormatName = 'json-pretty') {
    this.format = format;
  }

  /** Ceph's `Formatter::create(type, default, fallback)`: unknown names fall back to `fallback`. */
  static create(format: string | undefined, fallback: FormatName = 'json-pretty'): Formatter {
    return new Formatter(isFormatName(format) ? format : fallback);
  }

  get pretty(): boolean {
    return this.format.endsWith('-pretty');
  }

  openObjectSection(name: string): this {
    return this.openSection('object', name);
  }

  openArraySection(name: string): this {
    return this.openSection('array', name);
  }

  closeSection(): this {
    assert(this.stack.length > 0, 'formatter: closeSection without an open section');
    this.stack.pop();
    return this;
  }

  /** Open an object section, run `body`, close it. */
  object(name: string, body: () => void): this {
    this.openObjectSection(name);
    body();
    return this.closeSection();
  }

  /** Open an array section, run `body`, close it. */
  array(name: string, body: () => void): this {
    this.openArraySection(name);
    body();
    return this.closeSection();
  }

  dumpString(name: string, value: string): this {
    return this.add(name, { kind: 'string', value });
  }

  dumpInt(name: string, value: number | bigint): this {
    assert(
      typeof value === 'bigint' || Number.isInteger(value),
      `formatter: ${name}=${value} is not an integer`,
    );
    return this.add(name, { kind: 'number', text: String(value) });
  }

  dumpUnsigned(name: string, value: number | bigint): this {
    assert(value >= 0, `formatter: ${name}=${value} is negative`);
    return this.dumpInt(name, value);
  }

  /** Ceph's `dump_float`: 17 significant digits, shortest form. */
  dumpFloat(name: string, value: number): this {
    return this.add(name, { kind: 'number', text: formatDoubleG17(value) });
  }

  dumpBool(name: string, value: boolean): this {
    return this.add(name, { kind: 'bool', value });
  }

  dumpNull(name: string): this {
    return this.add(name, { kind: 'null' });
  }

  /** Ceph's `dump_format_unquoted`: raw text printed as a JSON number (perf counter times). */
  dumpUnquoted(name: string, text: string): this {
    return this.add(name, { kind: 'number', text });
  }

  /** True when nothing has been dumped since the last flush. */
  get empty(): boolean {
    return this.root.length === 0;
  }

  /** Render everything dumped so far and reset. Open sections are closed implicitly. */
  flush(): string {
    const out = this.format.startsWith('json') ? this.renderJson() : this.renderXml();
    this.root = [];
    this.stack = [];
    return out;
  }

  private openSection(kind: 'object' | 'array', name: string): this {
    const section: Section = { kind, name, children: [] };
    this.push({ name, section });
    this.stack.push(section);
    return this;
  }

  private add(name: string, scalar: Scalar): this {
    return this.push({ name, scalar });
  }

  private push(node: Node): this {
    const top = this.stack[this.stack.length - 1];
    if (top) top.children.push(node);
    else this.root.push(node);
    return this;
  }

  private renderJson(): string {
    const pretty = this.pretty;
    const parts: string[] = [];
    const write = (node: Node, inObject: boolean, depth: number): void => {
      if (inObject) parts.push(`"${escapeJson(node.name)}":`, pretty ? ' ' : '');
      if ('scalar' in node) {
        parts.push(jsonScalar(node.scalar));
        return;
      }
      const { kind, children } = node.section;
      const [open, close] = kind === 'object' ? ['{', '}'] : ['[', ']'];
      if (children.length === 0) {
        parts.push(open, close);
        return;
      }
      parts.push(open);
      children.forEach((child, i) => {
        if (i > 0) parts.push(',');
        if (pretty) parts.push('\n', ' '.repeat(4 * (depth + 1)));
        write(child, kind === 'object', depth + 1);
      });
      if (pretty) parts.push('\n', ' '.repeat(4 * depth));
      parts.push(close);
    };
    for (const node of this.root) write(node, false, 0);
    if (pretty && parts.length > 0) parts.push('\n');
    return parts.join('');
  }

  private renderXml(): string {
    const pretty = this.pretty;
    const parts: string[] = [];
    const write = (node: Node, depth: number): void => {
      const tag = node.name.replace(/ /g, '_');
      const indent = pretty ? ' '.repeat(depth) : '';
      const eol = pretty ? '\n' : '';
      if ('scalar' in node) {
        parts.push(`${indent}<${tag}>${xmlScalar(node.scalar)}</${tag}>${eol}`);
        return;
      }
      parts.push(`${indent}<${tag}>${eol}`);
      for (const child of node.section.children) write(child, depth + 1);
      parts.push(`${indent}</${tag}>${eol}`);
    };
    for (const node of this.root) write(node, 0);
    if (pretty && parts.length > 0) parts.push('\n');
    return parts.join('');
  }
}

function jsonScalar(s: Scalar): string {
  switch (s.kind) {
    case 'string':
      return `"${escapeJson(s.value)}"`;
    case 'number':
      return s.text;
    case 'bool':
      return s.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

function xmlScalar(s: Scalar): string {
  switch (s.kind) {
    case 'string':
      return escapeXml(s.value);
    case 'number':
      return s.text;
    case 'bool':
      return s.value ? 'true' : 'false';
    case 'null':
      return '';
  }
}

/** Escape a string the way Ceph's json_stream_escaper does. */
export function escapeJson(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0x09) rep = '\\t';
    else if (c === 0x0a) rep = '\\n';
    else if (c < 0x20 || c === 0x7f) rep = `\\u${c.toString(16).padStart(4, '0')}`;
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Escape element text the way Ceph's xml_stream_escaper does. */
export function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === "'") out += '&apos;';
    else if (ch === '"') out += '&quot;';
    else if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f)
      out += `&#x${c.toString(16).padStart(2, '0')};`;
    else out += ch;
  }
  return out;
}

/** C's `%.17g`: what `std::ostream << setprecision(17) << d` prints. */
export function formatDoubleG17(d: number): string {
  return formatDoubleG(d, 17);
}

/** C's `%.<precision>g` for a double. */
export function formatDoubleG(d: number, precision: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mantissa, expText] = d.toExponential(precision - 1).split('e') as [string, string];
  const exponent = Number(expText);
  if (exponent < -4 || exponent >= precision) {
    const sign = exponent < 0 ? '-' : '+';
    return `${stripFractionZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripFractionZeros(d.toFixed(precision - 1 - exponent));
}

/** C's `%f` (six decimals), which is what `std::to_string(double)` prints. */
export function formatDoubleFixed6(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (Math.abs(d) < 1e21) return d.toFixed(6);
  // toFixed switches to exponent notation past 1e21; print the exact integer instead
  return `${BigInt(d).toString()}.000000`;
}

function stripFractionZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/\.?0+$/, '');
}
